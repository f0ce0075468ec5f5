"""TF-IDF: scikit-learn TfidfVectorizer 와의 일치 (오차 1e-12), 어휘 순서, 잘못된 입력."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer as SkTfidf

from llmnotes.textgen import generate
from llmnotes.tfidf import TfidfConfig, TfidfVectorizer, count_matrix

TOL = 1e-12


def _identity(doc):
    return doc


@pytest.fixture(scope="module")
def docs():
    sents = generate(240, seed=3)
    return [" ".join(sents[i : i + 2]).split() for i in range(0, 240, 2)] + [[]]  # 빈 문서도 하나


OPTIONS = [
    {},
    {"norm": "l1"},
    {"norm": None},
    {"smooth_idf": False},
    {"sublinear_tf": True},
    {"sublinear_tf": True, "norm": None, "smooth_idf": False},
    {"min_df": 2},
    {"min_df": 0.05, "max_df": 0.5},
    {"max_df": 10},
    {"use_idf": False, "norm": "l1"},
    {"min_df": 3, "max_df": 0.9, "sublinear_tf": True, "norm": "l1"},
]


@pytest.mark.parametrize("opts", OPTIONS)
def test_matches_sklearn(docs, opts):
    sk = SkTfidf(analyzer=_identity, **opts)
    a = sk.fit_transform(docs)
    ours = TfidfVectorizer(TfidfConfig(**opts))
    b = ours.fit_transform(docs)
    assert sp.issparse(b) and b.dtype == np.float64
    assert list(ours.get_feature_names_out()) == list(sk.get_feature_names_out())
    assert ours.vocabulary_ == {k: int(v) for k, v in sk.vocabulary_.items()}
    assert abs(a - b).max() <= TOL
    if opts.get("use_idf", True):
        np.testing.assert_allclose(ours.idf_, sk.idf_, rtol=0, atol=TOL)
    # 새 문서 변환 (어휘에 없는 토큰은 세지 않음)
    new = [["민수가", "처음보는말", "민수가"], []]
    assert abs(sk.transform(new) - ours.transform(new)).max() <= TOL


def test_vocabulary_sorted_like_sklearn():
    docs = [["나", "가", "B", "a", "가"], ["ㄱ", "1"]]
    ours = TfidfVectorizer().fit(docs)
    assert list(ours.get_feature_names_out()) == sorted({"나", "가", "B", "a", "ㄱ", "1"})


def test_count_matrix_is_dtm():
    m, vocab = count_matrix([["사과", "배", "사과"], ["배"]])
    assert vocab == {"배": 0, "사과": 1}
    assert m.toarray().tolist() == [[1, 2], [1, 0]]


def test_nfd_merged_with_nfc():
    nfd = unicodedata.normalize("NFD", "한국")
    m, vocab = count_matrix([["한국", nfd], [nfd]])
    assert vocab == {"한국": 0}
    assert m.toarray().tolist() == [[2], [1]]


def test_bad_input(docs):
    with pytest.raises(ValueError, match="documents"):
        TfidfVectorizer().fit([])
    with pytest.raises(ValueError, match="토큰이 하나도"):
        TfidfVectorizer().fit([[], []])
    with pytest.raises(TypeError, match="str"):
        TfidfVectorizer().fit([["가", 1]])
    with pytest.raises(TypeError, match="str"):
        TfidfVectorizer().fit([["가", ["나"]]])
    with pytest.raises(TypeError, match=r"documents\[0\]"):
        TfidfVectorizer().fit(["토큰화 안 한 문서"])
    with pytest.raises(ValueError, match="norm"):
        TfidfConfig(norm="l3")
    with pytest.raises(ValueError, match="max_df"):
        TfidfConfig(max_df=1.5)
    with pytest.raises(ValueError, match="남은 토큰"):
        TfidfVectorizer(TfidfConfig(min_df=0.99)).fit(docs)
    with pytest.raises(ValueError, match="max_df"):
        TfidfVectorizer(TfidfConfig(min_df=5, max_df=2)).fit(docs)
    with pytest.raises(ValueError, match="fit"):
        TfidfVectorizer().transform([["가"]])


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["가", "나", "다", "라", "a", "B"]), max_size=8), min_size=1, max_size=8
    ),
    st.sampled_from(["l2", "l1", None]),
    st.booleans(),
    st.booleans(),
)
def test_property_matches_sklearn(docs, norm, smooth, sublinear):
    if not any(docs):
        return
    a = SkTfidf(analyzer=_identity, norm=norm, smooth_idf=smooth, sublinear_tf=sublinear).fit_transform(docs)
    b = TfidfVectorizer(TfidfConfig(norm=norm, smooth_idf=smooth, sublinear_tf=sublinear)).fit_transform(docs)
    assert abs(a - b).max() <= TOL
    if norm == "l2":
        norms = np.sqrt(np.asarray(b.multiply(b).sum(axis=1)).ravel())
        assert np.all((np.abs(norms - 1) < 1e-12) | (norms == 0))
