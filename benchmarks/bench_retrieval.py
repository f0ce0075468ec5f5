"""검색 벤치마크: FAISS IndexFlatIP 대 NumPy 전수 검색 대 우리 BM25, 10만 청크, 한 프로세스.

- 밀집: 단위 길이로 정규화한 무작위 벡터 (차원 = 우리 바이-인코더의 64, 비교용 384). 평면(flat) 검색은 벡터
  값과 무관하게 계산량이 같으므로 무작위 벡터로 잰다. FAISS 와 NumPy 의 상위 k id 가 같은지도 확인한다.
- 희소: 지프 빈도의 큰 어휘 말뭉치 (``_zipf_corpus.py``: 문서 10만 개, 토큰 종류 6만 개) 위의
  :class:`llmnotes.bm25.BM25Index` (기본 numba 빠른 길). 질의는 문서에서 뽑은 토큰 2–6개.
- 지연 시간: 질의 하나씩 (``--single`` 개 질의의 중앙값) 과 한꺼번에 (질의 1,000개 일괄, 질의당 평균).
  한 라운드에 모든 검색기를 번갈아 재고, ``--runs`` 라운드(기본 5)의 최솟값·중앙값과 라운드 짝 비율의 범위를 적는다.
- 메모리: 색인이 들고 있는 배열의 바이트 수 (FAISS/NumPy = n·d·4, BM25 = CSC 가중치 + 빠른 길의 배열).
- 기계 부하: ``os.getloadavg()`` 를 시작과 끝에 찍는다.

실행: ``PYTHONHASHSEED=0 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_retrieval.py``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _zipf_corpus import zipf_corpus  # noqa: E402

from llmnotes.bm25 import BM25Index  # noqa: E402
from llmnotes.vectorstore import VectorStore  # noqa: E402


def _unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _single(fn, queries, n: int) -> float:
    times = []
    for q in queries[:n]:
        t = time.perf_counter()
        fn(q)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _batch(fn, queries) -> float:
    t = time.perf_counter()
    fn(queries)
    return (time.perf_counter() - t) / len(queries)


def bm25_bytes(index: BM25Index) -> int:
    w = index.weights
    fast = 0
    if index._fast is not None:  # 빠른 길의 배열 (indptr, indices, (밀집 열 위치, 밀집 열))
        indptr, indices, (pos, dense) = index._fast
        fast = indptr.nbytes + indices.nbytes + pos.nbytes + dense.nbytes
    return int(w.data.nbytes + w.indices.nbytes + w.indptr.nbytes + index.idf.nbytes + fast)


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--single", type=int, default=200)
    ap.add_argument("--dims", type=int, nargs="+", default=[64, 384])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    print(
        f"시작 부하 평균 (1/5/15분) {_load()}, CPU {os.cpu_count()}개, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '-')}"
    )
    rng = np.random.default_rng(0)
    engines: dict[str, tuple] = {}  # 이름 → (질의 하나 검색, 일괄 검색, 질의들, 메모리 바이트 함수)
    for d in args.dims:
        x = _unit(rng, args.n, d)
        q = _unit(rng, args.queries, d)
        ids = [str(i) for i in range(args.n)]
        stores = {}
        for backend in ("faiss", "numpy"):
            s = VectorStore(d, backend=backend)
            s.add(x, ids)
            stores[backend] = s
        fi, fs = stores["faiss"].search(q, args.k)
        ni, ns = stores["numpy"].search(q, args.k)
        same = sum(a == b for a, b in zip(fi, ni, strict=True))
        print(
            f"d={d}: FAISS 와 NumPy 상위 {args.k} id 일치 {same}/{len(fi)}, 점수 최대 차 {np.abs(fs - ns).max():.2e}"
        )
        for backend, s in stores.items():
            name = f"{'FAISS IndexFlatIP' if backend == 'faiss' else 'NumPy 전수'} (d={d})"
            engines[name] = (
                lambda v, s=s: s.search(v, args.k),
                lambda m, s=s: s.search(m, args.k),
                q,
                lambda s=s: s.nbytes,
            )
    docs, queries = zipf_corpus(args.n, args.queries)
    t = time.perf_counter()
    index = BM25Index.build(docs)
    build = time.perf_counter() - t
    del docs
    index.search_batch(queries[:5], args.k)  # numba 컴파일·빠른 길 배열 준비 (시간에서 뺀다)
    engines["우리 BM25 (지프 말뭉치)"] = (
        lambda v: index.search(v, args.k),
        lambda m: index.search_batch(m, args.k),
        queries,
        lambda: bm25_bytes(index),
    )
    print(f"BM25 색인 만들기: {build:.2f} s (문서 {args.n:,}개)")
    single: dict[str, list[float]] = {n: [] for n in engines}
    batch: dict[str, list[float]] = {n: [] for n in engines}
    for _ in range(args.runs):
        for name, (one, many, qs, _) in engines.items():
            single[name].append(_single(one, qs, args.single))
            batch[name].append(_batch(many, qs))
    print()
    print(f"청크 {args.n:,}개, 상위 {args.k}개, 라운드 {args.runs}개 (최소 / 중앙, ms)")
    print(f"{'검색기':<28}{'질의 1개':>20}{'일괄, 질의당':>20}{'메모리 (MB)':>14}")
    for name, (_, _, _, nbytes) in engines.items():
        a, b = single[name], batch[name]
        print(
            f"{name:<28}{min(a) * 1e3:>10.3f} / {statistics.median(a) * 1e3:<7.3f}"
            f"{min(b) * 1e3:>10.3f} / {statistics.median(b) * 1e3:<7.3f}{nbytes() / 2**20:>14.1f}"
        )
    print()

    def ratio(num: str, den: str, table: dict) -> str:
        r = [a / b for a, b in zip(table[num], table[den], strict=True)]
        return f"{statistics.median(r):.2f}× ({min(r):.2f}–{max(r):.2f})"

    for d in args.dims:
        f, n = f"FAISS IndexFlatIP (d={d})", f"NumPy 전수 (d={d})"
        print(
            f"d={d}: NumPy/FAISS 시간 비 (라운드 짝 비율 중앙값, 범위) 1개 {ratio(n, f, single)}, 일괄 {ratio(n, f, batch)}"
        )
    b, f = "우리 BM25 (지프 말뭉치)", f"FAISS IndexFlatIP (d={args.dims[0]})"
    print(f"BM25/FAISS(d={args.dims[0]}) 시간 비 1개 {ratio(b, f, single)}, 일괄 {ratio(b, f, batch)}")
    print(f"끝 부하 평균 {_load()}")


if __name__ == "__main__":
    main()
