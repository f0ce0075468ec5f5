"""세계 말뭉치(llmnotes.world)의 크기·속도·문법 측정.

1. 세계 만들기 시간, 개체·사실 수, 관계마다의 말투 수.
2. ``pretraining_corpus(target_chars, include_real=False)`` 생성 시간 (CPU 시간과 벽시계): 서로 다른 문서 수, 글자 수.
3. 토큰 수: 이 프로젝트의 빠른 BPE 학습기(``llmnotes.bpe.train``)로 표본(기본 2백만 글자)에서 어휘 8,000 을 배우고,
   HF ``tokenizers`` 로 옮겨(``to_hf``) 말뭉치 전체를 인코딩해 센다.
4. 문법 검사기 통과율과 Kiwi 건전성: 생성 문서에서 뽑은 서로 다른 문장들 (train + heldout).

실행: PYTHONHASHSEED=0 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_world.py --target-chars 16000000
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from llmnotes import bpe  # noqa: E402
from llmnotes.corpora import split_sentences  # noqa: E402
from llmnotes.world import (  # noqa: E402
    RELATIONS,
    build_world,
    check_sentences,
    generate_documents,
    kiwi_sanity,
    pretraining_corpus,
)
from llmnotes.world.phrasings import EVENTS, HISTORY, STATEMENTS, train_templates  # noqa: E402


def _sentences(docs) -> list[str]:
    out = []
    for d in docs:
        for line in d.text.split("\n"):
            line = line.split(": ", 1)[-1]
            out += [s for s in split_sentences(line) if s.endswith((".", "?"))]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--target-chars", type=int, default=16_000_000)
    ap.add_argument("--bpe-sample-chars", type=int, default=2_000_000)
    ap.add_argument("--grammar-docs", type=int, default=6000)
    args = ap.parse_args()

    t0 = time.perf_counter()
    world = build_world(args.seed)
    t_world = time.perf_counter() - t0
    kinds = Counter(e.kind for e in world.entities.values())
    print(f"세계: 개체 {len(world.entities)} {dict(kinds)}, 사실 {len(world.facts)}, "
          f"남겨 둔 개체 {len(world.heldout_entities)}, 만들기 {t_world:.2f} s")  # fmt: skip
    n_post = sum(1 for f in world.facts if f.valid_from and f.valid_from >= world.cutoff)
    print(f"마감일 {world.cutoff}: 마감일 뒤에 시작하는 사실 {n_post}개")
    for rel in RELATIONS:
        extra = [len(tb[rel]) for tb in (HISTORY, EVENTS) if rel in tb]
        print(f"  {rel}: 현재형 틀 {len(STATEMENTS[rel])} (train {len(train_templates(STATEMENTS, rel))}), "
              f"과거·사건 틀 {extra}")  # fmt: skip

    c0, w0 = time.process_time(), time.perf_counter()
    docs = pretraining_corpus(args.target_chars, seed=args.seed, include_real=False, world=world)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    n_chars = sum(map(len, docs))
    print(f"생성: 서로 다른 문서 {len(docs):,}개, {n_chars:,} 글자, CPU {cpu:.1f} s (벽시계 {wall:.1f} s)")

    distinct_sents = set()
    for d in docs:
        distinct_sents.update(split_sentences(d))
    print(f"  그 안의 서로 다른 문장 {len(distinct_sents):,}개, {sum(map(len, distinct_sents)):,} 글자 "
          "(사실 문장은 일부러 여러 문서에 되풀이된다)")  # fmt: skip

    sample, total = [], 0
    for d in docs:
        if total >= args.bpe_sample_chars:
            break
        sample.append(d)
        total += len(d)
    c0 = time.process_time()
    tok = bpe.train(sample, vocab_size=8000)
    hf = tok.to_hf()
    n_tokens = sum(len(e.ids) for e in hf.encode_batch(docs))
    print(f"BPE 어휘 8,000 (표본 {total:,} 글자에서 학습): 토큰 {n_tokens:,}개, 글자/토큰 {n_chars / n_tokens:.2f}, "
          f"CPU {time.process_time() - c0:.1f} s")  # fmt: skip
    real = pretraining_corpus(1, seed=args.seed, include_real=True, world=world)
    real_chars = sum(len(t) for t in real) - 0
    print(
        f"실제·프로젝트 텍스트(include_real): 문서 {len(real)}개 안팎, {real_chars:,} 글자 (생성 문서 한두 개 포함)"
    )

    gdocs = generate_documents(world, args.grammar_docs, seed=7, split="train")
    gdocs += generate_documents(world, args.grammar_docs // 5, seed=7, split="heldout")
    sents = sorted(set(_sentences(gdocs)))
    c0 = time.process_time()
    res = check_sentences(sents)
    n_bad = sum(bool(v) for v in res)
    print(f"문법 검사: 서로 다른 문장 {len(sents):,}개 중 위반 {n_bad}개 (통과율 {1 - n_bad / len(sents):.4f}), "
          f"CPU {time.process_time() - c0:.1f} s")  # fmt: skip
    print(f"Kiwi 건전성: {kiwi_sanity(sents)}")
    by_genre = Counter(d.genre for d in gdocs)
    print(f"장르별 문서 수 (문법 표본): {dict(by_genre)}")


if __name__ == "__main__":
    main()
