"""사전학습 목표들이 함께 쓰는 값과 입력 검사."""

from __future__ import annotations

import torch

IGNORE_INDEX = -100  # PyTorch/transformers 의 손실 함수가 건너뛰는 목표 값


def _torch_generator(generator: torch.Generator | int | None) -> torch.Generator | None:
    if generator is None or isinstance(generator, torch.Generator):
        return generator
    if isinstance(generator, int) and not isinstance(generator, bool):
        return torch.Generator().manual_seed(generator)
    raise TypeError(f"generator는 torch.Generator, 정수 시드 또는 None이어야 합니다: {generator!r}")


def _check_prob(name: str, value: float, *, open_low: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = ok and (0.0 < value <= 1.0 if open_low else 0.0 <= value <= 1.0)
    if not ok:
        lo = "0 초과" if open_low else "0 이상"
        raise ValueError(f"{name}: {lo} 1 이하의 실수여야 합니다 (받은 값 {value!r})")


def _check_ids(name: str, ids: torch.Tensor) -> None:
    if not isinstance(ids, torch.Tensor):
        raise TypeError(f"{name}: torch.Tensor여야 합니다 (받은 형식 {type(ids).__name__})")
    if ids.dtype != torch.long:
        raise TypeError(f"{name}: dtype이 torch.long이어야 합니다 (받은 dtype {ids.dtype})")
