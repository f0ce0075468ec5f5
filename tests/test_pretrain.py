"""llmnotes.pretrain 과 함께 배포하는 체크포인트 data/models/tiny-ko-gpt 검사.

- 배포된 체크포인트를 transformers 로 (오프라인) 불러오고, 기록된 파일 해시와 크기를 확인한다.
- 기록된 검증 문서를 다시 만들어 검증 손실과 문자당 비트를 다시 계산해 기록과 비교한다.
- 아주 작은 설정으로 스크립트 전체를 tmp_path 에서 돌려, 같은 시드면 같은 결과가 나오는지 본다.
"""

from __future__ import annotations

import hashlib
import json
import math

import pytest
import torch

from llmnotes import pretrain
from llmnotes.gpt import load_pretrained
from llmnotes.paths import models_dir

CKPT = models_dir() / "tiny-ko-gpt"
VAL_LOSS_TOL = 1e-3  # 같은 가중치·같은 토큰: 다른 CPU/스레드 수에서의 float32 합산 순서 차이만 허용


@pytest.fixture(scope="module")
def recipe():
    if not (CKPT / "recipe.json").is_file():
        pytest.fail(
            "data/models/tiny-ko-gpt/recipe.json 이 없습니다: `python -m llmnotes.pretrain --out ...` 로 만드세요"
        )
    return json.loads((CKPT / "recipe.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def hf_model():
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(str(CKPT), local_files_only=True).eval()


@pytest.fixture(scope="module")
def ours_model():
    return load_pretrained(CKPT)


@pytest.fixture(scope="module")
def hf_tokenizer():
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(tokenizer_file=str(CKPT / "tokenizer.json"))


def test_files_hashes_and_size(recipe):
    total = 0
    for name, digest in recipe["files"].items():
        data = (CKPT / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name
        total += len(data)
    assert set(recipe["files"]) == {"config.json", "model.safetensors", "tokenizer.json"}
    total_all = sum(p.stat().st_size for p in CKPT.iterdir() if p.is_file())
    assert total_all <= 10 * 1024 * 1024, f"체크포인트 폴더가 10 MB 를 넘습니다: {total_all} bytes"
    for key in ("config", "model_config", "data", "results", "environment", "command"):
        assert key in recipe
    assert recipe["command"].startswith("python -m llmnotes.pretrain --out ")
    assert recipe["results"]["steps"] >= recipe["results"]["best_step"] > 0


def test_loads_offline_with_transformers(hf_model, hf_tokenizer, ours_model, recipe):
    cfg = recipe["model_config"]
    assert hf_model.config.model_type == "gpt2"
    assert hf_model.config.n_layer == cfg["n_layer"] and hf_model.config.n_embd == cfg["n_embd"]
    assert len(hf_tokenizer) == hf_model.config.vocab_size == cfg["vocab_size"]
    text = "한국의 수도는 서울이다."
    ids = hf_tokenizer(text)["input_ids"]
    assert hf_tokenizer.decode(ids) == text  # 바이트 수준 BPE: 손실 없이 되돌아온다
    # 우리 GPT 로 읽은 것과 로짓이 같다
    x = torch.tensor([ids])
    torch.testing.assert_close(ours_model(x)[0], hf_model(x).logits, atol=1e-5, rtol=0)


def test_recorded_validation_loss_recomputes(hf_model, hf_tokenizer, recipe):
    val_docs = pretrain.validation_documents(recipe)  # 해시가 기록과 같은지도 확인한다
    assert len(val_docs) == recipe["data"]["n_val_docs"]
    eos_id = hf_tokenizer.convert_tokens_to_ids(pretrain.EOS)
    ids = pretrain.stream_ids(val_docs, lambda t: hf_tokenizer(t)["input_ids"], eos_id)
    assert ids.numel() == recipe["data"]["n_val_tokens"]
    loss, n = pretrain.evaluate(hf_model, ids, recipe["model_config"]["block_size"])
    res = recipe["results"]
    assert n == res["val_tokens_scored"]
    assert abs(loss - res["val_loss"]) < VAL_LOSS_TOL
    bpc = pretrain.bits_per_character(loss, n, pretrain.n_characters(val_docs))
    assert abs(bpc - res["val_bits_per_char"]) < VAL_LOSS_TOL * 2
    assert math.isclose(res["val_perplexity"], math.exp(res["val_loss"]), rel_tol=1e-4)


@pytest.mark.parametrize(
    ("prompt", "expected"), [("한국의 수도는", "서울"), ("강아지가", "멍멍"), ("의사는", "병원")]
)
def test_knows_facts_from_its_training_text(ours_model, hf_tokenizer, prompt, expected):
    model = ours_model
    ids = torch.tensor(hf_tokenizer(prompt)["input_ids"])
    out = model.generate(ids, max_new_tokens=4)  # 탐욕적 디코딩
    assert expected in hf_tokenizer.decode(out[ids.numel() :].tolist())


TINY_ARGS = [
    "--vocab-size", "300", "--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--block-size", "16",
    "--n-generated", "80", "--max-steps", "6", "--eval-interval", "3", "--batch-size", "2", "--quiet",
]  # fmt: skip


def test_script_end_to_end_is_reproducible(tmp_path):
    a = pretrain.main(["--out", str(tmp_path / "a"), *TINY_ARGS])
    b = pretrain.main(["--out", str(tmp_path / "b"), *TINY_ARGS])
    assert a["files"] == b["files"]  # 같은 시드 → 같은 토크나이저, 같은 가중치
    assert a["results"]["val_loss"] == b["results"]["val_loss"]
    assert a["config"]["vocab_size"] == 300 and a["results"]["steps"] == 6
    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "recipe.json",
    ):
        assert (tmp_path / "a" / name).is_file()
    recipe = json.loads((tmp_path / "a" / "recipe.json").read_text(encoding="utf-8"))
    assert recipe["data"]["validation_ids"] and recipe["data"]["n_val_docs"] == len(
        recipe["data"]["validation_ids"]
    )
    assert [h["step"] for h in recipe["results"]["history"]] == [3, 6]


def test_split_is_stratified_and_disjoint():
    docs = pretrain.build_documents(n_generated=400)
    train, val = pretrain.split_documents(docs, 0.1, seed=0)
    assert {d.id for d in train}.isdisjoint({d.id for d in val})
    assert len(train) + len(val) == len(docs)
    assert {d.source for d in val} == {"kolaw", "kobill", "generated"}
    assert pretrain.split_documents(docs, 0.1, seed=0) == (train, val)


def test_bad_inputs(recipe, ours_model):
    with pytest.raises(ValueError, match="val_fraction"):
        pretrain.PretrainConfig(val_fraction=1.5)
    with pytest.raises(ValueError, match="batch_size"):
        pretrain.PretrainConfig(batch_size=0)
    with pytest.raises(ValueError, match="n_chars"):
        pretrain.bits_per_character(1.0, 10, 0)
    with pytest.raises(ValueError, match="ids"):
        pretrain.evaluate(ours_model, torch.tensor([1]), 16)
    tampered = json.loads(json.dumps(recipe))
    tampered["data"]["validation_ids"] = tampered["data"]["validation_ids"][1:]
    with pytest.raises(ValueError, match="해시"):
        pretrain.validation_documents(tampered)
