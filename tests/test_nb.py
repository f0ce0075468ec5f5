"""노트북 공통 준비(setup), 장치 선택(device), 모양 검사(check_shape)."""

from __future__ import annotations

import random
import warnings

import matplotlib
import numpy as np
import pytest
import torch

import llmnotes
from llmnotes.nb import (
    FIGURE_DPI,
    FONT_FAMILY,
    Table,
    check_shape,
    progress,
    seed_everything,
    setup,
    show_table,
)


def test_setup_seeds_everything():
    setup(seed=123)
    a = (random.random(), np.random.rand(), torch.rand(1).item())
    setup(seed=123)
    b = (random.random(), np.random.rand(), torch.rand(1).item())
    assert a == b
    setup(seed=124)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) != a


def test_setup_sets_korean_font_and_minus():
    setup()
    rc = matplotlib.rcParams
    assert rc["font.family"] == FONT_FAMILY
    assert rc["axes.unicode_minus"] is True
    assert rc["figure.dpi"] == FIGURE_DPI == 110


def test_korean_plot_has_no_missing_glyph_warnings(tmp_path, caplog):
    import logging

    import matplotlib.pyplot as plt

    setup()
    fig, (ax1, ax2) = plt.subplots(1, 2)
    ax1.plot([-3, -2, -1, 0], [1, -1, 2, -2])
    ax1.set_title("한국어 제목: 손실 곡선 −0.5")
    ax1.set_xlabel("학습 단계")
    ax1.set_ylabel("값 (음수 포함)")
    ax2.semilogy([1, 2, 3], [1e-16, 1e-3, 1.0])  # 로그 축 눈금은 mathtext 로 그려진다 (10^-16)
    ax2.set_title("로그 축")
    # 글꼴에 없는 글자는 UserWarning('Glyph ... missing') 이나 mathtext 로그 경고('does not have a glyph')로 나타난다.
    with warnings.catch_warnings(), caplog.at_level(logging.WARNING, logger="matplotlib"):
        warnings.simplefilter("error")
        fig.savefig(tmp_path / "plot.png")
    plt.close(fig)
    assert not [r for r in caplog.records if "glyph" in r.getMessage()]
    assert (tmp_path / "plot.png").stat().st_size > 1000


def test_setup_sets_print_precision():
    setup(precision=3)
    assert np.get_printoptions()["precision"] == 3
    assert "3.142" in str(torch.tensor([3.14159265]))
    setup()


@pytest.mark.parametrize("kwargs", [{"dpi": 0}, {"precision": -1}, {"seed": -5}, {"seed": 1.5}])
def test_setup_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        setup(**kwargs)


def test_seed_everything_rejects_bool():
    with pytest.raises(ValueError, match="seed"):
        seed_everything(True)  # type: ignore[arg-type]


def test_device_cpu_and_auto(monkeypatch):
    monkeypatch.delenv("LLMNOTES_DEVICE", raising=False)
    assert llmnotes.device("cpu").type == "cpu"
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert llmnotes.device().type == expected


def test_device_env_override_and_errors(monkeypatch):
    monkeypatch.setenv("LLMNOTES_DEVICE", "cpu")
    assert llmnotes.device().type == "cpu"
    with pytest.raises(ValueError, match="'tpu'"):
        llmnotes.device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA"):
            llmnotes.device("cuda")


def test_check_shape():
    x = torch.zeros(2, 3, 4)
    check_shape(x, (2, 3, 4))
    check_shape(x, (2, None, 4))
    with pytest.raises(ValueError, match=r"q의 모양이 \(2, 3, 4\)"):
        check_shape(x, (2, 3, 5), name="q")
    with pytest.raises(ValueError, match="기대한 모양"):
        check_shape(x, (2, 3))


def test_default_figure_is_projector_readable():
    """1280×720 화면의 JupyterLab 본문(약 850 픽셀)에 줄이지 않고 들어가고, 범례·눈금 글자가 14 픽셀 이상이다."""
    import matplotlib.pyplot as plt

    setup()
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [1.0, 0.5, 0.3], label="적응 전 손실")
    ax.plot([0, 1, 2], [0.9, 0.4, 0.2], label="텐서별/채널별")
    ax.set_xlabel("학습 단계")
    legend = ax.legend()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width, height = fig.canvas.get_width_height()
    assert (width, height) == (704, 440)
    assert width <= 850
    legend_px = [t.get_window_extent(renderer).height for t in legend.get_texts()]
    tick_px = [t.get_window_extent(renderer).height for t in ax.get_xticklabels() if t.get_text()]
    label_px = ax.xaxis.label.get_window_extent(renderer).height
    plt.close(fig)
    assert min(legend_px) >= 14, legend_px
    assert min(tick_px) >= 13, tick_px
    assert label_px >= 15, label_px


def test_table_aligns_hangul_and_renders_html():
    t = Table([["어텐션", 0.91234, 3], ["BPE", 1.5, 12]], ["방법", "정확도", "개수"])
    lines = repr(t).splitlines()
    # 한글은 2칸: 글자 폭으로 잰 각 줄의 열 위치가 같다
    from llmnotes.nb import _display_width

    assert len({_display_width(line) for line in lines[1:]}) == 1
    assert lines[2] == "어텐션   0.912     3"
    html = t._repr_html_()
    assert html.count("<tr>") == 3 and "<td>어텐션</td>" in html
    assert '<td style="text-align: right">0.912</td>' in html
    assert t.to_markdown().splitlines()[1] == "|---|---:|---:|"
    assert "<b>" not in Table([["<b>"]], ["x"])._repr_html_()  # HTML 은 이스케이프된다


@pytest.mark.parametrize(
    ("rows", "headers", "exc", "match"),
    [
        ([["a", 1]], ["x"], ValueError, r"rows\[0\]의 칸 수가 headers의 칸 수와 다릅니다: 2 ≠ 1"),
        (["ab"], ["x", "y"], TypeError, r"rows\[0\]"),
        ([["a"]], "x", TypeError, "headers"),
        ([], [], ValueError, "headers"),
    ],
)
def test_table_rejects_bad_input(rows, headers, exc, match):
    with pytest.raises(exc, match=match):
        Table(rows, headers)


def test_show_table_prints_outside_notebook(capsys):
    show_table([["가", 1]], ["글자", "값"])
    assert capsys.readouterr().out.splitlines()[0].startswith("글자")


def test_progress_bar_on_by_default_and_can_be_turned_off(monkeypatch):
    monkeypatch.delenv("LLMNOTES_PROGRESS", raising=False)
    bar = progress(range(3), desc="학습")
    assert not bar.disable and list(bar) == [0, 1, 2]
    monkeypatch.setenv("LLMNOTES_PROGRESS", "0")
    assert progress(range(3)).disable
    with pytest.raises(ValueError, match="total"):
        progress(total=-1)


def test_figure_png_is_a_smaller_palette_png_with_same_size_and_dpi():
    """노트북에 싣는 PNG(figure_png): 인라인 백엔드와 같은 픽셀 크기·110 dpi, 256색 팔레트라 더 작다."""
    import io

    import matplotlib.pyplot as plt
    from PIL import Image

    from llmnotes.nb import figure_png

    setup()
    fig, ax = plt.subplots()
    im = ax.imshow(np.linspace(0, 1, 64 * 64).reshape(64, 64), cmap="RdBu")
    fig.colorbar(im, ax=ax)
    ax.plot([0, 63], [0, 63], label="손실")
    ax.legend()
    ref = io.BytesIO()
    fig.savefig(ref, format="png", dpi=fig.dpi, bbox_inches="tight")
    data = figure_png(fig)
    plt.close(fig)
    small, full = Image.open(io.BytesIO(data)), Image.open(io.BytesIO(ref.getvalue()))
    assert small.mode == "P" and small.size == full.size
    assert round(small.info["dpi"][0]) == FIGURE_DPI
    assert len(data) < 0.7 * len(ref.getvalue())
    # 눈으로 같은 그림: 픽셀 차이의 평균이 작다 (0–255 척도)
    diff = np.abs(np.asarray(small.convert("RGB"), float) - np.asarray(full.convert("RGB"), float))
    assert diff.mean() < 2.0, diff.mean()
