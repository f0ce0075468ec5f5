"""학습 처리량(tokens/s): 우리 GPT (SDPA / naive 어텐션) 대 transformers GPT-2, 같은 설정·같은 데이터.

실행:
    PYTHONHASHSEED=0 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_gpt.py
    PYTHONHASHSEED=0 OMP_NUM_THREADS=2 .venv/bin/python benchmarks/bench_gpt.py --threads 2

설정은 4층, 4헤드, 128차원, 문맥 128, 배치 32, 어휘 4096 (CPU). 한 스텝 = 순전파 + 역전파 + AdamW 갱신.

공정하게 재는 방법:
- 같은 가중치에서 출발하고(``to_hf``), 같은 입력 배치, 같은 스레드 수, 같은 옵티마이저 설정(AdamW lr=1e-4,
  foreach/fused 는 두 쪽 모두 PyTorch 기본값), 두 쪽 모두 ``zero_grad(set_to_none=True)``.
- transformers 는 보통 쓰는 그대로: ``attn_implementation`` 기본값(sdpa), ``labels`` 로 모델 안에서 손실 계산.
- 모델들을 한 스텝씩 번갈아(round-robin, 라운드마다 순서를 뒤집어) 여러 번 잰다. 같은 라운드 안의 측정은
  시간상 붙어 있어 공유 기계의 부하를 비슷하게 받으므로, 비율은 라운드마다(짝지어) 구한 값의 중앙값과
  범위(최저–최고)로 보고한다.
- 벽시계 시간(wall)과 이 프로세스의 CPU 시간(cpu, ``time.process_time``)을 함께 잰다. 여러 사람이 함께 쓰는
  기계에서는 다른 프로세스에 CPU 를 빼앗긴 시간이 벽시계에 섞이므로, CPU 시간 쪽이 덜 흔들린다.
- 우리 모델은 평범한 torch 그대로다 (SDPA 어텐션, 로짓에 ``F.cross_entropy``): 속도를 위한 특별한 경로가 없다.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from _train_step import make_step, summary

from llmnotes.gpt import GPT, GPTConfig, from_hf, to_hf

OURS, NAIVE, HF = "ours (sdpa)", "ours (naive)", "transformers GPT-2"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--block", type=int, default=128)
    parser.add_argument("--vocab", type=int, default=4096)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--embd", type=int, default=128)
    parser.add_argument("--steps", type=int, default=1, help="한 번 잴 때의 스텝 수")
    parser.add_argument("--rounds", type=int, default=9, help="번갈아 재는 횟수 (5 이상; 중앙값·최저)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if args.rounds < 5:
        parser.error(f"--rounds는 5 이상이어야 합니다: {args.rounds}")

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = GPTConfig(
        vocab_size=args.vocab,
        n_layer=args.layers,
        n_head=args.heads,
        n_embd=args.embd,
        block_size=args.block,
        dropout=0.0,
    )
    ours = GPT(cfg).train()
    hf = to_hf(ours).train()  # 같은 가중치에서 출발
    naive = from_hf(hf, attention="naive").train()
    data = torch.randint(0, args.vocab, (args.batch, args.block + 1))
    x, y = data[:, :-1], data[:, 1:]
    print(
        f"HF attn_implementation = {hf.config._attn_implementation}, torch threads = {torch.get_num_threads()}, "
        f"tokens/step = {args.batch * args.block}, steps/측정 = {args.steps}, rounds = {args.rounds}"
    )

    runners = {
        OURS: make_step(ours, "ours", x, y),
        NAIVE: make_step(naive, "ours", x, y),
        HF: make_step(hf, "hf", x, y),
    }
    for run in runners.values():  # 예열
        run()
        run()
    wall: dict[str, list[float]] = {k: [] for k in runners}
    cpu: dict[str, list[float]] = {k: [] for k in runners}
    for r in range(args.rounds):
        order = list(runners) if r % 2 == 0 else list(reversed(runners))  # 순서 효과도 번갈아
        for name in order:
            run = runners[name]
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(args.steps):
                run()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)

    tokens = args.batch * args.block * args.steps
    for label, times in (("CPU 시간(process_time)", cpu), ("벽시계(wall)", wall)):
        print(f"\n[{label}]  {'모델':<24}{'tokens/s 중앙값':>16}{'최저':>9}{'최고':>9}")
        for k, v in times.items():
            print(
                f"  {k:<28}{tokens / statistics.median(v):>16.0f}{tokens / max(v):>9.0f}{tokens / min(v):>9.0f}"
            )
        # 라운드마다 짝지은 비율: (상대 시간) / (우리 시간) = 우리 처리량 / 상대 처리량
        per_round = {k: [h / o for h, o in zip(times[HF], times[k])] for k in times if k != HF}
        print(f"  ours(sdpa) / transformers   : {summary(per_round[OURS])}")
        print(f"  ours(sdpa) / transformers, 가장 빠른 측정끼리: {min(times[HF]) / min(times[OURS]):.2f}x")
        print(f"  ours(naive) / transformers  : {summary(per_round[NAIVE])}")
        slower = [(n / s - 1) * 100 for n, s in zip(times[NAIVE], times[OURS])]  # naive 시간 / sdpa 시간 − 1
        print(
            f"  naive 가 sdpa 보다 느린 정도: {statistics.median(slower):.1f}% "
            f"(범위 {min(slower):.1f}–{max(slower):.1f}%)"
        )


if __name__ == "__main__":
    main()
