"""교차언어 전이 부품 (llmnotes.multilingual.transfer): 생성기, 사전학습 문서, 문장 특징, 선형 탐사."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from llmnotes.gpt import GPT, GPTConfig
from llmnotes.multilingual import transfer as xl


def test_reviews_are_deterministic_balanced_and_translated():
    a = xl.generate_reviews(200, seed=3)
    assert a == xl.generate_reviews(200, seed=3)
    assert a != xl.generate_reviews(200, seed=4)
    assert sum(r.sentiment for r in a) == 100
    assert {r.topic for r in a} == set(range(len(xl.TOPICS)))
    lex = xl.review_lexicon()
    for r in a:
        # 한국어 문장의 사전 낱말과 그 영어 짝이 번역문에 함께 있다 (평가어는 과거형·이음형 어간으로 찾는다)
        for ko, en in lex:
            stem = ko[:-1]
            if any(w.startswith(stem) for w in r.ko.replace(".", " ").split()) and len(stem) > 1:
                assert en in r.en, (ko, en, r)
        assert "  " not in r.ko and r.ko.endswith(".") and r.en.endswith(".")
    assert not any(c.isascii() and c.isalpha() for r in a for c in r.ko)


def test_code_switch_replaces_only_dictionary_words():
    plain = xl.generate_reviews(50, seed=0)
    mixed = xl.generate_reviews(50, seed=0, code_switch=1.0)
    en_words = {en for _, en in xl.review_lexicon()}
    for r in mixed:
        latin = " ".join(
            w for w in r.ko.replace(".", " ").split() if any(c.isascii() and c.isalpha() for c in w)
        )
        assert latin, r
        assert any(e in latin for e in en_words)
    assert [r.topic for r in plain] != [] and all(0 <= r.topic < len(xl.TOPICS) for r in mixed)
    with pytest.raises(ValueError, match="code_switch"):
        xl.generate_reviews(5, seed=0, code_switch=1.5)
    with pytest.raises(ValueError, match="n은 1 이상의 정수여야 합니다: 0"):
        xl.generate_reviews(0, seed=0)


def test_pretraining_documents_conditions_and_exclusion():
    task = xl.generate_reviews(100, seed=99)
    docs = {c: xl.pretraining_documents(c, 300, 100, seed=0, exclude=task) for c in xl.CONDITIONS}
    assert docs["ko+en"][: len(docs["ko"])] == docs["ko"]  # 한국어 부분은 조건마다 같다
    assert not any(any(c.isascii() and c.isalpha() for c in d) for d in docs["ko"])
    assert sum("\n" in d for d in docs["ko+en+parallel"]) == len(docs["ko+en+parallel"]) - len(docs["ko+en"])
    held = {r.ko for r in task} | {r.en for r in task}
    for d in docs.values():
        assert not any(part in held for doc in d for part in doc.split("\n"))
    with pytest.raises(ValueError, match="condition"):
        xl.pretraining_documents("en", 10, 0)


def test_sentence_features_mean_pool_matches_unpadded_forward():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=50, n_layer=2, n_head=2, n_embd=16, block_size=32)).eval()

    def encode(t: str) -> list[int]:
        return [1 + (ord(c) % 49) for c in t]

    texts = ["abc", "hello world", "x"]
    feats = xl.sentence_features(model, encode, texts)
    assert feats.shape == (3, 3 * 16)
    for i, t in enumerate(texts):  # 한 문장씩 채움 없이 계산한 것과 같다
        ids = torch.tensor([[0, *encode(t)]])
        h = model.transformer.wte(ids) + model.transformer.wpe(torch.arange(ids.shape[1]))
        pooled = [h[0, 1:].mean(0)]
        for block in model.transformer.h:
            h = block(h)
            pooled.append(h[0, 1:].mean(0))
        pooled[-1] = model.transformer.ln_f(h)[0, 1:].mean(0)
        torch.testing.assert_close(feats[i], torch.cat(pooled).detach(), atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="texts"):
        xl.sentence_features(model, encode, [])
    with pytest.raises(ValueError, match="block_size"):
        xl.sentence_features(model, encode, ["a" * 40])


def test_linear_probe_matches_sklearn_logistic_regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 12)) * rng.uniform(0.1, 5, 12) + rng.normal(size=12)
    y = (X[:, 0] + X[:, 1] > X[:, 2]).astype(int) + (X[:, 3] > 1)
    probe = xl.LinearProbe(C=0.1).fit(torch.tensor(X), y)
    scaler = StandardScaler().fit(X)
    ref = LogisticRegression(C=0.1, max_iter=5000, tol=1e-10).fit(scaler.transform(X), y)
    np.testing.assert_allclose(probe.W.numpy(), ref.coef_.T, atol=1e-5)
    np.testing.assert_allclose(probe.b.numpy(), ref.intercept_, atol=1e-5)
    Xt = rng.normal(size=(60, 12)) * 2
    assert (probe.predict(torch.tensor(Xt)).numpy() == ref.predict(scaler.transform(Xt))).all()
    assert probe.accuracy(torch.tensor(X), y) == pytest.approx(ref.score(scaler.transform(X), y))
    with pytest.raises(ValueError, match="C는 양수"):
        xl.LinearProbe(C=0)
    with pytest.raises(ValueError, match="둘 이상"):
        xl.LinearProbe().fit(torch.zeros(4, 2), [1, 1, 1, 1])
