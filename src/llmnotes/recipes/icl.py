"""레시피: 노트북 10 의 인컨텍스트 러닝 메타 학습 모델을 학습·평가해 ``data/models/icl/`` 에 저장한다.

- 학습: :func:`llmnotes.icl.task_split` 의 학습 과제(남겨 둔 갈래 쌍 16개를 뺀 50쌍)로 :data:`CONFIG` 만큼.
- 평가: 남겨 둔 갈래 쌍의 앞 8개 = 개발(dev), 뒤 8개 = 시험(test). 설정은 개발 과제로만 골랐다 (데이터시트).
  샷 수별 정확도(보정 전후), 같은 예시 4개의 순서 24가지에 따른 정확도의 흔들림, 한쪽 레이블로 쏠린 예시에서 보정 전후.

결과 숫자는 ``results.json`` 에, 재현 정보(명령, 시드, 설정, 데이터 해시, 파일 해시)는 ``recipe.json`` 에 쓴다.

실행: ``PYTHONHASHSEED=0 OMP_NUM_THREADS=1 python -m llmnotes.recipes.icl --out data/models/icl``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from dataclasses import asdict
from pathlib import Path

import torch

from llmnotes.icl import (
    CATEGORIES,
    CONTENT_FREE,
    ICLConfig,
    Task,
    calibrate,
    format_prompt,
    label_probs,
    load_icl,
    order_accuracies,
    order_spread,
    save_icl,
    shot_accuracy,
    task_split,
    train_icl,
)

CONFIG = ICLConfig(n_layer=2, n_head=4, n_embd=64, steps=1500, batch_size=64, lr=3e-3, warmup=100,
                   p_repeat=0.5, init_std=0.2, seed=0)  # fmt: skip
EARLY_STEP = 250  # 인컨텍스트 러닝이 막 생긴 중간 모델도 싣는다 (개발 과제로 200·250·300·400 중에 골랐다)
SHOTS = list(range(9))
ROUNDS = 4  # 과제 8개 × 질의 16개 × 4회 = 샷 수마다 512 질의


def split() -> tuple[list[Task], list[Task], list[Task]]:
    """(학습, 개발, 시험) 과제."""
    train, held = task_split(seed=0, n_heldout=16)
    return train, held[:8], held[8:]


def data_hash(tasks: list[Task]) -> str:
    """과제 목록의 SHA-256 (갈래 쌍과 레이블을 JSON 으로)."""
    rows = [[t.a, t.b, t.yes, t.no] for t in tasks]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()


def order_study(model, tasks: list[Task], seed: int) -> dict:
    """과제마다 예시 4개(갈래마다 2개)와 나머지 단어 12개를 질의로 고정하고, 예시 순서 24가지의 정확도."""
    rng = random.Random(seed)
    rows = []
    for t in tasks:
        shots_w = rng.sample(CATEGORIES[t.a], 2) + rng.sample(CATEGORIES[t.b], 2)
        rng.shuffle(shots_w)
        shots = [(w, t.label(w)) for w in shots_w]
        queries = [w for w in t.words if w not in shots_w]
        accs = order_accuracies(model, t, shots, queries)
        rows.append({"task": t.predicate, **{k: round(v, 4) for k, v in order_spread(accs).items()}})
    return {"per_task": rows, "mean_range": round(sum(r["max"] - r["min"] for r in rows) / len(rows), 4)}


def skewed_study(model, tasks: list[Task], seed: int, n: int = 200) -> dict:
    """예시 4개 중 3개가 한 레이블인 프롬프트(쏠린 예시)에서 보정 전후 정확도. 질의는 두 갈래에서 반반."""
    rng = random.Random(seed)
    prompts, cf, labels, gold = [], [], [], []
    for _ in range(n):
        t = rng.choice(tasks)
        major, minor = (t.a, t.b) if rng.random() < 0.5 else (t.b, t.a)
        q = rng.choice(CATEGORIES[major] if rng.random() < 0.5 else CATEGORIES[minor])
        pool_major = [w for w in CATEGORIES[major] if w != q]
        pool_minor = [w for w in CATEGORIES[minor] if w != q]
        ws = rng.sample(pool_major, 3) + rng.sample(pool_minor, 1)
        rng.shuffle(ws)
        ex = [(w, t.label(w)) for w in ws]
        prompts.append(format_prompt(ex, q))
        cf.append(format_prompt(ex, CONTENT_FREE))
        labels.append((t.yes, t.no))
        gold.append(0 if t.label(q) == t.yes else 1)
    p = label_probs(model, prompts, labels)
    pc = calibrate(p, label_probs(model, cf, labels))
    g = torch.tensor(gold)
    return {"n": n, "raw": round((p.argmax(-1) == g).float().mean().item(), 4),
            "calibrated": round((pc.argmax(-1) == g).float().mean().item(), 4)}  # fmt: skip


def evaluate(model, tasks: list[Task], seed: int) -> dict:
    """샷 수별 정확도(보정 전후), 순서 흔들림, 쏠린 예시."""
    acc = shot_accuracy(model, tasks, SHOTS, n_queries=16, rounds=ROUNDS, seed=seed)
    return {
        "raw": {str(k): round(v, 4) for k, v in acc["raw"].items()},
        "calibrated": {str(k): round(v, 4) for k, v in acc["calibrated"].items()},
        "order": order_study(model, tasks, seed + 1),
        "skewed": skewed_study(model, tasks, seed + 2),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("data/models/icl"))
    ap.add_argument("--steps", type=int, default=CONFIG.steps, help="학습 스텝 (시험용으로 줄일 때)")
    ap.add_argument("--test", action="store_true", help="시험 과제에서도 잰다 (설정을 고른 뒤 한 번)")
    args = ap.parse_args(argv)
    cfg = ICLConfig(**{**asdict(CONFIG), "steps": args.steps})
    train, dev, test = split()
    early = args.out / "early"

    def snapshot(step: int, model) -> None:
        if step == EARLY_STEP:
            save_icl(model, early)

    t0 = time.process_time()
    model, losses = train_icl(cfg, train, log_every=max(1, cfg.steps // 10), on_step=snapshot)
    cpu = round(time.process_time() - t0, 1)
    save_icl(model, args.out)
    early_model = load_icl(early)
    res = {"dev": evaluate(model, dev, seed=11), "early_dev": evaluate(early_model, dev, seed=11),
           "losses_every_10": [round(x, 4) for x in losses[::10]]}  # fmt: skip
    if args.test:
        res["test"] = evaluate(model, test, seed=22)
        res["early_test"] = evaluate(early_model, test, seed=22)
    (args.out / "results.json").write_text(
        json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    recipe = {
        "command": "python -m llmnotes.recipes.icl --out data/models/icl --test",
        "seed": cfg.seed,
        "config": asdict(cfg),
        "train_tasks": len(train),
        "dev_tasks": [t.predicate for t in dev],
        "test_tasks": [t.predicate for t in test],
        "data_sha256": {"train": data_hash(train), "dev": data_hash(dev), "test": data_hash(test)},
        "cpu_seconds": cpu,
        "early_step": EARLY_STEP,
        "file_sha256": {
            name: hashlib.sha256((args.out / name).read_bytes()).hexdigest()
            for name in ("model.safetensors", "early/model.safetensors")
        },  # fmt: skip
    }
    (args.out / "recipe.json").write_text(
        json.dumps(recipe, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(
        "dev",
        res["dev"]["raw"],
        res["dev"]["calibrated"],
        res["dev"]["order"]["mean_range"],
        res["dev"]["skewed"],
    )
    print(
        "early dev",
        res["early_dev"]["raw"],
        res["early_dev"]["calibrated"],
        res["early_dev"]["order"]["mean_range"],
    )
    if args.test:
        print("test", res["test"]["raw"], res["test"]["calibrated"], res["test"]["order"]["mean_range"],
              res["test"]["skewed"])  # fmt: skip


if __name__ == "__main__":
    main()
