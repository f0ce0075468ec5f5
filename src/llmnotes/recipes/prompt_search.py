"""레시피: 노트북 10 의 프롬프트 탐색 결과와 소프트 프롬프트를 ``data/models/prompt-search/`` 에 저장한다.

척추 모델 ``tiny-ko-llama`` 로 리뷰 감성 분류 (:mod:`llmnotes.prompt_search`).

- 데이터: 세계 생성기의 리뷰. 학습 128개(시드 100, 소프트 프롬프트 학습), 개발 16개(시드 101, 이산 탐색의 선택),
  시험 200개(시드 102). 개발 분할을 일부러 작게 두어 '개발 정확도로 고르면 개발에 맞춰진다'를 본다.
- 이산 탐색: :func:`llmnotes.prompt_search.evolve` (세대 :data:`GENERATIONS`, 자식 6, 남김 4). 세대마다 가장 좋은
  템플릿의 시험 정확도도 기록한다 (그림용. 선택에는 쓰지 않는다).
- 연속 프롬프트: 탐색의 첫 템플릿에 소프트 프롬프트 8개를 붙여 학습 리뷰로 학습 (:func:`train_soft_prompt`).

실행: ``PYTHONHASHSEED=0 OMP_NUM_THREADS=1 python -m llmnotes.recipes.prompt_search --out data/models/prompt-search``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from dataclasses import asdict
from pathlib import Path

import torch

from llmnotes.prompt_search import (
    Template,
    accuracy,
    evolve,
    review_examples,
    soft_accuracy,
    train_soft_prompt,
)

SEEDS = {"train": 100, "dev": 101, "test": 102}
SIZES = {"train": 128, "dev": 16, "test": 200}
START = [
    Template(suffix=" 한마디로", labels=(" 나", " 좋다")),
    Template(suffix=" 정말", labels=(" 나", " 좋다")),
]
GENERATIONS, CHILDREN, KEEP = 12, 6, 4
SOFT = {"n_tokens": 8, "steps": 40, "batch_size": 16, "lr": 0.03, "seed": 0}


def load_spine():
    """척추 모델과 토크나이저 (float32, 평가 모드)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from llmnotes.paths import models_dir

    path = models_dir() / "tiny-ko-llama"
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True, dtype=torch.float32).eval()
    return model, tok


def data() -> dict[str, list]:
    """학습·개발·시험 리뷰."""
    return {k: review_examples(SIZES[k], seed=SEEDS[k]) for k in SEEDS}


def data_hash(examples) -> str:
    """예시 목록의 SHA-256."""
    rows = [[e.text, e.label] for e in examples]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("data/models/prompt-search"))
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.process_time()
    model, tok = load_spine()
    d = data()
    curve = []
    test_cache: dict[Template, float] = {}

    def record(g: int, dev_acc: float, t: Template) -> None:
        if t not in test_cache:
            test_cache[t] = accuracy(model, tok, t, d["test"])
        curve.append(
            {
                "generation": g,
                "dev": round(dev_acc, 4),
                "test": round(test_cache[t], 4),
                "template": asdict(t),
            }
        )
        print(g, round(dev_acc, 3), round(test_cache[t], 3), t)

    final = evolve(lambda t: accuracy(model, tok, t, d["dev"]), START, GENERATIONS, CHILDREN, KEEP, seed=0,
                   on_generation=record)  # fmt: skip
    soft, losses = train_soft_prompt(model, tok, START[0], d["train"], **SOFT)
    from safetensors.torch import save_file

    save_file({"prompt": soft.prompt.detach().contiguous()}, str(args.out / "soft_prompt.safetensors"))
    res = {
        "search": curve,
        "final_population": [{"dev": round(s, 4), "template": asdict(t)} for s, t in final],
        "soft": {
            "start_template": asdict(START[0]),
            "losses": [round(x, 4) for x in losses],
            "train": round(soft_accuracy(soft, model, tok, START[0], d["train"]), 4),
            "dev": round(soft_accuracy(soft, model, tok, START[0], d["dev"]), 4),
            "test": round(soft_accuracy(soft, model, tok, START[0], d["test"]), 4),
        },  # fmt: skip
    }
    (args.out / "results.json").write_text(
        json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    recipe = {
        "command": "python -m llmnotes.recipes.prompt_search --out data/models/prompt-search",
        "model": "data/models/tiny-ko-llama",
        "seeds": SEEDS,
        "sizes": SIZES,
        "search": {
            "generations": GENERATIONS,
            "children": CHILDREN,
            "keep": KEEP,
            "seed": 0,
            "start": [asdict(t) for t in START],
        },  # fmt: skip
        "soft_prompt": SOFT,
        "data_sha256": {k: data_hash(v) for k, v in d.items()},
        "cpu_seconds": round(time.process_time() - t0, 1),
        "file_sha256": {
            "soft_prompt.safetensors": hashlib.sha256(
                (args.out / "soft_prompt.safetensors").read_bytes()
            ).hexdigest()
        },
    }
    (args.out / "recipe.json").write_text(
        json.dumps(recipe, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print("soft", res["soft"]["train"], res["soft"]["dev"], res["soft"]["test"])


if __name__ == "__main__":
    main()
