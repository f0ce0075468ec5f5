"""BM25 상위 k 검색의 빠른 길 (numba): :mod:`llmnotes.bm25` 의 평범한 검색과 **비트 단위로** 같은 결과.

교육용 :class:`llmnotes.bm25.BM25Index` 는 질의 점수를 "질의 토큰 열들의 합" 으로 읽기 쉽게 계산한다
(:meth:`~llmnotes.bm25.BM25Index.get_scores`). 이 모듈은 같은 계산을 질의 여러 개에 대해 numba 반복문 하나로 한다.
``BM25Config(engine="numba")`` (기본값)일 때 ``search`` / ``search_batch`` 가 이것을 쓰고, ``engine="numpy"`` 면
평범한 길(전체 점수 → 상위 k)을 쓴다. 두 길이 같은 결과를 내는지는 tests/test_bm25.py 가 무작위 말뭉치로 본다.

같은 값이 나오는 까닭:

- 문서 d 의 점수 = Σ_{질의 토큰 t, 질의 순서대로} W[d, t]. 게시 목록(posting list, CSC 의 열 t)을 질의 순서대로
  훑으며 ``scores[d] += W[d, t]`` 를 하면 문서마다 더하는 순서가 평범한 길·rank-bm25 와 같다. 문서에 없는 토큰의
  항은 0 이고 ``x + 0.0 == x`` 이므로 건너뛰어도 값이 같다. bm25plus 만 없는 토큰도 idf·δ 를 받으므로, 그때는
  모든 문서를 같은 순서로 훑는다.
- 상위 k: 점수 배열을 번호 순으로 64 개씩 훑으며 k 칸짜리 정렬 목록(점수 내림차순, 같은 점수는 번호 오름차순)에
  끼워 넣는다. 목록이 찬 뒤에는 블록에 k 번째 점수를 넘는 문서가 있을 때만 블록을 본다. 끝나면 점수 배열을 0 으로.

빠른 까닭: 질의마다 파이썬으로 돌아오지 않는다. 아주 흔한 토큰(대부분의 문서에 나오는 조사·어미 같은 것)의 열은
밀집 배열로도 들고 있어, 흩어 더하기(문서 번호를 읽고 그 자리에 더하기) 대신 연속된 메모리를 통째로 더한다 (없는
문서에는 0 을 더하므로 값은 같다). 계산량은 질의 토큰의 게시 목록 길이의 합 + 문서 수로, bm25s 의 numba 백엔드와
같은 크기다 (bm25s 는 float32, 여기는 rank-bm25 와 같은 값을 내려고 float64).

해 보고 버린 것: MaxScore 식 가지치기(드문 토큰의 부분 점수 + 흔한 토큰의 최대 기여로 후보를 줄이기)는 지프 말뭉치
(``benchmarks/_zipf_corpus.py``)에서 오히려 느렸다. 질의에 흔히 섞이는 흔한 토큰의 최대 기여가 k 번째 점수에 견줘
커서 후보가 수천 개 남고, 후보마다 정확한 점수를 다시 구하는 값이 전체 점수를 더하는 값보다 컸다.
"""

from __future__ import annotations

import numba
import numpy as np
from numba.core import config as numba_config

from .paths import cache_dir

__all__ = ["search_many"]


def _jit(fn):
    """numba 로 컴파일한다. 캐시는 ``cache_dir()/numba`` 에만 둔다 (저장소 밖; 위치는 함수를 만들 때 정해진다).

    ``fastmath`` 는 쓰지 않는다: 덧셈 순서를 바꾸면 점수가 rank-bm25 와 비트 단위로 달라질 수 있다.
    """
    previous = numba_config.CACHE_DIR
    numba_config.CACHE_DIR = str(cache_dir() / "numba")
    try:
        return numba.njit(nogil=True, cache=True)(fn)
    finally:
        numba_config.CACHE_DIR = previous


@_jit
def _insert(top_s: np.ndarray, top_d: np.ndarray, filled: int, k: int, s: float, d: int) -> int:
    """(s, d) 를 정렬 목록(점수 내림차순, 같은 점수는 번호 오름차순)에 끼워 넣고 채워진 칸 수를 돌려준다."""
    if filled == k:
        ls, ld = top_s[k - 1], top_d[k - 1]
        if not (s > ls or (s == ls and d < ld)):
            return filled  # 마지막 칸보다 못하다
        pos = k - 1
    else:
        pos = filled
        filled += 1
    while pos > 0 and (s > top_s[pos - 1] or (s == top_s[pos - 1] and d < top_d[pos - 1])):
        top_s[pos] = top_s[pos - 1]
        top_d[pos] = top_d[pos - 1]
        pos -= 1
    top_s[pos] = s
    top_d[pos] = d
    return filled


@_jit
def _search_loop(q_ids, q_ptr, indptr, indices, data, base, dense_pos, dense, n_docs, k, plus):
    """질의마다: 모든 문서의 점수를 질의 순서대로 더하고, 번호 순으로 훑어 상위 k 를 고르며 점수를 0 으로 되돌린다."""
    n_q = q_ptr.shape[0] - 1
    out_d = np.zeros((n_q, k), dtype=np.int64)
    out_s = np.zeros((n_q, k), dtype=np.float64)
    scores = np.zeros(n_docs, dtype=np.float64)
    top_s = np.empty(k, dtype=np.float64)
    top_d = np.empty(k, dtype=np.int64)
    for qi in range(n_q):
        for j in range(q_ptr[qi], q_ptr[qi + 1]):
            t = q_ids[j]
            start, end = indptr[t], indptr[t + 1]
            if (
                dense_pos[t] >= 0
            ):  # 밀집 열: 연속 메모리를 통째로 더한다 (게시 목록 밖은 0, bm25plus 는 idf·δ)
                col = dense[dense_pos[t]]
                for d in range(n_docs):
                    scores[d] += col[d]
            elif (
                plus
            ):  # 게시 목록 밖의 문서도 idf·δ 를 받는다: 모든 문서를 번호 순으로 (목록과 나란히) 훑는다
                p = start
                for d in range(n_docs):
                    if p < end and indices[p] == d:
                        scores[d] += data[p]
                        p += 1
                    else:
                        scores[d] += base[t]
            else:
                for p in range(start, end):
                    scores[indices[p]] += data[p]  # 문서 d 에 토큰 t 의 항을 더한다 (질의 순서대로)
        # 번호 순으로 64 개씩 훑는다. 앞 문서들이 이미 목록에 있으므로 같은 점수의 뒷 문서는 밀어낼 수 없다: > 만 본다.
        # 목록이 찼으면 먼저 문턱(k 번째 점수)을 넘는 문서가 블록에 있는지만 센다 (벡터화되는 정수 합).
        filled = 0
        for lo in range(0, n_docs, 64):
            hi = min(lo + 64, n_docs)
            if filled == k:
                thr = top_s[k - 1]
                above = 0
                for d in range(lo, hi):
                    above += scores[d] > thr
                if above == 0:
                    continue
            for d in range(lo, hi):
                if filled < k or scores[d] > top_s[k - 1]:
                    filled = _insert(top_s, top_d, filled, k, scores[d], d)
        scores[:] = 0.0
        out_s[qi] = top_s
        out_d[qi] = top_d
    return out_d, out_s


def dense_columns(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, base: np.ndarray, n_docs: int, max_bytes: int
) -> tuple[np.ndarray, np.ndarray]:
    """게시 목록이 문서의 1/4 보다 긴 토큰의 열을 밀집 배열 [토큰 수 × 문서 수] 로 (df 가 큰 것부터 max_bytes 까지).

    Returns:
        (토큰 → 밀집 배열의 행 번호, 없으면 -1), 밀집 배열. 게시 목록 밖의 칸은 base[t] (bm25plus 의 idf·δ, 그 밖엔 0).
    """
    df = np.diff(indptr)
    terms = np.flatnonzero(df > n_docs // 4)
    terms = terms[np.argsort(-df[terms], kind="stable")][: max_bytes // max(8 * n_docs, 1)]
    pos = np.full(df.shape[0], -1, dtype=np.int64)
    pos[terms] = np.arange(terms.size)
    dense = np.zeros((terms.size, n_docs))
    for i, t in enumerate(terms.tolist()):
        dense[i] = base[t]
        dense[i, indices[indptr[t] : indptr[t + 1]]] = data[indptr[t] : indptr[t + 1]]
    return pos, dense


def search_many(
    query_ids: list[list[int]],
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    base: np.ndarray,
    dense: tuple[np.ndarray, np.ndarray],
    n_docs: int,
    k: int,
    plus: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """질의(토큰 번호 리스트)마다 상위 k 개 (문서 번호 [질의 수 × k], 점수 [질의 수 × k]).

    Args:
        query_ids: 질의마다 색인 안의 토큰 번호들 (질의 순서, 중복 허용).
        indptr, indices, data: 점수 행렬 W (문서 × 토큰) 의 CSC 배열. 열마다 문서 번호가 오름차순이어야 한다.
        base: 토큰별로 게시 목록 밖의 문서가 받는 값 (bm25plus 의 idf·δ, 그 밖에는 쓰지 않음).
        dense: :func:`dense_columns` 의 결과.
        n_docs: 문서 수. k: 1 ≤ k ≤ n_docs.
        plus: bm25plus 인가.
    """
    q_ptr = np.zeros(len(query_ids) + 1, dtype=np.int64)
    q_ptr[1:] = np.cumsum([len(q) for q in query_ids])
    flat = np.fromiter((t for q in query_ids for t in q), dtype=np.int64, count=int(q_ptr[-1]))
    pos, cols = dense
    return _search_loop(flat, q_ptr, indptr, indices, data, base, pos, cols, int(n_docs), int(k), bool(plus))
