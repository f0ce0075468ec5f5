"""레시피: 노트북 10 의 작은 추론 모델들을 학습·평가해 ``data/models/reasoners/`` 에 저장한다.

단계 (``--stage``):

- ``train``: 세 형식(direct, cot, plan)을 같은 계산량으로 학습해 ``STYLE/`` 에 체크포인트로 저장.
  ``--short`` 를 주면 짧은 설정(``SHORT``)으로 cot 만 학습해 ``cot-short/`` 에 저장한다 (자기 일관성과 GRPO 의 출발점).
- ``eval``: 개발(dev)·시험(test) 문제에서 난이도별 정확도 (direct, cot, plan 의 자기 답, plan 의 식을
  안전한 계산기로 계산한 PoT), 그리고 cot 모델의 자기 일관성(k = 1, 2, 4, 8, 16)과 단계별 검증 필터.
  샘플링 온도는 개발 분할에서 고른다.
- ``grpo``: ``cot-short`` 에서 시작해 GRPO(검증 가능한 보상)로 갱신하고 ``cot-grpo/`` 에 저장, 갱신 전후 정확도.
- ``all``: 모두 (기본값).

결과 숫자는 ``results.json`` 에, 재현 정보(명령, 시드, 설정, 데이터 해시, 파일 해시)는 ``recipe.json`` 에 쓴다.

실행: ``PYTHONHASHSEED=0 OMP_NUM_THREADS=1 python -m llmnotes.recipes.reasoners --out data/models/reasoners``
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import torch

from llmnotes.gpt import load_pretrained, save_pretrained
from llmnotes.reasoner import GRPOConfig, ReasonerConfig, generate, train_grpo, train_reasoner
from llmnotes.reasoning import (
    MAX_STEPS,
    STYLES,
    majority_vote,
    make_split,
    parse_answer,
    parse_plan,
    problem_key,
    steps_ok,
)
from llmnotes.recipes.records import file_sha256
from llmnotes.safe_eval import safe_eval

DEV_SEED, TEST_SEED = 1001, 2002
N_DEV, N_TEST = 100, 200  # 난이도마다
N_DEV_SC = 50  # 온도를 고를 때 쓰는 개발 4단계 문제 수
KS = (1, 2, 4, 8, 16)
TEMPERATURES = (0.5, 1.0)  # 자기 일관성 샘플링 온도 후보 (개발 분할에서 고른다)


# 개발 분할에서 고른 설정 (고른 과정은 데이터시트에)
REASONER = ReasonerConfig(steps=4000)
# 짧게 학습한 cot: 줄마다 실수가 남아 있는 모델. 자기 일관성과 GRPO 는 이 모델에서 잰다 (충분히 학습한 cot 는 거의 다 맞힌다).
SHORT = ReasonerConfig(steps=1500)
SHORT_NAME = "cot-short"
DEV_EVERY = 500  # 학습 중 개발 정확도를 재는 간격
GRPO = GRPOConfig(steps=60, problems_per_step=16, group_size=16, temperature=1.0, min_steps=1)


def splits() -> tuple[list, list]:
    """개발(dev)·시험(test) 문제. 시험 문제는 개발 문제와 겹치지 않는다."""
    dev = make_split(DEV_SEED, N_DEV)
    test = make_split(TEST_SEED, N_TEST, exclude={problem_key(p) for p in dev})
    return dev, test


def data_hash(problems: list) -> str:
    h = hashlib.sha256()
    for p in problems:
        h.update(p.text.encode("utf-8") + b"\n")
    return h.hexdigest()


def by_level(problems: list, correct: list[bool]) -> dict[str, float]:
    out: dict[int, list[bool]] = {}
    for p, c in zip(problems, correct, strict=True):
        out.setdefault(p.steps, []).append(bool(c))
    return {str(k): round(sum(v) / len(v), 4) for k, v in sorted(out.items())}


def pot_answer(text: str) -> int | None:
    """'plan' 출력의 식을 안전한 계산기로 계산한 답 (식이 없거나 계산기가 거절하면 None)."""
    expr = parse_plan(text)
    if expr is None:
        return None
    try:
        value = safe_eval(expr)
    except ValueError:
        return None
    return int(value) if float(value).is_integer() else None


def method_accuracy(models: dict, problems: list) -> dict[str, dict[str, float]]:
    """탐욕적 디코딩으로 방법마다 난이도별 정확도."""
    res = {}
    for style in STYLES:
        outs = [o[0] for o in generate(models[style], problems)]
        res[style] = by_level(
            problems, [parse_answer(o) == p.answer for o, p in zip(outs, problems, strict=True)]
        )
        if style == "plan":
            res["pot"] = by_level(
                problems, [pot_answer(o) == p.answer for o, p in zip(outs, problems, strict=True)]
            )
    return res


def vote_curve(problems: list, samples: list[list[str]], verify: bool) -> dict[str, float]:
    """k 마다 다수결 정확도. k 개씩 겹치지 않게 나눈 묶음들의 평균 (분산을 줄인다)."""
    n = len(samples[0])
    curve = {}
    for k in KS:
        hits, total = 0, 0
        for p, outs in zip(problems, samples, strict=True):
            for g in range(n // k):
                group = outs[g * k : (g + 1) * k]
                if verify:
                    kept = [o for o in group if steps_ok(o)]
                    group = kept or group  # 모두 떨어지면 거르지 않고 투표한다
                hits += majority_vote([parse_answer(o) for o in group]) == p.answer
                total += 1
        curve[str(k)] = round(hits / total, 4)
    return curve


def self_consistency(problems: list, samples: list[list[str]], greedy: float) -> dict:
    """k 별 다수결·검증 후 투표 곡선과 검증기 통계."""
    flat = [(p, o) for p, outs in zip(problems, samples, strict=True) for o in outs]
    passing = [(p, o) for p, o in flat if steps_ok(o)]
    failing = [(p, o) for p, o in flat if not steps_ok(o)]
    return {
        "vote": vote_curve(problems, samples, verify=False),
        "verified_vote": vote_curve(problems, samples, verify=True),
        "greedy": greedy,
        "samples_passing_verifier": round(len(passing) / len(flat), 4),
        "passing_samples_correct": round(
            sum(parse_answer(o) == p.answer for p, o in passing) / max(1, len(passing)), 4
        ),
        "failing_samples_correct": round(
            sum(parse_answer(o) == p.answer for p, o in failing) / max(1, len(failing)), 4
        ),
    }


def eval_stage(out: Path, log) -> dict:
    """세 형식(+ PoT)과 짧게 학습한 cot 의 정확도, 그리고 자기 일관성.

    자기 일관성은 짧게 학습한 ``cot-short`` (줄마다 실수가 남은 모델)에서 재고, 충분히 학습한 ``cot`` 에서도 잰다.
    """
    dev, test = splits()
    models = {s: load_pretrained(out / s) for s in STYLES}
    short = load_pretrained(out / SHORT_NAME)

    def short_acc(problems):
        outs = [o[0] for o in generate(short, problems)]
        return by_level(problems, [parse_answer(o) == p.answer for o, p in zip(outs, problems, strict=True)])

    res: dict = {"dev": method_accuracy(models, dev)}
    res["dev"][SHORT_NAME] = short_acc(dev)
    log(f"dev: {res['dev']}")
    # 자기 일관성: 가장 어려운 4단계 문제에서. 온도는 개발 분할에서 cot-short 의 k=16 다수결 정확도로 고른다.
    dev4 = [p for p in dev if p.steps == MAX_STEPS][:N_DEV_SC]
    test4 = [p for p in test if p.steps == MAX_STEPS]
    sc_dev = {}
    for t in TEMPERATURES:
        s = generate(short, dev4, samples=max(KS), temperature=t, seed=1)
        sc_dev[str(t)] = vote_curve(dev4, s, verify=False)
        log(f"dev self-consistency T={t}: {sc_dev[str(t)]}")
    best_t = max(TEMPERATURES, key=lambda t: (sc_dev[str(t)][str(max(KS))], -t))
    res["self_consistency_dev"] = sc_dev
    res["temperature"] = best_t
    # 시험 분할: 여기서 한 번만 본다.
    res["test"] = method_accuracy(models, test)
    res["test"][SHORT_NAME] = short_acc(test)
    log(f"test: {res['test']}")
    res["self_consistency_test"] = {}
    for name, m in ((SHORT_NAME, short), ("cot", models["cot"])):
        s = generate(m, test4, samples=max(KS), temperature=best_t, seed=2)
        res["self_consistency_test"][name] = self_consistency(test4, s, res["test"][name][str(MAX_STEPS)])
        log(f"test self-consistency {name}: {res['self_consistency_test'][name]}")
    return res


def train_stage(out: Path, styles: tuple[str, ...], cfg: ReasonerConfig, log, suffix: str = "") -> None:
    """형식마다 학습해 ``out/STYLE{suffix}/`` 에 체크포인트와 ``train_log.json`` (설정, 10단계마다 손실, 개발 정확도 곡선,
    CPU 초)을 쓴다."""
    dev, test = splits()
    exclude = {problem_key(p) for p in dev + test}
    for style in styles:
        t0 = time.process_time()
        dev_curve: dict[str, dict[str, float]] = {}

        def on_log(step: int, model, style=style, dev_curve=dev_curve) -> None:
            if step % DEV_EVERY == 0:  # 학습 곡선: 개발 분할 정확도 (탐욕적)
                outs = [o[0] for o in generate(model, dev)]
                dev_curve[str(step)] = by_level(
                    dev, [parse_answer(o) == p.answer for o, p in zip(outs, dev, strict=True)]
                )
                log(f"{style} step {step} dev {dev_curve[str(step)]}")

        model, losses = train_reasoner(style, cfg, exclude, log_every=100, log=log, callback=on_log)
        save_pretrained(model, out / f"{style}{suffix}")
        record = {"config": asdict(cfg), "losses": [round(x, 5) for x in losses[::10]],
                  "dev_curve": dev_curve, "cpu_seconds": round(time.process_time() - t0, 1)}  # fmt: skip
        (out / f"{style}{suffix}" / "train_log.json").write_text(
            json.dumps(record, indent=1), encoding="utf-8"
        )
        log(f"{style}: saved, cpu {time.process_time() - t0:.0f}s")


# (최적화기, 학습률) 후보: 개발 분할 전체(1~4단계) 평균 정확도로 고른다. 고른 설정이 시작 모델보다 개발 정확도가
# 높을 때만 ``cot-grpo/`` 를 저장한다.
GRPO_SETTINGS = (
    {"optimizer": "adam", "lr": 3e-5},
    {"optimizer": "adam", "lr": 1e-4},
    {"optimizer": "sgd", "lr": 0.02},
    {"optimizer": "sgd", "lr": 0.1},
    # 갱신마다 문제를 4배로 (풀이는 문제마다 8개): 기울기의 잡음을 줄인다. 갱신 40번 = 문제 2,560개.
    {"optimizer": "adam", "lr": 3e-5, "problems_per_step": 64, "group_size": 8, "steps": 40},
)

# 알려진 처방 (``--stage grpo-dev``: 개발 분할에서만 재고 시험 분할은 보지 않는다; ``results.json`` 의 ``grpo_remedies``).
GRPO_REMEDIES = (
    {"reward": "verified", "lr": 3e-5},  # 틀린 줄을 거쳐 우연히 맞은 답에는 보상을 주지 않는다
    {"reward": "lines", "lr": 3e-5},  # 촘촘한 보상: ½·답 + ½·검증을 통과한 줄의 비율
    {"loss": "dr_grpo", "lr": 3e-5},  # 표준편차로 나누지 않고, 토큰 합을 상수로 나눈다
    {"freeze_embeddings": True, "lr": 3e-5},  # 출력층과 공유한 임베딩을 고정
    {"lr": 1e-5, "problems_per_step": 64, "group_size": 8, "steps": 40},  # 더 작은 학습률, 더 많은 문제
)


def setting_name(c: GRPOConfig) -> str:
    """설정 이름: ``"adam 3e-05"``, 배치가 기본값과 다르면 ``"adam 3e-05 B64xG8"``."""
    name = f"{c.optimizer} {c.lr:g}"
    if (c.problems_per_step, c.group_size) != (GRPO.problems_per_step, GRPO.group_size):
        name += f" B{c.problems_per_step}xG{c.group_size}"
    if c.reward != GRPO.reward:
        name += f" reward={c.reward}"
    if c.loss != GRPO.loss:
        name += f" {c.loss}"
    if c.freeze_embeddings:
        name += " frozen-emb"
    return name


GRPO_DEV_EVERY = 10  # 갱신 몇 번마다 개발 정확도를 잴지


def grpo_stage(out: Path, cfg: GRPOConfig, log, settings: tuple[dict, ...] = GRPO_SETTINGS) -> dict:
    """짧게 학습한 cot 모델(``cot-short``)을 GRPO 로 갱신한다.

    최적화기와 학습률(``GRPO_SETTINGS``)은 개발 분할 1~4단계 평균 정확도로 고르고, 고른 모델만 시험 분할에서 한 번 잰다.
    고른 모델이 개발 분할에서 시작 모델보다 나을 때만 ``out/cot-grpo/`` 에 저장한다.
    """
    from dataclasses import replace

    dev, test = splits()
    exclude = {problem_key(p) for p in dev + test}

    def acc(m, problems):
        outs = [o[0] for o in generate(m, problems)]
        return by_level(problems, [parse_answer(o) == p.answer for o, p in zip(outs, problems, strict=True)])

    def mean(d: dict[str, float]) -> float:
        return sum(d.values()) / len(d)

    before_dev = acc(load_pretrained(out / SHORT_NAME), dev)
    t0 = time.process_time()
    runs = []
    for setting in settings:
        c = replace(cfg, **setting)
        curve = {"0": before_dev}

        def on_log(step: int, m, curve=curve) -> None:
            if step % GRPO_DEV_EVERY == 0:
                curve[str(step)] = acc(m, dev)

        model, history = train_grpo(load_pretrained(out / SHORT_NAME), c, exclude, log_every=GRPO_DEV_EVERY,
                                    log=log, callback=on_log)  # fmt: skip
        runs.append({"name": setting_name(c), "config": asdict(c), "dev": curve[str(c.steps)], "dev_curve": curve,
                     "model": model, "history": history})  # fmt: skip
        log(f"grpo {runs[-1]['name']}: dev {runs[-1]['dev']} (mean {mean(runs[-1]['dev']):.4f}, "
            f"before {mean(before_dev):.4f})")  # fmt: skip
    best = max(runs, key=lambda r: (mean(r["dev"]), -r["config"]["lr"]))
    helps = mean(best["dev"]) > mean(before_dev)  # 개발 분할에서 나아졌을 때만 싣는다
    if helps:
        save_pretrained(best["model"], out / "cot-grpo")
    before = {"dev": before_dev, "test": acc(load_pretrained(out / SHORT_NAME), test)}
    after = {"dev": best["dev"], "test": acc(best["model"], test)}
    log(f"grpo before {before} after {after}")
    return {"config": best["config"], "name": best["name"], "before": before, "after": after,
            "helps_on_dev": helps,
            "dev_by_setting": {r["name"]: r["dev"] for r in runs},
            "dev_curve_by_setting": {r["name"]: r["dev_curve"] for r in runs},
            "reward_curve_by_setting": {r["name"]: [round(h["reward"], 4) for h in r["history"]] for r in runs},
            "kl_curve": [round(h["kl"], 5) for h in best["history"]],
            "cpu_seconds": round(time.process_time() - t0, 1)}  # fmt: skip


def grpo_dev_stage(out: Path, cfg: GRPOConfig, log, settings: tuple[dict, ...], results: Path) -> None:
    """처방 설정들을 ``cot-short`` 에서 돌려 개발 정확도만 잰다 (시험 분할은 보지 않는다). 설정마다 ``results`` 의
    ``grpo_remedies[이름]`` 에 더한다 (여러 프로세스로 나눠 돌려도 서로 덮어쓰지 않는다)."""
    from dataclasses import replace

    dev, test = splits()
    exclude = {problem_key(p) for p in dev + test}

    def acc(m):
        outs = [o[0] for o in generate(m, dev)]
        return by_level(dev, [parse_answer(o) == p.answer for o, p in zip(outs, dev, strict=True)])

    for setting in settings:
        c = replace(cfg, **setting)
        t0 = time.process_time()
        curve = {"0": acc(load_pretrained(out / SHORT_NAME))}

        def on_log(step: int, m, curve=curve) -> None:
            curve[str(step)] = acc(m)

        _, history = train_grpo(load_pretrained(out / SHORT_NAME), c, exclude, log_every=GRPO_DEV_EVERY * 2,
                                log=log, callback=on_log)  # fmt: skip
        rec = {"config": asdict(c), "dev": curve[str(c.steps)], "dev_curve": curve,
               "reward_curve": [round(h["reward"], 4) for h in history],
               "cpu_seconds": round(time.process_time() - t0, 1)}  # fmt: skip
        log(f"grpo-dev {setting_name(c)}: dev {rec['dev']}")
        with open(results.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = json.loads(results.read_text(encoding="utf-8"))
            data.setdefault("grpo_remedies", {})[setting_name(c)] = rec
            results.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _update_json(path: Path, key: str, value) -> None:
    """``path`` 의 JSON 에서 ``key`` 만 바꾼다. 단계를 여러 프로세스로 나눠 돌려도 덮어쓰지 않게 파일을 잠근다."""
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        data[key] = value
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="노트북 10 의 작은 추론 모델 레시피")
    ap.add_argument("--out", default="data/models/reasoners")
    ap.add_argument("--stage", default="all", choices=["train", "eval", "grpo", "grpo-dev", "all"])
    ap.add_argument("--styles", default=",".join(STYLES))
    ap.add_argument(
        "--short", action="store_true", help="짧은 설정 SHORT 로 cot 만 학습해 cot-short/ 에 저장"
    )
    ap.add_argument("--grpo-settings", default="", help="GRPO_SETTINGS 중 돌릴 번호들 (예: 0,1). 비우면 모두")
    ap.add_argument(
        "--remedies", default="", help="--stage grpo-dev 에서 GRPO_REMEDIES 중 돌릴 번호들. 비우면 모두"
    )
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)

    def log(msg: str) -> None:
        print(msg, flush=True)

    cfg = REASONER
    results, recipe = out / "results.json", out / "recipe.json"
    if args.stage in ("train", "all"):
        if not args.short:
            train_stage(out, tuple(args.styles.split(",")), cfg, log)
        if args.short or args.stage == "all":
            train_stage(out, ("cot",), SHORT, log, suffix="-short")
    if args.stage in ("eval", "all"):
        _update_json(results, "eval", eval_stage(out, log))
    if args.stage in ("grpo", "all"):
        pick = (
            [int(i) for i in args.grpo_settings.split(",")]
            if args.grpo_settings
            else range(len(GRPO_SETTINGS))
        )
        _update_json(results, "grpo", grpo_stage(out, GRPO, log, tuple(GRPO_SETTINGS[i] for i in pick)))
    if args.stage == "grpo-dev":
        pick = [int(i) for i in args.remedies.split(",")] if args.remedies else range(len(GRPO_REMEDIES))
        grpo_dev_stage(out, GRPO, log, tuple(GRPO_REMEDIES[i] for i in pick), results)
    dev, test = splits()
    key = (
        f"command_{args.stage}"
        + (("_short" if args.short else f"_{args.styles}") if args.stage == "train" else "")
        + (f"_{args.grpo_settings}" if args.stage == "grpo" and args.grpo_settings else "")
        + (f"_{args.remedies}" if args.stage == "grpo-dev" and args.remedies else "")
    )
    command = "python -m llmnotes.recipes.reasoners " + " ".join(sys.argv[1:] if argv is None else argv)
    _update_json(recipe, key, command)
    _update_json(recipe, "torch", torch.__version__)
    _update_json(recipe, "reasoner_config", asdict(cfg))
    _update_json(recipe, "short_config", asdict(SHORT))
    _update_json(recipe, "grpo_config", asdict(GRPO))
    _update_json(recipe, "splits", {"dev_seed": DEV_SEED, "test_seed": TEST_SEED, "dev_per_level": N_DEV,
                                    "test_per_level": N_TEST, "dev_sha256": data_hash(dev),
                                    "test_sha256": data_hash(test)})  # fmt: skip
    _update_json(recipe, "seeds", {"reasoner": cfg.seed, "dev": DEV_SEED, "test": TEST_SEED})
    hashes = {f"{d.name}/model.safetensors": file_sha256(d / "model.safetensors")
              for d in sorted(out.iterdir()) if (d / "model.safetensors").is_file()}  # fmt: skip
    _update_json(recipe, "file_sha256", hashes)


if __name__ == "__main__":
    main()
