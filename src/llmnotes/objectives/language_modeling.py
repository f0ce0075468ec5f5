"""토큰 단위 언어 모델링 목표: 인과적 LM(GPT), 마스크 LM(BERT), 번역 언어 모델링(XLM 의 TLM)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ._checks import IGNORE_INDEX, _check_ids, _check_prob, _torch_generator

# ---------------------------------------------------------------------------------------------------------------
# 1. 인과적 언어 모델링 (GPT)
# ---------------------------------------------------------------------------------------------------------------


def causal_lm_loss(
    logits: torch.Tensor,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor | None = None,
    ignore_index: int = IGNORE_INDEX,
) -> torch.Tensor:
    """다음 토큰 예측 손실. 위치 t 의 로짓으로 토큰 t+1 을 맞힌다 (한 칸 민다).

    L = -1/N Σ_{t=1}^{T-1} log p(x_{t+1} | x_{≤t}),  N = 손실에 들어간 토큰 수.
    ``transformers`` 의 ``GPT2LMHeadModel(labels=input_ids)`` 손실과 같다.

    Args:
        logits: ``(B, T, V)``.
        input_ids: ``(B, T)`` 입력 토큰 (목표도 여기서 만든다). ``ignore_index`` 값은 건너뛴다.
        attention_mask: ``(B, T)``; 0 인 자리(패딩)는 목표에서 뺀다.
        ignore_index: 건너뛸 목표 값.
    """
    _check_ids("input_ids", input_ids)
    if logits.dim() != 3 or logits.shape[:2] != input_ids.shape:
        raise ValueError(
            f"logits의 모양은 (B, T, V)이고 B, T가 input_ids와 같아야 합니다: logits {tuple(logits.shape)}, "
            f"input_ids {tuple(input_ids.shape)}"
        )
    labels = input_ids
    if attention_mask is not None:
        if attention_mask.shape != input_ids.shape:
            raise ValueError(
                f"attention_mask의 모양이 input_ids와 다릅니다: {tuple(attention_mask.shape)} != {tuple(input_ids.shape)}"
            )
        labels = input_ids.masked_fill(attention_mask == 0, ignore_index)
    shift_logits = logits[:, :-1, :]  # 위치 0..T-2 의 예측
    shift_labels = labels[:, 1:]  # 목표: 토큰 1..T-1
    return F.cross_entropy(
        shift_logits.reshape(-1, shift_logits.size(-1)), shift_labels.reshape(-1), ignore_index=ignore_index
    )


# ---------------------------------------------------------------------------------------------------------------
# 2. 마스크 언어 모델링 (BERT)
# ---------------------------------------------------------------------------------------------------------------


def mask_tokens(
    input_ids: torch.Tensor,
    *,
    mask_token_id: int,
    vocab_size: int,
    special_tokens_mask: torch.Tensor | None = None,
    mlm_probability: float = 0.15,
    mask_replace_prob: float = 0.8,
    random_replace_prob: float = 0.1,
    generator: torch.Generator | int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT 식 마스킹. 특수 토큰이 아닌 자리를 확률 ``mlm_probability`` 로 고르고, 고른 자리를
    80% ``[MASK]``, 10% 무작위 토큰, 10% 그대로 둔다. 손실은 고른 자리에서만 계산한다.

    난수를 뽑는 순서가 ``transformers.DataCollatorForLanguageModeling`` 과 같아서, 같은 시드의 생성기를 주면
    결과가 정확히 같다 (테스트로 확인).

    Args:
        input_ids: ``(B, T)`` 토큰 번호.
        mask_token_id: ``[MASK]`` 토큰 번호.
        vocab_size: 무작위 토큰을 뽑을 범위 ``[0, vocab_size)``.
        special_tokens_mask: ``(B, T)``; 1/True 인 자리(``[CLS]``, ``[SEP]``, 패딩 등)는 절대 고르지 않는다.
        mlm_probability: 고를 확률 (BERT: 0.15).
        mask_replace_prob: 고른 자리 중 ``[MASK]`` 로 바꿀 비율 (0.8).
        random_replace_prob: 고른 자리 중 무작위 토큰으로 바꿀 비율 (0.1). 나머지는 그대로.
        generator: ``torch.Generator`` 또는 정수 시드 (``None`` 이면 전역 난수).

    Returns:
        ``(inputs, labels)``. ``labels`` 는 고르지 않은 자리가 -100.
    """
    _check_ids("input_ids", input_ids)
    _check_prob("mlm_probability", mlm_probability)
    _check_prob("mask_replace_prob", mask_replace_prob)
    _check_prob("random_replace_prob", random_replace_prob)
    if mask_replace_prob + random_replace_prob > 1.0:
        raise ValueError(
            f"두 확률의 합(mask_replace_prob + random_replace_prob)이 1을 넘습니다: {mask_replace_prob} + {random_replace_prob}"
        )
    if not isinstance(vocab_size, int) or vocab_size < 1:
        raise ValueError(f"vocab_size는 1 이상의 정수여야 합니다: {vocab_size!r}")
    if not isinstance(mask_token_id, int) or not 0 <= mask_token_id < vocab_size:
        raise ValueError(f"mask_token_id는 [0, vocab_size) 안의 정수여야 합니다: {mask_token_id!r}")
    gen = _torch_generator(generator)
    inputs = input_ids.clone()
    labels = input_ids.clone()
    probability = torch.full(labels.shape, float(mlm_probability))
    if special_tokens_mask is not None:
        if special_tokens_mask.shape != input_ids.shape:
            raise ValueError(
                f"special_tokens_mask의 모양이 input_ids와 다릅니다: {tuple(special_tokens_mask.shape)} != {tuple(input_ids.shape)}"
            )
        probability.masked_fill_(special_tokens_mask.bool(), 0.0)  # 특수 토큰은 고를 확률 0
    masked = torch.bernoulli(probability, generator=gen).bool()  # m_i ~ Bernoulli(0.15)
    labels[~masked] = IGNORE_INDEX  # 고른 자리만 손실에 들어간다

    # 고른 자리 중 80%: [MASK]
    replaced = (
        torch.bernoulli(torch.full(labels.shape, float(mask_replace_prob)), generator=gen).bool() & masked
    )
    inputs[replaced] = mask_token_id
    if mask_replace_prob == 1.0 or random_replace_prob == 0.0:
        return inputs, labels
    # 남은 20% 중 절반(= 전체의 10%): 무작위 토큰. 조건부 확률 0.1 / (1 - 0.8) = 0.5
    scaled = random_replace_prob / (1.0 - mask_replace_prob)
    randomized = (
        torch.bernoulli(torch.full(labels.shape, float(scaled)), generator=gen).bool() & masked & ~replaced
    )
    random_words = torch.randint(vocab_size, labels.shape, dtype=torch.long, generator=gen)
    inputs[randomized] = random_words[randomized]
    # 나머지 10%: 그대로 둔다 (모델이 [MASK] 가 아닌 자리도 표현을 잘 만들도록)
    return inputs, labels


# ---------------------------------------------------------------------------------------------------------------
# 6. 번역 언어 모델링 (XLM 의 TLM)
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class TLMExample:
    """TLM 예제 하나 (모두 길이 T 의 1차원 텐서).

    Attributes:
        input_ids: 마스킹된 ``[CLS] 원문 [SEP] 번역문 [SEP]``.
        labels: 가린 자리의 원래 토큰, 나머지 -100.
        lang_ids: 토큰마다의 언어 번호 (언어 임베딩에 더한다).
        position_ids: 위치 번호. 번역문에서 0 부터 다시 센다 (XLM 방식).
    """

    input_ids: torch.Tensor
    labels: torch.Tensor
    lang_ids: torch.Tensor
    position_ids: torch.Tensor


def tlm_example(
    src_ids: Sequence[int],
    tgt_ids: Sequence[int],
    *,
    src_lang: int,
    tgt_lang: int,
    cls_id: int,
    sep_id: int,
    mask_token_id: int,
    vocab_size: int,
    mlm_probability: float = 0.15,
    generator: torch.Generator | int | None = None,
) -> TLMExample:
    """평행 문장 쌍으로 TLM 예제를 만든다. 두 언어 문장을 이어 붙이고 양쪽 모두에서 MLM 마스킹을 한다.

    한국어 단어가 가려져도 모델은 옆의 번역문을 보고 맞힐 수 있으므로, 두 언어의 표현을 서로 맞추도록 배운다.

    Args:
        src_ids: 원문 토큰 (비어 있으면 안 된다).
        tgt_ids: 번역문 토큰 (비어 있으면 안 된다).
        src_lang: 원문 언어 번호.
        tgt_lang: 번역문 언어 번호.
        cls_id: 맨 앞 특수 토큰.
        sep_id: 문장 사이와 끝의 특수 토큰.
        mask_token_id: ``[MASK]`` 번호.
        vocab_size: 무작위 토큰 범위.
        mlm_probability: 고를 확률.
        generator: ``torch.Generator`` 또는 정수 시드.
    """
    if len(src_ids) == 0 or len(tgt_ids) == 0:
        raise ValueError(f"src_ids와 tgt_ids는 비어 있으면 안 됩니다: 길이 {len(src_ids)}, {len(tgt_ids)}")
    ids = [cls_id, *src_ids, sep_id, *tgt_ids, sep_id]
    n_src = len(src_ids) + 2  # [CLS] 원문 [SEP]
    n_tgt = len(tgt_ids) + 1  # 번역문 [SEP]
    input_ids = torch.tensor(ids, dtype=torch.long)
    special = torch.zeros(len(ids), dtype=torch.bool)
    special[[0, n_src - 1, len(ids) - 1]] = True
    inputs, labels = mask_tokens(
        input_ids[None],
        mask_token_id=mask_token_id,
        vocab_size=vocab_size,
        special_tokens_mask=special[None],
        mlm_probability=mlm_probability,
        generator=generator,
    )
    lang_ids = torch.tensor([src_lang] * n_src + [tgt_lang] * n_tgt, dtype=torch.long)
    position_ids = torch.cat([torch.arange(n_src), torch.arange(n_tgt)])  # 번역문은 위치를 0 부터 다시
    return TLMExample(inputs[0], labels[0], lang_ids, position_ids)
