"""llmnotes.attention 테스트: torch 의 scaled_dot_product_attention 과의 일치, 마스크, 잘못된 입력."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from llmnotes.attention import (
    AdditiveAttention,
    DotProductAttention,
    attention_steps,
    causal_mask,
    combine_masks,
    dot_product_attention,
    padding_mask,
    scaled_dot_product_attention,
)

TOL = dict(atol=1e-6, rtol=1e-6)  # 일치 허용 오차 (float32)


def _qkv(b=2, h=3, L=5, S=7, d=8, dv=4, dtype=torch.float32, seed=0):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(b, h, L, d, generator=g, dtype=dtype)
    k = torch.randn(b, h, S, d, generator=g, dtype=dtype)
    v = torch.randn(b, h, S, dv, generator=g, dtype=dtype)
    return q, k, v


def test_sdpa_matches_torch_no_mask():
    q, k, v = _qkv()
    out, w = scaled_dot_product_attention(q, k, v)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v), **TOL)
    torch.testing.assert_close(w.sum(-1), torch.ones(2, 3, 5), **TOL)


def test_sdpa_matches_torch_padding_mask():
    q, k, v = _qkv()
    pm = padding_mask([7, 4]).view(2, 1, 1, 7)  # (B, 1, 1, S)
    out, w = scaled_dot_product_attention(q, k, v, attn_mask=pm)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=pm), **TOL)
    assert torch.all(w[1, :, :, 4:] == 0)


def test_sdpa_matches_torch_causal():
    q, k, v = _qkv(L=6, S=6)
    out, w = scaled_dot_product_attention(q, k, v, is_causal=True)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, is_causal=True), **TOL)
    assert torch.all(w.triu(1) == 0)


def test_sdpa_matches_torch_padding_and_causal_combined():
    q, k, v = _qkv(L=6, S=6)
    pm = padding_mask([6, 3]).view(2, 1, 1, 6)
    mask = combine_masks(pm, causal_mask(6))
    out, _ = scaled_dot_product_attention(q, k, v, attn_mask=mask)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask), **TOL)
    # 같은 결과를 is_causal 로도 얻는다.
    out2, _ = scaled_dot_product_attention(q, k, v, attn_mask=pm, is_causal=True)
    torch.testing.assert_close(out, out2, **TOL)


def test_sdpa_float_additive_mask_equals_bool_mask():
    q, k, v = _qkv()
    pm = padding_mask([7, 4]).view(2, 1, 1, 7)
    additive = torch.zeros(pm.shape).masked_fill(~pm, float("-inf"))
    out_b, w_b = scaled_dot_product_attention(q, k, v, attn_mask=pm)
    out_f, w_f = scaled_dot_product_attention(q, k, v, attn_mask=additive)
    torch.testing.assert_close(out_b, out_f, **TOL)
    torch.testing.assert_close(w_b, w_f, **TOL)
    torch.testing.assert_close(out_f, F.scaled_dot_product_attention(q, k, v, attn_mask=additive), **TOL)


def test_sdpa_custom_scale_and_dot_product():
    q, k, v = _qkv()
    out, _ = dot_product_attention(q, k, v)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, scale=1.0), **TOL)
    out, _ = scaled_dot_product_attention(q, k, v, scale=0.3)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, scale=0.3), **TOL)


def test_sdpa_dropout_keeps_expectation_and_weights():
    q, k, v = _qkv(b=1, h=1, L=1, S=4, dv=1)
    g = torch.Generator().manual_seed(0)
    outs = [scaled_dot_product_attention(q, k, v, dropout_p=0.5, generator=g)[0] for _ in range(4000)]
    mean = torch.stack(outs).mean(0)
    ref, _ = scaled_dot_product_attention(q, k, v)
    assert torch.allclose(mean, ref, atol=0.1)


def test_attention_steps_exposes_intermediates():
    q, k, v = _qkv(b=1, h=1, L=3, S=4, d=16)
    steps = attention_steps(q, k, v)
    assert steps.scale == pytest.approx(1 / math.sqrt(16))
    torch.testing.assert_close(steps.raw_scores, q @ k.transpose(-2, -1), **TOL)
    torch.testing.assert_close(steps.scores, steps.raw_scores / 4, **TOL)
    torch.testing.assert_close(steps.weights, torch.softmax(steps.scores, -1), **TOL)
    torch.testing.assert_close(steps.output, F.scaled_dot_product_attention(q, k, v), **TOL)
    unscaled = attention_steps(q, k, v, scaled=False)
    assert unscaled.scale == 1.0
    masked = attention_steps(q, k, v, mask=causal_mask(3, 4))
    assert torch.isinf(masked.scores[0, 0, 0, 1])
    assert masked.weights[0, 0, 0, 1] == 0


def test_causal_mask_shape_and_content():
    m = causal_mask(3, 4)
    assert m.dtype == torch.bool and m.shape == (3, 4)
    assert m.tolist() == [[True, False, False, False], [True, True, False, False], [True, True, True, False]]


def test_padding_mask():
    assert padding_mask([2, 3], max_len=4).tolist() == [[True, True, False, False], [True, True, True, False]]
    with pytest.raises(ValueError, match="max_len=2"):
        padding_mask([3], max_len=2)
    with pytest.raises(ValueError, match="1 이상"):
        padding_mask([0, 2])


def test_bad_mask_dtype_raises():
    q, k, v = _qkv()
    with pytest.raises(ValueError, match=r"dtype=torch.int64.*shape=\(2, 1, 1, 7\)"):
        scaled_dot_product_attention(q, k, v, attn_mask=torch.ones(2, 1, 1, 7, dtype=torch.long))
    with pytest.raises(ValueError, match="float64"):
        scaled_dot_product_attention(q, k, v, attn_mask=torch.zeros(7, dtype=torch.float64))


def test_bad_mask_shape_raises_naming_shapes():
    q, k, v = _qkv()
    with pytest.raises(ValueError, match=r"\(2, 7\).*\(2, 3, 5, 7\)"):
        scaled_dot_product_attention(q, k, v, attn_mask=torch.ones(2, 7, dtype=torch.bool))


def test_bad_qkv_shapes_raise():
    q, k, v = _qkv()
    with pytest.raises(
        ValueError, match=r"query와 key의 마지막 차원이 같아야 합니다: query\.shape=\(2, 3, 5, 8\)"
    ):
        scaled_dot_product_attention(q, k[..., :5], v)
    with pytest.raises(ValueError, match="key와 value"):
        scaled_dot_product_attention(q, k, v[..., :3, :])
    with pytest.raises(ValueError, match="dropout_p"):
        scaled_dot_product_attention(q, k, v, dropout_p=1.0)


def test_additive_attention_shapes_mask_and_formula():
    torch.manual_seed(0)
    att = AdditiveAttention(query_dim=8, key_dim=6, hidden_dim=5)
    q, keys = torch.randn(3, 8), torch.randn(3, 4, 6)
    mask = padding_mask([4, 2, 3])
    context, weights = att(q, keys, mask)
    assert context.shape == (3, 6) and weights.shape == (3, 4)
    torch.testing.assert_close(weights.sum(1), torch.ones(3), **TOL)
    assert weights[1, 2:].eq(0).all() and weights[2, 3] == 0
    # 공식을 손으로 계산: score_j = v^T tanh(W_q q + W_k k_j)
    hidden = torch.tanh((q @ att.w_query.weight.T).unsqueeze(1) + keys @ att.w_key.weight.T + att.w_key.bias)
    manual = (hidden @ att.v.weight.T).squeeze(-1)  # (B, S)
    manual = manual.masked_fill(~mask, float("-inf")).softmax(-1)
    torch.testing.assert_close(weights, manual, **TOL)
    torch.testing.assert_close(context, (manual.unsqueeze(-1) * keys).sum(1), **TOL)
    # 마스크 없이도 동작
    _, w = att(q, keys)
    assert (w > 0).all()


def test_additive_attention_bad_inputs():
    att = AdditiveAttention(4, 6, 5)
    q, keys = torch.randn(2, 4), torch.randn(2, 3, 6)
    with pytest.raises(ValueError, match=r"query.shape=\(2, 5\)"):
        att(torch.randn(2, 5), keys)
    with pytest.raises(ValueError, match=r"keys.shape=\(2, 3, 7\)"):
        att(q, torch.randn(2, 3, 7))
    with pytest.raises(ValueError, match=r"\(2, 4\).*\(2, 3\)"):
        att(q, keys, torch.ones(2, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="dtype=torch.float32"):
        att(q, keys, torch.ones(2, 3))
    with pytest.raises(ValueError, match="유효한 위치가 하나도"):
        att(q, keys, torch.tensor([[True, False, False], [False, False, False]]))
    with pytest.raises(ValueError, match="hidden_dim"):
        AdditiveAttention(4, 6, 0)


def test_dot_product_module_matches_functional():
    q, keys = torch.randn(2, 6), torch.randn(2, 5, 6)
    mask = padding_mask([5, 3])
    for scaled in (False, True):
        ctx, w = DotProductAttention(6, scaled=scaled)(q, keys, mask)
        ref_out, ref_w = scaled_dot_product_attention(
            q[:, None, :], keys, keys, attn_mask=mask[:, None, :], scale=(1 / math.sqrt(6)) if scaled else 1.0
        )
        torch.testing.assert_close(ctx, ref_out.squeeze(1), **TOL)
        torch.testing.assert_close(w, ref_w.squeeze(1), **TOL)


@settings(max_examples=30, deadline=None)
@given(
    L=st.integers(1, 6),
    S=st.integers(1, 6),
    d=st.integers(1, 8),
    seed=st.integers(0, 10_000),
    causal=st.booleans(),
)
def test_property_sdpa_parity_and_rows_sum_to_one(L, S, d, seed, causal):
    g = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(2, n, d, generator=g) for n in (L, S, S))
    out, w = scaled_dot_product_attention(q, k, v, is_causal=causal)
    torch.testing.assert_close(
        out, F.scaled_dot_product_attention(q, k, v, is_causal=causal), atol=1e-5, rtol=1e-5
    )
    torch.testing.assert_close(w.sum(-1), torch.ones(2, L), atol=1e-6, rtol=1e-6)
