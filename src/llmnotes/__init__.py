"""llmnotes: 한국어로 배우는 LLM 노트북 모음의 도우미 라이브러리."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "device"]


def device(prefer: str | None = None):
    """계산에 쓸 torch 장치를 고른다.

    Args:
        prefer: ``"cpu"`` 또는 ``"cuda"``. ``None`` 이면 CUDA 가 보일 때 CUDA, 아니면 CPU.
            환경 변수 ``LLMNOTES_DEVICE`` 가 있으면 그 값을 먼저 따른다.

    Returns:
        ``torch.device``.
    """
    import os

    import torch

    choice = prefer if prefer is not None else os.environ.get("LLMNOTES_DEVICE") or None
    if choice is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice not in ("cpu", "cuda"):
        raise ValueError(f"prefer는 'cpu' 또는 'cuda'여야 합니다: {choice!r}")
    if choice == "cuda" and not torch.cuda.is_available():
        raise ValueError("prefer='cuda'이지만 이 컴퓨터에서 CUDA를 찾을 수 없습니다")
    return torch.device(choice)
