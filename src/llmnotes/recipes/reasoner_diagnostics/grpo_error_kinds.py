"""진단: GRPO 갱신 전후 탐욕적 오답의 종류 (개발 분할의 1~2단계 문제).

출발 모델(cot-short)과 GRPO 로 갱신한 모델의 탐욕적 출력을 '맞음'과 단계별 검증기가 틀렸다고 본 줄의 종류로 센다.
그리고 출력이 바뀐 문제를 15개까지 보여 준다. 개발 분할만 보고, 시험 분할은 학습 문제에서 빼는 데만 쓴다.

실행: ``python -m llmnotes.recipes.reasoner_diagnostics.grpo_error_kinds '{"steps": 20}'``
(인자: 기본 GRPO 설정에서 바꿀 필드의 JSON)
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import replace

from llmnotes.gpt import load_pretrained
from llmnotes.reasoner import generate, train_grpo
from llmnotes.reasoning import check_steps, parse_answer
from llmnotes.recipes.reasoner_diagnostics import COT_SHORT, checkpoint_dir, grpo_overrides, held_out_keys

MAX_LEVEL = 2  # 1~2단계 문제만
N_SHOW = 15


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description="GRPO 갱신 전후 탐욕적 오답의 종류 (개발 분할 1~2단계)")
    ap.add_argument(
        "overrides", type=grpo_overrides, help="GRPO 설정에서 바꿀 필드의 JSON (예: '{\"steps\": 20}')"
    )
    ap.add_argument("--checkpoint", type=checkpoint_dir, default=COT_SHORT)
    return ap


def main(argv: list[str] | None = None) -> None:
    from llmnotes.recipes.reasoners import GRPO, splits

    args = build_parser().parse_args(argv)
    dev, _ = splits()
    m0 = load_pretrained(args.checkpoint)
    m, _ = train_grpo(load_pretrained(args.checkpoint), replace(GRPO, **args.overrides), held_out_keys())
    easy = [p for p in dev if p.steps <= MAX_LEVEL]
    before = [o[0] for o in generate(m0, easy)]
    after = [o[0] for o in generate(m, easy)]

    def kinds(outs: list[str]) -> Counter:
        c: Counter = Counter()
        for o, p in zip(outs, easy):
            if parse_answer(o) == p.answer:
                c["ok"] += 1
            else:
                bad = [x.reason for x in check_steps(o) if not x.ok]
                c["bad:" + (",".join(bad) or "copy")] += 1
        return c

    print("before", kinds(before))
    print("after", kinds(after))
    changed = [(a, b, p) for a, b, p in zip(before, after, easy) if a != b]
    for a, b, p in changed[:N_SHOW]:
        print(p.numbers, p.answer, "|", a, "->", b)


if __name__ == "__main__":
    main()
