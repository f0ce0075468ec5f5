"""작은 CLIP 과 다리: 대조 손실 = transformers, FILIP 유사도 = 직접 고리, 모양, 얼림, 잘못된 입력, 내보낸 체크포인트."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from transformers import GPT2Config, GPT2LMHeadModel
from transformers.models.clip.modeling_clip import image_text_contrastive_loss

from llmnotes import shapes
from llmnotes.clip import (
    ClipConfig,
    TinyClip,
    WordTokenizer,
    clip_loss,
    fit_clip,
    images_to_tensor,
    recall_at_k,
    token_wise_similarity,
)
from llmnotes.paths import models_dir
from llmnotes.vlm_bridge import MLPProjector, QFormerLite, VisionLanguageModel, count_trainable, make_batch

TOK = WordTokenizer(shapes.vocabulary())


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_clip_loss_equals_transformers(dtype):
    g = torch.Generator().manual_seed(0)
    img = F.normalize(torch.randn(12, 16, generator=g, dtype=dtype), dim=-1)
    txt = F.normalize(torch.randn(12, 16, generator=g, dtype=dtype), dim=-1)
    scale = torch.tensor(2.5, dtype=dtype)  # exp(2.5) ≈ 12.2
    ours = clip_loss(img, txt, scale)
    # transformers 의 CLIPModel 은 logits_per_text = exp(t)·텍스트 @ 그림ᵀ 로 손실을 계산한다
    ref = image_text_contrastive_loss(scale.exp() * txt @ img.T)
    torch.testing.assert_close(ours, ref, rtol=0, atol=1e-6)


def test_token_wise_similarity_equals_explicit_loops():
    g = torch.Generator().manual_seed(1)
    img = F.normalize(torch.randn(3, 5, 8, generator=g), dim=-1)
    txt = F.normalize(torch.randn(4, 6, 8, generator=g), dim=-1)
    mask = torch.tensor([[1] * 6, [1] * 3 + [0] * 3, [1] * 1 + [0] * 5, [1] * 4 + [0] * 2]).bool()
    sim = token_wise_similarity(img, txt, mask)
    for i in range(3):
        for j in range(4):
            t = txt[j][mask[j]]
            s = img[i] @ t.T  # (조각, 진짜 글 토큰)
            expect = (s.max(1).values.mean() + s.max(0).values.mean()) / 2
            torch.testing.assert_close(sim[i, j], expect)
    # 패딩 자리 값은 결과를 바꾸지 않는다
    txt2 = txt.clone()
    txt2[~mask] = 5.0
    torch.testing.assert_close(token_wise_similarity(img, txt2, mask), sim)


def test_clip_shapes_unit_norm_and_training_lowers_loss():
    torch.manual_seed(0)
    scenes = shapes.sample_scenes(64, 0, "train")
    x = images_to_tensor(shapes.render_batch(scenes))
    ids, mask = TOK.batch([s.caption for s in scenes], 16)
    m = TinyClip(ClipConfig(vocab_size=len(TOK)))
    assert m.image_tokens(x).shape == (64, 16, 64)
    ie, te = m.encode_image(x), m.encode_text(ids, mask)
    assert ie.shape == te.shape == (64, 64)
    torch.testing.assert_close(ie.norm(dim=-1), torch.ones(64))
    losses = fit_clip(m, x, ids, mask, steps=40, batch_size=32, lr=3e-3)
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.5
    losses_f = fit_clip(TinyClip(ClipConfig(vocab_size=len(TOK))), x, ids, mask, 20, 16, objective="filip")
    assert all(np.isfinite(losses_f))


def test_recall_at_k():
    sim = torch.tensor([[0.9, 0.1, 0.0], [0.8, 0.7, 0.1], [0.5, 0.4, 0.2]])
    rel = torch.eye(3, dtype=torch.bool)
    assert recall_at_k(sim, rel, 1) == pytest.approx(1 / 3)
    assert recall_at_k(sim, rel, 2) == pytest.approx(2 / 3)
    assert recall_at_k(sim, rel, 3) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="k"):
        recall_at_k(sim, rel, 0)


def _tiny_lm(d: int = 32) -> GPT2LMHeadModel:
    torch.manual_seed(0)
    return GPT2LMHeadModel(GPT2Config(vocab_size=len(TOK), n_positions=48, n_embd=d, n_layer=1, n_head=2))


@pytest.mark.parametrize("kind", ["llava", "qformer"])
def test_bridge_shapes_and_only_bridge_trains(kind):
    torch.manual_seed(0)
    clip = TinyClip(ClipConfig(vocab_size=len(TOK)))
    lm = _tiny_lm()
    bridge = MLPProjector(64, 32) if kind == "llava" else QFormerLite(64, 32, n_queries=5)
    vlm = VisionLanguageModel(clip.image_encoder, bridge, lm)
    scenes = shapes.sample_scenes(4, 0, "train", kinds=("single",))
    x = images_to_tensor(shapes.render_batch(scenes))
    assert vlm.prefix(x).shape == ((4, 16, 32) if kind == "llava" else (4, 5, 32))
    assert count_trainable(vlm) == sum(p.numel() for p in bridge.parameters())
    batch = make_batch(TOK, [shapes.QUESTIONS["colour"]] * 4, [shapes.answer(s, "colour") for s in scenes])
    assert (batch.labels != -100).sum().item() == 4 * 2  # 답 한 낱말 + <eos>
    loss = vlm(x, batch)
    loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad is None for p in [*lm.parameters(), *clip.parameters()])
    assert all(p.grad is not None for p in bridge.parameters())
    out = vlm.generate(x[:2], TOK, [shapes.QUESTIONS["count"]] * 2, max_new=3)
    assert len(out) == 2 and all(isinstance(o, str) for o in out)


def test_bad_input_is_rejected_clearly():
    with pytest.raises(ValueError, match="비어"):
        TOK.encode("   ")
    with pytest.raises(ValueError, match="보라"):
        TOK.encode("왼쪽에 큰 보라 원")
    with pytest.raises(ValueError, match="max_len"):
        TOK.batch(["왼쪽에 큰 빨간 원"], max_len=2)
    with pytest.raises(TypeError, match="dtype"):
        images_to_tensor(np.zeros((2, 32, 32, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="모양"):
        images_to_tensor(np.zeros((2, 3, 32, 32), dtype=np.uint8))
    with pytest.raises(TypeError, match="numpy"):
        images_to_tensor([[0]])
    with pytest.raises(ValueError, match="B, D"):
        clip_loss(torch.zeros(3, 4), torch.zeros(2, 4), torch.tensor(1.0))
    with pytest.raises(ValueError, match="images"):
        VisionLanguageModel(
            TinyClip(ClipConfig(vocab_size=len(TOK))).image_encoder, MLPProjector(64, 32), _tiny_lm()
        ).prefix(torch.zeros(3, 32, 32))
    with pytest.raises(ValueError, match="questions"):
        make_batch(TOK, ["몇 개야?"], [])


CKPT = models_dir() / "tiny-clip"


@pytest.mark.skipif(
    not (CKPT / "recipe.json").exists(), reason="tiny-clip 체크포인트가 아직 없습니다 (레시피로 만든다)"
)
def test_shipped_checkpoint_hashes_sizes_and_recorded_result():
    import hashlib

    from llmnotes.recipes.clip import evaluate_zero_shot, load_artefacts

    recipe = json.loads((CKPT / "recipe.json").read_text(encoding="utf-8"))
    for name, digest in recipe["files_sha256"].items():
        p = CKPT / name
        assert p.stat().st_size <= 10 * 1024 * 1024
        assert hashlib.sha256(p.read_bytes()).hexdigest() == digest, name
    art = load_artefacts(CKPT)
    cfg = recipe["config"]
    scenes = shapes.sample_scenes(cfg["n_eval"], cfg["seed"] + 2, "test", kinds=("single",))
    got = evaluate_zero_shot(art["clip"], art["tokenizer"], scenes)
    for level, acc in recipe["results"]["clip_test"]["zero_shot"].items():
        assert abs(got[level] - acc) <= 2 / cfg["n_eval"] + 1e-9, level  # 다른 CPU 에서 한두 장 차이까지
    assert recipe["results"]["clip_test"]["zero_shot"]["coarse"] >= 0.9
