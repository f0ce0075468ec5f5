"""노트북 공통 준비(setup), 장치 선택(device), 모양 검사(check_shape)."""

from __future__ import annotations

import random
import warnings

import matplotlib
import numpy as np
import pytest
import torch

import llmnotes
from llmnotes.nb import FONT_FAMILY, check_shape, seed_everything, setup


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
    assert rc["figure.dpi"] == 80


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
    with pytest.raises(ValueError, match=r"q 의 모양이 \(2, 3, 4\)"):
        check_shape(x, (2, 3, 5), name="q")
    with pytest.raises(ValueError, match="기대한 모양"):
        check_shape(x, (2, 3))
