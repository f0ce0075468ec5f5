"""품질 필터와 더러운 말뭉치: 규칙이 고정 예제에서 맞게 걸리는지, 퍼플렉서티가 NGramLM 과 같은지, 정답 기록, 잘못된 입력."""

from __future__ import annotations

import math
import unicodedata
from collections import Counter

import pytest

from llmnotes import dirty, quality
from llmnotes.ngram import NGramConfig, NGramLM

GOOD = "모든 국민은 법 앞에 평등하다. 누구든지 성별·종교 또는 사회적 신분에 의하여 차별을 받지 아니한다."
FIXTURES = {
    "good": (GOOD, set()),
    "short": ("ㅋㅋㅋ", {"length"}),
    "long": ("\n".join([GOOD] * 80), {"length", "repetition"}),
    "english": ("The committee will review the proposal next week and report back.", {"hangul"}),
    "spam": ("대박 할인!!! 지금 클릭 ▶▶▶ " * 4, {"repetition", "symbols"}),
    "html": (
        "<div class='ad'>&nbsp;&gt;&gt;</div>" * 3,
        {"hangul", "symbols"},
    ),  # 공백이 없어 어절 반복으로는 안 걸린다
    "nfd": (unicodedata.normalize("NFD", GOOD), set()),  # NFD 도 NFC 로 바꿔서 본다
}


@pytest.mark.parametrize("name", list(FIXTURES))
def test_heuristics_on_fixtures(name):
    text, expected = FIXTURES[name]
    flags = quality.heuristic_flags([text])
    assert {r for r in quality.RULES if flags[r][0]} == expected


def test_doc_stats_values():
    s = quality.doc_stats("가나 가나 가나\nabc")
    assert s.n_chars == len("가나 가나 가나 abc")
    assert s.hangul_ratio == pytest.approx(6 / 9)  # 한글 6 / 글자 9
    assert s.dup_bigram_ratio == pytest.approx(1 - 2 / 3)  # (가나,가나) 두 번, (가나,abc) 한 번
    assert s.dup_line_ratio == 0.0


def test_perplexity_equals_ngram_lm():
    ref = ["대한민국은 민주공화국이다.\n모든 권력은 국민으로부터 나온다.", "국민은 법 앞에 평등하다."]
    pf = quality.PerplexityFilter(k=0.5).fit(ref)
    lm = NGramLM(NGramConfig(order=2, smoothing="add_k", k=0.5)).fit(
        [list(ln) for d in ref for ln in d.split("\n")]
    )
    for text in ["국민은 주권을 가진다. xyz\n대한민국", "Hello", GOOD]:
        expected = lm.perplexity([list(" ".join(ln.split())) for ln in text.split("\n") if ln.strip()])
        assert pf.score(text) == pytest.approx(expected, rel=1e-12)
    assert pf.score("") == math.inf
    assert pf.score("국민은 평등하다.") < pf.score("qzx vbn wrt kpl")


@pytest.fixture(scope="module")
def corpus():
    return dirty.build_dirty_corpus(
        dirty.DirtyConfig(n_generated=80, n_exact=15, n_near=15, n_hot=2, hot_copies=6)
    )


def test_dirty_corpus_truth(corpus):
    docs, heldout = corpus
    counts = Counter(d.kind for d in docs)
    assert counts["exact_dup"] == 15 + 2 * 3 and counts["near_dup"] == 15 + 2 * 3
    cfg = dirty.DirtyConfig()
    assert counts["spam"] == cfg.n_spam and counts["short"] == cfg.n_short and counts["long"] == cfg.n_long
    ids = {d.id: i for i, d in enumerate(docs)}
    for i, d in enumerate(docs):
        if d.kind in dirty.DUP_KINDS:
            assert ids[d.origin] < i and docs[ids[d.origin]].kind == "clean"  # 사본은 원본 뒤
        else:
            assert d.origin is None
    # 떼어 둔 검증 문서는 말뭉치에 없다
    texts = {" ".join(d.text.split()) for d in docs}
    assert not any(" ".join(t.split()) in texts for _, _, t in heldout)
    # 같은 설정은 같은 말뭉치
    again, _ = dirty.build_dirty_corpus(
        dirty.DirtyConfig(n_generated=80, n_exact=15, n_near=15, n_hot=2, hot_copies=6)
    )
    assert [d.text for d in again] == [d.text for d in docs]


def test_pipeline_precision_recall(corpus):
    docs, heldout = corpus
    reference = [t for _, _, t in heldout]
    removed = quality.clean_pipeline([d.text for d in docs], reference)
    gone = {i for v in removed.values() for i in v}
    p, r, *_ = dirty.precision_recall(
        [i in gone for i in range(len(docs))], [d.kind != "clean" for d in docs]
    )
    assert r >= 0.9 and p >= 0.7
    assert set(removed["exact"]) == {i for i, d in enumerate(docs) if d.kind == "exact_dup"}


def test_precision_recall_counts():
    p, r, tp, fp, fn = dirty.precision_recall([True, True, False, False], [True, False, True, False])
    assert (p, r, tp, fp, fn) == (0.5, 0.5, 1, 1, 1)
    with pytest.raises(ValueError, match="길이"):
        dirty.precision_recall([True], [])


def test_bad_input():
    with pytest.raises(ValueError, match="비어"):
        quality.heuristic_flags([])
    with pytest.raises(TypeError, match=r"docs\[0\]"):
        quality.heuristic_flags([None])
    with pytest.raises(ValueError, match="min_chars"):
        quality.HeuristicConfig(min_chars=100, max_chars=10)
    with pytest.raises(ValueError, match="min_hangul"):
        quality.HeuristicConfig(min_hangul=1.5)
    with pytest.raises(ValueError, match="k"):
        quality.PerplexityFilter(k=0)
    with pytest.raises(ValueError, match="fit"):
        quality.PerplexityFilter().score("가나다")
    with pytest.raises(ValueError, match="reference"):
        quality.PerplexityFilter().fit([])
    with pytest.raises(ValueError, match="n_spam"):
        dirty.DirtyConfig(n_spam=-1)
    with pytest.raises(ValueError, match="heldout_frac"):
        dirty.DirtyConfig(heldout_frac=1.0)


@pytest.fixture(scope="module")
def tiny_lm():
    """무작위 가중치의 작은 LlamaForCausalLM (설정에서 만듦) + 프로젝트 토크나이저."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from llmnotes.paths import models_dir

    tok = AutoTokenizer.from_pretrained(models_dir() / "tiny-ko-gpt")
    torch.manual_seed(0)
    cfg = LlamaConfig(
        vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
    )  # fmt: skip
    return LlamaForCausalLM(cfg).eval(), tok


def test_lm_char_nll_matches_direct_sum(tiny_lm):
    import torch
    import torch.nn.functional as F

    model, tok = tiny_lm
    text = unicodedata.normalize("NFD", GOOD)  # NFD 로 줘도 NFC 글자 수로 나눈다
    ids = torch.tensor([[tok.bos_token_id] + tok(GOOD, add_special_tokens=False)["input_ids"]])
    assert ids.shape[1] <= 64  # 창 하나에 들어가는 글: 한 번에 잰 교차 엔트로피 합과 같아야 한다
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0, :-1]
    direct = float(F.cross_entropy(logits, ids[0, 1:], reduction="sum")) / len(GOOD)
    assert quality.lm_char_nll(model, tok, text) == pytest.approx(direct, rel=1e-5)
    # 창을 짧게 하면 문맥이 줄어 값이 달라지지만, 모든 토큰을 한 번씩 예측하는 것은 같다
    short = quality.lm_char_nll(model, tok, GOOD, context=8)
    assert math.isfinite(short) and short != pytest.approx(direct, rel=1e-6)
    with pytest.raises(ValueError, match="비어"):
        quality.lm_char_nll(model, tok, "")
    with pytest.raises(TypeError, match="text"):
        quality.lm_char_nll(model, tok, None)
    with pytest.raises(ValueError, match="context"):
        quality.lm_char_nll(model, tok, GOOD, context=1)
