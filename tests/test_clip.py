"""작은 CLIP 과 다리: 대조 손실 = transformers, FILIP 유사도 = 직접 고리, 모양, 얼림, 잘못된 입력, 내보낸 체크포인트."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from transformers import LlamaConfig, LlamaForCausalLM
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
from llmnotes.vlm_bridge import (
    HFTokenizerCodec,
    MLPProjector,
    QFormerLite,
    VisionLanguageModel,
    count_trainable,
    make_batch,
)

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


def _tiny_lm(d: int = 32, vocab: int | None = None) -> LlamaForCausalLM:
    """척추 모델과 같은 구조(LlamaForCausalLM)의 아주 작은 모델 (설정에서 무작위 가중치로 만든다)."""
    torch.manual_seed(0)
    cfg = LlamaConfig(
        vocab_size=vocab or len(TOK),
        hidden_size=d,
        intermediate_size=2 * d,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=64,
        tie_word_embeddings=True,
    )
    return LlamaForCausalLM(cfg).eval()


@pytest.mark.parametrize("kind", ["llava", "qformer"])
@pytest.mark.parametrize("lm_mode", ["frozen", "lora"])
def test_bridge_shapes_and_what_trains(kind, lm_mode):
    torch.manual_seed(0)
    clip = TinyClip(ClipConfig(vocab_size=len(TOK)))
    lm = _tiny_lm()
    n_lm = sum(p.numel() for p in lm.parameters())
    bridge = MLPProjector(64, 32) if kind == "llava" else QFormerLite(64, 32, n_queries=5)
    vlm = VisionLanguageModel(clip.image_encoder, bridge, lm, lm_mode=lm_mode, lora_r=4)
    scenes = shapes.sample_scenes(4, 0, "train", kinds=("single",))
    x = images_to_tensor(shapes.render_batch(scenes))
    assert vlm.prefix(x).shape == ((4, 16, 32) if kind == "llava" else (4, 5, 32))
    n_bridge = sum(p.numel() for p in bridge.parameters())
    # LoRA: q_proj (32→32), v_proj (32→16, 키·값 헤드 하나) 에 r=4 의 A, B
    n_lora = 4 * (32 + 32) + 4 * (32 + 16) if lm_mode == "lora" else 0
    assert count_trainable(vlm) == n_bridge + n_lora
    assert (
        sum(p.numel() for n, p in lm.named_parameters() if "lora_" not in n) == n_lm
    )  # 원래 가중치는 그대로
    batch = make_batch(TOK, [shapes.QUESTIONS["colour"]] * 4, [shapes.answer(s, "colour") for s in scenes])
    assert (batch.labels != -100).sum().item() == 4 * 2  # 답 한 낱말 + <eos>
    loss = vlm(x, batch)
    loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad is None for p in clip.parameters())
    assert all(p.grad is None for n, p in lm.named_parameters() if "lora_" not in n)
    assert all(p.grad is not None for p in bridge.parameters())
    if lm_mode == "lora":
        assert all(p.grad is not None for n, p in lm.named_parameters() if "lora_B" in n)


def test_loss_equals_hf_labels_loss_and_cached_generation_equals_recompute():
    """답 자리만 골라 계산한 손실 = HF 가 labels 로 계산한 손실; 키·값 캐시 생성 = 매번 처음부터 다시 계산한 생성."""
    torch.manual_seed(1)
    clip = TinyClip(ClipConfig(vocab_size=len(TOK)))
    lm = _tiny_lm()
    vlm = VisionLanguageModel(clip.image_encoder, MLPProjector(64, 32), lm)
    scenes = shapes.sample_scenes(3, 1, "train", kinds=("single",))
    x = images_to_tensor(shapes.render_batch(scenes))
    qs = [shapes.QUESTIONS["caption"]] * 3
    batch = make_batch(TOK, qs, [s.caption for s in scenes])
    with torch.no_grad():
        pre = vlm.prefix(x)
        P = pre.shape[1]
        emb = torch.cat([pre, lm.get_input_embeddings()(batch.ids)], 1)
        attn = torch.cat([torch.ones(3, P, dtype=torch.long), batch.mask.long()], 1)
        labels = torch.cat([torch.full((3, P), -100), batch.labels], 1)
        ref = lm(inputs_embeds=emb, attention_mask=attn, labels=labels).loss
        torch.testing.assert_close(vlm(x, batch), ref)
        got = vlm.generate(x, TOK, qs, max_new=5)
        for b in range(3):  # 캐시 없이: 매 토큰마다 전체를 다시 계산
            ids = make_batch(TOK, [qs[b]], [None]).ids
            new = []
            for _ in range(5):
                e = torch.cat([pre[b : b + 1], lm.get_input_embeddings()(ids)], 1)
                nxt = int(lm(inputs_embeds=e).logits[0, -1].argmax())
                if nxt == TOK.eos_id:
                    break
                new.append(nxt)
                ids = torch.cat([ids, torch.tensor([[nxt]])], 1)
            assert got[b] == TOK.decode(new)


def test_hf_tokenizer_codec_roundtrip_and_batch():
    from llmnotes import bpe

    texts = [s.caption for s in shapes.sample_scenes(60, 0, "train")] + list(shapes.QUESTIONS.values())
    hf = bpe.train(texts, 300, special_tokens=["<|endoftext|>", "<pad>"]).to_transformers()
    codec = HFTokenizerCodec(hf)
    assert codec.bos_id == codec.eos_id == hf.convert_tokens_to_ids("<|endoftext|>")
    assert codec.pad_id == hf.convert_tokens_to_ids("<pad>")
    for t in ["왼쪽에 큰 빨간 원", "마름모예요", "세 개예요"]:
        assert codec.decode(codec.encode(t)) == t
    batch = make_batch(codec, ["무슨 모양이야?", "몇 개야?"], ["마름모예요", None])
    n0 = len(codec.encode("무슨 모양이야?")) + 2
    assert batch.ids[0, 0] == codec.bos_id and batch.ids[0, n0 - 1] == codec.sep_id
    assert codec.decode(batch.ids[0][batch.labels[0] >= 0]) == "마름모예요"
    assert batch.mask[1].sum() == len(codec.encode("몇 개야?")) + 2 and (batch.labels[1] == -100).all()
    with pytest.raises(ValueError, match="비어"):
        codec.encode("  ")
    with pytest.raises(TypeError, match="str"):
        codec.encode(3)


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
    with pytest.raises(ValueError, match="lm_mode"):
        VisionLanguageModel(
            TinyClip(ClipConfig(vocab_size=len(TOK))).image_encoder, MLPProjector(64, 32), _tiny_lm(), "lroa"
        )
    vlm = VisionLanguageModel(
        TinyClip(ClipConfig(vocab_size=len(TOK))).image_encoder, MLPProjector(64, 32), _tiny_lm()
    )
    with pytest.raises(ValueError, match="질문"):
        vlm.generate(torch.zeros(2, 3, 32, 32), TOK, ["몇 개야?"])
    with pytest.raises(ValueError, match="images"):
        vlm.prefix(torch.zeros(2, 1, 32, 32))


def test_zero_shot_rule_is_chosen_from_dev_numbers_and_probe_learns():
    from llmnotes.recipes.clip import choose_zero_shot_rule, linear_probe

    dev = {"coarse": 0.5, "coarse_mean": 0.7, "coarse_short": 0.6, "fine": 0.99}  # 'fine' 은 후보가 아니다
    assert choose_zero_shot_rule(dev) == "coarse_mean"
    assert (
        choose_zero_shot_rule({"coarse": 0.7, "coarse_mean": 0.7, "coarse_short": 0.7}) == "coarse"
    )  # 동점: 먼저 것
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 5, generator=g)
    y = x[:, :4].argmax(1)  # 가장 큰 좌표 = 클래스: 소프트맥스 선형 분류기로 정확히 나뉜다
    probe = linear_probe(x, y)
    assert (probe(x).argmax(1) == y).float().mean() >= 0.9


CKPT = models_dir() / "tiny-clip"


@pytest.mark.skipif(
    not (CKPT / "recipe.json").exists(), reason="tiny-clip 체크포인트가 아직 없습니다 (레시피로 만든다)"
)
def test_shipped_checkpoint_hashes_sizes_and_recorded_result():
    import hashlib

    from llmnotes.recipes.clip import RecipeConfig, choose_zero_shot_rule, evaluate_zero_shot, load_artefacts

    recipe = json.loads((CKPT / "recipe.json").read_text(encoding="utf-8"))
    for name, digest in recipe["files_sha256"].items():
        p = CKPT / name
        assert p.stat().st_size <= 10 * 1024 * 1024
        assert hashlib.sha256(p.read_bytes()).hexdigest() == digest, name
    assert sum((CKPT / n).stat().st_size for n in recipe["files_sha256"]) <= 10 * 1024 * 1024
    # CLIP·FILIP 손실 곡선이 기록되어 있고 내려갔다
    for name in ("clip", "filip"):
        curve = recipe["loss_logs"][name]
        assert len(curve) >= 50 and np.mean(curve[-10:]) < np.mean(curve[:5]) - 1.0
    cfg = RecipeConfig(**recipe["config"])
    res = recipe["results"]
    # 규칙은 dev 에서 고른 것이고, 시험 분할은 예전 시드 2 가 아니다
    assert res["zero_shot_rule"]["chosen"] == choose_zero_shot_rule(res["clip_dev"]["zero_shot"])
    assert cfg.test_seed != 2
    art = load_artefacts(CKPT, bridges=False)
    scenes = shapes.sample_scenes(cfg.n_eval, cfg.test_seed, "test", kinds=("single",))
    got = evaluate_zero_shot(art["clip"], art["tokenizer"], scenes)
    for level, acc in res["clip_test"]["zero_shot"].items():
        assert abs(got[level] - acc) <= 2 / cfg.n_eval + 1e-9, level  # 다른 CPU 에서 한두 장 차이까지
    assert res["zero_shot_rule"]["test"] == res["clip_test"]["zero_shot"][res["zero_shot_rule"]["chosen"]]


@pytest.mark.skipif(
    not (CKPT / "llava.safetensors").exists()
    or not (models_dir() / "tiny-ko-llama" / "config.json").exists(),
    reason="다리 체크포인트 또는 척추 모델 data/models/tiny-ko-llama 가 없습니다",
)
def test_shipped_bridges_load_onto_the_spine_with_only_bridge_and_lora_trained():
    from llmnotes.recipes.clip import BRIDGES, load_artefacts

    art = load_artefacts(CKPT)
    recipe = art["recipe"]
    assert set(BRIDGES) <= set(art)  # 다리 넷이 모두 실려 있다
    for name in BRIDGES:
        vlm = art[name]
        n = recipe["results"][f"{name}_trainable"]
        assert n["bridge"] == sum(p.numel() for p in vlm.bridge.parameters())
        assert n["lora"] == sum(p.numel() for k, p in vlm.lm.named_parameters() if "lora_" in k) > 0
        assert n["frozen_lm"] == sum(p.numel() for p in art["spine"].parameters())
        # LoRA 가 붙은 사본과 얼린 원본은 같은 기저 가중치를 갖는다 (척추 모델 자체는 바뀌지 않았다)
        base = dict(art["spine"].named_parameters())
        for k, p in vlm.lm.named_parameters():
            if "lora_" not in k:
                assert torch.equal(p, base[k.replace(".base.", ".")]), k
    scenes = shapes.sample_scenes(3, 5, "train", kinds=("single",))
    x = images_to_tensor(shapes.render_batch(scenes))
    for name in ("llava", "llava_capdec"):
        out = art[name].generate(x, art["codec"], [shapes.QUESTIONS["colour"]] * 3)
        assert sum(o == shapes.answer(s, "colour") for o, s in zip(out, scenes, strict=True)) >= 2, name
