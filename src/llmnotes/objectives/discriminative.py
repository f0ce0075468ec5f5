"""판별 목표: 문장 쌍 과제(BERT 의 NSP, ALBERT 의 SOP)와 바뀐 토큰 찾기(ELECTRA)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..hangul import nfc
from ._checks import IGNORE_INDEX, _check_ids, _check_prob, _torch_generator

# ---------------------------------------------------------------------------------------------------------------
# 4. 문장 쌍 과제: NSP (BERT) 와 SOP (ALBERT)
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentencePair:
    """문장 쌍 분류 예제 하나.

    레이블 규약은 ``transformers`` 와 같다.
    NSP (``BertForPreTraining.next_sentence_label``): 0 = B 가 A 의 다음 문장(IsNext), 1 = 무작위 문장(NotNext).
    SOP (``AlbertForPreTraining.sentence_order_label``): 0 = 원래 순서, 1 = 순서가 뒤바뀜.

    Attributes:
        first: 문장 A.
        second: 문장 B.
        label: 0 또는 1 (위 규약).
        task: ``"nsp"`` 또는 ``"sop"``.
    """

    first: str
    second: str
    label: int
    task: str


def _check_documents(documents: Sequence[Sequence[str]]) -> list[list[str]]:
    if isinstance(documents, str) or not isinstance(documents, Sequence):
        raise TypeError(f"documents는 문서(문장 목록)들의 목록이어야 합니다: {type(documents).__name__}")
    docs = []
    for d, doc in enumerate(documents):
        if isinstance(doc, str):
            raise TypeError(f"documents[{d}]는 문장 목록이어야 합니다 (str이 아니라)")
        docs.append([nfc(s) for s in doc])
    if not any(len(d) >= 2 for d in docs):
        raise ValueError("문장이 두 개 이상인 문서가 하나도 없습니다: 이어지는 문장 쌍을 만들 수 없습니다")
    return docs


def _rng(rng: random.Random | int | None) -> random.Random:
    if isinstance(rng, random.Random):
        return rng
    if rng is None or (isinstance(rng, int) and not isinstance(rng, bool)):
        return random.Random(rng)
    raise TypeError(f"rng는 random.Random 또는 정수 시드여야 합니다: {rng!r}")


def nsp_pairs(
    documents: Sequence[Sequence[str]], *, negative_prob: float = 0.5, rng: random.Random | int | None = 0
) -> list[SentencePair]:
    """BERT 의 다음 문장 예측(NSP) 예제. 문서 안의 이어지는 두 문장 (A, B) 마다, 확률 ``negative_prob`` 로
    B 를 **다른 문서**의 무작위 문장으로 바꾼다.

    Args:
        documents: 문서들; 문서 하나는 순서대로 놓인 문장 목록.
        negative_prob: 음성(NotNext) 예제 비율 (BERT: 0.5).
        rng: ``random.Random`` 또는 정수 시드.
    """
    docs = _check_documents(documents)
    _check_prob("negative_prob", negative_prob)
    if negative_prob > 0 and sum(1 for d in docs if d) < 2:
        raise ValueError("음성 예제를 만들려면 비어 있지 않은 문서가 두 개 이상 있어야 합니다")
    r = _rng(rng)
    pairs = []
    for d, doc in enumerate(docs):
        for i in range(len(doc) - 1):
            if r.random() < negative_prob:
                other = r.choice([j for j in range(len(docs)) if j != d and docs[j]])
                pairs.append(SentencePair(doc[i], r.choice(docs[other]), 1, "nsp"))  # NotNext
            else:
                pairs.append(SentencePair(doc[i], doc[i + 1], 0, "nsp"))  # IsNext
    return pairs


def sop_pairs(
    documents: Sequence[Sequence[str]], *, swap_prob: float = 0.5, rng: random.Random | int | None = 0
) -> list[SentencePair]:
    """ALBERT 의 문장 순서 예측(SOP) 예제. 같은 문서의 이어지는 두 문장을 확률 ``swap_prob`` 로 뒤바꾼다.

    NSP 의 음성 예제는 주제가 달라서 쉽게 맞힐 수 있지만, SOP 는 두 문장의 주제가 같아 순서(담화 일관성)를
    봐야만 맞힐 수 있다.

    Args:
        documents: 문서들; 문서 하나는 순서대로 놓인 문장 목록.
        swap_prob: 뒤바꿀 비율 (ALBERT: 0.5).
        rng: ``random.Random`` 또는 정수 시드.
    """
    docs = _check_documents(documents)
    _check_prob("swap_prob", swap_prob)
    r = _rng(rng)
    pairs = []
    for doc in docs:
        for i in range(len(doc) - 1):
            if r.random() < swap_prob:
                pairs.append(SentencePair(doc[i + 1], doc[i], 1, "sop"))  # 뒤바뀜
            else:
                pairs.append(SentencePair(doc[i], doc[i + 1], 0, "sop"))  # 원래 순서
    return pairs


# ---------------------------------------------------------------------------------------------------------------
# 5. 바뀐 토큰 찾기 (ELECTRA)
# ---------------------------------------------------------------------------------------------------------------


def sample_from_logits(
    logits: torch.Tensor, temperature: float = 1.0, generator: torch.Generator | int | None = None
) -> torch.Tensor:
    """로짓 ``(..., V)`` 의 softmax 분포에서 토큰 하나씩을 뽑는다 (ELECTRA 생성기의 출력 샘플링).

    Args:
        logits: ``(..., V)``.
        temperature: τ > 0, p ∝ exp(z / τ).
        generator: ``torch.Generator`` 또는 정수 시드.
    """
    if not isinstance(temperature, (int, float)) or temperature <= 0:
        raise ValueError(f"temperature는 0보다 커야 합니다: {temperature!r}")
    gen = _torch_generator(generator)
    probs = F.softmax(logits.reshape(-1, logits.size(-1)) / temperature, dim=-1)
    return torch.multinomial(probs, 1, generator=gen).view(logits.shape[:-1])


def replaced_token_detection(
    input_ids: torch.Tensor,
    masked_positions: torch.Tensor,
    generator_predictions: torch.Tensor,
    special_tokens_mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """ELECTRA 판별기(discriminator)의 입력과 레이블을 만든다.

    MLM 생성기가 가린 자리(``masked_positions``)에 내놓은 토큰으로 원문을 바꾼 뒤, 토큰마다
    "원래 토큰인가(0), 바뀐 토큰인가(1)" 를 레이블로 단다. 생성기가 우연히 원래 토큰을 맞히면 그 자리는
    바뀌지 않았으므로 레이블 0 이다 (ELECTRA 논문과 같은 규칙). 판별기는 가린 자리만이 아니라 **모든** 토큰에서
    배우므로 MLM 보다 표본 효율이 좋다.

    Args:
        input_ids: ``(B, T)`` 원래 토큰.
        masked_positions: ``(B, T)`` bool, 생성기가 채운 자리.
        generator_predictions: ``(B, T)`` 생성기가 낸 토큰 (가린 자리 밖의 값은 쓰지 않는다).
        special_tokens_mask: ``(B, T)``; 1 인 자리(패딩·특수 토큰)는 레이블을 -100 으로 둔다.

    Returns:
        ``(corrupted_ids, labels)``; labels 는 0(원래)/1(바뀜)/-100(무시).
    """
    _check_ids("input_ids", input_ids)
    _check_ids("generator_predictions", generator_predictions)
    for name, t in (("masked_positions", masked_positions), ("generator_predictions", generator_predictions)):
        if t.shape != input_ids.shape:
            raise ValueError(
                f"{name}의 모양이 input_ids와 다릅니다: {tuple(t.shape)} != {tuple(input_ids.shape)}"
            )
    masked = masked_positions.bool()
    corrupted = torch.where(masked, generator_predictions, input_ids)  # x̃_i = ŷ_i (가린 자리), x_i (나머지)
    labels = (corrupted != input_ids).long()  # 1[x̃_i ≠ x_i]
    if special_tokens_mask is not None:
        if special_tokens_mask.shape != input_ids.shape:
            raise ValueError(
                f"special_tokens_mask의 모양이 input_ids와 다릅니다: {tuple(special_tokens_mask.shape)} != {tuple(input_ids.shape)}"
            )
        labels = labels.masked_fill(special_tokens_mask.bool(), IGNORE_INDEX)
    return corrupted, labels
