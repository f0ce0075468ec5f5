"""그림-언어 다리의 두 입력 (조각 토큰, CLIP 공통 임베딩 하나) 과 CapDec 잡음, 레시피의 다리 데이터와 dev 선택."""

from __future__ import annotations

import pytest
import torch
from test_clip import _tiny_lm  # 척추 모델 구조의 아주 작은 무작위 LM (test_clip 과 같은 것)

from llmnotes import shapes
from llmnotes.clip import ClipConfig, TinyClip, WordTokenizer, images_to_tensor
from llmnotes.recipes.clip import RecipeConfig
from llmnotes.recipes.clip_bridges import (
    BRIDGES,
    build_qa,
    choose_bridge_input,
    make_vlm,
    text_scenes,
    trained_state,
)
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
    for bad in (-0.1, float("nan"), float("inf"), "0.1"):
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
    def res(dev):
        return {"colour": dev, "shape": dev, "count": dev, "caption": 0.0}

    r = {f"{n}_{s}": res(0.5) for n in BRIDGES for s in ("dev", "test")}
    r["llava_capdec_dev"] = res(0.9)
    r["qformer_capdec_test"] = res(1.0)  # 시험 점수는 선택에 쓰지 않는다
    ch = choose_bridge_input(r)
    assert ch["llava"]["chosen"] == "llava_capdec" and ch["qformer"]["chosen"] == "qformer"
    assert ch["qformer"]["test"] == r["qformer_test"]


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
