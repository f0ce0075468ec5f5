"""어텐션 속도: 우리 MultiHeadAttention / EncoderLayer 대 torch.nn.MultiheadAttention / TransformerEncoderLayer.

실행:
    PYTHONHASHSEED=0 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_attention.py

같은 가중치(복사), 같은 입력(패딩 마스크 포함)으로 잰다. 우리 구현은 (B, h, T, T) 가중치 행렬을 직접 만들어
저장하고(그림용) 역전파도 그 행렬을 거치므로, 긴 입력의 학습 스텝에서는 torch 의 융합 커널보다 느릴 수 있다.
비교 항목:

- MHA 순전파 (추론): ours vs torch(need_weights=True, 가중치 평균) vs torch(need_weights=False, 융합 SDPA)
- 인코더 층 학습 스텝 (순전파 + 역전파): ours(post-norm) vs ``nn.TransformerEncoderLayer``

모델들을 번갈아(round-robin) 여러 번 재고 중앙값을 쓴다. 벽시계와 이 프로세스의 CPU 시간을 함께 적는다.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

from llmnotes.attention import padding_mask
from llmnotes.transformer import EncoderLayer, MultiHeadAttention


def _measure(runners: dict, rounds: int, reps: int) -> tuple[dict, dict]:
    for run in runners.values():  # 예열
        run()
        run()
    wall: dict[str, list[float]] = {k: [] for k in runners}
    cpu: dict[str, list[float]] = {k: [] for k in runners}
    for _ in range(rounds):
        for name, run in runners.items():
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(reps):
                run()
            wall[name].append((time.perf_counter() - t0) / reps)
            cpu[name].append((time.process_time() - c0) / reps)
    return wall, cpu


def _report(title: str, wall: dict, cpu: dict, base: str) -> None:
    print(f"\n== {title}")
    print(f"  {'구현':<34}{'wall ms':>10}{'cpu ms':>10}{'wall 비율':>11}{'cpu 비율':>10}")
    ref_w, ref_c = statistics.median(wall[base]), statistics.median(cpu[base])
    for k in wall:
        w, c = statistics.median(wall[k]), statistics.median(cpu[k])
        print(f"  {k:<34}{w * 1e3:>10.2f}{c * 1e3:>10.2f}{w / ref_w:>10.2f}x{c / ref_c:>9.2f}x")


def _bench_length(T: int, B: int, D: int, H: int, rounds: int, reps: int) -> None:
    x = torch.randn(B, T, D)
    lengths = [T - (i % 4) * (T // 8) for i in range(B)]  # 일부는 패딩
    mask = padding_mask(lengths, max_len=T)  # True = 유효

    ref = nn.MultiheadAttention(D, H, batch_first=True).eval()
    ours = MultiHeadAttention(D, H).load_from_torch(ref).eval()

    def run_ours():
        with torch.no_grad():
            ours(x, x, x, key_padding_mask=mask)

    def run_torch_w():
        with torch.no_grad():
            ref(x, x, x, key_padding_mask=~mask, need_weights=True)

    def run_torch_fused():
        with torch.no_grad():
            ref(x, x, x, key_padding_mask=~mask, need_weights=False)

    wall, cpu = _measure(
        {
            "torch MHA (need_weights=True)": run_torch_w,
            "torch MHA (need_weights=False)": run_torch_fused,
            "ours MultiHeadAttention": run_ours,
        },
        rounds,
        reps,
    )
    _report(f"MHA 순전파, T={T}", wall, cpu, base="torch MHA (need_weights=True)")

    ref_layer = nn.TransformerEncoderLayer(D, H, 4 * D, dropout=0.0, batch_first=True).train()
    our_layer = EncoderLayer(D, H, 4 * D).load_from_torch(ref_layer).train()

    def step_ours():
        our_layer.zero_grad(set_to_none=True)
        our_layer(x, mask).square().mean().backward()

    def step_torch():
        ref_layer.zero_grad(set_to_none=True)
        ref_layer(x, src_key_padding_mask=~mask).square().mean().backward()

    wall, cpu = _measure(
        {"torch TransformerEncoderLayer": step_torch, "ours EncoderLayer": step_ours},
        rounds,
        reps,
    )
    _report(f"인코더 층 순전파+역전파, T={T}", wall, cpu, base="torch TransformerEncoderLayer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--d-model", type=int, default=128)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--lengths", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    D, H, B = args.d_model, args.heads, args.batch
    print(f"torch {torch.__version__}, threads = {torch.get_num_threads()}, B={B}, d_model={D}, heads={H}")
    for T in args.lengths:
        _bench_length(T, B, D, H, args.rounds, args.reps)


if __name__ == "__main__":
    main()
