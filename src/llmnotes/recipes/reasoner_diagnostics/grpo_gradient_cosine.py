"""진단: 기울기의 신호 대 잡음.

독립인 학습 문제 배치 셋(시드 1, 2, 3)으로 구한 GRPO 기울기끼리의 코사인 (B16×G16, B64×G8), 같은 크기의 지도 학습
(정답 풀이) 기울기끼리의 코사인, 그리고 지도 학습 기울기와 B64×G8 GRPO 기울기 사이의 코사인을 출력한다.
코사인이 0 가까이면 배치마다 방향이 달라, 한 걸음이 대부분 잡음을 따른다.

실행: ``python -m llmnotes.recipes.reasoner_diagnostics.grpo_gradient_cosine``
"""

from __future__ import annotations

import argparse
import random

import torch

from llmnotes.gpt import load_pretrained
from llmnotes.grpo import completion_logprobs, group_advantages, grpo_loss
from llmnotes.reasoner import PROMPT_LEN, encode_batch, generate, rollout_batch, rollout_rewards
from llmnotes.reasoning import make_problem
from llmnotes.recipes.reasoner_diagnostics import COT_SHORT, checkpoint_dir

SEEDS = (1, 2, 3)
PAIRS = ((0, 1), (0, 2), (1, 2))


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description="GRPO·지도 학습 기울기의 배치 사이 코사인")
    ap.add_argument("--checkpoint", type=checkpoint_dir, default=COT_SHORT)
    return ap


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    m = load_pretrained(args.checkpoint)

    def flat_grad() -> torch.Tensor:
        return torch.cat([p.grad.flatten() for p in m.parameters()])

    def problems(seed: int, n: int) -> list:
        rng = random.Random(seed)
        return [make_problem(rng, rng.randint(1, 4)) for _ in range(n)]

    def grpo_grad(seed: int, b: int, g: int) -> torch.Tensor:
        ps = problems(seed, b)
        texts = generate(m, ps, samples=g, temperature=1.0, seed=seed)
        adv = group_advantages(rollout_rewards(ps, texts), g)
        ids, mask = rollout_batch(ps, texts)
        lp = completion_logprobs(m, ids, PROMPT_LEN + 1)
        loss, _ = grpo_loss(lp, lp.detach(), lp.detach(), adv, mask, beta=0.0)
        m.zero_grad()
        loss.backward()
        return flat_grad()

    def sft_grad(seed: int, b: int) -> torch.Tensor:
        x, y = encode_batch(problems(seed, b), "cot")
        _, loss = m(x, y)
        m.zero_grad()
        loss.backward()
        return flat_grad()

    def cos(a: torch.Tensor, b: torch.Tensor) -> float:
        # cos θ = a·b / (‖a‖ ‖b‖)
        return round(torch.nn.functional.cosine_similarity(a, b, dim=0).item(), 3)

    for b, g in ((16, 16), (64, 8)):
        grads = [grpo_grad(s, b, g) for s in SEEDS]
        print(f"GRPO B{b}xG{g} cos", [cos(grads[i], grads[j]) for i, j in PAIRS], flush=True)
    # 여기서 grads 는 마지막 설정(B64×G8)의 GRPO 기울기다
    for b in (16, 64):
        sft = [sft_grad(s, b) for s in SEEDS]
        print(f"SFT B{b} cos", [cos(sft[i], sft[j]) for i, j in PAIRS])
        print(f"  cos(-SFT B{b}, -GRPO B64xG8)", [cos(sft[i], grads[i]) for i in range(len(SEEDS))])


if __name__ == "__main__":
    main()
