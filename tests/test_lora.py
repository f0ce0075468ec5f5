"""llmnotes.lora: peft LoRA 와의 로짓 일치, 병합/되돌리기, 기울기는 LoRA 에만, 파라미터 집계, 잘못된 입력."""

from __future__ import annotations

import copy
import math

import pytest
import torch
import torch.nn as nn
from peft import LoraConfig, get_peft_model
from transformers import GPT2Config, GPT2LMHeadModel
from transformers.pytorch_utils import Conv1D

from llmnotes.lora import (
    LoRALinear,
    copy_lora_from_peft,
    inject_lora,
    lora_layers,
    merge_lora,
    trainable_parameters,
    unload_lora,
    unmerge_lora,
)

TINY = dict(vocab_size=61, n_positions=16, n_embd=32, n_layer=2, n_head=4)
ATOL64 = 1e-10  # float64 에서 같은 가중치: 연산 순서 차이만 남는다 (요구 수준 1e-6 보다 훨씬 작다)


def _gpt2(seed: int = 0, dtype=torch.float64) -> GPT2LMHeadModel:
    torch.manual_seed(seed)
    cfg = GPT2Config(**TINY, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    return GPT2LMHeadModel(cfg).to(dtype).eval()


def _ids(b: int = 2, t: int = 10) -> torch.Tensor:
    return torch.randint(0, TINY["vocab_size"], (b, t), generator=torch.Generator().manual_seed(1))


def _randomize_b(model: nn.Module, seed: int = 2) -> None:
    """B=0 이면 ΔW=0 이라 비교가 싱거우므로 B 도 무작위로 채운다."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in lora_layers(model).values():
            layer.lora_B.copy_(torch.randn(layer.lora_B.shape, generator=g, dtype=layer.lora_B.dtype) * 0.1)


@pytest.mark.parametrize("targets", [["c_attn"], ["c_attn", "c_proj", "c_fc"]])
def test_logits_match_peft(targets):
    base = _gpt2()
    theirs = get_peft_model(
        copy.deepcopy(base),
        LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=targets, fan_in_fan_out=True),
    ).eval()
    # peft 의 B 도 0 이 아니게 만든 다음 우리 모델로 복사
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for n, p in theirs.named_parameters():
            if "lora_B" in n:
                p.copy_(torch.randn(p.shape, generator=g, dtype=p.dtype) * 0.1)
    ours = copy.deepcopy(base)
    layers = inject_lora(ours, target_modules=targets, r=4, alpha=8)
    assert copy_lora_from_peft(ours, theirs) == len(layers)
    ids = _ids()
    lo, lt = ours(ids).logits, theirs(input_ids=ids).logits
    torch.testing.assert_close(lo, lt, atol=ATOL64, rtol=0)
    assert (lo - base(ids).logits).abs().max() > 1e-3  # LoRA 가 실제로 출력을 바꾼다
    # 학습 가능한 파라미터 수도 peft 와 같다
    pt, pa = theirs.get_nb_trainable_parameters()
    cnt = trainable_parameters(ours)
    assert (cnt.trainable, cnt.total) == (pt, pa)


def test_float32_parity_with_peft():
    base = _gpt2(dtype=torch.float32)
    theirs = get_peft_model(
        copy.deepcopy(base), LoraConfig(r=2, lora_alpha=4, target_modules=["c_attn"], fan_in_fan_out=True)
    ).eval()
    with torch.no_grad():
        for n, p in theirs.named_parameters():
            if "lora_B" in n:
                p.normal_(0, 0.1)
    ours = copy.deepcopy(base)
    inject_lora(ours, ["c_attn"], r=2, alpha=4)
    copy_lora_from_peft(ours, theirs)
    ids = _ids()
    torch.testing.assert_close(ours(ids).logits, theirs(input_ids=ids).logits, atol=1e-6, rtol=0)


def test_fresh_injection_is_identity_and_init_like_peft():
    base = _gpt2()
    ours = copy.deepcopy(base)
    layers = inject_lora(ours, ["c_attn"], r=4, alpha=8)
    ids = _ids()
    torch.testing.assert_close(ours(ids).logits, base(ids).logits, atol=0, rtol=0)  # B=0 → ΔW=0
    layer = layers["transformer.h.0.attn.c_attn"]
    assert torch.all(layer.lora_B == 0)
    # kaiming_uniform(a=√5): 한계 = gain·√(3/fan_in), gain = √(2/(1+a²)) = √(1/3) → 1/√fan_in
    bound = 1 / math.sqrt(TINY["n_embd"])
    assert layer.lora_A.abs().max() <= bound and layer.lora_A.abs().max() > 0.5 * bound
    assert layer.scaling == 2.0 and layer.fan_in_fan_out


def test_merge_unmerge_roundtrip():
    base = _gpt2(dtype=torch.float32)
    ours = copy.deepcopy(base)
    inject_lora(ours, ["c_attn", "c_fc"], r=4, alpha=16)
    _randomize_b(ours)
    ids = _ids()
    with torch.no_grad():
        before = ours(ids).logits
        w0 = ours.transformer.h[0].attn.c_attn.base.weight.clone()
        merge_lora(ours)
        merged = ours(ids).logits
        assert not torch.equal(ours.transformer.h[0].attn.c_attn.base.weight, w0)
        unmerge_lora(ours)
        after = ours(ids).logits
    torch.testing.assert_close(merged, before, atol=1e-5, rtol=0)
    torch.testing.assert_close(after, before, atol=1e-5, rtol=0)
    torch.testing.assert_close(ours.transformer.h[0].attn.c_attn.base.weight, w0, atol=1e-6, rtol=0)
    with pytest.raises(ValueError, match="merged=False"):
        unmerge_lora(ours)
    # unload: 원래 Conv1D 로 돌아가고 ΔW 는 합쳐진 채로
    plain = unload_lora(ours)
    assert not lora_layers(plain) and isinstance(plain.transformer.h[0].attn.c_attn, Conv1D)
    with torch.no_grad():
        torch.testing.assert_close(plain(ids).logits, before, atol=1e-5, rtol=0)


def test_only_lora_params_get_gradients():
    model = _gpt2(dtype=torch.float32).train()
    inject_lora(model, ["c_attn"], r=2, alpha=4, dropout=0.1)
    _randomize_b(model)
    ids = _ids()
    model(input_ids=ids, labels=ids).loss.backward()
    for n, p in model.named_parameters():
        if "lora_" in n:
            assert p.requires_grad and p.grad is not None and p.grad.abs().sum() > 0, n
        else:
            assert not p.requires_grad and p.grad is None, n


def test_nn_linear_wrapping_and_counts():
    torch.manual_seed(0)
    lin = nn.Linear(6, 5)
    layer = LoRALinear(lin, r=3, alpha=6)
    with torch.no_grad():
        layer.lora_B.normal_()
    x = torch.randn(4, 6)
    expected = lin(x) + 2.0 * x @ layer.lora_A.T @ layer.lora_B.T  # s = 6/3
    torch.testing.assert_close(layer(x), expected)
    assert layer.delta_weight().shape == lin.weight.shape == (5, 6)
    cnt = trainable_parameters(layer)
    assert cnt.trainable == 3 * 6 + 5 * 3 and cnt.total == 6 * 5 + 5 + 3 * 6 + 5 * 3
    assert cnt.percent == pytest.approx(100 * 33 / 68)


def test_bad_inputs():
    with pytest.raises(ValueError, match="r은 .*0"):
        inject_lora(_gpt2(), ["c_attn"], r=0)
    with pytest.raises(ValueError, match="-2"):
        LoRALinear(nn.Linear(3, 3), r=-2)
    with pytest.raises(ValueError, match="q_proj"):
        inject_lora(_gpt2(), ["c_attn", "q_proj"], r=2)
    with pytest.raises(TypeError, match="Embedding"):
        LoRALinear(nn.Embedding(3, 3))
    with pytest.raises(ValueError, match="dropout"):
        inject_lora(_gpt2(), ["c_attn"], r=2, dropout=1.5)
    with pytest.raises(ValueError, match="LoRALinear가 없습니다"):
        merge_lora(_gpt2())
