"""Q-Former 진단과 고치기 실험 (노트북 20 의 곁가지): 왜 처음 보는 조합의 모양을 못 읽는가, 무엇이 고치는가.

실행: ``PYTHONHASHSEED=0 OMP_NUM_THREADS=1 python -m llmnotes.recipes.clip_qformer_study --out data/models/tiny-clip``
(내보낸 CLIP·다리를 읽고, 결과를 ``qformer_study.json`` 에 쓴다; 가중치는 쓰지 않는다.)

1. 진단 (내보낸 다리 넷, 학습 없음): 그림 토큰 노름 대 척추 모델 낱말 임베딩 노름, 그림 토큰 위 도형 선형 탐사
   (본 조합 그림으로 학습 → 본 조합·dev; dev 앞 절반으로 학습 → 뒤 절반), Q-Former 교차 어텐션의 엔트로피.
2. 고치기 후보 (``CANDIDATES``, 미리 정한 목록): 레시피와 같은 예산(250스텝, 배치 24, 장면 2,000개; 'longer' 만 500스텝)으로
   학습하고 본 조합과 **dev** 에서만 잰다. 시험 분할은 여기서 읽지 않는다.
3. 고르기 (``choose_setting``, 첫 후보 capdec_both의 결과만 본 뒤, 나머지를 보기 전에 정한 규칙): 내보낸 Q-Former 둘과 'setting' 후보 중 dev 의 색·모양·개수 평균이
   가장 높은 것, 같으면 dev 모양이 높은 것, 그래도 같으면 목록에서 먼저 나온 것. 'seed' 후보(같은 설정, 다른 시드)는 고르는
   데 쓰지 않고 시드에 따른 흔들림만 보인다. 고른 것의 dev 모양이 찍기 + 2 표준오차 (0.25 + 2·√(0.25·0.75/64) ≈ 0.358)를
   넘을 때만 레시피의 새 다리로 내보내고, 새 시험 분할(``RecipeConfig.bridge_fresh_test_seed``)을 그 뒤에 한 번 잰다.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import shapes
from ..clip import images_to_tensor
from .clip import RecipeConfig, linear_probe, load_artefacts
from .clip_bridges import (
    BRIDGES,
    BridgeSpec,
    bridge_inputs,
    dev_mean,
    evaluate_bridge,
    make_vlm,
    train_bridge,
)
from .records import write_json

__all__ = ["CANDIDATES", "SHAPE_BAR", "choose_setting", "diagnose", "run_candidate", "main"]

# 이름 → (다리 구조·입력·데이터·norm, 설정 덮어쓰기, 역할). 기준선은 내보낸 qformer / qformer_capdec (norm 'none').
# 역할: 'setting' = 고르기 후보, 'longer' = 2배 예산의 고르기 후보, 'seed' = 다른 시드 (고르지 않음; 시드 1 은 다리 학습
# 장면·초기값·배치 순서를 모두 바꾼다).
CANDIDATES: dict[str, tuple[BridgeSpec, dict[str, Any], str]] = {
    "capdec_in": (BridgeSpec("qformer", "embedding", "text", "in"), {}, "setting"),
    "capdec_out": (BridgeSpec("qformer", "embedding", "text", "out"), {}, "setting"),
    "capdec_both": (BridgeSpec("qformer", "embedding", "text", "both"), {}, "setting"),
    "capdec_both_q16": (
        BridgeSpec("qformer", "embedding", "text", "both"),
        {"qformer_queries": 16},
        "setting",
    ),
    "capdec_in_seed1": (BridgeSpec("qformer", "embedding", "text", "in"), {"seed": 1}, "seed"),
    "capdec_none_500": (BridgeSpec("qformer", "embedding", "text", "none"), {"bridge_steps": 500}, "longer"),
    "patches_both": (BridgeSpec("qformer", "patches", "images", "both"), {}, "setting"),
}
# 찍기(도형 4가지) + 2 표준오차 (dev 모양 64문항): 이보다 높아야 "찍기보다 확실히 낫다" 로 본다
SHAPE_BAR = round(0.25 + 2 * (0.25 * 0.75 / 64) ** 0.5, 3)


def choose_setting(
    baselines: dict[str, dict[str, float]], candidates: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """모듈 설명 3의 규칙. ``baselines``: 이름 → dev 점수, ``candidates``: 이름 → ``run_candidate`` 기록."""
    pool = dict(baselines)
    pool.update({n: c["dev"] for n, c in candidates.items() if CANDIDATES[n][2] in ("setting", "longer")})
    order = list(pool)
    mean = {n: dev_mean(r) for n, r in pool.items()}
    chosen = max(order, key=lambda n: (mean[n], pool[n]["shape"], -order.index(n)))
    return {
        "dev_mean": mean,
        "chosen": chosen,
        "chosen_dev_shape": pool[chosen]["shape"],
        "shape_bar": SHAPE_BAR,
        "ship": pool[chosen]["shape"] > SHAPE_BAR and chosen not in baselines,
    }


def _shape_labels(scenes: list[shapes.Scene]) -> torch.Tensor:
    return torch.tensor([shapes.SHAPES.index(s.objects[0].shape) for s in scenes])


@torch.no_grad()
def diagnose(art: dict[str, Any], cfg: RecipeConfig) -> dict[str, Any]:
    """내보낸 다리마다: 그림 토큰 노름, 도형 탐사, (Q-Former) 교차 어텐션 엔트로피. 'single' 장면만 쓴다."""
    sets = {
        "train": shapes.sample_scenes(600, cfg.seed + 3, "train", kinds=("single",)),
        "seen": shapes.sample_scenes(300, cfg.seed + 4, "train", kinds=("single",)),
        "dev": shapes.sample_scenes(300, cfg.seed + 1, "dev", kinds=("single",)),
    }
    x = {k: images_to_tensor(shapes.render_batch(v)) for k, v in sets.items()}
    y = {k: _shape_labels(v) for k, v in sets.items()}
    emb = art["spine"].get_input_embeddings().weight
    out: dict[str, Any] = {"spine_token_norm": round(float(emb.norm(dim=-1).mean()), 3)}
    patches = art["clip"].image_tokens(x["dev"])
    out["patch_feature_norm"] = round(float(patches.norm(dim=-1).mean()), 2)
    for name in BRIDGES:
        vlm = art[name]
        feats = {k: vlm.image_encoder(v) for k, v in x.items()}
        toks = {k: vlm.bridge(v) for k, v in feats.items()}
        flat = toks["train"].flatten(1)
        mu, sd = flat.mean(0), flat.std(0) + 1e-6

        def z(t: torch.Tensor, mu=mu, sd=sd) -> torch.Tensor:
            return (t.flatten(1) - mu) / sd

        with torch.enable_grad():
            probe = linear_probe(z(toks["train"]), y["train"], cfg.seed)
            half = len(y["dev"]) // 2
            oracle = linear_probe(z(toks["dev"][:half]), y["dev"][:half], cfg.seed)

        def acc(p, t, lab) -> float:
            return round(float((p(t).argmax(1) == lab).float().mean()), 4)

        rec: dict[str, Any] = {
            "token_norm": round(float(toks["dev"].norm(dim=-1).mean()), 2),
            "probe_seen": acc(probe, z(toks["seen"]), y["seen"]),
            "probe_dev": acc(probe, z(toks["dev"]), y["dev"]),
            "probe_dev_half": acc(oracle, z(toks["dev"][half:]), y["dev"][half:]),
        }
        if BRIDGES[name].arch == "qformer":
            qf = vlm.bridge
            kv = qf.kv(qf.in_norm(feats["dev"]))
            q = qf.queries.expand(len(kv), -1, -1)
            _, w = qf.cross[0](qf.norms[0](q), kv, kv, average_attn_weights=False)  # (B, 헤드, K, N)
            ent = -(w * w.clamp_min(1e-12).log()).sum(-1)
            rec["kv_norm"] = round(float(kv.norm(dim=-1).mean()), 2)
            rec["attn_entropy"] = round(float(ent.mean()), 3)
            rec["attn_entropy_uniform"] = round(float(np.log(w.shape[-1])), 3)
        out[name] = rec
    return out


def run_candidate(art: dict[str, Any], name: str, cfg: RecipeConfig, log=print) -> tuple[dict[str, Any], Any]:
    """``CANDIDATES[name]`` 를 학습하고 본 조합·dev 의 섞인 장면 ``cfg.n_eval_bridge`` 개에서 잰다."""
    if name not in CANDIDATES:
        raise ValueError(f"name은 {tuple(CANDIDATES)} 중 하나여야 합니다: {name!r}")
    spec, over, _ = CANDIDATES[name]
    c = replace(cfg, **over)
    t0 = time.time()
    feats, idx, qs, ans = bridge_inputs(art["clip"], art["tokenizer"], name, c, spec)
    torch.manual_seed(c.seed)
    vlm = make_vlm(art["clip"], name, copy.deepcopy(art["spine"]), c, spec)
    noise = c.capdec_noise if spec.data == "text" else 0.0
    losses = train_bridge(vlm, feats, art["codec"], idx, qs, ans, c, noise=noise, log=None)
    rec: dict[str, Any] = {
        "spec": asdict(spec),
        "overrides": over,
        "final_loss": round(float(np.mean(losses[-25:])), 4),
    }
    for split, seed in (
        ("seen", cfg.seed + 4),
        ("dev", cfg.seed + 1),
    ):  # recipe 의 evaluation_scenes 와 같은 장면
        scenes = shapes.sample_scenes(cfg.n_eval, seed, "train" if split == "seen" else "dev")
        rec[split] = evaluate_bridge(vlm, art["codec"], scenes[: cfg.n_eval_bridge])
    rec["dev_mean"] = dev_mean(rec["dev"])
    rec["seconds"] = round(time.time() - t0)
    log(f"{name}: {json.dumps(rec, ensure_ascii=False)}")
    return rec, vlm


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, required=True, help="내보낸 tiny-clip 폴더 (qformer_study.json 을 쓴다)"
    )
    parser.add_argument("--candidates", default="", help=f"학습할 후보 (쉼표로): {', '.join(CANDIDATES)}")
    parser.add_argument("--diagnose", action="store_true", help="내보낸 다리의 진단을 잰다")
    args = parser.parse_args(argv)
    names = [n for n in args.candidates.split(",") if n]
    bad = [n for n in names if n not in CANDIDATES]
    if bad:
        raise ValueError(f"candidates는 {tuple(CANDIDATES)} 중에서 골라야 합니다: {bad!r}")
    torch.set_num_threads(1)
    art = load_artefacts(args.out)
    cfg = RecipeConfig(**art["recipe"]["config"])
    path = args.out / "qformer_study.json"
    study = (
        json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"commands": [], "candidates": {}}
    )
    study["commands"].append(
        "python -m llmnotes.recipes.clip_qformer_study " + " ".join(argv or sys.argv[1:])
    )
    if args.diagnose:
        study["diagnosis"] = diagnose(art, cfg)
        print(json.dumps(study["diagnosis"], ensure_ascii=False))
    for n in names:
        study["candidates"][n], _ = run_candidate(art, n, cfg)
        write_json(path, study)
    res = art["recipe"]["results"]
    base = {n: res[f"{n}_dev"] for n in ("qformer", "qformer_capdec")}
    study["choice"] = choose_setting(base, study["candidates"])
    print(json.dumps(study["choice"], ensure_ascii=False))
    write_json(path, study)
    return study


if __name__ == "__main__":
    main()
