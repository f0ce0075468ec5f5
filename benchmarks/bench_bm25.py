"""BM25 벤치마크: llmnotes.bm25 대 rank-bm25, bm25s(numpy / numba 백엔드). 같은 프로세스, 같은 데이터.

말뭉치: 생성 문장 2–5개짜리 한국어 문서 1만·10만 개, Kiwi 형태소 토큰 (``_bench_corpus.py``, 캐시 사용).
질의: 생성 문장 1,000개의 형태소 (조사·어미 포함), 상위 10개 검색.

- 색인 만들기: 세 라이브러리 모두 토큰 리스트에서 시작한다.
- 검색: 우리 것과 bm25s 는 질의 1,000개 전부, rank-bm25 는 너무 느려서 앞쪽 ``--rank-queries`` 개만 재고
  질의당 시간으로 1,000개를 환산한다 (표에 '환산' 으로 표시).
- bm25s numba 는 JIT 컴파일을 한 번 미리 돌린 뒤 잰다. bm25s 의 점수 식(기본 'lucene')은 rank-bm25 와 조금 다르지만
  계산량은 같다. 우리 결과는 rank-bm25 와 상위 10개가 같은지 함께 확인한다.

실행: ``PYTHONHASHSEED=0 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_bm25.py``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _bench_corpus import load_corpus, load_queries  # noqa: E402

from llmnotes.bm25 import BM25Index  # noqa: E402


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def run(n_docs: int, queries: list[list[str]], rank_queries: int, repeat: int) -> dict[str, float]:
    import bm25s
    from rank_bm25 import BM25Okapi

    docs = load_corpus(n_docs)
    n_q = len(queries)
    res: dict[str, float] = {}

    res["build_ours"], ours = _best(lambda: BM25Index.build(docs), repeat)
    res["build_rank"], rank = _best(lambda: BM25Okapi(docs), 1 if n_docs > 50_000 else repeat)

    def bm25s_build(backend: str):
        r = bm25s.BM25(backend=backend)
        r.index(docs, show_progress=False)
        return r

    res["build_bm25s"], bs_np = _best(lambda: bm25s_build("numpy"), repeat)
    bs_nb = bm25s_build("numba")

    res["search_ours"], (top, _) = _best(lambda: ours.search_batch(queries, k=10), repeat)
    res["search_bm25s_numpy"], _ = _best(
        lambda: bs_np.retrieve(queries, k=10, show_progress=False, n_threads=1), repeat
    )
    bs_nb.retrieve(queries[:5], k=10, show_progress=False, n_threads=1)  # JIT 컴파일 (시간에서 뺀다)
    res["search_bm25s_numba"], _ = _best(
        lambda: bs_nb.retrieve(queries, k=10, show_progress=False, n_threads=1), repeat
    )

    sub = queries[:rank_queries]
    t = time.perf_counter()
    rank_scores = [rank.get_scores(q) for q in sub]
    rank_top = [np.argsort(s)[::-1][:10] for s in rank_scores]  # rank-bm25 get_top_n 과 같은 방식
    res["search_rank_per_query"] = (time.perf_counter() - t) / len(sub)
    res["search_rank_extrapolated"] = res["search_rank_per_query"] * n_q
    del rank_top

    # 정답 확인: 점수 상대오차, 상위 10개 (같은 점수는 문서 번호 오름차순)
    worst, same = 0.0, 0
    for qi, s in enumerate(rank_scores):
        mine = ours.get_scores(sub[qi])
        worst = max(worst, float(np.max(np.abs(mine - s) / np.maximum(np.abs(s), 1e-300))))
        same += int(np.array_equal(top[qi], np.lexsort((np.arange(len(s)), -s))[:10]))
    res["max_rel_err"] = worst
    res["top10_same"] = same
    res["checked"] = len(sub)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--rank-queries", type=int, default=20, help="rank-bm25 로 잴 질의 수 (나머지는 환산)")
    ap.add_argument("--repeat", type=int, default=3, help="최솟값을 취할 반복 횟수")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    queries = load_queries(args.queries)
    print(f"질의 {len(queries):,}개, 평균 {np.mean([len(q) for q in queries]):.1f} 형태소, 상위 10개")
    for n in args.sizes:
        r = run(n, queries, args.rank_queries, args.repeat)
        q = len(queries)
        print(f"\n## 문서 {n:,}개")
        print(f"{'항목':<34}{'시간(s)':>10}{'우리 대비':>12}")
        rows = [
            ("색인: llmnotes", r["build_ours"]),
            ("색인: rank-bm25", r["build_rank"]),
            ("색인: bm25s (numpy)", r["build_bm25s"]),
            (f"검색 {q}개: llmnotes", r["search_ours"]),
            (f"검색 {q}개: rank-bm25 (환산)", r["search_rank_extrapolated"]),
            (f"검색 {q}개: bm25s numpy", r["search_bm25s_numpy"]),
            (f"검색 {q}개: bm25s numba", r["search_bm25s_numba"]),
        ]
        for name, t in rows:
            base = r["build_ours"] if name.startswith("색인") else r["search_ours"]
            print(f"{name:<34}{t:>10.3f}{t / base:>11.1f}×")
        print(f"색인 시간 비율 (우리 / rank-bm25): {r['build_ours'] / r['build_rank']:.2f}")
        print(
            f"검색 속도 배율: rank-bm25 의 {r['search_rank_extrapolated'] / r['search_ours']:.0f}배 "
            f"(질의 {r['checked']}개로 환산), bm25s numpy 의 {r['search_bm25s_numpy'] / r['search_ours']:.1f}배, "
            f"bm25s numba 의 {r['search_bm25s_numba'] / r['search_ours']:.2f}배"
        )
        print(
            f"rank-bm25 와 비교한 질의 {r['checked']}개: 점수 최대 상대오차 {r['max_rel_err']:.1e}, "
            f"상위 10개 일치 {r['top10_same']}/{r['checked']}"
        )


if __name__ == "__main__":
    main()
