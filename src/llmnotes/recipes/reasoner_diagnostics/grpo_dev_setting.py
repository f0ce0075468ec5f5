"""진단: GRPO 설정 하나를 개발 분할에서 잰다 (갱신 20번마다, 그리고 끝에서 난이도별 정확도와 평균).

레시피의 ``--stage grpo-dev`` 와 같은 시드를 쓰므로, 같은 설정이면 같은 값이 나온다. 시험 분할은 보지 않는다.

실행: ``python -m llmnotes.recipes.reasoner_diagnostics.grpo_dev_setting '{"reward": "verified", "lr": 1e-4}'``
(인자: 기본 GRPO 설정에서 바꿀 필드의 JSON)
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from llmnotes.gpt import load_pretrained
from llmnotes.reasoner import generate, train_grpo
from llmnotes.reasoning import parse_answer
from llmnotes.recipes.reasoner_diagnostics import COT_SHORT, checkpoint_dir, grpo_overrides, held_out_keys

LOG_EVERY = 20


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description="GRPO 설정 하나의 개발 정확도")
    ap.add_argument(
        "overrides", type=grpo_overrides, help="GRPO 설정에서 바꿀 필드의 JSON (예: '{\"lr\": 3e-5}')"
    )
    ap.add_argument("--checkpoint", type=checkpoint_dir, default=COT_SHORT)
    return ap


def main(argv: list[str] | None = None) -> None:
    from llmnotes.recipes.reasoners import GRPO, by_level, splits

    args = build_parser().parse_args(argv)
    dev, _ = splits()

    def dev_accuracy(model) -> tuple[dict[str, float], float]:
        outs = [o[0] for o in generate(model, dev)]
        d = by_level(dev, [parse_answer(o) == p.answer for o, p in zip(outs, dev)])
        return d, round(sum(d.values()) / len(d), 4)

    def callback(step: int, model) -> None:
        print("step", step, dev_accuracy(model), flush=True)

    t0 = time.process_time()
    cfg = replace(GRPO, **args.overrides)
    m, _ = train_grpo(
        load_pretrained(args.checkpoint),
        cfg,
        held_out_keys(),
        log_every=LOG_EVERY,
        log=print,
        callback=callback,
    )
    print("final", args.overrides, dev_accuracy(m), "cpu", time.process_time() - t0, flush=True)


if __name__ == "__main__":
    main()
