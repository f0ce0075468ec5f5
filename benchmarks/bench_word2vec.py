"""Word2Vec(SGNS) 벤치마크: 우리 구현 vs gensim (workers=2), 같은 형태소 토큰 약 100만 개.

우리 구현은 두 갱신 방식을 잰다: ``update="pair"`` (기본; 쌍마다 곧바로 갱신하는 SGD, numba, gensim 과 같은 의미)와
``update="batch"`` (PyTorch 미니배치, torch 스레드 수별).
속도: 초당 처리한 원래 토큰 수 (솎아내기 전, 에포크 수 포함) 와 그 비율 (numba 컴파일 시간은 빼고 잰다).
품질 (``--quality``): 상위 50 내용어의 top-10 이웃 겹침 (우리 vs gensim, gensim vs 다른 시드의 gensim),
심어 둔 유추 (textgen.RELATIONS) 를 푼 개수 (시드 여러 개, 합계). 품질 비교용 gensim 은 workers=1 (결정적).

사용법:
    PYTHONHASHSEED=0 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_word2vec.py [--quality]

기계를 여럿이 나눠 쓰면 시간이 크게 흔들린다: 같은 프로세스에서 번갈아 재고 가장 빠른 값을 쓴다.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch

from llmnotes.glove import train_gensim_word2vec
from llmnotes.word2vec import (
    Word2Vec,
    Word2VecConfig,
    count_solved,
    korean_corpus,
    neighbour_overlap,
    relation_analogies,
    sgd_pairs,
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n-generated", type=int, default=100_000, help="생성 문장 수 (약 10 토큰/문장)")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=1024, help='update="batch" 의 미니배치 크기')
    ap.add_argument(
        "--threads", type=str, default="1,2", help='update="batch" 의 torch 스레드 수들 (빈 값이면 안 잰다)'
    )
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--quality", action="store_true", help="이웃 겹침과 유추 정확도도 잰다")
    ap.add_argument("--seeds", type=int, default=3, help="품질 비교 시드 수")
    args = ap.parse_args()

    t0 = time.perf_counter()
    corpus = korean_corpus(args.n_generated, seed=0, real=True, unit="eojeol")
    n_tok = corpus.n_tokens
    print(f"말뭉치: 문장 {len(corpus.sentences):,}개 (생성 {corpus.n_generated:,} + 실제 {corpus.n_real:,}), "
          f"토큰 {n_tok:,}개, 준비 {time.perf_counter() - t0:.1f} s")  # fmt: skip
    print(f"기계: {platform.machine()}, torch {torch.__version__}, CPU 스레드 {torch.get_num_threads()}")

    base = dict(vector_size=100, window=5, negative=5, min_count=5, epochs=args.epochs, seed=0)
    rows: dict[str, float] = {}
    threads = [int(t) for t in args.threads.split(",") if t]
    w = np.zeros((2, 2), dtype=np.float32)  # numba 컴파일 (또는 캐시 읽기) 을 시간 재기 전에 끝낸다
    sgd_pairs(w, w.copy(), np.array([0]), np.array([1]), np.array([[1]]), np.array([0.0]))

    def timed(key: str, fn) -> None:
        t = time.perf_counter()
        fn()
        rows[key] = min(rows.get(key, 1e9), time.perf_counter() - t)

    for _ in range(args.repeats):
        timed(
            "gensim (workers=2)",
            lambda: train_gensim_word2vec(corpus.sentences, Word2VecConfig(**base), workers=2),
        )
        timed(
            "gensim (workers=1)",
            lambda: train_gensim_word2vec(corpus.sentences, Word2VecConfig(**base), workers=1),
        )
        torch.set_num_threads(1)
        timed('ours (update="pair", numba)', lambda: Word2Vec(corpus.sentences, Word2VecConfig(**base)))
        for th in threads:
            torch.set_num_threads(th)
            cfg = Word2VecConfig(**base, update="batch", batch_size=args.batch_size)
            timed(
                f'ours (update="batch", {args.batch_size}, threads={th})',
                lambda cfg=cfg: Word2Vec(corpus.sentences, cfg),
            )
    torch.set_num_threads(1)
    ref = rows["gensim (workers=2)"]
    print(f"\n{'구현':<44} {'시간(s)':>9} {'토큰/초':>12} {'gensim(w=2) 대비':>16}")
    for name, sec in rows.items():
        print(f"{name:<44} {sec:>9.2f} {n_tok * args.epochs / sec:>12,.0f} {sec / ref:>15.2f}x")

    if not args.quality:
        return
    qcfg = dict(vector_size=100, window=5, negative=5, min_count=5, epochs=5)
    problems = relation_analogies()
    ours = [Word2Vec(corpus.sentences, Word2VecConfig(**qcfg, seed=s)).wv for s in range(args.seeds)]
    refs = [
        train_gensim_word2vec(corpus.sentences, Word2VecConfig(**qcfg, seed=s), workers=1).wv
        for s in range(args.seeds)
    ]
    words = corpus.content_words(refs[0].index_to_key, 50)
    print(f"\n품질 (epochs=5, 유추 문제 {len(problems)}개, 내용어 {len(words)}개)")
    print(f"top-10 이웃 겹침: 우리 vs gensim = {neighbour_overlap(ours[0], refs[0], words):.3f}, "
          f"gensim(시드 1) vs gensim(시드 0) = {neighbour_overlap(refs[1], refs[0], words):.3f}")  # fmt: skip
    totals = [0, 0]
    for s in range(args.seeds):
        a, b = count_solved(ours[s], problems), count_solved(refs[s], problems)
        totals[0] += a
        totals[1] += b
        print(f"시드 {s}: 유추 정답 수 우리 {a}, gensim {b}")
    print(
        f"합계 ({args.seeds} 시드): 우리 {totals[0]}, gensim {totals[1]} (비율 {totals[0] / max(totals[1], 1):.3f})"
    )


if __name__ == "__main__":
    main()
