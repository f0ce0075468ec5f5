"""BM25 검색 (Okapi BM25, BM25L, BM25+): rank-bm25 와 같은 점수를 내는 희소 행렬 색인.

문서 d 와 질의 q 의 Okapi BM25 점수 (tf = d 안에서 t 의 개수, |d| = 문서 길이, avgdl = 평균 문서 길이):

.. math::

    \\mathrm{score}(q, d) = \\sum_{t \\in q} \\mathrm{idf}(t)\\,
        \\frac{\\mathrm{tf}\\,(k_1 + 1)}{\\mathrm{tf} + k_1 (1 - b + b\\,|d| / \\mathrm{avgdl})}

점수가 질의 토큰마다 더해지는 꼴이므로, (문서, 토큰) 쌍마다 한 항을 미리 계산해 희소 행렬 W 에 담아 두면
질의 점수는 W 에서 질의 토큰의 열들을 더한 것, 곧 W × (질의 토큰 개수 벡터) 가 된다. 이 모듈은 W 를 CSC
(열 = 토큰)로 저장하고, 질의 토큰 열의 값들을 문서별로 더한 뒤 점수 내림차순으로 상위 k 개를 고른다.

- 점수는 rank-bm25 와 **비트 단위로** 같다: idf 는 ``math.log`` 로, 평균 idf 는 rank-bm25 와 같은 순서로 더하고,
  질의 점수도 질의 토큰 순서대로 한 항씩 더한다. 그래서 같은 점수(동점)도 똑같이 생기고, 동점은 문서 번호가
  작은 쪽이 앞서도록 결정적으로 가른다.
- 상위 k 검색(:meth:`BM25Index.search`)에는 두 길이 있다. ``BM25Config(engine="numpy")`` 는 이 파일의 평범한 길:
  모든 문서의 점수(:meth:`BM25Index.get_scores`)를 구하고 상위 k 를 고른다. ``engine="numba"`` (기본값)는 같은
  덧셈을 같은 순서로 numba 반복문에서 하는 빠른 길(:mod:`llmnotes.bm25_fast`)이다. 두 길의 결과는 같다.

rank-bm25(0.2.2)와 맞춘 규칙과 그 특이점:

- Okapi idf: :math:`\\ln(N - n_t + 0.5) - \\ln(n_t + 0.5)` (N = 문서 수, n_t = t 가 나온 문서 수).
  절반이 넘는 문서에 나오는 토큰(한국어에서는 조사 '이', '는', '을' 등)은 이 값이 **음수**가 된다. 그대로 두면
  그 토큰이 문서에 있을수록 점수가 깎이는 이상한 일이 생기므로, rank-bm25 는 음수 idf 를
  ``epsilon × (모든 토큰 idf 의 평균)`` 으로 바꾼다 (엡실론 바닥, 기본 epsilon=0.25). 평균에는 바뀌기 전의
  음수 값도 들어간다. 그래서 아주 흔한 토큰이 오히려 조금 드문 토큰(idf 가 0 에 가까운 양수)보다 큰 idf 를
  갖는 뒤집힘이 생길 수 있고, idf 가 정확히 0 인 토큰(n_t = N/2)은 바닥이 적용되지 않는다.
  Lucene 등은 대신 :math:`\\ln(1 + (N - n_t + 0.5)/(n_t + 0.5))` 를 써서 음수를 애초에 피한다.
- BM25L (rank-bm25 식 그대로): idf = :math:`\\ln(N+1) - \\ln(n_t + 0.5)`,
  :math:`c = \\mathrm{tf} / (1 - b + b|d|/\\mathrm{avgdl})`, 항 = idf · **tf** · (k1+1)(c+δ)/(k1+c+δ).
  논문(Lv & Zhai 2011)의 BM25L 에는 앞의 tf 곱이 없다. rank-bm25 는 tf 를 한 번 더 곱해 포화(saturation)가
  사라진다. 여기서는 rank-bm25 와 같은 값을 내도록 같은 식을 쓴다.
- BM25+: idf = :math:`\\ln((N+1)/n_t)`, 항 = idf · (δ + tf(k1+1)/(k1(1-b+b|d|/avgdl) + tf)).
  tf=0 인 문서도 idf·δ 를 받으므로, 이 부분은 질의마다 모든 문서에 같은 상수로 더한다.
- 질의에 같은 토큰이 두 번 나오면 두 번 더한다. 색인에 없는 토큰은 0 점 (오류가 아님).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .checks import check_number
from .hangul import nfc
from .tfidf import check_documents, count_matrix

__all__ = ["BM25Config", "BM25Index", "ENGINES", "METHODS"]

METHODS = ("okapi", "bm25l", "bm25plus")
ENGINES = ("numba", "numpy")
_FORMAT_VERSION = 1


@dataclass(frozen=True)
class BM25Config:
    """BM25 설정 (기본값은 rank-bm25 와 같다).

    Args:
        method: 'okapi'(BM25Okapi), 'bm25l'(BM25L), 'bm25plus'(BM25Plus).
        k1: tf 포화 정도 (≥ 0).
        b: 문서 길이 정규화 정도 (0 ≤ b ≤ 1).
        epsilon: okapi 에서 음수 idf 를 바꿀 때 평균 idf 에 곱하는 값.
        delta: bm25l/bm25plus 의 δ. ``None`` 이면 rank-bm25 기본값 (bm25l 0.5, bm25plus 1.0).
        engine: 상위 k 검색을 하는 길. 'numba' (빠른 길, :mod:`llmnotes.bm25_fast`) 또는 'numpy' (이 파일의
            평범한 길). 점수와 순위는 같다 (tests/test_bm25.py).

    실수 설정값은 유한해야 한다 (NaN·inf 는 ``ValueError``). rank-bm25 와 다른 경계 사례 하나: ``k1 = 0`` 이거나
    ``b = 1`` 이고 빈 문서가 있으면, rank-bm25 는 문서에 없는 질의 토큰의 항을 0/0 = NaN 으로 계산해 점수 전체가 NaN 이
    된다. 여기서는 문서에 있는 질의 토큰의 항만 더하므로 그 항은 0 (tf → 0 의 극한)이고 점수는 유한하다.
    rank-bm25 의 점수가 유한한 곳에서는 두 값이 같다 (tests/test_bm25.py).
    """

    method: str = "okapi"
    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25
    delta: float | None = None
    engine: str = "numba"

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method는 {list(METHODS)} 중 하나여야 합니다: {self.method!r}")
        # NaN 은 모든 비교가 거짓이라 범위 검사를 빠져나가고, inf 는 점수를 NaN 으로 만든다: 둘 다 거부한다.
        check_number(self.k1, "k1", low=0)
        check_number(self.b, "b", low=0, high=1)
        check_number(self.epsilon, "epsilon")
        if self.delta is not None:
            check_number(self.delta, "delta", low=0)
        if self.engine not in ENGINES:
            raise ValueError(f"engine은 {list(ENGINES)} 중 하나여야 합니다: {self.engine!r}")

    @property
    def delta_(self) -> float:
        """실제로 쓰는 δ."""
        if self.delta is not None:
            return float(self.delta)
        return 0.5 if self.method == "bm25l" else 1.0


class BM25Index:
    """BM25 희소 색인: 만들기, 점수, 상위 k 검색, 일괄 검색, 저장/불러오기.

    Args:
        config: :class:`BM25Config`. ``None`` 이면 Okapi 기본값.
    """

    def __init__(self, config: BM25Config | None = None) -> None:
        self.config = config or BM25Config()
        self.vocabulary: dict[str, int] = {}
        self.idf: np.ndarray = np.zeros(0)
        self.doc_len: np.ndarray = np.zeros(0, dtype=np.int64)
        self.avgdl: float = 0.0
        self.average_idf: float = 0.0
        self.weights: sp.csc_matrix | None = None  # W[d, t] = 토큰 t 가 문서 d 에 주는 점수
        self.base: np.ndarray = np.zeros(0)  # tf=0 인 문서도 받는 토큰별 상수 (bm25plus 의 idf·δ)
        self._fast: tuple | None = None  # 빠른 길(engine='numba')이 쓰는 배열

    # ------------------------------------------------------------------ 색인
    @classmethod
    def build(cls, documents: Sequence[Sequence[str]], config: BM25Config | None = None) -> BM25Index:
        """토큰화된 문서들로 색인을 만든다.

        Args:
            documents: 문서마다 토큰(str) 리스트. 문서가 없거나 모든 문서가 비어 있으면 ``ValueError``.
            config: :class:`BM25Config`.
        """
        self = cls(config)
        order: list[int] = []
        counts, vocab = count_matrix(documents, first_seen=order)
        n_docs = counts.shape[0]
        doc_len = np.diff(counts.indptr) if counts.nnz == 0 else np.asarray(counts.sum(axis=1)).ravel()
        total = int(doc_len.sum())
        if total == 0:
            raise ValueError(f"documents의 문서 {n_docs}개가 모두 비어 있습니다: 토큰이 하나도 없습니다")
        self.vocabulary = vocab
        self.doc_len = doc_len.astype(np.int64)
        self.avgdl = total / n_docs  # avgdl = Σ|d| / N
        df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)  # n_t
        self.idf, self.average_idf = self._idf(df, n_docs, order)
        self.weights, self.base = self._weights(counts.tocsc())
        return self

    def _idf(self, df: np.ndarray, n_docs: int, order: list[int]) -> tuple[np.ndarray, float]:
        """토큰별 idf 와 (바닥 적용 전) 평균 idf.

        rank-bm25 와 비트 단위로 같은 값을 내려고 ``math.log`` 를 쓰고, 평균은 토큰이 말뭉치에 처음 나온 순서로
        하나씩 더한다 (rank-bm25 가 사전에 넣은 순서). 동점 문서의 순서까지 같게 하려면 값이 비트 단위로 같아야 한다.
        """
        cfg = self.config
        n = n_docs
        dfl = df.tolist()
        if cfg.method == "okapi":
            idf = [math.log(n - f + 0.5) - math.log(f + 0.5) for f in dfl]  # ln(N - n + 0.5) - ln(n + 0.5)
        elif cfg.method == "bm25l":
            idf = [math.log(n + 1) - math.log(f + 0.5) for f in dfl]  # ln(N + 1) - ln(n + 0.5)
        else:
            idf = [math.log((n + 1) / f) for f in dfl]  # ln((N + 1) / n)
        total = 0.0
        for j in order:
            total += idf[j]
        average = total / len(idf)
        out = np.array(idf, dtype=np.float64)
        if cfg.method == "okapi":
            out[out < 0] = cfg.epsilon * average  # 음수 idf → ε · 평균 idf (엡실론 바닥)
        return out, average

    def _weights(self, tf_csc: sp.csc_matrix) -> tuple[sp.csc_matrix, np.ndarray]:
        """(문서, 토큰) 쌍마다 점수 항을 계산한 CSC 행렬과 토큰별 상수."""
        cfg = self.config
        k1, b, delta = float(cfg.k1), float(cfg.b), cfg.delta_
        tf = tf_csc.data.astype(np.float64)
        rows = tf_csc.indices  # 문서 번호
        cols = np.repeat(np.arange(tf_csc.shape[1]), np.diff(tf_csc.indptr))  # 토큰 번호
        idf = self.idf[cols]
        dl = self.doc_len[rows].astype(np.float64)
        norm = 1 - b + b * dl / self.avgdl  # 1 - b + b·|d|/avgdl
        base = np.zeros(tf_csc.shape[1])
        if cfg.method == "okapi":
            w = idf * (tf * (k1 + 1) / (tf + k1 * norm))  # idf · tf(k1+1) / (tf + k1·norm)
        elif cfg.method == "bm25l":
            ctd = tf / norm  # c = tf / norm
            w = idf * tf * (k1 + 1) * (ctd + delta) / (k1 + ctd + delta)  # rank-bm25 식 (tf 를 한 번 더 곱함)
        else:
            w = idf * (delta + (tf * (k1 + 1)) / (k1 * norm + tf))  # idf · (δ + tf(k1+1)/(k1·norm + tf))
            base = self.idf * (delta + 0.0)  # tf=0 인 문서가 받는 값 idf·δ
        weights = sp.csc_matrix((w, tf_csc.indices.copy(), tf_csc.indptr.copy()), shape=tf_csc.shape)
        weights.sort_indices()  # 열마다 문서 번호 오름차순 (searchsorted 로 찾는다)
        return weights, base

    @property
    def n_docs(self) -> int:
        """문서 수."""
        return int(self.doc_len.shape[0])

    def _check_built(self) -> None:
        if self.weights is None:
            raise ValueError(
                "색인이 비어 있습니다: BM25Index.build(documents) 또는 BM25Index.load(path)로 만드세요"
            )

    # ------------------------------------------------------------------ 질의
    def _query_ids(self, query: Sequence[str], name: str = "query") -> list[int]:
        """질의 → 색인 안 토큰 번호 (질의 순서 그대로, 중복 포함). 색인에 없는 토큰은 0 점이므로 뺀다."""
        if isinstance(query, (str, bytes)) or not isinstance(query, (list, tuple)):
            raise TypeError(
                f"{name}: 토큰(str)의 리스트여야 합니다 (받은 값 {query!r}); 문자열이면 먼저 토큰화하세요"
            )
        ids = []
        for tok in query:
            if not isinstance(tok, str):
                raise TypeError(f"{name}의 토큰은 str이어야 합니다: {tok!r} ({type(tok).__name__})")
            j = self.vocabulary.get(tok)
            if j is None:
                j = self.vocabulary.get(nfc(tok))
            if j is not None:
                ids.append(j)
        return ids

    def _scores(self, ids: list[int]) -> np.ndarray:
        """모든 문서의 점수. rank-bm25 처럼 질의 토큰 순서대로 한 항씩 더한다 (점수가 비트 단위로 같아진다).

        score(d) = Σ_{t ∈ q} W[d, t]. 토큰 t 의 게시 목록(W 의 열 t 에서 0 이 아닌 자리)에 있는 문서에만 더한다
        (나머지 문서에는 0 을 더하는 것과 같다). bm25plus 는 목록 밖의 문서도 idf·δ 를 받는다.
        """
        w = self.weights
        scores = np.zeros(self.n_docs)
        for t in ids:
            s, e = w.indptr[t], w.indptr[t + 1]
            if self.config.method == "bm25plus":
                col = np.full(self.n_docs, self.base[t])  # 게시 목록 밖의 문서도 idf·δ 를 받는다
                col[w.indices[s:e]] = w.data[s:e]
                np.add(scores, col, out=scores)
            else:
                scores[w.indices[s:e]] += w.data[s:e]  # 열 안의 문서 번호는 서로 달라서 한 번씩만 더해진다
        return scores

    def _search_ids(self, queries: list[list[int]], k: int) -> tuple[np.ndarray, np.ndarray]:
        """질의(토큰 번호 리스트)마다 상위 k 개: 설정한 길(engine)로."""
        if self.config.engine == "numba":
            from .bm25_fast import dense_columns, search_many

            w = self.weights
            if self._fast is None:  # 빠른 길이 쓰는 배열 (한 번만 만든다; 밀집 열은 많아야 64 MiB)
                indptr, indices = w.indptr.astype(np.int64), w.indices.astype(np.int32)
                dense = dense_columns(indptr, indices, w.data, self.base, self.n_docs, 64 * 2**20)
                self._fast = (indptr, indices, dense)
            indptr, indices, dense = self._fast
            plus = self.config.method == "bm25plus"
            return search_many(queries, indptr, indices, w.data, self.base, dense, self.n_docs, k, plus)
        out_idx = np.zeros((len(queries), k), dtype=np.int64)
        out_val = np.zeros((len(queries), k))
        for i, ids in enumerate(queries):  # 평범한 길: 전체 점수 → 상위 k
            scores = self._scores(ids)
            out_idx[i] = self._top_k(scores, k)
            out_val[i] = scores[out_idx[i]]
        return out_idx, out_val

    def get_scores(self, query: Sequence[str]) -> np.ndarray:
        """질의 하나에 대한 모든 문서의 점수 (rank-bm25 ``get_scores`` 와 같은 값).

        Args:
            query: 토큰(str) 리스트. 색인에 없는 토큰만 있으면 모두 0 점.
        """
        self._check_built()
        return self._scores(self._query_ids(query))

    @staticmethod
    def _select(cand: np.ndarray, vals: np.ndarray, k: int) -> np.ndarray:
        """후보(문서 번호 오름차순)와 점수에서 상위 k 개: 점수 내림차순, 같은 점수는 번호 오름차순."""
        if cand.size > k:
            # k 번째로 큰 값. 같은 값이 많으면 np.partition 이 아주 느려지므로 작은 배열은 정렬한다.
            if cand.size <= 65536:
                kth = np.sort(vals)[cand.size - k]
            else:
                kth = np.partition(vals, cand.size - k)[cand.size - k]
            above = vals > kth
            ties = np.flatnonzero(vals == kth)[: k - int(np.count_nonzero(above))]  # 번호가 작은 동점부터
            sel = np.concatenate([np.flatnonzero(above), ties])
            cand, vals = cand[sel], vals[sel]
        return cand[np.lexsort((cand, -vals))]

    @classmethod
    def _top_k(cls, scores: np.ndarray, k: int) -> np.ndarray:
        """점수 내림차순 상위 k 개의 문서 번호. 같은 점수는 문서 번호 오름차순 (결정적).

        전체를 부분 정렬하는 대신, 일정 간격으로 뽑은 표본의 k 번째 큰 값 θ 를 먼저 구한다. 표본도 실제 문서의
        점수이므로 θ 는 전체의 k 번째 큰 값보다 크지 않다. 그래서 점수 ≥ θ 인 문서(보통 수백 개)만 정렬해도 정확하다.
        """
        n = scores.shape[0]
        if k >= n:
            return np.lexsort((np.arange(n), -scores))
        stride = max(1, n // max(64 * k, 2048))  # 표본 약 2천 개
        sample = scores[::stride]
        if sample.size > k:
            theta = np.partition(sample, sample.size - k)[sample.size - k]
            cand = np.flatnonzero(scores >= theta)
        else:
            cand = np.arange(n)
        return cls._select(cand, scores[cand], k)

    def search(self, query: Sequence[str], k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """상위 k 개 문서를 찾는다.

        Args:
            query: 토큰(str) 리스트.
            k: 돌려줄 문서 수 (문서 수보다 크면 문서 수만큼).

        Returns:
            (문서 번호 배열, 점수 배열), 점수 내림차순. 같은 점수는 문서 번호 오름차순.
        """
        self._check_built()
        k = min(self._check_k(k), self.n_docs)
        idx, val = self._search_ids([self._query_ids(query)], k)
        return idx[0], val[0]

    @staticmethod
    def _check_k(k: int) -> int:
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise ValueError(f"k는 1 이상의 정수여야 합니다: {k!r}")
        return k

    def search_batch(self, queries: Sequence[Sequence[str]], k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """여러 질의를 검색한다.

        Args:
            queries: 질의(토큰 리스트)들.
            k: 질의마다 돌려줄 문서 수 (문서 수보다 크면 문서 수만큼).

        Returns:
            (문서 번호 [질의 수 × k], 점수 [질의 수 × k]). 행마다 :meth:`search` 와 같은 결과.
        """
        self._check_built()
        k = min(self._check_k(k), self.n_docs)
        qs = check_documents(queries, "queries", allow_empty=True)
        return self._search_ids([self._query_ids(q, f"queries[{i}]") for i, q in enumerate(qs)], k)

    # ------------------------------------------------------------------ 저장
    def save(self, path: str | Path) -> None:
        """색인을 폴더에 저장한다: 배열은 ``arrays.npz`` (pickle 없음), 설정과 어휘는 ``meta.json``.

        Args:
            path: 저장할 폴더 (없으면 만든다).
        """
        self._check_built()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        w = self.weights
        np.savez(
            path / "arrays.npz",
            data=w.data,
            indices=w.indices,
            indptr=w.indptr,
            idf=self.idf,
            doc_len=self.doc_len,
            base=self.base,
        )
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        meta = {
            "format_version": _FORMAT_VERSION,
            "config": asdict(self.config),
            "avgdl": self.avgdl,
            "average_idf": self.average_idf,
            "shape": list(w.shape),
            "terms": terms,
        }
        (path / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> BM25Index:
        """:meth:`save` 로 저장한 색인을 불러온다.

        Args:
            path: 저장한 폴더.
        """
        path = Path(path)
        meta_path = path / "meta.json"
        if not meta_path.is_file():
            raise ValueError(f"path에 meta.json이 없습니다: {str(path)!r}")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format_version") != _FORMAT_VERSION:
            raise ValueError(f"지원하지 않는 색인 형식 버전입니다: {meta.get('format_version')!r}")
        known = {f.name for f in fields(BM25Config)}  # 예전 형식의 속도용 설정(dense_ratio 등)은 무시한다
        self = cls(BM25Config(**{key: v for key, v in meta["config"].items() if key in known}))
        with np.load(path / "arrays.npz", allow_pickle=False) as z:
            shape = tuple(meta["shape"])
            self.weights = sp.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=shape)
            self.weights.sort_indices()
            self.idf = z["idf"]
            self.doc_len = z["doc_len"]
            self.base = z["base"]
        self.avgdl = float(meta["avgdl"])
        self.average_idf = float(meta["average_idf"])
        self.vocabulary = {t: i for i, t in enumerate(meta["terms"])}
        return self
