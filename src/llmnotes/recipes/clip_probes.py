"""레시피의 진단: 얼린 CLIP 특징에서 도형·색을 읽는 선형 탐사(linear probe)들 (노트북 20, ``recipes.clip`` 이 부른다).

처음 보는 (색, 도형) 조합에서 무엇이 도형을 알아보는지를 잰다: 그림 임베딩, 조각 토큰 평균, 글 임베딩(CapDec 잡음 σ 별) 등.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from .. import shapes
from ..clip import TinyClip, WordTokenizer, images_to_tensor
from ..vlm_bridge import modality_noise

__all__ = ["linear_probe", "shape_probes"]


def linear_probe(x: torch.Tensor, y: torch.Tensor, seed: int = 0, steps: int = 300) -> torch.nn.Linear:
    """선형 탐사(linear probe): 얼린 특징 ``x`` (N, D) 에서 정수 표지 ``y`` 를 맞히는 선형층을 전체 배치로 학습한다."""
    torch.manual_seed(seed)
    probe = torch.nn.Linear(x.shape[1], int(y.max()) + 1)
    opt = torch.optim.AdamW(probe.parameters(), lr=1e-2, weight_decay=0.01)
    for _ in range(steps):  # 전체 배치 경사 하강 (로지스틱 회귀)
        loss = F.cross_entropy(probe(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return probe


def shape_probes(
    model: TinyClip,
    tok: WordTokenizer,
    train: list[shapes.Scene],
    evals: dict[str, list[shapes.Scene]],
    seed: int = 0,
    all_combos: list[shapes.Scene] | None = None,
    sigmas: tuple[float, ...] = (0.0, 0.05, 0.1, 0.2),
) -> dict[str, Any]:
    """얼린 CLIP 특징에서 도형을 읽는 선형 분류기(probe)들: 처음 보는 조합에서 무엇이 도형을 알아보는가.

    - 'image_probe': 학습 분할 그림(본 조합)의 임베딩 → 도형. 다리가 배우는 것과 같은 '그림에서 배운 읽기'.
    - 'patch_probe': 같은 그림의 조각 토큰 평균(표준화) → 도형. 조각 토큰(LLaVA 의 입력)이면 나은가.
    - 'colour_probe': 같은 그림의 임베딩 → 색 (비교용).
    - 'oracle_probe': (진단용) 16조합을 모두 담은 그림 ``all_combos`` 의 임베딩 → 도형. 정보가 임베딩에 있는가.
    - 'text_probe': 그림 없이 96가지 세밀한 프롬프트의 **글** 임베딩(빠진 조합의 글 포함) → 도형, 그림에 적용.
    - 'text_probe_seen': 본 조합 72가지의 프롬프트 글만으로 학습한 같은 탐사.
    - 'zero_shot': 학습 없이 가장 가까운 세밀한 프롬프트의 도형 (``evaluate_zero_shot`` 의 'fine' 과 같은 프롬프트).
    - 'text_probe_noise_dev': CapDec 잡음 σ 마다 (글 96가지 × 50번, 잡음을 더해 학습한) 글 탐사의 dev 정확도. σ 를 고르는 데 쓴다.
    ``evals`` 의 장면은 'single' 이어야 한다.
    """

    def encode(ss: list[shapes.Scene]) -> tuple[torch.Tensor, torch.Tensor]:
        x = images_to_tensor(shapes.render_batch(ss))
        return model.encode_image(x), model.image_tokens(x).mean(1)

    with torch.no_grad():
        enc = {k: encode(v) for k, v in evals.items()}
        xtr, ptr = encode(train)
        prompts = [p for ps in shapes.zero_shot_prompts("fine") for p in ps]
        txt = model.encode_text(*tok.batch(prompts, model.cfg.max_len))
    mu, sd = (
        ptr.mean(0),
        ptr.std(0) + 1e-6,
    )  # 조각 평균은 크기가 제각각이라 학습 그림의 평균·표준편차로 표준화
    fine = shapes.fine_classes()
    shape_of = lambda ss: torch.tensor([shapes.SHAPES.index(s.objects[0].shape) for s in ss])  # noqa: E731
    colour_of = lambda ss: torch.tensor([list(shapes.COLOURS).index(s.objects[0].colour) for s in ss])  # noqa: E731
    y_txt = torch.tensor([shapes.SHAPES.index(f[3]) for f in fine])
    seen = torch.tensor([not shapes.is_held_out(f[2], f[3]) for f in fine])
    # (탐사, 특징 고르기: (임베딩, 조각 평균) → 입력, 표지)
    pooled, patch = (lambda e: e[0]), (lambda e: (e[1] - mu) / sd)  # noqa: E731
    probes = {
        "image_probe": (linear_probe(xtr, shape_of(train), seed), pooled, shape_of),
        "patch_probe": (linear_probe(patch((xtr, ptr)), shape_of(train), seed), patch, shape_of),
        "colour_probe": (linear_probe(xtr, colour_of(train), seed), pooled, colour_of),
        "text_probe": (linear_probe(txt, y_txt, seed), pooled, shape_of),
        "text_probe_seen": (linear_probe(txt[seen], y_txt[seen], seed), pooled, shape_of),
    }
    if all_combos is not None:
        with torch.no_grad():
            xo = encode(all_combos)[0]
        probes["oracle_probe"] = (linear_probe(xo, shape_of(all_combos), seed), pooled, shape_of)
    out: dict[str, Any] = {}
    with torch.no_grad():
        for name, (probe, feat, label) in probes.items():
            out[name] = {
                k: round((probe(feat(e)).argmax(1) == label(evals[k])).float().mean().item(), 4)
                for k, e in enc.items()
            }
        out["zero_shot"] = {
            k: round((y_txt[(e[0] @ txt.T).argmax(1)] == shape_of(evals[k])).float().mean().item(), 4)
            for k, e in enc.items()
        }
    if "dev" in evals:
        g = torch.Generator().manual_seed(seed)
        out["text_probe_noise_dev"] = {}
        for sigma in sigmas:
            xs = modality_noise(txt.repeat(50, 1), sigma, g)
            probe = linear_probe(xs, y_txt.repeat(50), seed)
            with torch.no_grad():
                acc = (probe(enc["dev"][0]).argmax(1) == shape_of(evals["dev"])).float().mean().item()
            out["text_probe_noise_dev"][str(sigma)] = round(acc, 4)
    return out
