"""GRPO: 손으로 계산한 값, 그리고 trl GRPOTrainer 의 손실 계산과 같은 값."""

from __future__ import annotations

import math
from collections import defaultdict
from types import SimpleNamespace

import pytest
import torch

from llmnotes.gpt import GPT, GPTConfig
from llmnotes.grpo import completion_logprobs, group_advantages, grpo_loss


def test_group_advantages_hand_computed():
    # 한 묶음 보상 [1, 0, 0, 1]: 평균 0.5, 표본 표준편차 √(4·0.25/3) = 0.57735
    a = group_advantages(torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0]), group_size=4)
    s = math.sqrt(1.0 / 3.0)
    expected = [0.5 / (s + 1e-4), -0.5 / (s + 1e-4), -0.5 / (s + 1e-4), 0.5 / (s + 1e-4), 0, 0, 0, 0]
    torch.testing.assert_close(a, torch.tensor(expected), rtol=0, atol=1e-6)


def test_grpo_loss_hand_computed():
    # 풀이 2개, 토큰 2개 (둘째 풀이의 둘째 토큰은 채움).
    logps = torch.log(torch.tensor([[0.5, 0.25], [0.8, 0.1]]))
    ref = torch.log(torch.tensor([[0.25, 0.25], [0.4, 0.9]]))
    mask = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
    adv = torch.tensor([1.0, -2.0])
    beta = 0.1
    loss, kl = grpo_loss(logps, logps.detach(), ref, adv, mask, beta=beta)
    # 비율 ρ = 1 이므로 정책 항은 −A. KL_t = q/p − log(q/p) − 1 (q = π_ref, p = π_θ).
    k = lambda p, q: q / p - math.log(q / p) - 1  # noqa: E731
    seq1 = (-1.0 + beta * k(0.5, 0.25) + -1.0 + beta * k(0.25, 0.25)) / 2
    seq2 = 2.0 + beta * k(0.8, 0.4)
    assert loss.item() == pytest.approx((seq1 + seq2) / 2, abs=1e-6)
    assert kl.item() == pytest.approx((k(0.5, 0.25) + 0 + k(0.8, 0.4)) / 3, abs=1e-6)


def test_grpo_gradient_pushes_toward_positive_advantage():
    logits = torch.zeros(2, 3, requires_grad=True)
    logps = torch.log_softmax(logits, -1)[:, :1]  # 두 풀이, 각 1토큰 (토큰 0)
    loss, _ = grpo_loss(
        logps, logps.detach(), logps.detach(), torch.tensor([1.0, -1.0]), torch.ones(2, 1), beta=0.0
    )
    loss.backward()
    assert (
        logits.grad[0, 0] < 0 < logits.grad[1, 0]
    )  # 경사 하강: 이점이 양수인 풀이의 확률은 오르고 음수면 내린다


def test_clipping_stops_gradient_beyond_eps():
    logps = torch.log(torch.tensor([[0.9]])).requires_grad_()
    old = torch.log(torch.tensor([[0.5]]))  # ρ = 1.8 > 1.2
    loss, _ = grpo_loss(logps, old, old, torch.tensor([1.0]), torch.ones(1, 1), beta=0.0)
    loss.backward()
    assert logps.grad.abs().item() == 0.0


def test_bad_inputs():
    x = torch.zeros(2, 3)
    with pytest.raises(ValueError, match="group_size"):
        group_advantages(torch.zeros(6), group_size=4)
    with pytest.raises(ValueError, match="group_size"):
        group_advantages(torch.zeros(6), group_size=1)
    with pytest.raises(ValueError, match="모양"):
        grpo_loss(x, x, x, torch.zeros(2), torch.ones(2, 2))
    with pytest.raises(ValueError, match="advantages"):
        grpo_loss(x, x, x, torch.zeros(3), torch.ones(2, 3))
    with pytest.raises(ValueError, match="beta"):
        grpo_loss(x, x, x, torch.zeros(2), torch.ones(2, 3), beta=-1.0)


def test_completion_logprobs_matches_manual():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=11, n_layer=1, n_head=2, n_embd=8, block_size=10)).eval()
    ids = torch.randint(0, 11, (3, 7))
    lp = completion_logprobs(model, ids, prompt_len=4)
    logits, _ = model(ids)
    manual = torch.log_softmax(logits, -1)[:, 3:6].gather(-1, ids[:, 4:7, None])[..., 0]
    torch.testing.assert_close(lp, manual, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="prompt_len"):
        completion_logprobs(model, ids, prompt_len=7)
    # 온도 T 의 정책: log softmax(logits / T)
    hot = completion_logprobs(model, ids, prompt_len=4, temperature=0.5)
    manual_t = torch.log_softmax(logits / 0.5, -1)[:, 3:6].gather(-1, ids[:, 4:7, None])[..., 0]
    torch.testing.assert_close(hot, manual_t, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="temperature"):
        completion_logprobs(model, ids, prompt_len=4, temperature=0.0)


# --- trl 과 비교 -------------------------------------------------------------------------------------------------


def test_advantages_match_trl_formula():
    from trl.trainer.utils import nanstd

    torch.manual_seed(1)
    rewards = (torch.rand(24) > 0.5).float()
    G = 6
    # trl GRPOTrainer 의 scale_rewards="group" 경로를 그대로 옮겼다.
    mean = rewards.view(-1, G).mean(dim=1).repeat_interleave(G, dim=0)
    std = nanstd(rewards.view(-1, G), dim=1).repeat_interleave(G, dim=0)
    expected = (rewards - mean) / (std + 1e-4)
    torch.testing.assert_close(group_advantages(rewards, G), expected, rtol=1e-6, atol=1e-6)


class _Acc:
    sync_gradients = True

    def reduce(self, x, reduction="sum"):
        return x

    def gather(self, x):
        return x

    gather_for_metrics = gather


@pytest.mark.parametrize("beta", [0.0, 0.04, 0.3])
def test_loss_matches_trl_grpo_trainer(beta):
    from trl import GRPOTrainer

    torch.manual_seed(2)
    N, T = 6, 5
    logps = (torch.randn(N, T) * 0.5 - 1.0).requires_grad_()
    old = logps.detach() + torch.randn(N, T) * 0.3  # 비율이 잘리는 자리도 생기게
    ref = logps.detach() + torch.randn(N, T) * 0.2
    mask = torch.ones(N, T)
    mask[0, 3:] = 0
    mask[4, 1:] = 0
    adv = torch.randn(N)
    ours, _ = grpo_loss(logps, old, ref, adv, mask, beta=beta, clip_eps=0.2)

    # GRPOTrainer._compute_loss 를 그대로 부르되, 모델 대신 같은 로그확률을 돌려주는 가짜 self 를 쓴다.
    fake = SimpleNamespace(
        _get_per_token_logps_and_entropies=lambda *a, **k: (logps, torch.zeros(N, T), None),
        top_entropy_quantile=1.0,
        off_policy_mask_threshold=None,
        importance_sampling_level="token",
        beta=beta,
        args=SimpleNamespace(use_bias_correction_kl=False, delta=None),
        loss_type="grpo",
        epsilon_low=0.2,
        epsilon_high=0.2,
        use_vllm=False,
        aux_loss_enabled=False,
        model=SimpleNamespace(training=True),
        current_gradient_accumulation_steps=1,
        _entropy_bonus_enabled=False,
        _metrics=defaultdict(lambda: defaultdict(list)),
        accelerator=_Acc(),
    )
    inputs = {
        "prompt_ids": torch.zeros(N, 2, dtype=torch.long),
        "prompt_mask": torch.ones(N, 2, dtype=torch.long),
        "completion_ids": torch.zeros(N, T, dtype=torch.long),
        "completion_mask": mask.long(),
        "advantages": adv,
        "old_per_token_logps": old,
        "ref_per_token_logps": ref,
    }
    theirs = GRPOTrainer._compute_loss(fake, None, inputs)
    torch.testing.assert_close(ours, theirs, rtol=1e-6, atol=1e-6)
    g_ours = torch.autograd.grad(ours, logps, retain_graph=True)[0]
    g_theirs = torch.autograd.grad(theirs, logps)[0]
    torch.testing.assert_close(g_ours, g_theirs, rtol=1e-6, atol=1e-6)


# --- 방향 검사: 한 번의 작은 SGD 걸음이 이점의 부호대로 로그확률을 움직이는가 ----------------------------------------


def _tiny_batch():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=13, n_layer=1, n_head=2, n_embd=16, block_size=12))
    ids = torch.randint(1, 13, (6, 12))  # 프롬프트 4 + 풀이 8
    mask = torch.ones(6, 8)
    mask[1, 5:] = 0  # 끝 기호 뒤 (채움)
    mask[4, 3:] = 0
    return model, ids, mask


def _seq_logp(model, ids, mask):
    with torch.no_grad():
        return (completion_logprobs(model, ids, prompt_len=4) * mask).sum(1)


def test_one_sgd_step_raises_positive_and_lowers_negative_advantage_rows():
    model, ids, mask = _tiny_batch()
    adv = torch.tensor([1.5, -0.5, 0.7, -1.0, 0.4, -1.1])
    before = _seq_logp(model, ids, mask)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    lp = completion_logprobs(model, ids, prompt_len=4)
    loss, _ = grpo_loss(lp, lp.detach(), lp.detach(), adv, mask, beta=0.0)
    opt.zero_grad()
    loss.backward()
    opt.step()
    delta = _seq_logp(model, ids, mask) - before
    assert (delta[adv > 0] > 0).all(), delta  # 이점이 양수인 풀이마다 로그확률이 오른다
    assert (delta[adv < 0] < 0).all(), delta  # 음수인 풀이마다 내린다


def test_tokens_outside_the_mask_do_not_change_loss_or_gradient():
    """끝 기호 뒤(마스크 0) 토큰을 바꿔도 손실과 기울기가 그대로다: 채움 토큰은 손실에 들어가지 않는다."""
    model, ids, mask = _tiny_batch()
    adv = torch.tensor([1.0, -1.0, 0.5, -0.5, 1.0, -1.0])

    def loss_and_grad(x):
        lp = completion_logprobs(model, x, prompt_len=4)
        ref = lp.detach() + 0.1
        loss, _ = grpo_loss(lp, lp.detach(), ref, adv, mask, beta=0.04)
        grads = torch.autograd.grad(loss, list(model.parameters()))
        return loss.detach(), torch.cat([g.flatten() for g in grads])

    l1, g1 = loss_and_grad(ids)
    other = ids.clone()
    other[1, 4 + 5 :] = (other[1, 4 + 5 :] + 3) % 13  # 마스크 밖 풀이 토큰만 바꾼다
    other[4, 4 + 3 :] = 0
    l2, g2 = loss_and_grad(other)
    torch.testing.assert_close(l1, l2, rtol=0, atol=1e-7)
    torch.testing.assert_close(g1, g2, rtol=0, atol=1e-7)
    inside = ids.clone()
    inside[1, 4 + 2] = (
        inside[1, 4 + 2] + 3
    ) % 13  # 마스크 안 토큰을 바꾸면 기울기가 달라진다 (검사가 무언가를 잰다)
    assert not torch.allclose(loss_and_grad(inside)[1], g1, rtol=0, atol=1e-6)


def test_dr_grpo_options_hand_computed():
    # scale=False: A_i = r_i − r̄ (표준편차로 나누지 않는다)
    a = group_advantages(torch.tensor([1.0, 0.0, 0.0, 0.0]), 4, scale=False)
    torch.testing.assert_close(a, torch.tensor([0.75, -0.25, -0.25, -0.25]))
    # norm="token": 토큰 합을 N·T 로 나눈다. ρ = 1, β = 0 이면 손실 = −Σ_i A_i·|o_i| / (N·T)
    logps = torch.log(torch.tensor([[0.5, 0.25, 0.5], [0.8, 0.1, 0.3]]))
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    adv = torch.tensor([1.0, -2.0])
    loss, _ = grpo_loss(logps, logps.detach(), logps.detach(), adv, mask, beta=0.0, norm="token")
    assert loss.item() == pytest.approx(-(1.0 * 3 + -2.0 * 1) / 6, abs=1e-6)
    seq, _ = grpo_loss(logps, logps.detach(), logps.detach(), adv, mask, beta=0.0)
    assert seq.item() == pytest.approx(-(1.0 + -2.0) / 2, abs=1e-6)  # 풀이마다 길이 평균: 길이와 상관없다
    with pytest.raises(ValueError, match="norm"):
        grpo_loss(logps, logps, logps, adv, mask, norm="batch")
