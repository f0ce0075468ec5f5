"""학습 처리량 벤치마크(`bench_gpt.py`, `bench_llama.py`)가 함께 쓰는 한 스텝과 비율 요약."""

from __future__ import annotations

import statistics

import torch


def make_step(model, kind: str, x: torch.Tensor, y: torch.Tensor):
    """순전파 + 역전파 + AdamW 갱신 한 스텝을 하는 함수. ``kind`` 가 ``"hf"`` 면 transformers 모델, 아니면 우리 모델.

    두 쪽 모두 AdamW(lr=1e-4, foreach/fused 는 PyTorch 기본값)와 ``zero_grad(set_to_none=True)`` 를 쓴다.
    """
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def step() -> float:
        opt.zero_grad(set_to_none=True)
        if kind == "hf":
            # transformers 를 쓰는 보통 방법 그대로: labels 를 주면 모델 안에서 한 칸 밀어 손실을 계산한다
            loss = model(input_ids=x, labels=x).loss
        else:
            _, loss = model(x, y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def summary(ratios: list[float]) -> str:
    """라운드마다 짝지은 비율들의 중앙값과 범위."""
    return f"중앙값 {statistics.median(ratios):.2f}x  (최저 {min(ratios):.2f}x, 최고 {max(ratios):.2f}x, 라운드 {len(ratios)})"
