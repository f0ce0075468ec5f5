"""저장된 노트북 그림이 프로젝터(1280×720)에서 읽히는 크기인지 확인한다 (이슈 22).

JupyterLab 은 본문 폭보다 넓은 그림을 줄여서 보여 준다. 1280×720 화면에서 본문은 약 850 픽셀이다 (파일 탐색기를 연 상태).
그래서 그림마다 다음을 본다:

1. PNG 의 해상도(pHYs)가 ``llmnotes.nb.FIGURE_DPI`` (110)다: ``setup()`` 뒤에 다시 실행해 만든 그림이라는 뜻이다.
2. 줄여 보일 때의 글자 크기: 가장 작은 기본 글자(눈금 10pt)는 110 dpi 에서 15.3 픽셀이다. 본문 폭에 맞춰 줄인 뒤에도
   12 픽셀 이상이어야 한다. 곧 그림 폭이 850 × 15.3 / 12 ≈ 1083 픽셀을 넘으면 안 된다.
3. 줄인 뒤의 높이가 화면에 한 번에 보이는 높이(720 에서 브라우저·JupyterLab 의 메뉴와 도구 막대를 뺀 약 590 픽셀) 안이다.

검사하는 노트북은 :data:`FIGURE_NOTEBOOKS` 한 곳에 적는다 (110 dpi 로 다시 실행한 노트북만 넣는다).
"""

from __future__ import annotations

import base64
import io
import json
import struct
from pathlib import Path

import pytest

from llmnotes.nb import FIGURE_DPI

ROOT = Path(__file__).resolve().parents[1]

# 검사하는 노트북 (번호): 모든 노트북. 새 노트북은 110 dpi 로 실행한 뒤 여기에 더한다.
FIGURE_NOTEBOOKS = (
    "00",
    "01",
    "02",
    "03",
    "04",
    "05",
    "06",
    "07",
    "08",
    "09",
    "10",
    "11",
    "12",
    "13",
    "14",
    "15",
    "18",
    "19",
    "20",
)

BODY_WIDTH_PX = 850  # 1280×720 화면의 JupyterLab 본문 폭
VISIBLE_HEIGHT_PX = 590  # 같은 화면에서 메뉴·도구 막대를 뺀 높이
SMALLEST_TEXT_PT = 10  # nb.setup() 의 눈금 글자 크기 (가장 작은 기본 글자)
MIN_TEXT_PX = 12  # 프로젝터 화면에서 읽을 수 있다고 보는 가장 작은 글자 높이


def png_info(data: bytes) -> tuple[int, int, float | None]:
    """PNG 의 (폭, 높이, dpi). pHYs 청크가 없으면 dpi 는 None."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("PNG 가 아닙니다")
    width, height = struct.unpack(">II", data[16:24])
    i = 8
    while i + 8 <= len(data):
        (n,) = struct.unpack(">I", data[i : i + 4])
        kind = data[i + 4 : i + 8]
        if kind == b"pHYs":
            x, _y, unit = struct.unpack(">IIB", data[i + 8 : i + 17])
            return width, height, (x * 0.0254 if unit == 1 else None)
        if kind in (b"IDAT", b"IEND"):
            break
        i += 12 + n
    return width, height, None


def figure_problems(data: bytes) -> list[str]:
    """PNG 한 장이 프로젝터 기준을 어기는 이유들 (없으면 빈 목록)."""
    width, height, dpi = png_info(data)
    problems = []
    if dpi is None or round(dpi) != FIGURE_DPI:
        problems.append(
            f"해상도 {dpi if dpi is None else round(dpi)} dpi (기대 {FIGURE_DPI}: setup() 뒤에 다시 실행)"
        )
    scale = min(1.0, BODY_WIDTH_PX / width)
    text_px = SMALLEST_TEXT_PT / 72 * (dpi or FIGURE_DPI) * scale
    if text_px < MIN_TEXT_PX:
        problems.append(f"폭 {width}px: 본문 폭 {BODY_WIDTH_PX}px로 줄이면 가장 작은 글자가 {text_px:.1f}px")
    if height * scale > VISIBLE_HEIGHT_PX:
        problems.append(
            f"높이 {height}px: 화면 높이 {VISIBLE_HEIGHT_PX}px를 넘는다 (줄인 뒤 {height * scale:.0f}px)"
        )
    return problems


def notebook_pngs(path: Path):
    """노트북의 (셀 번호, PNG 바이트)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            png = out.get("data", {}).get("image/png")
            if png:
                yield i, base64.b64decode(png)


def _notebook(number: str) -> Path:
    found = sorted((ROOT / "notebooks").glob(f"{number}_*.ipynb"))
    assert len(found) == 1, f"notebooks/{number}_*.ipynb 가 하나가 아닙니다: {found}"
    return found[0]


@pytest.mark.parametrize("number", FIGURE_NOTEBOOKS)
def test_stored_figures_are_projector_readable(number):
    path = _notebook(number)
    bad = [f"셀 {i}: {'; '.join(p)}" for i, data in notebook_pngs(path) if (p := figure_problems(data))]
    assert not bad, f"{path.name}:\n" + "\n".join(bad)


def _png(figsize, dpi) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize)
    ax.plot([0, 1], [0, 1], label="손실")
    ax.legend()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def test_figure_check_catches_old_dpi_wide_and_tall_figures():
    """검사가 실제로 실패할 수 있다: 80 dpi, 너무 넓은 그림, 너무 긴 그림을 잡고 기본 그림은 통과시킨다."""
    assert figure_problems(_png((6.4, 4.0), FIGURE_DPI)) == []
    assert png_info(_png((6.4, 4.0), FIGURE_DPI))[:2] == (704, 440)
    assert any("dpi" in p for p in figure_problems(_png((6.4, 4.0), 80)))
    assert any("폭" in p for p in figure_problems(_png((12, 4), FIGURE_DPI)))
    assert any("높이" in p for p in figure_problems(_png((6, 7), FIGURE_DPI)))
    with pytest.raises(ValueError, match="PNG"):
        png_info(b"GIF89a" + bytes(30))


def test_every_notebook_is_checked():
    """새 노트북이 목록에서 빠지지 않게: 목록 = notebooks/ 의 모든 번호 노트북."""
    numbers = {p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert set(FIGURE_NOTEBOOKS) == numbers, sorted(numbers ^ set(FIGURE_NOTEBOOKS))
