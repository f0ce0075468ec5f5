"""작은 인코더-디코더 트랜스포머(Transformer): 위치 인코딩, 멀티헤드 어텐션, 인코더/디코더 층, 학습 스크립트.

구성 (Vaswani et al., 2017, "Attention Is All You Need"):

* 위치 인코딩(positional encoding): 사인/코사인 고정값 또는 학습하는 임베딩.
* 멀티헤드 어텐션(multi-head attention): d_model 을 h 개의 헤드로 나눠 각자 스케일드 점곱 어텐션을 한 뒤 잇는다.
* 인코더 층 = 셀프 어텐션 + 피드포워드 신경망(FFN), 각각 잔차 연결(residual) + 층 정규화(layer norm).
* 디코더 층 = 마스크드(인과) 셀프 어텐션 + 인코더-디코더(교차) 어텐션 + FFN.
* 층 정규화 위치: post-norm ``x = LN(x + f(x))`` (원 논문, ``torch`` 기본값) 또는
  pre-norm ``x = x + f(LN(x))`` (GPT-2 이후 대부분. 깊어져도 학습이 안정적).

마스크 규약: 이 모음은 불리언 마스크에서 ``True`` = 유효(볼 수 있음)로 통일한다 (:mod:`llmnotes.attention`).
``torch.nn.MultiheadAttention`` 의 ``key_padding_mask`` 는 반대로 ``True`` = 패딩이니 넘길 때 ``~mask`` 로 뒤집는다.

학습 스크립트 (숫자 읽기 과제 :mod:`llmnotes.tasks`)::

    python -m llmnotes.transformer train --out data/models/transformer-numread
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn

from .attention import causal_mask, scaled_dot_product_attention
from .checks import NON_NEGATIVE, POSITIVE, check_fields
from .nb import check_shape

__all__ = [
    "sinusoidal_positional_encoding",
    "SinusoidalPositionalEncoding",
    "LearnedPositionalEncoding",
    "MultiHeadAttention",
    "FeedForward",
    "EncoderLayer",
    "DecoderLayer",
    "TransformerConfig",
    "Seq2SeqTransformer",
    "TrainConfig",
    "train_numread",
    "evaluate_by_length",
    "save_checkpoint",
    "load_checkpoint",
    "attention_matrix_bytes",
]


def _positive_int(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name}: 1 이상의 정수여야 합니다 (받은 값 {value!r})")
    return value


def _check_heads(d_model: int, n_heads: int) -> None:
    _positive_int("d_model", d_model)
    _positive_int("n_heads", n_heads)
    if d_model % n_heads != 0:
        raise ValueError(
            f"d_model={d_model}: n_heads={n_heads}의 배수여야 합니다 (헤드 차원 = d_model/n_heads)"
        )


# ---------------------------------------------------------------------------------------------------------------
# 위치 인코딩
# ---------------------------------------------------------------------------------------------------------------


def sinusoidal_positional_encoding(max_len: int, d_model: int) -> torch.Tensor:
    """사인/코사인 위치 인코딩 표 ``(max_len, d_model)`` 을 만든다.

    ``PE[pos, 2i] = sin(pos / 10000^(2i/d))``, ``PE[pos, 2i+1] = cos(pos / 10000^(2i/d))``.
    차원마다 파장이 2π 에서 10000·2π 까지 기하급수로 늘어나, 위치마다 다른 "지문"이 된다.

    Args:
        max_len: 위치 개수 (1 이상).
        d_model: 임베딩 차원 (1 이상, 홀수면 마지막 열은 sin 만 있다).
    """
    _positive_int("max_len", max_len)
    _positive_int("d_model", d_model)
    position = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)  # (max_len, 1): pos
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)  # 2i = 0, 2, 4, ...
    inv_freq = torch.exp(-math.log(10000.0) * two_i / d_model)  # 1 / 10000^(2i/d)
    angle = position * inv_freq  # (max_len, ceil(d/2)): pos / 10000^(2i/d)
    pe = torch.zeros(max_len, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)  # 짝수 차원: sin
    pe[:, 1::2] = torch.cos(angle[:, : d_model // 2])  # 홀수 차원: cos
    return pe.to(torch.float32)


class SinusoidalPositionalEncoding(nn.Module):
    """고정된 사인/코사인 위치 인코딩을 임베딩에 더한다 (학습하는 파라미터 없음).

    Args:
        d_model: 임베딩 차원.
        max_len: 다룰 수 있는 최대 길이.
    """

    def __init__(self, d_model: int, max_len: int = 512) -> None:
        super().__init__()
        self.d_model, self.max_len = d_model, max_len
        self.register_buffer("pe", sinusoidal_positional_encoding(max_len, d_model), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` ``(B, T, d_model)`` 에 위치 ``0..T-1`` 의 인코딩을 더한다."""
        check_shape(x, (None, None, self.d_model), name="x")
        T = x.shape[1]
        if T > self.max_len:
            raise ValueError(f"입력 길이 T={T}: max_len={self.max_len}보다 깁니다 (잘라내지 않습니다)")
        return x + self.pe[:T].to(x.dtype)  # x_t + PE_t


class LearnedPositionalEncoding(nn.Module):
    """위치마다 학습하는 벡터(위치 임베딩)를 더한다 (BERT, GPT-2 방식).

    Args:
        d_model: 임베딩 차원.
        max_len: 다룰 수 있는 최대 길이 (이보다 긴 입력은 다룰 수 없다).
    """

    def __init__(self, d_model: int, max_len: int = 512) -> None:
        super().__init__()
        self.d_model, self.max_len = d_model, max_len
        self.embedding = nn.Embedding(max_len, d_model)
        nn.init.normal_(self.embedding.weight, std=0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` ``(B, T, d_model)`` 에 학습된 위치 벡터 ``P_0..P_{T-1}`` 을 더한다."""
        check_shape(x, (None, None, self.d_model), name="x")
        T = x.shape[1]
        if T > self.max_len:
            raise ValueError(f"입력 길이 T={T}: max_len={self.max_len}보다 깁니다 (잘라내지 않습니다)")
        return x + self.embedding.weight[:T]  # x_t + P_t


# ---------------------------------------------------------------------------------------------------------------
# 멀티헤드 어텐션
# ---------------------------------------------------------------------------------------------------------------


class MultiHeadAttention(nn.Module):
    """멀티헤드 어텐션: ``MHA(Q,K,V) = Concat(head_1..head_h) W_O``, ``head_i = Attn(Q W_Q^i, K W_K^i, V W_V^i)``.

    각 헤드는 ``d_head = d_model / h`` 차원의 부분 공간에서 따로 어텐션을 계산하므로, 한 헤드는 "바로 앞 글자",
    다른 헤드는 "같은 자리의 숫자" 처럼 서로 다른 관계를 볼 수 있다. 마지막 forward 의 헤드별 가중치를
    ``self.attn_weights`` ``(B, h, L, S)`` 에 남겨 둔다 (그림용, 기울기 없음).

    Args:
        d_model: 모델 차원 (``n_heads`` 로 나누어떨어져야 한다).
        n_heads: 헤드 수 ``h``.
        dropout: 어텐션 가중치에 적용할 드롭아웃 확률.
        bias: 투영 층에 편향을 둘지 (``torch.nn.MultiheadAttention`` 기본값 True).
    """

    def __init__(self, d_model: int, n_heads: int, dropout: float = 0.0, bias: bool = True) -> None:
        super().__init__()
        _check_heads(d_model, n_heads)
        self.d_model, self.n_heads, self.d_head = d_model, n_heads, d_model // n_heads
        self.dropout = dropout
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)  # W_Q (모든 헤드를 한 행렬로)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)  # W_K
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)  # W_V
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)  # W_O
        self.attn_weights: torch.Tensor | None = None

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        B, T, _ = x.shape
        return x.view(B, T, self.n_heads, self.d_head).transpose(1, 2)  # (B, T, D) -> (B, h, T, d_head)

    def _build_mask(
        self,
        key_padding_mask: torch.Tensor | None,
        attn_mask: torch.Tensor | None,
        is_causal: bool,
        B: int,
        L: int,
        S: int,
        dtype: torch.dtype,
    ) -> torch.Tensor | None:
        """패딩·어텐션·인과 마스크를 ``(B|1, 1|h, L, S)`` 로 브로드캐스트되는 하나의 마스크로 합친다."""
        mask = None
        if key_padding_mask is not None:
            if key_padding_mask.dtype != torch.bool:
                raise ValueError(
                    f"key_padding_mask는 불리언(True=유효)이어야 합니다: dtype={key_padding_mask.dtype}, "
                    f"shape={tuple(key_padding_mask.shape)}"
                )
            check_shape(key_padding_mask, (B, S), name="key_padding_mask")
            mask = key_padding_mask[:, None, None, :]  # (B, 1, 1, S)
        if attn_mask is not None:
            if attn_mask.dim() == 2:
                check_shape(attn_mask, (L, S), name="attn_mask")
                am = attn_mask[None, None]  # (1, 1, L, S)
            elif attn_mask.dim() == 4:
                check_shape(attn_mask, (None, None, L, S), name="attn_mask")
                am = attn_mask
            else:
                raise ValueError(
                    f"attn_mask는 (L, S)=({L}, {S}) 또는 (B, h, L, S) 모양이어야 합니다: shape={tuple(attn_mask.shape)}"
                )
            if am.dtype != torch.bool and am.dtype != dtype:
                raise ValueError(
                    f"attn_mask의 dtype은 bool 또는 {dtype} 중 하나여야 합니다 (받은 dtype={am.dtype})"
                )
            if mask is None:
                mask = am
            elif am.dtype == torch.bool:
                mask = mask & am
            else:  # 실수 마스크와 합칠 때는 패딩을 -inf 로 바꿔 더한다
                mask = (
                    torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(~mask, -math.inf)
                    + am
                )
        if is_causal:
            cm = causal_mask(L, S, device=None if mask is None else mask.device)
            if mask is None:
                mask = cm
            elif mask.dtype == torch.bool:
                mask = mask & cm
            else:
                mask = mask.masked_fill(~cm, -math.inf)
        return mask

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        key_padding_mask: torch.Tensor | None = None,
        attn_mask: torch.Tensor | None = None,
        is_causal: bool = False,
        average_attn_weights: bool = True,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """멀티헤드 어텐션을 계산한다 (배치 우선 ``(B, T, D)``).

        Args:
            query: ``(B, L, d_model)``.
            key: ``(B, S, d_model)``.
            value: ``(B, S, d_model)``.
            key_padding_mask: ``(B, S)`` 불리언, ``True`` = 실제 토큰 (``torch`` 와 반대!).
            attn_mask: ``(L, S)`` 또는 ``(B, h, L, S)``; 불리언(``True`` = 볼 수 있음) 또는 실수(더하기).
            is_causal: ``True`` 면 인과 마스크(j <= i)도 적용한다.
            average_attn_weights: ``True`` 면 가중치를 헤드 평균 ``(B, L, S)`` 로, 아니면 ``(B, h, L, S)`` 로.

        Returns:
            ``(output (B, L, d_model), weights)``.
        """
        check_shape(query, (None, None, self.d_model), name="query")
        B, L, _ = query.shape
        check_shape(key, (B, None, self.d_model), name="key")
        S = key.shape[1]
        check_shape(value, (B, S, self.d_model), name="value")
        mask = self._build_mask(key_padding_mask, attn_mask, is_causal, B, L, S, query.dtype)
        q = self._split_heads(self.q_proj(query))  # (B, h, L, d_head): Q W_Q
        k = self._split_heads(self.k_proj(key))  # (B, h, S, d_head): K W_K
        v = self._split_heads(self.v_proj(value))  # (B, h, S, d_head): V W_V
        p = self.dropout if self.training else 0.0
        heads, weights = scaled_dot_product_attention(
            q, k, v, attn_mask=mask, dropout_p=p
        )  # (B, h, L, d_head)
        self.attn_weights = weights.detach()
        concat = heads.transpose(1, 2).reshape(B, L, self.d_model)  # Concat(head_1, ..., head_h)
        out = self.out_proj(concat)  # ... W_O
        return out, (weights.mean(dim=1) if average_attn_weights else weights)

    @torch.no_grad()
    def load_from_torch(self, ref: nn.MultiheadAttention) -> MultiHeadAttention:
        """``torch.nn.MultiheadAttention`` 의 가중치를 복사한다 (``in_proj_weight`` 를 q/k/v 세 조각으로 나눔).

        Args:
            ref: ``embed_dim == d_model``, ``num_heads == n_heads`` 이고 q/k/v 차원이 같은 모듈.
        """
        if ref.embed_dim != self.d_model or ref.num_heads != self.n_heads or ref.in_proj_weight is None:
            raise ValueError(
                f"ref의 (embed_dim, num_heads)=({ref.embed_dim}, {ref.num_heads})이 "
                f"({self.d_model}, {self.n_heads})과 다르거나 q/k/v 차원이 다릅니다"
            )
        w_q, w_k, w_v = ref.in_proj_weight.chunk(3, dim=0)  # in_proj_weight = [W_Q; W_K; W_V] (3D, D)
        for lin, w in ((self.q_proj, w_q), (self.k_proj, w_k), (self.v_proj, w_v)):
            lin.weight.copy_(w)
        if ref.in_proj_bias is not None and self.q_proj.bias is not None:
            b_q, b_k, b_v = ref.in_proj_bias.chunk(3)
            self.q_proj.bias.copy_(b_q)
            self.k_proj.bias.copy_(b_k)
            self.v_proj.bias.copy_(b_v)
        self.out_proj.weight.copy_(ref.out_proj.weight)
        if ref.out_proj.bias is not None and self.out_proj.bias is not None:
            self.out_proj.bias.copy_(ref.out_proj.bias)
        return self


# ---------------------------------------------------------------------------------------------------------------
# 인코더 / 디코더 층
# ---------------------------------------------------------------------------------------------------------------


class FeedForward(nn.Module):
    """위치별 피드포워드 신경망(FFN): ``FFN(x) = W_2 · ReLU(W_1 x + b_1) + b_2`` (각 위치에 따로 적용).

    Args:
        d_model: 입력/출력 차원.
        d_ff: 은닉 차원 (보통 ``4 * d_model``).
        dropout: 은닉층 뒤 드롭아웃 확률.
    """

    def __init__(self, d_model: int, d_ff: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.linear1 = nn.Linear(d_model, d_ff)  # W_1, b_1
        self.linear2 = nn.Linear(d_ff, d_model)  # W_2, b_2
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, T, d_model)`` → ``(B, T, d_model)``."""
        return self.linear2(self.dropout(torch.relu(self.linear1(x))))  # W_2 ReLU(W_1 x + b_1) + b_2


class EncoderLayer(nn.Module):
    """인코더 층: 셀프 어텐션 → FFN, 각 부분층에 잔차 연결과 층 정규화.

    post-norm: ``x = LN(x + SA(x))``, ``x = LN(x + FFN(x))``  (``torch.nn.TransformerEncoderLayer`` 기본값).
    pre-norm:  ``x = x + SA(LN(x))``, ``x = x + FFN(LN(x))``  (``norm_first=True``).

    Args:
        d_model: 모델 차원.
        n_heads: 헤드 수.
        d_ff: FFN 은닉 차원.
        dropout: 드롭아웃 확률 (어텐션 가중치, FFN 은닉, 잔차 앞).
        norm_first: ``True`` 면 pre-norm.
    """

    def __init__(
        self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0, norm_first: bool = False
    ) -> None:
        super().__init__()
        self.norm_first = norm_first
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout=dropout)
        self.ffn = FeedForward(d_model, d_ff, dropout)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)

    def _sa(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        return self.dropout1(self.self_attn(x, x, x, key_padding_mask=mask)[0])

    def _ff(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout2(self.ffn(x))

    def forward(self, x: torch.Tensor, src_mask: torch.Tensor | None = None) -> torch.Tensor:
        """``x`` ``(B, S, d_model)``, ``src_mask`` ``(B, S)`` 불리언 (``True`` = 실제 토큰)."""
        if self.norm_first:
            x = x + self._sa(self.norm1(x), src_mask)  # x + SA(LN(x))
            x = x + self._ff(self.norm2(x))  # x + FFN(LN(x))
        else:
            x = self.norm1(x + self._sa(x, src_mask))  # LN(x + SA(x))
            x = self.norm2(x + self._ff(x))  # LN(x + FFN(x))
        return x

    @torch.no_grad()
    def load_from_torch(self, ref: nn.TransformerEncoderLayer) -> EncoderLayer:
        """``torch.nn.TransformerEncoderLayer`` (ReLU, ``batch_first`` 무관) 의 가중치를 복사한다."""
        self.self_attn.load_from_torch(ref.self_attn)
        _copy_linear(self.ffn.linear1, ref.linear1)
        _copy_linear(self.ffn.linear2, ref.linear2)
        _copy_norm(self.norm1, ref.norm1)
        _copy_norm(self.norm2, ref.norm2)
        return self


class DecoderLayer(nn.Module):
    """디코더 층: 마스크드 셀프 어텐션 → 인코더-디코더(교차) 어텐션 → FFN.

    마스크드 셀프 어텐션은 인과 마스크로 "아직 만들지 않은 미래 글자"를 보지 못하게 하고, 교차 어텐션은
    쿼리를 디코더에서, 키와 값을 인코더 출력(memory)에서 가져온다.

    Args:
        d_model: 모델 차원.
        n_heads: 헤드 수.
        d_ff: FFN 은닉 차원.
        dropout: 드롭아웃 확률.
        norm_first: ``True`` 면 pre-norm.
    """

    def __init__(
        self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0, norm_first: bool = False
    ) -> None:
        super().__init__()
        self.norm_first = norm_first
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout=dropout)
        self.cross_attn = MultiHeadAttention(d_model, n_heads, dropout=dropout)
        self.ffn = FeedForward(d_model, d_ff, dropout)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.norm3 = nn.LayerNorm(d_model)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.dropout3 = nn.Dropout(dropout)

    def _sa(self, x: torch.Tensor, tgt_mask: torch.Tensor | None) -> torch.Tensor:
        return self.dropout1(self.self_attn(x, x, x, key_padding_mask=tgt_mask, is_causal=True)[0])

    def _ca(self, x: torch.Tensor, memory: torch.Tensor, memory_mask: torch.Tensor | None) -> torch.Tensor:
        return self.dropout2(self.cross_attn(x, memory, memory, key_padding_mask=memory_mask)[0])

    def _ff(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout3(self.ffn(x))

    def forward(
        self,
        x: torch.Tensor,
        memory: torch.Tensor,
        tgt_mask: torch.Tensor | None = None,
        memory_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """디코더 층 하나를 통과시킨다.

        Args:
            x: 디코더 입력 ``(B, T, d_model)``.
            memory: 인코더 출력 ``(B, S, d_model)``.
            tgt_mask: ``(B, T)`` 불리언 패딩 마스크 (``True`` = 실제 토큰). 인과 마스크는 항상 적용된다.
            memory_mask: ``(B, S)`` 불리언 인코더 패딩 마스크.
        """
        if self.norm_first:
            x = x + self._sa(self.norm1(x), tgt_mask)  # x + MaskedSA(LN(x))
            x = x + self._ca(self.norm2(x), memory, memory_mask)  # x + CrossAttn(LN(x), memory)
            x = x + self._ff(self.norm3(x))  # x + FFN(LN(x))
        else:
            x = self.norm1(x + self._sa(x, tgt_mask))  # LN(x + MaskedSA(x))
            x = self.norm2(x + self._ca(x, memory, memory_mask))  # LN(x + CrossAttn(x, memory))
            x = self.norm3(x + self._ff(x))  # LN(x + FFN(x))
        return x

    @torch.no_grad()
    def load_from_torch(self, ref: nn.TransformerDecoderLayer) -> DecoderLayer:
        """``torch.nn.TransformerDecoderLayer`` (ReLU) 의 가중치를 복사한다."""
        self.self_attn.load_from_torch(ref.self_attn)
        self.cross_attn.load_from_torch(ref.multihead_attn)
        _copy_linear(self.ffn.linear1, ref.linear1)
        _copy_linear(self.ffn.linear2, ref.linear2)
        _copy_norm(self.norm1, ref.norm1)
        _copy_norm(self.norm2, ref.norm2)
        _copy_norm(self.norm3, ref.norm3)
        return self


def _copy_linear(dst: nn.Linear, src: nn.Linear) -> None:
    dst.weight.copy_(src.weight)
    dst.bias.copy_(src.bias)


def _copy_norm(dst: nn.LayerNorm, src: nn.LayerNorm) -> None:
    dst.weight.copy_(src.weight)
    dst.bias.copy_(src.bias)


# ---------------------------------------------------------------------------------------------------------------
# 인코더-디코더 트랜스포머
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class TransformerConfig:
    """작은 인코더-디코더 트랜스포머의 설정.

    Args:
        src_vocab_size: 입력 어휘 크기.
        tgt_vocab_size: 출력 어휘 크기.
        d_model: 모델 차원.
        n_heads: 헤드 수 (``d_model`` 을 나누어야 한다).
        n_encoder_layers: 인코더 층 수.
        n_decoder_layers: 디코더 층 수.
        d_ff: FFN 은닉 차원.
        dropout: 드롭아웃 확률.
        max_len: 위치 인코딩 최대 길이 (입력·출력 모두 이보다 짧아야 한다).
        positional: ``"sinusoidal"`` 또는 ``"learned"``.
        norm_first: ``True`` 면 pre-norm (마지막에 층 정규화 하나를 더 둔다).
        pad_id: 패딩 id. bos_id: 시작 id. eos_id: 끝 id (:class:`llmnotes.tasks.Vocab` 과 같음).
    """

    src_vocab_size: int = 14
    tgt_vocab_size: int = 20
    d_model: int = 64
    n_heads: int = 4
    n_encoder_layers: int = 2
    n_decoder_layers: int = 2
    d_ff: int = 128
    dropout: float = 0.0
    max_len: int = 64
    positional: str = "sinusoidal"
    norm_first: bool = True
    pad_id: int = 0
    bos_id: int = 1
    eos_id: int = 2

    def __post_init__(self) -> None:
        for name in (
            "src_vocab_size",
            "tgt_vocab_size",
            "n_encoder_layers",
            "n_decoder_layers",
            "d_ff",
            "max_len",
        ):
            _positive_int(name, getattr(self, name))
        _check_heads(self.d_model, self.n_heads)
        if self.positional not in ("sinusoidal", "learned"):
            raise ValueError(f"positional은 'sinusoidal' 또는 'learned'여야 합니다: {self.positional!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout은 0 이상 1 미만이어야 합니다: {self.dropout!r}")


class Seq2SeqTransformer(nn.Module):
    """인코더-디코더 트랜스포머 (입력 글자열 → 출력 글자열).

    ``logits = Linear(Decoder(Embed(tgt) + PE, Encoder(Embed(src) + PE)))``.
    임베딩에는 원 논문처럼 ``sqrt(d_model)`` 을 곱한다.

    Args:
        config: :class:`TransformerConfig`.
    """

    def __init__(self, config: TransformerConfig) -> None:
        super().__init__()
        if not isinstance(config, TransformerConfig):
            raise TypeError(f"config는 TransformerConfig여야 합니다: {type(config).__name__}")
        c = self.config = config
        self.src_embed = nn.Embedding(c.src_vocab_size, c.d_model, padding_idx=c.pad_id)
        self.tgt_embed = nn.Embedding(c.tgt_vocab_size, c.d_model, padding_idx=c.pad_id)
        pos_cls = SinusoidalPositionalEncoding if c.positional == "sinusoidal" else LearnedPositionalEncoding
        self.src_pos = pos_cls(c.d_model, c.max_len)
        self.tgt_pos = pos_cls(c.d_model, c.max_len)
        self.encoder_layers = nn.ModuleList(
            EncoderLayer(c.d_model, c.n_heads, c.d_ff, c.dropout, c.norm_first)
            for _ in range(c.n_encoder_layers)
        )
        self.decoder_layers = nn.ModuleList(
            DecoderLayer(c.d_model, c.n_heads, c.d_ff, c.dropout, c.norm_first)
            for _ in range(c.n_decoder_layers)
        )
        # pre-norm 은 마지막 층 출력이 정규화되지 않으므로 끝에 LN 을 하나 더 둔다.
        self.encoder_norm = nn.LayerNorm(c.d_model) if c.norm_first else nn.Identity()
        self.decoder_norm = nn.LayerNorm(c.d_model) if c.norm_first else nn.Identity()
        self.embed_dropout = nn.Dropout(c.dropout)
        self.generator = nn.Linear(c.d_model, c.tgt_vocab_size)  # 출력 어휘 점수 (logits)

    def _check_ids(self, ids: torch.Tensor, name: str, vocab_size: int) -> None:
        if not isinstance(ids, torch.Tensor) or ids.dtype != torch.long or ids.dim() != 2:
            raise ValueError(
                f"{name}: (B, T) torch.long 텐서여야 합니다 "
                f"(shape={tuple(getattr(ids, 'shape', ()))}, dtype={getattr(ids, 'dtype', type(ids).__name__)})"
            )
        if ids.shape[1] > self.config.max_len:
            raise ValueError(f"{name}의 길이 {ids.shape[1]}: max_len={self.config.max_len}보다 깁니다")
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= vocab_size):
            raise ValueError(f"{name}에 어휘 범위 [0, {vocab_size}) 밖의 id가 있습니다")

    def encode(self, src: torch.Tensor, src_mask: torch.Tensor | None = None) -> torch.Tensor:
        """입력 ``src`` ``(B, S)`` 를 인코더 출력 memory ``(B, S, d_model)`` 로 바꾼다."""
        self._check_ids(src, "src", self.config.src_vocab_size)
        x = self.src_embed(src) * math.sqrt(self.config.d_model)  # E[x] * sqrt(d_model)
        x = self.embed_dropout(self.src_pos(x))  # + PE
        for layer in self.encoder_layers:
            x = layer(x, src_mask)
        return self.encoder_norm(x)

    def decode(
        self,
        tgt_in: torch.Tensor,
        memory: torch.Tensor,
        src_mask: torch.Tensor | None = None,
        tgt_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """디코더 입력 ``tgt_in`` ``(B, T)`` 와 memory 로 다음 글자 점수 ``(B, T, V_tgt)`` 를 계산한다."""
        self._check_ids(tgt_in, "tgt_in", self.config.tgt_vocab_size)
        y = self.tgt_embed(tgt_in) * math.sqrt(self.config.d_model)
        y = self.embed_dropout(self.tgt_pos(y))
        for layer in self.decoder_layers:
            y = layer(y, memory, tgt_mask, src_mask)
        return self.generator(self.decoder_norm(y))

    def forward(
        self,
        src: torch.Tensor,
        tgt_in: torch.Tensor,
        src_mask: torch.Tensor | None = None,
        tgt_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """교사 강요(teacher forcing)로 한 번에 모든 위치의 점수를 계산한다.

        Args:
            src: ``(B, S)`` 입력 id.
            tgt_in: ``(B, T)`` 디코더 입력 ``<bos> y_1 … y_n``.
            src_mask: ``(B, S)`` 불리언 (``True`` = 실제 토큰). ``None`` 이면 ``src != pad_id``.
            tgt_mask: ``(B, T)`` 불리언. ``None`` 이면 ``tgt_in != pad_id`` (단, 인과 마스크가 이미 미래를 가린다).

        Returns:
            ``(B, T, V_tgt)`` 로짓.
        """
        if src_mask is None:
            src_mask = src != self.config.pad_id
        memory = self.encode(src, src_mask)
        return self.decode(tgt_in, memory, src_mask, tgt_mask)

    def loss(self, batch) -> torch.Tensor:
        """:class:`llmnotes.tasks.Batch` 의 평균 교차 엔트로피 (패딩 자리는 빼고 센다)."""
        logits = self(batch.src, batch.tgt_in, batch.src_mask, batch.tgt_mask)
        # CE = -(1/N) sum_{유효 t} log p(y_t | y_<t, x)
        return nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), batch.tgt_out.reshape(-1), ignore_index=self.config.pad_id
        )

    @torch.no_grad()
    def greedy_decode(
        self, src: torch.Tensor, src_mask: torch.Tensor | None = None, max_new_tokens: int | None = None
    ) -> torch.Tensor:
        """탐욕적 디코딩: 매 단계 가장 점수가 높은 글자를 골라 ``<eos>`` 까지 만든다.

        캐시 없이 매 단계 디코더 전체를 다시 계산한다 (KV 캐시는 노트북 21).

        Args:
            src: ``(B, S)`` 입력 id.
            src_mask: ``(B, S)`` 불리언. ``None`` 이면 ``src != pad_id``.
            max_new_tokens: 최대 생성 길이. ``None`` 이면 ``max_len - 1``.

        Returns:
            ``(B, T')`` 생성된 id (``<bos>`` 제외). ``<eos>`` 뒤는 ``pad_id`` 로 채운다.
        """
        c = self.config
        max_new_tokens = (
            c.max_len - 1 if max_new_tokens is None else _positive_int("max_new_tokens", max_new_tokens)
        )
        if max_new_tokens > c.max_len - 1:
            raise ValueError(f"max_new_tokens={max_new_tokens}: max_len-1={c.max_len - 1} 이하여야 합니다")
        if src_mask is None:
            src_mask = src != c.pad_id
        was_training = self.training
        self.eval()
        memory = self.encode(src, src_mask)
        B = src.shape[0]
        ys = torch.full((B, 1), c.bos_id, dtype=torch.long, device=src.device)
        done = torch.zeros(B, dtype=torch.bool, device=src.device)
        for _ in range(max_new_tokens):
            logits = self.decode(ys, memory, src_mask)[:, -1]  # 마지막 위치의 다음 글자 점수
            nxt = logits.argmax(dim=-1)  # y_t = argmax_v p(v | y_<t, x)
            nxt = torch.where(done, torch.full_like(nxt, c.pad_id), nxt)
            ys = torch.cat([ys, nxt[:, None]], dim=1)
            done = done | (nxt == c.eos_id)
            if bool(done.all()):
                break
        self.train(was_training)
        return ys[:, 1:]

    def translate(self, texts: list[str], src_vocab, tgt_vocab, batch_size: int = 256) -> list[str]:
        """문자열 목록을 탐욕적 디코딩으로 바꿔 문자열 목록으로 돌려준다.

        Args:
            texts: 입력 문자열들 (예: ``["35020"]``).
            src_vocab: 입력 어휘 (:class:`llmnotes.tasks.Vocab`).
            tgt_vocab: 출력 어휘.
            batch_size: 한 번에 디코딩할 개수.
        """
        from .tasks import encode_batch

        device = next(self.parameters()).device
        out: list[str] = []
        for start in range(0, len(texts), batch_size):
            ids, mask = encode_batch(texts[start : start + batch_size], src_vocab)
            gen = self.greedy_decode(ids.to(device), mask.to(device))
            out.extend(tgt_vocab.decode(row.tolist()) for row in gen)
        return out


def attention_matrix_bytes(
    seq_len: int, n_heads: int, batch_size: int = 1, bytes_per_element: int = 4
) -> int:
    """어텐션 가중치 행렬 하나(층 하나)의 메모리: ``B · h · T² · bytes``.

    Args:
        seq_len: 길이 ``T``.
        n_heads: 헤드 수 ``h``.
        batch_size: 배치 크기 ``B``.
        bytes_per_element: 원소 하나의 바이트 수 (float32 = 4).
    """
    for name, v in (("seq_len", seq_len), ("n_heads", n_heads), ("batch_size", batch_size)):
        _positive_int(name, v)
    return batch_size * n_heads * seq_len * seq_len * bytes_per_element  # B h T^2 * 4


# ---------------------------------------------------------------------------------------------------------------
# 숫자 읽기 과제 학습
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class TrainConfig:
    """숫자 읽기 과제 학습 설정.

    Args:
        n_train: 학습 쌍 수. n_test: 평가 쌍 수.
        min_digits / max_digits: 자릿수 범위.
        steps: 최적화 단계 수. batch_size: 배치 크기.
        lr: 최대 학습률 (선형 워밍업 후 코사인 감소). warmup: 워밍업 단계 수.
        seed: 모델 초기화·데이터 순서 시드. data_seed / test_seed: :func:`llmnotes.tasks.make_pairs` 시드
            (노트북 04·05 의 seq2seq 와 같은 학습·평가 데이터: 학습 시드 0, 평가 ``make_pairs(2400, 1, 12, seed=2)``).
        log_every: 손실을 기록할 간격.
    """

    n_train: int = 60000
    n_test: int = 2400
    min_digits: int = 1
    max_digits: int = 12
    steps: int = 3000
    batch_size: int = 64
    lr: float = 2e-3
    warmup: int = 200
    weight_decay: float = 0.01
    seed: int = 0
    data_seed: int = 0
    test_seed: int = 2
    log_every: int = 50
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_fields(self, lr=POSITIVE, weight_decay=NON_NEGATIVE)  # NaN·inf·범위 밖 값은 이름과 함께 거부


def _lr_at(step: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup  # 선형 워밍업
    progress = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))  # 코사인 감소


def train_numread(
    model_config: TransformerConfig | None = None,
    train_config: TrainConfig | None = None,
    progress: bool = False,
) -> tuple[Seq2SeqTransformer, dict]:
    """숫자 → 한국어 읽기 과제로 :class:`Seq2SeqTransformer` 를 학습한다.

    Args:
        model_config: 모델 설정 (어휘 크기는 과제 어휘로 덮어쓴다).
        train_config: 학습 설정.
        progress: ``True`` 면 tqdm 진행 막대를 보인다.

    Returns:
        ``(model, history)``: ``history = {"step": [...], "loss": [...]}``.
    """
    from tqdm.auto import tqdm

    from .nb import seed_everything
    from .tasks import digit_vocab, iter_batches, make_pairs, reading_vocab

    tc = train_config or TrainConfig()
    src_vocab, tgt_vocab = digit_vocab(), reading_vocab()
    mc = model_config or TransformerConfig()
    mc = TransformerConfig(
        **{**asdict(mc), "src_vocab_size": len(src_vocab), "tgt_vocab_size": len(tgt_vocab)}
    )
    seed_everything(tc.seed)
    model = Seq2SeqTransformer(mc)
    pairs = make_pairs(tc.n_train, tc.min_digits, tc.max_digits, seed=tc.data_seed)
    opt = torch.optim.AdamW(model.parameters(), lr=tc.lr, betas=(0.9, 0.98), weight_decay=tc.weight_decay)
    history: dict[str, list] = {"step": [], "loss": []}
    step, epoch, running, count = 0, 0, 0.0, 0
    bar = tqdm(total=tc.steps, disable=not progress)
    model.train()
    while step < tc.steps:
        for batch in iter_batches(
            pairs, src_vocab, tgt_vocab, tc.batch_size, shuffle=True, seed=tc.seed + epoch
        ):
            if step >= tc.steps:
                break
            for g in opt.param_groups:
                g["lr"] = _lr_at(step, tc)
            loss = model.loss(batch)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            running, count, step = running + loss.item(), count + 1, step + 1
            if step % tc.log_every == 0 or step == tc.steps:
                history["step"].append(step)
                history["loss"].append(running / count)
                bar.set_postfix(loss=f"{running / count:.4f}")
                running, count = 0.0, 0
            bar.update(1)
        epoch += 1
    bar.close()
    model.eval()
    return model, history


def evaluate_by_length(
    model: Seq2SeqTransformer, pairs: list[tuple[str, str]], src_vocab=None, tgt_vocab=None
) -> dict[int, float]:
    """입력 자릿수별 완전 일치 정확도 ``{자릿수: 정확도}``.

    Args:
        model: 학습된 모델.
        pairs: ``(숫자, 읽기)`` 쌍들.
        src_vocab / tgt_vocab: 어휘 (``None`` 이면 과제 기본 어휘).
    """
    from .tasks import accuracy_by_length, digit_vocab, reading_vocab

    src_vocab = src_vocab or digit_vocab()
    tgt_vocab = tgt_vocab or reading_vocab()
    sources = [s for s, _ in pairs]
    preds = model.translate(sources, src_vocab, tgt_vocab)
    return accuracy_by_length(sources, preds, [t for _, t in pairs])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_checkpoint(model: Seq2SeqTransformer, out_dir: str | Path, recipe: dict | None = None) -> dict:
    """가중치(``model.pt``), 설정(``config.json``), 레시피(``recipe.json``, sha256 포함)를 저장한다.

    Args:
        model: 저장할 모델.
        out_dir: 저장 폴더 (없으면 만든다).
        recipe: 재현에 필요한 정보 (명령, 시드, 학습 설정, 결과 등).

    Returns:
        저장한 레시피 사전.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    torch.save(state, out / "model.pt")
    (out / "config.json").write_text(
        json.dumps(asdict(model.config), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    full = dict(recipe or {})
    full["sha256"] = {"model.pt": _sha256(out / "model.pt"), "config.json": _sha256(out / "config.json")}
    (out / "recipe.json").write_text(json.dumps(full, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return full


def load_checkpoint(path: str | Path | None = None, verify: bool = True) -> Seq2SeqTransformer:
    """:func:`save_checkpoint` 로 저장한 모델을 불러온다 (평가 모드).

    Args:
        path: 체크포인트 폴더. ``None`` 이면 ``data/models/transformer-numread``.
        verify: ``True`` 면 ``recipe.json`` 의 sha256 과 파일을 대조한다.
    """
    from .paths import models_dir

    folder = Path(path) if path is not None else models_dir() / "transformer-numread"
    for name in ("model.pt", "config.json"):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"체크포인트 파일이 없습니다: {name} (폴더 {folder.name!r})")
    if verify and (folder / "recipe.json").is_file():
        expected = json.loads((folder / "recipe.json").read_text(encoding="utf-8")).get("sha256", {})
        for name, digest in expected.items():
            if _sha256(folder / name) != digest:
                raise ValueError(f"{name}의 sha256이 recipe.json과 다릅니다 (파일이 바뀌었습니다)")
    config = TransformerConfig(**json.loads((folder / "config.json").read_text(encoding="utf-8")))
    model = Seq2SeqTransformer(config)
    model.load_state_dict(torch.load(folder / "model.pt", map_location="cpu", weights_only=True))
    model.eval()
    return model


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m llmnotes.transformer", description="숫자 읽기 트랜스포머 학습"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="학습하고 체크포인트와 길이별 정확도를 저장한다")
    p.add_argument("--out", type=Path, required=True, help="체크포인트 폴더")
    p.add_argument("--results", type=Path, default=None, help="길이별 정확도 JSON 경로 (선택)")
    p.add_argument("--steps", type=int, default=TrainConfig.steps)
    p.add_argument("--seed", type=int, default=TrainConfig.seed)
    p.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    p.add_argument("--lr", type=float, default=TrainConfig.lr)
    p.add_argument("--d-model", type=int, default=TransformerConfig.d_model)
    p.add_argument("--layers", type=int, default=TransformerConfig.n_encoder_layers)
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)

    from .tasks import make_pairs

    mc = TransformerConfig(d_model=args.d_model, n_encoder_layers=args.layers, n_decoder_layers=args.layers)
    tc = TrainConfig(steps=args.steps, seed=args.seed, batch_size=args.batch_size, lr=args.lr)
    start = time.perf_counter()
    model, history = train_numread(mc, tc, progress=True)
    seconds = time.perf_counter() - start
    test = make_pairs(tc.n_test, tc.min_digits, tc.max_digits, seed=tc.test_seed)
    acc = evaluate_by_length(model, test)
    overall = sum(acc.values()) / len(acc)
    recipe = {
        "command": "python -m llmnotes.transformer " + " ".join(argv),
        "script": "src/llmnotes/transformer.py",
        "model_config": asdict(model.config),
        "train_config": asdict(tc),
        "data": f"llmnotes.tasks.make_pairs({tc.n_train}, {tc.min_digits}, {tc.max_digits}, seed={tc.data_seed})",
        "test": f"llmnotes.tasks.make_pairs({tc.n_test}, {tc.min_digits}, {tc.max_digits}, seed={tc.test_seed})",
        "device": "cpu",
        "torch_version": torch.__version__,
        "train_seconds": round(seconds, 1),
        "final_loss": round(history["loss"][-1], 5),
        "test_accuracy_by_digits": {str(k): round(v, 4) for k, v in acc.items()},
        "loss_history": {"step": history["step"], "loss": [round(x, 5) for x in history["loss"]]},
    }
    save_checkpoint(model, args.out, recipe)
    if args.results is not None:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(
            json.dumps({str(k): round(v, 4) for k, v in acc.items()}, indent=2) + "\n", encoding="utf-8"
        )
    print(f"학습 {seconds:.1f}초, 최종 손실 {history['loss'][-1]:.4f}, 길이 평균 정확도 {overall:.4f}")
    for k, v in acc.items():
        print(f"  {k:>2}자리: {v:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
