"""BM25: rank-bm25 와의 점수 일치 (상대오차 1e-9), 상위 10개 일치, 일괄 검색, 저장/불러오기, 잘못된 입력."""

from __future__ import annotations

import json
import random
import unicodedata

import numpy as np
import pytest
from rank_bm25 import BM25L, BM25Okapi, BM25Plus

from llmnotes.bm25 import ENGINES, BM25Config, BM25Index
from llmnotes.textgen import generate

REL_TOL = 1e-9
REFS = {"okapi": BM25Okapi, "bm25l": BM25L, "bm25plus": BM25Plus}


@pytest.fixture(scope="module")
def corpus():
    """벤치마크와 같은 꼴의 작은 말뭉치: 생성 문장 3개짜리 문서 200개, 질의 60개."""
    sents = generate(600, seed=5)
    docs = [" ".join(sents[i : i + 3]).split() for i in range(0, 600, 3)]
    r = random.Random(0)
    queries = [r.sample(docs[r.randrange(len(docs))], r.randint(1, 4)) for _ in range(50)]
    queries += [q + q[:1] for q in queries[:5]]  # 같은 토큰이 두 번 나오는 질의
    queries += [["없는토큰"], [], ["없는토큰", docs[0][0]], ["이", "는"]]
    return docs, queries


def _expected_top(scores: np.ndarray, k: int) -> np.ndarray:
    return np.lexsort((np.arange(len(scores)), -scores))[:k]


@pytest.mark.parametrize("method", list(REFS))
@pytest.mark.parametrize("engine", list(ENGINES))
def test_matches_rank_bm25(corpus, method, engine):
    """두 검색 길(numba 빠른 길, numpy 평범한 길) 모두 rank-bm25 와 같은 점수·같은 상위 10개."""
    docs, queries = corpus
    ref = REFS[method](docs)
    ours = BM25Index.build(docs, BM25Config(method=method, engine=engine))
    batch_idx, batch_val = ours.search_batch(queries, k=10)
    for qi, q in enumerate(queries):
        a = ref.get_scores(q)
        b = ours.get_scores(q)
        np.testing.assert_allclose(b, a, rtol=REL_TOL, atol=1e-12)
        assert np.array_equal(b, a)  # 같은 식, 같은 순서로 더하므로 비트 단위로 같다 (동점 처리의 전제)
        expected = _expected_top(a, 10)
        idx, val = ours.search(q, k=10)
        np.testing.assert_array_equal(idx, expected)
        np.testing.assert_array_equal(batch_idx[qi], expected)
        np.testing.assert_allclose(batch_val[qi], a[expected], rtol=REL_TOL, atol=1e-12)
        np.testing.assert_allclose(val, a[expected], rtol=REL_TOL, atol=1e-12)


def test_idf_epsilon_floor_matches_rank_bm25():
    # '공통' 은 4개 문서 모두, '흔함' 은 3개에 나온다: 원래 idf 가 음수 → ε·평균 idf 로 바뀐다.
    docs = [["공통", "흔함", "가"], ["공통", "흔함", "나"], ["공통", "흔함", "다"], ["공통", "라", "라"]]
    ref = BM25Okapi(docs)
    ours = BM25Index.build(docs)
    assert ours.average_idf == pytest.approx(ref.average_idf, rel=1e-12)
    for term, j in ours.vocabulary.items():
        assert ours.idf[j] == pytest.approx(ref.idf[term], rel=1e-12)
    floor = 0.25 * ref.average_idf
    assert ours.idf[ours.vocabulary["공통"]] == pytest.approx(floor)
    assert ours.idf[ours.vocabulary["흔함"]] == pytest.approx(floor)
    raw = np.log(4 - 4 + 0.5) - np.log(4 + 0.5)
    assert raw < 0 < floor


def test_unknown_query_gives_zero_scores(corpus):
    docs, _ = corpus
    ours = BM25Index.build(docs)
    assert not ours.get_scores(["전혀없는말", "또없는말"]).any()
    idx, val = ours.search(["전혀없는말"], k=3)
    assert idx.tolist() == [0, 1, 2] and not val.any()


def test_nfd_query_and_documents(corpus):
    docs, _ = corpus
    nfd_docs = [[unicodedata.normalize("NFD", t) for t in d] for d in docs]
    a = BM25Index.build(docs)
    b = BM25Index.build(nfd_docs)
    q = docs[3][:2]
    np.testing.assert_array_equal(a.get_scores(q), b.get_scores(q))
    np.testing.assert_array_equal(a.get_scores(q), a.get_scores([unicodedata.normalize("NFD", t) for t in q]))


def test_save_load_roundtrip(corpus, tmp_path):
    docs, queries = corpus
    for method in REFS:
        ours = BM25Index.build(docs, BM25Config(method=method, k1=1.2, b=0.5))
        ours.save(tmp_path / method)
        meta = json.loads((tmp_path / method / "meta.json").read_text(encoding="utf-8"))
        assert meta["config"]["method"] == method
        back = BM25Index.load(tmp_path / method)
        for q in queries[:10]:
            np.testing.assert_array_equal(back.get_scores(q), ours.get_scores(q))
    with np.load(tmp_path / "okapi" / "arrays.npz", allow_pickle=False) as z:
        assert "data" in z.files  # pickle 없이 읽힌다


def test_top_k_ties_broken_by_index():
    rng = np.random.default_rng(0)
    for n, k in [(5000, 10), (5000, 1), (30, 10), (100_000, 10)]:
        scores = rng.integers(0, 4, n).astype(np.float64)  # 동점이 아주 많다
        np.testing.assert_array_equal(BM25Index._top_k(scores, k), _expected_top(scores, k))
        scores = rng.random(n)
        np.testing.assert_array_equal(BM25Index._top_k(scores, k), _expected_top(scores, k))
    zeros = np.zeros(1000)
    assert BM25Index._top_k(zeros, 5).tolist() == [0, 1, 2, 3, 4]


def test_degenerate_queries_on_larger_corpus():
    """문서 6,000개 (표본 문턱이 쓰이는 크기): 드문 토큰 하나뿐인 질의, 흔한 토큰뿐인 질의도 전체 정렬과 같다."""
    sents = generate(6000, seed=11)
    docs = [s.split() for s in sents]
    for i in (17, 2500, 5999):
        docs[i].append("희귀어")  # 문서 3개에만 나오는 토큰
    docs[3000].append("유일어")  # 문서 1개에만 나오는 토큰
    for method in REFS:
        ours = BM25Index.build(docs, BM25Config(method=method))
        plain = BM25Index.build(docs, BM25Config(method=method, engine="numpy"))
        df = np.diff(ours.weights.indptr)
        terms = sorted(ours.vocabulary, key=ours.vocabulary.get)
        rare = [terms[j] for j in np.flatnonzero(df <= 3)[:3]]
        common = [terms[j] for j in np.argsort(-df, kind="stable")[:3]]
        for q in ([rare[0]], rare, common, common + rare[:1], [rare[0], "없는토큰"]):
            scores = ours.get_scores(q)
            for index in (ours, plain):
                idx, val = index.search(q, k=10)
                np.testing.assert_array_equal(idx, _expected_top(scores, 10))
                np.testing.assert_array_equal(val, scores[idx])


def test_k_larger_than_corpus():
    docs = [["가", "나"], ["나"], ["다"]]
    ours = BM25Index.build(docs)
    idx, _ = ours.search(["나"], k=10)
    assert sorted(idx.tolist()) == [0, 1, 2]
    bidx, _ = ours.search_batch([["나"], ["다"]], k=10)
    assert bidx.shape == (2, 3)
    assert bidx[1, 0] == 2


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match="documents"):
        BM25Index.build([])
    with pytest.raises(ValueError, match="비어"):
        BM25Index.build([[], []])
    with pytest.raises(TypeError, match="str"):
        BM25Index.build([["가", 1]])
    with pytest.raises(TypeError, match=r"documents\[1\]"):
        BM25Index.build([["가"], "나 다"])
    idx = BM25Index.build([["가", "나"], ["다"]])
    with pytest.raises(TypeError, match="query"):
        idx.get_scores("가 나")
    with pytest.raises(TypeError, match="str"):
        idx.get_scores(["가", None])
    with pytest.raises(ValueError, match="k"):
        idx.search(["가"], k=0)
    with pytest.raises(ValueError, match="method"):
        BM25Config(method="bm25x")
    with pytest.raises(ValueError, match="b"):
        BM25Config(b=2.0)
    with pytest.raises(ValueError, match="engine"):
        BM25Config(engine="cuda")
    with pytest.raises(ValueError, match="meta.json"):
        BM25Index.load(tmp_path / "없는폴더")
    with pytest.raises(ValueError, match="build"):
        BM25Index().get_scores(["가"])


@pytest.mark.parametrize(
    "field,value",
    [
        ("k1", float("inf")),
        ("k1", float("nan")),
        ("k1", -1.0),
        ("b", float("nan")),
        ("epsilon", float("nan")),
        ("epsilon", float("inf")),
        ("delta", float("inf")),
        ("delta", float("nan")),
    ],
)
def test_non_finite_config_is_rejected_with_its_name(field, value):
    with pytest.raises(ValueError, match=field):
        BM25Config(**{field: value})


def test_where_rank_bm25_gives_nan_ours_counts_absent_terms_as_zero():
    """k1 = 0, 또는 b = 1 과 빈 문서: rank-bm25 는 tf = 0 인 항에서 0/0 = NaN 을 더해 점수가 NaN 이 된다.

    우리는 tf = 0 인 항을 계산하지 않는다 (BM25 의 합은 질의 토큰 중 문서에 있는 것만 더한다). 그래서 그 자리의 값은
    tf → 0 의 극한인 0 이고, rank-bm25 가 유한한 값을 내는 자리는 그 값과 같다 (BM25Config 의 문서에 적힌 동작).
    """
    docs = [["가", "나"], ["가", "다", "다"], [], ["라"]]
    query = ["가", "다"]
    for k1, b in [(0.0, 0.75), (1.5, 1.0)]:
        ref = BM25Okapi(docs, k1=k1, b=b)
        with np.errstate(invalid="ignore", divide="ignore"):
            a = ref.get_scores(query)
        ours = BM25Index.build(docs, BM25Config(k1=k1, b=b)).get_scores(query)
        assert np.isnan(a).any()  # 이 경계 사례가 실제로 NaN 을 만드는지 (테스트의 전제)
        assert np.isfinite(ours).all()
        # 손으로 계산: 문서에 있는 질의 토큰만 더한다 (idf 는 rank-bm25 의 것)
        for i, d in enumerate(docs):
            expected = 0.0
            for t in query:
                tf = d.count(t)
                if tf:
                    norm = 1 - b + b * len(d) / ref.avgdl
                    expected += ref.idf[t] * tf * (k1 + 1) / (tf + k1 * norm)
            assert ours[i] == pytest.approx(expected, rel=1e-12, abs=1e-12)
            if np.isfinite(a[i]):
                assert ours[i] == pytest.approx(a[i], rel=1e-9)


def _zipf_corpus(rng: np.random.Generator, n_docs: int, n_types: int) -> list[list[str]]:
    """지프(Zipf) 빈도의 무작위 말뭉치: 문서 길이 0–40, 토큰 종류 n_types 개."""
    p = 1.0 / np.arange(1, n_types + 1) ** rng.uniform(0.8, 1.3)
    p /= p.sum()
    return [[f"t{j}" for j in rng.choice(n_types, size=rng.integers(0, 41), p=p)] for _ in range(n_docs)]


@pytest.mark.parametrize("seed", range(6))
def test_fast_path_equals_plain_path_and_rank_bm25_on_random_corpora(seed):
    """빠른 길(numba)과 평범한 길(numpy)이 무작위 말뭉치·설정에서 같은 상위 k (번호·점수 비트 단위)를 내고,
    그것이 rank-bm25 점수를 (점수 내림차순, 번호 오름차순)으로 정렬한 것과 같다. 빈 문서, 음수 idf, 동점, 중복 토큰,
    없는 토큰, k > 점수가 0 보다 큰 문서 수 같은 경계가 저절로 섞인다."""
    rng = np.random.default_rng(seed)
    docs = _zipf_corpus(rng, int(rng.integers(20, 400)), int(rng.integers(5, 300)))
    if not any(docs):
        docs[0] = ["t0"]
    queries = [
        [f"t{j}" for j in rng.integers(0, 320, size=rng.integers(0, 7))] for _ in range(40)
    ]  # t300 이상은 색인에 없을 수 있다
    queries.append(queries[0] + queries[0])
    for method in REFS:
        k1, b = float(rng.uniform(0.2, 2.0)), float(rng.uniform(0.0, 0.99))
        ref = REFS[method](docs, k1=k1, b=b)
        fast = BM25Index.build(docs, BM25Config(method=method, k1=k1, b=b, engine="numba"))
        plain = BM25Index.build(docs, BM25Config(method=method, k1=k1, b=b, engine="numpy"))
        for k in (1, 10, len(docs)):
            fi, fv = fast.search_batch(queries, k=k)
            pi, pv = plain.search_batch(queries, k=k)
            np.testing.assert_array_equal(fi, pi)
            assert np.array_equal(fv, pv)
            for qi, q in enumerate(queries):
                a = ref.get_scores(q)
                expected = _expected_top(a, min(k, len(docs)))
                np.testing.assert_array_equal(fi[qi], expected)
                assert np.array_equal(fv[qi], a[expected])
