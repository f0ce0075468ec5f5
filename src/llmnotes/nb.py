"""노트북 첫 코드 셀에서 부르는 공통 준비: 시드, 한국어 글꼴, 출력 형식, 경고 정리."""

from __future__ import annotations

import logging
import os
import random
import sys
import warnings

import numpy as np

__all__ = [
    "setup",
    "seed_everything",
    "check_shape",
    "show_table",
    "Table",
    "progress",
    "FONT_FAMILY",
    "FIGURE_DPI",
    "figure_png",
]

# 라틴 문자·숫자·기호는 DejaVu Sans 로, DejaVu 에 없는 한글은 NanumGothic(koreanize-matplotlib 에 들어 있음)으로 그린다
# (matplotlib 3.6+ 의 글자 단위 글꼴 대체). GUIDE 는 NanumGothic 을 앞에 두라고 했지만, 그러면 로그 축 눈금(10^-3)처럼
# mathtext 로 그리는 글자는 대체 글꼴을 쓰지 않아 NanumGothic 에 없는 빼기 기호(U+2212)가 빈 네모가 된다.
# DejaVu Sans 를 앞에 두면 한글, 빼기 기호, 수식 모두 빠짐없이 그려진다.
FONT_FAMILY = ["DejaVu Sans", "NanumGothic"]

# 프로젝터(1280×720)에서 범례까지 읽히도록 정한 값. 기본 그림(6.4×4.0 인치)은 110 dpi 에서 704×440 픽셀이라 JupyterLab 의
# 본문 폭(1280 픽셀 화면에서 약 850 픽셀)에 줄이지 않고 들어가고, 범례 글자(10.5pt)는 16 픽셀 높이로 그려진다.
FIGURE_DPI = 110
_FONT_SIZES = {
    "font.size": 11,
    "axes.titlesize": 12.5,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10.5,
    "legend.title_fontsize": 11,
    "figure.titlesize": 13,
}


def seed_everything(seed: int = 0) -> None:
    """Python, NumPy, torch 의 난수 시드를 한꺼번에 고정한다.

    Args:
        seed: 0 이상의 정수.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed는 0 이상의 정수여야 합니다: {seed!r}")
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
    plt.rcParams.update(_FONT_SIZES)
    # 노트북에 PNG 로 그린다 (SVG 는 용량이 크고 글꼴 처리가 달라진다).
    if _in_ipython():
        try:
            from matplotlib_inline.backend_inline import set_matplotlib_formats

            set_matplotlib_formats("png")
        except ImportError:  # pragma: no cover
            pass
        from IPython import get_ipython
        from matplotlib.figure import Figure

        get_ipython().display_formatter.formatters["image/png"].for_type(Figure, figure_png)


def figure_png(fig) -> bytes:
    """노트북에 싣는 그림 PNG: 인라인 백엔드와 같은 영역(bbox_inches="tight")·해상도를 256색 팔레트로 저장한다.

    110 dpi 그림은 80 dpi 보다 픽셀이 약 1.9배라 노트북 파일이 커진다. 그래프는 색이 256가지를 넘는 일이 드물어
    팔레트 PNG 로 바꿔도 눈으로는 같고, 크기는 약 1/3 이 된다. 디더링은 하지 않는다 (점무늬가 생기고 압축이 나빠진다).
    """
    import io

    from PIL import Image

    buf = io.BytesIO()
    fig.canvas.print_figure(
        buf,
        format="png",
        dpi=fig.dpi,
        bbox_inches="tight",
        facecolor=fig.get_facecolor(),
        edgecolor=fig.get_edgecolor(),
    )
    rgba = Image.open(io.BytesIO(buf.getvalue())).convert("RGBA")
    rgb = Image.new("RGB", rgba.size, "white")
    rgb.paste(rgba, mask=rgba.getchannel("A"))  # 투명한 곳은 흰 바탕 위에 (RGB 로 바로 바꾸면 검게 된다)
    out = io.BytesIO()
    rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, format="PNG", optimize=True, dpi=(fig.dpi, fig.dpi)
    )
    return out.getvalue()


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    return get_ipython() is not None


def setup(seed: int = 0, dpi: int = FIGURE_DPI, precision: int = 4, quiet: bool = True) -> None:
    """노트북 환경을 한 번에 준비한다.

    Args:
        seed: Python/NumPy/torch 난수 시드.
        dpi: 그림 해상도. 기본 110 은 1280×720 프로젝터에서 범례가 읽히는 크기다 (``FIGURE_DPI`` 참고).
        precision: NumPy/torch 가 실수를 출력할 소수 자릿수.
        quiet: ``True`` 면 라이브러리의 경고와 로그를 줄인다 (출력이 실행마다 같아지도록).
    """
    if not isinstance(dpi, int) or dpi <= 0:
        raise ValueError(f"dpi는 양의 정수여야 합니다: {dpi!r}")
    if not isinstance(precision, int) or precision < 0:
        raise ValueError(f"precision은 0 이상의 정수여야 합니다: {precision!r}")
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
        raise ValueError(f"{name}의 모양이 {shape}입니다. 기대한 모양: {tuple(expected)}")


# ---------------------------------------------------------------- 표: 한글이 섞여도 줄이 맞는 표
def _display_width(text: str) -> int:
    """고정폭 글꼴에서 차지하는 칸 수 (한글 같은 전각 문자는 2칸)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell_text(value, floatfmt: str) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return format(value, floatfmt)
    return str(value)


class Table:
    """노트북에서 진짜 HTML 표로 보이는 표. 고정폭 글자 정렬은 한글(2칸)과 브라우저 글꼴에 따라 어긋나기 때문이다.

    ``repr`` (nbval 이 비교하는 text/plain, 터미널 출력)은 한글 폭을 2칸으로 세어 맞춘 글자 표다.
    """

    def __init__(self, rows, headers, floatfmt: str = ".3f") -> None:
        if isinstance(headers, str) or not all(isinstance(h, str) for h in headers):
            raise TypeError(f"headers는 문자열의 목록이어야 합니다: {headers!r}")
        self.headers = tuple(headers)
        if not self.headers:
            raise ValueError("headers가 비어 있습니다")
        try:
            format(1.0, floatfmt)
        except ValueError as exc:
            raise ValueError(f"floatfmt가 올바른 형식이 아닙니다: {floatfmt!r}") from exc
        self.floatfmt = floatfmt
        self.rows: list[tuple[str, ...]] = []
        self._numeric = [True] * len(self.headers)
        for i, row in enumerate(rows):
            if isinstance(row, (str, bytes)) or not hasattr(row, "__len__"):
                raise TypeError(f"rows[{i}]는 값의 목록이어야 합니다: {row!r}")
            if len(row) != len(self.headers):
                raise ValueError(
                    f"rows[{i}]의 칸 수가 headers의 칸 수와 다릅니다: {len(row)} ≠ {len(self.headers)} (행 {row!r})"
                )
            for j, value in enumerate(row):
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    self._numeric[j] = False
            self.rows.append(tuple(_cell_text(v, floatfmt) for v in row))

    def __repr__(self) -> str:
        widths = [
            max([_display_width(h)] + [_display_width(r[j]) for r in self.rows])
            for j, h in enumerate(self.headers)
        ]

        def line(cells) -> str:
            out = []
            for j, text in enumerate(cells):
                pad = " " * (widths[j] - _display_width(text))
                out.append(pad + text if self._numeric[j] and cells is not self.headers else text + pad)
            return "  ".join(out).rstrip()

        sep = "  ".join("-" * w for w in widths)
        return "\n".join([line(self.headers), sep, *(line(r) for r in self.rows)])

    def _repr_html_(self) -> str:
        import html

        def cell(tag: str, text: str, j: int) -> str:
            align = ' style="text-align: right"' if self._numeric[j] and tag == "td" else ""
            return f"<{tag}{align}>{html.escape(text)}</{tag}>"

        head = "".join(cell("th", h, j) for j, h in enumerate(self.headers))
        body = "".join(
            "<tr>" + "".join(cell("td", t, j) for j, t in enumerate(r)) + "</tr>" for r in self.rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def to_markdown(self) -> str:
        """GitHub 마크다운 표 (README·데이터시트에 붙여 넣을 때)."""
        esc = [[t.replace("|", "\\|") for t in r] for r in [self.headers, *self.rows]]
        align = ["---:" if n else "---" for n in self._numeric]
        lines = ["| " + " | ".join(esc[0]) + " |", "|" + "|".join(align) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in esc[1:]]
        return "\n".join(lines)


def show_table(rows, headers, floatfmt: str = ".3f") -> None:
    """표를 보여 준다: 노트북에서는 HTML 표, 그 밖에서는 한글 폭을 맞춘 글자 표.

    Args:
        rows: 행의 목록. 각 행은 ``headers`` 와 칸 수가 같은 값의 목록.
        headers: 열 이름 목록.
        floatfmt: 실수 칸의 형식 (기본 소수 셋째 자리).
    """
    table = Table(rows, headers, floatfmt)
    if _in_ipython():
        from IPython.display import display

        display(table)
    else:
        print(repr(table))


# ---------------------------------------------------------------- 진행 막대
def progress(iterable=None, total: int | None = None, desc: str = "", enabled: bool | None = None):
    """학습자가 긴 셀에서 진행 상황을 보게 하는 tqdm 막대 (``tqdm.auto``).

    nbval 은 막대의 글자(퍼센트, 속도, 시간)를 ``notebooks/nbval_sanitize.cfg`` 의 규칙으로 지우고 비교하므로 켜 두어도
    된다. 환경 변수 ``LLMNOTES_PROGRESS=0`` 이면 끈다.

    Args:
        iterable: 감쌀 반복 가능 객체 (없으면 ``total`` 로 수동 막대).
        total: 전체 단계 수.
        desc: 막대 앞에 붙일 설명.
        enabled: ``None`` 이면 환경 변수를 따른다.
    """
    from tqdm.auto import tqdm

    if enabled is None:
        enabled = os.environ.get("LLMNOTES_PROGRESS", "1") != "0"
    if total is not None and (not isinstance(total, int) or isinstance(total, bool) or total < 0):
        raise ValueError(f"total은 0 이상의 정수여야 합니다: {total!r}")
    return tqdm(iterable, total=total, desc=desc, disable=not enabled, mininterval=0.5)
