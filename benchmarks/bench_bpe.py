"""BPE 학습·인코딩 속도: 우리 빠른 학습기 vs HF ``tokenizers`` BpeTrainer, 그리고 교육용 학습기.

같은 프로세스, 같은 데이터, 같은 정규화·사전 토큰화로 잰다. 두 종류의 텍스트에서 잰다:

- 생성 (``--mb`` MB, 기본 10): 헌법 + 국회 의안 (실제, 약 0.13 MB) 뒤를 생성 문장(``llmnotes.textgen``)으로 채운 것.
  생성 문장은 틀에서 나와 서로 다른 조각(사전 토큰)이 몇천 개뿐이다 (조각 수를 출력한다).
- 다양 (``--world-chars`` 글자, 기본 100만 ≈ 2.4 MB): ``llmnotes.world.pretraining_corpus(include_real=True)``
  (세계 말뭉치: 여러 틀의 문서 + 실제 헌법·의안). 서로 다른 조각이 훨씬 많다.

HF 병렬 처리(``TOKENIZERS_PARALLELISM``)는 켠 경우와 끈 경우를 **각각 다른 자식 프로세스**에서 잰다 (환경 변수를
프로세스가 시작할 때 정한다; 기본 ``--parallelism both``). 우리 학습기는 한 스레드다. 각 프로세스는 우리 것과 HF 를
번갈아 ``--repeat`` 번 재고 최솟값과 중앙값을 적는다. ``make bench`` 도 이 스크립트를 그대로 부르므로 두 설정이
모두 나온다 (Makefile 이 내보내는 ``TOKENIZERS_PARALLELISM=false`` 는 자식 프로세스에서 덮어쓴다).

교육용 ``train_naive`` 와의 비교([2])는 작은 크기 몇 개에서 재고 1 MB 로 외삽한다 (``--naive-full`` 이면 직접).

실행: PYTHONHASHSEED=0 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_bpe.py
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time

from llmnotes import bpe, corpora, textgen
from llmnotes.paths import cache_dir


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


def rounds(fns: dict, repeat: int) -> dict:
    """여러 함수를 한 라운드에 번갈아 ``repeat`` 라운드 잰다: 이름 → (벽시계 목록, CPU 목록, 마지막 결과)."""
    out = {name: ([], [], None) for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0, c0 = time.perf_counter(), time.process_time()
            result = fn()
            walls, cpus, _ = out[name]
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
            out[name] = (walls, cpus, result)
    return out


def fmt(walls: list[float], cpus: list[float]) -> str:
    return (
        f"벽시계 최소 {min(walls):.2f} / 중앙 {statistics.median(walls):.2f} s, "
        f"CPU 최소 {min(cpus):.2f} / 중앙 {statistics.median(cpus):.2f} s"
    )


def compare(name: str, docs: list[str], vocab: int, enc_docs: list[str], repeat: int) -> None:
    """한 말뭉치에서 학습(우리 vs HF)과 인코딩(우리 vs HF encode_batch)을 번갈아 잰다."""
    wc = bpe.count_pretokens(docs)
    n_bytes = sum(len(d.encode("utf-8")) for d in docs)
    print(f"\n### {name}: {n_bytes / 1e6:.2f} MB, 문서 {len(docs):,}개, 조각 {sum(wc.values()):,}개, "
          f"서로 다른 조각 {len(wc):,}개, 어휘 {vocab:,}")  # fmt: skip
    r = rounds(
        {"ours": lambda: bpe.train(docs, vocab), "hf": lambda: bpe.train_hf_reference(docs, vocab)}, repeat
    )
    ours, ref = r["ours"][2], r["hf"][2]
    ours_m = [(ours.vocab[a], ours.vocab[b]) for a, b in ours.merges]
    same = ours_m == bpe.hf_merges(ref)
    ratio = [a / b for a, b in zip(r["ours"][0], r["hf"][0], strict=True)]
    cratio = [a / b for a, b in zip(r["ours"][1], r["hf"][1], strict=True)]
    print(f"학습 llmnotes.bpe.train      : {fmt(*r['ours'][:2])}")
    print(f"학습 tokenizers BpeTrainer   : {fmt(*r['hf'][:2])}")
    print(f"학습 비율 ours/HF: 벽시계 중앙 {statistics.median(ratio):.2f}× ({min(ratio):.2f}–{max(ratio):.2f}), "
          f"CPU 중앙 {statistics.median(cratio):.2f}×; 병합 목록 동일: {same}")  # fmt: skip
    hf_tok = ours.to_hf()

    def enc_ours():
        ours._cache.clear()  # 캐시 없이 (매 라운드 같은 조건)
        return [ours.encode(d) for d in enc_docs]

    e = rounds({"ours": enc_ours, "hf": lambda: [x.ids for x in hf_tok.encode_batch(enc_docs)]}, repeat)
    eratio = [a / b for a, b in zip(e["ours"][0], e["hf"][0], strict=True)]
    n_enc = sum(len(d.encode("utf-8")) for d in enc_docs) / 1e6
    print(f"인코딩 {n_enc:.2f} MB llmnotes (캐시 비우고): {fmt(*e['ours'][:2])}")
    print(f"인코딩 {n_enc:.2f} MB HF encode_batch      : {fmt(*e['hf'][:2])}")
    print(f"인코딩 비율 ours/HF: 벽시계 중앙 {statistics.median(eratio):.2f}× ({min(eratio):.2f}–{max(eratio):.2f}); "
          f"id 동일: {e['ours'][2] == e['hf'][2]}")  # fmt: skip


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
    ap.add_argument("--world-chars", type=int, default=1_000_000)
    ap.add_argument("--small-mb", type=float, default=1.0)
    ap.add_argument("--small-vocab", type=int, default=2000)
    ap.add_argument("--naive-kb", default="20,40,80", help="교육용 학습기를 잴 크기들 (KB, 쉼표로)")
    ap.add_argument("--naive-full", action="store_true", help="교육용 학습기를 1 MB 에서 직접 잰다 (몇 분)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--parallelism", choices=["both", "true", "false"], default="both")
    args = ap.parse_args()

    if (
        args.parallelism == "both"
    ):  # 설정마다 새 프로세스 (tokenizers 가 환경 변수를 보는 시점에 기대지 않는다)
        for value in ("true", "false"):
            argv = [a for a in sys.argv[1:] if not a.startswith("--parallelism")]
            argv += ["--parallelism", value] + (["--naive-kb", ""] if value == "true" else [])
            env = dict(os.environ, TOKENIZERS_PARALLELISM=value)
            subprocess.run([sys.executable, os.path.abspath(__file__), *argv], env=env, check=True)
        return
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n===== TOKENIZERS_PARALLELISM={os.environ.get('TOKENIZERS_PARALLELISM')} "
          f"(CPU {os.cpu_count()}개, 시작 부하 평균 {load}), 라운드 {args.repeat}")  # fmt: skip

    from llmnotes import world

    text = korean_corpus(args.mb)
    small = prefix_mb(text, args.small_mb)
    compare(f"[1] 생성 {args.mb:g} MB", as_docs(text), args.vocab, as_docs(small), args.repeat)
    wdocs = world.pretraining_corpus(args.world_chars, seed=0, include_real=True)
    wsmall = as_docs(prefix_mb("\n".join(wdocs), args.small_mb))
    compare(f"[1'] 다양 (세계 말뭉치 {args.world_chars:,}자)", wdocs, args.vocab, wsmall, args.repeat)

    # 2) 1 MB, vocab 2k: 빠른 vs 교육용 (병렬 설정과 무관: 한 번만)
    if not args.naive_kb and not args.naive_full:
        print(f"끝 부하 평균 {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
        return
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
    print(f"끝 부하 평균 {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
