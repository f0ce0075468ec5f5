"""노트북을 새 커널에서 위에서 아래로 다시 실행해 출력과 함께 제자리에 저장한다.

사용법: python tools/regen.py [notebooks/NN_slug.ipynb ...]   (인자가 없으면 notebooks/ 의 모든 노트북)
`make test` 의 nbval 과 똑같은 환경 변수(아래 NBVAL_ENV, Makefile 의 export 와 같음을 테스트가 확인)로 실행한다.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "tools" / "nbconvert_config.py"


# Makefile 이 export 하는 값과 nbval 줄의 MPLBACKEND. tests/test_packaging.py 가 Makefile 과 같은지 확인한다.
NBVAL_ENV = {
    "PYTHONHASHSEED": "0",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}
# 수치 경로를 바꾸는 변수는 지운다: 저장 출력은 기본 환경에서 만든다.
CLEARED = ("ATEN_CPU_CAPABILITY", "MKL_CBWR")


def regen(path: Path) -> float:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(NBVAL_ENV)
    start = time.perf_counter()
    cmd = [
        sys.executable, "-m", "jupyter", "nbconvert", "--config", str(CONFIG),
        "--to", "notebook", "--inplace", str(path),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, env=env, cwd=path.parent)
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        print("다시 실행할 노트북이 없습니다")
        return 0
    for p in paths:
        secs = regen(p)
        print(f"{p.relative_to(ROOT)}: {secs:.1f}초")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
