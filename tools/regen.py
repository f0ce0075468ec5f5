"""노트북을 새 커널에서 위에서 아래로 다시 실행해 출력과 함께 제자리에 저장한다.

사용법: python tools/regen.py [notebooks/NN_slug.ipynb ...]   (인자가 없으면 notebooks/ 의 모든 노트북)
PYTHONHASHSEED=0, OMP_NUM_THREADS=1 로 실행해 출력이 기계마다 같게 한다.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "tools" / "nbconvert_config.py"


def regen(path: Path) -> float:
    env = dict(
        os.environ,
        PYTHONHASHSEED="0",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        TOKENIZERS_PARALLELISM="false",
    )
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
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
