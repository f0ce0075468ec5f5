"""사전학습 목표(pre-training objectives): 같은 토큰열에서 서로 다른 학습 문제를 만드는 방법들.

- 인과적 언어 모델링(causal LM, GPT): 다음 토큰 맞히기. :func:`causal_lm_loss`
- 마스크 언어 모델링(masked LM, BERT): 15% 를 골라 80% ``[MASK]``, 10% 무작위 토큰, 10% 그대로. :func:`mask_tokens`
- 스팬 오염(span corruption, T5): 평균 길이 3 의 구간들(전체의 15%)을 센티널로 바꾸고, 출력에서 구간을 복원.
  :func:`span_corruption`, :func:`span_corruption_restore`
- 다음 문장 예측(NSP, BERT) 과 문장 순서 예측(SOP, ALBERT): :func:`nsp_pairs`, :func:`sop_pairs`
- 바뀐 토큰 찾기(replaced token detection, ELECTRA): :func:`replaced_token_detection`
- 번역 언어 모델링(TLM, XLM): 평행 문장 쌍을 이어 붙이고 언어 번호를 붙인 뒤 MLM. :func:`tlm_example`
- 스팬 경계 목표(span boundary objective, SBO, SpanBERT): 기하분포 길이의 구간을 가리고, 구간 안 토큰을 구간 바로
  바깥 두 경계 토큰의 표현과 구간 안 상대 위치만으로 맞힌다. :func:`span_mask`, :func:`mask_spans`,
  :func:`span_boundary_targets`, :class:`SpanBoundaryHead`

모든 무작위 함수는 시드(또는 생성기)를 받아, 같은 시드면 언제나 같은 결과를 낸다.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .hangul import nfc

__all__ = [
    "IGNORE_INDEX",
    "causal_lm_loss",
    "mask_tokens",
    "random_spans_noise_mask",
    "span_corruption",
    "span_corruption_restore",
    "SentencePair",
    "nsp_pairs",
    "sop_pairs",
    "sample_from_logits",
    "replaced_token_detection",
    "TLMExample",
    "tlm_example",
    "span_mask",
    "mask_spans",
    "SpanBoundaryTargets",
    "span_boundary_targets",
    "SpanBoundaryHead",
]

IGNORE_INDEX = -100  # PyTorch/transformers 의 손실 함수가 건너뛰는 목표 값


def _torch_generator(generator: torch.Generator | int | None) -> torch.Generator | None:
    if generator is None or isinstance(generator, torch.Generator):
        return generator
    if isinstance(generator, int) and not isinstance(generator, bool):
        return torch.Generator().manual_seed(generator)
    raise TypeError(f"generator 는 torch.Generator, 정수 시드 또는 None 이어야 합니다: {generator!r}")


def _check_prob(name: str, value: float, *, open_low: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = ok and (0.0 < value <= 1.0 if open_low else 0.0 <= value <= 1.0)
    if not ok:
        lo = "0 초과" if open_low else "0 이상"
        raise ValueError(f"{name} 는 {lo} 1 이하의 실수여야 합니다: {value!r}")


def _check_ids(name: str, ids: torch.Tensor) -> None:
    if not isinstance(ids, torch.Tensor):
        raise TypeError(f"{name} 는 torch.Tensor 여야 합니다: {type(ids).__name__}")
    if ids.dtype != torch.long:
        raise TypeError(f"{name} 는 torch.long 이어야 합니다: {ids.dtype}")


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
            f"logits 모양 {tuple(logits.shape)} 은 (B, T, V) 이고 input_ids 모양 {tuple(input_ids.shape)} 과 "
            "B, T 가 같아야 합니다"
        )
    labels = input_ids
    if attention_mask is not None:
        if attention_mask.shape != input_ids.shape:
            raise ValueError(f"attention_mask 모양 {tuple(attention_mask.shape)} 이 input_ids 와 다릅니다")
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
            f"mask_replace_prob + random_replace_prob 가 1 을 넘습니다: {mask_replace_prob} + {random_replace_prob}"
        )
    if not isinstance(vocab_size, int) or vocab_size < 1:
        raise ValueError(f"vocab_size 는 1 이상의 정수여야 합니다: {vocab_size!r}")
    if not isinstance(mask_token_id, int) or not 0 <= mask_token_id < vocab_size:
        raise ValueError(f"mask_token_id 는 [0, vocab_size) 안의 정수여야 합니다: {mask_token_id!r}")
    gen = _torch_generator(generator)
    inputs = input_ids.clone()
    labels = input_ids.clone()
    probability = torch.full(labels.shape, float(mlm_probability))
    if special_tokens_mask is not None:
        if special_tokens_mask.shape != input_ids.shape:
            raise ValueError(
                f"special_tokens_mask 모양 {tuple(special_tokens_mask.shape)} 이 input_ids 와 다릅니다"
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
# 3. 스팬 오염 (T5)
# ---------------------------------------------------------------------------------------------------------------


def _random_segmentation(num_items: int, num_segments: int, rng: np.random.Generator) -> np.ndarray:
    """``num_items`` 개를 비어 있지 않은 ``num_segments`` 개 구간으로 무작위로 나눈 길이들."""
    # 경계 자리 (num_items - 1 개) 중 (num_segments - 1) 개를 무작위로 고른다
    first_in_segment = np.zeros(num_items, dtype=bool)
    cut = rng.permutation(num_items - 1)[: num_segments - 1] + 1
    first_in_segment[cut] = True
    segment_id = np.cumsum(first_in_segment)
    return np.bincount(segment_id, minlength=num_segments)


def random_spans_noise_mask(
    length: int,
    noise_density: float = 0.15,
    mean_noise_span_length: float = 3.0,
    rng: np.random.Generator | int | None = 0,
) -> np.ndarray:
    """T5 의 무작위 스팬 잡음 마스크. 전체의 ``noise_density`` 만큼을, 평균 길이 ``mean_noise_span_length``
    인 구간 여러 개로 가린다. 항상 가리지 않은 구간으로 시작한다 (T5 구현과 같은 방식).

    잡음 토큰 수 n = round(L · density), 구간 수 s = round(n / mean_span), 둘 다 1 이상.

    Args:
        length: 토큰열 길이 L (2 이상).
        noise_density: 가릴 비율.
        mean_noise_span_length: 가린 구간의 평균 길이.
        rng: ``numpy.random.Generator`` 또는 정수 시드.

    Returns:
        길이 L 의 bool 배열 (True = 가린 자리).
    """
    if not isinstance(length, int) or length < 2:
        raise ValueError(f"length 는 2 이상의 정수여야 합니다: {length!r}")
    _check_prob("noise_density", noise_density, open_low=True)
    if not isinstance(mean_noise_span_length, (int, float)) or mean_noise_span_length < 1:
        raise ValueError(f"mean_noise_span_length 는 1 이상이어야 합니다: {mean_noise_span_length!r}")
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    num_noise = int(round(length * noise_density))
    num_noise = min(max(num_noise, 1), length - 1)  # 적어도 하나는 가리고, 하나는 남긴다
    num_spans = max(int(round(num_noise / mean_noise_span_length)), 1)
    num_spans = min(num_spans, length - num_noise)  # 가리지 않은 구간도 s 개가 있어야 한다
    noise_lengths = _random_segmentation(num_noise, num_spans, rng)
    keep_lengths = _random_segmentation(length - num_noise, num_spans, rng)
    mask = np.zeros(length, dtype=bool)
    pos = 0
    for keep, noise in zip(keep_lengths, noise_lengths):  # [남김, 가림, 남김, 가림, ...]
        pos += int(keep)
        mask[pos : pos + int(noise)] = True
        pos += int(noise)
    return mask


def span_corruption(
    ids: Sequence[int],
    sentinel_ids: Sequence[int],
    *,
    noise_density: float = 0.15,
    mean_noise_span_length: float = 3.0,
    eos_id: int | None = None,
    rng: np.random.Generator | int | None = 0,
) -> tuple[list[int], list[int]]:
    """T5 식 스팬 오염 예제 하나를 만든다.

    원문  : a b c d e f g h
    입력  : a b <S0> e f <S1> h          (가린 구간마다 센티널 하나)
    목표  : <S0> c d <S1> g <S2>         (센티널 뒤에 가린 토큰, 마지막에 끝 센티널)

    Args:
        ids: 원래 토큰 번호들 (길이 2 이상).
        sentinel_ids: 센티널 토큰 번호들 (T5 의 ``<extra_id_0>``, ``<extra_id_1>`` ...). 구간 수 + 1 개 이상.
        noise_density: 가릴 비율 (T5: 0.15).
        mean_noise_span_length: 가린 구간 평균 길이 (T5: 3).
        eos_id: 주면 입력과 목표 끝에 붙인다.
        rng: ``numpy.random.Generator`` 또는 정수 시드.

    Returns:
        ``(inputs, targets)`` 토큰 번호 목록.
    """
    ids = [int(i) for i in ids]
    mask = random_spans_noise_mask(len(ids), noise_density, mean_noise_span_length, rng)
    starts = [i for i in range(len(ids)) if mask[i] and (i == 0 or not mask[i - 1])]
    if len(sentinel_ids) < len(starts) + 1:
        raise ValueError(f"sentinel_ids 가 {len(sentinel_ids)} 개뿐입니다. 필요한 개수: {len(starts) + 1}")
    clash = set(ids) & set(int(s) for s in sentinel_ids)
    if clash:
        raise ValueError(f"ids 안에 센티널 번호가 들어 있습니다: {sorted(clash)}")
    inputs: list[int] = []
    targets: list[int] = []
    k = 0
    for i, tok in enumerate(ids):
        if mask[i]:
            if i == 0 or not mask[i - 1]:  # 구간의 첫 자리: 입력과 목표에 같은 센티널
                inputs.append(int(sentinel_ids[k]))
                targets.append(int(sentinel_ids[k]))
                k += 1
            targets.append(tok)
        else:
            inputs.append(tok)
    targets.append(int(sentinel_ids[k]))  # 끝 센티널
    if eos_id is not None:
        inputs.append(eos_id)
        targets.append(eos_id)
    return inputs, targets


def span_corruption_restore(
    inputs: Sequence[int], targets: Sequence[int], sentinel_ids: Sequence[int], eos_id: int | None = None
) -> list[int]:
    """:func:`span_corruption` 의 입력과 목표로 원문을 되살린다 (검증과 설명용).

    Args:
        inputs: 오염된 입력.
        targets: 목표 (센티널 + 가린 토큰).
        sentinel_ids: 만들 때 쓴 센티널 번호들.
        eos_id: 만들 때 붙인 끝 토큰 (있으면 떼어 낸다).
    """
    sentinels = {int(s): k for k, s in enumerate(sentinel_ids)}
    inputs, targets = list(inputs), list(targets)
    if eos_id is not None:
        if not inputs or inputs[-1] != eos_id or not targets or targets[-1] != eos_id:
            raise ValueError(f"eos_id={eos_id} 가 inputs 와 targets 끝에 없습니다")
        inputs, targets = inputs[:-1], targets[:-1]
    spans: dict[int, list[int]] = {}
    current: int | None = None
    for tok in targets:
        if tok in sentinels:
            current = sentinels[tok]
            spans[current] = []
        elif current is None:
            raise ValueError("targets 가 센티널로 시작하지 않습니다")
        else:
            spans[current].append(tok)
    out: list[int] = []
    for tok in inputs:
        if tok in sentinels:
            if sentinels[tok] not in spans:
                raise ValueError(f"targets 에 센티널 {tok} 의 구간이 없습니다")
            out.extend(spans[sentinels[tok]])
        else:
            out.append(tok)
    return out


# ---------------------------------------------------------------------------------------------------------------
# 4. 문장 쌍 과제: NSP (BERT) 와 SOP (ALBERT)
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentencePair:
    """문장 쌍 분류 예제 하나.

    라벨 규약은 ``transformers`` 와 같다.
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
        raise TypeError(f"documents 는 문서(문장 목록)들의 목록이어야 합니다: {type(documents).__name__}")
    docs = []
    for d, doc in enumerate(documents):
        if isinstance(doc, str):
            raise TypeError(f"documents[{d}] 는 문장 목록이어야 합니다 (str 이 아니라)")
        docs.append([nfc(s) for s in doc])
    if not any(len(d) >= 2 for d in docs):
        raise ValueError("문장이 두 개 이상인 문서가 하나도 없습니다: 이어지는 문장 쌍을 만들 수 없습니다")
    return docs


def _rng(rng: random.Random | int | None) -> random.Random:
    if isinstance(rng, random.Random):
        return rng
    if rng is None or (isinstance(rng, int) and not isinstance(rng, bool)):
        return random.Random(rng)
    raise TypeError(f"rng 는 random.Random 또는 정수 시드여야 합니다: {rng!r}")


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
        raise ValueError(f"temperature 는 0 보다 커야 합니다: {temperature!r}")
    gen = _torch_generator(generator)
    probs = F.softmax(logits.reshape(-1, logits.size(-1)) / temperature, dim=-1)
    return torch.multinomial(probs, 1, generator=gen).view(logits.shape[:-1])


def replaced_token_detection(
    input_ids: torch.Tensor,
    masked_positions: torch.Tensor,
    generator_predictions: torch.Tensor,
    special_tokens_mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """ELECTRA 판별기(discriminator)의 입력과 라벨을 만든다.

    MLM 생성기가 가린 자리(``masked_positions``)에 내놓은 토큰으로 원문을 바꾼 뒤, 토큰마다
    "원래 토큰인가(0), 바뀐 토큰인가(1)" 를 라벨로 단다. 생성기가 우연히 원래 토큰을 맞히면 그 자리는
    바뀌지 않았으므로 라벨 0 이다 (ELECTRA 논문과 같은 규칙). 판별기는 가린 자리만이 아니라 **모든** 토큰에서
    배우므로 MLM 보다 표본 효율이 좋다.

    Args:
        input_ids: ``(B, T)`` 원래 토큰.
        masked_positions: ``(B, T)`` bool, 생성기가 채운 자리.
        generator_predictions: ``(B, T)`` 생성기가 낸 토큰 (가린 자리 밖의 값은 쓰지 않는다).
        special_tokens_mask: ``(B, T)``; 1 인 자리(패딩·특수 토큰)는 라벨을 -100 으로 둔다.

    Returns:
        ``(corrupted_ids, labels)``; labels 는 0(원래)/1(바뀜)/-100(무시).
    """
    _check_ids("input_ids", input_ids)
    _check_ids("generator_predictions", generator_predictions)
    for name, t in (("masked_positions", masked_positions), ("generator_predictions", generator_predictions)):
        if t.shape != input_ids.shape:
            raise ValueError(
                f"{name} 모양 {tuple(t.shape)} 이 input_ids 모양 {tuple(input_ids.shape)} 과 다릅니다"
            )
    masked = masked_positions.bool()
    corrupted = torch.where(masked, generator_predictions, input_ids)  # x̃_i = ŷ_i (가린 자리), x_i (나머지)
    labels = (corrupted != input_ids).long()  # 1[x̃_i ≠ x_i]
    if special_tokens_mask is not None:
        if special_tokens_mask.shape != input_ids.shape:
            raise ValueError(
                f"special_tokens_mask 모양 {tuple(special_tokens_mask.shape)} 이 input_ids 와 다릅니다"
            )
        labels = labels.masked_fill(special_tokens_mask.bool(), IGNORE_INDEX)
    return corrupted, labels


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
        raise ValueError(f"src_ids 와 tgt_ids 는 비어 있으면 안 됩니다: 길이 {len(src_ids)}, {len(tgt_ids)}")
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


# ---------------------------------------------------------------------------------------------------------------
# 7. 스팬 경계 목표 (SpanBERT 의 SBO)
# ---------------------------------------------------------------------------------------------------------------


def span_mask(
    length: int,
    *,
    mask_ratio: float = 0.15,
    p: float = 0.2,
    max_span: int = 10,
    special_tokens_mask: Sequence[bool] | None = None,
    rng: np.random.Generator | int | None = 0,
) -> list[tuple[int, int]]:
    """SpanBERT 식으로 가릴 구간들 ``[(s, e), ...]`` (반열린 구간 [s, e), 시작 순서) 을 고른다.

    구간 길이 ℓ 는 기하분포 Geo(p) 를 1 … ``max_span`` 으로 제한해 다시 정규화한 분포에서 뽑는다
    (p=0.2, 10 이면 평균 3.8, SpanBERT 와 같다). 가린 토큰 수가
    n = round(L · mask_ratio) 가 될 때까지 구간을 더하고, 마지막 구간은 n 을 넘지 않게 줄인다.
    SBO 는 구간 바로 바깥의 두 토큰 x_{s−1}, x_e 를 쓰므로, 구간은 특수 토큰을 덮지 않고 양 끝에 가리지 않은
    이웃이 있어야 한다 (구간끼리 붙지 않는다). 맨 앞과 맨 뒤 자리는 경계로만 쓰인다.

    Args:
        length: 토큰열 길이 L (3 이상).
        mask_ratio: 가릴 비율 (SpanBERT: 0.15).
        p: 기하분포의 성공 확률 (0 < p ≤ 1).
        max_span: 구간 길이의 상한 (1 이상).
        special_tokens_mask: 길이 L, 참이면 가리지 않는 자리 (예: ``[CLS]``, ``[SEP]``).
        rng: ``numpy.random.Generator`` 또는 정수 시드.
    """
    if not isinstance(length, int) or isinstance(length, bool) or length < 3:
        raise ValueError(f"length 는 3 이상의 정수여야 합니다: {length!r}")
    _check_prob("mask_ratio", mask_ratio, open_low=True)
    _check_prob("p", p, open_low=True)
    if not isinstance(max_span, int) or isinstance(max_span, bool) or max_span < 1:
        raise ValueError(f"max_span 은 1 이상의 정수여야 합니다: {max_span!r}")
    special = (
        np.zeros(length, dtype=bool) if special_tokens_mask is None else np.asarray(special_tokens_mask, bool)
    )
    if special.shape != (length,):
        raise ValueError(f"special_tokens_mask 길이 {special.shape} 가 length={length} 와 다릅니다")
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    budget = max(1, int(round(length * mask_ratio)))
    lengths = np.arange(1, max_span + 1)
    probs = p * (1 - p) ** (lengths - 1)  # P(ℓ = k) ∝ p (1 − p)^{k−1}, k = 1 … max_span
    probs = probs / probs.sum()
    masked = np.zeros(length, dtype=bool)
    spans: list[tuple[int, int]] = []
    n_masked, tries = 0, 0
    while n_masked < budget and tries < 100 * budget:
        span_len = int(rng.choice(lengths, p=probs))  # ℓ ~ Geo(p) 를 1 … max_span 으로 제한해 다시 정규화
        span_len = min(span_len, budget - n_masked, length - 2)  # 예산을 넘지 않게
        # 길이는 그대로 두고 시작 자리만 다시 뽑는다 (길이를 다시 뽑으면 긴 구간이 덜 뽑혀 평균이 줄어든다)
        for _ in range(20):
            tries += 1
            start = int(rng.integers(1, length - span_len))  # 맨 앞(0)과 맨 뒤(L−1)는 경계로 남긴다
            end = start + span_len
            # 구간 [s, e) 와 두 이웃 s−1, e 가 이미 가린 자리와 겹치면 안 되고, 구간 안에 특수 토큰이 없어야 한다
            if not (masked[start - 1 : end + 1].any() or special[start:end].any()):
                masked[start:end] = True
                spans.append((start, end))
                n_masked += span_len
                break
    return sorted(spans)


def mask_spans(
    input_ids: torch.Tensor,
    spans: Sequence[tuple[int, int]],
    *,
    mask_token_id: int,
    vocab_size: int,
    generator: torch.Generator | int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """구간 단위 80/10/10: 구간마다 한 번 뽑아 80% 는 구간 전체를 ``[MASK]``, 10% 는 무작위 토큰, 10% 는 그대로.

    Args:
        input_ids: 1차원 토큰열 ``(L,)``.
        spans: :func:`span_mask` 의 구간들.
        mask_token_id: ``[MASK]`` 번호.
        vocab_size: 무작위 토큰을 뽑을 범위 [0, V).
        generator: ``torch.Generator`` 또는 정수 시드.

    Returns:
        ``(inputs, labels)``: labels 는 가린 자리에 원래 토큰, 나머지 -100.
    """
    _check_ids("input_ids", input_ids)
    if input_ids.dim() != 1:
        raise ValueError(f"input_ids 는 1차원이어야 합니다: shape={tuple(input_ids.shape)}")
    gen = _torch_generator(generator)
    inputs, labels = input_ids.clone(), torch.full_like(input_ids, IGNORE_INDEX)
    for s, e in spans:
        if not 0 < s < e < input_ids.numel():
            raise ValueError(f"구간 ({s}, {e}) 이 토큰열 길이 {input_ids.numel()} 의 안쪽이 아닙니다")
        labels[s:e] = input_ids[s:e]
        u = float(torch.rand((), generator=gen))
        if u < 0.8:
            inputs[s:e] = mask_token_id
        elif u < 0.9:
            inputs[s:e] = torch.randint(vocab_size, (e - s,), generator=gen)
    return inputs, labels


@dataclass
class SpanBoundaryTargets:
    """SBO 문제들 (가린 토큰 하나마다 한 줄, 모두 길이 N 의 1차원 텐서).

    Attributes:
        position: 가린 토큰의 위치 i.
        left: 왼쪽 경계 s−1 (구간 바로 앞, 가리지 않은 자리).
        right: 오른쪽 경계 e (구간 바로 뒤, 가리지 않은 자리).
        offset: 구간 안 상대 위치 i − s (0 부터).
        target: 맞힐 원래 토큰.
    """

    position: torch.Tensor
    left: torch.Tensor
    right: torch.Tensor
    offset: torch.Tensor
    target: torch.Tensor


def span_boundary_targets(input_ids: torch.Tensor, spans: Sequence[tuple[int, int]]) -> SpanBoundaryTargets:
    """가린 구간들에서 SBO 문제 (위치, 두 경계, 상대 위치, 정답) 를 만든다.

    Args:
        input_ids: 원래(가리기 전) 1차원 토큰열.
        spans: :func:`span_mask` 의 구간들.
    """
    _check_ids("input_ids", input_ids)
    rows = [(i, s - 1, e, i - s) for s, e in spans for i in range(s, e)]
    if not rows:
        raise ValueError("spans 가 비어 있습니다")
    pos, left, right, off = (torch.tensor(c, dtype=torch.long) for c in zip(*rows))
    return SpanBoundaryTargets(pos, left, right, off, input_ids[pos])


class SpanBoundaryHead(nn.Module):
    """SBO 머리: y_i = f(x_{s−1}, x_e, p_{i−s}), f 는 GELU·LayerNorm 을 낀 2층 FFN, 그 뒤 어휘 로짓.

    구간 안 토큰의 표현 x_i 는 쓰지 않는다: 구간 전체의 내용을 두 경계 표현에 담도록 인코더를 훈련한다.
    SpanBERT 의 손실은 L = L_MLM(x_i) + L_SBO(y_i).

    Args:
        hidden_size: 인코더 표현 차원 C.
        vocab_size: 어휘 크기 V.
        max_span: 상대 위치 임베딩 개수 (가장 긴 구간 길이).
    """

    def __init__(self, hidden_size: int, vocab_size: int, max_span: int = 10) -> None:
        super().__init__()
        self.offset_embedding = nn.Embedding(max_span, hidden_size)  # p_{i−s}
        self.ffn = nn.Sequential(
            nn.Linear(3 * hidden_size, hidden_size),  # [x_{s−1}; x_e; p] → h
            nn.GELU(),
            nn.LayerNorm(hidden_size),
            nn.Linear(hidden_size, hidden_size),
            nn.GELU(),
            nn.LayerNorm(hidden_size),
        )
        self.decoder = nn.Linear(hidden_size, vocab_size)  # y_i → 어휘 로짓

    def forward(self, hidden: torch.Tensor, targets: SpanBoundaryTargets) -> torch.Tensor:
        """``hidden (L, C)`` 인코더 출력에서 가린 토큰마다 ``(N, V)`` 로짓."""
        if hidden.dim() != 2:
            raise ValueError(f"hidden 은 (L, C) 2차원이어야 합니다: shape={tuple(hidden.shape)}")
        z = torch.cat(
            [hidden[targets.left], hidden[targets.right], self.offset_embedding(targets.offset)], -1
        )
        return self.decoder(self.ffn(z))
