"""그림-언어 다리의 두 입력 (조각 토큰, CLIP 공통 임베딩 하나) 과 CapDec 잡음, 레시피의 다리 데이터와 dev 선택."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
import torch
from test_clip import _tiny_lm  # 척추 모델 구조의 아주 작은 무작위 LM (test_clip 과 같은 것)

from llmnotes import shapes
from llmnotes.clip import ClipConfig, TinyClip, WordTokenizer, images_to_tensor
from llmnotes.paths import models_dir
from llmnotes.recipes.clip import RecipeConfig
from llmnotes.recipes.clip_bridges import (
    BRIDGES,
    ORIGINAL_BRIDGES,
    BridgeSpec,
    build_qa,
    choose_bridge_input,
    dev_mean,
    make_vlm,
    spine_embedding_rms,
    text_scenes,
    trained_state,
)
from llmnotes.recipes.clip_qformer_study import CANDIDATES, SHAPE_BAR, choose_setting
from llmnotes.vlm_bridge import (
    EmbeddingToken,
    MLPProjector,
    QFormerLite,
    VisionLanguageModel,
    count_trainable,
    make_batch,
    modality_noise,
)

TOK = WordTokenizer(shapes.vocabulary())


def _images(n: int = 3) -> tuple[list[shapes.Scene], torch.Tensor]:
    scenes = shapes.sample_scenes(n, 0, "train", kinds=("single",))
    return scenes, images_to_tensor(shapes.render_batch(scenes))


@pytest.mark.parametrize("name", list(BRIDGES))
def test_every_recipe_bridge_has_the_right_shapes_and_trains_only_bridge_and_lora(name):
    torch.manual_seed(0)
    clip = TinyClip(ClipConfig(vocab_size=len(TOK)))
    cfg = RecipeConfig(lora_targets="q_proj,v_proj", lora_r=4, qformer_queries=5, embed_tokens=3)
    vlm = make_vlm(clip, name, _tiny_lm(), cfg)
    scenes, x = _images()
    spec = BRIDGES[name]
    n_tok = {"mlp": 16 if spec.features == "patches" else 3, "qformer": 5}[spec.arch]
    assert vlm.prefix(x).shape == (3, n_tok, 32)
    # 다리의 입력: 조각 토큰 (3, 16, 64) 또는 단위 임베딩 하나 (3, 1, 64)
    feats = vlm.image_encoder(x)
    if spec.features == "patches":
        assert feats.shape == (3, 16, 64)
    else:
        assert feats.shape == (3, 1, 64)
        torch.testing.assert_close(feats[:, 0], clip.encode_image(x))
    n_lora = 4 * (32 + 32) + 4 * (32 + 16)  # q_proj 32→32, v_proj 32→16 (키·값 헤드 하나), r=4
    assert count_trainable(vlm) == sum(p.numel() for p in vlm.bridge.parameters()) + n_lora
    assert set(trained_state(vlm)) == {n for n, p in vlm.named_parameters() if p.requires_grad}
    batch = make_batch(TOK, [shapes.QUESTIONS["shape"]] * 3, [shapes.answer(s, "shape") for s in scenes])
    loss = vlm(x, batch)
    loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad is None for p in clip.parameters())  # CLIP 은 얼렸다 (글 인코더까지)
    assert all(p.grad is not None for p in vlm.bridge.parameters())


def test_projector_expands_each_input_token_and_qformer_reads_one_token():
    z = torch.randn(2, 1, 64)
    assert MLPProjector(64, 32, n_tokens=4)(z).shape == (2, 4, 32)
    assert MLPProjector(64, 32, n_tokens=2)(torch.randn(2, 16, 64)).shape == (2, 32, 32)
    assert QFormerLite(64, 32, n_queries=6)(z).shape == (2, 6, 32)
    clip = TinyClip(ClipConfig(vocab_size=len(TOK)))
    _, x = _images(2)
    assert EmbeddingToken(clip)(x).shape == (2, 1, 64)


def test_modality_noise_is_unit_norm_seeded_and_zero_is_identity():
    v = torch.nn.functional.normalize(torch.randn(50, 64), dim=-1)
    assert modality_noise(v, 0.0) is v
    a = modality_noise(v, 0.1, torch.Generator().manual_seed(0))
    b = modality_noise(v, 0.1, torch.Generator().manual_seed(0))
    assert torch.equal(a, b)
    torch.testing.assert_close(a.norm(dim=-1), torch.ones(50))
    cos = (a * v).sum(-1)
    # ‖ε‖² ≈ 64·σ² = 0.64 이므로 코사인은 1 보다 확실히 작고, 0 보다 확실히 크다
    assert 0.6 < cos.mean() < 0.95
    for bad in (-0.1, float("nan"), float("inf"), "0.1", True):
        with pytest.raises(ValueError, match="sigma"):
            modality_noise(v, bad)


def test_bridge_data_text_covers_all_combos_and_image_data_none_held_out():
    scenes = text_scenes(400, 5)
    combos = {(o.colour, o.shape) for s in scenes for o in s.objects}
    assert len(combos) == 16 and shapes.HELD_OUT <= combos
    assert text_scenes(400, 5) == scenes  # 같은 시드 = 같은 장면
    train = shapes.sample_scenes(400, 3, "train")
    assert not any(shapes.is_held_out(o.colour, o.shape) for s in train for o in s.objects)
    idx, qs, ans = build_qa(scenes[:10])
    assert len(idx) == len(qs) == len(ans) and set(qs) <= set(shapes.QUESTIONS.values())


def test_bridge_input_is_chosen_on_dev_and_ties_keep_patches():
    def res(dev, shape=None):
        return {"colour": dev, "shape": dev if shape is None else shape, "count": dev, "caption": 0.0}

    r = {f"{n}_{s}": res(0.5) for n in BRIDGES for s in ("dev", "test", "test_fresh")}
    r["llava_capdec_dev"] = res(0.9)
    r["qformer_capdec_test"] = res(1.0)  # 시험 점수는 선택에 쓰지 않는다
    r["qformer_capdec_norm_test_fresh"] = res(1.0)
    ch = choose_bridge_input(r)
    assert ch["llava"]["chosen"] == "llava_capdec" and ch["qformer"]["chosen"] == "qformer"
    assert (
        ch["qformer"]["test"] == r["qformer_test"] and ch["qformer"]["test_fresh"] == r["qformer_test_fresh"]
    )
    assert set(ch["qformer"]["dev_mean"]) == {n for n, s in BRIDGES.items() if s.arch == "qformer"}
    # 평균이 같으면 dev 모양이 높은 쪽: (0.6, 0.3, 0.6) 과 (0.5, 0.5, 0.5) 는 평균 0.5 로 같다
    r["qformer_capdec_norm_dev"] = {"colour": 0.6, "shape": 0.3, "count": 0.6, "caption": 0.0}
    r["qformer_capdec_dev"] = res(0.5)
    assert choose_bridge_input(r)["qformer"]["chosen"] == "qformer"
    r["qformer_capdec_norm_dev"] = {"colour": 0.4, "shape": 0.7, "count": 0.4, "caption": 0.0}
    assert choose_bridge_input(r)["qformer"]["chosen"] == "qformer_capdec_norm"
    # 결과가 없는 다리는 후보에서 빠진다 (아직 학습하지 않은 다리)
    del r["qformer_capdec_norm_dev"]
    assert "qformer_capdec_norm" not in choose_bridge_input(r)["qformer"]["dev_mean"]


def test_bad_input_gives_clear_errors():
    clip = TinyClip(ClipConfig(vocab_size=len(TOK)))
    vlm = VisionLanguageModel(EmbeddingToken(clip), MLPProjector(64, 32, n_tokens=2), _tiny_lm())
    with pytest.raises(ValueError, match=r"\(B≥1, 3, 32, 32\)"):
        vlm.prefix(torch.zeros(2, 3, 28, 28))  # 그림 크기가 다르다
    with pytest.raises(ValueError, match="images"):
        vlm.prefix(torch.zeros(0, 3, 32, 32))
    with pytest.raises(TypeError, match="torch.Tensor"):
        vlm.prefix(torch.zeros(2, 3, 32, 32).numpy())
    with pytest.raises(ValueError, match="비어"):
        make_batch(TOK, [""], ["원이에요"])  # 빈 질문
    with pytest.raises(ValueError, match="비어"):
        make_batch(TOK, [shapes.QUESTIONS["caption"]], ["  "])  # 빈 설명(답)
    with pytest.raises(ValueError, match="n_tokens"):
        MLPProjector(64, 32, n_tokens=0)
    with pytest.raises(ValueError, match="name"):
        make_vlm(clip, "llava2", _tiny_lm(), RecipeConfig())


@pytest.mark.parametrize("norm", QFormerLite.NORMS)
def test_qformer_norm_options_shapes_scale_and_what_trains(norm):
    torch.manual_seed(0)
    qf = QFormerLite(64, 32, n_queries=3, norm=norm, out_rms=0.06)
    z = torch.randn(2, 16, 64) * 5 + 1
    y = qf(z)
    assert y.shape == (2, 3, 32)
    rms = y.pow(2).mean(-1).sqrt()
    if norm in ("out", "both"):  # 토큰마다 RMS 가 척추 모델 임베딩 크기로 맞춰진다
        torch.testing.assert_close(rms, torch.full_like(rms, 0.06), rtol=1e-4, atol=1e-6)
    else:
        assert not torch.allclose(rms, torch.full_like(rms, 0.06), rtol=0.1)
    # 'in': 층 정규화가 먼저 걸리므로 그림 특징을 양수배 해도 출력이 (거의) 같다; 'none' 은 달라진다
    same = torch.allclose(qf(z * 7.0), y, atol=1e-4)
    assert same == (norm in ("in", "both"))
    y.sum().backward()
    assert all(p.grad is not None for p in qf.parameters())
    n_norm = {"none": 0, "in": 2 * 64, "out": 2 * 64, "both": 4 * 64}[norm]
    assert (
        sum(p.numel() for p in qf.parameters())
        == sum(p.numel() for p in QFormerLite(64, 32, n_queries=3).parameters()) + n_norm
    )


def test_recipe_qformer_with_norm_matches_spine_embedding_rms_and_trains_bridge_and_lora():
    torch.manual_seed(0)
    clip = TinyClip(ClipConfig(vocab_size=len(TOK)))
    lm = _tiny_lm()
    cfg = RecipeConfig(lora_targets="q_proj,v_proj", lora_r=4, qformer_queries=2)
    spec = BridgeSpec("qformer", "embedding", "text", "both")
    vlm = make_vlm(clip, "qformer_capdec", lm, cfg, spec)
    _, x = _images(2)
    pre = vlm.prefix(x)
    target = lm.get_input_embeddings().weight.pow(2).mean().sqrt().item()
    assert spine_embedding_rms(lm) == pytest.approx(target)
    torch.testing.assert_close(pre.pow(2).mean(-1).sqrt(), torch.full((2, 2), target), rtol=1e-4, atol=1e-6)
    n_lora = 4 * (32 + 32) + 4 * (32 + 16)
    assert count_trainable(vlm) == sum(p.numel() for p in vlm.bridge.parameters()) + n_lora
    assert all(p.requires_grad for p in vlm.bridge.in_norm.parameters())


def test_qformer_and_bridge_spec_reject_bad_options_naming_the_argument():
    for bad in ("layer", None, "IN"):
        with pytest.raises(ValueError, match="norm"):
            QFormerLite(64, 32, norm=bad)
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="n_queries"):
            QFormerLite(64, 32, n_queries=bad)
    for bad in (0.0, -0.1, float("inf"), float("nan"), "0.06"):
        with pytest.raises(ValueError, match="out_rms"):
            QFormerLite(64, 32, out_rms=bad)
    with pytest.raises(ValueError, match="norm"):
        BridgeSpec("mlp", "patches", "images", "both")  # 투영기에는 norm 이 없다
    with pytest.raises(ValueError, match="features"):
        BridgeSpec("qformer", "pixels", "images")
    with pytest.raises(ValueError, match="arch"):
        BridgeSpec("perceiver", "patches", "images")
    with pytest.raises(ValueError, match="data"):
        BridgeSpec("qformer", "patches", "audio")


STUDY = models_dir() / "tiny-clip" / "qformer_study.json"


@pytest.mark.skipif(
    not STUDY.exists(), reason="Q-Former 진단 기록 qformer_study.json 이 아직 없습니다 (clip_qformer_study)"
)
def test_shipped_qformer_study_record_and_dev_choice_rule():
    study = json.loads(STUDY.read_text(encoding="utf-8"))
    recipe = json.loads((STUDY.parent / "recipe.json").read_text(encoding="utf-8"))
    res, cfg = recipe["results"], RecipeConfig(**recipe["config"])
    # 진단: 내보낸 원래 다리 넷마다 그림 토큰 노름과 도형 탐사(정확도는 0..1)
    diag = study["diagnosis"]
    assert diag["spine_token_norm"] > 0
    for name in ORIGINAL_BRIDGES:
        d = diag[name]
        assert d["token_norm"] > 0 and all(
            0 <= d[k] <= 1 for k in ("probe_seen", "probe_dev", "probe_dev_half")
        )
        if BRIDGES[name].arch == "qformer":
            assert 0 <= d["attn_entropy"] <= d["attn_entropy_uniform"] + 1e-3
    # 후보: 미리 정한 목록에 있고, 본 조합·dev 만 재었다 (시험 분할 점수는 기록에 없다)
    for name, c in study["candidates"].items():
        spec, over, _ = CANDIDATES[name]
        assert c["spec"] == asdict(spec) and c["overrides"] == over
        assert set(c) >= {"seen", "dev", "dev_mean", "final_loss"} and not any("test" in k for k in c)
        assert c["dev_mean"] == dev_mean(c["dev"])
    # 고르기 규칙을 기록된 dev 점수로 다시 돌리면 같은 것을 고른다 (기준선 = 내보낸 Q-Former 둘의 dev)
    base = {n: res[f"{n}_dev"] for n in ("qformer", "qformer_capdec")}
    assert choose_setting(base, study["candidates"]) == study["choice"]
    assert study["choice"]["shape_bar"] == SHAPE_BAR
    if study["choice"]["ship"]:
        chosen = study["candidates"][study["choice"]["chosen"]]
        shipped = [n for n in BRIDGES if n not in ORIGINAL_BRIDGES]
        assert [asdict(BRIDGES[n]) for n in shipped] == [chosen["spec"]] and not chosen["overrides"]
        # 레시피로 다시 학습한 다리의 dev 점수 = 고르기 실험의 dev 점수 (같은 시드·같은 코드)
        assert res[f"{shipped[0]}_dev"] == chosen["dev"]
        # 새 시험 분할: 이전 시험(test_seed)·dev·본 조합과 시드가 다르고, 새 다리는 옛 시험 분할을 재지 않았다
        assert cfg.bridge_fresh_test_seed not in (cfg.test_seed, cfg.seed + 1, cfg.seed + 4, 2)
        assert f"{shipped[0]}_test" not in res and f"{shipped[0]}_test_fresh" in res
        assert res["bridge_choice"] == choose_bridge_input(res)
