"""llmnotes.multilingual: 병렬 말뭉치, 토큰 통계, 프로크루스테스(= scipy), 임베딩 초기화, 어휘 확장(= transformers
``resize_token_embeddings``), 잘못된 입력."""

from __future__ import annotations

import json
import unicodedata

import numpy as np
import pytest
import torch
from scipy.linalg import orthogonal_procrustes
from scipy.stats import ortho_group

from llmnotes import multilingual as ml
from llmnotes.bpe import train as bpe_train
from llmnotes.gpt import GPT, GPTConfig, load_pretrained, save_pretrained, to_hf
from llmnotes.paths import models_dir
from llmnotes.word2vec import WordVectors

TINY = dict(vocab_size=300, n_layer=2, n_head=2, n_embd=16, block_size=32)


# ------------------------------------------------------------------------------------------------ 데이터


def test_parallel_corpus_shape_and_nfc():
    recs = ml.load_parallel()
    assert len(recs) == 200
    assert len(ml.load_parallel("train")) == 160 and len(ml.load_parallel("test")) == 40
    assert len({r["topic"] for r in recs}) == 10
    for r in recs:
        for lang in ml.LANGS:
            assert r[lang] == unicodedata.normalize("NFC", r[lang]) and r[lang].strip() == r[lang]
    assert len({r["id"] for r in recs}) == 200


def test_parallel_file_matches_build_script():
    import subprocess
    import sys

    from llmnotes.paths import repo_root

    out = subprocess.run(
        [sys.executable, str(repo_root() / "data" / "scripts" / "build_parallel.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_seed_dictionary_pairs():
    pairs = ml.load_seed_dictionary()
    assert len(pairs) >= 100
    assert all(a and b and b == b.lower() for a, b in pairs)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="lang"):
        ml.check_lang("kr")
    with pytest.raises(ValueError, match="split"):
        ml.load_parallel("dev")
    with pytest.raises(ValueError, match="texts"):
        ml.token_stats([], ml.char_tokens)
    with pytest.raises(TypeError, match="texts"):
        ml.token_stats("문장", ml.char_tokens)


def test_bad_dictionary_file(tmp_path):
    p = tmp_path / "d.tsv"
    p.write_text("사과\tapple\n커피\n", encoding="utf-8")
    with pytest.raises(ValueError, match="두 칸"):
        ml.load_seed_dictionary(p)


# ------------------------------------------------------------------------------------------------ 토큰 통계


def test_token_stats_counts_bytes_and_chars():
    s = ml.token_stats(["한국어 abc", "x"], ml.byte_tokens)
    assert (s.n_sentences, s.n_tokens, s.n_bytes, s.n_chars) == (2, 14, 14, 8)
    assert s.bytes_per_token == 1.0 and s.tokens_per_sentence == 7.0
    c = ml.token_stats(["한국어 abc"], ml.char_tokens)
    assert c.n_tokens == 7 and c.bytes_per_token == pytest.approx(13 / 7)


def test_token_stats_normalises_nfd():
    nfd = unicodedata.normalize("NFD", "한글")
    assert ml.token_stats([nfd], ml.char_tokens).n_tokens == 2


def test_load_hf_bpe_matches_transformers_tokenizer():
    from transformers import PreTrainedTokenizerFast

    path = models_dir() / "tiny-ko-gpt"
    ours = ml.load_hf_bpe(path)
    hf = PreTrainedTokenizerFast(tokenizer_file=str(path / "tokenizer.json"))
    for r in ml.load_parallel("test")[:10]:
        for lang in ml.LANGS:
            assert ours.encode(r[lang]) == hf.encode(r[lang])


# ------------------------------------------------------------------------------------------------ 정적 벡터, 프로크루스테스


def test_procrustes_recovers_known_rotation_and_equals_scipy():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 8))
    Q = ortho_group.rvs(8, random_state=1)
    W = ml.procrustes(X, X @ Q)
    np.testing.assert_allclose(W, Q, atol=1e-10)
    np.testing.assert_allclose(W.T @ W, np.eye(8), atol=1e-10)
    Y = X @ Q + 0.3 * rng.normal(size=X.shape)  # 잡음이 있어도 scipy 와 같은 해
    R, _ = orthogonal_procrustes(X, Y)
    np.testing.assert_allclose(ml.procrustes(X, Y), R, atol=1e-10)


def test_procrustes_minimises_error_among_orthogonal_maps():
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(30, 5)), rng.normal(size=(30, 5))
    best = np.linalg.norm(X @ ml.procrustes(X, Y) - Y)
    for seed in range(20):
        Q = ortho_group.rvs(5, random_state=seed)
        assert best <= np.linalg.norm(X @ Q - Y) + 1e-12


def test_procrustes_bad_shapes():
    with pytest.raises(ValueError, match="X와 Y"):
        ml.procrustes(np.zeros((3, 2)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="비었"):
        ml.procrustes(np.zeros((0, 2)), np.zeros((0, 2)))


def test_ppmi_svd_and_alignment_on_isomorphic_toy():
    # 영어 문장의 단어를 일대일로 바꿔 쓴 '언어' → 동시 출현 구조가 같으므로 정렬 후 번역이 모두 맞아야 한다
    en = [s.split() for s in ["a b c", "a d e", "b d f", "c e f g", "a g h", "h b e", "f g a d", "c h"] * 2]
    trans = {w: w.upper() for w in "abcdefgh"}
    xx = [[trans[w] for w in s] for s in en]
    ve, vx = ml.ppmi_svd_vectors(en, dim=4, min_count=1), ml.ppmi_svd_vectors(xx, dim=4, min_count=1)
    X, Y, kept, missing = ml.dictionary_matrices(ve, vx, list(trans.items()) + [("zz", "ZZ")])
    assert missing == [("zz", "ZZ")] and len(kept) == 8
    W = ml.procrustes(X, Y)
    acc = ml.translation_accuracy(ve.vectors @ W, ve.index_to_key, vx.vectors, vx.index_to_key, kept)
    assert acc == 1.0


def test_dictionary_mismatch_errors():
    a = WordVectors(["x", "y"], np.eye(2, dtype=np.float32))
    b = WordVectors(["X", "Y"], np.eye(2, 3, dtype=np.float32))
    with pytest.raises(ValueError, match="차원"):
        ml.dictionary_matrices(a, b, [("x", "X")])
    c = WordVectors(["X", "Y"], np.eye(2, dtype=np.float32))
    with pytest.raises(ValueError, match="어느 쌍도"):
        ml.dictionary_matrices(a, c, [("q", "X")])
    with pytest.raises(ValueError, match="비었"):
        ml.dictionary_matrices(a, c, [])
    with pytest.raises(ValueError, match="두 칸"):
        ml.dictionary_matrices(a, c, [("x",)])


# ------------------------------------------------------------------------------------------------ 임베딩 초기화


def test_init_mean_small_case():
    E = torch.arange(12.0).view(4, 3)
    out = ml.init_mean(E, [[0, 2], [3]])
    torch.testing.assert_close(out, torch.tensor([[3.0, 4.0, 5.0], [9.0, 10.0, 11.0]]))
    with pytest.raises(ValueError, match=r"옛 어휘 4개 밖의 id.*받은 값 4"):
        ml.init_mean(E, [[0, 4]])
    with pytest.raises(ValueError, match=r"pieces\[0\]: 비었"):
        ml.init_mean(E, [[]])


def test_init_random_distribution_and_seed():
    a, b = ml.init_random(2000, 8, std=0.02, seed=3), ml.init_random(2000, 8, std=0.02, seed=3)
    assert torch.equal(a, b)
    assert abs(float(a.std()) - 0.02) < 0.002 and abs(float(a.mean())) < 0.002


def test_init_wechsel_small_case():
    E = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    src_vec = np.array([[1.0, 0.0], [0.0, 1.0]])
    src_pieces = [[0], [1, 2]]  # 단어 0 → E[0], 단어 1 → (E[1] + E[2]) / 2 = [0.5, 1]
    new_vec = np.array([[1.0, 0.0], [1.0, 1.0]])
    out = ml.init_wechsel(E, new_vec, src_vec, src_pieces, k=1, temperature=0.1)
    torch.testing.assert_close(out[0], torch.tensor([1.0, 0.0]))  # 가장 가까운 이웃 하나
    out2 = ml.init_wechsel(E, new_vec, src_vec, src_pieces, k=2, temperature=1.0)
    # 두 번째 새 토큰은 두 원본 단어와 유사도가 같다 → 가중치 ½, ½
    torch.testing.assert_close(out2[1], torch.tensor([0.75, 0.5]))
    w = torch.softmax(torch.tensor([1.0, 0.0]), 0)  # 첫 토큰: sim = (1, 0)
    torch.testing.assert_close(out2[0], w[0] * E[0] + w[1] * torch.tensor([0.5, 1.0]))
    with pytest.raises(ValueError, match="k"):
        ml.init_wechsel(E, new_vec, src_vec, src_pieces, k=3)
    with pytest.raises(ValueError, match="src_pieces"):
        ml.init_wechsel(E, new_vec, src_vec, [[0]], k=1)
    with pytest.raises(ValueError, match="temperature"):
        ml.init_wechsel(E, new_vec, src_vec, src_pieces, k=1, temperature=0)


# ------------------------------------------------------------------------------------------------ 어휘 확장


def _tok():
    return bpe_train(["the coffee is hot", "한국어 문장입니다", "coffee coffee tea"], vocab_size=270)


def test_extended_tokenizer_roundtrip_and_fallback():
    base = _tok()
    tok = ml.ExtendedTokenizer(base, [" coffee", " tea"])
    text = "I like coffee and tea. 한국어도!"
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert base.vocab_size in ids and base.vocab_size + 1 in ids
    plain = "no new words here 한국어"
    assert tok.encode(plain) == base.encode(plain)  # 새 토큰이 없으면 옛 토크나이저와 같다
    assert tok.old_pieces()[0] == base.encode(" coffee")
    with pytest.raises(ValueError, match="new_tokens"):
        ml.ExtendedTokenizer(base, [" tea", " tea"])
    with pytest.raises(ValueError, match="new_tokens"):
        ml.ExtendedTokenizer(base, [])


def test_extend_gpt_matches_transformers_resize_and_reloads(tmp_path):
    torch.manual_seed(0)
    model = GPT(GPTConfig(**TINY)).eval()
    rows = ml.init_random(5, TINY["n_embd"], seed=1)
    ext = ml.extend_gpt(model, rows)
    assert ext.config.vocab_size == 305
    assert ext.lm_head.weight.data_ptr() == ext.transformer.wte.weight.data_ptr()
    # 참조: transformers GPT-2 의 resize_token_embeddings → 옛 행이 같아야 한다
    hf = to_hf(model)
    hf.resize_token_embeddings(305)
    torch.testing.assert_close(hf.get_input_embeddings().weight[:300], ext.transformer.wte.weight[:300])
    # 우리 확장 = HF 크기 조정 + 새 행 덮어쓰기 (extend_hf): 로짓이 같다
    hf2 = ml.extend_hf(to_hf(model), rows)
    ids = torch.tensor([[1, 2, 300, 304, 7]])
    torch.testing.assert_close(hf2(ids).logits, ext(ids)[0], atol=1e-5, rtol=1e-5)
    # 새 토큰이 없는 입력에서는 옛 행은 그대로이므로 (출력 로짓의 옛 부분이) 옛 모델과 같다
    old_ids = torch.tensor([[1, 2, 3]])
    torch.testing.assert_close(ext(old_ids)[0][..., :300], model(old_ids)[0], atol=1e-6, rtol=1e-6)
    save_pretrained(ext, tmp_path / "m")
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    assert cfg["vocab_size"] == 305
    back = load_pretrained(tmp_path / "m")
    torch.testing.assert_close(back(ids)[0], ext(ids)[0], atol=1e-6, rtol=1e-6)


def test_extend_hf_llama_untied_output(tmp_path):
    from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(
        vocab_size=100,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(cfg).eval()
    old_in = model.get_input_embeddings().weight.detach().clone()
    old_out = model.get_output_embeddings().weight.detach().clone()
    rows = ml.init_random(3, 16, seed=2)
    ml.extend_hf(model, rows)
    torch.testing.assert_close(model.get_input_embeddings().weight[:100], old_in)
    torch.testing.assert_close(model.get_output_embeddings().weight[:100], old_out)
    torch.testing.assert_close(model.get_input_embeddings().weight[100:], rows)
    torch.testing.assert_close(model.get_output_embeddings().weight[100:], rows)
    model.save_pretrained(tmp_path / "llama")
    back = AutoModelForCausalLM.from_pretrained(tmp_path / "llama", local_files_only=True).eval()
    ids = torch.tensor([[1, 101, 102]])
    torch.testing.assert_close(back(ids).logits, model(ids).logits)


def test_extend_bad_rows():
    model = GPT(GPTConfig(**TINY))
    with pytest.raises(ValueError, match="new_rows"):
        ml.extend_gpt(model, torch.zeros(2, 7))
    with pytest.raises(TypeError, match="new_rows"):
        ml.extend_gpt(model, np.zeros((2, 16)))


def test_further_pretrain_lowers_loss_and_only_touches_trainable():
    torch.manual_seed(0)
    model = GPT(GPTConfig(**TINY))
    data = torch.tensor([5, 6, 7, 8] * 40)
    for p in model.transformer.h.parameters():
        p.requires_grad_(False)
    frozen = model.transformer.h[0].attn.c_attn.weight.detach().clone()
    hist = ml.further_pretrain(
        model, data, data, steps=30, lr=1e-2, batch_size=4, block_size=8, eval_every=10
    )
    assert hist["step"] == [0, 10, 20, 30]
    assert hist["eval_loss"][-1] < hist["eval_loss"][0] - 1.0
    assert torch.equal(model.transformer.h[0].attn.c_attn.weight, frozen)
    assert ml.steps_to_reach(hist, hist["eval_loss"][2]) <= 20
    assert ml.steps_to_reach(hist, -1.0) is None


# ------------------------------------------------------------------------------------------------ 레시피


def test_shipped_results_match_data_and_base_model():
    import hashlib

    from llmnotes.paths import data_dir

    res = json.loads((data_dir() / "multilingual" / "extension-results.json").read_text(encoding="utf-8"))
    for name, digest in res["data_sha256"].items():
        assert hashlib.sha256((data_dir() / "multilingual" / name).read_bytes()).hexdigest() == digest
    base = models_dir() / res["recipe"]["base"] / "model.safetensors"
    assert hashlib.sha256(base.read_bytes()).hexdigest() == res["base_model_sha256"]
    steps = res["recipe"]["steps"]
    assert (
        set(res["inits"]) == {"random", "mean", "wechsel"} and "regimes" not in res
    )  # 학습 범위 비교는 가짜 한국어로 옮겼다
    for h in res["inits"].values():
        assert h["step"][0] == 0 and h["step"][-1] == steps and len(h["step"]) == len(h["eval_loss"])
        assert all(np.isfinite(h["eval_loss"]))
    # 새 토큰 목록은 지금 코드로 다시 만든 것과 같다 (결정적)
    tok = ml.load_hf_bpe(models_dir() / res["recipe"]["base"])
    assert (
        ml.new_word_tokens(tok, [r["en"] for r in ml.load_parallel("train")], res["recipe"]["min_count"])
        == (res["new_tokens"])
    )
