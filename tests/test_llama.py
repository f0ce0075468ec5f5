"""llmnotes.llama: transformers LlamaForCausalLM 과의 로짓 일치(양방향, GQA·MHA), KV 캐시 = 캐시 없음, HF 내보내기, 잘못된 입력."""

from __future__ import annotations

import json

import pytest
import torch
from transformers import LlamaForCausalLM

from llmnotes.llama import KVCache, Llama, LlamaConfig, apply_rope, rope_tables
from llmnotes.llama_hf import from_hf, load_pretrained, save_pretrained, to_hf, to_hf_config

ATOL = 1e-5  # 같은 가중치의 float32 계산: 연산 순서 차이만 남는다
GQA = dict(vocab_size=97, n_layer=2, n_head=4, n_kv_head=2, n_embd=32, intermediate_size=56, max_seq_len=24)
MHA = {**GQA, "n_kv_head": 4}
MQA_UNTIED = {**GQA, "n_kv_head": 1, "tie_embeddings": False}
CASES = {"gqa": GQA, "mha": MHA, "mqa_untied": MQA_UNTIED}


def _model(kw: dict, seed: int = 0) -> Llama:
    torch.manual_seed(seed)
    return Llama(LlamaConfig(**kw)).eval()


def _ids(b: int = 3, t: int = 12, seed: int = 1, vocab: int = 97) -> torch.Tensor:
    return torch.randint(0, vocab, (b, t), generator=torch.Generator().manual_seed(seed))


def _randomize_norms(model: torch.nn.Module, seed: int = 5) -> None:
    """RMSNorm 가중치는 처음에 모두 1 이라 변환 실수를 숨길 수 있다: 무작위 값으로 바꿔 둔다."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 1:
                p.copy_(1 + 0.5 * torch.randn(p.shape, generator=g))


@pytest.mark.parametrize("case", list(CASES))
def test_parity_ours_to_hf(case):
    m = _model(CASES[case])
    _randomize_norms(m)
    hf = to_hf(m).eval()
    assert hf.config.num_key_value_heads == CASES[case]["n_kv_head"]
    x = _ids()
    torch.testing.assert_close(m(x)[0], hf(x).logits, atol=ATOL, rtol=0)
    # 손실도 같다: HF 는 labels 를 안에서 한 칸 민다
    _, loss = m(x[:, :-1], x[:, 1:])
    torch.testing.assert_close(loss, hf(x, labels=x).loss, atol=ATOL, rtol=0)


@pytest.mark.parametrize("case", list(CASES))
def test_parity_hf_to_ours_random_init_from_config(case):
    torch.manual_seed(3)
    hf = LlamaForCausalLM(
        to_hf_config(LlamaConfig(**CASES[case]))
    ).eval()  # 허브가 아니라 설정에서 만든 무작위 가중치
    _randomize_norms(hf)
    ours = from_hf(hf).eval()
    x = _ids(seed=7)
    torch.testing.assert_close(ours(x)[0], hf(x).logits, atol=ATOL, rtol=0)
    assert ours.config.tie_embeddings == CASES[case].get("tie_embeddings", True)


def test_parity_of_gradients_with_hf():
    m = _model(GQA).train()
    hf = to_hf(m).train()
    x = _ids(seed=8)
    _, loss = m(x[:, :-1], x[:, 1:])
    hf_loss = hf(x, labels=x).loss
    loss.backward()
    hf_loss.backward()
    hf_params = dict(hf.named_parameters())
    for name, p in m.named_parameters():
        ref = hf_params["lm_head.weight" if name == "lm_head.weight" else "model." + name].grad
        torch.testing.assert_close(p.grad, ref, atol=ATOL, rtol=1e-4, msg=name)


def test_rope_rotation_preserves_norm_and_depends_on_relative_position():
    cos, sin = rope_tables(8, 32, 10000.0)
    g = torch.Generator().manual_seed(0)
    q, k = torch.randn(1, 1, 1, 8, generator=g), torch.randn(1, 1, 1, 8, generator=g)
    rq = apply_rope(q, cos[5:6], sin[5:6])
    torch.testing.assert_close(rq.norm(), q.norm())  # 회전은 길이를 바꾸지 않는다
    # q 를 위치 m, k 를 위치 n 에 두면 점수는 m − n 에만 의존한다
    s1 = (apply_rope(q, cos[7:8], sin[7:8]) * apply_rope(k, cos[3:4], sin[3:4])).sum()
    s2 = (apply_rope(q, cos[20:21], sin[20:21]) * apply_rope(k, cos[16:17], sin[16:17])).sum()
    s3 = (apply_rope(q, cos[20:21], sin[20:21]) * apply_rope(k, cos[15:16], sin[15:16])).sum()
    torch.testing.assert_close(s1, s2, atol=1e-5, rtol=0)
    assert abs(float(s1 - s3)) > 1e-3


@pytest.mark.parametrize("case", ["gqa", "mha"])
def test_kv_cache_logits_equal_full_forward_at_every_step(case):
    m = _model(CASES[case])
    x = _ids(b=2, t=14, seed=4)
    full, _ = m(x)
    cache = KVCache()
    first, _ = m(x[:, :5], cache=cache)  # 프롬프트 5 토큰을 한꺼번에 (prefill)
    torch.testing.assert_close(first, full[:, :5], atol=ATOL, rtol=0)
    for t in range(5, 11):  # 한 토큰씩
        step, _ = m(x[:, t : t + 1], cache=cache)
        torch.testing.assert_close(step[:, 0], full[:, t], atol=ATOL, rtol=0)
    chunk, _ = m(x[:, 11:14], cache=cache)  # 캐시 뒤에 여러 토큰을 한 번에 (마스크가 위치를 밀어야 한다)
    torch.testing.assert_close(chunk, full[:, 11:14], atol=ATOL, rtol=0)
    assert cache.length == 14 and cache.keys[0].shape == (2, CASES[case]["n_kv_head"], 14, 8)


@pytest.mark.parametrize("case", ["gqa", "mha"])
def test_generate_with_cache_equals_without_and_equals_hf(case):
    m = _model(CASES[case], seed=2)
    x = _ids(b=2, t=4, seed=9)
    cached = m.generate(x, 12)
    uncached = m.generate(x, 12, use_cache=False)
    assert torch.equal(cached, uncached)
    hf = to_hf(m).eval()
    theirs = hf.generate(
        x, max_new_tokens=12, do_sample=False, attention_mask=torch.ones_like(x), pad_token_id=0
    )
    assert torch.equal(cached, theirs)
    # 샘플링도 시드가 같으면 캐시 여부와 무관하게 같은 열
    a = m.generate(x, 10, do_sample=True, temperature=1.3, top_k=20, seed=3)
    b = m.generate(x, 10, do_sample=True, temperature=1.3, top_k=20, seed=3, use_cache=False)
    assert torch.equal(a, b) and not torch.equal(
        a, m.generate(x, 10, do_sample=True, temperature=1.3, seed=4)
    )


def test_generate_eos_and_one_dimensional_prompt():
    m = _model(GQA)
    x = _ids(b=1, t=3)
    greedy = m.generate(x, 6)
    eos = int(greedy[0, 4])
    out = m.generate(x, 6, eos_token_id=eos)
    first = int((out[0, 3:] == eos).nonzero()[0]) + 3
    assert out.shape[1] == first + 1
    one = m.generate(x[0], 6)
    assert one.dim() == 1 and torch.equal(one, greedy[0])


def test_save_pretrained_fp16_and_reload_with_transformers(tmp_path):
    from transformers import AutoModelForCausalLM

    m = _model(GQA)
    _randomize_norms(m)
    save_pretrained(m, tmp_path / "fp32")
    assert (tmp_path / "fp32" / "config.json").is_file() and (
        tmp_path / "fp32" / "model.safetensors"
    ).is_file()
    auto = AutoModelForCausalLM.from_pretrained(str(tmp_path / "fp32"), local_files_only=True).eval()
    assert isinstance(auto, LlamaForCausalLM)
    x = _ids()
    torch.testing.assert_close(auto(x).logits, m(x)[0], atol=ATOL, rtol=0)
    back = load_pretrained(tmp_path / "fp32")
    torch.testing.assert_close(back(x)[0], m(x)[0], atol=0, rtol=0)
    # fp16 으로 저장: 파일이 약 절반, 다시 float32 로 올린 모델은 fp16 반올림만큼만 다르다
    save_pretrained(m, tmp_path / "fp16", dtype=torch.float16)
    cfg = json.loads((tmp_path / "fp16" / "config.json").read_text())
    assert cfg["model_type"] == "llama" and cfg["dtype"] == "float16"
    size16 = (tmp_path / "fp16" / "model.safetensors").stat().st_size
    size32 = (tmp_path / "fp32" / "model.safetensors").stat().st_size
    assert size16 < 0.6 * size32
    hf16 = LlamaForCausalLM.from_pretrained(
        str(tmp_path / "fp16"), local_files_only=True, dtype=torch.float32
    )
    ours16 = load_pretrained(tmp_path / "fp16")
    torch.testing.assert_close(ours16(x)[0], hf16(x).logits, atol=ATOL, rtol=0)
    torch.testing.assert_close(ours16(x)[0], m(x)[0], atol=2e-2, rtol=0)


def test_parameter_count_and_config_roundtrip():
    m = _model(GQA)
    V, C, L, F, d = 97, 32, 2, 56, 8
    per_layer = C * 4 * d + 2 * C * 2 * d + 4 * d * C + 3 * C * F + 2 * C  # q, k, v, o, SwiGLU, 두 RMSNorm
    assert m.num_parameters() == V * C + L * per_layer + C  # 공유된 출력층은 한 번만
    assert (
        _model(MQA_UNTIED).num_parameters()
        == 2 * V * C + L * (C * 4 * d + 2 * C * d + 4 * d * C + 3 * C * F + 2 * C) + C
    )
    cfg = LlamaConfig(**GQA)
    assert LlamaConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="n_embed"):
        LlamaConfig.from_dict({**cfg.to_dict(), "n_embed": 64})


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        (dict(n_embd=30, n_head=4), r"n_embd\(30\).*n_head\(4\)"),
        (dict(n_head=4, n_kv_head=3), r"n_head\(4\).*n_kv_head\(3\)"),
        (dict(n_kv_head=0), "n_kv_head.*0"),
        (dict(vocab_size=-5), "vocab_size.*-5"),
        (dict(n_layer=2.0), "n_layer.*2.0"),
        (dict(max_seq_len=0), "max_seq_len.*0"),
        (dict(n_embd=12, n_head=4, n_kv_head=2), "짝수"),
        (dict(rope_theta=0.0), "rope_theta"),
        (dict(rms_norm_eps=-1e-5), "rms_norm_eps"),
        (dict(tie_embeddings="yes"), "tie_embeddings"),
    ],
)
def test_bad_config_names_the_argument(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        LlamaConfig(**{**GQA, **kwargs})


def test_bad_token_ids_and_lengths():
    m = _model(GQA)
    for bad in (97, 1000, -1):
        x = _ids()
        x[2, 5] = bad
        with pytest.raises(ValueError, match=f"idx.*{bad}"):
            m(x)
        with pytest.raises(ValueError, match=f"idx.*{bad}"):
            m.generate(x, 2)
    with pytest.raises(TypeError, match="idx.*float"):
        m(_ids().float())
    with pytest.raises(TypeError, match="idx"):
        m.generate(_ids().float(), 2)
    with pytest.raises(ValueError, match="max_seq_len=24"):
        m(_ids(t=25))
    with pytest.raises(ValueError, match="max_new_tokens"):
        m.generate(_ids(t=20), 5)
    with pytest.raises(ValueError, match="max_new_tokens"):
        m.generate(_ids(), -1)
    with pytest.raises(ValueError, match="temperature"):
        m.generate(_ids(), 2, do_sample=True, temperature=0)
    y = _ids()
    y[0, 0] = 200
    with pytest.raises(ValueError, match="targets.*200"):
        m(_ids(), y)
    with pytest.raises(ValueError, match="targets"):
        m(_ids(t=5), _ids(t=4))
    cache = KVCache()
    m(_ids(t=20), cache=cache)
    with pytest.raises(ValueError, match="20\\+5=25"):
        m(_ids(t=5), cache=cache)
    with pytest.raises(TypeError, match="config"):
        Llama(GQA)
