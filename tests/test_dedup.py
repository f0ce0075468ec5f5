"""중복 제거: datasketch 와 MinHash 서명이 비트까지 같음, LSH 후보 쌍 일치, 손으로 만든 중복 사례, 잘못된 입력."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from hypothesis import given
from hypothesis import strategies as st

from llmnotes import dedup
from llmnotes.dirty import DUP_KINDS, DirtyConfig, build_dirty_corpus, precision_recall
from llmnotes.textgen import generate


def _ds_minhash(text: str, n: int, num_perm: int, seed: int, scheme: str) -> MinHash:
    m = MinHash(num_perm=num_perm, seed=seed, scheme=scheme)
    m.update_batch([s.encode("utf-8") for s in dedup.shingles(text, n)])
    return m


@pytest.fixture(scope="module")
def small_corpus():
    docs, _ = build_dirty_corpus(DirtyConfig(n_generated=60, n_exact=10, n_near=10, n_hot=2, hot_copies=4))
    return docs


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
@pytest.mark.parametrize("seed", [1, 7])
def test_signatures_identical_to_datasketch(small_corpus, scheme, seed):
    texts = [d.text for d in small_corpus[:150]] + ["", "가"]  # 빈 문서, n 보다 짧은 문서 포함
    ours = dedup.minhash_signatures(texts, n=5, num_perm=64, seed=seed, scheme=scheme)
    for t, sig in zip(texts, ours):
        ref = _ds_minhash(t, 5, 64, seed, scheme).hashvalues
        assert sig.dtype == ref.dtype
        np.testing.assert_array_equal(sig, ref)  # 허용 오차 0: 같은 정수


def test_permutations_identical_to_datasketch():
    for scheme in ("affine32", "legacy"):
        ref = MinHash(num_perm=32, seed=3, scheme=scheme).permutations
        np.testing.assert_array_equal(dedup.permutations(32, 3, scheme), np.asarray(ref))


def test_jaccard_estimate_matches_datasketch_and_truth(small_corpus):
    rng = np.random.RandomState(0)
    texts = [d.text for d in small_corpus]
    sigs = dedup.minhash_signatures(texts, n=5, num_perm=256, seed=1)
    errors = []
    for _ in range(200):
        i, j = rng.randint(len(texts), size=2)
        est = dedup.estimate_jaccard(sigs[i], sigs[j])
        ref = _ds_minhash(texts[i], 5, 256, 1, "affine32").jaccard(
            _ds_minhash(texts[j], 5, 256, 1, "affine32")
        )
        assert est == ref  # 같은 서명이므로 추정값도 정확히 같다
        errors.append(abs(est - dedup.jaccard(dedup.shingles(texts[i]), dedup.shingles(texts[j]))))
    # 표준오차 ≤ √(0.25/256) ≈ 0.031: 평균 오차는 그보다 작고, 최대 오차도 5 표준오차 안
    assert np.mean(errors) < 0.031
    assert max(errors) < 0.16


@pytest.mark.parametrize(("bands", "rows"), [(16, 8), (32, 4), (8, 16)])
def test_lsh_candidates_match_datasketch(small_corpus, bands, rows):
    texts = [d.text for d in small_corpus]
    cfg = dedup.LSHConfig(bands, rows, bands * rows)
    sigs = dedup.minhash_signatures(texts, n=5, num_perm=cfg.num_perm, seed=1)
    ours = dedup.lsh_candidates(sigs, cfg)
    lsh = MinHashLSH(num_perm=cfg.num_perm, params=(bands, rows))
    mhs = [_ds_minhash(t, 5, cfg.num_perm, 1, "affine32") for t in texts]
    for i, m in enumerate(mhs):
        lsh.insert(i, m)
    ref = {(min(i, j), max(i, j)) for i, m in enumerate(mhs) for j in lsh.query(m) if j != i}
    assert ours == ref
    assert len(ours) > 0


def test_exact_duplicates_hand_made():
    base = "대한민국은 민주공화국이다."
    docs = [
        base,
        unicodedata.normalize("NFD", base),  # NFD 로 저장된 같은 글
        "  대한민국은   민주공화국이다.\n",  # 공백만 다름
        "대한민국은\t민주공화국이다.",
        "대한민국은 민주공화국이다!",  # 문장부호가 다르면 다른 문서
        "모든 국민은 법 앞에 평등하다.",
    ]
    assert unicodedata.normalize("NFD", base) != base
    assert dedup.exact_duplicates(docs) == [1, 2, 3]
    assert dedup.exact_hash(docs[1]) == dedup.exact_hash(base)


def test_near_duplicates_hand_made():
    a = "모든 국민은 법 앞에 평등하다. 누구든지 성별·종교 또는 사회적 신분에 의하여 차별을 받지 아니한다."
    docs = [
        a,
        a.replace("누구든지", "누구라도"),
        "대한민국의 주권은 국민에게 있고, 모든 권력은 국민으로부터 나온다.",
        a + " 끝.",
    ]
    removed, pairs = dedup.near_duplicates(docs, threshold=0.7, n=3, config=dedup.LSHConfig(32, 4, 128))
    assert removed == [1, 3]
    assert (0, 1) in pairs and (0, 2) not in pairs


def test_pipeline_on_dirty_corpus_finds_all_exact(small_corpus):
    texts = [d.text for d in small_corpus]
    ex = set(dedup.exact_duplicates(texts))
    p, r, tp, fp, fn = precision_recall(
        [i in ex for i in range(len(texts))], [d.kind == "exact_dup" for d in small_corpus]
    )
    assert r == 1.0 and fn == 0  # 정규화 해시는 NFD·공백 사본을 모두 잡는다
    assert p >= 0.9
    dup_kinds = [d.kind in DUP_KINDS for d in small_corpus]
    assert sum(dup_kinds) == 10 + 10 + 2 * 4


def test_candidate_probability_s_curve():
    s = np.linspace(0, 1, 11)
    p = dedup.candidate_probability(s, bands=16, rows=8)
    assert p[0] == 0.0 and p[-1] == 1.0
    assert np.all(np.diff(p) >= 0)
    # 1 − (1 − s^r)^b 를 손으로: s = 0.5, r = 2, b = 3 → 1 − 0.75³
    assert dedup.candidate_probability(0.5, 3, 2) == pytest.approx(1 - 0.75**3)


@given(st.text(alphabet="가나다라 \t\n.", max_size=40), st.integers(1, 6))
def test_shingles_whitespace_invariant(text, n):
    assert dedup.shingles(text, n) == dedup.shingles("  " + text.replace(" ", "  ") + "\n", n)


def test_bad_input():
    with pytest.raises(ValueError, match="비어"):
        dedup.exact_duplicates([])
    with pytest.raises(ValueError, match="비어"):
        dedup.near_duplicates([])
    with pytest.raises(TypeError, match=r"docs\[1\]"):
        dedup.exact_duplicates(["가", 3])
    with pytest.raises(TypeError, match="docs"):
        dedup.minhash_signatures("문자열 하나")
    with pytest.raises(ValueError, match="num_perm"):
        dedup.LSHConfig(bands=10, rows=8, num_perm=128)
    with pytest.raises(ValueError, match="n-그램"):
        dedup.shingles("가나다", 0)
    with pytest.raises(ValueError, match="n-그램"):
        dedup.minhash_signatures(["가나다"], n=-1)
    with pytest.raises(ValueError, match="scheme"):
        dedup.permutations(8, scheme="affine16")
    with pytest.raises(ValueError, match="threshold"):
        dedup.near_duplicates(["가"], threshold=1.5)
    sigs = dedup.minhash_signatures(generate(3), num_perm=64)
    with pytest.raises(ValueError, match="num_perm=128"):
        dedup.lsh_candidates(sigs, dedup.LSHConfig())
