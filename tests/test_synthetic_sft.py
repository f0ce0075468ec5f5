"""합성 데이터 SFT 레시피: 저장된 결과가 지금의 데이터·거르기와 맞는지, 채점 규칙, 작은 모델로 끝까지 도는지."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
import torch

from llmnotes.paths import data_dir, models_dir
from llmnotes.recipes import synthetic_sft as ss
from llmnotes.synthetic import QAExample

RESULTS = data_dir() / "synthetic_sft" / "results.json"


def _ex(answer: str = "1967년") -> QAExample:
    text = "남소윤은 1967년에 태어났다. 남소윤은 기업인이다. 남소윤의 고향은 해솔시다.\n\n질문: 남소윤은 몇 년에 태어났나요?"
    return QAExample(
        "다음 글을 읽고 물음에 답하세요.", text, answer + "입니다.", answer, "birth_year", "남소윤"
    )


def test_judge_and_char_f1():
    ex = _ex()
    assert ss.judge(ex, "1967년입니다.") == "correct"
    assert ss.judge(ex, "기업인입니다.") == "other_span"
    assert ss.judge(ex, "1970년입니다.") == "not_in_text"
    assert ss.judge(ex, "1967년") == "format" and ss.judge(ex, "") == "format"
    assert ss.char_f1("1967년", "1967년") == 1.0
    assert ss.char_f1("1970년", "1967년") == pytest.approx(2 * 4 / 10)  # 겹치는 글자 1, 9, 7, 년
    assert ss.char_f1("", "") == 1.0


def test_bad_config():
    with pytest.raises(ValueError, match="n_synthetic"):
        ss.SyntheticSFTConfig(n_synthetic=0)
    with pytest.raises(ValueError, match="seeds"):
        ss.SyntheticSFTConfig(seeds=())


@pytest.mark.skipif(
    not RESULTS.exists(), reason="data/synthetic_sft/results.json 이 아직 없다 (레시피로 만든다)"
)
def test_results_match_current_data():
    res = json.loads(RESULTS.read_text(encoding="utf-8"))
    assert hashlib.sha256(RESULTS.read_bytes()).hexdigest() in (RESULTS.parent / "README.md").read_text(
        encoding="utf-8"
    )
    c = res["config"]
    cfg = ss.SyntheticSFTConfig(n_synthetic=c["n_synthetic"], noise=c["noise"], n_test=c["n_test"])
    data = ss.datasets(cfg)
    assert res["removed"] == {k: len(v) for k, v in data["removed"].items()}
    assert res["n_train"] == {k: len(v) for k, v in data["train"].items()}
    assert res["test_qa"] == [{"input": e.input, "answer": e.answer} for e in data["test_qa"]]
    model = models_dir() / "tiny-ko-llama" / "model.safetensors"
    if model.exists():  # 기록한 출발 모델이 지금 저장소의 spine 모델이다
        assert res["model_sha256"] == hashlib.sha256(model.read_bytes()).hexdigest()
    for run in res["runs"]:  # 기록한 EM 과 응답 분류는 기록한 응답에서 다시 계산한 것과 같다
        kinds = [ss.judge(e, r) for e, r in zip(data["test_qa"], run["responses"])]
        assert run["em"] == pytest.approx(kinds.count("correct") / len(kinds), abs=1e-5)
        assert run["judged"] == {
            k: kinds.count(k) for k in ("correct", "other_span", "not_in_text", "format")
        }


def test_tiny_run_end_to_end(tmp_path):
    from transformers import LlamaConfig, LlamaForCausalLM

    src = models_dir() / "tiny-ko-gpt"
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(src / name, tmp_path / name)
    torch.manual_seed(0)
    cfg = LlamaConfig(
        vocab_size=4096, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=512,
    )  # fmt: skip
    LlamaForCausalLM(cfg).save_pretrained(tmp_path)
    run_cfg = ss.SyntheticSFTConfig(
        model=str(tmp_path), n_synthetic=12, n_test=3, epochs=1, batch_size=8, max_new_tokens=4
    )
    res = ss.run(run_cfg, progress=False)
    assert [r["condition"] for r in res["runs"]] == list(ss.CONDITIONS)
    assert res["n_train"]["raw"] == res["n_train"]["base"] + 12
    assert res["n_train"]["filtered"] == res["n_train"]["raw"] - sum(res["removed"].values())
    for r in res["runs"] + [res["before_sft"]]:
        assert 0.0 <= r["em"] <= 1.0 and sum(r["judged"].values()) == 3 and r["nll_qa"] > 0
