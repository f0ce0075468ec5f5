"""벡터 저장소: FAISS IndexFlatIP 와 NumPy 전수 검색의 동등성, 저장/불러오기, 잘못된 입력."""

from __future__ import annotations

import numpy as np
import pytest

from llmnotes.vectorstore import VectorStore, faiss_available

needs_faiss = pytest.mark.skipif(not faiss_available(), reason="faiss-cpu 가 설치되어 있지 않음")


def _data(n: int = 500, d: int = 32, m: int = 20, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    q = rng.standard_normal((m, d)).astype(np.float32)
    return x, q, [f"doc{i}" for i in range(n)]


@needs_faiss
@pytest.mark.parametrize("k", [1, 5, 37])
def test_faiss_numpy_parity(k):
    # 같은 벡터에서 상위 k id 가 같고 점수는 1e-5 이내.
    x, q, ids = _data()
    f = VectorStore(32, backend="faiss")
    n = VectorStore(32, backend="numpy")
    f.add(x, ids)
    n.add(x, ids)
    fi, fs = f.search(q, k)
    ni, ns = n.search(q, k)
    assert fi == ni
    np.testing.assert_allclose(fs, ns, atol=1e-5)
    assert fs.shape == (20, k)


def test_numpy_matches_brute_force_argsort():
    x, q, ids = _data(n=200, d=8, m=5, seed=1)
    s = VectorStore(8, backend="numpy")
    s.add(x, ids)
    got, scores = s.search(q, 10)
    full = q @ x.T
    for i in range(5):
        order = np.argsort(-full[i], kind="stable")[:10]
        assert got[i] == [ids[j] for j in order]
        np.testing.assert_allclose(scores[i], full[i, order], atol=1e-6)
        assert np.all(np.diff(scores[i]) <= 0)


def test_numpy_ties_break_by_insertion_order():
    s = VectorStore(2, backend="numpy")
    s.add(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]), ["a", "b", "c"])
    got, scores = s.search(np.array([1.0, 0.0]), 3)
    assert got == [["a", "c", "b"]]
    np.testing.assert_allclose(scores[0], [1.0, 1.0, 0.0])


def test_k_larger_than_store_is_clipped():
    x, q, ids = _data(n=4, d=3, m=2)
    s = VectorStore(3, backend="numpy")
    s.add(x, ids)
    got, scores = s.search(q, 10)
    assert [len(g) for g in got] == [4, 4]
    assert scores.shape == (2, 4)


@pytest.mark.parametrize("backend", ["numpy", pytest.param("faiss", marks=needs_faiss)])
def test_save_load_roundtrip(tmp_path, backend):
    x, q, ids = _data(n=100, d=16, m=3)
    s = VectorStore(16, backend=backend)
    s.add(x[:60], ids[:60])
    s.add(x[60:], ids[60:])  # 두 번에 나눠 더해도 같다
    s.save(tmp_path / "vs")
    expected = "index.faiss" if backend == "faiss" else "vectors.npz"
    assert (tmp_path / "vs" / expected).is_file()
    t = VectorStore.load(tmp_path / "vs")
    assert t.backend == backend and len(t) == 100 and t.ids == ids
    a_ids, a_s = s.search(q, 7)
    b_ids, b_s = t.search(q, 7)
    assert a_ids == b_ids
    np.testing.assert_array_equal(a_s, b_s)
    np.testing.assert_array_equal(t.vectors(), x)


def test_bad_inputs(tmp_path):
    s = VectorStore(4, backend="numpy")
    with pytest.raises(ValueError, match="비어 있습니다"):
        s.search(np.zeros(4), 1)
    with pytest.raises(ValueError, match="비어 있어"):
        s.save(tmp_path / "x")
    s.add(np.eye(4), ["a", "b", "c", "d"])
    for k in (0, -1):
        with pytest.raises(ValueError, match="k는 1 이상"):
            s.search(np.zeros(4), k)
    with pytest.raises(ValueError, match="k는 1 이상"):
        s.search(np.zeros(4), True)
    with pytest.raises(ValueError, match="중복된 식별자.*'a'"):
        s.add(np.eye(4)[:1], ["a"])
    with pytest.raises(ValueError, match="중복된 식별자.*'z'"):
        s.add(np.eye(4)[:2], ["z", "z"])
    with pytest.raises(ValueError, match="차원"):
        s.search(np.zeros(5), 1)
    with pytest.raises(ValueError, match="NaN"):
        s.add(np.full((1, 4), np.nan), ["n"])
    with pytest.raises(ValueError, match="개수"):
        s.add(np.eye(4)[:2], ["p"])
    with pytest.raises(TypeError, match="ids"):
        s.add(np.eye(4)[:1], "p")
    with pytest.raises(ValueError, match="dim"):
        VectorStore(0)
    with pytest.raises(ValueError, match="backend"):
        VectorStore(4, backend="annoy")
    with pytest.raises(ValueError, match="meta.json"):
        VectorStore.load(tmp_path / "nothing")
    assert len(s) == 4  # 실패한 add 는 아무것도 더하지 않는다
