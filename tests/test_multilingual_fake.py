"""가짜 한국어 실험의 부품: 글자 사상(일대일, NFC), 새 글자 토크나이저, 토큰 PPMI 벡터의 정렬, spine 어휘 확장
(= transformers ``resize_token_embeddings``), spine 문장 특징, 잘못된 입력."""

from __future__ import annotations

import json
import unicodedata

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from llmnotes import multilingual as ml
from llmnotes.bpe import bytes_to_unicode
from llmnotes.bpe import train as bpe_train
from llmnotes.llama import Llama, LlamaConfig
from llmnotes.llama_hf import load_pretrained, to_hf
from llmnotes.multilingual import fake as fk
from llmnotes.multilingual import transfer as xl
from llmnotes.paths import data_dir, models_dir

SPECIALS = ("<|endoftext|>", "<pad>", "<unk>")
KO_TEXTS = [
    "철수는 학교에 갔다. 영희는 집에 있었다.",
    "오늘 날씨가 맑아서 공원에 갔다.",
    "학교에서 친구를 만났다. 친구는 책을 읽었다.",
    "2024년 3월 1일에 나온 소식이다. 공원에 사람이 많았다.",
] * 5

korean_text = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3),
        st.sampled_from(list(" .,?!0123456789abcXYZ\n")),
    ),
    max_size=40,
)


# ------------------------------------------------------------------------------------------------ 글자 사상


def test_every_syllable_maps_to_a_distinct_nfc_stable_letter():
    syllables = "".join(chr(c) for c in range(0xAC00, 0xD7A4))
    fake = fk.to_fake_korean(syllables)
    assert len(fake) == len(syllables) == 11172 and len(set(fake)) == 11172  # 일대일
    assert all(0x5C00 <= ord(c) <= 0x87A3 and unicodedata.category(c) == "Lo" for c in fake)
    assert unicodedata.normalize("NFC", fake) == fake  # NFC 가 건드리지 않는다
    assert fk.from_fake_korean(fake) == syllables
    assert not set(fake) & set(syllables)  # 공유 글자가 없다


@given(korean_text)
def test_mapping_is_a_bijection_that_keeps_other_characters(text):
    fake = fk.to_fake_korean(text)
    assert fk.from_fake_korean(fake) == text
    assert unicodedata.normalize("NFC", fake) == fake
    assert [c for c in fake if not 0x5C00 <= ord(c) <= 0x87A3] == [
        c for c in text if not 0xAC00 <= ord(c) <= 0xD7A3
    ]
    assert fk.convert(fake, "ko-fake", "ko") == text and fk.convert(text, "ko", "ko-fake") == fake


def test_decomposed_input_is_composed_first():
    nfc = "한국어 문장"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc and fk.to_fake_korean(nfd) == fk.to_fake_korean(nfc)


@given(korean_text)
def test_byte_counterpart_undoes_the_mapping_at_byte_level(text):
    b2u = bytes_to_unicode()
    as_chars = lambda s: "".join(b2u[b] for b in s.encode("utf-8"))  # noqa: E731
    assert fk.korean_counterpart(as_chars(fk.to_fake_korean(text))) == as_chars(text)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="src"):
        fk.convert("가", "kr", "ko-fake")
    with pytest.raises(ValueError, match="tgt"):
        fk.convert("가", "ko", "en")
    with pytest.raises(ValueError, match="되돌릴 수 없"):
        fk.to_fake_korean("가" + chr(0x5C00))  # 이미 가짜 글자 범위의 한자가 있으면 일대일이 깨진다
    with pytest.raises(ValueError, match="한글 음절"):
        fk.from_fake_korean("가")
    with pytest.raises(TypeError, match="text"):
        fk.to_fake_korean(b"abc")
    with pytest.raises(ValueError, match="바이트 글자"):
        fk.korean_counterpart("가")


# ------------------------------------------------------------------------------------------------ 토크나이저


@pytest.fixture(scope="module")
def tokenizers():
    base = bpe_train(KO_TEXTS, 300, special_tokens=SPECIALS)
    new = bpe_train([fk.to_fake_korean(t) for t in KO_TEXTS], 300, special_tokens=SPECIALS)
    return base, new, fk.NewScriptTokenizer(base, new)


def test_new_script_tokenizer_roundtrip_and_id_layout(tokenizers):
    base, new, tok = tokenizers
    assert tok.vocab_size == base.vocab_size + len(tok.new_tokens)
    assert tok.n_shared + len(tok.new_tokens) == new.vocab_size and tok.n_shared >= 256 + len(SPECIALS)
    text = fk.to_fake_korean("철수는 학교에 갔다. 2024년")
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert ids == [tok.to_ext[i] for i in new.encode(text)]
    # 가짜 글자의 첫 바이트(0xE5–0xE8)를 담은 여러 바이트 토큰은 모두 새 id 이고, 공백·숫자·문장부호 토큰은 옛 id 다
    for i in ids:
        raw = new.token_bytes(tok.from_ext[i])
        if len(raw) > 1 and any(0xE5 <= b <= 0xE8 for b in raw):  # 바이트 하나짜리 토큰 256개는 공유
            assert i >= base.vocab_size
        if all(b < 0x80 for b in raw):
            assert i < base.vocab_size and base.token_bytes(i) == raw
    assert not set(tok.new_tokens) & set(base.vocab)
    # 하위 조각은 옛 어휘 안, 바이트를 이으면 새 토큰과 같은 바이트열
    for t, p in zip(tok.new_tokens, tok.old_pieces()):
        assert all(0 <= i < base.vocab_size for i in p) and "".join(base.vocab[i] for i in p) == t
    # 같은 말뭉치의 같은 크기 BPE: 정답 짝이 모두 옛 어휘에 있다 (바이트 통계가 같은 모양이므로)
    assert all(c is not None for c in tok.counterparts())
    assert tok.encode_batch([text, text]) == [ids, ids]


def test_new_script_tokenizer_bad_input(tokenizers):
    base, new, tok = tokenizers
    other = bpe_train(KO_TEXTS, 280, special_tokens=("<s>",))
    with pytest.raises(ValueError, match="특수 토큰"):
        fk.NewScriptTokenizer(other, new)
    with pytest.raises(TypeError, match="new"):
        fk.NewScriptTokenizer(base, "tokenizer")
    unused = next(i for i in range(base.vocab_size) if i not in tok.from_ext)
    with pytest.raises(ValueError, match="만들 수 없는 id"):
        tok.decode([unused])


# ------------------------------------------------------------------------------------------------ 벡터와 정렬


def test_token_ppmi_vectors_of_a_relabelled_language_align_perfectly():
    """같은 문장을 토큰 번호만 바꿔 쓴 두 "언어" 의 PPMI 행렬은 서로 치환이다. 한쪽 공간을 임의로 돌려 두면
    씨앗 사전 절반으로 구한 회전이 나머지 토큰도 모두 맞힌다."""
    rng = np.random.default_rng(0)
    n = 60
    streams = [
        list(rng.choice(n, size=30, p=np.arange(1, n + 1) / np.arange(1, n + 1).sum())) for _ in range(400)
    ]
    perm = rng.permutation(n)
    a = ml.token_ppmi_vectors(streams, [f"a{i}" for i in range(n)], dim=20, window=2, min_count=1)
    b = ml.token_ppmi_vectors(
        [[perm[i] for i in s] for s in streams], [f"b{j}" for j in range(n)], dim=20, window=2, min_count=1
    )
    Q = np.linalg.qr(rng.normal(size=(20, 20)))[0]  # 따로 학습한 공간처럼 축을 돌려 둔다
    A, B = ml.normalize_vectors(a.vectors), ml.normalize_vectors(b.vectors) @ Q
    pairs = [(f"a{i}", f"b{perm[i]}") for i in range(n)]
    fit = pairs[::2]
    W = ml.procrustes(A[[a.key_to_index[x] for x, _ in fit]], B[[b.key_to_index[y] for _, y in fit]])
    assert ml.translation_accuracy(A @ W, a.index_to_key, B, b.index_to_key, pairs[1::2]) == 1.0
    assert (
        ml.translation_accuracy(A, a.index_to_key, B, b.index_to_key, pairs[1::2]) < 0.5
    )  # 회전 없이는 안 맞는다
    np.testing.assert_allclose(ml.refine_procrustes(A, B, W, iterations=0), W)
    W2 = ml.refine_procrustes(A, B, W, iterations=2)
    np.testing.assert_allclose(W2 @ W2.T, np.eye(20), atol=1e-8)  # 다듬어도 직교 행렬
    assert ml.translation_accuracy(A @ W2, a.index_to_key, B, b.index_to_key, pairs) == 1.0


def test_token_ppmi_vectors_bad_input():
    names = ["x", "y", "z"]
    with pytest.raises(ValueError, match="streams"):
        ml.token_ppmi_vectors([], names, dim=1)
    with pytest.raises(ValueError, match="names"):
        ml.token_ppmi_vectors([[0, 5]], names, dim=1)
    with pytest.raises(ValueError, match="dim"):
        ml.token_ppmi_vectors([[0, 1, 2] * 9], names, dim=5, min_count=1)
    with pytest.raises(ValueError, match="alpha"):
        ml.token_ppmi_vectors([[0, 1, 2]], names, dim=1, alpha=0.0)
    with pytest.raises(ValueError, match="iterations"):
        ml.refine_procrustes(np.eye(2), np.eye(2), np.eye(2), iterations=-1)


# ------------------------------------------------------------------------------------------------ spine 확장


@pytest.fixture(scope="module")
def spine():
    return load_pretrained(models_dir() / "tiny-ko-llama").eval()


def test_extended_spine_matches_transformers_resize_token_embeddings(spine):
    n_new = 7
    rows = torch.randn(n_new, spine.config.n_embd, generator=torch.Generator().manual_seed(0)) * 0.05
    ours = ml.extend_llama(spine, rows).eval()
    V = spine.config.vocab_size
    assert ours.config.vocab_size == V + n_new and spine.config.vocab_size == V  # 옛 모델은 그대로
    assert ours.lm_head.weight is ours.embed_tokens.weight  # 가중치 공유가 유지된다
    hf = to_hf(spine)
    hf.resize_token_embeddings(V + n_new, mean_resizing=False)
    assert torch.equal(hf.get_input_embeddings().weight[:V], ours.embed_tokens.weight[:V])
    hf_ext = ml.extend_hf(to_hf(spine), rows).eval()
    ids = torch.tensor([[0, 5, V + 3, 17, V + 6, V]])
    with torch.no_grad():
        torch.testing.assert_close(hf_ext(ids).logits, ours(ids)[0], atol=1e-5, rtol=1e-5)
        old = torch.tensor([[0, 5, 17, 40]])  # 옛 토큰만 쓰면 옛 어휘 부분의 로짓이 옛 모델과 같다
        torch.testing.assert_close(ours(old)[0][..., :V], spine(old)[0], atol=1e-5, rtol=1e-5)
    with pytest.raises(TypeError, match="Llama"):
        ml.extend_llama(torch.nn.Linear(2, 2), rows)
    with pytest.raises(ValueError, match="new_rows"):
        ml.extend_llama(spine, torch.zeros(3, 5))


def test_extend_llama_untied_output_gets_new_rows_too():
    torch.manual_seed(0)
    cfg = LlamaConfig(
        vocab_size=40, n_layer=1, n_head=2, n_kv_head=1, n_embd=16, intermediate_size=32, max_seq_len=16
    )
    cfg.tie_embeddings = False
    m = Llama(cfg).eval()
    rows = torch.randn(3, 16)
    ext = ml.extend_llama(m, rows).eval()
    assert torch.equal(ext.lm_head.weight[40:], rows) and torch.equal(ext.embed_tokens.weight[40:], rows)
    hf = ml.extend_hf(to_hf(m), rows).eval()
    ids = torch.tensor([[1, 41, 2, 42]])
    with torch.no_grad():
        torch.testing.assert_close(hf(ids).logits, ext(ids)[0], atol=1e-5, rtol=1e-5)


def test_llama_sentence_features_mean_pool_matches_unpadded_forward():
    torch.manual_seed(0)
    m = Llama(
        LlamaConfig(
            vocab_size=50, n_layer=2, n_head=2, n_kv_head=1, n_embd=16, intermediate_size=32, max_seq_len=24
        )
    ).eval()

    def encode(t: str) -> list[int]:
        return [1 + (ord(c) % 49) for c in t]

    texts = ["abc", "hello world", "x"]
    feats = xl.llama_sentence_features(m, encode, texts)
    assert feats.shape == (3, 3 * 16)
    for i, t in enumerate(texts):
        ids = torch.tensor([[0, *encode(t)]])
        h = m.embed_tokens(ids)
        pooled = [h[0, 1:].mean(0)]
        cos, sin = m.rope_cos[: ids.shape[1]], m.rope_sin[: ids.shape[1]]
        for block in m.layers:
            h = block(h, cos, sin, None)
            pooled.append(h[0, 1:].mean(0))
        pooled[-1] = m.norm(h)[0, 1:].mean(0)
        torch.testing.assert_close(feats[i], torch.cat(pooled).detach(), atol=1e-5, rtol=1e-5)
        # 마지막 층 특징의 마지막 토큰 자리는 모델의 로짓과 이어진다 (lm_head(norm(h)))
        torch.testing.assert_close(
            m.lm_head(m.norm(h))[0, -1], m(ids)[0][0, -1].detach(), atol=1e-5, rtol=1e-5
        )
    with pytest.raises(ValueError, match="texts"):
        xl.llama_sentence_features(m, encode, [])
    with pytest.raises(ValueError, match="max_seq_len"):
        xl.llama_sentence_features(m, encode, ["a" * 30])


# ------------------------------------------------------------------------------------------------ 결과 파일


def test_shipped_fake_korean_results_are_consistent():
    path = data_dir() / "multilingual" / "fake-korean-results.json"
    res = json.loads(path.read_text(encoding="utf-8"))
    import hashlib

    sha = hashlib.sha256(
        (models_dir() / res["recipe"]["base"] / "model.safetensors").read_bytes()
    ).hexdigest()
    assert res["base_model_sha256"] == sha
    steps = res["recipe"]["eval_steps"]
    for name in ("random", "mean", "wechsel"):
        curve = res["inits"][name]
        assert curve["step"] == list(steps) and len(curve["eval_loss"]) == len(steps)
        assert all(np.isfinite(curve["eval_loss"]))
    chosen = res["wechsel_chosen"]
    dev = res["wechsel_dev_loss"]
    assert dev[f"{chosen['k']},{chosen['temperature']}"] == min(dev.values())  # 개발 분할에서 고른 값
    assert {(p["task"], p["init"], p["steps"]) for p in res["probes"]} == {
        (t, i, s)
        for t in res["chance"]
        for i in ("random", "mean", "wechsel")
        for s in (0, res["recipe"]["steps"])
    }
    assert res["vocab"]["new"] + res["vocab"]["shared"] == res["recipe"]["vocab_size"]
