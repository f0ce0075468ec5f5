"""벡터 저장소(vector store): 내적(inner product) 최근접 검색. FAISS ``IndexFlatIP`` 와 NumPy 전수 검색.

벡터 n 개 x_1..x_n (차원 d) 과 질의 q 에 대해 점수 s_i = q · x_i 를 모두 계산하고 큰 순서로 k 개를 고른다.
벡터를 미리 L2 정규화해 두면 내적이 곧 코사인 유사도(cosine similarity)다.

- ``backend="faiss"``: ``faiss.IndexFlatIP`` (정확한 전수 검색, 근사 없음). ``faiss-cpu`` 가 필요하다.
- ``backend="numpy"``: 같은 계산을 NumPy 행렬곱으로 한다 (float32). FAISS 가 없어도 돌아간다.
- ``backend="auto"``: FAISS 가 있으면 FAISS, 없으면 NumPy.

두 백엔드는 같은 벡터에 대해 같은 상위 k 번호를 내고, 점수는 float32 반올림 차이(1e-5 이내)만 난다.
동점은 번호가 작은 쪽이 앞선다 (NumPy 쪽은 결정적으로 그렇게 정렬한다).
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["VectorStore", "BACKENDS", "faiss_available"]

BACKENDS = ("auto", "faiss", "numpy")
_FORMAT_VERSION = 1


def faiss_available() -> bool:
    """``faiss`` 모듈을 import 할 수 있는지."""
    return importlib.util.find_spec("faiss") is not None


def _as_matrix(x: object, name: str, dim: int | None = None) -> np.ndarray:
    """2차원 float32 C-연속 배열로 바꾸고 모양·유한성을 검사한다."""
    arr = np.asarray(x)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise TypeError(f"{name}: 실수 배열이어야 합니다 (dtype={arr.dtype})")
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"{name}: [개수 × 차원] 2차원 배열이어야 합니다 (shape={arr.shape})")
    if arr.shape[0] == 0:
        raise ValueError(f"{name}: 비어 있습니다 (shape={arr.shape})")
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(f"{name}의 차원이 저장소 차원과 다릅니다: 저장소 {dim}, shape={arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}에 NaN이나 무한대가 있습니다")
    return arr


class VectorStore:
    """내적 최근접 검색 저장소 (FAISS ``IndexFlatIP`` 또는 NumPy 전수 검색).

    Args:
        dim: 벡터 차원 (≥ 1).
        backend: 'auto', 'faiss', 'numpy'.
    """

    def __init__(self, dim: int, backend: str = "auto") -> None:
        if not isinstance(dim, int) or isinstance(dim, bool) or dim < 1:
            raise ValueError(f"dim은 1 이상의 정수여야 합니다: {dim!r}")
        if backend not in BACKENDS:
            raise ValueError(f"backend는 {list(BACKENDS)} 중 하나여야 합니다: {backend!r}")
        if backend == "auto":
            backend = "faiss" if faiss_available() else "numpy"
        if backend == "faiss" and not faiss_available():
            raise ValueError("backend='faiss'이지만 faiss를 import 할 수 없습니다 (faiss-cpu 설치 필요)")
        self.dim = dim
        self.backend = backend
        self.ids: list[str] = []
        self._pos: dict[str, int] = {}
        self._vectors = np.zeros((0, dim), dtype=np.float32)  # NumPy 백엔드의 저장 공간
        self._index = None
        if backend == "faiss":
            import faiss

            self._index = faiss.IndexFlatIP(dim)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        """벡터가 차지하는 바이트 수 (n × d × 4)."""
        return len(self.ids) * self.dim * 4

    def add(self, vectors: object, ids: Sequence[str]) -> None:
        """벡터들을 식별자와 함께 더한다.

        Args:
            vectors: [n × dim] 실수 배열 (float32 로 바꿔 저장).
            ids: 벡터마다 식별자 (str). 이미 있는 식별자나 중복이면 ``ValueError``.
        """
        x = _as_matrix(vectors, "vectors", self.dim)
        if isinstance(ids, str) or not isinstance(ids, Sequence):
            raise TypeError(f"ids는 문자열들의 리스트여야 합니다: {type(ids).__name__}")
        ids = list(ids)
        if len(ids) != x.shape[0]:
            raise ValueError(f"ids의 개수가 vectors의 행 수와 다릅니다: {len(ids)} ≠ {x.shape[0]}")
        seen: set[str] = set()
        for i in ids:
            if not isinstance(i, str):
                raise TypeError(f"ids의 원소는 str이어야 합니다: {i!r}")
            if i in seen or i in self._pos:
                raise ValueError(f"ids에 중복된 식별자가 있습니다: {i!r}")
            seen.add(i)
        for i in ids:
            self._pos[i] = len(self.ids)
            self.ids.append(i)
        if self._index is not None:
            self._index.add(x)
        else:
            self._vectors = np.concatenate([self._vectors, x]) if len(self._vectors) else x.copy()

    def vectors(self) -> np.ndarray:
        """저장된 벡터 전부 [n × dim] (float32 사본)."""
        if self._index is not None:
            return self._index.reconstruct_n(0, self._index.ntotal).copy()
        return self._vectors.copy()

    def search(self, queries: object, k: int = 10) -> tuple[list[list[str]], np.ndarray]:
        """질의 벡터마다 내적이 큰 상위 k 개를 찾는다.

        Args:
            queries: [m × dim] (또는 [dim] 하나) 실수 배열.
            k: 돌려줄 개수 (≥ 1). 저장된 벡터 수보다 크면 그 수만큼.

        Returns:
            (질의마다 식별자 리스트, 점수 [m × k'] float32). 점수 내림차순, 동점은 먼저 더한 벡터가 앞.
        """
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise ValueError(f"k는 1 이상의 정수여야 합니다: {k!r}")
        if not self.ids:
            raise ValueError("벡터 저장소가 비어 있습니다: 먼저 add(vectors, ids)로 벡터를 넣으세요")
        q = _as_matrix(queries, "queries", self.dim)
        k = min(k, len(self.ids))
        if self._index is not None:
            scores, idx = self._index.search(q, k)
        else:
            idx, scores = self._numpy_search(q, k)
        return [[self.ids[j] for j in row] for row in idx], scores

    def _numpy_search(self, q: np.ndarray, k: int, block: int = 256) -> tuple[np.ndarray, np.ndarray]:
        """NumPy 전수 검색: S = Q Xᵀ (float32) 를 질의 block 개씩 계산하고 행마다 상위 k 를 고른다."""
        x = self._vectors
        n = x.shape[0]
        out_idx = np.zeros((q.shape[0], k), dtype=np.int64)
        out_val = np.zeros((q.shape[0], k), dtype=np.float32)
        for s in range(0, q.shape[0], block):
            sims = q[s : s + block] @ x.T  # s_ij = q_i · x_j
            if k < n:
                part = np.argpartition(-sims, k - 1, axis=1)[:, :k]  # 상위 k 후보 (순서 없음)
                kth = np.take_along_axis(sims, part, axis=1).min(axis=1, keepdims=True)
            for r in range(sims.shape[0]):
                row = sims[r]
                cand = np.flatnonzero(row >= kth[r]) if k < n else np.arange(n)
                order = np.lexsort((cand, -row[cand]))[:k]  # 점수 내림차순, 동점은 번호 오름차순
                out_idx[s + r] = cand[order]
                out_val[s + r] = row[cand[order]]
        return out_idx, out_val

    # ------------------------------------------------------------------ 저장
    def save(self, path: str | Path) -> None:
        """폴더에 저장한다: FAISS 는 ``index.faiss`` (faiss.write_index), NumPy 는 ``vectors.npz``, 둘 다 ``meta.json``.

        Args:
            path: 저장할 폴더 (없으면 만든다).
        """
        if not self.ids:
            raise ValueError("벡터 저장소가 비어 있어 저장할 것이 없습니다")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self._index is not None:
            import faiss

            faiss.write_index(self._index, str(path / "index.faiss"))
        else:
            np.savez(path / "vectors.npz", vectors=self._vectors)
        meta = {"format_version": _FORMAT_VERSION, "backend": self.backend, "dim": self.dim, "ids": self.ids}
        (path / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> VectorStore:
        """:meth:`save` 로 저장한 폴더를 불러온다.

        Args:
            path: 저장한 폴더.
        """
        path = Path(path)
        meta_path = path / "meta.json"
        if not meta_path.is_file():
            raise ValueError(f"path에 meta.json이 없습니다: {path.name!r}")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format_version") != _FORMAT_VERSION:
            raise ValueError(f"지원하지 않는 저장 형식 버전입니다: {meta.get('format_version')!r}")
        self = cls(int(meta["dim"]), backend=meta["backend"])
        self.ids = list(meta["ids"])
        self._pos = {i: n for n, i in enumerate(self.ids)}
        if self.backend == "faiss":
            import faiss

            self._index = faiss.read_index(str(path / "index.faiss"))
            if self._index.ntotal != len(self.ids) or self._index.d != self.dim:
                raise ValueError(f"index.faiss의 크기가 meta.json과 다릅니다: ntotal={self._index.ntotal}")
        else:
            with np.load(path / "vectors.npz", allow_pickle=False) as z:
                self._vectors = np.ascontiguousarray(z["vectors"], dtype=np.float32)
            if self._vectors.shape != (len(self.ids), self.dim):
                raise ValueError(f"vectors.npz의 모양이 meta.json과 다릅니다: {self._vectors.shape}")
        return self
