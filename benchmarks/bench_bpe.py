"""BPE 학습 속도: 우리 빠른 학습기 vs HF ``tokenizers`` BpeTrainer vs 교육용 학습기.

같은 프로세스, 같은 데이터, 같은 정규화·사전 토큰화로 잰다.

1. 약 10 MB 한국어 (생성 문장 + 헌법 + 국회 의안) 에서 어휘 8,000 학습: 우리 ``bpe.train`` / HF ``BpeTrainer``.
2. 1 MB, 어휘 2,000: 빠른 학습기 vs 교육용 ``train_naive``. 교육용은 1 MB 에서 몇 분이 걸리므로 기본으로는 작은
   크기 몇 개에서 재고, 시간이 말뭉치 크기에 비례한다는 것(병합마다 전체를 다시 센다)을 확인한 뒤 1 MB 로 외삽한다.
   ``--naive-full`` 을 주면 1 MB 에서 직접 잰다.

실행: PYTHONHASHSEED=0 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_bpe.py
"""

from __future__ import annotations

import argparse
import os
import random
import time

os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")

from llmnotes import bpe, corpora, textgen  # noqa: E402
from llmnotes.paths import cache_dir  # noqa: E402


def korean_corpus(mb: float) -> str:
    """약 ``mb`` MB(UTF-8) 의 한국어 텍스트. 실제 말뭉치(헌법, 의안)를 앞에 두고 생성 문장으로 채운다. 캐시한다."""
    path = cache_dir() / "bench_bpe" / f"korean_{mb:g}mb.txt"
    if path.exists():
        return path.read_text(encoding="utf-8")
    real = corpora.constitution_text() + "\n" + "\n".join(d.text for d in corpora.load_bills())
    target = int(mb * 1_000_000)
    n_real = len(real.encode("utf-8"))
    # 생성 문장 한 줄 ≈ 43 바이트
    gen = textgen.generate_text(max(1, (target - n_real) // 43 + 1000), seed=0)
    text = real + "\n" + gen
    data = text.encode("utf-8")[:target]
    text = data.decode("utf-8", errors="ignore")
    text = text[: text.rfind("\n")]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


def as_docs(text: str, lines_per_doc: int = 200) -> list[str]:
    lines = text.split("\n")
    return ["\n".join(lines[i : i + lines_per_doc]) for i in range(0, len(lines), lines_per_doc)]


def prefix_mb(text: str, mb: float) -> str:
    data = text.encode("utf-8")[: int(mb * 1_000_000)]
    out = data.decode("utf-8", errors="ignore")
    return out[: out.rfind("\n")]


def shuffled_prefix(lines: list[str], kb: float) -> list[str]:
    """섞인 줄 목록의 앞에서 ``kb`` KB 만큼 (말뭉치 구성 비율이 전체와 같은 부분 표본)."""
    out, size = [], 0
    for line in lines:
        size += len(line.encode("utf-8")) + 1
        if size > kb * 1000:
            break
        out.append(line)
    return out


def timed(fn, repeat: int = 1):
    """가장 빠른 벽시계 시간(s), 그때의 CPU 시간(s, 모든 스레드 합), 결과."""
    best, cpu, result = float("inf"), 0.0, None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall = time.perf_counter() - t0
        if wall < best:
            best, cpu = wall, time.process_time() - c0
    return best, cpu, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=10.0)
    ap.add_argument("--vocab", type=int, default=8000)
    ap.add_argument("--small-mb", type=float, default=1.0)
    ap.add_argument("--small-vocab", type=int, default=2000)
    ap.add_argument("--naive-kb", default="20,40,80", help="교육용 학습기를 잴 크기들 (KB, 쉼표로)")
    ap.add_argument("--naive-full", action="store_true", help="교육용 학습기를 1 MB 에서 직접 잰다 (몇 분)")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()

    text = korean_corpus(args.mb)
    docs = as_docs(text)
    wc = bpe.count_pretokens(docs)
    print(f"말뭉치: {len(text.encode('utf-8')) / 1e6:.2f} MB, 문서 {len(docs)}개, 조각 {sum(wc.values()):,}개, "
          f"고유 조각 {len(wc):,}개")  # fmt: skip

    # 1) 10 MB, vocab 8k: 우리 vs HF
    t_ours, c_ours, ours = timed(lambda: bpe.train(docs, args.vocab), args.repeat)
    t_hf, c_hf, ref = timed(lambda: bpe.train_hf_reference(docs, args.vocab), args.repeat)
    ours_m = [(ours.vocab[a], ours.vocab[b]) for a, b in ours.merges]
    hf_m = bpe.hf_merges(ref)
    same = sum(x == y for x, y in zip(ours_m, hf_m))
    print()
    print(f"[1] {args.mb:g} MB, vocab {args.vocab}")
    print(f"{'학습기':<28}{'벽시계(s)':>10}{'CPU(s)':>10}")
    print(f"{'llmnotes.bpe.train':<28}{t_ours:>10.2f}{c_ours:>10.2f}")
    print(f"{'tokenizers BpeTrainer':<28}{t_hf:>10.2f}{c_hf:>10.2f}")
    print(f"비율 ours/HF = {t_ours / t_hf:.2f}x (목표 ≤ 10x)")
    print(f"병합 일치: 같은 순서로 같은 병합 {same}/{len(hf_m)} (목록 전체 동일: {ours_m == hf_m})")

    # 1b) 인코딩 처리량 (1 MB)
    small = prefix_mb(text, args.small_mb)
    sdocs = as_docs(small)
    hf_tok = ours.to_hf()
    t_enc, _, ids = timed(lambda: [ours.encode(d) for d in sdocs], args.repeat)
    ours._cache.clear()
    t_enc_cold, _, _ = timed(lambda: [ours.encode(d) for d in sdocs], 1)
    t_hf_enc, _, hf_ids = timed(lambda: [e.ids for e in hf_tok.encode_batch(sdocs)], args.repeat)
    print()
    print(f"[1b] 인코딩 {args.small_mb:g} MB: ours {t_enc:.2f}s (캐시 없이 {t_enc_cold:.2f}s), HF encode_batch "
          f"{t_hf_enc:.2f}s, 비율 {t_enc / t_hf_enc:.1f}x, id 동일: {ids == hf_ids}")  # fmt: skip

    # 2) 1 MB, vocab 2k: 빠른 vs 교육용
    lines = small.split("\n")
    random.Random(0).shuffle(lines)  # 부분 표본이 1 MB 전체와 같은 구성(실제:생성 비율)이 되도록 섞는다
    t_fast, c_fast, fast = timed(lambda: bpe.train(lines, args.small_vocab), args.repeat)
    print()
    print(
        f"[2] {args.small_mb:g} MB, vocab {args.small_vocab}: 빠른 학습기 벽시계 {t_fast:.3f}s, CPU {c_fast:.3f}s"
    )
    print(
        f"{'교육용 크기(KB)':<18}{'벽시계(s)':>10}{'CPU(s)':>10}{'CPU s/KB':>10}{'병합 수':>8}{'빠른 것과 동일':>16}"
    )
    per_kb = []
    for kb in [int(x) for x in args.naive_kb.split(",") if x]:
        part = shuffled_prefix(lines, kb)
        t_n, c_n, naive = timed(lambda part=part: bpe.train_naive(part, args.small_vocab), 1)
        same_fast = naive.merges == bpe.train(part, args.small_vocab).merges
        per_kb.append((t_n / kb, c_n / kb))
        print(f"{kb:<18}{t_n:>10.2f}{c_n:>10.2f}{c_n / kb:>10.4f}{len(naive.merges):>8}{str(same_fast):>16}")
    if args.naive_full:
        t_naive, c_naive, naive = timed(lambda: bpe.train_naive(lines, args.small_vocab), 1)
        same = naive.merges == fast.merges
        print(
            f"교육용 {args.small_mb:g} MB 직접 측정: 벽시계 {t_naive:.1f}s, CPU {c_naive:.1f}s, 병합 동일: {same}"
        )
        print(
            f"빠른/교육용 속도비 = 벽시계 {t_naive / t_fast:.0f}x, CPU {c_naive / c_fast:.0f}x (목표 ≥ 500x)"
        )
    elif per_kb:
        kb_total = args.small_mb * 1000
        est, est_cpu = per_kb[-1][0] * kb_total, per_kb[-1][1] * kb_total
        print(
            f"교육용 {args.small_mb:g} MB 외삽 (가장 큰 크기의 s/KB × {kb_total:g} KB; 병합 수가 다 찬 뒤에는 시간이"
        )
        print(f"  말뭉치 크기에 비례한다고 가정): 벽시계 ~{est:.0f}s, CPU ~{est_cpu:.0f}s")
        print(
            f"빠른/교육용 속도비 ≈ 벽시계 {est / t_fast:.0f}x, CPU {est_cpu / c_fast:.0f}x (외삽, 목표 ≥ 500x)"
        )


if __name__ == "__main__":
    main()
