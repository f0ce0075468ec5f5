"""학습 처리량(tokens/s): 우리 Llama (`llmnotes.llama`) 대 transformers `LlamaForCausalLM`, spine 모델의 설정.

실행:
    PYTHONHASHSEED=0 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_llama.py
    PYTHONHASHSEED=0 OMP_NUM_THREADS=2 .venv/bin/python benchmarks/bench_llama.py --threads 2

설정은 `data/models/tiny-ko-llama` 와 같다: 6층, 폭 256, 쿼리 헤드 8 / 키·값 헤드 4 (GQA), SwiGLU 688, 어휘 6,144,
문맥 256, 배치 16 (spine 레시피 ``--preset full`` 의 한 스텝). 한 스텝 = 순전파 + 역전파 + AdamW 갱신.

공정하게 재는 방법 (`bench_gpt.py` 와 같다):
- 같은 가중치에서 출발하고(``llama_hf.to_hf``), 같은 입력 배치, 같은 스레드 수, 같은 옵티마이저 설정(AdamW lr=1e-4).
- transformers 는 보통 쓰는 그대로: ``attn_implementation`` 기본값(sdpa), ``labels`` 로 모델 안에서 손실 계산.
- 두 모델을 한 스텝씩 번갈아(라운드마다 순서를 뒤집어) 재고, 라운드마다 짝지은 비율의 중앙값과 범위를 보고한다.
- 벽시계와 이 프로세스의 CPU 시간(``time.process_time``)을 함께 잰다. 공유 기계에서는 CPU 시간이 덜 흔들린다.
- 시작 전에 두 모델의 손실이 같은지(1e-4 안) 확인한다: 같은 계산을 재는지부터 본다.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from _train_step import make_step, summary

from llmnotes.llama import Llama, LlamaConfig
from llmnotes.llama_hf import to_hf

OURS, HF = "ours (llmnotes.llama)", "transformers Llama"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--block", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=7, help="번갈아 재는 횟수 (5 이상)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if args.rounds < 5:
        parser.error(f"--rounds는 5 이상이어야 합니다: {args.rounds}")

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = LlamaConfig(
        vocab_size=6144,
        n_layer=6,
        n_head=8,
        n_kv_head=4,
        n_embd=256,
        intermediate_size=688,
        max_seq_len=args.block,
    )
    ours = Llama(cfg).train()
    hf = to_hf(ours).train()  # 같은 가중치에서 출발
    data = torch.randint(
        0, cfg.vocab_size, (args.batch, args.block + 1), generator=torch.Generator().manual_seed(0)
    )
    x, y = data[:, :-1], data[:, 1:]
    with torch.no_grad():
        ours_loss = ours(x, y)[1].item()
        logits = hf(input_ids=x).logits  # 같은 T 자리에서 y 를 맞히는 손실로 비교한다
        hf_loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).item()
    print(f"같은 가중치, 같은 자리의 손실: ours {ours_loss:.4f}, HF {hf_loss:.4f}")
    if abs(ours_loss - hf_loss) > 1e-4:
        raise SystemExit("두 모델의 손실이 너무 다릅니다: 같은 계산을 재고 있지 않습니다")
    print(
        f"HF attn_implementation = {hf.config._attn_implementation}, torch threads = {torch.get_num_threads()}, "
        f"tokens/step = {args.batch * args.block}, rounds = {args.rounds}, 파라미터 {ours.num_parameters():,}"
    )

    runners = {OURS: make_step(ours, "ours", x, y), HF: make_step(hf, "hf", x, y)}
    for run in runners.values():  # 예열
        run()
    wall: dict[str, list[float]] = {k: [] for k in runners}
    cpu: dict[str, list[float]] = {k: [] for k in runners}
    for r in range(args.rounds):
        order = list(runners) if r % 2 == 0 else list(reversed(runners))  # 순서 효과도 번갈아
        for name in order:
            t0, c0 = time.perf_counter(), time.process_time()
            runners[name]()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)

    tokens = args.batch * args.block
    for label, times in (("CPU 시간(process_time)", cpu), ("벽시계(wall)", wall)):
        print(f"\n[{label}]  {'모델':<24}{'tokens/s 중앙값':>16}{'최저':>9}{'최고':>9}")
        for k, v in times.items():
            print(
                f"  {k:<28}{tokens / statistics.median(v):>16.0f}{tokens / max(v):>9.0f}{tokens / min(v):>9.0f}"
            )
        per_round = [
            h / o for h, o in zip(times[HF], times[OURS])
        ]  # 상대 시간 / 우리 시간 = 우리 처리량 / 상대 처리량
        print(f"  ours / transformers (처리량 비): {summary(per_round)}")


if __name__ == "__main__":
    main()
