"""레시피: 노트북 20 의 작은 CLIP·FILIP, 작은 언어 모델, 두 다리(LLaVA 투영기, Q-Former)를 학습해 내보낸다.

실행: ``PYTHONHASHSEED=0 OMP_NUM_THREADS=1 python -m llmnotes.recipes.clip --out data/models/tiny-clip``

쓰는 파일 (모두 float32 safetensors, 합쳐 몇 MB):
    clip.safetensors, filip.safetensors   CLIP (전체 벡터 InfoNCE) 과 FILIP (토큰 단위) 목표로 학습한 같은 구조
    lm/                                   GPT-2 구조의 작은 언어 모델 (낱말 토크나이저, 질문·답·설명 글로만 학습)
    llava.safetensors, qformer.safetensors 얼린 CLIP 그림 인코더와 얼린 lm 사이의 다리
    vocab.json, recipe.json               어휘, 설정·시드·데이터 해시·결과·파일 해시 (데이터시트)

분할: 학습 장면은 ``shapes.HELD_OUT`` 조합을 담지 않는다. 설정은 dev 분할(빠진 조합, 시드 1)로만 보았고,
test 분할(빠진 조합, 시드 2)은 이 레시피가 마지막에 한 번 잰다.
"""

from __future__ import annotations

import argparse
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
    class_embeddings,
    fit_clip,
    images_to_tensor,
    recall_at_k,
    token_wise_similarity,
)
from ..vlm_bridge import MLPProjector, QFormerLite, VisionLanguageModel, count_trainable, make_batch

__all__ = [
    "RecipeConfig",
    "build_qa",
    "load_artefacts",
    "evaluate_zero_shot",
    "evaluate_retrieval",
    "evaluate_bridge",
    "main",
]


@dataclass(frozen=True)
class RecipeConfig:
    """레시피 설정 (기본값이 내보낸 체크포인트의 설정)."""

    seed: int = 0
    n_train: int = 8000
    n_eval: int = 300
    clip_steps: int = 300
    clip_batch: int = 128
    clip_lr: float = 2e-3
    lm_embd: int = 64
    lm_layers: int = 2
    lm_steps: int = 300
    n_bridge_train: int = 4000
    bridge_steps: int = 400
    bridge_batch: int = 64
    bridge_lr: float = 3e-3
    qformer_queries: int = 4


def build_qa(scenes: list[shapes.Scene]) -> tuple[list[int], list[str], list[str]]:
    """장면마다 (장면 번호, 질문, 답) 을 만든다: 모든 장면에 설명 요청, 도형이 한 종류면 색·모양·개수 질문도."""
    idx, qs, ans = [], [], []
    for i, s in enumerate(scenes):
        kinds = ["caption"] if s.kind == "pair" else ["caption", "colour", "shape", "count"]
        for k in kinds:
            idx.append(i)
            qs.append(shapes.QUESTIONS[k])
            ans.append(shapes.answer(s, k))
    return idx, qs, ans


def _lm_config(tok: WordTokenizer, cfg: RecipeConfig):
    from transformers import GPT2Config

    return GPT2Config(
        vocab_size=len(tok),
        n_positions=48,
        n_embd=cfg.lm_embd,
        n_layer=cfg.lm_layers,
        n_head=4,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=tok.bos_id,
        eos_token_id=tok.eos_id,
        pad_token_id=tok.pad_id,
    )


def train_lm(tok: WordTokenizer, cfg: RecipeConfig) -> tuple[Any, list[float]]:
    """질문·답·설명 글만으로 작은 GPT-2 를 학습한다. 글은 모든 (색, 도형) 조합을 담는다 (그림은 없다)."""
    from transformers import GPT2LMHeadModel

    torch.manual_seed(cfg.seed)
    lm = GPT2LMHeadModel(_lm_config(tok, cfg))
    scenes = shapes.sample_scenes(3000, cfg.seed + 10, "train") + shapes.sample_scenes(
        3000, cfg.seed + 11, "test"
    )
    _, qs, ans = build_qa(scenes)
    batch = make_batch(tok, qs, ans)
    labels = batch.ids.masked_fill(~batch.mask, -100)  # 언어 모델 사전학습: 질문 포함 모든 토큰을 예측
    opt = torch.optim.AdamW(lm.parameters(), lr=3e-3, weight_decay=0.01)
    g = torch.Generator().manual_seed(cfg.seed)
    losses = []
    lm.train()
    for _ in range(cfg.lm_steps):
        b = torch.randint(len(labels), (64,), generator=g)
        loss = lm(input_ids=batch.ids[b], attention_mask=batch.mask[b].long(), labels=labels[b]).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    lm.eval()
    return lm, losses


def train_bridge(
    vlm: VisionLanguageModel, feats: torch.Tensor, tok, idx, qs, ans, cfg: RecipeConfig
) -> list[float]:
    """다리만 학습한다 (그림 특징은 미리 계산해 둔 얼린 CLIP 조각 토큰)."""
    batch = make_batch(tok, qs, ans)
    idx_t = torch.tensor(idx)
    params = [p for p in vlm.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.bridge_lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=cfg.bridge_lr, total_steps=cfg.bridge_steps, pct_start=0.1
    )
    g = torch.Generator().manual_seed(cfg.seed)
    emb = vlm.lm.get_input_embeddings()
    losses = []
    for _ in range(cfg.bridge_steps):
        b = torch.randint(len(idx_t), (cfg.bridge_batch,), generator=g)
        pre = vlm.bridge(feats[idx_t[b]])
        P = pre.shape[1]
        x = torch.cat([pre, emb(batch.ids[b])], dim=1)
        attn = torch.cat([torch.ones(len(b), P, dtype=torch.long), batch.mask[b].long()], dim=1)
        logits = vlm.lm(inputs_embeds=x, attention_mask=attn).logits[:, P:]
        loss = torch.nn.functional.cross_entropy(
            logits[:, :-1].reshape(-1, logits.shape[-1]), batch.labels[b][:, 1:].reshape(-1)
        )
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    return losses


@torch.no_grad()
def evaluate_zero_shot(
    model: TinyClip, tok: WordTokenizer, scenes: list[shapes.Scene], filip: bool = False
) -> dict:
    """'single' 장면에 대한 제로샷 정확도 (coarse / colour_shape / fine)."""
    x = images_to_tensor(shapes.render_batch(scenes))
    out = {}
    for level in ("coarse", "colour_shape", "fine"):
        prompts = shapes.zero_shot_prompts(level)
        y = torch.tensor([shapes.zero_shot_label(s, level) for s in scenes])
        if filip:
            flat = [p for ps in prompts for p in ps]
            ids, mask = tok.batch(flat, model.cfg.max_len)
            sim = token_wise_similarity(
                model.image_token_embeddings(x), model.text_token_embeddings(ids, mask), mask
            )
            score = sim.view(len(x), len(prompts), -1).mean(-1)
        else:
            score = model.encode_image(x) @ class_embeddings(model, tok, prompts).T
        out[level] = round((score.argmax(1) == y).float().mean().item(), 4)
    return out


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


@torch.no_grad()
def evaluate_bridge(vlm: VisionLanguageModel, tok: WordTokenizer, scenes: list[shapes.Scene]) -> dict:
    """질문 종류별 정확 일치율 (탐욕적 생성)."""
    idx, qs, ans = build_qa(scenes)
    x = images_to_tensor(shapes.render_batch(scenes))[torch.tensor(idx)]
    pred = vlm.generate(x, tok, qs)
    res: dict[str, list[bool]] = {}
    for q, a, p in zip(qs, ans, pred, strict=True):
        key = next(k for k, v in shapes.QUESTIONS.items() if v == q)
        res.setdefault(key, []).append(a == p)
    return {k: round(float(np.mean(v)), 4) for k, v in res.items()}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_artefacts(path: str | Path) -> dict[str, Any]:
    """내보낸 폴더에서 tokenizer, clip, filip, lm, llava, qformer(각각 VisionLanguageModel) 와 recipe 를 읽는다."""
    from transformers import GPT2LMHeadModel

    path = Path(path)
    recipe = json.loads((path / "recipe.json").read_text(encoding="utf-8"))
    tok = WordTokenizer(json.loads((path / "vocab.json").read_text(encoding="utf-8")))
    ccfg = ClipConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in recipe["clip_config"].items()})
    out: dict[str, Any] = {"tokenizer": tok, "recipe": recipe}
    for name in ("clip", "filip"):
        m = TinyClip(ccfg)
        m.load_state_dict(load_file(path / f"{name}.safetensors"))
        out[name] = m.eval()
    out["lm"] = GPT2LMHeadModel.from_pretrained(path / "lm").eval()
    rc = recipe["config"]
    bridges = {
        "llava": MLPProjector(ccfg.width, rc["lm_embd"]),
        "qformer": QFormerLite(ccfg.width, rc["lm_embd"], n_queries=rc["qformer_queries"]),
    }
    for name, bridge in bridges.items():
        bridge.load_state_dict(load_file(path / f"{name}.safetensors"))
        out[name] = VisionLanguageModel(out["clip"].image_encoder, bridge.eval(), out["lm"])
    return out


def run(cfg: RecipeConfig, out: Path, command: str = "") -> dict[str, Any]:
    """전체 레시피. 진행 상황은 표준 출력에 한 줄씩 적는다."""
    t0 = time.time()

    def log(msg: str) -> None:
        print(f"[{time.time() - t0:6.0f}s] {msg}", flush=True)

    out.mkdir(parents=True, exist_ok=True)
    tok = WordTokenizer(shapes.vocabulary())
    train = shapes.sample_scenes(cfg.n_train, cfg.seed, "train")
    rng = np.random.default_rng(cfg.seed)
    texts = [shapes.clip_texts(s, rng) for s in train]
    images = shapes.render_batch(train)
    data_hash = hashlib.sha256(images.tobytes() + "\n".join(texts).encode()).hexdigest()
    x = images_to_tensor(images)
    ccfg = ClipConfig(vocab_size=len(tok))
    ids, mask = tok.batch(texts, ccfg.max_len)
    evals = {
        split: {
            "single": shapes.sample_scenes(cfg.n_eval, cfg.seed + s, split, kinds=("single",)),
            "mixed": shapes.sample_scenes(cfg.n_eval, cfg.seed + s, split),
        }
        for split, s in (("dev", 1), ("test", 2))
    }
    log(f"데이터: 학습 장면 {len(train)}, 해시 {data_hash[:12]}")
    results: dict[str, Any] = {}
    logs: dict[str, list[float]] = {}
    models = {}
    for name in ("clip", "filip"):
        torch.manual_seed(cfg.seed)
        m = TinyClip(ccfg)
        logs[name] = fit_clip(m, x, ids, mask, cfg.clip_steps, cfg.clip_batch, cfg.clip_lr, name, cfg.seed)
        models[name] = m
        for split, ev in evals.items():
            results[f"{name}_{split}"] = {
                "zero_shot": evaluate_zero_shot(m, tok, ev["single"], filip=name == "filip"),
                "retrieval": evaluate_retrieval(m, tok, ev["mixed"], filip=name == "filip"),
                "temperature": round(1.0 / m.scale().item(), 4),
            }
        log(f"{name}: 마지막 손실 {np.mean(logs[name][-50:]):.4f}, dev {results[f'{name}_dev']}")
        save_file({k: v.contiguous() for k, v in m.state_dict().items()}, out / f"{name}.safetensors")

    lm, logs["lm"] = train_lm(tok, cfg)
    log(f"lm: 마지막 손실 {np.mean(logs['lm'][-50:]):.4f}")
    lm.save_pretrained(out / "lm")

    clip_model = models["clip"]
    btrain = shapes.sample_scenes(cfg.n_bridge_train, cfg.seed + 3, "train")
    with torch.no_grad():
        feats = clip_model.image_tokens(images_to_tensor(shapes.render_batch(btrain)))
    idx, qs, ans = build_qa(btrain)
    factories = {
        "llava": lambda: MLPProjector(ccfg.width, cfg.lm_embd),
        "qformer": lambda: QFormerLite(ccfg.width, cfg.lm_embd, n_queries=cfg.qformer_queries),
    }
    for name, factory in factories.items():
        torch.manual_seed(cfg.seed)
        bridge = factory()
        vlm = VisionLanguageModel(clip_model.image_encoder, bridge, lm)
        logs[name] = train_bridge(vlm, feats, tok, idx, qs, ans, cfg)
        bridge.eval()
        results[f"{name}_trainable"] = count_trainable(vlm)
        for split in ("dev", "test"):
            results[f"{name}_{split}"] = evaluate_bridge(vlm, tok, evals[split]["mixed"][:120])
        log(f"{name}: 학습 파라미터 {results[f'{name}_trainable']}, dev {results[f'{name}_dev']}")
        save_file({k: v.contiguous() for k, v in bridge.state_dict().items()}, out / f"{name}.safetensors")
    for p in clip_model.parameters():
        p.requires_grad_(True)

    (out / "vocab.json").write_text(
        json.dumps(shapes.vocabulary(), ensure_ascii=False, indent=0), encoding="utf-8"
    )
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != "recipe.json")
    recipe = {
        "recipe": "llmnotes.recipes.clip",
        "command": command,
        "seed": cfg.seed,
        "config": asdict(cfg),
        "clip_config": asdict(ccfg),
        "data_sha256": data_hash,
        "held_out": sorted(f"{c} {s}" for c, s in shapes.HELD_OUT),
        "results": results,
        "loss_logs": {
            k: [round(v, 4) for v in vals[:: max(1, len(vals) // 100)]] for k, vals in logs.items()
        },
        "files_sha256": {str(p.relative_to(out)): _sha256(p) for p in files},
        "torch": torch.__version__,
        "seconds": round(time.time() - t0),
    }
    (out / "recipe.json").write_text(json.dumps(recipe, ensure_ascii=False, indent=1), encoding="utf-8")
    log("끝")
    return recipe


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    for f, default in asdict(RecipeConfig()).items():
        parser.add_argument(f"--{f.replace('_', '-')}", type=type(default), default=default)
    args = vars(parser.parse_args(argv))
    out = args.pop("out")
    torch.set_num_threads(1)
    return run(
        RecipeConfig(**args), out, command="python -m llmnotes.recipes.clip " + " ".join(argv or sys.argv[1:])
    )


if __name__ == "__main__":
    main()
