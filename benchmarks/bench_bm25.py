"""BM25 벤치마크: llmnotes.bm25 (빠른 길 numba / 평범한 길 numpy) 대 rank-bm25, bm25s (numpy / numba 백엔드).

같은 프로세스, 같은 데이터. 말뭉치는 지프 빈도의 큰 어휘 (``_zipf_corpus.py``: 기본 문서 10만 개, 토큰 종류 6만 개,
질의 1,000개, 상위 10개).

- 검색 시간: 우리 빠른 길, bm25s numba, bm25s numpy 를 한 라운드에 번갈아 재고 ``--repeat`` 라운드의 최솟값·중앙값을
  적는다. 비율은 라운드마다 낸 짝 비율의 중앙값이다. bm25s 는 ``n_threads=1``, numba 는 JIT 컴파일을 미리 한 번 돌린다.
- rank-bm25: ``--rank-queries`` 개 질의 (기본: 모든 질의)를 한 번 잰다. 질의 수가 전체보다 적으면 '환산' 이라고 찍는다.
- 정답 확인: rank-bm25 가 잰 모든 질의에서 우리 상위 10개 (번호, 점수)가 rank-bm25 점수를 (점수 내림차순, 번호
  오름차순)으로 정렬한 것과 **같은지**, 평범한 길과 빠른 길이 모든 질의에서 같은지. bm25s 의 점수 식(기본 'lucene')은
  rank-bm25 와 조금 달라 순위 비교에서 뺀다 (계산량은 같다).
- 기계 부하: ``os.getloadavg()`` 를 시작과 끝에 찍는다.

실행: ``PYTHONHASHSEED=0 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_bm25.py``
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import os
import statistics
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _zipf_corpus import describe, zipf_corpus  # noqa: E402

from llmnotes.bm25 import BM25Index  # noqa: E402


def _timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _load() -> str:
    return (
        "부하 평균(1/5/15분) " + " / ".join(f"{x:.1f}" for x in os.getloadavg()) + f", CPU {os.cpu_count()}개"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--types", type=int, default=60_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--rank-queries", type=int, default=0, help="rank-bm25 로 잴 질의 수 (0 = 모두)")
    ap.add_argument("--repeat", type=int, default=5, help="검색 라운드 수 (최솟값·중앙값)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    import bm25s
    from rank_bm25 import BM25Okapi

    print(f"시작: {_load()}")
    docs, queries = zipf_corpus(args.docs, args.queries, args.types, seed=args.seed)
    print(f"말뭉치 (_zipf_corpus, 시드 {args.seed}): {describe(docs, queries)}")

    t_ours, ours = _timed(lambda: BM25Index.build(docs))
    plain = copy.copy(ours)
    plain.config = dataclasses.replace(ours.config, engine="numpy")
    t_rank, rank = _timed(lambda: BM25Okapi(docs))

    def bm25s_build(backend: str):
        r = bm25s.BM25(backend=backend)
        r.index(docs, show_progress=False)
        return r

    t_bs, bs_np = _timed(lambda: bm25s_build("numpy"))
    bs_nb = bm25s_build("numba")
    print(f"색인 (1회): llmnotes {t_ours:.2f} s, rank-bm25 {t_rank:.2f} s, bm25s {t_bs:.2f} s")

    # JIT 컴파일 (시간에서 뺀다)
    ours.search_batch(queries[:5], k=10)
    bs_nb.retrieve(queries[:5], k=10, show_progress=False, n_threads=1)

    engines = {
        "llmnotes (numba 빠른 길)": lambda: ours.search_batch(queries, k=10),
        "bm25s numba": lambda: bs_nb.retrieve(queries, k=10, show_progress=False, n_threads=1),
        "bm25s numpy": lambda: bs_np.retrieve(queries, k=10, show_progress=False, n_threads=1),
    }
    times: dict[str, list[float]] = {name: [] for name in engines}
    top = None
    for _ in range(args.repeat):
        for name, fn in engines.items():
            dt, out = _timed(fn)
            times[name].append(dt)
            if name.startswith("llmnotes"):
                top = out
    t_plain, plain_top = _timed(lambda: plain.search_batch(queries, k=10))

    n_rank = args.rank_queries or len(queries)
    sub = queries[:n_rank]
    t_rank_search, rank_scores = _timed(lambda: [rank.get_scores(q) for q in sub])
    rank_total = t_rank_search * len(queries) / n_rank

    same = 0
    for qi, s in enumerate(rank_scores):
        expected = np.lexsort((np.arange(len(s)), -s))[:10]
        same += int(np.array_equal(top[0][qi], expected) and np.array_equal(top[1][qi], s[expected]))
    plain_same = bool(np.array_equal(plain_top[0], top[0]) and np.array_equal(plain_top[1], top[1]))

    q = len(queries)
    base = times["llmnotes (numba 빠른 길)"]
    print(f"\n검색 질의 {q:,}개 × {args.repeat} 라운드 (n_threads=1):")
    print(f"{'엔진':<28}{'최소(s)':>9}{'중앙(s)':>9}{'우리 대비 (라운드 짝 비율 중앙값, 범위)':>40}")
    for name, ts in times.items():
        ratios = [a / b for a, b in zip(ts, base, strict=True)]
        print(
            f"{name:<28}{min(ts):>9.3f}{statistics.median(ts):>9.3f}"
            f"{statistics.median(ratios):>14.2f}× ({min(ratios):.2f}–{max(ratios):.2f})"
        )
    label = "" if n_rank == q else f" (질의 {n_rank}개에서 {q}개로 환산)"
    print(f"{'llmnotes (numpy 평범한 길)':<28}{t_plain:>9.3f}{'(1회)':>9}{t_plain / min(base):>14.1f}×")
    print(f"{'rank-bm25':<28}{rank_total:>9.3f}{'(1회)':>9}{rank_total / min(base):>14.0f}×{label}")
    print(
        f"\nrank-bm25 와 상위 10개 (번호·점수 비트 단위) 일치: {same}/{n_rank}; "
        f"평범한 길과 빠른 길 일치 (질의 {q}개): {plain_same}"
    )
    print(f"끝: {_load()}")


if __name__ == "__main__":
    main()
