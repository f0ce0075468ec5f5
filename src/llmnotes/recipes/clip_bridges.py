"""레시피의 다리 부분: 척추 모델(tiny-ko-llama)에 그림을 넣는 다리 다섯 가지를 만들고, 학습하고, 잰다.

``llmnotes.recipes.clip`` 이 부른다. 다리는 (구조, 입력, 학습 데이터) 로 정해진다 (``BRIDGES``).

- 구조: 'mlp' (LLaVA 식 투영기) 또는 'qformer' (BLIP-2 식 Q-Former 간소판).
- 입력 'patches': 얼린 CLIP 그림 인코더의 조각 토큰 16개. 학습 데이터 'images': 학습 분할 그림의 질문·답.
  학습 분할에는 빠진 (색, 도형) 조합이 없으므로, 다리는 "빨간 도형은 삼각형이 아니다" 같은 지름길도 함께 배운다.
- 입력 'embedding': CLIP 공통 공간의 단위 벡터 하나. 학습 데이터 'text': 그림 대신 장면 설명의 CLIP **글** 임베딩에
  가우스 잡음을 더해 넣는다 (CapDec, Nukrai et al., 2022). 글 장면은 16가지 (색, 도형) 조합을 모두 담는다 (글은 싸게 모을
  수 있다는 CapDec 의 전제). 그림은 학습 분할의 것조차 쓰지 않고, 빠진 조합의 그림은 CLIP 도 다리도 한 번도 보지 않는다.
  시험에서는 그림 임베딩을 넣는다.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from safetensors.torch import load_file

from .. import shapes
from ..clip import TinyClip, WordTokenizer, images_to_tensor
from ..paths import models_dir
from ..vlm_bridge import (
    EmbeddingToken,
    HFTokenizerCodec,
    MLPProjector,
    QFormerLite,
    VisionLanguageModel,
    make_batch,
    modality_noise,
)
from .records import file_sha256

if TYPE_CHECKING:
    from .clip import RecipeConfig

__all__ = [
    "BridgeSpec",
    "BRIDGES",
    "build_qa",
    "text_scenes",
    "load_spine",
    "make_vlm",
    "trained_state",
    "bridge_inputs",
    "train_bridge",
    "evaluate_bridge",
    "choose_bridge_input",
    "dev_mean",
    "ORIGINAL_BRIDGES",
    "load_bridges",
    "spine_dir",
    "spine_embedding_rms",
]


@dataclass(frozen=True)
class BridgeSpec:
    """다리 하나: 구조('mlp', 'qformer'), 입력('patches', 'embedding'), 학습 데이터('images', 'text'),
    Q-Former 의 크기 맞추기 ``norm`` (``QFormerLite.NORMS``; 'mlp' 는 'none' 만)."""

    arch: str
    features: str
    data: str
    norm: str = "none"

    def __post_init__(self) -> None:
        if self.arch not in ("mlp", "qformer"):
            raise ValueError(f"arch는 'mlp', 'qformer' 중 하나여야 합니다: {self.arch!r}")
        if self.features not in ("patches", "embedding"):
            raise ValueError(f"features는 'patches', 'embedding' 중 하나여야 합니다: {self.features!r}")
        if self.data not in ("images", "text"):
            raise ValueError(f"data는 'images', 'text' 중 하나여야 합니다: {self.data!r}")
        allowed = QFormerLite.NORMS if self.arch == "qformer" else ("none",)
        if self.norm not in allowed:
            raise ValueError(f"norm은 {allowed} 중 하나여야 합니다 (arch={self.arch!r}): {self.norm!r}")


BRIDGES: dict[str, BridgeSpec] = {
    "llava": BridgeSpec("mlp", "patches", "images"),
    "qformer": BridgeSpec("qformer", "patches", "images"),
    "llava_capdec": BridgeSpec("mlp", "embedding", "text"),
    "qformer_capdec": BridgeSpec("qformer", "embedding", "text"),
    # Q-Former 진단 뒤 dev 에서 고른 고침 (``recipes.clip_qformer_study``): 입력과 출력의 크기 맞추기
    "qformer_capdec_norm": BridgeSpec("qformer", "embedding", "text", "in"),
}
# 시드 test_seed 시험 분할을 이미 본 원래 다리 넷. 나중에 더한 다리는 그 분할을 재지 않고 새 시험 분할(test_fresh)만 잰다.
ORIGINAL_BRIDGES = ("llava", "qformer", "llava_capdec", "qformer_capdec")


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


def text_scenes(n: int, seed: int) -> list[shapes.Scene]:
    """CapDec 용 글 장면: 16가지 (색, 도형) 조합을 모두 담는다 (그림으로 그리지 않고 설명만 쓴다).

    ``sample_scenes`` 의 'train' (본 조합 12가지) 3/4 과 'dev' 꼴 (장면마다 빠진 조합 하나 이상) 1/4 을 시드 ``seed`` 로
    뽑아 섞는다. 평가 분할과 시드가 달라 같은 장면(픽셀)은 없지만, 설명 문장은 유한하므로 같은 문장은 있을 수 있다.
    """
    n_held = n // 4
    out = shapes.sample_scenes(n - n_held, seed, "train") + shapes.sample_scenes(n_held, seed, "dev")
    order = np.random.default_rng(seed).permutation(len(out))
    return [out[i] for i in order]


def spine_dir(spine: str | Path) -> Path:
    p = Path(spine)
    return p if p.is_absolute() or p.exists() else models_dir() / str(spine)


def load_spine(spine: str | Path) -> tuple[Any, HFTokenizerCodec, str]:
    """척추 모델(``LlamaForCausalLM``, float32 로 올림), 그 토크나이저를 감싼 codec, 가중치 파일 해시를 돌려준다."""
    from transformers import AutoTokenizer, LlamaForCausalLM

    path = spine_dir(spine)
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"척추 모델 폴더에 config.json이 없습니다: {path.name}")
    lm = LlamaForCausalLM.from_pretrained(str(path), local_files_only=True, dtype=torch.float32).eval()
    codec = HFTokenizerCodec(AutoTokenizer.from_pretrained(str(path), local_files_only=True))
    return lm, codec, file_sha256(path / "model.safetensors")


def spine_embedding_rms(lm) -> float:
    """척추 모델 낱말 임베딩 행렬의 RMS √(mean E²). 크기를 맞추는 Q-Former 의 그림 토큰 RMS 목표."""
    return float(lm.get_input_embeddings().weight.detach().float().pow(2).mean().sqrt())


def make_vlm(
    clip_model: TinyClip, name: str, lm, cfg: RecipeConfig, spec: BridgeSpec | None = None
) -> VisionLanguageModel:
    """``BRIDGES[name]`` (또는 ``spec``) 의 다리를 만들어 얼린 CLIP 과 척추 모델(LoRA 를 붙임) 사이에 놓는다."""
    if spec is None:
        if name not in BRIDGES:
            raise ValueError(f"name은 {tuple(BRIDGES)} 중 하나여야 합니다: {name!r}")
        spec = BRIDGES[name]
    ccfg, d_lm = clip_model.cfg, lm.config.hidden_size
    if spec.features == "patches":
        encoder, d_in, n_tokens = clip_model.image_encoder, ccfg.width, 1
    else:
        encoder, d_in, n_tokens = EmbeddingToken(clip_model), ccfg.embed_dim, cfg.embed_tokens
    if spec.arch == "mlp":
        bridge = MLPProjector(d_in, d_lm, n_tokens=n_tokens)
    else:
        bridge = QFormerLite(
            d_in, d_lm, n_queries=cfg.qformer_queries, norm=spec.norm, out_rms=spine_embedding_rms(lm)
        )
    return VisionLanguageModel(
        encoder,
        bridge,
        lm,
        lm_mode=cfg.lm_mode,
        lora_targets=tuple(cfg.lora_targets.split(",")),
        lora_r=cfg.lora_r,
        lora_alpha=2.0 * cfg.lora_r,
        image_size=ccfg.image_size,
    )


def trained_state(vlm: VisionLanguageModel) -> dict[str, torch.Tensor]:
    """저장할 것: 다리 전부와, 언어 모델에서 학습한 파라미터(LoRA 의 A, B)만."""
    names = {n for n, p in vlm.named_parameters() if p.requires_grad}
    return {k: v.detach().contiguous() for k, v in vlm.state_dict().items() if k in names}


@torch.no_grad()
def bridge_inputs(
    clip_model: TinyClip, tok: WordTokenizer, name: str, cfg: RecipeConfig, spec: BridgeSpec | None = None
) -> tuple[torch.Tensor, list[int], list[str], list[str]]:
    """다리 학습 입력: (장면 수, N, d) 특징과 질문·답. 'images' 는 학습 분할 그림의 조각 토큰,
    'text' 는 ``text_scenes`` 의 학습용 글(``shapes.clip_texts``)의 CLIP 글 임베딩 (잡음은 스텝마다 ``train_bridge`` 가 더함)."""
    if (spec or BRIDGES[name]).data == "images":
        scenes = shapes.sample_scenes(cfg.n_bridge_train, cfg.seed + 3, "train")
        feats = clip_model.image_tokens(images_to_tensor(shapes.render_batch(scenes)))
    else:
        scenes = text_scenes(cfg.n_bridge_train, cfg.seed + 5)
        rng = np.random.default_rng(cfg.seed + 5)
        texts = [shapes.clip_texts(s, rng) for s in scenes]
        feats = clip_model.encode_text(*tok.batch(texts, clip_model.cfg.max_len)).unsqueeze(1)
    return (feats, *build_qa(scenes))


def train_bridge(
    vlm: VisionLanguageModel,
    feats: torch.Tensor,
    codec,
    idx,
    qs,
    ans,
    cfg: RecipeConfig,
    noise: float = 0.0,
    log=None,
) -> list[float]:
    """다리(와 LoRA)를 학습한다. ``feats`` 는 미리 계산한 얼린 특징 (장면 수, N, d).

    ``noise`` > 0 이면 스텝마다 특징에 CapDec 잡음 σ = noise 를 더한다 (``modality_noise``).
    """
    batch = make_batch(codec, qs, ans)
    idx_t = torch.tensor(idx)
    params = [p for p in vlm.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.bridge_lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=cfg.bridge_lr, total_steps=cfg.bridge_steps, pct_start=0.1
    )
    g = torch.Generator().manual_seed(cfg.seed)
    losses = []
    vlm.train()
    for step in range(cfg.bridge_steps):
        b = torch.randint(len(idx_t), (cfg.bridge_batch,), generator=g)
        sub = type(batch)(batch.ids[b], batch.labels[b], batch.mask[b])
        T = int(sub.mask.sum(1).max())  # 이 배치의 가장 긴 글까지만 (패딩 계산을 줄인다)
        sub = type(batch)(sub.ids[:, :T], sub.labels[:, :T], sub.mask[:, :T])
        f = modality_noise(feats[idx_t[b]], noise, g)
        loss = vlm.loss_from_prefix(vlm.bridge(f), sub)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
        if log and (step + 1) % 25 == 0:
            log(f"  스텝 {step + 1}/{cfg.bridge_steps} 손실 {np.mean(losses[-25:]):.4f}")
    vlm.eval()
    return losses


@torch.no_grad()
def evaluate_bridge(vlm: VisionLanguageModel, codec, scenes: list[shapes.Scene]) -> dict:
    """질문 종류별 정확 일치율 (탐욕적 생성)."""
    idx, qs, ans = build_qa(scenes)
    x = images_to_tensor(shapes.render_batch(scenes))[torch.tensor(idx)]
    pred = vlm.generate(x, codec, qs)
    res: dict[str, list[bool]] = {}
    for q, a, p in zip(qs, ans, pred, strict=True):
        key = next(k for k, v in shapes.QUESTIONS.items() if v == q)
        res.setdefault(key, []).append(a == p)
    return {k: round(float(np.mean(v)), 4) for k, v in res.items()}


def dev_mean(r: dict[str, float]) -> float:
    """dev 점수 하나: 색·모양·개수 정확도의 평균 (설명의 정확 일치는 넣지 않는다)."""
    return round(float(np.mean([r[k] for k in ("colour", "shape", "count")])), 4)


def choose_bridge_input(results: dict[str, Any]) -> dict[str, Any]:
    """구조('mlp' → 'llava', 'qformer') 마다 ``BRIDGES`` 의 후보 중 dev 에서 하나를 고른다 (결과가 있는 것만).

    규칙 (시험 분할을 보기 전에 정함): dev 의 색·모양·개수 평균이 가장 높은 것, 같으면 dev 모양이 높은 것, 그래도
    같으면 ``BRIDGES`` 에서 먼저 나온 것 (원래 설계인 조각 토큰). 고른 다리의 시험 점수는 고른 뒤에 읽는다:
    ``test`` 는 시드 ``test_seed`` 분할 (원래 다리 넷은 이미 여러 번 보았다), ``test_fresh`` 는 새 분할.
    """
    out: dict[str, Any] = {}
    for arch, label in (("mlp", "llava"), ("qformer", "qformer")):
        names = [n for n, s in BRIDGES.items() if s.arch == arch and f"{n}_dev" in results]
        dev = {n: dev_mean(results[f"{n}_dev"]) for n in names}
        chosen = max(names, key=lambda n: (dev[n], results[f"{n}_dev"]["shape"], -names.index(n)))
        out[label] = {"dev_mean": dev, "chosen": chosen}
        for split in ("test", "test_fresh"):
            if f"{chosen}_{split}" in results:
                out[label][split] = results[f"{chosen}_{split}"]
    return out


def load_bridges(out: dict[str, Any], path: Path, cfg: RecipeConfig, lm) -> None:
    """``path`` 의 다리 파일들을 척추 모델 사본(LoRA 를 붙임)에 얹어 ``out[name]`` 에 넣는다 (있는 것만)."""
    for name in BRIDGES:
        f = path / f"{name}.safetensors"
        if not f.exists():
            continue
        vlm = make_vlm(out["clip"], name, copy.deepcopy(lm), cfg)
        state = load_file(f)
        _, unexpected = vlm.load_state_dict(state, strict=False)
        trained = set(trained_state(vlm))
        if unexpected or trained - set(state):
            raise ValueError(
                f"{name}.safetensors의 키가 맞지 않습니다: 빠짐 {sorted(trained - set(state))[:3]}"
            )
        for p in vlm.parameters():  # 불러온 모델은 평가용: 아무것도 학습하지 않는다
            p.requires_grad_(False)
        out[name] = vlm.eval()
