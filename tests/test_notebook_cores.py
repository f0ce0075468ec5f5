"""노트북의 `core` 셀과 라이브러리가 어긋나지 않는지 확인한다.

이 모음의 약속 (README '관리자' 절): 개념의 핵심 코드는 노트북 셀에 직접 쓰고 셀 메타데이터에 `core` 태그를 단다.
`core` 셀은 정의만 담고, 스스로 import 하며, 같은 노트북의 앞선 `core` 셀의 정의에만 기댄다 (다른 셀의 변수는 쓰지 않는다). 다음 노트북들이 쓰는 같은 코드는
라이브러리에 있고, 여기서 두 쪽에 같은 무작위 입력을 넣어 같은 값이 나오는지 본다. 라이브러리에 짝이 없는 핵심
(예: 손으로 쓴 역전파)은 참조 라이브러리(torch autograd 등)와 비교한다.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def load_cores(name: str) -> dict:
    """노트북 ``name`` 의 `core` 태그 셀을 차례로 실행한 이름 공간."""
    nb = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["cell_type"] == "code" and "core" in c["metadata"].get("tags", [])]
    assert cells, f"{name} 에 core 셀이 없습니다"
    ns: dict = {}
    for cell in cells:
        exec(compile("".join(cell["source"]), f"{name}:core", "exec"), ns)  # noqa: S102 - 우리 노트북의 셀
    return ns


def test_every_core_cell_is_self_contained_and_checked():
    """core 태그가 있는 노트북은 이 파일에 검사가 있어야 한다 (태그만 달고 검사를 잊지 않게)."""
    tagged = set()
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        if any("core" in c["metadata"].get("tags", []) for c in nb["cells"]):
            tagged.add(path.name)
    checked = {n for n in CHECKED}
    assert tagged == checked, (tagged, checked)
    for name in tagged:
        load_cores(name)  # 셀 밖의 변수에 기대면 여기서 NameError


# --------------------------------------------------------------------------------------------------------
# 04: RNN/LSTM 셀, BPTT, 기울기 자르기, 워밍업 스케줄
# --------------------------------------------------------------------------------------------------------
NB04 = "04_rnn_seq2seq.ipynb"


@pytest.fixture(scope="module")
def nb04():
    return load_cores(NB04)


def test_04_cells_match_library(nb04):
    from llmnotes import rnn

    g = torch.Generator().manual_seed(0)
    B, D, H = 3, 5, 4
    x, h, c = torch.randn(B, D, generator=g), torch.randn(B, H, generator=g), torch.randn(B, H, generator=g)
    w = [
        torch.randn(H, D, generator=g),
        torch.randn(H, H, generator=g),
        torch.randn(H, generator=g),
        torch.randn(H, generator=g),
    ]
    torch.testing.assert_close(nb04["rnn_cell"](x, h, *w), rnn.rnn_cell_step(x, h, *w))
    w4 = [
        torch.randn(4 * H, D, generator=g),
        torch.randn(4 * H, H, generator=g),
        torch.randn(4 * H, generator=g),
        torch.randn(4 * H, generator=g),
    ]
    mine = nb04["lstm_cell"](x, h, c, *w4)
    lib = rnn.lstm_cell_step(x, (h, c), *w4)
    torch.testing.assert_close(mine[0], lib[0])
    torch.testing.assert_close(mine[1], lib[1])


def test_04_bptt_matches_autograd(nb04):
    g = torch.Generator().manual_seed(1)
    T, B, D, H = 7, 2, 3, 5
    x = torch.randn(T, B, D, generator=g, dtype=torch.float64).requires_grad_()
    W_ih = torch.randn(H, D, generator=g, dtype=torch.float64).requires_grad_()
    W_hh = (0.8 * torch.randn(H, H, generator=g, dtype=torch.float64)).requires_grad_()
    b = torch.randn(H, generator=g, dtype=torch.float64).requires_grad_()
    v = torch.randn(B, H, generator=g, dtype=torch.float64)
    hs = nb04["rnn_forward"](x, torch.zeros(B, H, dtype=torch.float64), W_ih, W_hh, b)
    (hs[-1] * v).sum().backward()
    with torch.no_grad():
        got = nb04["rnn_bptt"](x, hs, W_ih, W_hh, v)
    for mine, ref in zip(got, (W_ih.grad, W_hh.grad, b.grad, x.grad)):
        torch.testing.assert_close(mine, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("max_norm", [0.1, 1.0, 1e6])
def test_04_clip_matches_torch(nb04, max_norm):
    g = torch.Generator().manual_seed(2)
    params = [torch.nn.Parameter(torch.randn(3, 4, generator=g)) for _ in range(3)]
    for p in params:
        p.grad = 10 * torch.randn(p.shape, generator=g)
    clipped, total = nb04["clip_grad_norm"]([p.grad.clone() for p in params], max_norm)
    ref_total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    torch.testing.assert_close(total, ref_total)
    for mine, p in zip(clipped, params):
        torch.testing.assert_close(mine, p.grad)


def test_04_warmup_schedule_matches_library(nb04):
    from llmnotes.seq2seq import _lr_at

    for total in (1, 7, 120, 3000):
        for step in range(total):
            assert math.isclose(nb04["lr_at"](step, total, 3e-3), _lr_at(step, total, 3e-3))


# --------------------------------------------------------------------------------------------------------
# 01: Kneser-Ney 바이그램, BM25
# --------------------------------------------------------------------------------------------------------
NB01 = "01_count_based_lm.ipynb"


@pytest.fixture(scope="module")
def nb01():
    return load_cores(NB01)


def _random_sentences(seed: int, n: int = 60) -> list[list[str]]:
    import random

    r = random.Random(seed)
    words = [f"w{i}" for i in range(25)] + ["국민은", "헌법", "서울로"]
    return [[r.choice(words) for _ in range(r.randint(1, 8))] for _ in range(n)]


@pytest.mark.parametrize("D", [0.1, 0.75, 1.0])
def test_01_kneser_ney_matches_library(nb01, D):
    from llmnotes.ngram import NGramConfig, NGramLM

    sents = _random_sentences(3)
    prob, vocab = nb01["kneser_ney_bigram"](sents, D=D)
    lib = NGramLM(NGramConfig(order=2, smoothing="kneser_ney", discount=D, kn_proper=True)).fit(sents)
    assert vocab == lib.vocab
    for v in [*vocab, "처음"]:
        for w in [*vocab, "처음"]:
            assert math.isclose(prob(w, v), lib.prob(w, [v]), rel_tol=1e-12, abs_tol=1e-15), (w, v)
        assert math.isclose(math.fsum(prob(w, v) for w in vocab), 1.0, rel_tol=1e-12)


def test_01_bm25_matches_library_and_rank_bm25(nb01):
    import random

    import numpy as np
    from rank_bm25 import BM25Okapi

    from llmnotes.bm25 import BM25Config, BM25Index

    docs = _random_sentences(5, n=40)
    r = random.Random(1)
    for k1, b in [(1.5, 0.75), (0.5, 0.0), (3.0, 1.0)]:
        lib = BM25Index.build(docs, BM25Config(k1=k1, b=b))
        ref = BM25Okapi(docs, k1=k1, b=b)
        for _ in range(5):
            q = [r.choice(["w1", "w2", "국민은", "없는말", "w3"]) for _ in range(r.randint(1, 4))]
            mine = np.array(nb01["bm25_scores"](q, docs, k1=k1, b=b))
            np.testing.assert_allclose(mine, lib.get_scores(q), rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(mine, ref.get_scores(q), rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------------------------------------
# 06: 멀티헤드 어텐션, 인코더 층, 학습된 위치 임베딩, FFN 변형, 레이블 스무딩
# --------------------------------------------------------------------------------------------------------
NB06 = "06_transformer.ipynb"


@pytest.fixture(scope="module")
def nb06():
    return load_cores(NB06)


@pytest.mark.parametrize("causal", [False, True])
def test_06_mha_matches_torch_and_library(nb06, causal):
    from llmnotes.attention import padding_mask
    from llmnotes.transformer import MultiHeadAttention

    torch.manual_seed(0)
    D, h = 24, 3
    ref = torch.nn.MultiheadAttention(D, h, batch_first=True).eval()
    lib = MultiHeadAttention(D, h).load_from_torch(ref).eval()
    xq = torch.randn(2, 6, D)
    xkv = xq if causal else torch.randn(2, 6, D)
    mask = padding_mask([6, 4])
    with torch.no_grad():
        mine, w = nb06["multi_head_attention"](
            xq,
            xkv,
            ref.in_proj_weight,
            ref.in_proj_bias,
            ref.out_proj.weight,
            ref.out_proj.bias,
            h,
            mask,
            causal,
        )
        out_lib, _ = lib(xq, xkv, xkv, key_padding_mask=mask, is_causal=causal)
        attn_mask = torch.ones(6, 6, dtype=torch.bool).triu(1) if causal else None
        out_ref, w_ref = ref(xq, xkv, xkv, key_padding_mask=~mask, attn_mask=attn_mask)
    torch.testing.assert_close(mine, out_lib, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(mine, out_ref, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(w.mean(1), w_ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("norm_first", [False, True])
def test_06_encoder_block_matches_library(nb06, norm_first):
    from llmnotes.attention import padding_mask
    from llmnotes.transformer import EncoderLayer

    torch.manual_seed(1)
    D, h = 16, 4
    ref = torch.nn.TransformerEncoderLayer(
        D, h, 32, dropout=0.0, batch_first=True, norm_first=norm_first
    ).eval()
    lib = EncoderLayer(D, h, 32, norm_first=norm_first).load_from_torch(ref).eval()
    x, mask = torch.randn(3, 5, D), padding_mask([5, 3, 1])
    with torch.no_grad():
        mine = nb06["encoder_block"](x, ref.state_dict(), h, norm_first, mask)
        torch.testing.assert_close(mine, lib(x, mask), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(
        nb06["layer_norm"](x, ref.norm1.weight, ref.norm1.bias),
        torch.nn.functional.layer_norm(x, (D,), ref.norm1.weight, ref.norm1.bias),
    )


def test_06_learned_positions_match_library(nb06):
    from llmnotes.transformer import LearnedPositionalEncoding

    torch.manual_seed(2)
    mine = nb06["LearnedPositions"](12, 8)
    lib = LearnedPositionalEncoding(8, max_len=12)
    with torch.no_grad():
        lib.embedding.weight.copy_(mine.P)
    x = torch.randn(2, 12, 8)
    torch.testing.assert_close(mine(x), lib(x))
    with pytest.raises(ValueError, match="max_len"):
        mine(torch.randn(1, 13, 8))


def test_06_ffn_variants_match_references(nb06):
    from transformers import LlamaConfig
    from transformers.models.llama.modeling_llama import LlamaMLP

    torch.manual_seed(3)
    D, F_ = 16, 40
    x = torch.randn(2, 5, D)
    mlp = LlamaMLP(
        LlamaConfig(hidden_size=D, intermediate_size=F_, num_attention_heads=4, hidden_act="silu")
    ).eval()
    with torch.no_grad():
        mine = nb06["ffn_swiglu"](x, mlp.gate_proj.weight, mlp.up_proj.weight, mlp.down_proj.weight)
        torch.testing.assert_close(mine, mlp(x), rtol=1e-5, atol=1e-6)
        seq = torch.nn.Sequential(torch.nn.Linear(D, F_), torch.nn.GELU(), torch.nn.Linear(F_, D))
        got = nb06["ffn_gelu"](x, seq[0].weight, seq[0].bias, seq[2].weight, seq[2].bias)
        torch.testing.assert_close(got, seq(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.5])
def test_06_label_smoothing_matches_torch(nb06, eps):
    torch.manual_seed(4)
    logits, target = torch.randn(9, 13), torch.randint(0, 13, (9,))
    torch.testing.assert_close(
        nb06["label_smoothed_cross_entropy"](logits, target, eps),
        torch.nn.functional.cross_entropy(logits, target, label_smoothing=eps),
    )


# --------------------------------------------------------------------------------------------------------
# 05: 어텐션 디코더 한 시점
# --------------------------------------------------------------------------------------------------------
NB05 = "05_attention.ipynb"


def test_05_attention_decoder_step_matches_library():
    from llmnotes.attention import padding_mask
    from llmnotes.seq2seq import Seq2Seq, Seq2SeqConfig

    step = load_cores(NB05)["attention_decoder_step"]
    torch.manual_seed(0)
    model = Seq2Seq(Seq2SeqConfig(emb_dim=8, hidden_dim=12, attn_dim=10, attention=True)).eval()
    src = torch.randint(4, 14, (3, 6))
    mask = padding_mask([6, 4, 1])
    src = src.masked_fill(~mask, 0)
    with torch.no_grad():
        enc_out, context = model.encoder(src, mask)
        mem = model.decoder.init_state(enc_out, context, mask)
        s, y = context, torch.tensor([1, 1, 1])
        for _ in range(4):
            logits, s, alpha = step(y, s, enc_out, mask, model.decoder.state_dict())
            ref_logits, mem, ref_alpha = model.decoder.step(y, mem, enc_out, mask)
            torch.testing.assert_close(logits, ref_logits, rtol=1e-5, atol=1e-6)
            torch.testing.assert_close(alpha, ref_alpha)
            torch.testing.assert_close(s, mem["state"])
            assert bool((alpha[~mask] == 0).all())
            y = logits.argmax(-1)


# --------------------------------------------------------------------------------------------------------
# 07: Llama 블록 (RMSNorm, RoPE, SwiGLU, GQA 어텐션)
# --------------------------------------------------------------------------------------------------------
NB07 = "07_pretraining.ipynb"


@pytest.fixture(scope="module")
def nb07():
    return load_cores(NB07)


def test_07_rmsnorm_rope_swiglu_match_library(nb07):
    from llmnotes import llama

    torch.manual_seed(0)
    x = torch.randn(3, 5, 16)
    mine, lib = nb07["RMSNorm"](16, eps=1e-5), llama.RMSNorm(16, 1e-5)
    with torch.no_grad():
        mine.weight.copy_(torch.randn(16))
        lib.weight.copy_(mine.weight)
        torch.testing.assert_close(mine(x), lib(x))
    for d, T, theta in [(8, 12, 10000.0), (32, 40, 500.0)]:
        cos, sin = nb07["rope_tables"](d, T, theta)
        ref_cos, ref_sin = llama.rope_tables(d, T, theta)
        torch.testing.assert_close(cos, ref_cos)
        torch.testing.assert_close(sin, ref_sin)
        q = torch.randn(2, 3, T, d)
        torch.testing.assert_close(nb07["apply_rope"](q, cos, sin), llama.apply_rope(q, ref_cos, ref_sin))
    cfg = llama.LlamaConfig(vocab_size=10, n_embd=16, n_head=2, n_kv_head=1, intermediate_size=40)
    lib_mlp = llama.SwiGLU(cfg)
    my_mlp = nb07["SwiGLU"](16, 40)
    my_mlp.load_state_dict(lib_mlp.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(my_mlp(x), lib_mlp(x))


@pytest.mark.parametrize(("n_head", "n_kv_head"), [(4, 4), (4, 2), (4, 1)])
def test_07_llama_block_matches_library(nb07, n_head, n_kv_head):
    from llmnotes import llama

    torch.manual_seed(n_kv_head)
    cfg = llama.LlamaConfig(
        vocab_size=50, n_layer=1, n_head=n_head, n_kv_head=n_kv_head, n_embd=32, intermediate_size=88
    )
    lib = llama.Block(cfg, layer=0).eval()
    with torch.no_grad():  # 정규화 가중치도 1 이 아닌 값으로 (복사가 정말 되는지 보이게)
        lib.input_layernorm.weight.copy_(torch.rand(32) + 0.5)
        lib.post_attention_layernorm.weight.copy_(torch.rand(32) + 0.5)
    mine = nb07["LlamaBlock"](32, n_head, n_kv_head, 88).eval()
    mine.load_state_dict(lib.state_dict())
    x = torch.randn(2, 9, 32)
    cos, sin = llama.rope_tables(cfg.head_dim, 9, cfg.rope_theta)
    with torch.no_grad():
        torch.testing.assert_close(mine(x, cos, sin), lib(x, cos, sin, None), rtol=1e-5, atol=1e-5)


CHECKED = {NB01, NB04, NB05, NB06, NB07}
