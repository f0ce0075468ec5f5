"""llmnotes.quant: 오차 한계, NF4 코드북(bitsandbytes 상수), 4비트 채우기, QuantLinear/모델 양자화, 메모리,
torch 동적 int8 양자화와의 비교, 잘못된 입력."""

from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn as nn
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import GPT2Config, GPT2LMHeadModel
from transformers.pytorch_utils import Conv1D

from llmnotes.quant import (
    NF4_BITSANDBYTES,
    QuantLinear,
    model_memory,
    nf4_codebook,
    pack_int4,
    quantize_absmax,
    quantize_model,
    quantize_nf4,
    quantize_tensor,
    quantize_zeropoint,
    unpack_int4,
)


def _w(shape=(48, 100), seed=0, std=0.05) -> torch.Tensor:
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed)) * std


def test_nf4_codebook_matches_bitsandbytes_constants():
    c = nf4_codebook()
    assert c.shape == (16,) and c[0] == -1 and c[15] == 1 and c[7] == 0
    assert torch.all(c[1:] > c[:-1])
    # 분위수로 계산한 값 vs bitsandbytes 소스의 상수: float32 반올림 차이만 (< 1e-7)
    torch.testing.assert_close(c, torch.tensor(NF4_BITSANDBYTES), atol=1e-7, rtol=0)


@pytest.mark.parametrize(
    "method,bits,gran",
    [
        ("absmax", 8, "tensor"),
        ("absmax", 8, "channel"),
        ("zeropoint", 8, "tensor"),
        ("zeropoint", 8, "channel"),
        ("absmax", 4, "group"),
        ("zeropoint", 4, "group"),
        ("absmax", 4, "channel"),
    ],
)
def test_error_at_most_half_step(method, bits, gran):
    w = _w()
    q = quantize_tensor(w, method, bits, gran, group_size=64)
    err = (q.dequantize() - w).abs()
    # 반올림 오차는 각 행의 배율 s 의 절반 이하: |w − ŵ| ≤ s/2 (+float 오차)
    rows_err = torch.cat([err.reshape(-1), err.new_zeros(q.n_rows * q.row_len - w.numel())])
    per_row = rows_err.view(q.n_rows, q.row_len).amax(dim=1, keepdim=True)
    assert torch.all(per_row <= q.scale / 2 + 1e-7)
    assert q.dequantize().shape == w.shape and q.dequantize().dtype == w.dtype


def test_channel_beats_tensor_with_outlier_row_and_zero_exact():
    w = _w()
    w[3] *= 40  # 한 출력 채널만 큰 값 → 텐서 하나의 배율은 다른 채널을 뭉갠다
    e_t = (quantize_absmax(w, 8, "tensor").dequantize() - w).pow(2).mean()
    e_c = (quantize_absmax(w, 8, "channel").dequantize() - w).pow(2).mean()
    assert e_c < e_t / 10
    # 영점 방식은 0 을 정확히 표현한다 (범위에 0 을 넣으므로)
    z = torch.tensor([[0.0, 0.3, 1.7, 2.2]])
    q = quantize_zeropoint(z, 8, "tensor")
    assert q.dequantize()[0, 0] == 0.0
    assert q.codes.dtype == torch.uint8 and int(q.zero_point) == 0


def test_nf4_beats_int4_on_normal_weights_and_blockwise():
    w = _w((64, 256), std=1.0)
    e_nf4 = (quantize_nf4(w, 64).dequantize() - w).pow(2).mean()
    e_int4 = (quantize_absmax(w, 4, "group", 64).dequantize() - w).pow(2).mean()
    assert e_nf4 < e_int4  # 정규분포 가중치에서는 NF4 가 더 정확하다
    q = quantize_nf4(w, 64)
    assert q.scale.shape == (64 * 256 // 64, 1)
    # 코드가 가리키는 값은 정확히 코드북 값 × 블록 absmax
    deq = q.dequantize().reshape(-1, 64)
    assert torch.allclose(deq.abs().amax(dim=1, keepdim=True), q.scale)


def test_group_padding_keeps_every_value():
    w = _w((5, 13))  # 65 개 → 그룹 64 로 나누면 한 그룹이 1 개 + 0 채움
    q = quantize_absmax(w, 4, "group", 64)
    assert q.n_rows == 2 and q.row_len == 64
    assert q.dequantize().shape == (5, 13)
    assert q.codes.numel() == 64  # 128 개 코드를 두 개씩 채움
    assert q.nbytes() == 64 + 2 * 4  # 코드 64바이트 + 배율 2개(float32)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 15), min_size=0, max_size=33))
def test_pack_unpack_roundtrip(codes):
    t = torch.tensor(codes, dtype=torch.uint8)
    packed = pack_int4(t)
    assert packed.numel() == (len(codes) + 1) // 2
    assert torch.equal(unpack_int4(packed, len(codes)), t)


def test_bits_per_param_accounting():
    w = _w((128, 256))
    assert quantize_absmax(w, 8, "tensor").bits_per_param() == pytest.approx(8 + 32 / w.numel())
    assert quantize_absmax(w, 8, "channel").bits_per_param() == pytest.approx(8 + 32 / 256)
    assert quantize_nf4(w, 64).bits_per_param() == pytest.approx(4 + 32 / 64)  # 4.5 비트
    assert quantize_zeropoint(w, 4, "group", 64).bits_per_param() == pytest.approx(4 + (32 + 8) / 64)


def _gpt2(seed: int = 0) -> GPT2LMHeadModel:
    torch.manual_seed(seed)
    cfg = GPT2Config(
        vocab_size=61, n_positions=16, n_embd=64, n_layer=2, n_head=4, bos_token_id=0, eos_token_id=0
    )
    return GPT2LMHeadModel(cfg).eval()


def test_quant_linear_wraps_linear_and_conv1d():
    torch.manual_seed(0)
    lin = nn.Linear(64, 32)
    conv = Conv1D(32, 64)  # (nf=out, nx=in), weight (in, out)
    x = torch.randn(3, 64)
    for base in (lin, conv):
        ql = QuantLinear(base, "absmax", 8, "channel")
        ref = base(x)
        w_ref = base.weight if isinstance(base, nn.Linear) else base.weight.T
        torch.testing.assert_close(ql(x), x @ ql.dequantized_weight().T + base.bias)
        assert (ql.dequantized_weight() - w_ref).abs().max() <= ql.scale.max() / 2 + 1e-7
        assert (ql(x) - ref).abs().max() < 0.01
    with pytest.raises(TypeError, match="Embedding"):
        QuantLinear(nn.Embedding(3, 4))


def test_quantize_model_logits_and_memory():
    model = _gpt2()
    ids = torch.randint(0, 61, (2, 10), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ref = model(ids).logits
    before = model_memory(model)
    assert before.bytes_per_param == 4.0 and before.quant_bytes == 0
    names = quantize_model(model, "absmax", 8, "channel")
    assert len(names) == 8 and "lm_head" not in names  # 블록마다 c_attn, c_proj, c_fc, mlp.c_proj
    after = model_memory(model)
    assert after.n_params == before.n_params  # 파라미터 수는 그대로, 저장 방식만 바뀐다
    assert after.total_bytes < before.total_bytes / 2
    with torch.no_grad():
        out = model(ids).logits
    assert (out - ref).abs().max() < 0.05  # int8 채널별: 로짓 차이가 작다
    assert not torch.equal(out, ref)


def test_matches_torch_dynamic_int8_on_linear():
    torch.manual_seed(0)
    lin = nn.Linear(256, 128)
    x = torch.randn(16, 256)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization 은 사용 중단 경고를 낸다
        dyn = torch.ao.quantization.quantize_dynamic(nn.Sequential(lin), {nn.Linear}, dtype=torch.qint8)
        y_torch = dyn(x)
        w_torch = dyn[0].weight().dequantize()
    ours = QuantLinear(lin, "absmax", 8, "tensor")
    y_ours, y_ref = ours(x), lin(x)
    # 가중치: 둘 다 텐서 하나의 대칭 배율 (torch 는 max|w|/127.5, 우리는 max|w|/127) → 한 칸(step) 안
    step = ours.scale.item()
    assert (ours.dequantized_weight() - w_torch).abs().max() <= step + 1e-7
    # 출력 (|y| 최대 ≈ 2.0): 우리는 가중치만 양자화해 float 과 0.0074 차이 (측정값). torch 는 활성값도
    # 8비트(x86 에서는 reduce_range 로 7비트)로 양자화해서 float 과 0.043, 우리와 0.041 차이 (측정값).
    assert (y_ours - y_ref).abs().max() < 0.01
    assert (y_torch - y_ref).abs().max() < 0.06
    assert (y_ours - y_torch).abs().max() < 0.06


def test_bad_inputs():
    w = _w()
    with pytest.raises(ValueError, match="bits.*3"):
        quantize_tensor(w, "absmax", 3)
    with pytest.raises(ValueError, match="bits.*16"):
        quantize_model(_gpt2(), bits=16)
    with pytest.raises(ValueError, match="nf4는 bits=4"):
        quantize_tensor(w, "nf4", 8)
    with pytest.raises(ValueError, match="'fp8'"):
        quantize_tensor(w, "fp8", 8)
    with pytest.raises(ValueError, match="'row'"):
        quantize_tensor(w, "absmax", 8, "row")
    with pytest.raises(ValueError, match="group_size.*0"):
        quantize_tensor(w, "absmax", 4, "group", 0)
    with pytest.raises(ValueError, match="비어"):
        quantize_tensor(torch.empty(0, 3))
    with pytest.raises(TypeError, match="int64|Tensor"):
        quantize_tensor(torch.ones(3, dtype=torch.int64))
    with pytest.raises(ValueError, match="0–15"):
        pack_int4(torch.tensor([3, 16]))
