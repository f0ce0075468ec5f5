"""n-그램 언어 모델: nltk.lm 과의 퍼플렉서티 일치, 스무딩 성질, 샘플링, 잘못된 입력."""

from __future__ import annotations

import math
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.lm import MLE, KneserNeyInterpolated, Laplace, Lidstone
from nltk.lm.preprocessing import padded_everygram_pipeline

from llmnotes.ngram import NGramConfig, NGramLM, everygrams, pad_sentence
from llmnotes.textgen import generate

REL_TOL = 1e-9  # nltk 와의 퍼플렉서티 상대오차 허용치


@pytest.fixture(scope="module")
def data():
    train = [s.split() for s in generate(150, seed=1)]
    test = [s.split() for s in generate(25, seed=2)]
    return train, test


def _nltk_model(kind: str, order: int, train, **kw):
    text, vocab = padded_everygram_pipeline(order, train)
    if kind == "mle":
        m = MLE(order)
    elif kind == "laplace":
        m = Laplace(order)
    elif kind == "lidstone":
        m = Lidstone(kw["k"], order)
    else:
        m = KneserNeyInterpolated(order, discount=kw["discount"])
    m.fit(text, vocab)
    return m


def _ours(kind: str, order: int, train, **kw):
    if kind == "mle":
        cfg = NGramConfig(order=order, smoothing="mle")
    elif kind == "laplace":
        cfg = NGramConfig(order=order, smoothing="add_k", k=1.0)
    elif kind == "lidstone":
        cfg = NGramConfig(order=order, smoothing="add_k", k=kw["k"])
    else:
        cfg = NGramConfig(order=order, smoothing="kneser_ney", discount=kw["discount"])
    return NGramLM(cfg).fit(train)


CASES = [
    ("mle", 1, {}),
    ("mle", 2, {}),
    ("mle", 3, {}),
    ("laplace", 1, {}),
    ("laplace", 2, {}),
    ("laplace", 3, {}),
    ("lidstone", 2, {"k": 0.25}),
    ("kn", 2, {"discount": 0.75}),
    ("kn", 3, {"discount": 0.75}),
    ("kn", 3, {"discount": 0.1}),
]


@pytest.mark.parametrize("kind,order,kw", CASES)
def test_perplexity_matches_nltk(data, kind, order, kw):
    train, test = data
    ours = _ours(kind, order, train, **kw)
    ref = _nltk_model(kind, order, train, **kw)
    assert len(ours.vocab) == len(ref.vocab)  # 본 토큰 + <UNK>
    n_finite = 0
    for sents in (train[:30], test, [s for s in test if all(t in ours.vocab for t in s)]):
        grams = [g for s in sents for g in ours.sentence_ngrams(s)]
        a, b = ours.perplexity_ngrams(grams), ref.perplexity(grams)
        if math.isfinite(b):
            n_finite += 1
            assert a == pytest.approx(b, rel=REL_TOL)
        else:
            assert a == math.inf  # nltk 가 무한대인 곳에서는 우리도 (같은 식이므로) 무한대
    assert n_finite >= 1  # 학습 문장에서는 언제나 유한
    # 문장 단위 perplexity() 는 sentence_ngrams 를 모은 것과 같다
    assert ours.perplexity(train[:30]) == pytest.approx(
        ours.perplexity_ngrams([g for s in train[:30] for g in ours.sentence_ngrams(s)]), rel=1e-12
    )


@pytest.mark.parametrize("kind,order,kw", [c for c in CASES if c[1] > 1])
def test_single_probabilities_match_nltk(data, kind, order, kw):
    train, _ = data
    ours = _ours(kind, order, train, **kw)
    ref = _nltk_model(kind, order, train, **kw)
    for g in [g for s in train[:5] for g in ours.sentence_ngrams(s)]:
        assert ours.prob(g[-1], g[:-1]) == pytest.approx(
            ref.score(g[-1], list(g[:-1])), rel=REL_TOL, abs=1e-15
        )


def test_nltk_kn_quirks_documented(data):
    """nltk KN 의 특이점: 문맥 <s> 의 확률 합이 1 을 넘고, 미등록어는 확률 0. kn_proper=True 는 둘 다 고친다."""
    train, _ = data
    compat = NGramLM(NGramConfig(order=3, smoothing="kneser_ney")).fit(train)
    proper = NGramLM(NGramConfig(order=3, smoothing="kneser_ney", kn_proper=True)).fit(train)
    assert compat.distribution_sum(["<s>"]) > 1.0 + 1e-6
    assert compat.prob("처음보는말", ["민수가"]) == 0.0
    for ctx in (["<s>", "<s>"], ["<s>"], [], [train[0][0]], train[0][:2], ["없는", "문맥"]):
        assert proper.distribution_sum(ctx) == pytest.approx(1.0, abs=1e-12)
    assert proper.prob("처음보는말", ["민수가"]) > 0.0
    assert math.isfinite(proper.perplexity([["처음보는말", "입니다"]]))


def test_mle_zero_probability_and_add_k_fix(data):
    train, _ = data
    unseen = [["민수가", "바나나를", "우주에서", "먹었다."]]
    mle = NGramLM(NGramConfig(order=2)).fit(train)
    lap = NGramLM(NGramConfig(order=2, smoothing="add_k")).fit(train)
    assert mle.perplexity(unseen) == math.inf
    assert math.isfinite(lap.perplexity(unseen))
    for m in (mle, lap):
        assert m.distribution_sum([train[0][0]]) == pytest.approx(1.0, abs=1e-12)
    # 학습 문장에서는 MLE 가 스무딩보다 퍼플렉서티가 낮다 (스무딩은 본 사건의 확률을 나눠 준다)
    assert mle.perplexity(train) < lap.perplexity(train)


def test_counts_and_padding():
    m = NGramLM(NGramConfig(order=3)).fit([["가", "나"], ["가"]])
    assert pad_sentence(["가"], 3) == ["<s>", "<s>", "가", "</s>", "</s>"]
    assert m.counts[0][()]["가"] == 2
    assert m.counts[2][("<s>", "<s>")]["가"] == 2
    assert m.prob("나", ["<s>", "가"]) == pytest.approx(0.5)
    assert m.sentence_ngrams(["가"]) == [("<s>", "<s>", "가"), ("<s>", "가", "</s>")]
    assert len(everygrams(["a", "b", "c"], 2)) == 5
    assert m.vocab[-1] == "<UNK>"


def test_nfd_tokens_normalised():
    nfd = [unicodedata.normalize("NFD", t) for t in ["한국", "사람"]]
    a = NGramLM(NGramConfig(order=2)).fit([nfd])
    b = NGramLM(NGramConfig(order=2)).fit([["한국", "사람"]])
    assert a.vocab == b.vocab
    assert a.prob("사람", ["한국"]) == 1.0
    assert a.prob(unicodedata.normalize("NFD", "사람"), [unicodedata.normalize("NFD", "한국")]) == 1.0


def test_generate_seeded(data):
    train, _ = data
    m = NGramLM(NGramConfig(order=2)).fit(train)
    a, b, c = m.generate(seed=3), m.generate(seed=3), m.generate(seed=4)
    assert a == b and len(a) > 0
    assert all(t in m.vocab for t in a)
    assert a != c or m.generate(seed=5) != a
    assert m.generate(prefix=["민수가"], seed=0)[0] == "민수가"
    smooth = NGramLM(NGramConfig(order=2, smoothing="add_k", k=0.01)).fit(train)
    out = smooth.generate(max_tokens=8, seed=1)
    assert out == smooth.generate(max_tokens=8, seed=1) and 0 < len(out) <= 8
    assert all(t in smooth.vocab and t not in ("<s>", "<UNK>") for t in out)


def test_bad_input():
    with pytest.raises(ValueError, match="sentences"):
        NGramLM().fit([])
    with pytest.raises(ValueError, match="비어"):
        NGramLM().fit([[], []])
    with pytest.raises(TypeError, match="str"):
        NGramLM().fit([["가", 3]])
    with pytest.raises(TypeError, match="sentences"):
        NGramLM().fit(["가 나 다"])
    with pytest.raises(ValueError, match="order"):
        NGramConfig(order=0)
    with pytest.raises(ValueError, match="smoothing"):
        NGramConfig(smoothing="witten")
    with pytest.raises(ValueError, match="kneser_ney"):
        NGramConfig(order=1, smoothing="kneser_ney")
    with pytest.raises(ValueError, match="discount"):
        NGramConfig(discount=1.5)
    with pytest.raises(ValueError, match="fit"):
        NGramLM().prob("가")
    with pytest.raises(ValueError, match="<UNK>"):
        NGramLM().fit([["<UNK>"]])


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(list("가나다라마")), min_size=1, max_size=6), min_size=1, max_size=6),
    st.sampled_from(["mle", "add_k", "kneser_ney"]),
    st.integers(min_value=2, max_value=3),
)
def test_distribution_property(sents, smoothing, order):
    """어떤 말뭉치에서도: 확률은 [0, 1], 처음 보는 문맥이 아니면 MLE/add-k 분포의 합은 1."""
    m = NGramLM(NGramConfig(order=order, smoothing=smoothing, kn_proper=True)).fit(sents)
    ctx = ["<s>"] * (order - 1)
    dist = m.distribution(ctx)
    assert all(0.0 <= p <= 1.0 for p in dist.values())
    assert math.fsum(dist.values()) == pytest.approx(1.0, abs=1e-9)
    assert math.isfinite(m.perplexity(sents))
