"""GRPO(Group Relative Policy Optimization): 검증 가능한 보상(verifiable reward)으로 하는 강화학습.

정답을 기계가 확인할 수 있는 과제(산수, 코드 테스트)에서는 보상 모델이 필요 없다: 보상 = 정답이면 1, 아니면 0.
GRPO 는 가치 함수(critic)도 두지 않는다. 같은 문제에 풀이를 G 개 뽑고, **그 묶음(group) 안에서** 보상을 표준화한
값을 기준선 대신 쓴다 (Shao 외, 2024, DeepSeekMath).

    A_i = (r_i − mean(r_1..r_G)) / (std(r_1..r_G) + ε)        (묶음 상대 이점, group-relative advantage)

손실은 PPO 처럼 비율 ρ_t = π_θ(o_t|·) / π_old(o_t|·) 를 잘라 쓰고, 참조 모델 π_ref 에서 멀어지지 않게 KL 항을 더한다.

    L = −(1/G) Σ_i (1/|o_i|) Σ_t [ min(ρ_t A_i, clip(ρ_t, 1−ε, 1+ε) A_i) − β · KL_t ]
    KL_t = π_ref/π_θ − log(π_ref/π_θ) − 1     (Schulman 의 k3 추정량: 언제나 0 이상, 기댓값이 KL(π_θ‖π_ref))

``trl`` 의 ``GRPOTrainer`` (loss_type="grpo", importance_sampling_level="token") 와 같은 값을 낸다 (테스트로 확인).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["group_advantages", "grpo_loss", "completion_logprobs"]


def group_advantages(
    rewards: torch.Tensor, group_size: int, eps: float = 1e-4, scale: bool = True
) -> torch.Tensor:
    """묶음 상대 이점. ``rewards`` 는 ``(B·G,)`` 이고 연속한 ``G`` 개가 한 문제의 풀이들이다.

    std 는 베셀 보정(n−1)을 쓴다 (``trl`` 과 같음). 묶음 안 보상이 모두 같으면 이점은 0 (배울 신호가 없다).

    Args:
        rewards: ``(B·G,)`` 보상.
        group_size: 묶음 크기 G (2 이상).
        eps: 분모에 더하는 작은 수.
        scale: ``False`` 면 표준편차로 나누지 않는다 (Dr. GRPO: A_i = r_i − r̄; 거의 다 맞히거나 거의 다 틀린 묶음이
            부풀려지지 않는다).
    """
    if not isinstance(group_size, int) or group_size < 2:
        raise ValueError(f"group_size는 2 이상의 정수여야 합니다: {group_size!r}")
    if rewards.dim() != 1 or rewards.numel() % group_size != 0:
        raise ValueError(
            f"rewards는 길이가 group_size={group_size}의 배수인 1차원이어야 합니다: {tuple(rewards.shape)}"
        )
    r = rewards.float().view(-1, group_size)  # (B, G)
    mean = r.mean(dim=1, keepdim=True)
    if not scale:
        return (r - mean).view(-1)  # A_i = r_i − r̄
    std = r.std(dim=1, keepdim=True)  # 베셀 보정: Σ(r − r̄)² / (G − 1)
    return ((r - mean) / (std + eps)).view(-1)  # A_i = (r_i − r̄) / (σ + ε)


def grpo_loss(
    logps: torch.Tensor,
    old_logps: torch.Tensor,
    ref_logps: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    beta: float = 0.04,
    clip_eps: float = 0.2,
    norm: str = "sequence",
) -> tuple[torch.Tensor, torch.Tensor]:
    """GRPO 손실과 (기록용) 평균 KL.

    Args:
        logps: ``(N, T)`` 현재 정책의 토큰 로그확률 log π_θ (기울기가 흐른다).
        old_logps: ``(N, T)`` 풀이를 뽑을 때의 정책 log π_old (한 번만 갱신하면 ``logps.detach()`` 와 같다).
        ref_logps: ``(N, T)`` 참조 모델 log π_ref.
        advantages: ``(N,)`` 묶음 상대 이점.
        mask: ``(N, T)`` 풀이 토큰이면 1, 채움이면 0.
        beta: KL 항의 무게 β (0 이상).
        clip_eps: 비율 자르기 ε.
        norm: ``"sequence"`` 면 풀이마다 길이 |o_i| 로 평균한 뒤 풀이들을 평균 (GRPO 원래 식), ``"token"`` 이면 모든 토큰의
            합을 상수 N·T 로 나눈다 (Dr. GRPO: 긴 오답의 토큰 하나하나가 덜 벌받는 길이 편향이 없다).

    Returns:
        ``(loss, mean_kl)``.
    """
    if logps.shape != old_logps.shape or logps.shape != ref_logps.shape or logps.shape != mask.shape:
        raise ValueError(
            f"logps, old_logps, ref_logps, mask의 모양이 같아야 합니다: {tuple(logps.shape)}, "
            f"{tuple(old_logps.shape)}, {tuple(ref_logps.shape)}, {tuple(mask.shape)}"
        )
    if advantages.shape != (logps.size(0),):
        raise ValueError(f"advantages는 ({logps.size(0)},)이어야 합니다: {tuple(advantages.shape)}")
    if beta < 0:
        raise ValueError(f"beta는 0 이상이어야 합니다: {beta!r}")
    if norm not in ("sequence", "token"):
        raise ValueError(f"norm은 'sequence' 또는 'token'이어야 합니다: {norm!r}")
    mask = mask.to(logps.dtype)
    A = advantages.unsqueeze(1)  # (N, 1): 한 풀이의 모든 토큰이 같은 이점을 받는다
    ratio = torch.exp(logps - old_logps)  # ρ_t
    clipped = torch.clamp(ratio, 1 - clip_eps, 1 + clip_eps)
    per_token = -torch.min(ratio * A, clipped * A)
    delta = ref_logps - logps
    kl = torch.exp(delta) - delta - 1  # k3: π_ref/π − log(π_ref/π) − 1 ≥ 0
    per_token = per_token + beta * kl
    if norm == "token":
        loss = (per_token * mask).sum() / mask.numel()  # Dr. GRPO: Σ_i Σ_t (…) / (N·T)
    else:
        lengths = mask.sum(dim=1).clamp(min=1.0)
        loss = ((per_token * mask).sum(dim=1) / lengths).mean()  # 풀이마다 길이로 평균, 그다음 풀이들 평균
    mean_kl = (kl * mask).sum() / mask.sum().clamp(min=1.0)
    return loss, mean_kl.detach()


def completion_logprobs(model, ids: torch.Tensor, prompt_len: int, temperature: float = 1.0) -> torch.Tensor:
    """``ids`` (프롬프트 + 풀이)에서 풀이 토큰들의 로그확률 ``(N, T − prompt_len)``.

    Args:
        model: ``model(idx) → (logits, _)`` 인 언어 모델 (``llmnotes.gpt.GPT``).
        ids: ``(N, T)`` 토큰.
        prompt_len: 프롬프트 길이 (풀이는 그 뒤부터).
        temperature: 정책의 온도 T: log softmax(logits / T). 온도 T 로 뽑은 풀이를 학습할 때는 같은 T 를 쓴다.
    """
    if not temperature > 0:
        raise ValueError(f"temperature는 0보다 커야 합니다: {temperature!r}")
    if not 0 < prompt_len < ids.size(1):
        raise ValueError(f"prompt_len은 0과 T={ids.size(1)} 사이여야 합니다: {prompt_len!r}")
    logits, _ = model(ids[:, :-1])
    logits = logits[:, prompt_len - 1 :] / temperature  # 위치 t 의 로짓이 토큰 t+1 을 예측한다
    targets = ids[:, prompt_len:]
    return -F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")  # log p(o_t | ·)
