"""노트북 19 6절의 학습 범위 비교 (:mod:`llmnotes.recipes.multilingual_regimes`): 범위마다 학습 가능 파라미터와 처음
함수, spine(Llama) 에 붙인 LoRA 의 ``peft`` 패리티, 결과 파일의 구조와 다시 셀 수 있는 값, 잘못된 입력."""

from __future__ import annotations

import copy
import hashlib
import json

import numpy as np
import pytest
import torch

from llmnotes import multilingual as ml
from llmnotes.llama import Llama, LlamaConfig
from llmnotes.lora import copy_lora_from_peft, inject_lora, trainable_parameters
from llmnotes.paths import data_dir, models_dir
from llmnotes.recipes.multilingual_regimes import (
    LORA_TARGETS,
    REGIMES,
    RegimeRecipe,
    build_regime,
    old_vocab_loss,
)

TINY = dict(vocab_size=60, n_layer=2, n_head=4, n_kv_head=2, n_embd=32, intermediate_size=40, max_seq_len=16)


def _counts(cfg: LlamaConfig, r: int, n_xpt: int) -> dict[str, int]:
    """구조에서 직접 센 학습 가능 파라미터 (출력층은 임베딩과 묶여 한 번만)."""
    C, d, F = cfg.n_embd, cfg.head_dim, cfg.intermediate_size
    attn = C * cfg.n_head * d * 2 + C * cfg.n_kv_head * d * 2  # W_q, W_o, W_k, W_v
    block = attn + 3 * C * F + 2 * C  # + SwiGLU 세 행렬 + RMSNorm 두 개
    emb = cfg.vocab_size * C
    shapes = [(C, cfg.n_head * d), (C, cfg.n_kv_head * d), (C, cfg.n_kv_head * d), (cfg.n_head * d, C)]
    shapes += [(C, F), (C, F), (F, C)]
    lora = cfg.n_layer * sum(r * (i + o) for i, o in shapes)  # A: r×d_in, B: d_out×r
    total = emb + cfg.n_layer * block + C
    return dict(
        amm=(emb, total),
        xpt=(emb + n_xpt * block, total + n_xpt * block),
        lora=(emb + lora, total + lora),
        full=(total, total),
    )


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    return Llama(LlamaConfig(**TINY)).eval()


def test_regimes_train_the_stated_parameters_and_start_as_the_same_function(tiny):
    recipe = RegimeRecipe(lora_r=2, lora_alpha=4.0)
    expected = _counts(tiny.config, r=2, n_xpt=2)
    ids = torch.tensor([[1, 2, 3, 4, 5, 6]])
    ref = tiny(ids)[0]
    before = {n: p.detach().clone() for n, p in tiny.named_parameters()}
    for regime in REGIMES:
        m = build_regime(regime, tiny, recipe)
        c = trainable_parameters(m)
        assert (c.trainable, c.total) == expected[regime], regime
        torch.testing.assert_close(m(ids)[0], ref)  # 새 블록은 잔차 투영 0, LoRA 는 B = 0 → 처음엔 같은 함수
        _, loss = m(ids[:, :-1], ids[:, 1:])
        loss.backward()
        for name, p in m.named_parameters():
            assert (p.grad is not None) == p.requires_grad, (regime, name)
        assert (
            m.embed_tokens.weight.requires_grad and m.lm_head.weight is m.embed_tokens.weight
        )  # 묶인 출력층
    xpt = build_regime("xpt", tiny, recipe)
    assert len(xpt.layers) == TINY["n_layer"] + 2
    assert [b.self_attn.layer for b in xpt.layers] == list(range(TINY["n_layer"] + 2))
    assert torch.equal(xpt.layers[1].mlp.up_proj.weight, tiny.layers[0].mlp.up_proj.weight)  # 옛 층은 가운데
    assert (
        not xpt.layers[1].mlp.up_proj.weight.requires_grad and xpt.layers[0].mlp.up_proj.weight.requires_grad
    )
    top_only = build_regime("xpt", tiny, RegimeRecipe(xpt_layers=("top",)))
    assert torch.equal(top_only.layers[0].mlp.up_proj.weight, tiny.layers[0].mlp.up_proj.weight)
    assert len(top_only.layers) == TINY["n_layer"] + 1
    # 원래 모델은 바뀌지 않는다
    assert all(torch.equal(p, before[n]) and p.grad is None for n, p in tiny.named_parameters())


def test_regimes_are_seeded(tiny):
    a = build_regime("lora", tiny, RegimeRecipe(seed=3))
    b = build_regime("lora", tiny, RegimeRecipe(seed=3))
    c = build_regime("lora", tiny, RegimeRecipe(seed=4))
    assert torch.equal(a.layers[0].self_attn.q_proj.lora_A, b.layers[0].self_attn.q_proj.lora_A)
    assert not torch.equal(a.layers[0].self_attn.q_proj.lora_A, c.layers[0].self_attn.q_proj.lora_A)


def test_lora_on_the_llama_matches_peft(tiny):
    """6절이 spine 에 쓰는 것과 같은 자리(선형층 7종)의 LoRA: peft 와 로짓이 같다."""
    from peft import LoraConfig, get_peft_model

    theirs = get_peft_model(
        copy.deepcopy(tiny),
        LoraConfig(r=4, lora_alpha=8, target_modules=list(LORA_TARGETS), lora_dropout=0.0),
    )
    torch.manual_seed(1)
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            if "lora_B" in name:
                p.normal_(std=0.1)  # B = 0 이면 비교가 무의미하다
    ours = copy.deepcopy(tiny)
    assert len(inject_lora(ours, list(LORA_TARGETS), r=4, alpha=8)) == 7 * TINY["n_layer"]
    assert copy_lora_from_peft(ours, theirs) == 7 * TINY["n_layer"]
    ids = torch.tensor([[1, 2, 3, 4, 5]])
    theirs_logits = theirs(ids)[0]
    assert (theirs_logits - tiny(ids)[0]).abs().max() > 1e-3
    torch.testing.assert_close(ours(ids)[0], theirs_logits, rtol=1e-5, atol=1e-5)
    n_peft = sum(p.numel() for p in theirs.parameters() if p.requires_grad)
    assert trainable_parameters(ours).trainable == n_peft


def test_old_vocab_loss_is_the_plain_loss_before_extension_and_lower_after(tiny):
    ids = torch.randint(0, TINY["vocab_size"], (150,), generator=torch.Generator().manual_seed(0))
    n = TINY["vocab_size"]
    assert old_vocab_loss(tiny, ids, 16, n) == pytest.approx(ml.lm_loss(tiny, ids, 16), abs=1e-5)
    ext = ml.extend_llama(tiny, ml.init_random(7, TINY["n_embd"], std=1.0, seed=0))
    # 새 토큰 7개가 확률을 가져가면 전체 손실은 오르고, 옛 어휘 안의 손실은 확장 전과 같다 (옛 행·몸통이 그대로)
    assert ml.lm_loss(ext, ids, 16) > ml.lm_loss(tiny, ids, 16) + 1e-3
    assert old_vocab_loss(ext, ids, 16, n) == pytest.approx(ml.lm_loss(tiny, ids, 16), abs=1e-5)
    with pytest.raises(ValueError, match="n_old"):
        old_vocab_loss(ext, torch.tensor([1, 2, n + 3]), 16, n)
    with pytest.raises(ValueError, match="ids"):
        old_vocab_loss(ext, ids.view(10, 15), 16, n)


def test_bad_input_is_named(tiny):
    with pytest.raises(ValueError, match="regime"):
        build_regime("adapter", tiny, RegimeRecipe())
    with pytest.raises(ValueError, match="steps"):
        RegimeRecipe(steps=0)
    with pytest.raises(ValueError, match="eval_steps"):
        RegimeRecipe(steps=10, eval_steps=(0, 5))  # 마지막 스텝이 없다
    with pytest.raises(ValueError, match="eval_steps"):
        RegimeRecipe(steps=10, eval_steps=(0, 10, 11))
    with pytest.raises(ValueError, match="xpt_layers"):
        RegimeRecipe(xpt_layers=("middle",))
    with pytest.raises(ValueError, match="xpt_layers"):
        RegimeRecipe(xpt_layers=())
    with pytest.raises(ValueError, match="r"):
        build_regime("lora", tiny, RegimeRecipe(lora_r=0))


def test_regime_data_refuses_a_changed_starting_point(tmp_path, monkeypatch):
    """출발점 파일(토크나이저, WECHSEL 식 행)이 5절 결과 파일에 적힌 sha256 과 다르면 학습 전에 멈춘다."""
    import shutil

    from llmnotes.recipes.multilingual_regimes import regime_data

    src = data_dir() / "multilingual"
    dst = tmp_path / "multilingual"
    (dst / "fake-korean").mkdir(parents=True)
    shutil.copy(src / "fake-korean-results.json", dst)
    shutil.copy(src / "fake-korean" / "tokenizer.json", dst / "fake-korean")
    rows = (src / "fake-korean" / "wechsel_rows.safetensors").read_bytes()
    (dst / "fake-korean" / "wechsel_rows.safetensors").write_bytes(rows[:-4] + bytes(4))  # 마지막 값만 바꿈
    monkeypatch.setenv("LLMNOTES_DATA", str(tmp_path))
    with pytest.raises(ValueError, match="wechsel_rows.safetensors"):
        regime_data()
    record = json.loads((src / "fake-korean-results.json").read_text(encoding="utf-8"))
    record["recipe"]["n_docs"] = 10
    (dst / "fake-korean-results.json").write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(ValueError, match="n_docs"):
        regime_data()


# ------------------------------------------------------------------------------------------------ 결과 파일


@pytest.fixture(scope="module")
def shipped():
    folder = data_dir() / "multilingual"
    res = json.loads((folder / "fake-korean-regimes.json").read_text(encoding="utf-8"))
    fake = json.loads((folder / "fake-korean-results.json").read_text(encoding="utf-8"))
    return res, fake


def test_shipped_record_structure_and_start(shipped):
    res, fake = shipped
    recipe = RegimeRecipe(**{k: tuple(v) if isinstance(v, list) else v for k, v in res["recipe"].items()})
    assert res["recipe"] == json.loads(json.dumps(RegimeRecipe().__dict__))  # 기본 설정으로 만든 파일
    assert set(res["regimes"]) == set(REGIMES)
    base = models_dir() / fake["recipe"]["base"] / "model.safetensors"
    assert (
        res["base_model_sha256"] == fake["base_model_sha256"] == hashlib.sha256(base.read_bytes()).hexdigest()
    )
    # 출발점 = 5절의 WECHSEL 식 새 행 (개발 분할로 고른 k, τ) 과 같은 데이터
    assert res["start"]["wechsel_chosen"] == fake["wechsel_chosen"]
    assert (
        res["start"]["artifacts"] == fake["artifacts"] and res["start"]["data_sha256"] == fake["data_sha256"]
    )
    for name, sha in fake["artifacts"].items():
        path = data_dir() / "multilingual" / "fake-korean" / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    assert res["tokens"]["fake_train"] == fake["tokens"]["fake_train"]
    assert res["tokens"]["test"] == fake["tokens"]["test"] == res["tokens"]["test_korean"]
    assert res["vocab"]["extended"] == fake["vocab"]["base"] + fake["vocab"]["new"]
    for r in res["regimes"].values():
        assert r["step"] == list(recipe.eval_steps) and len(r["eval_loss"]) == len(r["step"])
        assert len(r["korean_loss"]) == len(r["korean_loss_old_vocab"]) == 2
        assert all(np.isfinite(r["eval_loss"] + r["korean_loss"] + r["korean_loss_old_vocab"]))
        assert 0 < r["trainable"] <= r["total"]


def test_shipped_record_recounts(shipped):
    """다시 셀 수 있는 것: 학습 가능 파라미터(spine 구조에서), 네 방법의 같은 출발점, 5.4절 곡선과 같은 전체 학습."""
    res, fake = shipped
    cfg_hf = json.loads((models_dir() / fake["recipe"]["base"] / "config.json").read_text(encoding="utf-8"))
    cfg = LlamaConfig(
        vocab_size=res["vocab"]["extended"],
        n_layer=cfg_hf["num_hidden_layers"],
        n_head=cfg_hf["num_attention_heads"],
        n_kv_head=cfg_hf["num_key_value_heads"],
        n_embd=cfg_hf["hidden_size"],
        intermediate_size=cfg_hf["intermediate_size"],
        max_seq_len=cfg_hf["max_position_embeddings"],
    )
    expected = _counts(cfg, r=res["recipe"]["lora_r"], n_xpt=len(res["recipe"]["xpt_layers"]))
    for regime, r in res["regimes"].items():
        assert (r["trainable"], r["total"]) == expected[regime], regime
    # 0스텝에서는 네 모델이 같은 함수 → 같은 손실 (가짜 한국어, 한국어 모두)
    start = [r["eval_loss"][0] for r in res["regimes"].values()]
    korean0 = [r["korean_loss"][0] for r in res["regimes"].values()]
    assert max(start) - min(start) < 1e-4 and max(korean0) - min(korean0) < 1e-4
    assert start[0] == pytest.approx(fake["inits"]["wechsel"]["eval_loss"][0], abs=1e-4)
    assert res["korean_before_extension"] == pytest.approx(fake["reference"]["korean_test"], abs=1e-4)
    for r in res["regimes"].values():
        # 옛 어휘 안의 소프트맥스: 0스텝에서는 확장 전 spine 과 같고, 언제나 전체 어휘의 손실 이하 (분모가 작다)
        assert r["korean_loss_old_vocab"][0] == pytest.approx(res["korean_before_extension"], abs=1e-4)
        assert all(a <= b + 1e-6 for a, b in zip(r["korean_loss_old_vocab"], r["korean_loss"]))
    # 전체 학습 = 5.4절 WECHSEL 식 곡선 (같은 시드, 같은 배치 순서); 겹치는 스텝에서 비교
    full, w = res["regimes"]["full"], fake["inits"]["wechsel"]
    shared = [s for s in full["step"] if s in w["step"]]
    assert len(shared) >= 5
    for s in shared:
        assert full["eval_loss"][full["step"].index(s)] == pytest.approx(
            w["eval_loss"][w["step"].index(s)], abs=1e-3
        )
