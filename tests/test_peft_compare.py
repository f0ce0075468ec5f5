"""llmnotes.peft_compare: 결과 파일과 레시피(몸통 해시), 데이터 조각내기, 방법별 파라미터 수, 작은 실행, 잘못된 입력."""

from __future__ import annotations

import json
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from llmnotes.lora import lora_layers, trainable_parameters
from llmnotes.peft_compare import (
    METHODS,
    PEFTCompareConfig,
    VirtualTokenTrim,
    _select_best,
    base_model_hashes,
    build_method,
    compare,
    default_results_path,
    eval_loss,
    load_base,
    load_results,
    main,
    pack_examples,
    review_batch,
    run_method,
    split_reviews,
)


@pytest.fixture(scope="module")
def base_and_tok():
    return load_base("tiny-ko-gpt")


@pytest.fixture(scope="module")
def shipped():
    return load_results()  # 몸통 해시가 기록과 다르면 여기서 ValueError


# --- 배포한 결과 파일 ---------------------------------------------------------------------------------------


def test_results_file_matches_recipe_and_base_hash(shipped):
    assert shipped["base_model"]["files"] == base_model_hashes("tiny-ko-gpt")
    # 기본 설정 그대로 명령을 다시 돌리면 같은 파일이 나와야 하므로 레시피 = 기본값
    assert shipped["recipe"] == PEFTCompareConfig().to_dict()
    assert "python -m llmnotes.peft_compare --out data/peft/results.json" in shipped["command"]
    assert list(shipped["results"]) == list(METHODS)
    assert shipped["environment"]["threads"] == 1


def test_results_file_selection_is_by_dev_loss(shipped):
    cfg = PEFTCompareConfig.from_dict(shipped["recipe"])
    for method, res in shipped["results"].items():
        runs = [g for g in shipped["grid"] if g["method"] == method]
        assert [g["lr"] for g in runs] == list(cfg.lr_grid[method])
        best = min((g for g in runs if g["dev_loss"] is not None), key=lambda g: g["dev_loss"])
        assert res["lr"] == best["lr"] and res["dev_loss"] == best["dev_loss"]
        assert math.isfinite(res["test_loss"]) and res["test_loss"] > 0


def test_results_file_counts_match_data_and_methods(shipped, base_and_tok):
    base, tok = base_and_tok
    cfg = PEFTCompareConfig.from_dict(shipped["recipe"])
    splits = split_reviews(cfg)
    examples = pack_examples(splits.train, tok, cfg.block_size)
    d = shipped["data"]
    assert (d["n_train_reviews"], d["n_dev_reviews"], d["n_test_reviews"]) == (
        len(splits.train),
        len(splits.dev),
        len(splits.test),
    )
    assert d["n_train_blocks"] == len(examples)
    assert d["n_train_tokens"] == sum(len(e["input_ids"]) for e in examples)
    for method, res in shipped["results"].items():
        assert res["trainable"] == trainable_parameters(build_method(method, base, cfg)).trainable, method
        assert res["steps"] == cfg.epochs * math.ceil(len(examples) / cfg.batch_size)


def test_load_results_rejects_changed_base(tmp_path, shipped):
    bad = json.loads(json.dumps(shipped))
    bad["base_model"]["files"]["model.safetensors"] = "0" * 64
    p = tmp_path / "results.json"
    p.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ValueError, match="model.safetensors"):
        load_results(p)
    assert load_results(p, check_base=False)["format"] == 1
    with pytest.raises(ValueError, match="결과 파일이 없습니다"):
        load_results(tmp_path / "none.json")


def test_default_results_path_is_in_data():
    assert default_results_path().parts[-3:] == ("data", "peft", "results.json")


# --- 데이터 ------------------------------------------------------------------------------------------------


def test_split_is_disjoint_and_deterministic():
    cfg = PEFTCompareConfig()
    a, b = split_reviews(cfg), split_reviews(cfg)
    assert a == b
    assert len(a.dev) == cfg.dev_size and len(a.train) + len(a.dev) == 480 and len(a.test) == 120
    assert not set(a.train) & set(a.dev)
    assert len(split_reviews(PEFTCompareConfig(n_train=10)).train) == 10


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    texts=st.lists(
        st.sampled_from(["배우 연기가 좋았어요.", "맛은 그저 그래요", "😀 ok", "ㅋㅋ 최고"]), min_size=1
    ),
    block_size=st.integers(2, 20),
)
def test_pack_examples_scores_every_token_once(base_and_tok, texts, block_size):
    _, tok = base_and_tok
    eos = tok.eos_token_id
    stream = [eos]
    for t in texts:
        stream += tok(t, add_special_tokens=False)["input_ids"] + [eos]
    blocks = pack_examples(texts, tok, block_size)
    assert all(2 <= len(b["input_ids"]) <= block_size for b in blocks)
    assert all(b["labels"] == b["input_ids"] for b in blocks)
    # 각 조각의 목표(첫 토큰 뒤)를 이으면 흐름의 첫 EOS 뒤 전체와 같다: 빠진 토큰도 겹친 목표도 없다
    targets = [i for b in blocks for i in b["input_ids"][1:]]
    assert targets == stream[1:]
    assert blocks[0]["input_ids"][0] == eos


def test_review_batch_scores_review_and_final_eos(base_and_tok):
    _, tok = base_and_tok
    texts = ["정말 좋아요", "별로예요."]
    batch = review_batch(texts, tok)
    n_expected = sum(len(tok(t, add_special_tokens=False)["input_ids"]) + 1 for t in texts)
    assert int((batch["labels"][:, 1:] != -100).sum()) == n_expected
    assert (batch["input_ids"][:, 0] == tok.eos_token_id).all()
    # NFD 로 들어와도 NFC 와 같은 배치
    import unicodedata

    nfd = review_batch([unicodedata.normalize("NFD", t) for t in texts], tok)
    assert torch.equal(nfd["input_ids"], batch["input_ids"])


# --- 방법 만들기 --------------------------------------------------------------------------------------------


def test_build_method_parameter_counts(base_and_tok):
    base, _ = base_and_tok
    cfg = PEFTCompareConfig()
    d, n_layer, r, k = base.config.n_embd, base.config.n_layer, cfg.lora_r, cfg.num_virtual_tokens
    expected = {
        "full": trainable_parameters(base).total,
        "lora_c_attn": n_layer * r * (d + 3 * d),  # c_attn: d → 3d
        # c_attn (d→3d), attn.c_proj (d→d), mlp.c_fc (d→4d), mlp.c_proj (4d→d)
        "lora_all": n_layer * r * ((d + 3 * d) + (d + d) + (d + 4 * d) + (4 * d + d)),
        "llama_adapter": cfg.adapter_layers * (k * d + 1),  # 위쪽 층마다 적응 프롬프트 k×d + 게이트 1
        "prompt": k * d,  # 가상 토큰 k 개의 임베딩
        "prefix": n_layer * 2 * k * d,  # 층마다 키·값 앞 k 개
    }
    for method, n in expected.items():
        assert trainable_parameters(build_method(method, base, cfg)).trainable == n, method
    pt = build_method("ptuning", base, cfg)
    assert isinstance(pt, VirtualTokenTrim)
    assert trainable_parameters(pt).trainable == pt.model.get_nb_trainable_parameters()[0]


def test_build_method_keeps_base_and_is_seeded(base_and_tok):
    base, tok = base_and_tok
    before = {n: p.detach().clone() for n, p in base.named_parameters()}
    a = build_method("lora_c_attn", base, PEFTCompareConfig())
    b = build_method("lora_c_attn", base, PEFTCompareConfig())
    for (na, la), (_, lb) in zip(lora_layers(a).items(), lora_layers(b).items(), strict=True):
        assert torch.equal(la.lora_A, lb.lora_A), na
    for n, p in base.named_parameters():
        assert torch.equal(p, before[n]) and p.requires_grad, n
    batch = review_batch(["배우들 연기가 좋았어요."], tok)
    # LoRA 는 B = 0, LLaMA-Adapter 는 게이트 = 0 으로 시작하므로 처음에는 몸통과 같은 손실
    assert eval_loss(a, batch) == pytest.approx(eval_loss(base, batch), abs=1e-6)
    adapter = build_method("llama_adapter", base, PEFTCompareConfig())
    assert eval_loss(adapter, batch) == pytest.approx(eval_loss(base, batch), abs=1e-6)


@pytest.mark.parametrize("method", ["prompt", "ptuning", "prefix"])
def test_virtual_tokens_trimmed(base_and_tok, method):
    base, tok = base_and_tok
    model = build_method(method, base, PEFTCompareConfig())
    batch = review_batch(["맛있어요", "다시 가고 싶어요."], tok)
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    assert logits.shape[:2] == batch["input_ids"].shape


# --- 작은 실행 ----------------------------------------------------------------------------------------------


def test_tiny_compare_lora_beats_base():
    cfg = PEFTCompareConfig(
        methods=("lora_c_attn", "prompt"),
        lr_grid={"lora_c_attn": (1e-2, 3e-2), "prompt": (3e-2,)},
        epochs=2,
        n_train=48,
        dev_size=24,
    )
    out = compare(cfg)
    assert [(g["method"], g["lr"]) for g in out["grid"]] == [
        ("lora_c_attn", 1e-2),
        ("lora_c_attn", 3e-2),
        ("prompt", 3e-2),
    ]
    for res in out["results"].values():
        assert math.isfinite(res["dev_loss"]) and math.isfinite(res["test_loss"])
    # 리뷰 48 개로 두 에폭만 학습해도 LoRA 는 적응 전 몸통보다 dev·시험 손실이 낮다
    lora = out["results"]["lora_c_attn"]
    assert lora["dev_loss"] < out["base_loss"]["dev"] - 0.1
    assert lora["test_loss"] < out["base_loss"]["test"] - 0.1


def test_select_best_skips_diverged_runs():
    runs = [
        {"method": "lora_c_attn", "lr": 0.3, "dev_loss": None},
        {"method": "lora_c_attn", "lr": 0.01, "dev_loss": 6.5},
        {"method": "lora_c_attn", "lr": 0.03, "dev_loss": 6.9},
    ]
    assert _select_best(runs)["lr"] == 0.01
    with pytest.raises(ValueError, match="발산"):
        _select_best(runs[:1])


def test_run_method_is_deterministic(base_and_tok):
    base, tok = base_and_tok
    cfg = PEFTCompareConfig(epochs=1, n_train=16, dev_size=8)
    splits = split_reviews(cfg)
    ex = pack_examples(splits.train, tok, cfg.block_size)
    batches = {"dev": review_batch(splits.dev, tok)}
    _, r1 = run_method("lora_c_attn", 1e-2, base, ex, batches, tok.pad_token_id, cfg)
    _, r2 = run_method("lora_c_attn", 1e-2, base, ex, batches, tok.pad_token_id, cfg)
    assert r1 == r2


def test_run_method_progress_bar_does_not_change_the_result(base_and_tok, capsys):
    """노트북의 긴 셀은 progress=True 로 진행 막대를 보인다: 막대는 stderr 에만 나오고 결과는 같다."""
    base, tok = base_and_tok
    cfg = PEFTCompareConfig(epochs=1, n_train=16, dev_size=8)
    splits = split_reviews(cfg)
    ex = pack_examples(splits.train, tok, cfg.block_size)
    batches = {"dev": review_batch(splits.dev, tok)}
    _, quiet = run_method("lora_c_attn", 1e-2, base, ex, batches, tok.pad_token_id, cfg)
    assert "SFT" not in capsys.readouterr().err
    _, shown = run_method("lora_c_attn", 1e-2, base, ex, batches, tok.pad_token_id, cfg, progress=True)
    err = capsys.readouterr().err
    assert "SFT" in err and f"{shown['steps']}/{shown['steps']}" in err
    assert shown == quiet
    with pytest.raises(TypeError, match="progress"):
        run_method("lora_c_attn", 1e-2, base, ex, batches, tok.pad_token_id, cfg, progress="yes")


def test_main_writes_loadable_file(tmp_path):
    out = tmp_path / "r.json"
    args = [
        "--out",
        str(out),
        "--methods",
        "prefix",
        "--lrs",
        "0.1",
        "--epochs",
        "1",
        "--n-train",
        "8",
        "--dev-size",
        "8",
    ]
    main([*args, "--quiet"])
    data = load_results(out)
    assert list(data["results"]) == ["prefix"]
    assert [(g["method"], g["lr"]) for g in data["grid"]] == [("prefix", 0.1)]
    assert data["recipe"]["n_train"] == 8 and data["data"]["n_train_reviews"] == 8
    assert data["command"].endswith(" ".join([*args, "--quiet"]))


# --- 잘못된 입력 --------------------------------------------------------------------------------------------


def test_bad_inputs(base_and_tok):
    base, tok = base_and_tok
    with pytest.raises(ValueError, match="알 수 없는 방법이 있습니다: 'lora_q'"):
        PEFTCompareConfig(methods=("lora_q",))
    with pytest.raises(TypeError, match="methods"):
        PEFTCompareConfig(methods="full")
    with pytest.raises(ValueError, match=r"epochs: 1 이상의 정수여야 합니다 \(받은 값 0\)"):
        PEFTCompareConfig(epochs=0)
    with pytest.raises(ValueError, match=r"lr_grid\['prompt'\]"):
        PEFTCompareConfig(lr_grid={"full": (1e-3,)}, methods=("prompt",))
    with pytest.raises(ValueError, match="dev_size"):
        split_reviews(PEFTCompareConfig(dev_size=480))
    with pytest.raises(ValueError, match="알 수 없는 키"):
        PEFTCompareConfig.from_dict({"epoch": 3})
    with pytest.raises(ValueError, match="method는"):
        build_method("adapter", base)
    with pytest.raises(ValueError, match="block_size는 2 이상의 정수여야 합니다: 1"):
        pack_examples(["좋아요"], tok, 1)
    with pytest.raises(ValueError, match="texts"):
        pack_examples([], tok, 8)
    with pytest.raises(ValueError, match="texts"):
        review_batch("좋아요", tok)
    with pytest.raises(ValueError, match="adapter_layers가 층 수"):
        build_method("llama_adapter", base, PEFTCompareConfig(adapter_layers=5))
    with pytest.raises(ValueError, match="n_virtual"):
        VirtualTokenTrim(base, -1)
    with pytest.raises(ValueError, match="base_model"):
        load_base("no-such-model")
