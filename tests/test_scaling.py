"""스케일링 법칙 모듈 테스트: N, C = 6ND, 맞추기(합성 데이터 복원), 최적 배분, 결과 파일 스키마, 나쁜 입력."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from llmnotes.gpt import GPT, GPTConfig
from llmnotes.scaling import (
    CharVocab,
    ChinchillaFit,
    GridConfig,
    RunSpec,
    build_corpus,
    chinchilla_loss,
    compute_optimal,
    fit_chinchilla,
    fit_power_law,
    load_grid,
    non_embedding_params,
    train_run,
    training_flops,
)

GRID_FILE = Path(__file__).resolve().parents[1] / "data" / "scaling" / "grid.json"


# ---------------------------------------------------------------------------------------------------------------
# N, D, C
# ---------------------------------------------------------------------------------------------------------------


def test_training_flops_is_6nd():
    assert training_flops(1e6, 2e7) == pytest.approx(6 * 1e6 * 2e7)
    c = training_flops(np.array([10.0, 20.0]), np.array([3.0, 5.0]))
    np.testing.assert_allclose(c, [180.0, 600.0])
    # Chinchilla 70B, 1.4T 토큰 → 약 5.9e23 FLOPs
    assert training_flops(70e9, 1.4e12) == pytest.approx(5.88e23)


@pytest.mark.parametrize("n, d", [(0, 10), (-1, 10), (10, 0), (10, -5), (float("nan"), 1), ([], [])])
def test_training_flops_bad_input(n, d):
    with pytest.raises(ValueError, match="n_params|n_tokens"):
        training_flops(n, d)


def test_non_embedding_params_matches_formula():
    cfg = GPTConfig(vocab_size=50, n_layer=2, n_head=2, n_embd=32, block_size=16)
    model = GPT(cfg)
    n = non_embedding_params(cfg)
    # 전체에서 토큰·위치 임베딩만 빼면 남는다 (lm_head 는 wte 와 공유)
    assert n == model.num_parameters() - 50 * 32 - 16 * 32
    # 블록당 12C² + 13C (편향·LayerNorm), 마지막 LayerNorm 2C
    c = 32
    assert n == 2 * (12 * c * c + 13 * c) + 2 * c
    # 편향이 없거나 층·너비가 달라도 실제 모델의 개수와 같다
    for kw in [
        dict(n_layer=1, n_embd=16, bias=False),
        dict(n_layer=3, n_embd=48, n_head=3),
        dict(n_layer=4, n_embd=8),
    ]:
        kw.setdefault("n_head", 1)
        cfg2 = GPTConfig(vocab_size=30, block_size=8, **kw)
        m2 = GPT(cfg2)
        emb = m2.transformer.wte.weight.numel() + m2.transformer.wpe.weight.numel()
        assert non_embedding_params(cfg2) == sum(p.numel() for p in m2.parameters()) - emb
    # 어휘 크기와 문맥 길이는 N 에 영향을 주지 않는다
    assert non_embedding_params(GPTConfig(vocab_size=999, n_layer=2, n_head=2, n_embd=32, block_size=64)) == n


def test_non_embedding_params_bad_type():
    with pytest.raises(TypeError, match="config"):
        non_embedding_params({"n_layer": 1})


# ---------------------------------------------------------------------------------------------------------------
# 맞추기
# ---------------------------------------------------------------------------------------------------------------


TRUE = dict(E=1.2, A=40.0, alpha=0.35, B=300.0, beta=0.4)


def _synthetic(noise: float = 0.0, seed: int = 0):
    ns = np.array([3e3, 1e4, 3e4, 1e5, 3e5, 1e6])
    ds = np.array([1e4, 3e4, 1e5, 3e5, 1e6])
    n, d = (a.ravel() for a in np.meshgrid(ns, ds))
    loss = chinchilla_loss(n, d, **TRUE)
    if noise:
        loss = loss * np.exp(np.random.default_rng(seed).normal(0, noise, loss.shape))
    return n, d, loss


def test_fit_chinchilla_recovers_known_parameters():
    n, d, loss = _synthetic()
    fit = fit_chinchilla(n, d, loss)
    assert fit.E == pytest.approx(TRUE["E"], rel=1e-3)
    assert fit.alpha == pytest.approx(TRUE["alpha"], rel=1e-3)
    assert fit.beta == pytest.approx(TRUE["beta"], rel=1e-3)
    assert fit.A == pytest.approx(TRUE["A"], rel=1e-2)
    assert fit.B == pytest.approx(TRUE["B"], rel=1e-2)
    np.testing.assert_allclose(fit.predict(n, d), loss, rtol=1e-5)


def test_fit_chinchilla_with_noise_is_close():
    n, d, loss = _synthetic(noise=0.005)
    fit = fit_chinchilla(n, d, loss)
    assert fit.alpha == pytest.approx(TRUE["alpha"], abs=0.08)
    assert fit.beta == pytest.approx(TRUE["beta"], abs=0.08)
    assert fit.E == pytest.approx(TRUE["E"], abs=0.1)


def test_fit_power_law_recovers_known_parameters():
    x = np.geomspace(1e3, 1e6, 8)
    loss = 0.8 + 25.0 / x**0.5
    fit = fit_power_law(x, loss)
    assert fit.E == pytest.approx(0.8, rel=1e-3)
    assert fit.A == pytest.approx(25.0, rel=1e-2)
    assert fit.alpha == pytest.approx(0.5, rel=1e-3)
    np.testing.assert_allclose(fit.predict(x), loss, rtol=1e-5)


def test_fit_bad_input():
    n, d, loss = _synthetic()
    with pytest.raises(ValueError, match="n"):
        fit_chinchilla([], [], [])
    with pytest.raises(ValueError, match="d"):
        fit_chinchilla(n, -d, loss)
    with pytest.raises(ValueError, match="loss"):
        fit_chinchilla(n, d, loss[:-1])
    with pytest.raises(ValueError, match="loss"):
        fit_chinchilla(n, d, np.zeros_like(loss))
    with pytest.raises(ValueError, match="5개"):
        fit_chinchilla(n[:3], d[:3], loss[:3])
    with pytest.raises(ValueError, match="x"):
        fit_power_law([1.0, 0.0, 3.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="3개"):
        fit_power_law([1.0, 2.0], [1.0, 2.0])


def test_compute_optimal_closed_form_is_the_minimum():
    fit = ChinchillaFit(objective=0.0, **TRUE)
    c = np.array([1e12, 1e15, 1e18])
    n_opt, d_opt = compute_optimal(fit, c)
    np.testing.assert_allclose(6 * n_opt * d_opt, c, rtol=1e-10)  # 예산을 정확히 다 쓴다
    for ci, ni in zip(c, n_opt):
        # C 를 고정하고 N 을 바꾸면 손실이 커진다
        grid = ni * np.geomspace(0.5, 2.0, 41)
        losses = fit.predict(grid, ci / (6 * grid))
        assert np.argmin(losses) == 20
    # 지수: N_opt ∝ C^{β/(α+β)}
    slope = np.log(n_opt[1] / n_opt[0]) / np.log(c[1] / c[0])
    assert slope == pytest.approx(TRUE["beta"] / (TRUE["alpha"] + TRUE["beta"]), rel=1e-9)


def test_compute_optimal_bad_input():
    fit = ChinchillaFit(objective=0.0, **TRUE)
    with pytest.raises(ValueError, match="flops"):
        compute_optimal(fit, [0.0])
    bad = ChinchillaFit(E=1.0, A=1.0, alpha=-0.1, B=1.0, beta=0.3, objective=0.0)
    with pytest.raises(ValueError, match="alpha"):
        compute_optimal(bad, [1e10])


# ---------------------------------------------------------------------------------------------------------------
# 설정, 데이터, 학습
# ---------------------------------------------------------------------------------------------------------------


def test_grid_config_bad_input():
    with pytest.raises(ValueError, match="budgets"):
        GridConfig(budgets=[1000])
    with pytest.raises(ValueError, match="sizes"):
        GridConfig(sizes=[])
    with pytest.raises(ValueError, match="val_seed"):
        GridConfig(train_seed=3, val_seed=3)
    with pytest.raises(ValueError, match="head_dim"):
        GridConfig(sizes=[(1, 20)])


def test_char_vocab_roundtrip_and_unknown():
    v = CharVocab(list("가나다 \n"))
    assert v.decode(v.encode("가나 다\n")) == "가나 다\n"
    with pytest.raises(ValueError, match="어휘에 없는"):
        v.encode("라")
    with pytest.raises(ValueError, match="중복"):
        CharVocab(list("가가"))


def test_train_run_is_deterministic_and_learns():
    cfg = GridConfig(sizes=[(1, 16)], budgets=[1024], block_size=16, batch_size=8, val_sentences=50)
    vocab, train_ids, val_ids, _ = build_corpus(cfg)
    assert train_ids.numel() == 1025
    _, r1 = train_run(cfg, RunSpec(1, 16, 1024), vocab, train_ids, val_ids)
    _, r2 = train_run(cfg, RunSpec(1, 16, 1024), vocab, train_ids, val_ids)
    assert r1 == r2
    assert r1["steps"] == 8 and r1["D"] == 1024
    assert r1["val_loss"] < math.log(len(vocab))  # 균등 분포보다 낫다
    assert r1["C"] == 6 * r1["N"] * r1["D"]
    with pytest.raises(ValueError, match="tokens"):
        train_run(cfg, RunSpec(1, 16, 1000), vocab, train_ids, val_ids)


# ---------------------------------------------------------------------------------------------------------------
# 저장된 결과 파일
# ---------------------------------------------------------------------------------------------------------------


def test_load_grid_bad_input(tmp_path):
    with pytest.raises(ValueError, match="없습니다"):
        load_grid(tmp_path / "missing.json")
    p = tmp_path / "empty.json"
    p.write_text(json.dumps({"format": 1, "recipe": {}, "runs": [], "vocab": "", "command": ""}))
    with pytest.raises(ValueError, match="runs"):
        load_grid(p)


@pytest.mark.skipif(not GRID_FILE.exists(), reason="data/scaling/grid.json 이 아직 없다")
def test_grid_file_schema_and_n_reproduces():
    data = load_grid(GRID_FILE)
    assert data["format"] == 1
    assert "python -m llmnotes.scaling grid" in data["command"]
    cfg = GridConfig(**data["recipe"])
    assert len(data["runs"]) == len(cfg.sizes) * len(cfg.budgets)
    assert data["vocab_size"] == len(data["vocab"])
    keys = {
        "n_layer",
        "n_embd",
        "config",
        "N",
        "D",
        "C",
        "steps",
        "seed",
        "val_loss",
        "exact_match",
        "answer_nll",
    }
    seen = set()
    for run in data["runs"]:
        assert keys <= set(run)
        gcfg = GPTConfig.from_dict(run["config"])
        assert gcfg.vocab_size == data["vocab_size"]
        model = GPT(gcfg)  # 기록된 설정으로 모델을 실제로 만들어 센다
        emb = model.transformer.wte.weight.numel() + model.transformer.wpe.weight.numel()
        assert sum(p.numel() for p in model.parameters()) - emb == run["N"]
        assert non_embedding_params(gcfg) == run["N"]
        assert run["D"] == run["steps"] * cfg.batch_size * cfg.block_size
        assert run["C"] == 6 * run["N"] * run["D"]
        assert 0.0 < run["val_loss"] < math.log(data["vocab_size"])
        assert 0.0 <= run["exact_match"] <= 1.0
        seen.add((run["n_layer"], run["n_embd"], run["D"]))
    assert len(seen) == len(data["runs"])
