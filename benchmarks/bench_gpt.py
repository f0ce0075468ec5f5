"""학습 처리량(tokens/s): 우리 GPT (SDPA / naive 어텐션) 대 transformers GPT-2, 같은 설정·같은 데이터.

실행:
    PYTHONHASHSEED=0 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_gpt.py

설정은 4층, 4헤드, 128차원, 문맥 128, 배치 32 (CPU). 한 스텝 = 순전파 + 역전파 + AdamW 갱신.
세 모델을 번갈아(round-robin) 여러 번 재고 중앙값을 쓴다: 공유 기계의 잡음이 세 모델에 고르게 퍼지도록.
벽시계 시간(wall)과 이 프로세스의 CPU 시간(cpu, ``time.process_time``)을 함께 잰다. 여러 사람이 함께 쓰는
기계에서는 다른 프로세스에 CPU 를 빼앗긴 시간이 벽시계에 섞이므로, 한 스레드 실행이면 CPU 시간 쪽이 덜 흔들린다.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from llmnotes.gpt import GPT, GPTConfig, from_hf, to_hf


def _make_step(model, kind: str, x: torch.Tensor, y: torch.Tensor):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def step() -> float:
        opt.zero_grad(set_to_none=True)
        if kind == "hf":
            # transformers 를 쓰는 보통 방법 그대로: labels 를 주면 모델 안에서 한 칸 밀어 손실을 계산한다
            loss = model(input_ids=x, labels=x).loss
        else:
            _, loss = model(x, y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--block", type=int, default=128)
    parser.add_argument("--vocab", type=int, default=4096)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--embd", type=int, default=128)
    parser.add_argument("--steps", type=int, default=5, help="한 번 잴 때의 스텝 수")
    parser.add_argument("--rounds", type=int, default=5, help="번갈아 재는 횟수 (중앙값)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

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
        f"HF attn_implementation = {hf.config._attn_implementation}, torch threads = {torch.get_num_threads()}"
    )

    runners = {
        "ours (sdpa)": _make_step(ours, "ours", x, y),
        "ours (naive)": _make_step(naive, "ours", x, y),
        "transformers GPT-2": _make_step(hf, "hf", x, y),
    }
    for run in runners.values():  # 예열
        run()
        run()
    wall: dict[str, list[float]] = {k: [] for k in runners}
    cpu: dict[str, list[float]] = {k: [] for k in runners}
    for _ in range(args.rounds):
        for name, run in runners.items():
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(args.steps):
                run()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)

    tokens = args.batch * args.block * args.steps
    for label, times in (("벽시계(wall)", wall), ("CPU 시간(process_time)", cpu)):
        tps = {k: tokens / statistics.median(v) for k, v in times.items()}
        print(f"\n[{label}]  {'모델':<20}{'tokens/s 중앙값':>16}{'최저':>9}{'최고':>9}")
        for k, v in times.items():
            print(f"  {k:<28}{tps[k]:>16.0f}{tokens / max(v):>9.0f}{tokens / min(v):>9.0f}")
        sdpa, naive_tps, ref = tps["ours (sdpa)"], tps["ours (naive)"], tps["transformers GPT-2"]
        print(f"  ours(sdpa) / transformers : {sdpa / ref:.2f}x")
        print(f"  ours(naive) / transformers: {naive_tps / ref:.2f}x")
        print(f"  naive 가 sdpa 보다 느린 정도: {(1 - naive_tps / sdpa) * 100:.1f}%")


if __name__ == "__main__":
    main()
