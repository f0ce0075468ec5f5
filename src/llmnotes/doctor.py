"""``llmnotes doctor``: 학습 환경을 점검해 한국어로 보고한다. 어떤 경우에도 죽지 않고 보고만 한다.

점검은 두 묶음이다. ``CHECKS`` 는 어느 컴퓨터에서나 같은 결과를 내는 항목(노트북 00 이 출력을 저장해 비교한다),
``MACHINE_CHECKS`` 는 이 컴퓨터에 따라 달라지는 항목(JupyterLab 과 커널, 체크포인트 해시, 브라우저용 한글 글꼴, 남은 디스크,
스레드)이다. ``llmnotes doctor`` 는 둘 다 실행하며, 느린 항목(torch·Kiwi 불러오기)이 있어 진행 상황을 한 줄씩 보여 준다.
실패한 항목마다 고치는 방법(``fix``)을 함께 출력한다.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Check", "CHECKS", "MACHINE_CHECKS", "run_checks", "report", "table", "main", "verify_checkpoints"]


@dataclass(frozen=True)
class Check:
    """점검 항목 하나의 결과."""

    name: str
    ok: bool
    detail: str
    required: bool = True
    fix: str = ""


def _python() -> Check:
    v = sys.version_info
    ok = v >= (3, 11)
    return Check("Python", ok, f"{v.major}.{v.minor}.{v.micro}" + ("" if ok else " (3.11 이상 필요)"))


def _torch() -> Check:
    import torch

    cuda = torch.cuda.is_available()
    where = (
        f"CUDA 사용 가능 ({torch.cuda.get_device_name(0)})"
        if cuda
        else "CPU 전용 (GPU 없이도 모든 노트북이 돈다)"
    )
    return Check("PyTorch", True, f"{torch.__version__.split('+')[0]}, {where}")


def _packages() -> Check:
    names = [
        "transformers",
        "tokenizers",
        "datasets",
        "peft",
        "trl",
        "sklearn",
        "rank_bm25",
        "gensim",
        "kiwipiepy",
    ]
    missing = [n for n in names if importlib.util.find_spec(n) is None]
    if missing:
        return Check(
            "핵심 패키지",
            False,
            f"없음: {', '.join(missing)}",
            fix='저장소에서 .venv/bin/pip install -e ".[dev]"',
        )
    return Check("핵심 패키지", True, f"{len(names)}개 모두 설치됨")


def _font() -> Check:
    import koreanize_matplotlib  # noqa: F401
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    ok = "NanumGothic" in names
    return Check(
        "한국어 글꼴",
        ok,
        "NanumGothic (koreanize-matplotlib)" if ok else "NanumGothic을 찾지 못함",
        fix="" if ok else ".venv/bin/pip install --force-reinstall koreanize-matplotlib",
    )


def _kiwi() -> Check:
    from .morph import tokenize

    tokens = tokenize("형태소 분석기가 동작합니다.")
    ok = len(tokens) > 0
    return Check("Kiwi 형태소 분석기", ok, f"'형태소 분석기가 동작합니다.' → {len(tokens)}개 형태소")


def _corpora() -> Check:
    from .corpora import constitution_articles, load_bills

    n_art, n_bill = len(constitution_articles("본문")), len(load_bills())
    ok = n_art == 130 and n_bill == 10
    return Check("내장 말뭉치 (KoNLPy)", ok, f"헌법 본문 {n_art}개 조, 의안 {n_bill}건")


def _data() -> Check:
    from .paths import data_dir

    ok = (data_dir() / "README.md").is_file()
    return Check(
        "프로젝트 데이터 (data/)",
        ok,
        "data/README.md 있음" if ok else "data/ 폴더를 찾지 못함 (저장소에서 실행하세요)",
        fix=""
        if ok
        else "저장소를 clone 한 폴더에서 pip install -e . 로 설치하거나 LLMNOTES_DATA=저장소/data를 주세요",
    )


def _cache() -> Check:
    from .paths import cache_dir

    path = cache_dir(create=True)
    with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-", delete=True) as fh:
        fh.write(b"ok")
    return Check(
        "캐시 폴더 쓰기",
        True,
        "LLMNOTES_CACHE에 쓸 수 있음"
        if os.environ.get("LLMNOTES_CACHE")
        else "~/.cache/llmnotes에 쓸 수 있음",
    )


# ---------------------------------------------------------------- 이 컴퓨터에 따라 달라지는 점검
MIN_FREE_GB = 2.0


def _jupyterlab() -> Check:
    from importlib.metadata import PackageNotFoundError, version

    try:
        lab = version("jupyterlab")
    except PackageNotFoundError:
        return Check(
            "JupyterLab", False, "jupyterlab이 설치되지 않음", fix='.venv/bin/pip install -e ".[dev]"'
        )
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    if "python3" not in specs:
        return Check(
            "JupyterLab",
            False,
            f"JupyterLab {lab}, 그러나 python3 커널이 없음",
            fix=".venv/bin/python -m ipykernel install --sys-prefix",
        )
    if importlib.util.find_spec("ipykernel") is None:
        return Check("JupyterLab", False, "ipykernel이 없음", fix=".venv/bin/pip install ipykernel")
    extras = []
    try:
        version("jupyterlab-language-pack-ko-KR")
        extras.append("한국어 화면")
    except PackageNotFoundError:
        pass
    try:
        version("jupyterlab-rise")
        extras.append("RISE 슬라이드")
    except PackageNotFoundError:
        pass
    detail = f"JupyterLab {lab}, python3 커널" + (f", {'·'.join(extras)}" if extras else "")
    return Check("JupyterLab", True, detail)


def _hexdigest(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _recorded_hashes(recipe: dict) -> dict[str, str]:
    """recipe.json 에 적힌 파일별 SHA-256 ({파일 이름: 해시}). 레시피마다 키 이름이 조금 달라 알려진 세 가지를 모두 본다."""
    found: dict[str, str] = {}
    for key in ("files", "files_sha256", "sha256"):
        table = recipe.get(key)
        if isinstance(table, dict):
            for name, digest in table.items():
                if isinstance(digest, str) and len(digest) == 64:
                    found[name] = digest
    return found


def verify_checkpoints(models_dir=None) -> tuple[int, int, list[str]]:
    """``data/models/*/recipe.json`` 에 적힌 해시로 체크포인트 파일을 검사한다.

    Returns:
        (검사한 체크포인트 수, 검사한 파일 수, 문제 목록).
    """
    from pathlib import Path

    from .paths import models_dir as default_models_dir

    root = Path(models_dir) if models_dir is not None else default_models_dir()
    if not root.is_dir():
        raise FileNotFoundError(f"체크포인트 폴더가 없습니다: {root.name}")
    n_models = n_files = 0
    problems: list[str] = []
    for recipe_path in sorted(root.glob("*/recipe.json")):
        hashes = _recorded_hashes(json.loads(recipe_path.read_text(encoding="utf-8")))
        if not hashes:
            continue
        n_models += 1
        for name, digest in sorted(hashes.items()):
            path = recipe_path.parent / name
            n_files += 1
            if not path.is_file():
                problems.append(f"{recipe_path.parent.name}/{name} 없음")
            elif _hexdigest(path) != digest:
                problems.append(f"{recipe_path.parent.name}/{name} 해시 불일치")
    return n_models, n_files, problems


def _checkpoints() -> Check:
    n_models, n_files, problems = verify_checkpoints()
    if problems:
        return Check(
            "모델 체크포인트",
            False,
            "; ".join(problems[:3]) + (f" 외 {len(problems) - 3}건" if len(problems) > 3 else ""),
            fix="git checkout -- data/models로 되돌리거나, 해당 recipe.json의 command로 다시 만드세요",
        )
    if n_models == 0:
        return Check(
            "모델 체크포인트",
            False,
            "recipe.json이 있는 체크포인트가 없음",
            fix="저장소의 data/models를 확인하세요",
        )
    return Check("모델 체크포인트", True, f"{n_models}개, 파일 {n_files}개의 SHA-256이 recipe.json과 일치")


def _browser_font() -> Check:
    system = platform.system()
    if system in ("Darwin", "Windows"):
        return Check("브라우저용 한글 글꼴", True, f"{system} 기본 한글 글꼴 사용", required=False)
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return Check(
            "브라우저용 한글 글꼴",
            False,
            "fc-list가 없어 확인할 수 없음",
            required=False,
            fix="sudo apt-get install -y fontconfig fonts-nanum",
        )
    out = subprocess.run([fc_list, ":lang=ko", "family"], capture_output=True, text=True, timeout=30).stdout
    families = sorted({line.split(",")[0].strip() for line in out.splitlines() if line.strip()})
    if not families:
        return Check(
            "브라우저용 한글 글꼴",
            False,
            "시스템에 한글 글꼴이 없어 JupyterLab의 한글이 빈 네모로 보일 수 있음 (책·슬라이드는 글꼴을 함께 실음)",
            required=False,
            fix="sudo apt-get install -y fonts-nanum   (Fedora: sudo dnf install google-noto-sans-cjk-fonts)",
        )
    return Check("브라우저용 한글 글꼴", True, f"{len(families)}개 (예: {families[0]})", required=False)


def _disk() -> Check:
    from .paths import cache_dir

    free_gb = shutil.disk_usage(cache_dir(create=True)).free / 1e9
    ok = free_gb >= MIN_FREE_GB
    return Check(
        "남은 디스크",
        ok,
        f"{free_gb:.1f} GB" + ("" if ok else f" (캐시와 책·슬라이드에 {MIN_FREE_GB:.0f} GB 이상 권장)"),
        required=False,
        fix="" if ok else "필요 없는 파일을 지우거나 LLMNOTES_CACHE를 여유 있는 디스크로 옮기세요",
    )


def _threads() -> Check:
    import torch

    cores = os.cpu_count() or 1
    omp = os.environ.get("OMP_NUM_THREADS")
    torch_threads = torch.get_num_threads()
    ok = torch_threads <= cores
    detail = f"CPU 코어 {cores}개, torch 스레드 {torch_threads}개" + (
        f", OMP_NUM_THREADS={omp}" if omp else " (OMP_NUM_THREADS 미설정: make 명령은 1로 정한다)"
    )
    return Check(
        "스레드",
        ok,
        detail,
        required=False,
        fix="" if ok else f"export OMP_NUM_THREADS={cores}처럼 코어 수 이하로 정하세요",
    )


MACHINE_CHECKS: list[tuple[str, Callable[[], Check], bool]] = [
    ("JupyterLab", _jupyterlab, True),
    ("모델 체크포인트", _checkpoints, True),
    ("브라우저용 한글 글꼴", _browser_font, False),
    ("남은 디스크", _disk, False),
    ("스레드", _threads, False),
]


CHECKS: list[tuple[str, Callable[[], Check], bool]] = [
    ("Python", _python, True),
    ("PyTorch", _torch, True),
    ("핵심 패키지", _packages, True),
    ("한국어 글꼴", _font, True),
    ("Kiwi 형태소 분석기", _kiwi, True),
    ("내장 말뭉치 (KoNLPy)", _corpora, True),
    ("프로젝트 데이터 (data/)", _data, True),
    ("캐시 폴더 쓰기", _cache, True),
]


def run_checks(
    checks: list[tuple[str, Callable[[], Check], bool]] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Check]:
    """점검을 실행한다 (기본: 어느 컴퓨터에서나 같은 ``CHECKS``). 점검 함수가 예외를 던지면 실패로 기록하고 넘어간다.

    Args:
        checks: (이름, 점검 함수, 필수 여부) 목록.
        progress: 각 점검을 시작하기 전에 ``(번호, 전체 수, 이름)`` 으로 불린다.
    """
    checks = checks or CHECKS
    results = []
    for i, (name, func, required) in enumerate(checks, start=1):
        if progress is not None:
            progress(i, len(checks), name)
        try:
            res = func()
            results.append(Check(res.name, res.ok, res.detail, required, res.fix))
        except Exception as exc:  # noqa: BLE001 - doctor 는 어떤 오류에도 죽지 않고 보고한다
            results.append(Check(name, False, f"오류: {type(exc).__name__}: {exc}", required))
    return results


def _display_width(text: str) -> int:
    """터미널에서 차지하는 칸 수 (한글 같은 전각 문자는 2칸)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def report(results: list[Check]) -> str:
    """점검 결과를 사람이 읽는 한국어 표로 만든다."""
    width = max(_display_width(r.name) for r in results)
    lines = ["llmnotes 환경 점검", "=" * 40, f"운영체제: {platform.system()} {platform.machine()}"]
    for r in results:
        mark = "✅" if r.ok else ("❌" if r.required else "⚠️")
        pad = " " * (width - _display_width(r.name))
        lines.append(f"{mark} {r.name}{pad}  {r.detail}")
        if not r.ok and r.fix:
            lines.append(f"   {' ' * width}  → 고치는 법: {r.fix}")
    missing = [r.name for r in results if not r.ok and r.required]
    lines.append("-" * 40)
    lines.append("모두 준비되었습니다." if not missing else f"문제 있음: {', '.join(missing)}")
    return "\n".join(lines)


def table(results: list[Check]):
    """노트북용 보고서: 그림 문자(✅) 대신 글자로 결과를 적은 HTML 표 (이모지 글꼴이 없어도, 한글이 섞여도 줄이 맞는다)."""
    from .nb import Table

    rows = [["통과" if r.ok else ("실패" if r.required else "주의"), r.name, r.detail] for r in results]
    return Table(rows, ["결과", "항목", "내용"])


def _print_progress(i: int, n: int, name: str) -> None:
    # 표준 오류로: 보고서(표준 출력)를 파일로 받아도 진행 줄이 섞이지 않는다.
    print(f"[{i}/{n}] {name} 점검 중…", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """모든 점검(CHECKS + MACHINE_CHECKS)을 진행 상황과 함께 실행하고 보고서를 출력한다.

    필수 항목이 하나라도 실패하면 1 을 돌려준다.
    """
    results = run_checks(CHECKS + MACHINE_CHECKS, progress=_print_progress)
    print(report(results))
    return 0 if all(r.ok for r in results if r.required) else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
