"""llmnotes.gpt: 구조, SDPA/naive 일치, transformers GPT-2 와의 로짓 일치(양방향), 생성, 잘못된 입력."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import llmnotes.gpt as gpt_module
from llmnotes.gpt import (
    GPT,
    GPTConfig,
    filter_logits,
    from_hf,
    load_pretrained,
    save_pretrained,
    to_hf,
    to_hf_config,
)

TINY = dict(vocab_size=97, n_layer=2, n_head=4, n_embd=32, block_size=16)
ATOL = 1e-5  # 같은 가중치의 float32 계산: 연산 순서 차이만 남는다


def _model(seed: int = 0, **kw) -> GPT:
    torch.manual_seed(seed)
    return GPT(GPTConfig(**{**TINY, **kw})).eval()


def _ids(b: int = 3, t: int = 12, seed: int = 1) -> torch.Tensor:
    return torch.randint(0, TINY["vocab_size"], (b, t), generator=torch.Generator().manual_seed(seed))


def test_shapes_and_weight_tying():
    m = _model()
    logits, loss = m(_ids())
    assert logits.shape == (3, 12, TINY["vocab_size"]) and loss is None
    assert m.lm_head.weight.data_ptr() == m.transformer.wte.weight.data_ptr()
    # 공유 가중치는 한 번만 센다: 임베딩 V*C + 위치 T*C + 블록 12C²+13C 씩 + ln_f 2C
    V, T, C, L = TINY["vocab_size"], TINY["block_size"], TINY["n_embd"], TINY["n_layer"]
    assert m.num_parameters() == V * C + T * C + L * (12 * C * C + 13 * C) + 2 * C
    assert m.num_parameters(non_embedding=True) == m.num_parameters() - T * C


def test_loss_matches_manual_cross_entropy():
    m = _model()
    x, y = _ids(seed=2), _ids(seed=3)
    logits, loss = m(x, y)
    manual = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
    torch.testing.assert_close(loss, manual)
    # 모든 토큰을 무시하면 손실이 없다(nan); 일부를 무시하면 나머지만의 평균이다
    y2 = y.clone()
    y2[:, :6] = -100
    _, loss2 = m(x, y2)
    manual2 = torch.nn.functional.cross_entropy(
        logits[:, 6:].reshape(-1, logits.size(-1)), y[:, 6:].reshape(-1)
    )
    torch.testing.assert_close(loss2, manual2)


def test_sdpa_and_naive_agree_forward_and_backward():
    sdpa = _model(attention="sdpa")
    naive = _model(attention="naive")
    naive.load_state_dict(sdpa.state_dict())
    x, y = _ids(), _ids(seed=5)
    ls, loss_s = sdpa(x, y)
    ln, loss_n = naive(x, y)
    torch.testing.assert_close(ls, ln, atol=ATOL, rtol=0)
    loss_s.backward()
    loss_n.backward()
    for (name, a), (_, b) in zip(sdpa.named_parameters(), naive.named_parameters()):
        torch.testing.assert_close(a.grad, b.grad, atol=ATOL, rtol=1e-4, msg=name)


def test_causality_future_tokens_do_not_change_past_logits():
    for attention in ("sdpa", "naive"):
        m = _model(attention=attention)
        x = _ids(b=1, t=10)
        x2 = x.clone()
        x2[0, 7:] = (x2[0, 7:] + 1) % TINY["vocab_size"]
        torch.testing.assert_close(m(x)[0][:, :7], m(x2)[0][:, :7], atol=ATOL, rtol=0)
        assert not torch.allclose(m(x)[0][:, 7:], m(x2)[0][:, 7:])


@pytest.mark.parametrize("attention", ["sdpa", "naive"])
def test_parity_ours_to_hf(attention):
    m = _model(attention=attention)
    hf = to_hf(m).eval()
    x = _ids()
    torch.testing.assert_close(m(x)[0], hf(x).logits, atol=ATOL, rtol=0)
    # Conv1D 는 (in, out) 으로 저장한다: 우리 Linear (out, in) 의 전치
    torch.testing.assert_close(
        hf.transformer.h[0].attn.c_attn.weight, m.transformer.h[0].attn.c_attn.weight.t()
    )
    assert hf.lm_head.weight.data_ptr() == hf.transformer.wte.weight.data_ptr()


def test_parity_hf_to_ours_random_init_from_config():
    from transformers import GPT2LMHeadModel

    torch.manual_seed(3)
    hf = GPT2LMHeadModel(to_hf_config(GPTConfig(**TINY))).eval()  # 허브가 아니라 설정에서 만든 무작위 가중치
    for attention in ("sdpa", "naive"):
        ours = from_hf(hf, attention=attention).eval()
        x = _ids(seed=7)
        torch.testing.assert_close(ours(x)[0], hf(x).logits, atol=ATOL, rtol=0)
        # 손실도 같다: HF 는 labels 를 안에서 한 칸 민다
        _, loss = ours(x[:, :-1], x[:, 1:])
        torch.testing.assert_close(loss, hf(x, labels=x).loss, atol=ATOL, rtol=0)


def test_hf_greedy_generate_matches_ours():
    m = _model()
    hf = to_hf(m).eval()
    x = _ids(b=1, t=4)
    ours = m.generate(x, max_new_tokens=8)
    theirs = hf.generate(
        x, max_new_tokens=8, do_sample=False, attention_mask=torch.ones_like(x), pad_token_id=0
    )
    assert torch.equal(ours, theirs)


def test_save_and_load_pretrained_roundtrip(tmp_path):
    from transformers import AutoModelForCausalLM

    m = _model()
    save_pretrained(m, tmp_path)
    assert (tmp_path / "config.json").is_file() and (tmp_path / "model.safetensors").is_file()
    auto = AutoModelForCausalLM.from_pretrained(str(tmp_path), local_files_only=True).eval()
    back = load_pretrained(tmp_path)
    x = _ids()
    torch.testing.assert_close(auto(x).logits, m(x)[0], atol=ATOL, rtol=0)
    torch.testing.assert_close(back(x)[0], m(x)[0], atol=0, rtol=0)


def test_generate_greedy_is_argmax_and_deterministic():
    m = _model()
    x = _ids(b=2, t=3)
    out = m.generate(x, max_new_tokens=5)
    assert out.shape == (2, 8) and torch.equal(out[:, :3], x)
    # 첫 생성 토큰은 마지막 위치 로짓의 argmax
    assert torch.equal(out[:, 3], m(x)[0][:, -1].argmax(-1))
    assert torch.equal(out, m.generate(x, max_new_tokens=5))
    one = m.generate(x[0], max_new_tokens=5)
    assert one.dim() == 1 and torch.equal(one, out[0])


def test_generate_sampling_seeded():
    m = _model()
    x = _ids(b=2, t=3)
    a = m.generate(x, 10, do_sample=True, temperature=1.5, seed=11)
    b = m.generate(x, 10, do_sample=True, temperature=1.5, seed=11)
    g = torch.Generator().manual_seed(11)
    c = m.generate(x, 10, do_sample=True, temperature=1.5, generator=g)
    d = m.generate(x, 10, do_sample=True, temperature=1.5, seed=12)
    assert torch.equal(a, b) and torch.equal(a, c) and not torch.equal(a, d)
    # top_k=1 이면 샘플링도 탐욕적 디코딩과 같다
    assert torch.equal(m.generate(x, 6, do_sample=True, top_k=1, seed=3), m.generate(x, 6))


def test_generate_stops_at_eos_and_pads_finished_rows():
    m = _model()
    x = _ids(b=1, t=3)
    greedy = m.generate(x, 6)
    eos = int(greedy[0, 4])  # 두 번째로 생성되는 토큰을 멈춤 토큰으로 삼는다
    out = m.generate(x, 6, eos_token_id=eos)
    assert out.shape[1] <= greedy.shape[1]
    first = (out[0, 3:] == eos).nonzero()[0].item() + 3
    assert out.shape[1] == first + 1  # 한 행뿐이면 멈춤 토큰 바로 뒤에서 끝난다
    # 여러 행: 먼저 끝난 행은 멈춤 토큰으로 채운다
    xb = torch.cat([x, _ids(b=1, t=3, seed=9)])
    outb = m.generate(xb, 6, eos_token_id=eos)
    row0 = outb[0, 3:]
    k = (row0 == eos).nonzero()[0].item()
    assert torch.all(row0[k:] == eos)


def test_generate_slides_window_beyond_block_size():
    m = _model()
    x = _ids(b=1, t=TINY["block_size"])
    out = m.generate(x, 5)
    assert out.shape == (1, TINY["block_size"] + 5)
    # 마지막 토큰은 직전 block_size 개 토큰만 보고 정한 argmax
    ctx = out[:, -1 - TINY["block_size"] : -1]
    assert out[0, -1] == m(ctx)[0][0, -1].argmax()


def test_filter_logits_matches_transformers_warpers():
    from transformers.generation.logits_process import TopKLogitsWarper, TopPLogitsWarper

    logits = torch.randn(4, 50, generator=torch.Generator().manual_seed(0)) * 3
    for k in (1, 5, 50, 80):
        ref = TopKLogitsWarper(top_k=k)(None, logits.clone())
        assert torch.equal(filter_logits(logits, top_k=k), ref)
    for p in (0.05, 0.5, 0.9, 1.0):
        ref = TopPLogitsWarper(top_p=p)(None, logits.clone())
        assert torch.equal(torch.isinf(filter_logits(logits, top_p=p)), torch.isinf(ref))
    # top-p 는 언제나 적어도 하나를 남긴다
    assert (~torch.isinf(filter_logits(logits, top_p=1e-9))).sum(-1).eq(1).all()


def test_bad_inputs():
    m = _model()
    x = _ids(b=1, t=TINY["block_size"] + 1)
    with pytest.raises(ValueError, match="block_size"):
        m(x)
    with pytest.raises(ValueError, match="프롬프트 길이 17"):
        m.generate(x, 3)
    with pytest.raises(ValueError, match="top_p"):
        m.generate(_ids(), 3, do_sample=True, top_p=0.0)
    with pytest.raises(ValueError, match="top_p"):
        m.generate(_ids(), 3, do_sample=True, top_p=1.5)
    with pytest.raises(ValueError, match="temperature"):
        m.generate(_ids(), 3, do_sample=True, temperature=0)
    with pytest.raises(ValueError, match="temperature"):
        m.generate(_ids(), 3, temperature=-1.0)
    with pytest.raises(ValueError, match="top_k"):
        m.generate(_ids(), 3, do_sample=True, top_k=0)
    with pytest.raises(ValueError, match="max_new_tokens"):
        m.generate(_ids(), -1)
    with pytest.raises(TypeError, match="idx"):
        m.generate(_ids().float(), 3)
    with pytest.raises(ValueError, match="targets"):
        m(_ids(t=5), _ids(t=4))
    with pytest.raises(ValueError, match="n_embd"):
        GPTConfig(n_embd=30, n_head=4)
    with pytest.raises(ValueError, match="attention"):
        GPTConfig(attention="flash")
    with pytest.raises(ValueError, match="dropout"):
        GPTConfig(dropout=1.0)
    with pytest.raises(ValueError, match="vocab_size"):
        GPTConfig(vocab_size=0)
    with pytest.raises(ValueError, match="bias=False"):
        to_hf(GPT(GPTConfig(**TINY, bias=False)))


def test_config_dict_roundtrip_and_unknown_keys():
    cfg = GPTConfig(**TINY, dropout=0.1, attention="naive")
    assert GPTConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="n_embed"):
        GPTConfig.from_dict({**cfg.to_dict(), "n_embed": 64})
    with pytest.raises(TypeError, match="dict"):
        GPTConfig.from_dict([("n_layer", 2)])


def test_bias_false_model_trains():
    m = _model(bias=False).train()
    assert all(b is None for b in (m.transformer.h[0].attn.c_attn.bias, m.transformer.ln_f.bias))
    _, loss = m(_ids(), _ids(seed=4))
    loss.backward()
    assert torch.isfinite(loss)


def test_dropout_only_in_training_mode():
    m = _model(dropout=0.5)
    x = _ids()
    torch.testing.assert_close(m.eval()(x)[0], m(x)[0])
    m.train()
    torch.manual_seed(0)
    a = m(x)[0]
    torch.manual_seed(1)
    assert not torch.allclose(a, m(x)[0])


# ---------------------------------------------------------------------------------------------------------------
# 학습 경로의 손실은 로짓에 F.cross_entropy 를 적용한 것과 값·기울기가 비트까지 같다
# ---------------------------------------------------------------------------------------------------------------


def _reference_loss_and_grads(m: GPT, x: torch.Tensor, y: torch.Tensor, ignore_index: int = -100):
    """로짓에 F.cross_entropy 를 따로 적용한 손실과 기울기 (비교 기준)."""
    m.zero_grad(set_to_none=True)
    logits, _ = m(x)
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1), ignore_index=ignore_index)
    loss.backward()
    grads = {n: p.grad.clone() for n, p in m.named_parameters()}
    m.zero_grad(set_to_none=True)
    return logits.detach(), loss.detach(), grads


def test_training_loss_and_grads_equal_f_cross_entropy_on_logits():
    m = _model().train()
    x, y = _ids(b=3, t=12), _ids(b=3, t=12, seed=4)
    y[0, :5] = -100  # 일부 자리는 손실에서 뺀다
    ref_logits, ref_loss, ref_grads = _reference_loss_and_grads(m, x, y)
    logits, loss = m(x, y)
    assert torch.equal(logits.detach(), ref_logits)
    assert torch.equal(loss.detach(), ref_loss)
    loss.backward()
    for name, p in m.named_parameters():
        assert torch.equal(p.grad, ref_grads[name]), name


def test_training_grads_match_transformers_gpt2():
    """한 학습 스텝의 손실·기울기가 transformers GPT-2 (labels 로 손실) 와 같다. Conv1D 는 전치해서 비교."""
    m = _model().train()
    hf = to_hf(m).train()
    x = _ids(b=3, t=13, seed=8)
    # HF 는 labels 를 안에서 한 칸 민다: 입력 x[:, :-1] 의 마지막 자리는 정답이 없어 빠진다 → 같은 자리만 비교
    y = x[:, 1:].clone()
    y[:, -1] = -100
    _, loss = m(x[:, :-1], y)
    hf_loss = hf(x[:, :-1], labels=x[:, :-1]).loss
    torch.testing.assert_close(loss, hf_loss, atol=ATOL, rtol=0)
    loss.backward()
    hf_loss.backward()
    hf_params = dict(hf.named_parameters())
    for name, p in m.named_parameters():
        if name == "lm_head.weight":
            continue  # wte 와 같은 텐서
        ref = hf_params[name].grad
        ref = ref.t() if name.endswith(gpt_module._TRANSPOSED) else ref
        torch.testing.assert_close(p.grad, ref, atol=ATOL, rtol=1e-4, msg=name)


def test_training_logits_stay_differentiable_and_retain_graph_works():
    m = _model().train()
    x, y = _ids(), _ids(seed=6)
    # 로짓을 다른 손실에도 쓰면 두 기울기가 더해진다
    logits, loss = m(x, y)
    (loss + 0.1 * logits.square().mean()).backward()
    combined = {n: p.grad.clone() for n, p in m.named_parameters()}
    m.zero_grad(set_to_none=True)
    ref_logits, _ = m(x)
    ref_loss = F.cross_entropy(ref_logits.reshape(-1, TINY["vocab_size"]), y.reshape(-1))
    (ref_loss + 0.1 * ref_logits.square().mean()).backward()
    for name, p in m.named_parameters():
        assert torch.equal(combined[name], p.grad), name
    # retain_graph=True 로 두 번 역전파하면 기울기는 정확히 두 배
    m.zero_grad(set_to_none=True)
    _, loss = m(x, y)
    loss.backward(retain_graph=True)
    once = {n: p.grad.clone() for n, p in m.named_parameters()}
    loss.backward()
    for name, p in m.named_parameters():
        assert torch.equal(p.grad, 2 * once[name]), name
    # 역전파한 뒤에도 돌려받은 로짓 값은 그대로다
    logits, loss = m(x, y)
    before = logits.detach().clone()
    loss.backward()
    assert torch.equal(logits.detach(), before)


def test_training_all_targets_ignored_gives_nan_loss_and_zero_grads():
    m = _model().train()
    x = _ids()
    y = torch.full_like(x, -100)
    _, loss = m(x, y)
    ref = F.cross_entropy(m(x)[0].reshape(-1, TINY["vocab_size"]), y.reshape(-1))
    assert torch.isnan(loss) and torch.isnan(ref)  # F.cross_entropy 와 같이 0/0
    loss.backward()
    assert float(m.transformer.wte.weight.grad.abs().sum()) == 0.0


def test_targets_outside_vocab_are_rejected():
    m = _model().train()
    x = _ids()
    for bad in (TINY["vocab_size"], -3):
        y = _ids(seed=6)
        y[1, 2] = bad
        with pytest.raises(ValueError, match=f"targets.*{bad}"):
            m(x, y)
        with torch.no_grad(), pytest.raises(ValueError, match=f"targets.*{bad}"):
            m(x, y)
    y = _ids(seed=6)
    y[0, 0] = -1
    _, loss = m(x, y, ignore_index=-1)  # ignore_index 로 지정한 값은 허용
    assert torch.isfinite(loss)


def test_token_ids_are_validated_with_clear_errors():
    m = _model()
    V = TINY["vocab_size"]
    for bad in (V, V + 5, -1):
        x = _ids()
        x[1, 3] = bad
        with pytest.raises(ValueError, match=f"idx.*{bad}"):
            m(x)
    with pytest.raises(TypeError, match="idx.*float"):
        m(_ids().float())
    with pytest.raises(TypeError, match="idx.*bool"):
        m(_ids() > 3)
    with pytest.raises(TypeError, match="idx"):
        m([[1, 2, 3]])
    x = _ids()
    x[0, 0] = V
    with pytest.raises(ValueError, match=f"idx.*{V}"):
        m.generate(x, 2)
    # 정수형이면 int32 도 받는다 (torch 임베딩과 같다)
    torch.testing.assert_close(m(_ids().int())[0], m(_ids())[0])
