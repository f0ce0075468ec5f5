"""어텐션(attention) 함수 모음: 점곱, 스케일드 점곱, 덧셈(Bahdanau) 어텐션과 마스크 도우미.

어텐션은 "무엇을 찾는가"를 나타내는 **쿼리(query)** 를, "나는 이런 내용이다"라고 자신을 소개하는
**키(key)** 들과 비교해 점수(score)를 매기고, 점수를 소프트맥스(softmax)로 확률분포(가중치)로 바꾼 뒤,
각 위치가 실제로 건네줄 내용인 **값(value)** 들을 그 가중치로 평균 내는 연산이다.

    score_j   = f(q, k_j)                     (쿼리와 j 번째 키의 유사도)
    alpha_j   = softmax(score)_j              (모든 j 에 대해 합이 1)
    output    = sum_j alpha_j * v_j           (값의 가중 평균 = 문맥 벡터)

f 를 무엇으로 두느냐에 따라 이름이 갈린다.

* 점곱(dot-product) 어텐션:      f(q, k) = q · k
* 스케일드 점곱(scaled dot-product): f(q, k) = q · k / sqrt(d_k)   (트랜스포머가 쓰는 것)
* 덧셈(additive, Bahdanau) 어텐션: f(q, k) = v^T tanh(W_q q + W_k k)

마스크 규약 (``torch.nn.functional.scaled_dot_product_attention`` 과 같다):

* 불리언(bool) 마스크: ``True`` = 볼 수 있는(유효한) 위치, ``False`` = 가리는 위치.
* 실수(float) 마스크: 점수에 그대로 더하는 값 (가리는 곳은 ``-inf``, 보이는 곳은 ``0``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

__all__ = [
    "AttentionSteps",
    "AdditiveAttention",
    "DotProductAttention",
    "attention_steps",
    "causal_mask",
    "combine_masks",
    "dot_product_attention",
    "padding_mask",
    "scaled_dot_product_attention",
]


# ---------------------------------------------------------------------------------------------------------------
# 마스크 도우미
# ---------------------------------------------------------------------------------------------------------------


def padding_mask(lengths: torch.Tensor | list[int], max_len: int | None = None) -> torch.Tensor:
    """길이 목록으로 패딩 마스크를 만든다 (``True`` = 실제 토큰, ``False`` = 패딩).

    Args:
        lengths: 각 문장의 실제 길이, 모양 ``(B,)``. 모두 1 이상이어야 한다.
        max_len: 마스크 길이 ``S``. ``None`` 이면 가장 긴 길이. 어떤 길이보다 짧으면 ``ValueError``.

    Returns:
        ``(B, S)`` 불리언 텐서.
    """
    lengths_t = torch.as_tensor(lengths)
    if lengths_t.dim() != 1 or lengths_t.dtype.is_floating_point or lengths_t.dtype == torch.bool:
        raise ValueError(
            f"lengths는 정수 1차원이어야 합니다: shape={tuple(lengths_t.shape)}, dtype={lengths_t.dtype}"
        )
    if lengths_t.numel() == 0:
        raise ValueError("lengths가 비어 있습니다")
    if int(lengths_t.min()) < 1:
        raise ValueError(f"lengths는 모두 1 이상이어야 합니다: {lengths_t.tolist()}")
    longest = int(lengths_t.max())
    if max_len is None:
        max_len = longest
    if max_len < longest:
        raise ValueError(f"max_len={max_len}: 가장 긴 길이 {longest}보다 짧습니다 (잘라내지 않습니다)")
    positions = torch.arange(max_len, device=lengths_t.device)
    return positions.unsqueeze(0) < lengths_t.unsqueeze(1)  # (B, S): j < length_b 이면 유효


def causal_mask(
    query_len: int, key_len: int | None = None, device: torch.device | str | None = None
) -> torch.Tensor:
    """인과(causal) 마스크: i 번째 쿼리는 j <= i 인 키만 본다 (``True`` = 볼 수 있음).

    Args:
        query_len: 쿼리 길이 ``L``.
        key_len: 키 길이 ``S``. ``None`` 이면 ``L``. ``torch`` 와 같이 왼쪽 위에 맞춘 마스크(j <= i)이다.
        device: 텐서를 둘 장치.

    Returns:
        ``(L, S)`` 불리언 하삼각 텐서.
    """
    if key_len is None:
        key_len = query_len
    for name, value in (("query_len", query_len), ("key_len", key_len)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name}: 1 이상의 정수여야 합니다 (받은 값 {value!r})")
    return torch.ones(query_len, key_len, dtype=torch.bool, device=device).tril()


def combine_masks(*masks: torch.Tensor | None) -> torch.Tensor | None:
    """여러 불리언 마스크를 AND 로 합친다 (``None`` 은 건너뜀). 모두 ``None`` 이면 ``None``.

    Args:
        masks: 서로 브로드캐스트 가능한 불리언 마스크들 (예: ``(B, 1, 1, S)`` 패딩과 ``(L, S)`` 인과 마스크).
    """
    out = None
    for i, m in enumerate(masks):
        if m is None:
            continue
        if m.dtype != torch.bool:
            raise ValueError(f"masks[{i}]는 불리언이어야 합니다: dtype={m.dtype}")
        out = m if out is None else out & m
    return out


def _validate_mask(
    mask: torch.Tensor, scores_shape: torch.Size, dtype: torch.dtype, name: str = "mask"
) -> None:
    """마스크의 dtype 과 모양을 확인한다 (점수 모양 ``(..., L, S)`` 로 브로드캐스트 가능해야 한다)."""
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"{name}: torch.Tensor여야 합니다 (받은 타입 {type(mask).__name__})")
    if mask.dtype != torch.bool and not mask.dtype.is_floating_point:
        raise ValueError(
            f"{name}의 dtype은 bool(True=유효) 또는 실수(더하는 마스크)여야 합니다: dtype={mask.dtype}, "
            f"shape={tuple(mask.shape)}"
        )
    if mask.dtype.is_floating_point and mask.dtype != dtype:
        raise ValueError(f"실수 {name}의 dtype이 query의 dtype과 다릅니다: {mask.dtype} ≠ {dtype}")
    try:
        broadcast = torch.broadcast_shapes(tuple(mask.shape), tuple(scores_shape))
    except RuntimeError:
        broadcast = None
    if broadcast != tuple(scores_shape):
        raise ValueError(
            f"{name}의 모양을 점수 모양 (..., L, S)로 브로드캐스트할 수 없습니다: "
            f"{tuple(mask.shape)} → {tuple(scores_shape)}"
        )


def _apply_mask(scores: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """점수에 마스크를 적용한다: 불리언은 False 자리를 -inf 로, 실수는 그대로 더한다."""
    if mask is None:
        return scores
    if mask.dtype == torch.bool:
        return scores.masked_fill(~mask, float("-inf"))  # 가린 자리 -> -inf -> softmax 후 0
    return scores + mask  # 더하는 마스크: score + m


def _check_qkv(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> None:
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name}: torch.Tensor여야 합니다 (받은 타입 {type(t).__name__})")
        if t.dim() < 2:
            raise ValueError(
                f"{name}: (..., 길이, 차원)으로 2차원 이상이어야 합니다 (shape={tuple(t.shape)})"
            )
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(
            f"query와 key의 마지막 차원이 같아야 합니다: "
            f"query.shape={tuple(query.shape)}, key.shape={tuple(key.shape)}"
        )
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"key와 value의 길이(S)가 같아야 합니다: key.shape={tuple(key.shape)}, value.shape={tuple(value.shape)}"
        )


# ---------------------------------------------------------------------------------------------------------------
# 함수형 어텐션
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class AttentionSteps:
    """어텐션 계산의 중간 결과를 모두 담는다 (수업에서 한 단계씩 보여 주기 위함).

    Args:
        raw_scores: ``q · k`` 점수, ``(..., L, S)``.
        scale: 점수에 곱한 배율 (스케일드면 ``1/sqrt(d_k)``, 아니면 1).
        scores: 배율과 마스크까지 적용한 점수, ``(..., L, S)`` (가린 곳은 ``-inf``).
        weights: 소프트맥스 가중치, ``(..., L, S)``; 각 행의 합은 1.
        output: 값의 가중 평균, ``(..., L, Dv)``.
    """

    raw_scores: torch.Tensor
    scale: float
    scores: torch.Tensor
    weights: torch.Tensor
    output: torch.Tensor


def attention_steps(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    mask: torch.Tensor | None = None,
    scaled: bool = True,
) -> AttentionSteps:
    """(스케일드) 점곱 어텐션을 단계별로 계산해 점수, 가중치, 출력을 모두 돌려준다.

    Args:
        query: 쿼리 ``(..., L, d_k)`` — 각 위치가 "무엇을 찾는지".
        key: 키 ``(..., S, d_k)`` — 각 위치가 "무엇을 가지고 있는지" 알리는 표지.
        value: 값 ``(..., S, d_v)`` — 실제로 섞여서 전달될 내용.
        mask: 불리언(``True`` = 유효) 또는 실수(더하기) 마스크, ``(..., L, S)`` 로 브로드캐스트 가능.
        scaled: ``True`` 면 점수를 ``sqrt(d_k)`` 로 나눈다.
    """
    _check_qkv(query, key, value)
    d_k = query.shape[-1]
    raw = query @ key.transpose(-2, -1)  # (..., L, S): raw_ij = q_i · k_j
    if mask is not None:
        _validate_mask(mask, raw.shape, query.dtype)
    scale = 1.0 / math.sqrt(d_k) if scaled else 1.0  # 1/sqrt(d_k)
    scores = _apply_mask(raw * scale, mask)
    weights = torch.softmax(scores, dim=-1)  # alpha_ij = exp(s_ij) / sum_j' exp(s_ij')
    output = weights @ value  # out_i = sum_j alpha_ij v_j
    return AttentionSteps(raw_scores=raw, scale=scale, scores=scores, weights=weights, output=output)


def scaled_dot_product_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attn_mask: torch.Tensor | None = None,
    is_causal: bool = False,
    dropout_p: float = 0.0,
    scale: float | None = None,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """스케일드 점곱 어텐션 ``softmax(QK^T / sqrt(d_k) + M) V`` 와 그 가중치를 돌려준다.

    ``torch.nn.functional.scaled_dot_product_attention`` 과 같은 규약을 따른다 (드롭아웃 0 에서 수치가 같다).

    Args:
        query: ``(..., L, d_k)``.
        key: ``(..., S, d_k)``.
        value: ``(..., S, d_v)``.
        attn_mask: 불리언(``True`` = 볼 수 있음) 또는 query 와 같은 dtype 의 실수(점수에 더함) 마스크.
            ``(..., L, S)`` 로 브로드캐스트 가능해야 한다 (패딩 마스크는 ``(B, 1, 1, S)`` 처럼 넣는다).
        is_causal: ``True`` 면 인과 마스크(j <= i)를 추가로 적용한다.
        dropout_p: 가중치에 적용할 드롭아웃 확률 (0 이상 1 미만).
        scale: 점수 배율. ``None`` 이면 ``1/sqrt(d_k)``.
        generator: 드롭아웃 난수 생성기 (재현용, 선택).

    Returns:
        ``(output, weights)``: ``(..., L, d_v)`` 와 드롭아웃 전 가중치 ``(..., L, S)``.
    """
    _check_qkv(query, key, value)
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"dropout_p는 0 이상 1 미만이어야 합니다: {dropout_p!r}")
    L, S, d_k = query.shape[-2], key.shape[-2], query.shape[-1]
    scale = 1.0 / math.sqrt(d_k) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)) * scale  # (..., L, S): s_ij = q_i · k_j / sqrt(d_k)
    if attn_mask is not None:
        _validate_mask(attn_mask, scores.shape, query.dtype, name="attn_mask")
        scores = _apply_mask(scores, attn_mask)
    if is_causal:
        scores = _apply_mask(scores, causal_mask(L, S, device=query.device))  # j > i 인 미래를 가린다
    weights = torch.softmax(scores, dim=-1)  # 각 행(쿼리)마다 합이 1
    dropped = weights
    if dropout_p > 0.0:
        keep = torch.rand(weights.shape, generator=generator, device=weights.device) >= dropout_p
        dropped = weights * keep / (1.0 - dropout_p)  # 역 드롭아웃: 기대값 보존
    return dropped @ value, weights  # out_i = sum_j alpha_ij v_j


def dot_product_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attn_mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """배율 없는 점곱 어텐션 ``softmax(QK^T + M) V`` (Luong 의 dot 점수).

    Args:
        query: ``(..., L, d)``.
        key: ``(..., S, d)``.
        value: ``(..., S, d_v)``.
        attn_mask: :func:`scaled_dot_product_attention` 과 같은 규약의 마스크.

    Returns:
        ``(output, weights)``.
    """
    return scaled_dot_product_attention(query, key, value, attn_mask=attn_mask, scale=1.0)


# ---------------------------------------------------------------------------------------------------------------
# seq2seq 디코더용 모듈 (쿼리 하나, 키 여러 개)
# ---------------------------------------------------------------------------------------------------------------


def _check_single_query(
    query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor | None, query_dim: int, key_dim: int
) -> None:
    if not isinstance(query, torch.Tensor) or not isinstance(keys, torch.Tensor):
        raise TypeError("query와 keys는 torch.Tensor여야 합니다")
    if query.dim() != 2 or query.shape[1] != query_dim:
        raise ValueError(f"query의 모양은 (B, {query_dim})이어야 합니다: query.shape={tuple(query.shape)}")
    if keys.dim() != 3 or keys.shape[2] != key_dim or keys.shape[0] != query.shape[0]:
        raise ValueError(
            f"keys의 모양은 (B={query.shape[0]}, S, {key_dim})이어야 합니다: keys.shape={tuple(keys.shape)}"
        )
    if mask is not None:
        if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
            raise ValueError(
                f"mask는 불리언 텐서(True=유효)여야 합니다: dtype={getattr(mask, 'dtype', type(mask).__name__)}"
            )
        if tuple(mask.shape) != tuple(keys.shape[:2]):
            raise ValueError(
                f"mask의 모양이 keys의 (B, S)와 같아야 합니다: {tuple(mask.shape)} ≠ {tuple(keys.shape[:2])}"
            )
        if not bool(mask.any(dim=1).all()):
            raise ValueError("mask의 어떤 행은 유효한 위치가 하나도 없습니다 (가중치를 정의할 수 없음)")


class AdditiveAttention(nn.Module):
    """덧셈(Bahdanau) 어텐션: ``score_j = v^T tanh(W_q q + W_k k_j)``.

    디코더의 현재 상태(쿼리)를 인코더의 모든 출력(키 = 값)과 비교해 문맥 벡터를 만든다.
    쿼리와 키의 차원이 달라도 되고, 작은 신경망(은닉층 하나)이 "얼마나 관련 있는가"를 배운다.

    Args:
        query_dim: 쿼리(디코더 은닉 상태) 차원 ``Dq``.
        key_dim: 키(인코더 출력) 차원 ``Dk``. 값도 키와 같은 텐서를 쓴다.
        hidden_dim: 점수 신경망의 은닉 차원 ``H``.
    """

    def __init__(self, query_dim: int, key_dim: int, hidden_dim: int) -> None:
        super().__init__()
        for name, value in (("query_dim", query_dim), ("key_dim", key_dim), ("hidden_dim", hidden_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name}: 1 이상의 정수여야 합니다 (받은 값 {value!r})")
        self.query_dim, self.key_dim, self.hidden_dim = query_dim, key_dim, hidden_dim
        self.w_query = nn.Linear(query_dim, hidden_dim, bias=False)  # W_q
        self.w_key = nn.Linear(key_dim, hidden_dim, bias=True)  # W_k (+ b)
        self.v = nn.Linear(hidden_dim, 1, bias=False)  # v^T

    def scores(self, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """마스크 전 점수 ``(B, S)`` 를 돌려준다."""
        hidden = torch.tanh(
            self.w_query(query).unsqueeze(1) + self.w_key(keys)
        )  # (B, S, H): tanh(W_q q + W_k k_j)
        return self.v(hidden).squeeze(-1)  # (B, S): v^T tanh(...)

    def forward(
        self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """문맥 벡터와 어텐션 가중치를 계산한다.

        Args:
            query: ``(B, Dq)`` 디코더 상태.
            keys: ``(B, S, Dk)`` 인코더 출력 (값으로도 쓴다).
            mask: ``(B, S)`` 불리언, ``True`` = 실제 토큰. ``None`` 이면 모두 유효.

        Returns:
            ``(context, weights)``: ``(B, Dk)`` 와 ``(B, S)`` (각 행 합 1, 패딩 자리는 0).
        """
        _check_single_query(query, keys, mask, self.query_dim, self.key_dim)
        scores = self.scores(query, keys)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))  # 패딩 -> -inf -> 가중치 0
        weights = torch.softmax(scores, dim=-1)  # alpha_j
        context = torch.bmm(weights.unsqueeze(1), keys).squeeze(1)  # (B, Dk): sum_j alpha_j k_j
        return context, weights


class DotProductAttention(nn.Module):
    """점곱(Luong dot) 어텐션 모듈: ``score_j = q · k_j`` (``scaled=True`` 면 ``/ sqrt(d)``).

    :class:`AdditiveAttention` 과 같은 호출 방식이라 seq2seq 에서 바꿔 끼울 수 있다. 학습할 가중치가 없다.

    Args:
        dim: 쿼리와 키의 차원 (같아야 한다).
        scaled: ``True`` 면 ``sqrt(dim)`` 으로 나눈다.
    """

    def __init__(self, dim: int, scaled: bool = False) -> None:
        super().__init__()
        if not isinstance(dim, int) or isinstance(dim, bool) or dim < 1:
            raise ValueError(f"dim은 1 이상의 정수여야 합니다: {dim!r}")
        self.dim, self.scaled = dim, scaled

    def forward(
        self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(context (B, D), weights (B, S))`` 를 돌려준다. 인자는 :meth:`AdditiveAttention.forward` 와 같다."""
        _check_single_query(query, keys, mask, self.dim, self.dim)
        scores = torch.bmm(keys, query.unsqueeze(2)).squeeze(2)  # (B, S): q · k_j
        if self.scaled:
            scores = scores / math.sqrt(self.dim)  # / sqrt(d)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        context = torch.bmm(weights.unsqueeze(1), keys).squeeze(1)  # sum_j alpha_j k_j
        return context, weights
