"""구간 목표: 스팬 오염(T5)과 스팬 경계 목표(SpanBERT 의 SBO)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn

from ._checks import IGNORE_INDEX, _check_ids, _check_prob, _torch_generator

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
        raise ValueError(f"length는 2 이상의 정수여야 합니다: {length!r}")
    _check_prob("noise_density", noise_density, open_low=True)
    if not isinstance(mean_noise_span_length, (int, float)) or mean_noise_span_length < 1:
        raise ValueError(f"mean_noise_span_length는 1 이상이어야 합니다: {mean_noise_span_length!r}")
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
        raise ValueError(f"sentinel_ids가 {len(sentinel_ids)} 개뿐입니다. 필요한 개수: {len(starts) + 1}")
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
            raise ValueError(f"inputs와 targets가 eos_id({eos_id})로 끝나지 않습니다")
        inputs, targets = inputs[:-1], targets[:-1]
    spans: dict[int, list[int]] = {}
    current: int | None = None
    for tok in targets:
        if tok in sentinels:
            current = sentinels[tok]
            spans[current] = []
        elif current is None:
            raise ValueError("targets가 센티널로 시작하지 않습니다")
        else:
            spans[current].append(tok)
    out: list[int] = []
    for tok in inputs:
        if tok in sentinels:
            if sentinels[tok] not in spans:
                raise ValueError(f"targets에 센티널 {tok}의 구간이 없습니다")
            out.extend(spans[sentinels[tok]])
        else:
            out.append(tok)
    return out


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
        raise ValueError(f"length는 3 이상의 정수여야 합니다: {length!r}")
    _check_prob("mask_ratio", mask_ratio, open_low=True)
    _check_prob("p", p, open_low=True)
    if not isinstance(max_span, int) or isinstance(max_span, bool) or max_span < 1:
        raise ValueError(f"max_span은 1 이상의 정수여야 합니다: {max_span!r}")
    special = (
        np.zeros(length, dtype=bool) if special_tokens_mask is None else np.asarray(special_tokens_mask, bool)
    )
    if special.shape != (length,):
        raise ValueError(
            f"special_tokens_mask의 모양이 (length,)와 다릅니다: {special.shape}, length={length}"
        )
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
        raise ValueError(f"input_ids는 1차원이어야 합니다: shape={tuple(input_ids.shape)}")
    gen = _torch_generator(generator)
    inputs, labels = input_ids.clone(), torch.full_like(input_ids, IGNORE_INDEX)
    for s, e in spans:
        if not 0 < s < e < input_ids.numel():
            raise ValueError(f"구간 ({s}, {e})이 토큰열 길이 {input_ids.numel()}의 안쪽이 아닙니다")
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
        raise ValueError("spans가 비어 있습니다")
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
            raise ValueError(f"hidden은 (L, C) 2차원이어야 합니다: shape={tuple(hidden.shape)}")
        z = torch.cat(
            [hidden[targets.left], hidden[targets.right], self.offset_embedding(targets.offset)], -1
        )
        return self.decoder(self.ffn(z))
