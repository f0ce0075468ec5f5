"""진단: 같은 학습 문제 16개를 되풀이해 GRPO 로 갱신하면 그 문제들의 보상과 탐욕적 정확도가 오르는가.

오르면 갱신 방향은 맞고, 개발 정확도가 오르지 않는 까닭은 새 문제로의 일반화에 있다.

실행: ``python -m llmnotes.recipes.reasoner_diagnostics.grpo_fixed_problems 1e-4 adam answer``
(인자: 학습률, 옵티마이저 ``adam``/``sgd``, 보상 종류)
"""

from __future__ import annotations

import argparse
import copy
import random

import torch

from llmnotes.gpt import load_pretrained
from llmnotes.reasoner import REWARDS, GRPOConfig, generate, grpo_update
from llmnotes.reasoning import make_problem, parse_answer
from llmnotes.recipes.reasoner_diagnostics import COT_SHORT, checkpoint_dir, positive_float

N_PROBLEMS, GROUP, UPDATES = 16, 16, 25


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description="같은 문제 16개를 되풀이해 GRPO 로 갱신")
    ap.add_argument("lr", type=positive_float, help="학습률")
    ap.add_argument("optimizer", choices=["adam", "sgd"])
    ap.add_argument("reward", choices=list(REWARDS))
    ap.add_argument("--checkpoint", type=checkpoint_dir, default=COT_SHORT)
    return ap


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    m = load_pretrained(args.checkpoint)
    ref = copy.deepcopy(m).eval()
    rng = random.Random(7)
    probs = [make_problem(rng, rng.randint(1, 4)) for _ in range(N_PROBLEMS)]
    cfg = GRPOConfig(group_size=GROUP, lr=args.lr, reward=args.reward, beta=0.0)
    if args.optimizer == "adam":
        opt = torch.optim.AdamW(m.parameters(), lr=args.lr, betas=(0.9, 0.98), weight_decay=0)
    else:
        opt = torch.optim.SGD(m.parameters(), lr=args.lr)

    def greedy_acc() -> float:
        return sum(parse_answer(o[0]) == p.answer for o, p in zip(generate(m, probs), probs)) / len(probs)

    for step in range(UPDATES):
        texts = generate(m, probs, samples=GROUP, temperature=1.0, seed=step)
        r, _ = grpo_update(m, ref, opt, probs, texts, cfg)
        if step % 4 == 0:
            print(step, "reward", round(r.mean().item(), 3), "greedy", greedy_acc(), flush=True)


if __name__ == "__main__":
    main()
