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
- 상위 k: (점수 내림차순, 문서 번호 오름차순)으로 k 칸짜리 정렬 목록에 끼워 넣는다. 점수가 0 인 문서가 끼어들 수
  없을 때(모든 W ≥ 0 이고, 건드린 문서 중 점수 > 0 인 것이 k 개 이상)는 건드린 문서만 보고, 아니면 전체를 본다.

빠른 까닭: 질의마다 파이썬으로 돌아오지 않고, 건드린 문서만 정렬 목록과 비교하고, 점수 배열은 건드린 자리만
0 으로 되돌린다. 계산량은 질의 토큰의 게시 목록 길이의 합이다 (bm25s 의 numba 백엔드와 같은 크기).
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
def _search_loop(q_ids, q_ptr, indptr, indices, data, base, n_docs, k, plus, nonneg):
    """질의마다: 점수를 게시 목록 순서대로 더하고, 상위 k 를 고르고, 점수 배열을 되돌린다."""
    n_q = q_ptr.shape[0] - 1
    out_d = np.zeros((n_q, k), dtype=np.int64)
    out_s = np.zeros((n_q, k), dtype=np.float64)
    scores = np.zeros(n_docs, dtype=np.float64)
    seen = np.zeros(n_docs, dtype=np.bool_)
    touched = np.empty(n_docs, dtype=np.int64)
    top_s = np.empty(k, dtype=np.float64)
    top_d = np.empty(k, dtype=np.int64)
    for qi in range(n_q):
        n_touched = 0
        for j in range(q_ptr[qi], q_ptr[qi + 1]):
            t = q_ids[j]
            start, end = indptr[t], indptr[t + 1]
            if plus:  # 게시 목록 밖의 문서도 idf·δ 를 받는다: 모든 문서를 번호 순으로 (목록과 나란히) 훑는다
                p = start
                for d in range(n_docs):
                    if p < end and indices[p] == d:
                        scores[d] += data[p]
                        p += 1
                    else:
                        scores[d] += base[t]
            else:
                for p in range(start, end):
                    d = indices[p]
                    scores[d] += data[p]  # 문서 d 에 토큰 t 의 항을 더한다 (질의 순서대로)
                    if not seen[d]:
                        seen[d] = True
                        touched[n_touched] = d
                        n_touched += 1
        filled = 0
        positive = 0
        if not plus and nonneg:
            for i in range(n_touched):
                d = touched[i]
                if scores[d] > 0.0:
                    positive += 1
                    filled = _insert(top_s, top_d, filled, k, scores[d], d)
        if plus or not nonneg or positive < k:
            filled = 0  # 점수 0 인(또는 음수인) 문서도 상위 k 에 들 수 있다: 전체를 본다
            for d in range(n_docs):
                filled = _insert(top_s, top_d, filled, k, scores[d], d)
        out_s[qi] = top_s
        out_d[qi] = top_d
        if plus:
            scores[:] = 0.0
        else:
            for i in range(n_touched):
                d = touched[i]
                scores[d] = 0.0
                seen[d] = False
    return out_d, out_s


def search_many(
    query_ids: list[list[int]],
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    base: np.ndarray,
    n_docs: int,
    k: int,
    plus: bool,
    nonneg: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """질의(토큰 번호 리스트)마다 상위 k 개 (문서 번호 [질의 수 × k], 점수 [질의 수 × k]).

    Args:
        query_ids: 질의마다 색인 안의 토큰 번호들 (질의 순서, 중복 허용).
        indptr, indices, data: 점수 행렬 W (문서 × 토큰) 의 CSC 배열. 열마다 문서 번호가 오름차순이어야 한다.
        base: 토큰별로 게시 목록 밖의 문서가 받는 값 (bm25plus 의 idf·δ, 그 밖에는 쓰지 않음).
        n_docs: 문서 수. k: 1 ≤ k ≤ n_docs.
        plus: bm25plus 인가. nonneg: W 의 값이 모두 0 이상인가 (그때만 건드린 문서만 보고 상위 k 를 고를 수 있다).
    """
    q_ptr = np.zeros(len(query_ids) + 1, dtype=np.int64)
    q_ptr[1:] = np.cumsum([len(q) for q in query_ids])
    flat = np.fromiter((t for q in query_ids for t in q), dtype=np.int64, count=int(q_ptr[-1]))
    return _search_loop(
        flat, q_ptr, indptr, indices, data, base, int(n_docs), int(k), bool(plus), bool(nonneg)
    )
