"""진단: GRPO 한 번 갱신의 방향.

cot-short 로 학습 문제 32개마다 풀이 8개를 온도 1 로 뽑고, SGD 한 걸음 뒤 풀이의 로그확률 변화를 이점의
부호별로 평균한다. 구현이 맞다면 이점이 양수인 풀이는 올라가고 음수인 풀이는 내려간다.

실행: ``python -m llmnotes.recipes.reasoner_diagnostics.grpo_one_step 0.05`` (인자: SGD 학습률)
"""

from __future__ import annotations

import argparse
import random

import torch

from llmnotes.gpt import load_pretrained
from llmnotes.grpo import completion_logprobs, group_advantages, grpo_loss
from llmnotes.reasoner import PROMPT_LEN, generate, rollout_batch
from llmnotes.reasoning import make_problem, parse_answer
from llmnotes.recipes.reasoner_diagnostics import COT_SHORT, checkpoint_dir, positive_float

N_PROBLEMS, GROUP = 32, 8


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description="GRPO 한 번 갱신의 방향 (이점의 부호별 로그확률 변화)")
    ap.add_argument("lr", type=positive_float, help="SGD 학습률")
    ap.add_argument("--checkpoint", type=checkpoint_dir, default=COT_SHORT)
    return ap


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    torch.manual_seed(0)
    m = load_pretrained(args.checkpoint)
    rng = random.Random(5)
    probs = [make_problem(rng, rng.randint(1, 4)) for _ in range(N_PROBLEMS)]
    texts = generate(m, probs, samples=GROUP, temperature=1.0, seed=1)
    rewards = torch.tensor([float(parse_answer(t) == p.answer) for p, o in zip(probs, texts) for t in o])
    adv = group_advantages(rewards, GROUP)
    ids, mask = rollout_batch(probs, texts)
    print("reward", rewards.mean().item(), "nonzero adv", (adv != 0).sum().item())
    print("ex", probs[0].text, texts[0][:3], rewards[:3])

    def greedy_acc() -> float:
        greedy = [o[0] for o in generate(m, probs)]
        return sum(parse_answer(g) == p.answer for g, p in zip(greedy, probs)) / len(probs)

    def seq_logprob() -> torch.Tensor:
        # 풀이마다 log π(y|x) = Σ_t log π(y_t | x, y_<t) (풀이 토큰만)
        with torch.no_grad():
            lp = completion_logprobs(m, ids, PROMPT_LEN + 1)
        return (lp * mask).sum(1)

    print("greedy acc", greedy_acc())
    before = seq_logprob()
    opt = torch.optim.SGD(m.parameters(), lr=args.lr)
    m.train()
    lp = completion_logprobs(m, ids, PROMPT_LEN + 1)
    loss, _ = grpo_loss(lp, lp.detach(), lp.detach(), adv, mask, beta=0.0)
    opt.zero_grad()
    loss.backward()
    opt.step()
    m.eval()
    d = seq_logprob() - before
    print(
        "pos adv mean dlogp",
        d[adv > 0].mean().item(),
        "neg",
        d[adv < 0].mean().item(),
        "zero",
        d[adv == 0].mean().item(),
    )
    print(
        "frac pos increased",
        (d[adv > 0] > 0).float().mean().item(),
        "frac neg decreased",
        (d[adv < 0] < 0).float().mean().item(),
    )
    print("greedy acc after", greedy_acc())


if __name__ == "__main__":
    main()
