"""더러운 vs 정제 말뭉치 레시피: 저장된 결과가 지금의 코드·데이터와 맞는지, 작은 학습이 도는지."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

import pytest
import torch

from llmnotes.paths import data_dir
from llmnotes.recipes import data_effect
from llmnotes.scaling import CharVocab

RESULTS = data_dir() / "data_effect" / "results.json"


@pytest.fixture(scope="module")
def results():
    return json.loads(RESULTS.read_text(encoding="utf-8"))


def test_datasheet_records_file_hash(results):
    digest = hashlib.sha256(RESULTS.read_bytes()).hexdigest()
    sheet = (RESULTS.parent / "README.md").read_text(encoding="utf-8")
    assert digest in sheet
    assert results["data_sha256"] in sheet


def test_results_match_current_data_and_pipeline(results):
    cfg = data_effect.EffectConfig()
    assert results["config"]["steps"] == cfg.steps and tuple(results["config"]["seeds"]) == cfg.seeds
    data = data_effect.prepare(cfg)
    assert results["removed"] == data["removed"]  # 같은 파이프라인, 같은 말뭉치
    assert results["docs"] == {"dirty": len(data["dirty"]), "clean": len(data["clean"])}
    assert results["data_sha256"] == hashlib.sha256("\x00".join(data["dirty"]).encode()).hexdigest()
    assert data["clean_has_once"]  # 대조군 문단은 정제 말뭉치에도 남아 있다
    # 실행마다 두 말뭉치가 같은 연산량 (같은 스텝·배치·문맥)
    assert {(r["corpus"], r["seed"]) for r in results["runs"]} == {
        (c, s) for c in ("dirty", "clean") for s in cfg.seeds
    }
    assert results["config"]["pipeline"] == asdict(cfg.pipeline)  # 지금의 기본 파이프라인 설정 (32, 4)
    for r in results["runs"]:  # 저장한 그대로 이어 쓰기 곡선 = 저장한 m 값에서 다시 센 값
        for g in ("hot", "once"):
            m = r[f"match_{g}"]
            assert r[f"verbatim_{g}"] == pytest.approx(
                [sum(x >= k for x in m) / len(m) for k in results["verbatim_lengths"]], abs=1e-5
            )


def test_tiny_training_reduces_loss():
    cfg = data_effect.EffectConfig(
        seeds=(0,), steps=30, batch_size=8, block_size=16, n_layer=1, n_embd=16, eval_every=30
    )
    text = "대한민국은 민주공화국이다. 모든 권력은 국민으로부터 나온다. " * 40
    vocab = CharVocab(sorted(set(text) | set(data_effect.SEP)))
    ids = torch.tensor(vocab.encode(text))
    model, curve = data_effect.train_char_gpt(ids, ids[:400], len(vocab), cfg, seed=0)
    assert curve[0][0] == 0 and curve[-1][0] == 30
    assert curve[-1][1] < curve[0][1] - 0.5
    mem = data_effect.memorisation(model, vocab, [text[:200]], cfg)
    span = cfg.prompt_chars + cfg.continue_chars
    assert len(mem["match"]) == len(range(0, 200 - span + 1, cfg.mem_stride))
    assert all(0 <= m <= cfg.continue_chars for m in mem["match"]) and mem["nll"] > 0
    # P(m ≥ k) 는 k 가 커질수록 늘지 않는다
    assert all(a >= b for a, b in zip(mem["verbatim"], mem["verbatim"][1:]))
    assert mem["verbatim"] == [
        sum(m >= k for m in mem["match"]) / len(mem["match"]) for k in data_effect.VERBATIM_LENGTHS
    ]


def test_bad_config():
    with pytest.raises(ValueError, match="steps"):
        data_effect.EffectConfig(steps=0)
    with pytest.raises(ValueError, match="seeds"):
        data_effect.EffectConfig(seeds=())
    with pytest.raises(ValueError, match="mem_stride"):
        data_effect.EffectConfig(mem_stride=0)
