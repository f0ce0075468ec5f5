"""``llmnotes doctor``: 학습 환경을 점검해 한국어로 보고한다. 어떤 경우에도 죽지 않고 보고만 한다."""

from __future__ import annotations

import importlib
import importlib.util
import os
import platform
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Check", "run_checks", "report", "main"]


@dataclass(frozen=True)
class Check:
    """점검 항목 하나의 결과."""

    name: str
    ok: bool
    detail: str
    required: bool = True


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
        return Check("핵심 패키지", False, f"없음: {', '.join(missing)}")
    return Check("핵심 패키지", True, f"{len(names)}개 모두 설치됨")


def _font() -> Check:
    import koreanize_matplotlib  # noqa: F401
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    ok = "NanumGothic" in names
    return Check(
        "한국어 글꼴", ok, "NanumGothic (koreanize-matplotlib)" if ok else "NanumGothic 을 찾지 못함"
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
    )


def _cache() -> Check:
    from .paths import cache_dir

    path = cache_dir(create=True)
    with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-", delete=True) as fh:
        fh.write(b"ok")
    return Check(
        "캐시 폴더 쓰기",
        True,
        "LLMNOTES_CACHE 에 쓸 수 있음"
        if os.environ.get("LLMNOTES_CACHE")
        else "~/.cache/llmnotes 에 쓸 수 있음",
    )


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


def run_checks(checks: list[tuple[str, Callable[[], Check], bool]] | None = None) -> list[Check]:
    """모든 점검을 실행한다. 점검 함수가 예외를 던지면 실패로 기록하고 다음으로 넘어간다."""
    results = []
    for name, func, required in checks or CHECKS:
        try:
            res = func()
            results.append(Check(res.name, res.ok, res.detail, required))
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
    missing = [r.name for r in results if not r.ok and r.required]
    lines.append("-" * 40)
    lines.append("모두 준비되었습니다." if not missing else f"문제 있음: {', '.join(missing)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """점검을 실행하고 보고서를 출력한다. 필수 항목이 하나라도 실패하면 1 을 돌려준다."""
    results = run_checks()
    print(report(results))
    return 0 if all(r.ok for r in results if r.required) else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
