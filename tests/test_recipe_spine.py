"""llmnotes.recipes.spine: 아주 작은 설정(tiny)으로 끝까지 실행 → 파일, transformers 로 다시 읽기, fp16 크기, recipe.json,
그리고 2개 프로세스 DDP(gloo) 결과가 한 프로세스 결과와 같은지."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import llmnotes
from llmnotes.recipes.spine import PRESETS, SpineConfig, main

TINY_ARGS = ["--preset", "tiny", "--quiet"]
# DDP 와 한 프로세스의 차이는 기울기 평균(all-reduce)의 덧셈 순서뿐: float32 에서 손실은 1e-5 안에서 같아야 한다.
LOSS_ATOL = 1e-5
# 저장 파일은 fp16: 거의 같은 float32 값도 반올림 경계를 사이에 두면 fp16 한 칸(|w| < 0.5 에서 ≤ 2.5e-4)만큼 다를 수 있다.
FP16_ATOL = 1e-3


@pytest.fixture(scope="module")
def single(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("spine") / "single"
    main(["--out", str(out), *TINY_ARGS])
    return out


def test_outputs_exist_and_reload_with_transformers(single):
    from safetensors import safe_open
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from llmnotes.llama_hf import load_pretrained

    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "recipe.json",
        "README.md",
    ):
        assert (single / name).is_file(), name
    recipe = json.loads((single / "recipe.json").read_text(encoding="utf-8"))
    # fp16 로 저장: 모든 텐서가 float16, 파일 크기 ≈ 2 바이트 × 파라미터 수 (+ 머리말)
    with safe_open(str(single / "model.safetensors"), framework="pt") as f:
        dtypes = {f.get_tensor(k).dtype for k in f.keys()}
    assert dtypes == {torch.float16}
    size = (single / "model.safetensors").stat().st_size
    assert 2 * recipe["n_parameters"] <= size <= 2 * recipe["n_parameters"] + 20_000
    assert size <= 30 * 2**20
    # transformers 로 다시 읽은 모델·토크나이저가 우리 것과 같은 값을 낸다
    hf_tok = AutoTokenizer.from_pretrained(str(single))
    hf = AutoModelForCausalLM.from_pretrained(str(single), local_files_only=True, dtype=torch.float32).eval()
    ours = load_pretrained(single)
    text = "대한민국은 민주공화국이다."
    ids = torch.tensor([hf_tok(text)["input_ids"]])
    assert hf_tok.decode(ids[0]) == text
    assert ids.size(1) > 1 and hf.config.eos_token_id == hf_tok.eos_token_id
    torch.testing.assert_close(hf(ids).logits, ours(ids)[0], atol=1e-5, rtol=0)
    # 저장된 fp16 가중치로 잰 검증 손실이 기록과 같고, float32 학습 결과와도 가깝다
    from llmnotes.pretrain import evaluate  # noqa: F401  (기록의 숫자를 만든 함수)

    res = recipe["results"]
    assert abs(res["val_loss_fp16"] - res["val_loss"]) < 0.01


def test_recipe_json_records_what_the_datasheet_needs(single):
    recipe = json.loads((single / "recipe.json").read_text(encoding="utf-8"))
    assert recipe["recipe"] == "llmnotes.recipes.spine" and recipe["preset"] == "tiny"
    cfg = SpineConfig(**recipe["config"])
    assert cfg == PRESETS["tiny"] and recipe["seed"] == cfg.seed
    data, res = recipe["data"], recipe["results"]
    assert len(data["train_sha256"]) == 64 and len(data["validation_sha256"]) == 64
    assert data["train_sha256"] != data["validation_sha256"] and data["n_val_docs"] >= 1
    assert [s for s, _ in res["train_loss_curve"]] == list(range(1, cfg.max_steps + 1))
    assert [s for s, _ in res["val_loss_curve"]] == list(
        range(cfg.eval_interval, cfg.max_steps + 1, cfg.eval_interval)
    )
    assert res["tokens_seen"] == cfg.max_steps * cfg.batch_size * cfg.seq_len
    assert res["train_tokens_per_second"] > 0 and res["wall_seconds"] > 0
    # 처음 손실은 균등 분포 근처(ln V), 학습하면서 내려간다
    first, last = res["train_loss_curve"][0][1], res["train_loss_curve"][-1][1]
    assert (
        abs(first - torch.tensor(float(recipe["model_config"]["vocab_size"])).log().item()) < 0.5
        and last < first
    )
    assert 0 < res["val_bits_per_char"] and len(res["samples"]) >= 3
    # 파일 해시가 실제 파일과 맞는다
    import hashlib

    for name, digest in recipe["files"].items():
        assert hashlib.sha256((single / name).read_bytes()).hexdigest() == digest, name
    readme = (single / "README.md").read_text(encoding="utf-8")
    assert data["train_sha256"][:16] in readme and f"{res['val_bits_per_char']:.4f}" in readme


def test_two_gloo_processes_equal_one_process(single, tmp_path):
    """torchrun 으로 CPU 프로세스 2개(gloo)를 띄워 같은 전역 배치로 학습 → 손실 곡선과 가중치가 한 프로세스와 같다."""
    from safetensors.torch import load_file

    out = tmp_path / "ddp"
    src = str(Path(llmnotes.__file__).resolve().parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "OMP_NUM_THREADS": "1",
    }
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    cmd += ["-m", "llmnotes.recipes.spine", "--out", str(out), *TINY_ARGS]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    one = json.loads((single / "recipe.json").read_text(encoding="utf-8"))
    two = json.loads((out / "recipe.json").read_text(encoding="utf-8"))
    assert two["environment"]["processes"] == 2 and one["environment"]["processes"] == 1
    assert two["data"] == one["data"]  # 모든 프로세스가 같은 데이터·토크나이저를 만든다
    assert (out / "tokenizer.json").read_bytes() == (single / "tokenizer.json").read_bytes()
    for key in ("train_loss_curve", "val_loss_curve"):
        a, b = torch.tensor(one["results"][key]), torch.tensor(two["results"][key])
        torch.testing.assert_close(b, a, atol=LOSS_ATOL, rtol=0, msg=key)
    assert abs(two["results"]["val_loss"] - one["results"]["val_loss"]) <= LOSS_ATOL
    w1, w2 = load_file(str(single / "model.safetensors")), load_file(str(out / "model.safetensors"))
    assert w1.keys() == w2.keys()
    for k in w1:
        torch.testing.assert_close(w2[k].float(), w1[k].float(), atol=FP16_ATOL, rtol=0, msg=k)
    # 학습이 실제로 가중치를 바꿨다 (같은 초기값 그대로 비교한 것이 아니다)
    torch.manual_seed(one["seed"])
    from llmnotes.llama import Llama, LlamaConfig

    init = Llama(LlamaConfig(**one["model_config"])).state_dict()
    moved = (w1["model.embed_tokens.weight"].float() - init["embed_tokens.weight"]).abs().max()
    assert moved > 10 * FP16_ATOL


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        (dict(n_embd=33), r"n_embd\(33\)"),
        (dict(n_kv_head=3), r"n_kv_head\(3\)"),
        (dict(vocab_size=100), "vocab_size.*100"),
        (dict(max_steps=0), "max_steps.*0"),
        (dict(val_fraction=1.0), "val_fraction"),
        (dict(min_lr=1.0), "min_lr"),
        (dict(batch_size=2.5), "batch_size.*2.5"),
    ],
)
def test_bad_config_names_the_argument(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        SpineConfig(**{**PRESETS["tiny"].__dict__, **kwargs})


def test_presets_fit_the_shipping_limits():
    from llmnotes.llama import Llama

    for name in ("quick", "full"):
        cfg = PRESETS[name]
        with torch.device("meta"):
            n = Llama(cfg.model_config(cfg.vocab_size)).num_parameters()
        assert 2 * n <= 30 * 2**20, name  # fp16 ≤ 30 MB
    assert PRESETS["full"].threads == 2 and llmnotes.device().type in ("cpu", "cuda")


SHIPPED = Path(llmnotes.__file__).resolve().parents[2] / "data" / "models" / "tiny-ko-llama"


def test_shipped_spine_model_matches_its_record():
    """배포된 tiny-ko-llama: 파일 해시가 recipe.json 과 같고, 30 MB 이하, full 프리셋 설정 그대로, 기록된 결과가 앞뒤가 맞다."""
    import hashlib

    recipe = json.loads((SHIPPED / "recipe.json").read_text(encoding="utf-8"))
    for name, digest in recipe["files"].items():
        assert hashlib.sha256((SHIPPED / name).read_bytes()).hexdigest() == digest, name
    total = sum(p.stat().st_size for p in SHIPPED.iterdir() if p.is_file())
    assert total <= 30 * 2**20, total
    assert recipe["preset"] == "full"
    assert recipe["config"] == {**PRESETS["full"].__dict__}
    assert (
        recipe["command"] == "python -m llmnotes.recipes.spine --out data/models/tiny-ko-llama --preset full"
    )
    r = recipe["results"]
    assert (
        r["tokens_seen"]
        == recipe["config"]["max_steps"] * recipe["config"]["batch_size"] * recipe["config"]["seq_len"]
    )
    # fp16 로 저장해도 검증 손실이 거의 그대로다 (기록된 두 값)
    assert abs(r["val_loss_fp16"] - r["val_loss"]) < 5e-3
    assert r["val_loss_curve"][-1][0] == recipe["config"]["max_steps"]


def test_shipped_spine_model_loads_and_scores_its_validation_start():
    """배포된 모델을 우리 코드와 transformers 로 읽어 같은 로짓을 내고, 세계 문장을 무작위보다 훨씬 잘 예측한다."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from llmnotes.llama_hf import load_pretrained

    tok = AutoTokenizer.from_pretrained(str(SHIPPED))
    ours = load_pretrained(SHIPPED)
    hf = AutoModelForCausalLM.from_pretrained(str(SHIPPED), local_files_only=True, dtype=torch.float32).eval()
    ids = torch.tensor([tok("새 조사에서 가람담시의 인구는 5만 7천 명이었다.")["input_ids"]])
    with torch.no_grad():
        a, loss = ours(ids[:, :-1], ids[:, 1:])
        b = hf(ids[:, :-1]).logits
    torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)
    # 균등 분포의 손실은 ln(6144) ≈ 8.7: 배운 모델은 훨씬 낮다
    assert float(loss) < 4.0
