"""GloVe 와 gensim 도우미 테스트: 동시 출현 행렬, 가중 함수, 손실 감소, FastText 의 OOV 처리, 잘못된 입력."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from llmnotes.glove import (
    GloVe,
    GloVeConfig,
    cooccurrence_matrix,
    glove_weight,
    train_gensim_fasttext,
    train_gensim_word2vec,
)
from llmnotes.word2vec import Word2VecConfig, build_vocab


def test_cooccurrence_matches_loop():
    sents = [["a", "b", "c", "a"], ["b", "c"]]
    vocab = build_vocab(sents, min_count=1)
    x = cooccurrence_matrix(sents, vocab, window=2).toarray()
    expected = np.zeros((3, 3))
    for s in sents:
        for i, wi in enumerate(s):
            for j, wj in enumerate(s):
                if i != j and abs(i - j) <= 2:
                    expected[vocab.key_to_index[wi], vocab.key_to_index[wj]] += 1.0 / abs(i - j)
    np.testing.assert_allclose(x, expected)
    np.testing.assert_allclose(x, x.T)  # 대칭


def test_cooccurrence_does_not_cross_sentences():
    sents = [["a"], ["b"]]
    x = cooccurrence_matrix(sents, build_vocab(sents, min_count=1), window=5)
    assert x.nnz == 0


def test_weight_function():
    x = np.array([0.0, 1.0, 50.0, 100.0, 1000.0])
    f = glove_weight(x, x_max=100.0, alpha=0.75)
    np.testing.assert_allclose(f, [0.0, 0.01**0.75, 0.5**0.75, 1.0, 1.0])
    np.testing.assert_allclose(glove_weight(torch.tensor(x), 100.0, 0.75).numpy(), f)


def test_glove_loss_decreases_and_learns_structure():
    # 두 무리: {사과, 배, 귤} 는 '먹다' 와, {버스, 기차, 택시} 는 '타다' 와 함께 나온다
    rng = np.random.default_rng(0)
    fruits, vehicles = ["사과", "배", "귤"], ["버스", "기차", "택시"]
    sents = []
    for _ in range(300):
        sents.append(["나", "는", str(rng.choice(fruits)), "를", "먹", "다"])
        sents.append(["나", "는", str(rng.choice(vehicles)), "를", "타", "다"])
    model = GloVe(sents, GloVeConfig(vector_size=10, window=2, min_count=1, epochs=30, x_max=10.0))
    assert model.losses[-1] < 0.5 * model.losses[0]
    wv = model.wv
    assert wv.similarity("사과", "귤") > wv.similarity("사과", "버스")
    assert wv.similarity("기차", "택시") > wv.similarity("기차", "배")


def test_glove_bad_input():
    with pytest.raises(ValueError, match="window"):
        GloVeConfig(window=0)
    with pytest.raises(ValueError, match="x_max"):
        GloVeConfig(x_max=0)
    with pytest.raises(ValueError, match="비어"):
        GloVe([[]], GloVeConfig(min_count=1))
    with pytest.raises(ValueError, match="동시 출현"):
        GloVe([["a"], ["b"]], GloVeConfig(min_count=1))
    with pytest.raises(RuntimeError, match="train"):
        _ = GloVe().wv


def test_gensim_word2vec_helper_is_deterministic_with_one_worker():
    sents = [["나", "는", "밥", "을", "먹", "다"], ["너", "는", "빵", "을", "먹", "다"]] * 20
    cfg = Word2VecConfig(vector_size=8, min_count=1, epochs=2, seed=0)
    a = train_gensim_word2vec(sents, cfg).wv.vectors
    b = train_gensim_word2vec(sents, cfg).wv.vectors
    np.testing.assert_array_equal(a, b)


def test_fasttext_gives_vectors_for_unseen_word_forms():
    """어휘에 없는 어절(새 조사 조합)도 글자 n-그램으로 벡터를 얻고, 같은 어간의 어절과 가깝다."""
    sents = []
    for p in ["학교", "병원", "도서관", "시장"]:
        for j in ["에서", "으로", "에", "을"]:
            sents += [["민수", "는", f"{p}{j}", "갔다"], ["영희", "도", f"{p}{j}", "간다"]] * 3
    ft = train_gensim_fasttext(sents, vector_size=16, window=2, min_count=1, epochs=20, seed=0)
    assert "도서관에서도" not in ft.wv.key_to_index  # 처음 보는 어절
    vec = ft.wv["도서관에서도"]  # KeyError 가 아니라 n-그램 벡터의 평균
    assert vec.shape == (16,) and np.linalg.norm(vec) > 0
    assert ft.wv.similarity("도서관에서도", "도서관에서") > ft.wv.similarity("도서관에서도", "민수")


def test_fasttext_bad_ngram_range():
    with pytest.raises(ValueError, match="min_n"):
        train_gensim_fasttext([["a", "b"]], min_n=3, max_n=2)
    with pytest.raises(ValueError, match="window"):
        train_gensim_fasttext([["a", "b"]], window=0)
