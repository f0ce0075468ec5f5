"""노트북 첫 코드 셀에서 부르는 공통 준비: 시드, 한국어 글꼴, 출력 형식, 경고 정리."""

from __future__ import annotations

import logging
import os
import random
import sys
import warnings

import numpy as np

__all__ = ["setup", "seed_everything", "check_shape", "FONT_FAMILY"]

# 라틴 문자·숫자·기호는 DejaVu Sans 로, DejaVu 에 없는 한글은 NanumGothic(koreanize-matplotlib 에 들어 있음)으로 그린다
# (matplotlib 3.6+ 의 글자 단위 글꼴 대체). GUIDE 는 NanumGothic 을 앞에 두라고 했지만, 그러면 로그 축 눈금(10^-3)처럼
# mathtext 로 그리는 글자는 대체 글꼴을 쓰지 않아 NanumGothic 에 없는 빼기 기호(U+2212)가 빈 네모가 된다.
# DejaVu Sans 를 앞에 두면 한글, 빼기 기호, 수식 모두 빠짐없이 그려진다.
FONT_FAMILY = ["DejaVu Sans", "NanumGothic"]


def seed_everything(seed: int = 0) -> None:
    """Python, NumPy, torch 의 난수 시드를 한꺼번에 고정한다.

    Args:
        seed: 0 이상의 정수.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed 는 0 이상의 정수여야 합니다: {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch 는 필수 의존성
        return
    torch.manual_seed(seed)
    if torch.cuda.is_available():  # pragma: no cover - GPU 가 있을 때만
        torch.cuda.manual_seed_all(seed)


def _setup_matplotlib(dpi: int) -> None:
    import matplotlib

    if os.environ.get("MPLBACKEND") is None and not _in_ipython():
        matplotlib.use("Agg")
    with warnings.catch_warnings():
        # koreanize-matplotlib 0.1.1 은 import 할 때 distutils 의 DeprecationWarning 을 낸다.
        warnings.simplefilter("ignore", DeprecationWarning)
        import koreanize_matplotlib  # noqa: F401  (NanumGothic 글꼴을 matplotlib 에 등록한다)
    import matplotlib.pyplot as plt

    plt.rcParams["font.family"] = FONT_FAMILY
    plt.rcParams["axes.unicode_minus"] = True
    plt.rcParams["figure.dpi"] = dpi
    plt.rcParams["savefig.dpi"] = dpi
    plt.rcParams["figure.figsize"] = (6.4, 4.0)
    # 노트북에 PNG 로 그린다 (SVG 는 용량이 크고 글꼴 처리가 달라진다).
    if _in_ipython():
        try:
            from matplotlib_inline.backend_inline import set_matplotlib_formats

            set_matplotlib_formats("png")
        except ImportError:  # pragma: no cover
            pass


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    return get_ipython() is not None


def setup(seed: int = 0, dpi: int = 80, precision: int = 4, quiet: bool = True) -> None:
    """노트북 환경을 한 번에 준비한다.

    Args:
        seed: Python/NumPy/torch 난수 시드.
        dpi: 그림 해상도. 강의 화면과 파일 크기의 균형으로 80 을 쓴다.
        precision: NumPy/torch 가 실수를 출력할 소수 자릿수.
        quiet: ``True`` 면 라이브러리의 경고와 로그를 줄인다 (출력이 실행마다 같아지도록).
    """
    if not isinstance(dpi, int) or dpi <= 0:
        raise ValueError(f"dpi 는 양의 정수여야 합니다: {dpi!r}")
    if not isinstance(precision, int) or precision < 0:
        raise ValueError(f"precision 은 0 이상의 정수여야 합니다: {precision!r}")
    # ipywidgets 가 없으면 tqdm.auto 가 경고를 내고 글자 진행 막대로 바꾼다: 그 경고는 숨긴다.
    warnings.filterwarnings("ignore", message="IProgress not found")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    seed_everything(seed)
    np.set_printoptions(precision=precision, suppress=True, linewidth=110)
    try:
        import torch

        torch.set_printoptions(precision=precision, sci_mode=False, linewidth=110)
        torch.use_deterministic_algorithms(True, warn_only=True)
    except ImportError:  # pragma: no cover
        pass
    _setup_matplotlib(dpi)
    if quiet:
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=UserWarning, module=r"(transformers|torch|trl|peft)\..*")
        for name in (
            "transformers",
            "datasets",
            "trl",
            "peft",
            "gensim",
            "accelerate",
            "matplotlib.font_manager",
        ):
            logging.getLogger(name).setLevel(logging.ERROR)
        # transformers 는 import 할 때 이 환경 변수를 읽는다: 여기서 import 하지 않아도(느림) 조용해진다.
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        if "transformers" in sys.modules:
            import transformers

            transformers.logging.set_verbosity_error()


def check_shape(x, expected: tuple, name: str = "x") -> None:
    """텐서(또는 배열)의 모양이 기대와 같은지 확인하고, 다르면 무엇이 다른지 알려 준다.

    Args:
        x: ``.shape`` 를 가진 객체.
        expected: 기대하는 모양. ``None`` 자리는 아무 크기나 허용한다.
        name: 오류 메시지에 쓸 이름.
    """
    shape = tuple(getattr(x, "shape", ()))
    ok = len(shape) == len(expected) and all(e is None or e == s for s, e in zip(shape, expected))
    if not ok:
        raise ValueError(f"{name} 의 모양이 {shape} 입니다. 기대한 모양: {tuple(expected)}")
