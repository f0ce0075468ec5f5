"""밀집 인코더: LSA (scikit-learn TruncatedSVD 와 동등성), 바이-인코더 학습·저장·배포 체크포인트."""

from __future__ import annotations

import hashlib
import json
import random

import numpy as np
import pytest

from llmnotes.dense import (
    BiEncoder,
    BiEncoderConfig,
    LSAEncoder,
    _content_batch,
    _eojeol_features,
    featurize,
    note_queries,
    pseudo_queries,
    train,
)
from llmnotes.paths import models_dir

TEXTS = [
    "국회는 국민의 선거로 뽑힌 국회의원으로 구성한다.",
    "대통령의 임기는 5년으로 하며, 중임할 수 없다.",
    "모든 국민은 거주·이전의 자유를 가진다.",
    "법관은 헌법과 법률에 의하여 양심에 따라 독립하여 심판한다.",
    "모든 국민은 통신의 비밀을 침해받지 아니한다.",
    "국회의원의 임기는 4년으로 한다.",
]


def test_lsa_matches_sklearn_truncated_svd():
    # 같은 TF-IDF 행렬에서 sklearn TruncatedSVD(arpack) 와 코사인 유사도 행렬이 같다 (SVD 부호와 무관, 1e-6).
    from sklearn.decomposition import TruncatedSVD

    enc = LSAEncoder(TEXTS, dim=3)
    ours = enc.encode(TEXTS)
    x = enc.vectorizer.transform(_content_batch(TEXTS))
    ref = TruncatedSVD(n_components=3, algorithm="arpack", random_state=0).fit(x).transform(x)
    ref /= np.linalg.norm(ref, axis=1, keepdims=True)
    np.testing.assert_allclose(ours @ ours.T, ref @ ref.T, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-6)


def test_lsa_bad_dim_and_oov_query():
    with pytest.raises(ValueError, match="dim은 1 이상 6 이하"):
        LSAEncoder(TEXTS, dim=7)
    with pytest.raises(ValueError, match="texts가 비어"):
        LSAEncoder([], dim=1)
    enc = LSAEncoder(TEXTS, dim=2)
    assert np.all(enc.encode(["피자"]) == 0)  # 어휘 밖 낱말만 있으면 0 벡터


def test_featurize_morphemes_and_char_ngrams():
    (f,) = featurize(["나랏일을"])
    assert "c:<나" in f and "c:일을>" in f and "c:나랏일" in f
    (g,) = featurize(["국회의원은"])
    assert "m:국회" in g or "m:국회의원" in g
    # NFD 로 들어와도 NFC 와 같은 특징
    import unicodedata

    assert featurize([unicodedata.normalize("NFD", "국회의원은")]) == [g]
    eo = _eojeol_features(["국회는 임기를"], (2,))
    assert len(eo[0]) == 2 and "m:국회" in eo[0][0] and "m:임기" in eo[0][1]


def test_pseudo_queries_come_from_the_chunk():
    eo = _eojeol_features([TEXTS[1]], (2, 3))[0]
    allowed = {f for ej in eo for f in ej}
    rng = random.Random(0)
    for _ in range(50):
        q = pseudo_queries(eo, rng, 0.5)
        assert q
        # 어절 구간에서 온 특징이거나, 형태소 'm:' 과 그 글자 n-그램이다
        assert all(f in allowed or f.startswith("c:") for f in q)
        assert any(f in allowed for f in q)


def test_note_queries_mix_note_phrases_and_chunk_words():
    eo = _eojeol_features([TEXTS[2]], (2, 3))[0]
    phrases = featurize(["이사할 자유", "사는 곳 옮기기", "원하는 곳에 살기"])
    from_notes = {f for ph in phrases for f in ph}
    from_chunk = {f for ej in eo for f in ej}
    rng = random.Random(0)
    mixed = 0
    for _ in range(60):
        q = note_queries(phrases, eo, rng)
        assert any(f in from_notes for f in q)  # 노트 구절이 적어도 하나
        extra = [f for f in q if f not in from_notes]
        # 나머지는 청크의 내용 형태소와 그 글자 n-그램뿐이다
        assert all(f in from_chunk or f.startswith("c:") for f in extra)
        mixed += any(f.startswith("m:") for f in extra)
    assert 10 < mixed < 50  # 반반의 확률로 섞는다
    with pytest.raises(ValueError, match="phrases"):
        note_queries([], eo, rng)


def test_train_with_note_phrases(tmp_path):
    cfg = BiEncoderConfig(steps=80, batch_size=6, dim=16, seed=1, note_prob=0.7)
    groups = [f"d{i}" for i in range(len(TEXTS))]
    phrases = [
        ["국회 구성", "의원 뽑기"],
        ["대통령 몇 년"],
        ["이사할 자유"],
        ["판사 독립"],
        ["편지 전화"],
        [],
    ]
    m1, l1 = train(TEXTS, groups, cfg, phrases=phrases)
    m2, l2 = train(TEXTS, groups, cfg, phrases=phrases)
    assert l1 == l2  # 같은 시드면 같은 손실 (배치가 작아 손실 곡선은 들쭉날쭉하므로 검색으로 확인한다)
    np.testing.assert_array_equal(m1.embeddings, m2.embeddings)
    v = m1.encode(TEXTS)
    q = m1.encode(["이사할 자유", "편지 전화"])  # 노트의 쉬운 말로 찾으면 그 조문이 가장 가깝다
    assert list(np.argmax(q @ v.T, axis=1)) == [2, 4]
    with pytest.raises(ValueError, match="phrases"):
        train(TEXTS, groups, cfg, phrases=phrases[:2])
    with pytest.raises(ValueError, match="note_prob"):
        BiEncoderConfig(note_prob=1.5)


def test_train_small_is_deterministic_and_learns(tmp_path):
    cfg = BiEncoderConfig(steps=60, batch_size=6, dim=16, seed=3)
    groups = [f"d{i}" for i in range(len(TEXTS))]
    m1, l1 = train(TEXTS, groups, cfg)
    m2, l2 = train(TEXTS, groups, cfg)
    assert l1 == l2
    np.testing.assert_array_equal(m1.embeddings, m2.embeddings)
    assert np.mean(l1[-10:]) < np.mean(l1[:10])
    v = m1.encode(TEXTS)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    # 청크 자신의 문장 일부로 찾으면 자기 자신이 가장 가깝다
    q = m1.encode(["대통령의 임기는", "통신의 비밀을"])
    assert list(np.argmax(q @ v.T, axis=1)) == [1, 4]
    m1.save(tmp_path / "enc")
    m3 = BiEncoder.load(tmp_path / "enc")
    np.testing.assert_allclose(m3.encode(TEXTS), v, atol=2e-3)  # float16 저장
    assert m3.config == cfg


def test_train_bad_inputs():
    with pytest.raises(ValueError, match="개수"):
        train(TEXTS, ["a"], BiEncoderConfig(steps=1))
    with pytest.raises(ValueError, match="2개 이상"):
        train(TEXTS, ["a"] * len(TEXTS), BiEncoderConfig(steps=1))
    with pytest.raises(ValueError, match="steps"):
        BiEncoderConfig(steps=0)
    with pytest.raises(ValueError, match="drop"):
        BiEncoderConfig(drop=1.0)
    with pytest.raises(TypeError, match="texts"):
        featurize("문자열 하나")
    with pytest.raises(FileNotFoundError, match="config.json"):
        BiEncoder.load(models_dir() / "no-such-model")


def test_shipped_checkpoint_recipe_and_size():
    path = models_dir() / "dense-retriever"
    recipe = json.loads((path / "recipe.json").read_text(encoding="utf-8"))
    total = 0
    for name, digest in recipe["files_sha256"].items():
        data = (path / name).read_bytes()
        total += len(data)
        assert hashlib.sha256(data).hexdigest() == digest, name
    assert total <= 10 * 2**20
    assert recipe["seed"] == 0 and "질의응답 데이터는 쓰지 않음" in recipe["training_data"]
    # 학습에 쓴 쉬운 말 노트 파일이 지금 저장소의 것과 같다
    notes = (models_dir().parent / "rag" / "article_notes.jsonl").read_bytes()
    assert recipe["notes_sha256"] == hashlib.sha256(notes).hexdigest()
    # 학습에 쓴 조문별 질문 파일(두 번째 사람이 평가 질문을 보지 않고 씀)도 지금 저장소의 것과 같다
    questions = (models_dir().parent / "rag" / "article_questions.jsonl").read_bytes()
    assert recipe["questions_sha256"] == hashlib.sha256(questions).hexdigest()
    assert "article_questions.jsonl" in recipe["training_data"]
    enc = BiEncoder.load()
    assert enc.dim == recipe["config"]["dim"] and len(enc.vocab) == recipe["vocab_size"]
    v = enc.encode(["대통령의 임기", "피자"])
    assert v.shape == (2, enc.dim) and v.dtype == np.float32
