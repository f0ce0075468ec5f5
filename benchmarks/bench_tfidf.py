"""TF-IDF 벤치마크: llmnotes.tfidf 대 scikit-learn ``TfidfVectorizer(analyzer=항등함수)``. 같은 프로세스, 같은 데이터.

말뭉치: ``_bench_corpus.py`` 의 형태소 토큰 문서 1만·10만 개. fit_transform 한 번의 시간 (반복 중 최솟값)과
두 행렬의 최대 차이를 출력한다.

실행: ``PYTHONHASHSEED=0 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_tfidf.py``
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _bench_corpus import load_corpus  # noqa: E402

from llmnotes.tfidf import TfidfConfig, TfidfVectorizer  # noqa: E402


def _identity(doc):
    return doc


def _best(fn, repeat: int):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer as SkTfidf

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    options = [{}, {"sublinear_tf": True, "min_df": 2, "max_df": 0.9}]
    print(f"{'문서 수':>9} {'옵션':<40}{'llmnotes(s)':>12}{'sklearn(s)':>12}{'비율':>8}{'최대 차이':>11}")
    for n in args.sizes:
        docs = load_corpus(n)
        for opts in options:
            t_ours, a = _best(
                lambda opts=opts, docs=docs: TfidfVectorizer(TfidfConfig(**opts)).fit_transform(docs),
                args.repeat,
            )
            t_sk, b = _best(
                lambda opts=opts, docs=docs: SkTfidf(analyzer=_identity, **opts).fit_transform(docs),
                args.repeat,
            )
            diff = abs(a - b).max()
            label = ", ".join(f"{k}={v}" for k, v in opts.items()) or "기본값"
            print(f"{n:>9,} {label:<40}{t_ours:>12.3f}{t_sk:>12.3f}{t_ours / t_sk:>8.2f}{diff:>11.1e}")
    print("비율 = llmnotes 시간 / sklearn 시간 (1 보다 작으면 우리가 빠름)")


if __name__ == "__main__":
    main()
