"""학습 루프 설정이 함께 쓰는 검사 (SFT, 분류기, 보상 모델, DPO, RLHF)."""

from __future__ import annotations

from typing import Any

__all__ = ["check_train_config"]


def check_train_config(cfg: Any, int_fields: tuple[str, ...] = ("epochs", "batch_size")) -> None:
    """학습 설정의 공통 필드를 검사한다. 잘못되면 필드 이름과 값을 담은 ``ValueError``.

    Args:
        cfg: ``lr`` 과 ``max_grad_norm`` (없어도 됨) 을 가진 설정 객체.
        int_fields: 1 이상의 정수여야 하는 필드 이름들.
    """
    lr = cfg.lr
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
        raise ValueError(f"lr은 양수여야 합니다: {lr!r}")
    for name in int_fields:
        v = getattr(cfg, name)
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name}: 1 이상의 정수여야 합니다 (받은 값 {v!r})")
    max_norm = getattr(cfg, "max_grad_norm", None)
    if max_norm is not None and not max_norm > 0:
        raise ValueError(f"max_grad_norm은 양수이거나 None이어야 합니다: {max_norm!r}")
