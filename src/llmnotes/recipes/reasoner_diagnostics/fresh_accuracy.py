"""진단: 학습 분포의 새 문제에서 잰 탐욕적 정확도와 온도 1 샘플 정확도 (잡음이 적은 진단).

난이도마다 300문제를 새로 만들되 개발·시험 문제와 겹치는 것은 뺀다 (개발·시험 분할은 평가하지 않는다).

실행: ``python -m llmnotes.recipes.reasoner_diagnostics.fresh_accuracy data/models/reasoners/cot-short``
(인자: 체크포인트 폴더)
"""

from __future__ import annotations

import argparse
import random

from llmnotes.gpt import load_pretrained
from llmnotes.reasoner import generate
from llmnotes.reasoning import MAX_STEPS, make_problem, parse_answer, problem_key
from llmnotes.recipes.reasoner_diagnostics import checkpoint_dir, held_out_keys

N_PER_LEVEL, SAMPLES = 300, 4


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description="학습 분포의 새 문제에서 탐욕적 / 샘플 정확도")
    ap.add_argument("checkpoint", type=checkpoint_dir, help="config.json이 있는 체크포인트 폴더")
    return ap


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    exclude = held_out_keys()
    rng = random.Random(12345)
    ps = []
    for level in range(1, MAX_STEPS + 1):
        k = 0
        while k < N_PER_LEVEL:
            p = make_problem(rng, level)
            if problem_key(p) not in exclude:
                ps.append(p)
                k += 1
    m = load_pretrained(args.checkpoint)
    greedy = [o[0] for o in generate(m, ps)]
    sampled = generate(m, ps, samples=SAMPLES, temperature=1.0, seed=1)
    for level in range(1, MAX_STEPS + 1):
        idx = [i for i, p in enumerate(ps) if p.steps == level]
        g_acc = sum(parse_answer(greedy[i]) == ps[i].answer for i in idx) / len(idx)
        s_acc = sum(parse_answer(t) == ps[i].answer for i in idx for t in sampled[i]) / (SAMPLES * len(idx))
        print(level, "greedy", g_acc, "sampled", s_acc)


if __name__ == "__main__":
    main()
