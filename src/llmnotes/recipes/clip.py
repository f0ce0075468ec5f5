"""레시피: 노트북 20 의 작은 CLIP·FILIP 과, 척추 모델(tiny-ko-llama)에 그림을 넣는 다리 다섯을 학습해 내보낸다.

실행: ``PYTHONHASHSEED=0 OMP_NUM_THREADS=1 python -m llmnotes.recipes.clip --out data/models/tiny-clip``
(``--stage clip`` 과 ``--stage bridges`` 로 나눠 돌릴 수 있다; 단계마다 시드를 따로 고정한다.)

쓰는 파일 (float32 safetensors, 합쳐 몇 MB):
    clip.safetensors, filip.safetensors    CLIP (전체 벡터 InfoNCE) 과 FILIP (토큰 단위) 목표로 학습한 같은 구조
    llava.safetensors, qformer.safetensors 조각 토큰을 읽는 다리를 학습 분할 그림으로 학습 (다리 ``bridge.*`` + LoRA ``lm.*lora_*``)
    llava_capdec.safetensors, qformer_capdec.safetensors
                                           CLIP 공통 임베딩 하나를 읽는 다리를 잡음 더한 **글** 임베딩으로 학습 (CapDec)
    qformer_capdec_norm.safetensors        같은 CapDec Q-Former 에 입력 층 정규화를 더한 것 (``clip_qformer_study`` 로 dev 에서 고름)
    qformer_study.json                     Q-Former 진단과 고치기 후보의 dev 기록 (``python -m llmnotes.recipes.clip_qformer_study``)
    vocab.json, recipe.json                CLIP 글 인코더의 어휘, 설정·시드·데이터 해시·손실 기록·결과·파일 해시 (데이터시트)

다리 다섯 가지는 ``llmnotes.recipes.clip_bridges.BRIDGES``. 척추 모델 자체는 복사하지 않는다: ``data/models/tiny-ko-llama`` 를 읽고, 그 파일 해시를 ``recipe.json`` 에 적어
다른 척추 모델에 LoRA 를 잘못 붙이지 않게 한다.

분할: 학습 장면은 ``shapes.HELD_OUT`` 조합을 담지 않는다. dev 분할(시드 seed+1)은 설정과 제로샷 점수 규칙을 고르는 데
쓰고, 시험 분할(시드 ``test_seed``)은 고른 뒤에 한 번 잰다. 다리는 그 분할을 설계 중 여러 번 보았으므로,
Q-Former 고침을 고른 뒤 다리 모두를 새 시험 분할(시드 ``bridge_fresh_test_seed``)에서 한 번 쟀다. 예전 시험 분할(시드 2)은 제로샷 규칙을 그 결과를 본 뒤에
골랐으므로 더는 시험에 쓰지 않는다 (data/README.md).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from .. import shapes
from ..clip import (
    ClipConfig,
    TinyClip,
    WordTokenizer,
    fit_clip,
    images_to_tensor,
    recall_at_k,
    token_wise_similarity,
)
from .clip_bridges import (
    BRIDGES,
    ORIGINAL_BRIDGES,
    bridge_inputs,
    build_qa,
    choose_bridge_input,
    evaluate_bridge,
    load_bridges,
    load_spine,
    make_vlm,
    spine_dir,
    text_scenes,
    train_bridge,
    trained_state,
)
from .clip_probes import linear_probe, shape_probes
from .records import file_sha256, write_json

__all__ = [
    "RecipeConfig",
    "ZERO_SHOT_RULES",
    "build_qa",
    "load_spine",
    "BRIDGES",
    "load_artefacts",
    "evaluate_zero_shot",
    "choose_zero_shot_rule",
    "evaluate_retrieval",
    "evaluate_bridge",
    "linear_probe",
    "shape_probes",
    "evaluation_scenes",
    "main",
]

# 제로샷 거친 분류(도형 4가지)의 후보 점수 규칙. dev 분할에서 가장 좋은 것을 고르고 시험 분할은 그 뒤에 한 번 잰다.
ZERO_SHOT_RULES = ("coarse", "coarse_mean", "coarse_short")


@dataclass(frozen=True)
class RecipeConfig:
    """레시피 설정 (기본값이 내보낸 체크포인트의 설정)."""

    seed: int = 0
    n_train: int = 8000
    n_eval: int = 300
    test_seed: int = 1002  # 새 시험 분할 (예전 시드 2 는 규칙을 고를 때 보았으므로 쓰지 않는다)
    clip_steps: int = 300
    clip_batch: int = 128
    clip_lr: float = 2e-3
    spine: str = "tiny-ko-llama"  # data/models 아래 폴더 이름 또는 경로
    lm_mode: str = "lora"  # 'frozen' 은 얼린 척추 모델로 학습이 거의 되지 않았다 (데이터시트)
    lora_targets: str = "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj"
    lora_r: int = 8
    n_bridge_train: int = 2000
    bridge_steps: int = 250
    bridge_batch: int = 24
    bridge_lr: float = 5e-3
    qformer_queries: int = 4
    embed_tokens: int = 4  # 공통 임베딩 하나를 펼칠 그림 토큰 수 (MLP 다리, ClipCap 처럼)
    capdec_noise: float = 0.1  # CapDec 잡음 σ: dev 분할의 글 탐사로 고름 (데이터시트)
    n_eval_bridge: int = 96
    # 다리의 새 시험 분할 (시드 1002 분할은 다리 설계 중 여러 번 보았다): Q-Former 고침을 dev 에서 고른 뒤 처음 잰다
    bridge_fresh_test_seed: int = 2026


@torch.no_grad()
def evaluate_zero_shot(
    model: TinyClip, tok: WordTokenizer, scenes: list[shapes.Scene], filip: bool = False
) -> dict:
    """'single' 장면에 대한 제로샷 정확도 (``shapes.ZERO_SHOT_LEVELS`` 마다).

    프롬프트마다 유사도를 재고 (CLIP: 코사인, FILIP: 토큰 단위), 클래스 안에서 최댓값 또는 평균을 클래스 점수로 쓴다.
    """
    x = images_to_tensor(shapes.render_batch(scenes))
    out = {}
    for level in shapes.ZERO_SHOT_LEVELS:
        prompts = shapes.zero_shot_prompts(level)
        y = torch.tensor([shapes.zero_shot_label(s, level) for s in scenes])
        flat = [p for ps in prompts for p in ps]
        ids, mask = tok.batch(flat, model.cfg.max_len)
        if filip:
            sim = token_wise_similarity(
                model.image_token_embeddings(x), model.text_token_embeddings(ids, mask), mask
            )
        else:
            sim = model.encode_image(x) @ model.encode_text(ids, mask).T
        sim = sim.view(len(x), len(prompts), -1)  # (그림, 클래스, 클래스당 프롬프트)
        score = sim.amax(-1) if shapes.ZERO_SHOT_POOL[level] == "max" else sim.mean(-1)
        out[level] = round((score.argmax(1) == y).float().mean().item(), 4)
    return out


def choose_zero_shot_rule(dev_zero_shot: dict[str, float]) -> str:
    """dev 정확도가 가장 높은 거친 분류 규칙 (``ZERO_SHOT_RULES`` 순서에서 먼저 나온 것이 동점을 이긴다)."""
    return max(ZERO_SHOT_RULES, key=lambda r: (dev_zero_shot[r], -ZERO_SHOT_RULES.index(r)))


@torch.no_grad()
def evaluate_retrieval(
    model: TinyClip, tok: WordTokenizer, scenes: list[shapes.Scene], filip: bool = False
) -> dict:
    """그림↔설명 검색 recall@1/5. 같은 설명을 가진 다른 그림(또는 설명)도 정답으로 센다."""
    x = images_to_tensor(shapes.render_batch(scenes))
    caps = [s.caption for s in scenes]
    ids, mask = tok.batch(caps, model.cfg.max_len)
    if filip:
        sim = token_wise_similarity(
            model.image_token_embeddings(x), model.text_token_embeddings(ids, mask), mask
        )
    else:
        sim = model.encode_image(x) @ model.encode_text(ids, mask).T
    rel = torch.tensor([[a == b for b in caps] for a in caps])
    return {
        f"{d}_r@{k}": round(recall_at_k(s, rel, k), 4)
        for d, s in (("image_to_text", sim), ("text_to_image", sim.T))
        for k in (1, 5)
    }


def evaluation_scenes(cfg: RecipeConfig) -> dict[str, dict[str, list[shapes.Scene]]]:
    """평가 장면: 분할마다 'single'(제로샷) 과 섞인 장면(검색, 다리). dev 시드 = seed+1, 시험 시드 = ``test_seed``.

    'seen' 은 학습 분할의 새 장면(시드 seed+4, 본 조합만)이다: 다리가 본 조합에서는 되는지 비교한다.
    """
    out = {
        split: {
            "single": shapes.sample_scenes(cfg.n_eval, s, split, kinds=("single",)),
            "mixed": shapes.sample_scenes(cfg.n_eval, s, split),
        }
        for split, s in (("dev", cfg.seed + 1), ("test", cfg.test_seed))
    }
    out["seen"] = {
        "single": shapes.sample_scenes(cfg.n_eval, cfg.seed + 4, "train", kinds=("single",)),
        "mixed": shapes.sample_scenes(cfg.n_eval, cfg.seed + 4, "train"),
    }
    return out


def load_artefacts(path: str | Path, spine: str | Path | None = None, bridges: bool = True) -> dict[str, Any]:
    """내보낸 폴더에서 tokenizer, clip, filip, spine(얼린 척추 모델), codec(척추 토크나이저),
    llava, qformer(각각 :class:`VisionLanguageModel`, 척추 모델 사본 + 학습한 LoRA) 와 recipe 를 읽는다.

    Args:
        path: 레시피가 쓴 폴더.
        spine: 척추 모델 폴더 (기본값: recipe 에 적힌 이름을 ``data/models`` 에서). 가중치 해시가 레시피에 적힌
            것과 다르면 ``ValueError`` (LoRA 는 그 척추 모델에만 맞는다).
        bridges: ``False`` 면 CLIP·FILIP 만 읽는다 (척추 모델이 필요 없다).
    """
    path = Path(path)
    recipe = json.loads((path / "recipe.json").read_text(encoding="utf-8"))
    tok = WordTokenizer(json.loads((path / "vocab.json").read_text(encoding="utf-8")))
    ccfg = ClipConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in recipe["clip_config"].items()})
    out: dict[str, Any] = {"tokenizer": tok, "recipe": recipe}
    for name in ("clip", "filip"):
        m = TinyClip(ccfg)
        m.load_state_dict(load_file(path / f"{name}.safetensors"))
        out[name] = m.eval()
    if not bridges or not any((path / f"{b}.safetensors").exists() for b in BRIDGES):
        return out  # 'clip' 단계만 돌린 폴더
    cfg = RecipeConfig(**recipe["config"])
    lm, codec, digest = load_spine(spine if spine is not None else cfg.spine)
    if digest != recipe["spine_sha256"]:
        raise ValueError(
            f"척추 모델 가중치가 레시피가 쓴 것과 다릅니다 (sha256 {digest[:12]} != {recipe['spine_sha256'][:12]}): "
            "다리를 다시 학습하세요 (--stage bridges)"
        )
    out["spine"], out["codec"] = lm, codec
    load_bridges(out, path, cfg, lm)
    return out


def evaluate_all(
    out: Path, cfg: RecipeConfig, spine: str | Path | None = None, previous: dict[str, Any] | None = None
) -> dict[str, Any]:
    """내보낸 파일을 다시 읽어 모든 결과를 잰다 (제로샷과 규칙 선택, 검색, 도형 읽기 probe, 다리).

    ``previous`` (앞선 ``results``) 에 같은 가중치 파일(sha256)·같은 장면 시드로 잰 다리 점수가 있으면 다시 재지 않고 쓴다.
    다리 분할: 본 조합(seed+4), dev(seed+1), 시험(``test_seed``; ``ORIGINAL_BRIDGES`` 만), 새 시험(``bridge_fresh_test_seed``).
    """
    art = load_artefacts(out, spine)
    tok = art["tokenizer"]
    ev = evaluation_scenes(cfg)
    results: dict[str, Any] = {}
    for split in ("dev", "test"):
        for name in ("clip", "filip"):
            m = art[name]
            results[f"{name}_{split}"] = {
                "zero_shot": evaluate_zero_shot(m, tok, ev[split]["single"], filip=name == "filip"),
                "retrieval": evaluate_retrieval(m, tok, ev[split]["mixed"], filip=name == "filip"),
                "temperature": round(1.0 / m.scale().item(), 4),
            }
    dev_zs = results["clip_dev"]["zero_shot"]
    rule = choose_zero_shot_rule(dev_zs)
    results["zero_shot_rule"] = {
        "candidates": list(ZERO_SHOT_RULES),
        "dev": {r: dev_zs[r] for r in ZERO_SHOT_RULES},
        "chosen": rule,
        "test": results["clip_test"]["zero_shot"][rule],
    }
    probe_train = shapes.sample_scenes(cfg.n_eval * 2, cfg.seed + 3, "train", kinds=("single",))
    all_combos = text_scenes(cfg.n_eval * 2, cfg.seed + 6)  # 진단용 탐사만 쓴다 (다리 학습에는 쓰지 않는다)
    all_combos = [s for s in all_combos if s.kind == "single"] + shapes.sample_scenes(
        cfg.n_eval, cfg.seed + 6, "dev", kinds=("single",)
    )
    results["shape_probes"] = shape_probes(
        art["clip"],
        tok,
        probe_train,
        {k: ev[k]["single"] for k in ("seen", "dev", "test")},
        cfg.seed,
        all_combos=all_combos,
    )
    fresh = shapes.sample_scenes(cfg.n_eval, cfg.bridge_fresh_test_seed, "test")
    seeds = {
        "seen": cfg.seed + 4,
        "dev": cfg.seed + 1,
        "test": cfg.test_seed,
        "test_fresh": cfg.bridge_fresh_test_seed,
    }
    prev = previous or {}
    cache = results["bridge_eval_cache"] = {}
    for name in BRIDGES:
        if name not in art:
            continue
        digest = file_sha256(Path(out) / f"{name}.safetensors")
        splits = (
            ("seen", "dev", "test", "test_fresh")
            if name in ORIGINAL_BRIDGES
            else ("seen", "dev", "test_fresh")
        )
        for split in splits:
            key = f"{name}_{split}"
            stamp = {"sha256": digest, "seed": seeds[split], "n": cfg.n_eval_bridge}
            if prev.get("bridge_eval_cache", {}).get(key) == stamp and key in prev:
                results[key] = prev[key]  # 같은 가중치·같은 장면: 탐욕적 답이 같으므로 다시 재지 않는다
            else:
                scenes = fresh if split == "test_fresh" else ev[split]["mixed"]
                results[key] = evaluate_bridge(art[name], art["codec"], scenes[: cfg.n_eval_bridge])
            cache[key] = stamp
        vlm = art[name]
        results[f"{name}_trainable"] = {
            "bridge": sum(p.numel() for p in vlm.bridge.parameters()),
            "lora": sum(p.numel() for n, p in vlm.lm.named_parameters() if "lora_" in n),
            "frozen_lm": sum(p.numel() for n, p in vlm.lm.named_parameters() if "lora_" not in n),
        }
    if all(n in art for n in BRIDGES):
        results["bridge_choice"] = choose_bridge_input(results)
    return results


def _write_recipe(out: Path, recipe: dict[str, Any]) -> None:
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != "recipe.json")
    recipe["files_sha256"] = {str(p.relative_to(out)): file_sha256(p) for p in files}
    write_json(out / "recipe.json", recipe)


def _training_data(cfg: RecipeConfig, tok: WordTokenizer, max_len: int):
    train = shapes.sample_scenes(cfg.n_train, cfg.seed, "train")
    rng = np.random.default_rng(cfg.seed)
    texts = [shapes.clip_texts(s, rng) for s in train]
    images = shapes.render_batch(train)
    data_hash = hashlib.sha256(images.tobytes() + "\n".join(texts).encode()).hexdigest()
    ids, mask = tok.batch(texts, max_len)
    return images_to_tensor(images), ids, mask, data_hash


def run(
    cfg: RecipeConfig,
    out: Path,
    command: str = "",
    stage: str = "all",
    bridges: tuple[str, ...] = tuple(BRIDGES),
) -> dict[str, Any]:
    """레시피: 'clip' 단계(CLIP, FILIP) → 'bridges' 단계(척추 모델 + 다리, ``BRIDGES``) → 저장한 파일로 결과 재기.

    두 단계는 각자 시드를 고정하므로 'all' 한 번과 'clip' 뒤 'bridges' 는 같은 파일을 만든다. ``bridges`` 로 학습할
    다리를 고를 수 있다 (두 프로세스가 다리 하나씩 같은 폴더에 학습한 뒤 ``--eval-only`` 로 결과를 잰다).
    """
    if any(b not in BRIDGES for b in bridges) or not bridges:
        raise ValueError(f"bridges는 {tuple(BRIDGES)} 중에서 골라야 합니다: {bridges!r}")
    if stage not in ("all", "clip", "bridges"):
        raise ValueError(f"stage는 'all', 'clip', 'bridges' 중 하나여야 합니다: {stage!r}")
    t0 = time.time()

    def log(msg: str) -> None:
        print(f"[{time.time() - t0:6.0f}s] {msg}", flush=True)

    out.mkdir(parents=True, exist_ok=True)
    tok = WordTokenizer(shapes.vocabulary())
    ccfg = ClipConfig(vocab_size=len(tok))
    recipe_path = out / "recipe.json"
    if stage == "bridges" and recipe_path.exists():
        recipe = json.loads(recipe_path.read_text(encoding="utf-8"))
    else:
        recipe = {"recipe": "llmnotes.recipes.clip", "seed": cfg.seed, "loss_logs": {}, "commands": []}
    recipe.update(config=asdict(cfg), clip_config=asdict(ccfg), torch=torch.__version__)
    recipe["commands"].append(command)
    recipe["held_out"] = sorted(f"{c} {s}" for c, s in shapes.HELD_OUT)
    logs = recipe["loss_logs"]

    def keep(vals: list[float]) -> list[float]:
        return [round(v, 4) for v in vals[:: max(1, len(vals) // 100)]]

    if stage in ("all", "clip"):
        x, ids, mask, recipe["data_sha256"] = _training_data(cfg, tok, ccfg.max_len)
        log(f"데이터: 학습 장면 {cfg.n_train}, 해시 {recipe['data_sha256'][:12]}")
        for name in ("clip", "filip"):
            torch.manual_seed(cfg.seed)
            m = TinyClip(ccfg)
            losses = fit_clip(m, x, ids, mask, cfg.clip_steps, cfg.clip_batch, cfg.clip_lr, name, cfg.seed)
            logs[name] = keep(losses)
            log(f"{name}: 마지막 50스텝 평균 손실 {np.mean(losses[-50:]):.4f}")
            save_file({k: v.contiguous() for k, v in m.state_dict().items()}, out / f"{name}.safetensors")
        (out / "vocab.json").write_text(
            json.dumps(shapes.vocabulary(), ensure_ascii=False, indent=0), encoding="utf-8"
        )
        _write_recipe(out, recipe)
    if stage in ("all", "bridges"):
        lm, codec, recipe["spine_sha256"] = load_spine(cfg.spine)
        recipe["spine"] = {
            "name": spine_dir(cfg.spine).name,
            "params": sum(p.numel() for p in lm.parameters()),
        }
        clip_model = TinyClip(ccfg)
        clip_model.load_state_dict(load_file(out / "clip.safetensors"))
        clip_model.eval()
        for name in BRIDGES:
            if name not in bridges:
                continue
            feats, idx, qs, ans = bridge_inputs(clip_model, tok, name, cfg)
            noise = cfg.capdec_noise if BRIDGES[name].data == "text" else 0.0
            torch.manual_seed(cfg.seed)
            vlm = make_vlm(clip_model, name, copy.deepcopy(lm), cfg)
            log(f"{name}: 학습 파라미터 {sum(p.numel() for p in vlm.parameters() if p.requires_grad):,}")
            losses = train_bridge(vlm, feats, codec, idx, qs, ans, cfg, noise=noise, log=log)
            log(f"{name}: 마지막 25스텝 평균 손실 {np.mean(losses[-25:]):.4f}")
            save_file(trained_state(vlm), out / f"{name}.safetensors")
            # 다른 다리를 다른 프로세스가 같은 폴더에서 함께 학습할 수 있다: 기록은 쓰기 직전에 다시 읽어 이 다리 것만 더한다
            if recipe_path.exists():
                stored = json.loads(recipe_path.read_text(encoding="utf-8"))
                recipe["loss_logs"] = stored["loss_logs"]
                recipe["commands"] = stored["commands"] + [
                    c for c in recipe["commands"] if c not in stored["commands"]
                ]
            recipe["loss_logs"][name] = keep(losses)
            _write_recipe(out, recipe)
    _write_recipe(out, recipe)
    if not all((out / f"{b}.safetensors").exists() for b in BRIDGES):
        log("다리 파일이 아직 다 있지 않아 결과 재기를 건너뛴다 (나머지 다리를 학습한 뒤 --eval-only)")
        return recipe
    recipe["results"] = evaluate_all(out, cfg, previous=recipe.get("results"))
    _write_recipe(out, recipe)
    log(f"끝: {json.dumps(recipe['results'], ensure_ascii=False)}")
    return recipe


def evaluate_only(out: Path, command: str = "") -> dict[str, Any]:
    """이미 학습한 폴더의 결과만 다시 잰다 (가중치는 바꾸지 않는다)."""
    recipe = json.loads((out / "recipe.json").read_text(encoding="utf-8"))
    cfg = RecipeConfig(**recipe["config"])
    recipe["results"] = evaluate_all(out, cfg, previous=recipe.get("results"))
    recipe.setdefault("commands", []).append(command)
    _write_recipe(out, recipe)
    print(json.dumps(recipe["results"], ensure_ascii=False))
    return recipe


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    for f, default in asdict(RecipeConfig()).items():
        parser.add_argument(f"--{f.replace('_', '-')}", type=type(default), default=default)
    parser.add_argument("--stage", default="all", choices=["all", "clip", "bridges"])
    parser.add_argument(
        "--bridges", default=",".join(BRIDGES), help=f"학습할 다리 (쉼표로): {', '.join(BRIDGES)}"
    )
    parser.add_argument(
        "--eval-only", action="store_true", help="학습하지 않고 --out 의 파일로 결과만 다시 잰다"
    )
    args = vars(parser.parse_args(argv))
    out, stage, eval_only = args.pop("out"), args.pop("stage"), args.pop("eval_only")
    bridges = tuple(b for b in args.pop("bridges").split(",") if b)
    torch.set_num_threads(1)
    command = "python -m llmnotes.recipes.clip " + " ".join(argv if argv is not None else sys.argv[1:])
    if eval_only:
        return evaluate_only(out, command)
    return run(RecipeConfig(**args), out, command=command, stage=stage, bridges=bridges)


if __name__ == "__main__":
    main()
