"""정렬(alignment): 보상 모델(Bradley-Terry), 단순화한 RLHF(KL 벌점 REINFORCE), DPO, RLAIF.

흐름::

    SFT 모델 ─┬─ 보상 모델 r_φ(x, y)  ← 사람 선호 쌍 (Bradley-Terry)
              ├─ RLHF: 정책 π_θ 가 응답을 샘플 → r_φ 로 점수 → KL(π_θ‖π_ref) 벌점 → REINFORCE
              └─ DPO: 보상 모델 없이 선호 쌍에서 바로 π_θ 를 학습 (암묵적 보상 β log π_θ/π_ref)

선호 쌍 하나는 (프롬프트, 선택 응답, 거절 응답). 프롬프트는 :func:`llmnotes.sft.render_chat` 의 대화 템플릿
(``<|user|>\\n{프롬프트}\\n<|assistant|>\\n``) 으로, 응답은 ``{응답}<|endoftext|>`` 로 만든다.
토큰화는 ``trl`` 의 ``DPOTrainer`` 와 같은 규칙(프롬프트와 프롬프트+응답의 공통 접두사까지가 프롬프트)을 따르고,
배치도 ``trl`` 의 ``DataCollatorForPreference`` 와 같다 (앞 절반은 선택, 뒤 절반은 거절, 오른쪽 채우기).

시퀀스 로그확률은 응답 토큰에 대해서만 더한다 (프롬프트 마스킹):

.. math:: \\log \\pi(y \\mid x) = \\sum_{t \\in y} \\log \\pi(y_t \\mid x, y_{<t}).

DPO 손실 (Rafailov 외 2023):

.. math:: \\mathcal{L}_{\\mathrm{DPO}} = -\\log \\sigma\\Big(\\beta\\big[(\\log\\pi_\\theta(y_c|x) - \\log\\pi_{ref}(y_c|x))
          - (\\log\\pi_\\theta(y_r|x) - \\log\\pi_{ref}(y_r|x))\\big]\\Big).

``trl`` 1.16 의 ``DPOTrainer`` (``loss_type="sigmoid"``) 와 같은 값을 낸다 (테스트로 확인).
학습 루프들은 드롭아웃을 끈 채(``model.eval()``) 기울기를 계산한다 — ``trl`` 의 ``disable_dropout=True`` 와 같다.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from llmnotes.checks import CLIP_NORM, NON_NEGATIVE, POSITIVE, check_fields
from llmnotes.gpt import filter_logits
from llmnotes.hangul import nfc
from llmnotes.sft import EOS, render_chat
from llmnotes.training import check_train_config

__all__ = [
    "check_preference",
    "prompt_text",
    "tokenize_preference",
    "collate_preferences",
    "sequence_logprobs",
    "DPOOutput",
    "dpo_loss",
    "DPOTrainConfig",
    "reference_logprobs",
    "train_dpo",
    "PreferenceEval",
    "evaluate_dpo",
    "split_dev",
    "world_entities",
    "mismatched_pairs",
    "knowledge_instructions",
    "RewardModel",
    "bradley_terry_loss",
    "RewardConfig",
    "train_reward_model",
    "reward_accuracy",
    "sample_responses",
    "score_responses",
    "RLHFConfig",
    "train_rlhf",
    "label_pairs",
    "RLAIFResult",
    "dpo_seed_study",
    "AlignRecipe",
    "load_tokenizer",
    "load_checkpoint",
    "build_checkpoint",
    "copy_model",
    "parse_args",
    "main",
]


# ---------------------------------------------------------------------------------------------------------------
# 데이터: 선호 쌍 → 토큰 → 배치
# ---------------------------------------------------------------------------------------------------------------


def _field(example: Any, key: str) -> Any:
    if isinstance(example, Mapping):
        if key not in example:
            raise ValueError(f"선호 쌍에 없는 필드: {key!r} (받은 쌍 {example!r})")
        return example[key]
    if not hasattr(example, key):
        raise ValueError(f"선호 쌍에 {key!r} 속성이 없습니다: {example!r}")
    return getattr(example, key)


def check_preference(example: Any) -> tuple[str, str, str]:
    """선호 쌍 하나를 검사하고 NFC 로 정규화한 ``(prompt, chosen, rejected)`` 를 돌려준다.

    Args:
        example: ``prompt``, ``chosen``, ``rejected`` 속성(:class:`llmnotes.loaders.Preference`) 또는 키를 가진 객체.

    Raises:
        TypeError: 필드가 문자열이 아닐 때.
        ValueError: 필드가 비었거나(공백뿐 포함) ``chosen == rejected`` 일 때.
    """
    out = []
    for key in ("prompt", "chosen", "rejected"):
        value = _field(example, key)
        if not isinstance(value, str):
            raise TypeError(f"선호 쌍의 필드 {key!r}: str이어야 합니다 (받은 타입 {type(value).__name__})")
        value = nfc(value)
        if not value.strip():
            raise ValueError(f"선호 쌍의 필드 {key!r}: 비어 있습니다 (받은 값 {value!r})")
        out.append(value)
    if out[1] == out[2]:
        raise ValueError(f"선호 쌍의 'chosen'과 'rejected'가 같습니다: {out[1]!r}")
    return out[0], out[1], out[2]


def prompt_text(prompt: str) -> str:
    """프롬프트를 대화 템플릿으로 감싼다: ``<|user|>\\n{prompt}\\n<|assistant|>\\n``.

    Args:
        prompt: 사용자 메시지.
    """
    return render_chat([{"role": "user", "content": prompt}], add_generation_prompt=True)


def _encode(tokenizer: Any, text: str) -> list[int]:
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def tokenize_preference(example: Any, tokenizer: Any, max_length: int | None = None) -> dict[str, list[int]]:
    """선호 쌍 하나를 ``{"prompt_ids", "chosen_ids", "rejected_ids"}`` 로 토큰화한다 (``trl`` DPOTrainer 와 같은 규칙).

    응답 끝에는 ``<|endoftext|>`` 를 붙인다. 프롬프트 길이 = min(공통 접두사(프롬프트, 프롬프트+선택),
    공통 접두사(프롬프트, 프롬프트+거절)).

    Args:
        example: :func:`check_preference` 가 받는 선호 쌍.
        tokenizer: HF 토크나이저.
        max_length: 프롬프트+응답의 최대 토큰 수. 넘으면 자르지 않고 ``ValueError``.
    """
    prompt, chosen, rejected = check_preference(example)
    p = prompt_text(prompt)
    prompt_ids = _encode(tokenizer, p)
    pc = _encode(tokenizer, p + chosen + EOS)
    pr = _encode(tokenizer, p + rejected + EOS)
    n = min(_common_prefix(prompt_ids, pc), _common_prefix(prompt_ids, pr))
    if max_length is not None and max(len(pc), len(pr)) > max_length:
        raise ValueError(f"토큰 수 {max(len(pc), len(pr))}: max_length {max_length!r}보다 많습니다")
    return {"prompt_ids": prompt_ids[:n], "chosen_ids": pc[n:], "rejected_ids": pr[n:]}


def _pad_rows(rows: Sequence[Sequence[int]], value: int) -> torch.Tensor:
    t_max = max(len(r) for r in rows)
    out = torch.full((len(rows), t_max), value, dtype=torch.long)
    for i, r in enumerate(rows):
        out[i, : len(r)] = torch.tensor(list(r), dtype=torch.long)
    return out


def collate_preferences(
    examples: Sequence[Mapping[str, Sequence[int]]], pad_token_id: int
) -> dict[str, torch.Tensor]:
    """토큰화한 선호 쌍들을 ``(2B, T)`` 배치로 만든다: 앞 B 줄은 프롬프트+선택, 뒤 B 줄은 프롬프트+거절.

    ``trl`` 의 ``DataCollatorForPreference`` 와 같은 ``input_ids``, ``attention_mask``, ``completion_mask``
    (응답 토큰 = 1) 를 만든다. 자르지 않는다.

    Args:
        examples: :func:`tokenize_preference` 결과들.
        pad_token_id: 채울 토큰 id.
    """
    if not examples:
        raise ValueError("examples가 비어 있습니다: []")
    seqs, masks = [], []
    for key in ("chosen_ids", "rejected_ids"):
        for i, e in enumerate(examples):
            if not e[key]:
                raise ValueError(f"examples[{i}]의 {key!r}: 비어 있습니다 (받은 값 {list(e[key])!r})")
            seqs.append(list(e["prompt_ids"]) + list(e[key]))
            masks.append([0] * len(e["prompt_ids"]) + [1] * len(e[key]))
    input_ids = _pad_rows(seqs, pad_token_id)
    return {
        "input_ids": input_ids,
        "attention_mask": _pad_rows([[1] * len(s) for s in seqs], 0),
        "completion_mask": _pad_rows(masks, 0),
    }


def sequence_logprobs(
    model: nn.Module,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    completion_mask: torch.Tensor,
) -> torch.Tensor:
    """응답 토큰의 로그확률 합 ``log π(y|x)`` 를 줄마다 계산한다 (프롬프트와 채움 위치는 빠진다).

    Args:
        model: ``model(input_ids=..., attention_mask=...).logits`` 를 주는 인과 언어 모델.
        input_ids: ``(N, T)`` 토큰.
        attention_mask: ``(N, T)`` (채움 = 0).
        completion_mask: ``(N, T)`` (응답 토큰 = 1).

    Returns:
        ``(N,)`` 로그확률 합.
    """
    if input_ids.shape != completion_mask.shape or input_ids.shape != attention_mask.shape:
        raise ValueError(
            f"input_ids, attention_mask, completion_mask의 모양이 같아야 합니다: {tuple(input_ids.shape)}, "
            f"{tuple(attention_mask.shape)}, {tuple(completion_mask.shape)}"
        )
    logits = model(input_ids=input_ids, attention_mask=attention_mask).logits[:, :-1]
    if logits.dtype in (torch.float16, torch.bfloat16):
        logits = logits.float()  # 반정밀도 로짓은 float32 로 올려 log-softmax 를 계산한다
    logp = F.log_softmax(logits, dim=-1)  # 위치 t 의 분포가 토큰 t+1 을 예측
    token_logp = logp.gather(-1, input_ids[:, 1:, None]).squeeze(-1)  # log π(x_{t+1} | x_{≤t})
    mask = completion_mask[:, 1:].to(token_logp.dtype)
    return (token_logp * mask).sum(dim=1)  # Σ_{t∈응답} log π


# ---------------------------------------------------------------------------------------------------------------
# DPO
# ---------------------------------------------------------------------------------------------------------------


def _check_beta(beta: float) -> float:
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not math.isfinite(beta) or beta <= 0:
        raise ValueError(f"beta는 양의 유한한 수여야 합니다: {beta!r}")
    return float(beta)


@dataclass
class DPOOutput:
    """DPO 손실과 기록용 값들.

    Args:
        loss: 평균 손실 (스칼라, 기울기 있음).
        losses: 쌍마다의 손실 ``(B,)``.
        chosen_rewards: 암묵적 보상 β(log π_θ(y_c|x) − log π_ref(y_c|x)) ``(B,)`` (기울기 없음).
        rejected_rewards: 거절 응답의 암묵적 보상 ``(B,)``.
        margins: ``chosen_rewards − rejected_rewards``.
        accuracy: 선택 응답의 보상이 더 큰 쌍의 비율 (같으면 절반으로 센다).
    """

    loss: torch.Tensor
    losses: torch.Tensor
    chosen_rewards: torch.Tensor
    rejected_rewards: torch.Tensor
    margins: torch.Tensor
    accuracy: float


def _pair_accuracy(margins: torch.Tensor) -> float:
    # 이긴 쌍 1, 비긴 쌍 ½ (π_θ = π_ref 인 시작점에서는 모든 쌍이 비겨 정확히 0.5 = 우연 수준)
    return float(((margins > 0).float() + 0.5 * (margins == 0).float()).mean())


def dpo_loss(
    policy_chosen_logps: torch.Tensor,
    policy_rejected_logps: torch.Tensor,
    ref_chosen_logps: torch.Tensor,
    ref_rejected_logps: torch.Tensor,
    beta: float = 0.1,
) -> DPOOutput:
    """DPO 손실 −log σ(β[(π_c − ref_c) − (π_r − ref_r)]) 와 암묵적 보상·마진·정확도.

    Args:
        policy_chosen_logps: 정책의 log π_θ(y_c|x) ``(B,)``.
        policy_rejected_logps: 정책의 log π_θ(y_r|x) ``(B,)``.
        ref_chosen_logps: 참조 모델의 log π_ref(y_c|x) ``(B,)``.
        ref_rejected_logps: 참조 모델의 log π_ref(y_r|x) ``(B,)``.
        beta: 참조 모델에서 멀어지는 것을 얼마나 막을지 (KL 세기, > 0).
    """
    beta = _check_beta(beta)
    shapes = {tuple(t.shape) for t in (policy_chosen_logps, policy_rejected_logps, ref_chosen_logps)}
    shapes.add(tuple(ref_rejected_logps.shape))
    if len(shapes) != 1:
        raise ValueError(f"네 로그확률 텐서의 모양이 같아야 합니다: {sorted(shapes)}")
    if policy_chosen_logps.numel() == 0:
        raise ValueError("선호 쌍이 하나도 없습니다: 로그확률 텐서가 비어 있습니다 (평균 손실이 NaN이 된다)")
    named = {
        "policy_chosen_logps": policy_chosen_logps,
        "policy_rejected_logps": policy_rejected_logps,
        "ref_chosen_logps": ref_chosen_logps,
        "ref_rejected_logps": ref_rejected_logps,
    }
    for name, t in named.items():
        if not torch.isfinite(
            t.detach()
        ).all():  # 로그확률은 ≤ 0 인 유한한 수다 (-inf 는 확률 0, NaN 은 계산 오류)
            raise ValueError(f"{name}에 NaN이나 inf가 있습니다: {t.detach().flatten()[:4].tolist()}")
    chosen_logratios = policy_chosen_logps - ref_chosen_logps  # log π_θ(y_c|x) − log π_ref(y_c|x)
    rejected_logratios = policy_rejected_logps - ref_rejected_logps  # log π_θ(y_r|x) − log π_ref(y_r|x)
    losses = -F.logsigmoid(beta * (chosen_logratios - rejected_logratios))  # −log σ(β Δ)
    chosen_rewards = beta * chosen_logratios.detach()  # r̂(x, y_c) = β log π_θ/π_ref
    rejected_rewards = beta * rejected_logratios.detach()
    margins = chosen_rewards - rejected_rewards
    return DPOOutput(
        losses.mean(), losses, chosen_rewards, rejected_rewards, margins, _pair_accuracy(margins)
    )


@dataclass
class DPOTrainConfig:
    """DPO 학습 설정.

    Args:
        beta: DPO 의 β (> 0).
        lr: AdamW 학습률.
        epochs: 에폭 수.
        batch_size: 한 단계의 선호 쌍 수.
        weight_decay: AdamW 가중치 감쇠.
        max_grad_norm: 기울기 노름 자르기 한계 (``None`` 이면 자르지 않음).
        seed: 섞기 시드.
        eval_every: 이 단계마다 평가 데이터로 정확도·마진을 잰다 (``0`` 이면 재지 않음).
        progress: tqdm 진행 표시 여부.
        sft_coef: 선택 응답의 토큰당 음의 로그우도(SFT 손실)에 곱해 DPO 손실에 더할 계수 α (RPO; ``trl`` 의
            ``loss_type=["sigmoid", "sft"]``, ``loss_weights=[1, α]`` 와 같다). ``0`` 이면 순수 DPO.
    """

    beta: float = 0.1
    lr: float = 5e-4
    epochs: int = 1
    batch_size: int = 16
    weight_decay: float = 0.0
    max_grad_norm: float | None = 1.0
    seed: int = 0
    eval_every: int = 0
    progress: bool = False
    sft_coef: float = 0.0

    def __post_init__(self) -> None:
        check_fields(self, lr=POSITIVE, weight_decay=NON_NEGATIVE, max_grad_norm=CLIP_NORM)
        _check_beta(self.beta)
        if (
            not isinstance(self.sft_coef, (int, float))
            or not math.isfinite(self.sft_coef)
            or self.sft_coef < 0
        ):
            raise ValueError(f"sft_coef는 0 이상의 유한한 수여야 합니다: {self.sft_coef!r}")
        check_train_config(self, ("epochs", "batch_size"))
        if not isinstance(self.eval_every, int) or self.eval_every < 0:
            raise ValueError(f"eval_every는 0 이상의 정수여야 합니다: {self.eval_every!r}")


def _device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def reference_logprobs(
    model: nn.Module, examples: Sequence[Mapping[str, Sequence[int]]], pad_token_id: int, batch_size: int = 64
) -> tuple[torch.Tensor, torch.Tensor]:
    """모든 선호 쌍의 ``(log π(y_c|x), log π(y_r|x))`` 를 계산한다 (참조 모델은 한 번만 계산해 두면 된다).

    Args:
        model: 인과 언어 모델 (평가 모드로 바꾼다).
        examples: :func:`tokenize_preference` 결과들.
        pad_token_id: 채울 토큰 id.
        batch_size: 한 번에 계산할 쌍 수.

    Returns:
        ``(chosen_logps, rejected_logps)``, 각각 ``(len(examples),)`` (CPU).
    """
    if not examples:
        raise ValueError("examples가 비어 있습니다: []")
    model.eval()
    dev = _device(model)
    chosen, rejected = [], []
    for s in range(0, len(examples), batch_size):
        b = {k: v.to(dev) for k, v in collate_preferences(examples[s : s + batch_size], pad_token_id).items()}
        lp = sequence_logprobs(model, b["input_ids"], b["attention_mask"], b["completion_mask"]).cpu()
        c, r = lp.chunk(2)
        chosen.append(c)
        rejected.append(r)
    return torch.cat(chosen), torch.cat(rejected)


@dataclass
class PreferenceEval:
    """선호 쌍 평가 결과 (정책의 암묵적 보상으로 잰다).

    Args:
        accuracy: 선택 응답의 암묵적 보상이 더 큰 쌍의 비율 (비기면 ½).
        mean_margin: 평균 보상 마진.
        margins: 쌍마다의 마진 ``(B,)``.
        chosen_logps: 정책의 log π_θ(y_c|x).
        rejected_logps: 정책의 log π_θ(y_r|x).
    """

    accuracy: float
    mean_margin: float
    margins: torch.Tensor
    chosen_logps: torch.Tensor
    rejected_logps: torch.Tensor


@torch.no_grad()
def evaluate_dpo(
    policy: nn.Module,
    examples: Sequence[Mapping[str, Sequence[int]]],
    pad_token_id: int,
    ref_logps: tuple[torch.Tensor, torch.Tensor],
    beta: float = 0.1,
    batch_size: int = 64,
) -> PreferenceEval:
    """정책의 암묵적 보상으로 선호 정확도와 마진을 잰다.

    Args:
        policy: 평가할 정책.
        examples: :func:`tokenize_preference` 결과들.
        pad_token_id: 채울 토큰 id.
        ref_logps: :func:`reference_logprobs` 가 같은 ``examples`` 로 만든 참조 로그확률.
        beta: DPO 의 β.
        batch_size: 한 번에 계산할 쌍 수.
    """
    pc, pr = reference_logprobs(policy, examples, pad_token_id, batch_size)
    if ref_logps[0].shape != pc.shape:
        raise ValueError(
            f"ref_logps의 길이가 examples와 다릅니다: {tuple(ref_logps[0].shape)} != {tuple(pc.shape)}"
        )
    out = dpo_loss(pc, pr, ref_logps[0], ref_logps[1], beta)
    return PreferenceEval(out.accuracy, float(out.margins.mean()), out.margins, pc, pr)


def _chosen_nll(chosen_logps: torch.Tensor, chosen_completion_mask: torch.Tensor) -> torch.Tensor:
    # 선택 응답의 토큰당 음의 로그우도: −Σ_배치 Σ_t log π_θ(y_t) / (배치의 선택 응답 토큰 수)  (trl 의 "sft" 손실)
    return -chosen_logps.sum() / chosen_completion_mask.sum()


def train_dpo(
    policy: nn.Module,
    reference: nn.Module,
    examples: Sequence[Mapping[str, Sequence[int]]],
    pad_token_id: int,
    config: DPOTrainConfig | None = None,
    eval_examples: Sequence[Mapping[str, Sequence[int]]] | None = None,
) -> list[dict[str, float]]:
    """DPO 로 정책을 학습한다. 참조 모델의 로그확률은 처음에 한 번 계산한다 (참조는 얼어 있다).

    Args:
        policy: 학습할 정책 (``requires_grad`` 인 파라미터만 갱신; LoRA 를 주입한 모델도 된다).
        reference: 얼린 참조 모델 (보통 학습 전 정책의 복사본).
        examples: :func:`tokenize_preference` 결과들.
        pad_token_id: 채울 토큰 id.
        config: 학습 설정.
        eval_examples: ``config.eval_every`` 단계마다 정확도·마진을 잴 평가 쌍 (선택).

    Returns:
        단계별 기록 ``{"step", "loss", "accuracy", "margin", "chosen_reward", "rejected_reward"}``
        (평가하면 ``"eval_accuracy"``, ``"eval_margin"`` 도).
    """
    cfg = config or DPOTrainConfig()
    if not examples:
        raise ValueError("examples가 비어 있습니다: []")
    if cfg.eval_every and not eval_examples:
        raise ValueError(f"eval_every={cfg.eval_every}인데 eval_examples가 없습니다: {eval_examples!r}")
    params = [p for p in policy.parameters() if p.requires_grad]
    if not params:
        raise ValueError("학습할 파라미터가 없습니다 (requires_grad=True인 파라미터 0 개)")
    ref_c, ref_r = reference_logprobs(reference, examples, pad_token_id)
    eval_ref = reference_logprobs(reference, eval_examples, pad_token_id) if cfg.eval_every else None
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    dev = _device(policy)
    order = list(range(len(examples)))
    total = math.ceil(len(examples) / cfg.batch_size) * cfg.epochs
    bar = _progress(total, cfg.progress, "DPO")
    history: list[dict[str, float]] = []
    step = 0
    for _ in range(cfg.epochs):
        rng.shuffle(order)
        for s in range(0, len(order), cfg.batch_size):
            idx = order[s : s + cfg.batch_size]
            policy.eval()  # 드롭아웃 끔 (trl 의 disable_dropout=True)
            b = {
                k: v.to(dev) for k, v in collate_preferences([examples[i] for i in idx], pad_token_id).items()
            }
            lp = sequence_logprobs(policy, b["input_ids"], b["attention_mask"], b["completion_mask"])
            pc, pr = lp.chunk(2)
            out = dpo_loss(pc, pr, ref_c[idx].to(dev), ref_r[idx].to(dev), cfg.beta)
            loss = out.loss
            if cfg.sft_coef:
                # RPO: L = L_DPO + α · (−Σ log π_θ(y_c 토큰) / 선택 응답 토큰 수) — 선택 응답의 확률이 내려가지 않게 붙잡는다
                loss = loss + cfg.sft_coef * _chosen_nll(pc, b["completion_mask"][: len(idx)])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.max_grad_norm is not None:
                torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm)  # ‖g‖ > c 이면 g ← g·c/‖g‖
            opt.step()
            step += 1
            rec = {
                "step": float(step),
                "loss": float(loss.detach()),
                "accuracy": out.accuracy,
                "margin": float(out.margins.mean()),
                "chosen_reward": float(out.chosen_rewards.mean()),
                "rejected_reward": float(out.rejected_rewards.mean()),
            }
            if cfg.eval_every and (step % cfg.eval_every == 0 or step == total):
                ev = evaluate_dpo(policy, eval_examples, pad_token_id, eval_ref, cfg.beta)
                rec["eval_accuracy"], rec["eval_margin"] = ev.accuracy, ev.mean_margin
            history.append(rec)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{rec['loss']:.4f}")
    if bar is not None:
        bar.close()
    policy.eval()
    return history


def dpo_seed_study(
    reference: nn.Module,
    examples: Sequence[Mapping[str, Sequence[int]]],
    pad_token_id: int,
    config: DPOTrainConfig,
    seeds: Sequence[int],
    eval_sets: Mapping[str, tuple[Sequence[Mapping[str, Sequence[int]]], Sequence[str]]],
) -> list[dict[str, Any]]:
    """같은 설정의 DPO 를 시드(학습 쌍을 섞는 순서)만 바꿔 여러 번 학습하고, 평가 쌍마다 정확도를 잰다.

    한 번의 학습에서 본 한두 쌍의 차이가 레시피의 차이인지 잡음인지 가늠하려고 쓴다. 정책은 매번 ``reference`` 의
    복사본에서 시작하고, 저장하는 체크포인트와 같게 float16 으로 반올림한 뒤 평가한다 (가중치는 돌려주지 않는다).

    Args:
        reference: 얼린 참조 모델 (정책의 시작점이기도 하다).
        examples: DPO 학습 쌍 (:func:`tokenize_preference` 결과들).
        pad_token_id: 채울 토큰 id.
        config: DPO 설정 (``seed`` 만 바꿔 쓴다; 학습 중 평가는 끈다).
        seeds: 시드들 (서로 다른 정수, 하나 이상).
        eval_sets: ``{이름: (평가 쌍, 쌍마다의 신호)}`` (예: ``{"dev": (...), "test": (...)}``).

    Returns:
        시드마다 ``{"seed", "<이름>_accuracy", "<이름>_accuracy_by_signal"}``.
    """
    import dataclasses

    seeds = _check_seeds(seeds, "seeds")
    if not eval_sets:
        raise ValueError(f"eval_sets가 비어 있습니다: {dict(eval_sets)!r}")
    refs = {}
    for name, (ex, sig) in eval_sets.items():
        if not ex or len(ex) != len(sig):
            raise ValueError(f"eval_sets[{name!r}]의 평가 쌍 {len(ex)}개와 신호 {len(sig)}개가 맞지 않습니다")
        refs[name] = reference_logprobs(reference, ex, pad_token_id)
    out: list[dict[str, Any]] = []
    for seed in seeds:
        policy = copy_model(reference)
        train_dpo(
            policy, reference, examples, pad_token_id, dataclasses.replace(config, seed=seed, eval_every=0)
        )
        _round_fp16(policy)
        out.append({"seed": seed, **_accuracy_record(policy, eval_sets, refs, pad_token_id, config.beta)[0]})
    return out


def _check_seeds(seeds: Sequence[int], name: str) -> list[int]:
    seeds = list(seeds)
    if not seeds:
        raise ValueError(f"{name}: 비어 있습니다 (받은 값 {seeds!r})")
    if any(not isinstance(s, int) or isinstance(s, bool) for s in seeds) or len(set(seeds)) != len(seeds):
        raise ValueError(f"{name}: 서로 다른 정수여야 합니다 (받은 값 {seeds!r})")
    return seeds


def _accuracy_record(
    policy: nn.Module,
    eval_sets: Mapping[str, tuple[Sequence[Mapping[str, Sequence[int]]], Sequence[str]]],
    refs: Mapping[str, tuple[torch.Tensor, torch.Tensor]],
    pad_token_id: int,
    beta: float,
) -> tuple[dict[str, Any], dict[str, PreferenceEval]]:
    # 평가 분할마다 {"<이름>_accuracy", "<이름>_accuracy_by_signal"} 기록과 평가 결과 (refs = 참조 로그확률)
    rec: dict[str, Any] = {}
    evs: dict[str, PreferenceEval] = {}
    for name, (ex, sig) in eval_sets.items():
        evs[name] = evaluate_dpo(policy, ex, pad_token_id, refs[name], beta)
        rec[f"{name}_accuracy"] = evs[name].accuracy
        rec[f"{name}_accuracy_by_signal"] = _by_signal(evs[name].margins, sig)
    return rec, evs


def _progress(total: int, enabled: bool, desc: str):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc)


# ---------------------------------------------------------------------------------------------------------------
# 개발 쌍(dev) 떼어 내기와 어긋난 짝(mismatched pair) 만들기
# ---------------------------------------------------------------------------------------------------------------


def split_dev(pairs: Sequence[Any], per_signal: int = 16, seed: int = 0) -> tuple[list[Any], list[Any]]:
    """학습 쌍에서 신호(``signal``)마다 같은 수의 쌍을 개발 분할(dev)로 떼어 낸다 (층화 분할; 레시피는 개발 쌍으로만 고른다).

    신호마다 ``id`` 순으로 정렬한 뒤 ``random.Random(seed)`` 로 섞어 앞의 ``per_signal`` 개를 개발 쌍으로 둔다.
    남은 쌍과 개발 쌍은 원래 순서를 지킨다.

    Args:
        pairs: ``id``, ``signal`` 속성을 가진 선호 쌍들 (:class:`llmnotes.loaders.Preference`).
        per_signal: 신호마다 뗄 개발 쌍 수 (``0`` 이면 개발 쌍 없음).
        seed: 섞기 시드.

    Returns:
        ``(학습 쌍, 개발 쌍)``.
    """
    if not isinstance(per_signal, int) or isinstance(per_signal, bool) or per_signal < 0:
        raise ValueError(f"per_signal은 0 이상의 정수여야 합니다: {per_signal!r}")
    by_signal: dict[str, list[Any]] = {}
    for p in sorted(pairs, key=lambda p: p.id):
        by_signal.setdefault(p.signal, []).append(p)
    dev_ids: set[str] = set()
    for signal in sorted(by_signal):
        group = by_signal[signal]
        if per_signal >= len(group):
            raise ValueError(
                f"신호 {signal!r}의 쌍 {len(group)} 개로는 개발 쌍을 per_signal 개 뗄 수 없습니다: {per_signal!r}"
            )
        random.Random(seed).shuffle(group)
        dev_ids.update(p.id for p in group[:per_signal])
    return [p for p in pairs if p.id not in dev_ids], [p for p in pairs if p.id in dev_ids]


# 조사·서술격 조사 꼬리: 어절이 '이름 + 꼬리' 이면 그 이름이 나온 것으로 본다 ('소리' 는 '소' 가 아니다).
_TAILS = frozenset(
    "은 는 이 가 을 를 의 에서 에서는 에 으로 로 와 과 도 이나 나 이야 야 이에요 예요 입니다 이다 다 이지 지 이고 고 "
    "에게 이랑 랑".split()
) | {""}


def _world() -> tuple[frozenset[str], dict[str, dict[str, str]]]:
    from llmnotes.textgen import FOODS, PEOPLE, PLACES, RELATIONS, TIMES

    names = set(PEOPLE) | set(PLACES) | set(FOODS) | set(TIMES)
    for rel in RELATIONS.values():
        names |= set(rel) | set(rel.values())
    return frozenset(names), RELATIONS


def world_entities(text: str) -> frozenset[str]:
    """글에 나오는 사전학습 세계(:mod:`llmnotes.textgen`)의 이름과, 관계로 그 이름에 묶인 값들을 돌려준다.

    어절이 '이름 + 조사' 꼴일 때만 이름으로 센다. 관계(나라–수도, 직업–일터, 동물–소리/먹이, 과일–맛)의 한쪽이 나오면
    그 관계의 열쇠와 ``"=값"`` 을 함께 넣는다 — 같은 일터(병원)를 가진 두 직업, 같은 맛(달다)을 가진 두 과일이 겹치게 된다.

    Args:
        text: 프롬프트나 응답 (NFC 로 정규화한다).
    """
    import re

    if not isinstance(text, str):
        raise TypeError(f"text는 str이어야 합니다: {type(text).__name__}")
    names, relations = _world()
    found = set()
    for word in re.findall(r"[가-힣]+", nfc(text)):
        found.update(n for n in names if word.startswith(n) and word[len(n) :] in _TAILS)
    out = set(found)
    for rel in relations.values():
        for key, value in rel.items():
            if key in found or value in found:
                out |= {key, "=" + value}
    return frozenset(out)


def mismatched_pairs(
    pairs: Sequence[Any], n_other: int = 1, n_same_relation: int = 1, seed: int = 0
) -> list[dict[str, str]]:
    """학습 쌍의 선택 응답을 **다른 질문**의 선택 응답과 짝지어 새 선호 쌍을 만든다 (어긋난 짝, mismatched pair).

    쌍 i 마다 ``(prompt_i, chosen_i, chosen_j)`` 를 만든다. ``chosen_j`` 는 그 자체로는 좋은 답(맞고, 공손하고, 짧다)이지만
    prompt_i 에 대한 답이 아니다. 같은 응답이 한 쌍에서는 선택, 다른 쌍에서는 거절이 되므로, 응답만 보고 올리거나 내리는
    지름길로는 손실이 줄지 않는다 — 정책은 **프롬프트와 응답의 짝**을 봐야 한다. 새 쌍은 주어진 ``pairs`` 만으로 만든다
    (개발·시험 쌍을 넘기지 말 것).

    짝 j 는 두 쌍의 :func:`world_entities` (프롬프트+선택 응답)가 하나도 겹치지 않는 것만 고른다. 이름이 하나도 없는 쌍
    (인사, 일상 대화)은 옳고 그름을 가릴 수 없어 쓰지 않는다. ``n_same_relation`` 개는 같은 관계(예: 나라–수도)의 쌍에서
    (``"베를린입니다."`` ↔ ``"파리입니다."`` 처럼 틀린 값과 같은 꼴), ``n_other`` 개는 나머지 아무 쌍에서 고른다.

    Args:
        pairs: ``prompt``, ``chosen`` 속성을 가진 선호 쌍들 (학습 쌍).
        n_other: 쌍마다 만들 '아무 다른 질문' 짝 수.
        n_same_relation: 쌍마다 만들 '같은 관계, 다른 사실' 짝 수 (후보가 모자라면 있는 만큼).
        seed: 짝 고르기 시드.

    Returns:
        ``{"prompt", "chosen", "rejected"}`` 사전들 (:func:`tokenize_preference` 에 그대로 넣을 수 있다).
    """
    for name, v in (("n_other", n_other), ("n_same_relation", n_same_relation)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise ValueError(f"{name}: 0 이상의 정수여야 합니다 (받은 값 {v!r})")
    _, relations = _world()
    prompts = [nfc(_field(p, "prompt")) for p in pairs]
    chosen = [nfc(_field(p, "chosen")) for p in pairs]
    ents = [world_entities(q + " " + c) for q, c in zip(prompts, chosen, strict=True)]
    rels = [frozenset(n for n, rel in relations.items() if any(k in e for k in rel)) for e in ents]
    rng = random.Random(seed)
    out: list[dict[str, str]] = []
    for i in range(len(pairs)):
        if not ents[i]:
            continue
        cands = [j for j in range(len(pairs)) if ents[j] and not ents[i] & ents[j] and chosen[j] != chosen[i]]
        same = [j for j in cands if rels[j] and rels[j] == rels[i]]
        pick = rng.sample(same, min(n_same_relation, len(same)))
        rest = [j for j in cands if j not in pick]
        pick += rng.sample(rest, min(n_other, len(rest)))
        out.extend({"prompt": prompts[i], "chosen": chosen[i], "rejected": chosen[j]} for j in pick)
    return out


# ---------------------------------------------------------------------------------------------------------------
# 사실 질문–답 SFT 데이터 (사전학습 세계의 관계 표를 질문–답 꼴로 바꾼다)
# ---------------------------------------------------------------------------------------------------------------

# 관계마다 방향별 (질문 틀들, 답 틀들). {k} = 열쇠(나라·직업·동물·과일), {v} = 값(수도·일터·소리·먹이·맛).
# {k|은/는} 은 받침에 맞는 조사를 붙이고 (josa.attach), {v|습니다} 는 형용사 '달다' 를 '답니다' 처럼 활용한다.
# 값이 겹치는 관계(과일–맛: 달다가 셋)는 답이 하나로 정해지지 않으므로 역방향 질문을 만들지 않는다.
_KNOWLEDGE_TEMPLATES: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "나라-수도": {
        "forward": (
            ("{k}의 수도는 어디예요?", "{k}의 수도는 어디인가요?", "{k}의 수도가 어디인지 알려 주세요.",
             "{k}의 수도는 어느 도시인가요?", "{k} 수도가 어디죠?"),
            ("{k}의 수도는 {v}입니다.", "{v}입니다.", "{k}의 수도는 {v|이에요/예요}."),
        ),
        "reverse": (
            ("{v|은/는} 어느 나라의 수도인가요?", "{v|은/는} 어느 나라 수도예요?", "{v|이/가} 수도인 나라는 어디인가요?"),
            ("{v|은/는} {k}의 수도입니다.", "{k}입니다.", "{k}의 수도가 {v}입니다."),
        ),
    },
    "직업-일터": {
        "forward": (
            ("{k|은/는} 어디에서 일하나요?", "{k|이/가} 일하는 곳을 알려 주세요.", "{k|은/는} 어디서 일해요?",
             "{k|이/가} 일하는 곳은 어디인가요?"),
            ("{k|은/는} {v}에서 일합니다.", "{v}에서 일합니다.", "{k|은/는} {v}에서 일해요."),
        ),
        "reverse": (
            ("{v}에서 일하는 사람은 누구인가요?", "{v}에서는 누가 일해요?", "{v}에서 일하는 직업은 무엇인가요?"),
            ("{v}에서는 {k|이/가} 일합니다.", "{k}입니다.", "{k|이/가} {v}에서 일합니다."),
        ),
    },
    "동물-소리": {
        "forward": (
            ("{k|은/는} 어떻게 우나요?", "{k|은/는} 어떤 소리를 내나요?", "{k} 울음소리는 어때요?",
             "{k|은/는} 어떻게 울어요?"),
            ("{k|은/는} {v} 하고 웁니다.", "{k|은/는} {v} 하고 울어요.", "{v} 하고 웁니다."),
        ),
        "reverse": (
            ("{v} 하고 우는 동물은 무엇인가요?", "{v} 소리를 내는 동물은 뭐예요?", "{v} 하고 우는 동물이 뭐죠?"),
            ("{k}입니다.", "{k|이/가} {v} 하고 웁니다.", "{v} 하고 우는 동물은 {k}입니다."),
        ),
    },
    "동물-먹이": {
        "forward": (
            ("{k|은/는} 무엇을 좋아하나요?", "{k|은/는} 뭘 잘 먹어요?", "{k} 먹이로 무엇이 좋을까요?",
             "{k|이/가} 좋아하는 먹이는 무엇인가요?"),
            ("{k|은/는} {v|을/를} 좋아합니다.", "{v|을/를} 좋아합니다.", "{k|은/는} {v|을/를} 잘 먹어요."),
        ),
        "reverse": (
            ("{v|을/를} 좋아하는 동물은 무엇인가요?", "{v|을/를} 잘 먹는 동물은 뭐예요?",
             "{v|을/를} 먹이로 주면 좋은 동물은요?"),
            ("{k|이/가} {v|을/를} 좋아합니다.", "{k}입니다.", "{v|을/를} 좋아하는 동물은 {k}입니다."),
        ),
    },
    "과일-맛": {
        "forward": (
            ("{k} 맛은 어때요?", "{k|은/는} 어떤 맛인가요?", "{k|은/는} 무슨 맛이 나요?", "{k} 맛을 알려 주세요."),
            ("{k|은/는} 맛이 {v|습니다}.", "{k|은/는} {v|습니다}.", "맛이 {v|습니다}."),
        ),
    },
}  # fmt: skip


def _formal(adjective: str) -> str:
    # 형용사 기본형 → 합쇼체: 받침 없는 어간 + ㅂ니다 (시다 → 십니다), ㄹ 받침은 ㄹ 을 떼고 ㅂ니다 (달다 → 답니다),
    # 그 밖의 받침은 + 습니다 (부드럽다 → 부드럽습니다)
    from llmnotes.hangul import compose_syllable, decompose_syllable, final_consonant

    if not adjective.endswith("다") or len(adjective) < 2:
        raise ValueError(f"adjective는 '-다'로 끝나는 기본형이어야 합니다: {adjective!r}")
    stem = adjective[:-1]
    jong = final_consonant(stem)
    if jong in ("", "ㄹ"):
        lead, vowel, _ = decompose_syllable(stem[-1])
        return stem[:-1] + compose_syllable(lead, vowel, 17) + "니다"  # 17 = 종성 ㅂ
    return stem + "습니다"


def _fill(template: str, key: str, value: str) -> str:
    import re

    from llmnotes.josa import attach

    def sub(m: re.Match[str]) -> str:
        word = key if m.group(1) == "k" else value
        if m.group(2) is None:
            return word
        return _formal(word) if m.group(2) == "습니다" else attach(word, m.group(2))

    return re.sub(r"\{([kv])(?:\|([^}]+))?\}", sub, template)


def knowledge_instructions(per_fact: int = 2, seed: int = 0) -> list[dict[str, str]]:
    """사전학습 세계의 관계 표(:data:`llmnotes.textgen.RELATIONS`)를 질문–답 지시 데이터로 바꾼다.

    사전학습 말뭉치는 "독일의 수도는 베를린이다." 같은 **서술문**으로만 사실을 담는다. 이 함수는 같은 사실을
    "독일의 수도는 어디예요?" → "독일의 수도는 베를린입니다." 같은 **질문–답** 꼴로 바꿔, SFT 가 아는 사실을 대화에서
    꺼내 쓰는 연습을 하게 한다 (지식 베이스로 지시 데이터를 만드는 것과 같다). 관계 표 전체를 쓰므로, 선호 데이터의
    개발·시험 쌍이 묻는 사실도 들어간다 — 선호 데이터(어느 응답이 선택인지)는 쓰지 않는다.

    사실마다, 방향(열쇠→값, 값이 겹치지 않는 관계는 값→열쇠도)마다 질문 틀과 답 틀을 ``per_fact`` 번 무작위로 짝짓는다
    (같은 짝은 한 번만).

    Args:
        per_fact: 사실·방향마다 만들 질문–답 수 (1 이상).
        seed: 틀 고르기 시드.

    Returns:
        ``{"id", "task", "instruction", "input", "output"}`` 사전들 (:func:`llmnotes.sft.tokenize_instruction` 에
        그대로 넣을 수 있다).
    """
    from llmnotes.textgen import RELATIONS

    if not isinstance(per_fact, int) or isinstance(per_fact, bool) or per_fact < 1:
        raise ValueError(f"per_fact는 1 이상의 정수여야 합니다: {per_fact!r}")
    rng = random.Random(seed)
    out: list[dict[str, str]] = []
    for rel_name, directions in _KNOWLEDGE_TEMPLATES.items():
        for key, value in RELATIONS[rel_name].items():
            for questions, answers in directions.values():
                combos = [(q, a) for q in questions for a in answers]
                if per_fact > len(combos):
                    raise ValueError(f"per_fact가 틀 조합 수({len(combos)})보다 큽니다: {per_fact!r}")
                for q, a in rng.sample(combos, per_fact):
                    out.append(
                        {
                            "id": f"kqa-{len(out) + 1:04d}",
                            "task": "질의응답",
                            "instruction": nfc(_fill(q, key, value)),
                            "input": "",
                            "output": nfc(_fill(a, key, value)),
                        }
                    )
    return out


# ---------------------------------------------------------------------------------------------------------------
# 보상 모델 (Bradley-Terry)
# ---------------------------------------------------------------------------------------------------------------


class RewardModel(nn.Module):
    """GPT 몸통 + 스칼라 머리: 마지막 (채움 아닌) 토큰의 은닉 상태 h 로 r = wᵀh 를 낸다.

    ``transformers`` 의 ``GPT2ForSequenceClassification`` (``num_labels=1``) 과 같은 계산이다 (테스트로 확인).

    Args:
        backbone: HF 인과 언어 모델 또는 그 몸통 (``GPT2LMHeadModel`` 이면 ``.transformer`` 를 쓴다). 정책과 따로
            학습하려면 ``copy.deepcopy`` 한 것을 넘긴다.
        hidden_size: 은닉 차원 (``None`` 이면 ``backbone.config`` 에서 읽는다).
    """

    def __init__(self, backbone: nn.Module, hidden_size: int | None = None) -> None:
        super().__init__()
        base = getattr(backbone, "base_model", backbone)
        self.backbone = base if isinstance(base, nn.Module) else backbone
        if hidden_size is None:
            cfg = getattr(self.backbone, "config", None)
            hidden_size = getattr(cfg, "hidden_size", None) or getattr(cfg, "n_embd", None)
        if not isinstance(hidden_size, int) or hidden_size < 1:
            raise ValueError(f"hidden_size를 알 수 없습니다: {hidden_size!r}")
        self.score = nn.Linear(hidden_size, 1, bias=False)  # r = wᵀ h_last
        nn.init.normal_(self.score.weight, std=1.0 / math.sqrt(hidden_size + 1))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """``(B, T)`` 토큰 (오른쪽 채우기) → ``(B,)`` 보상.

        Args:
            input_ids: 토큰.
            attention_mask: 1 = 실제 토큰, 0 = 채움. 줄마다 1 들이 앞에 붙어 있어야 한다 (오른쪽 채우기).
        """
        lengths = attention_mask.sum(dim=1)
        if bool((lengths == 0).any()):
            raise ValueError(f"attention_mask에 토큰이 하나도 없는 줄이 있습니다: lengths={lengths.tolist()}")
        positions = torch.arange(attention_mask.shape[1], device=attention_mask.device)
        if bool(((positions[None] < lengths[:, None]).long() != attention_mask.long()).any()):
            raise ValueError("attention_mask는 오른쪽 채우기여야 합니다 (1 들이 줄 앞에 모여 있어야 함)")
        h = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # (B, T, C)
        last = h[
            torch.arange(h.shape[0], device=h.device), lengths - 1
        ]  # 마지막 실제 토큰의 은닉 상태 (B, C)
        return self.score(last).squeeze(-1)  # (B,)


def bradley_terry_loss(chosen_rewards: torch.Tensor, rejected_rewards: torch.Tensor) -> torch.Tensor:
    """Bradley-Terry 음의 로그우도: P(y_c ≻ y_r) = σ(r_c − r_r) 이므로 −log σ(r_c − r_r) 의 평균.

    ``trl`` 의 ``RewardTrainer`` 손실과 같다 (마진·중심화 항 없음).

    Args:
        chosen_rewards: ``(B,)`` 선택 응답 보상.
        rejected_rewards: ``(B,)`` 거절 응답 보상.
    """
    if chosen_rewards.shape != rejected_rewards.shape:
        raise ValueError(
            f"chosen_rewards와 rejected_rewards의 모양이 다릅니다: "
            f"{tuple(chosen_rewards.shape)}, {tuple(rejected_rewards.shape)}"
        )
    return -F.logsigmoid(chosen_rewards - rejected_rewards).mean()  # −log σ(r_c − r_r)


@dataclass
class RewardConfig:
    """보상 모델 학습 설정.

    Args:
        lr: AdamW 학습률.
        epochs: 에폭 수.
        batch_size: 한 단계의 선호 쌍 수.
        weight_decay: AdamW 가중치 감쇠.
        max_grad_norm: 기울기 노름 자르기 한계.
        seed: 섞기 시드.
        progress: tqdm 진행 표시 여부.
    """

    lr: float = 1e-3
    epochs: int = 1
    batch_size: int = 16
    weight_decay: float = 0.0
    max_grad_norm: float | None = 1.0
    seed: int = 0
    progress: bool = False

    def __post_init__(self) -> None:
        check_fields(
            self, lr=POSITIVE, weight_decay=NON_NEGATIVE, max_grad_norm=CLIP_NORM
        )  # NaN·inf·범위 밖 값은 이름과 함께 거부
        check_train_config(self, ("epochs", "batch_size"))


def _reward_pairs(
    reward_model: RewardModel, batch: Mapping[str, torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor]:
    r = reward_model(batch["input_ids"], batch["attention_mask"])
    return r.chunk(2)  # 앞 절반 = 선택, 뒤 절반 = 거절


def train_reward_model(
    reward_model: RewardModel,
    examples: Sequence[Mapping[str, Sequence[int]]],
    pad_token_id: int,
    config: RewardConfig | None = None,
) -> list[dict[str, float]]:
    """Bradley-Terry 손실로 보상 모델을 학습한다.

    Args:
        reward_model: :class:`RewardModel`.
        examples: :func:`tokenize_preference` 결과들.
        pad_token_id: 채울 토큰 id.
        config: 학습 설정.

    Returns:
        단계별 기록 ``{"step", "loss", "accuracy", "margin"}``.
    """
    cfg = config or RewardConfig()
    if not examples:
        raise ValueError("examples가 비어 있습니다: []")
    params = [p for p in reward_model.parameters() if p.requires_grad]
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    dev = _device(reward_model)
    order = list(range(len(examples)))
    bar = _progress(math.ceil(len(examples) / cfg.batch_size) * cfg.epochs, cfg.progress, "보상 모델")
    history: list[dict[str, float]] = []
    reward_model.eval()  # 드롭아웃 끔
    for _ in range(cfg.epochs):
        rng.shuffle(order)
        for s in range(0, len(order), cfg.batch_size):
            b = collate_preferences([examples[i] for i in order[s : s + cfg.batch_size]], pad_token_id)
            rc, rr = _reward_pairs(reward_model, {k: v.to(dev) for k, v in b.items()})
            loss = bradley_terry_loss(rc, rr)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.max_grad_norm is not None:
                torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm)
            opt.step()
            m = (rc - rr).detach()
            history.append(
                {
                    "step": float(len(history) + 1),
                    "loss": float(loss.detach()),
                    "accuracy": _pair_accuracy(m),
                    "margin": float(m.mean()),
                }
            )
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return history


@torch.no_grad()
def reward_accuracy(
    reward_model: RewardModel,
    examples: Sequence[Mapping[str, Sequence[int]]],
    pad_token_id: int,
    batch_size: int = 64,
) -> tuple[float, torch.Tensor]:
    """보상 모델의 쌍 정확도 (r_c > r_r 인 비율, 비기면 ½) 와 쌍마다의 마진 r_c − r_r.

    Args:
        reward_model: :class:`RewardModel`.
        examples: :func:`tokenize_preference` 결과들.
        pad_token_id: 채울 토큰 id.
        batch_size: 한 번에 계산할 쌍 수.
    """
    if not examples:
        raise ValueError("examples가 비어 있습니다: []")
    reward_model.eval()
    dev = _device(reward_model)
    margins = []
    for s in range(0, len(examples), batch_size):
        b = collate_preferences(examples[s : s + batch_size], pad_token_id)
        rc, rr = _reward_pairs(reward_model, {k: v.to(dev) for k, v in b.items()})
        margins.append((rc - rr).cpu())
    m = torch.cat(margins)
    return _pair_accuracy(m), m


# ---------------------------------------------------------------------------------------------------------------
# RLHF (단순화): 샘플 → 보상 모델 점수 − β·KL → REINFORCE (평균 기준선)
# ---------------------------------------------------------------------------------------------------------------


@torch.no_grad()
def sample_responses(
    model: nn.Module,
    prompt_ids: Sequence[int],
    n: int,
    eos_token_id: int,
    max_new_tokens: int = 24,
    temperature: float = 1.0,
    top_k: int | None = None,
    generator: torch.Generator | None = None,
) -> list[list[int]]:
    """한 프롬프트에서 응답 ``n`` 개를 샘플한다. 응답은 ``eos_token_id`` 를 만나면 (그것까지 넣고) 끝난다.

    Args:
        model: 인과 언어 모델 (평가 모드로 바꾼다).
        prompt_ids: 프롬프트 토큰.
        n: 샘플 수.
        eos_token_id: 끝 토큰.
        max_new_tokens: 응답 최대 길이 (여기 닿으면 EOS 없이 끝난다).
        temperature: 샘플 온도 (> 0).
        top_k: top-k 거르기 (선택).
        generator: 재현용 난수 생성기 (CPU).
    """
    if not prompt_ids:
        raise ValueError(f"prompt_ids가 비어 있습니다: {list(prompt_ids)!r}")
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n은 1 이상의 정수여야 합니다: {n!r}")
    if not (isinstance(temperature, (int, float)) and temperature > 0):
        raise ValueError(f"temperature는 양수여야 합니다: {temperature!r}")
    n_pos = getattr(getattr(model, "config", None), "n_positions", None)
    if n_pos is not None and len(prompt_ids) + max_new_tokens > n_pos:
        raise ValueError(
            f"프롬프트 {len(prompt_ids)} + max_new_tokens {max_new_tokens}: 모델 문맥 길이 {n_pos}보다 깁니다"
        )
    model.eval()
    dev = _device(model)
    x = torch.tensor([list(prompt_ids)] * n, dtype=torch.long, device=dev)
    done = torch.zeros(n, dtype=torch.bool)
    out: list[list[int]] = [[] for _ in range(n)]
    for _ in range(max_new_tokens):
        logits = model(input_ids=x).logits[:, -1].float() / temperature  # z / T
        probs = F.softmax(filter_logits(logits, top_k=top_k), dim=-1).cpu()
        nxt = torch.multinomial(probs, 1, generator=generator).squeeze(-1)  # y_t ~ π(· | x, y_<t)
        for i in range(n):
            if not done[i]:
                out[i].append(int(nxt[i]))
                done[i] = int(nxt[i]) == eos_token_id
        if bool(done.all()):
            break
        x = torch.cat([x, nxt[:, None].to(dev)], dim=1)
    return out


@torch.no_grad()
def score_responses(
    reward_model: RewardModel,
    prompt_ids: Sequence[Sequence[int]],
    response_ids: Sequence[Sequence[int]],
    pad_token_id: int,
) -> torch.Tensor:
    """(프롬프트, 응답) 토큰 쌍들의 보상 ``(N,)`` 을 계산한다.

    Args:
        reward_model: :class:`RewardModel`.
        prompt_ids: 프롬프트 토큰 목록.
        response_ids: 응답 토큰 목록 (같은 길이).
        pad_token_id: 채울 토큰 id.
    """
    if len(prompt_ids) != len(response_ids) or not prompt_ids:
        raise ValueError(
            f"prompt_ids와 response_ids의 길이가 같고 0보다 커야 합니다: {len(prompt_ids)}, {len(response_ids)}"
        )
    seqs = [list(p) + list(r) for p, r in zip(prompt_ids, response_ids, strict=True)]
    ids = _pad_rows(seqs, pad_token_id)
    mask = _pad_rows([[1] * len(s) for s in seqs], 0)
    reward_model.eval()
    dev = _device(reward_model)
    return reward_model(ids.to(dev), mask.to(dev)).cpu()


@dataclass
class RLHFConfig:
    """단순화한 RLHF (KL 벌점 REINFORCE) 설정.

    Args:
        steps: 갱신 단계 수.
        prompts_per_step: 한 단계에서 쓰는 프롬프트 수.
        samples_per_prompt: 프롬프트마다 샘플할 응답 수.
        max_new_tokens: 응답 최대 길이.
        temperature: 샘플 온도.
        top_k: top-k 거르기 (선택).
        kl_coef: KL 벌점 계수 β (≥ 0). 총보상 R = r_φ(x, y) − β·Σ_t log π_θ/π_ref.
        lr: AdamW 학습률.
        max_grad_norm: 기울기 노름 자르기 한계.
        seed: 프롬프트 선택과 샘플의 시드.
        progress: tqdm 진행 표시 여부.
    """

    steps: int = 20
    prompts_per_step: int = 8
    samples_per_prompt: int = 2
    max_new_tokens: int = 24
    temperature: float = 1.0
    top_k: int | None = None
    kl_coef: float = 0.1
    lr: float = 1e-4
    max_grad_norm: float | None = 1.0
    seed: int = 0
    progress: bool = False

    def __post_init__(self) -> None:
        check_fields(
            self, temperature=POSITIVE, kl_coef=NON_NEGATIVE, lr=POSITIVE, max_grad_norm=CLIP_NORM
        )  # NaN·inf·범위 밖 값은 이름과 함께 거부
        check_train_config(self, ("steps", "prompts_per_step", "samples_per_prompt", "max_new_tokens"))
        if isinstance(self.kl_coef, bool) or not isinstance(self.kl_coef, (int, float)) or self.kl_coef < 0:
            raise ValueError(f"kl_coef는 0 이상이어야 합니다: {self.kl_coef!r}")
        if not (isinstance(self.temperature, (int, float)) and self.temperature > 0):
            raise ValueError(f"temperature는 양수여야 합니다: {self.temperature!r}")


def _response_batch(
    prompts: Sequence[Sequence[int]], responses: Sequence[Sequence[int]], pad_token_id: int
) -> dict[str, torch.Tensor]:
    seqs = [list(p) + list(r) for p, r in zip(prompts, responses, strict=True)]
    masks = [[0] * len(p) + [1] * len(r) for p, r in zip(prompts, responses, strict=True)]
    return {
        "input_ids": _pad_rows(seqs, pad_token_id),
        "attention_mask": _pad_rows([[1] * len(s) for s in seqs], 0),
        "completion_mask": _pad_rows(masks, 0),
    }


def train_rlhf(
    policy: nn.Module,
    reference: nn.Module,
    reward_model: RewardModel,
    prompts: Sequence[Sequence[int]],
    eos_token_id: int,
    pad_token_id: int,
    config: RLHFConfig | None = None,
) -> list[dict[str, float]]:
    """KL 벌점을 단 REINFORCE(평균 기준선) 로 정책을 보상 모델 쪽으로 민다 — PPO 를 단순화한 RLHF.

    단계마다: 프롬프트를 고르고 응답 y 를 샘플 → 보상 r = r_φ(x, y) → 시퀀스 KL 추정
    k = Σ_t [log π_θ(y_t|·) − log π_ref(y_t|·)] → 총보상 R = r − β k → 이점 A = R − mean(R) →
    손실 −mean(A · log π_θ(y|x)).

    Args:
        policy: 학습할 정책.
        reference: 얼린 참조 모델 (KL 의 기준).
        reward_model: 학습된 :class:`RewardModel` (얼린 채로 쓴다).
        prompts: 프롬프트 토큰 목록 (:func:`prompt_text` 를 토큰화한 것).
        eos_token_id: 끝 토큰.
        pad_token_id: 채울 토큰 id.
        config: 설정.

    Returns:
        단계별 기록 ``{"step", "reward", "kl", "objective", "length"}`` (샘플 평균; kl 은 시퀀스당 nats).
    """
    cfg = config or RLHFConfig()
    if not prompts:
        raise ValueError("prompts가 비어 있습니다: []")
    params = [p for p in policy.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr)
    rng = random.Random(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    dev = _device(policy)
    for p in reward_model.parameters():
        p.requires_grad_(False)
    bar = _progress(cfg.steps, cfg.progress, "RLHF")
    history: list[dict[str, float]] = []
    for step in range(1, cfg.steps + 1):
        chosen = rng.sample(range(len(prompts)), min(cfg.prompts_per_step, len(prompts)))
        ps, rs = [], []
        for i in chosen:
            for r in sample_responses(
                policy,
                prompts[i],
                cfg.samples_per_prompt,
                eos_token_id,
                cfg.max_new_tokens,
                cfg.temperature,
                cfg.top_k,
                gen,
            ):
                ps.append(prompts[i])
                rs.append(r)
        reward = score_responses(reward_model, ps, rs, pad_token_id).to(dev)  # r_φ(x, y)
        b = {k: v.to(dev) for k, v in _response_batch(ps, rs, pad_token_id).items()}
        policy.eval()  # 드롭아웃 끔
        logp = sequence_logprobs(policy, b["input_ids"], b["attention_mask"], b["completion_mask"])
        with torch.no_grad():
            reference.eval()
            ref_logp = sequence_logprobs(reference, b["input_ids"], b["attention_mask"], b["completion_mask"])
        kl = logp.detach() - ref_logp  # k1 추정: Σ_t log π_θ/π_ref, 기댓값 = KL(π_θ ‖ π_ref)
        total = reward - cfg.kl_coef * kl  # R = r − β·KL
        advantage = total - total.mean()  # 평균 기준선 (분산 줄이기)
        loss = -(advantage * logp).mean()  # ∇J ≈ E[A ∇log π_θ(y|x)]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm)
        opt.step()
        history.append(
            {
                "step": float(step),
                "reward": float(reward.mean()),
                "kl": float(kl.mean()),
                "objective": float(total.mean()),
                "length": float(sum(len(r) for r in rs) / len(rs)),
            }
        )
        if bar is not None:
            bar.update(1)
            bar.set_postfix(reward=f"{history[-1]['reward']:.3f}", kl=f"{history[-1]['kl']:.3f}")
    if bar is not None:
        bar.close()
    policy.eval()
    return history


# ---------------------------------------------------------------------------------------------------------------
# RLAIF: 사람 대신 모델(보상 모델 또는 규칙 심판)이 선호를 매긴다
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class RLAIFResult:
    """모델이 매긴 선호 쌍들.

    Args:
        pairs: ``{"prompt", "chosen", "rejected", "margin"}`` 사전들 (:func:`tokenize_preference` 에 바로 넣을 수 있다).
        n_ties: 두 응답이 같거나 점수가 같아 쌍을 만들지 못한 수 (버린 것을 숨기지 않는다).
    """

    pairs: list[dict[str, Any]] = field(default_factory=list)
    n_ties: int = 0


def label_pairs(
    prompts: Sequence[str],
    responses_a: Sequence[str],
    responses_b: Sequence[str],
    judge: Callable[[str, str], float],
) -> RLAIFResult:
    """심판 함수 ``judge(prompt, response) → 점수`` 로 두 응답 중 나은 것을 골라 선호 쌍을 만든다 (RLAIF).

    심판은 학습된 보상 모델이어도, 규칙(예: 길이)이어도 된다. 두 응답이 같거나 점수가 같으면 쌍을 만들지 않고
    ``n_ties`` 로 센다. 빈 응답도 점수를 받는다 (빈 응답이 이기면 그 쌍은 ``tokenize_preference`` 에서 거절된다).

    Args:
        prompts: 프롬프트들.
        responses_a: 첫째 응답들.
        responses_b: 둘째 응답들.
        judge: 점수 함수 (클수록 좋다).
    """
    if not (len(prompts) == len(responses_a) == len(responses_b)):
        raise ValueError(
            f"prompts, responses_a, responses_b의 길이가 같아야 합니다: "
            f"{len(prompts)}, {len(responses_a)}, {len(responses_b)}"
        )
    result = RLAIFResult()
    for p, a, b in zip(prompts, responses_a, responses_b, strict=True):
        p, a, b = nfc(p), nfc(a), nfc(b)
        if a == b:
            result.n_ties += 1
            continue
        sa, sb = float(judge(p, a)), float(judge(p, b))
        if sa == sb:
            result.n_ties += 1
            continue
        chosen, rejected = (a, b) if sa > sb else (b, a)
        result.pairs.append({"prompt": p, "chosen": chosen, "rejected": rejected, "margin": abs(sa - sb)})
    return result


# ---------------------------------------------------------------------------------------------------------------
# 체크포인트 만들기: SFT → 보상 모델 → DPO (+ RLHF·RLAIF 기록)  ``python -m llmnotes.align --out ...``
# ---------------------------------------------------------------------------------------------------------------

RECIPE_FORMAT = 1
_FILES = {
    "reference": "reference.safetensors",
    "policy": "policy.safetensors",
    "reward": "reward.safetensors",
}


@dataclass
class AlignRecipe:
    """정렬 체크포인트 레시피 (:func:`build_checkpoint`).

    Args:
        base: 사전학습 모델 폴더 (HF GPT-2 형식 + ``tokenizer.json``).
        seed: 모든 단계의 시드.
        sft_epochs: 지시 데이터(``load_instructions("train")``) SFT 에폭 수.
        sft_lr: SFT 학습률.
        sft_knowledge_per_fact: 0 이 아니면, 사전학습 세계의 사실을 질문–답으로 바꾼 데이터
            (:func:`knowledge_instructions`, 사실·방향마다 이만큼)를 SFT 지시 데이터에 섞는다.
        rm_epochs: 보상 모델 에폭 수.
        rm_lr: 보상 모델 학습률.
        dpo_beta: DPO β.
        dpo_epochs: DPO 에폭 수.
        dpo_lr: DPO 학습률.
        batch_size: SFT·보상 모델·DPO 배치 크기.
        dev_per_signal: DPO 레시피를 고를 개발 쌍 수 (학습 쌍에서 신호마다 떼어 낸다, :func:`split_dev`).
        dpo_mismatch_other: DPO 학습 쌍마다 더할 '아무 다른 질문' 어긋난 짝 수 (:func:`mismatched_pairs`).
        dpo_mismatch_same: DPO 학습 쌍마다 더할 '같은 관계, 다른 사실' 어긋난 짝 수.
        rlhf_steps: RLHF 단계 수 (KL 계수마다 한 번씩 돌린다).
        rlhf_kl_coefs: 비교할 KL 벌점 계수들.
        rlhf_lr: RLHF 학습률.
        rlaif_max_new_tokens: RLAIF 샘플 길이.
        dpo_seed_study: 비어 있지 않으면, 배포하는 DPO 와 같은 설정을 이 시드들로 다시 학습해 개발·시험 정확도만
            기록한다 (:func:`dpo_seed_study`; 가중치는 저장하지 않는다, 배포하는 정책은 언제나 ``seed`` 의 것).
    """

    base: str = "data/models/tiny-ko-gpt"
    seed: int = 0
    sft_epochs: int = 2
    sft_lr: float = 1e-3
    sft_knowledge_per_fact: int = 0
    rm_epochs: int = 2
    rm_lr: float = 1e-3
    dpo_beta: float = 0.1
    dpo_epochs: int = 1
    dpo_lr: float = 5e-4
    batch_size: int = 16
    dev_per_signal: int = 16
    dpo_mismatch_other: int = 2
    dpo_mismatch_same: int = 2
    rlhf_steps: int = 20
    rlhf_kl_coefs: tuple[float, ...] = (0.0, 1.0)
    rlhf_lr: float = 3e-4
    rlaif_max_new_tokens: int = 24
    dpo_seed_study: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        check_fields(
            self, sft_lr=POSITIVE, rm_lr=POSITIVE, dpo_beta=POSITIVE, dpo_lr=POSITIVE, rlhf_lr=POSITIVE
        )  # NaN·inf·범위 밖 값은 이름과 함께 거부
        # 시드 연구는 학습이 다 끝난 뒤에 돌므로, 잘못된 값은 몇 분을 기다리기 전에 여기서 알린다
        if self.dpo_seed_study:
            self.dpo_seed_study = tuple(_check_seeds(self.dpo_seed_study, "dpo_seed_study"))


def _round_fp16(model: nn.Module) -> None:
    # 저장 크기를 줄이려고 가중치를 float16 으로 반올림한다. 기록하는 평가는 모두 반올림한 뒤의 가중치로 잰다.
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())


def _state_fp16(model: nn.Module) -> dict[str, torch.Tensor]:
    seen: dict[int, str] = {}
    out = {}
    for k, v in model.state_dict().items():
        if v.data_ptr() in seen:  # 묶인(tied) 가중치는 한 번만 저장 (lm_head.weight = wte.weight)
            continue
        seen[v.data_ptr()] = k
        out[k] = v.detach().half().contiguous() if v.is_floating_point() else v.contiguous()
    return out


def load_tokenizer(path: str) -> Any:
    """모델 폴더의 ``tokenizer.json`` 을 불러오고 ``<|endoftext|>`` / ``<pad>`` 를 끝·채움 토큰으로 정한다.

    Args:
        path: 모델 폴더.
    """
    from pathlib import Path

    from transformers import PreTrainedTokenizerFast

    file = Path(path) / "tokenizer.json"
    if not file.is_file():
        raise ValueError(f"tokenizer.json이 없습니다: {str(file)!r}")
    tok = PreTrainedTokenizerFast(tokenizer_file=str(file))
    tok.eos_token, tok.pad_token = EOS, "<pad>"
    return tok


def load_checkpoint(path: str | None = None) -> dict[str, Any]:
    """:func:`build_checkpoint` 가 만든 폴더를 불러온다.

    Args:
        path: 체크포인트 폴더 (기본: ``data_dir()/models/tiny-ko-gpt-dpo``).

    Returns:
        ``{"tokenizer", "reference", "policy", "reward_model", "recipe"}`` — 참조(SFT) 모델과 DPO 정책은 HF
        ``GPT2LMHeadModel`` (float32, 평가 모드), 보상 모델은 :class:`RewardModel`.
    """
    import json
    from pathlib import Path

    from safetensors.torch import load_file
    from transformers import GPT2Config, GPT2LMHeadModel

    from llmnotes.paths import data_dir

    p = Path(path) if path is not None else data_dir() / "models" / "tiny-ko-gpt-dpo"
    if not (p / "recipe.json").is_file():
        raise ValueError(f"recipe.json이 없는 폴더입니다: {str(p)!r}")
    config = GPT2Config.from_pretrained(str(p))
    out: dict[str, Any] = {
        "tokenizer": load_tokenizer(str(p)),
        "recipe": json.loads((p / "recipe.json").read_text()),
    }
    for name in ("reference", "policy", "reward"):
        lm = GPT2LMHeadModel(config)
        module: nn.Module = RewardModel(lm) if name == "reward" else lm
        state = {k: v.float() for k, v in load_file(str(p / _FILES[name])).items()}
        missing, unexpected = module.load_state_dict(state, strict=False)
        if unexpected or any(not k.endswith("lm_head.weight") for k in missing):
            raise ValueError(
                f"{_FILES[name]}의 키가 모델과 맞지 않습니다: missing={missing}, unexpected={unexpected}"
            )
        out["reward_model" if name == "reward" else name] = module.eval()
    return out


def build_checkpoint(
    recipe: AlignRecipe, out: str, command: str = "", progress: bool = True
) -> dict[str, Any]:
    """SFT → 보상 모델 → DPO 를 학습해 ``out`` 에 저장하고, RLHF(KL 계수별)·RLAIF 실험 기록을 ``recipe.json`` 에 남긴다.

    보상 모델은 학습 쌍 전체로 학습한다. DPO 는 학습 쌍에서 개발 쌍(신호마다 ``dev_per_signal`` 개)을 뺀 나머지와
    그 나머지로 만든 어긋난 짝으로 학습하고, 개발 쌍과 시험 쌍에서 따로 평가한다 (레시피는 개발 쌍으로만 골랐다).

    Args:
        recipe: 설정.
        out: 결과 폴더.
        command: 기록할 명령줄.
        progress: 진행 상황 출력 여부.
    """
    import dataclasses
    import hashlib
    import json
    import platform
    import shutil
    import time
    from pathlib import Path

    import transformers
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM

    from llmnotes.loaders import load_instructions, load_preferences
    from llmnotes.sft import SFTConfig, tokenize_instruction, train_sft

    def log(msg: str) -> None:
        if progress:
            print(msg, flush=True)

    t0 = time.time()
    torch.manual_seed(recipe.seed)
    tok = load_tokenizer(recipe.base)
    base = AutoModelForCausalLM.from_pretrained(recipe.base).float().eval()
    n_pos = base.config.n_positions
    pad, eos = tok.pad_token_id, tok.eos_token_id
    train_p, test_p = load_preferences("train"), load_preferences("test")
    dpo_p, dev_p = split_dev(train_p, recipe.dev_per_signal, recipe.seed)
    train_ex = [tokenize_preference(p, tok, max_length=n_pos) for p in train_p]
    test_ex = [tokenize_preference(p, tok, max_length=n_pos) for p in test_p]
    dev_ex = [tokenize_preference(p, tok, max_length=n_pos) for p in dev_p]
    mism = mismatched_pairs(dpo_p, recipe.dpo_mismatch_other, recipe.dpo_mismatch_same, recipe.seed)
    dpo_ex = [tokenize_preference(p, tok, max_length=n_pos) for p in [*dpo_p, *mism]]
    record: dict[str, Any] = {}

    # 1) SFT: 지시 데이터로 대화 형식을 익힌다 (선호 데이터는 쓰지 않는다 → DPO 전 '시작점'이 깨끗하다)
    ins_all = load_instructions("train")
    ins = [tokenize_instruction(e, tok) for e in ins_all]
    too_long = [e.id for e, x in zip(ins_all, ins, strict=True) if len(x["input_ids"]) > n_pos]
    ins = [x for x in ins if len(x["input_ids"]) <= n_pos]
    # 1b) (선택) 사전학습 세계의 사실을 질문–답 꼴로 (관계 표 전체, 선호 데이터는 쓰지 않는다)
    kqa = (
        knowledge_instructions(recipe.sft_knowledge_per_fact, recipe.seed)
        if recipe.sft_knowledge_per_fact
        else []
    )
    ins += [tokenize_instruction(e, tok, max_length=n_pos) for e in kqa]
    sft = copy_model(base)
    sft_losses = train_sft(
        sft,
        ins,
        pad,
        SFTConfig(lr=recipe.sft_lr, epochs=recipe.sft_epochs, batch_size=recipe.batch_size, seed=recipe.seed),
    )
    _round_fp16(sft)
    sft.eval()
    record["sft"] = {
        "n_examples": len(ins),
        "n_knowledge": len(kqa),
        "skipped_too_long": too_long,
        "losses": [round(x, 4) for x in sft_losses],
    }
    log(f"SFT {len(sft_losses)} 단계: 손실 {sft_losses[0]:.3f} → {sft_losses[-1]:.3f}")

    # 2) 보상 모델
    rm = RewardModel(copy_model(sft))
    rm_hist = train_reward_model(
        rm,
        train_ex,
        pad,
        RewardConfig(
            lr=recipe.rm_lr, epochs=recipe.rm_epochs, batch_size=recipe.batch_size, seed=recipe.seed
        ),
    )
    _round_fp16(rm)
    rm_acc, _ = reward_accuracy(rm, test_ex, pad)
    record["reward_model"] = {"history": _round_hist(rm_hist), "test_accuracy": rm_acc}
    log(f"보상 모델: 시험 쌍 정확도 {rm_acc:.3f}")

    # 3) DPO (참조 = SFT): 학습 쌍 − 개발 쌍, 그리고 그것으로 만든 어긋난 짝. 학습 중 평가는 개발 쌍으로만.
    policy = copy_model(sft)
    dpo_cfg = DPOTrainConfig(
        beta=recipe.dpo_beta,
        lr=recipe.dpo_lr,
        epochs=recipe.dpo_epochs,
        batch_size=recipe.batch_size,
        seed=recipe.seed,
        eval_every=8,
    )
    dpo_hist = train_dpo(policy, sft, dpo_ex, pad, dpo_cfg, eval_examples=dev_ex)
    _round_fp16(policy)
    eval_sets = {
        "dev": (dev_ex, [p.signal for p in dev_p]),
        "test": (test_ex, [p.signal for p in test_p]),
    }
    refs = {name: reference_logprobs(sft, ex, pad) for name, (ex, _) in eval_sets.items()}
    ref_test = refs["test"]
    acc, evs = _accuracy_record(policy, eval_sets, refs, pad, recipe.dpo_beta)
    record["dpo"] = {
        "n_pairs": len(dpo_p),
        "n_mismatched": len(mism),
        "dev_ids": [p.id for p in dev_p],
        "history": _round_hist(dpo_hist),
        **acc,
        "test_margin": evs["test"].mean_margin,
    }
    log(f"DPO: 개발 쌍 정확도 {acc['dev_accuracy']:.3f}, 시험 쌍 정확도 {acc['test_accuracy']:.3f}")

    # 3b) 비교용: 어긋난 짝 없이 같은 설정의 DPO (가중치는 저장하지 않고 정확도만 기록)
    plain = copy_model(sft)
    plain_ex = [tokenize_preference(p, tok, max_length=n_pos) for p in dpo_p]
    train_dpo(plain, sft, plain_ex, pad, dataclasses.replace(dpo_cfg, eval_every=0))
    _round_fp16(plain)
    record["dpo_no_mismatch"] = _accuracy_record(plain, eval_sets, refs, pad, recipe.dpo_beta)[0]
    pv = record["dpo_no_mismatch"]
    log(
        f"DPO (어긋난 짝 없이): 개발 쌍 정확도 {pv['dev_accuracy']:.3f}, 시험 쌍 정확도 {pv['test_accuracy']:.3f}"
    )

    # 4) RLHF (KL 계수별), 정책 = SFT 복사본
    prompts = [_encode(tok, prompt_text(p.prompt)) for p in train_p]
    record["rlhf"] = {}
    for kl in recipe.rlhf_kl_coefs:
        pol = copy_model(sft)
        cfg = RLHFConfig(steps=recipe.rlhf_steps, kl_coef=kl, lr=recipe.rlhf_lr, seed=recipe.seed)
        hist = train_rlhf(pol, sft, rm, prompts, eos, pad, cfg)
        record["rlhf"][str(kl)] = {"config": _asdict(cfg), "history": _round_hist(hist)}
        log(f"RLHF β={kl}: 보상 {hist[0]['reward']:.3f} → {hist[-1]['reward']:.3f}, KL {hist[-1]['kl']:.3f}")

    # 5) RLAIF: SFT 의 응답 두 개를 보상 모델이 판정 → 그 쌍으로 DPO → 사람 시험 쌍 정확도
    #    (DPO 와 같은 학습 프롬프트만: 개발 쌍의 프롬프트는 쓰지 않는다)
    gen = torch.Generator().manual_seed(recipe.seed)
    a_list, b_list = [], []
    for pid in [_encode(tok, prompt_text(p.prompt)) for p in dpo_p]:
        a, b = sample_responses(sft, pid, 2, eos, recipe.rlaif_max_new_tokens, generator=gen)
        a_list.append(tok.decode([t for t in a if t != eos]))
        b_list.append(tok.decode([t for t in b if t != eos]))

    def judge(prompt: str, response: str) -> float:
        return float(
            score_responses(rm, [_encode(tok, prompt_text(prompt))], [_encode(tok, response + EOS)], pad)[0]
        )

    labelled = label_pairs([p.prompt for p in dpo_p], a_list, b_list, judge)
    usable = [d for d in labelled.pairs if d["chosen"].strip() and d["rejected"].strip()]
    ai_ex = [tokenize_preference(d, tok, max_length=n_pos) for d in usable]
    ai_policy = copy_model(sft)
    ai_hist = train_dpo(ai_policy, sft, ai_ex, pad, dpo_cfg, eval_examples=dev_ex)
    ai_ev = evaluate_dpo(ai_policy, test_ex, pad, ref_test, recipe.dpo_beta)
    record["rlaif"] = {
        "n_pairs": len(ai_ex),
        "n_ties": labelled.n_ties,
        "n_empty": len(labelled.pairs) - len(usable),
        "history": _round_hist(ai_hist),
        "test_accuracy": ai_ev.accuracy,
        "test_margin": ai_ev.mean_margin,
    }
    log(f"RLAIF: 쌍 {len(ai_ex)} 개, 사람 시험 쌍 정확도 {ai_ev.accuracy:.3f}")

    # 6) (선택) 시드 연구: 같은 DPO 설정을 섞는 순서만 바꿔 다시 학습 → 한두 쌍의 차이가 잡음인지 본다
    if recipe.dpo_seed_study:
        study = dpo_seed_study(sft, dpo_ex, pad, dpo_cfg, recipe.dpo_seed_study, eval_sets)
        record["dpo_seed_study"] = study
        log(
            "DPO 시드 연구 (개발/시험): "
            + ", ".join(f"{r['seed']}: {r['dev_accuracy']:.3f}/{r['test_accuracy']:.3f}" for r in study)
        )

    # 저장
    o = Path(out)
    o.mkdir(parents=True, exist_ok=True)
    sft.config.save_pretrained(str(o))
    shutil.copyfile(Path(recipe.base) / "tokenizer.json", o / "tokenizer.json")
    for name, module in (("reference", sft), ("policy", policy), ("reward", rm)):
        save_file(_state_fp16(module), str(o / _FILES[name]))
        (o / _FILES[name]).chmod(0o644)
    files = {
        f: hashlib.sha256((o / f).read_bytes()).hexdigest()
        for f in ["config.json", "tokenizer.json", *_FILES.values()]
    }
    base_recipe = Path(recipe.base) / "recipe.json"
    info = {
        "format": RECIPE_FORMAT,
        "name": o.name,
        "command": command,
        "recipe": _asdict(recipe),
        "base_model_sha256": hashlib.sha256(
            (Path(recipe.base) / "model.safetensors").read_bytes()
        ).hexdigest(),
        "base_recipe_command": json.loads(base_recipe.read_text()).get("command")
        if base_recipe.is_file()
        else None,
        "results": record,
        "train_seconds": round(time.time() - t0, 1),
        "environment": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "threads": torch.get_num_threads(),
        },
        "files": files,
    }
    (o / "recipe.json").write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n")
    return info


def copy_model(model: nn.Module) -> nn.Module:
    """모델을 깊은 복사해 평가 모드로 돌려준다 (정책·참조·보상 모델을 서로 떼어 놓을 때).

    Args:
        model: 복사할 모델.
    """
    import copy

    return copy.deepcopy(model).eval()


def _by_signal(margins: torch.Tensor, signals: Sequence[str]) -> dict[str, float]:
    # 신호별 정확도 (evaluate_dpo 와 같은 규칙: 이긴 쌍 1, 비긴 쌍 ½)
    return {
        s: _pair_accuracy(margins[[i for i, x in enumerate(signals) if x == s]]) for s in sorted(set(signals))
    }


def _round_hist(hist: list[dict[str, float]]) -> list[dict[str, float]]:
    return [{k: round(v, 4) for k, v in h.items()} for h in hist]


def _asdict(cfg: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items()}


def parse_args(argv: list[str] | None = None) -> tuple[AlignRecipe, str, bool]:
    """명령줄을 읽어 ``(레시피, 결과 폴더, 조용히)`` 를 돌려준다. ``AlignRecipe`` 의 필드마다 ``--필드-이름`` 이 있다.

    튜플 필드는 여러 값을 받고, 값의 자료형은 필드 주석(``tuple[int, ...]`` / ``tuple[float, ...]``)을 따른다.

    Args:
        argv: 인자 목록 (``None`` 이면 ``sys.argv[1:]``).
    """
    import argparse
    from dataclasses import fields

    parser = argparse.ArgumentParser(prog="python -m llmnotes.align", description="정렬 체크포인트 만들기")
    parser.add_argument("--out", required=True, help="결과 폴더 (예: data/models/tiny-ko-gpt-dpo)")
    parser.add_argument("--quiet", action="store_true")
    defaults = AlignRecipe()
    tuples = set()
    for f in fields(AlignRecipe):
        flag = f"--{f.name.replace('_', '-')}"
        v = getattr(defaults, f.name)
        if isinstance(v, tuple):
            tuples.add(f.name)
            elem = int if str(f.type).startswith("tuple[int") else float
            parser.add_argument(flag, type=elem, nargs="+", default=None)
        else:
            parser.add_argument(flag, type=type(v), default=None)
    args = parser.parse_args(argv)
    over = {f.name: getattr(args, f.name) for f in fields(AlignRecipe) if getattr(args, f.name) is not None}
    over = {k: tuple(v) if k in tuples else v for k, v in over.items()}
    return AlignRecipe(**over), args.out, args.quiet


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """명령줄 진입점: ``python -m llmnotes.align --out data/models/tiny-ko-gpt-dpo`` (``AlignRecipe`` 필드를 바꿀 수 있다)."""
    import sys

    recipe, out, quiet = parse_args(argv)
    used = sys.argv[1:] if argv is None else argv
    return build_checkpoint(
        recipe, out, command="python -m llmnotes.align " + " ".join(used), progress=not quiet
    )


if __name__ == "__main__":
    main()
