"""학습 설정 공통 검사: SFT·분류기·정렬 설정이 같은 규칙으로 잘못된 값을 막는다."""

from __future__ import annotations

import pytest

from llmnotes.align import DPOTrainConfig
from llmnotes.classify import ClassifierTrainConfig
from llmnotes.sft import SFTConfig


@pytest.mark.parametrize("cls", [SFTConfig, ClassifierTrainConfig, DPOTrainConfig])
@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"lr": 0}, "lr"),
        ({"lr": True}, "lr"),
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 1.5}, "batch_size"),
        ({"max_grad_norm": 0.0}, "max_grad_norm"),
    ],
)
def test_shared_config_checks(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(**kwargs)


@pytest.mark.parametrize("cls", [SFTConfig, ClassifierTrainConfig, DPOTrainConfig])
def test_defaults_are_valid(cls):
    cfg = cls(max_grad_norm=None)
    assert cfg.lr > 0
