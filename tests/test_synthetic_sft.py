"""합성 데이터 SFT 레시피: 저장된 결과가 지금의 데이터·거르기와 맞는지, 채점 규칙, 작은 모델로 끝까지 도는지."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter

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
    with pytest.raises(ValueError, match="steps"):
        ss.SyntheticSFTConfig(steps=0)
    with pytest.raises(ValueError, match="seeds"):
        ss.SyntheticSFTConfig(seeds=())
    with pytest.raises(ValueError, match="conditions"):
        ss.SyntheticSFTConfig(conditions=("base", "gold"))
    with pytest.raises(ValueError, match="n_examples"):
        ss.schedule(0, 3, 4, seed=0)


def test_schedule_gives_equal_steps_and_balanced_passes():
    for n in (5, 16, 37):
        order = ss.schedule(n, steps=10, batch_size=8, seed=0)
        assert len(order) == 80  # 데이터 크기와 상관없이 스텝 × 배치
        counts = Counter(order)
        assert set(counts) <= set(range(n)) and max(counts.values()) - min(counts.values()) <= 1
        assert len(counts) == min(n, 80)
    assert ss.schedule(37, 10, 8, seed=0) != ss.schedule(37, 10, 8, seed=1)


@pytest.mark.skipif(
    not RESULTS.exists(), reason="data/synthetic_sft/results.json 이 아직 없다 (레시피로 만든다)"
)
def test_results_match_current_data():
    res = json.loads(RESULTS.read_text(encoding="utf-8"))
    assert hashlib.sha256(RESULTS.read_bytes()).hexdigest() in (RESULTS.parent / "README.md").read_text(
        encoding="utf-8"
    )
    c = res["config"]
    keys = ("n_synthetic", "noise", "gen_seed", "near_threshold", "n_test", "test_seed", "n_dev", "dev_seed")
    cfg = ss.SyntheticSFTConfig(**{k: c[k] for k in keys})
    data = ss.datasets(cfg)
    assert res["removed"] == {k: len(v) for k, v in data["removed"].items()}
    assert res["n_train"] == {k: len(v) for k, v in data["train"].items()}
    assert res["test_qa"] == [{"input": e.input, "answer": e.answer} for e in data["test_qa"]]
    assert not {e.subject for e in data["dev_qa"]} & {
        e.subject for e in data["test_qa"]
    }  # 개발·시험 개체가 다르다
    assert all(r["steps"] == c["steps"] for r in res["runs"])  # 모든 조건이 같은 스텝 수 (같은 연산량)
    model = models_dir() / "tiny-ko-llama" / "model.safetensors"
    if model.exists():  # 기록한 출발 모델이 지금 저장소의 spine 모델이다
        assert res["model_sha256"] == hashlib.sha256(model.read_bytes()).hexdigest()
    for run in res["runs"]:  # 기록한 EM 과 응답 분류는 기록한 응답에서 다시 계산한 것과 같다
        kinds = [ss.judge(e, r) for e, r in zip(data["test_qa"], run["responses"])]
        assert run["em"] == pytest.approx(kinds.count("correct") / len(kinds), abs=1e-5)
        assert run["judged"] == {
            k: kinds.count(k) for k in ("correct", "other_span", "not_in_text", "format")
        }
    # 노트북 18 의 8.2 가 말하는 것: 글 읽기를 배우는 것은 합성 데이터를 더한 조건뿐이고, 거르면 생성기의 퇴화·빈 응답을
    # 따라 하지 않으며 (형식 어긋남 0), 정확 일치도 거르지 않은 것보다 낮지 않다. (차이가 작다는 것은 본문과 데이터시트가 말한다)
    runs = {r["condition"]: r for r in res["runs"]}
    assert runs["base"]["em"] == 0.0 and runs["base"]["judged"]["format"] == res["n_test_qa"]
    assert runs["filtered"]["judged"]["format"] == 0 < runs["raw"]["judged"]["format"]
    assert runs["filtered"]["em"] >= runs["raw"]["em"] > runs["base"]["em"]
    assert max(r["nll_qa"] for r in res["runs"] if r["condition"] != "base") < runs["base"]["nll_qa"] - 2


def _tiny_llama(path):
    """``path``에 토크나이저(tiny-ko-gpt의 것)와 아주 작은 무작위 Llama를 둔다 (레시피를 끝까지 돌려 보는 테스트용)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    src = models_dir() / "tiny-ko-gpt"
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(src / name, path / name)
    torch.manual_seed(0)
    cfg = LlamaConfig(
        vocab_size=4096, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=512,
    )  # fmt: skip
    LlamaForCausalLM(cfg).save_pretrained(path)


def test_tiny_run_end_to_end(tmp_path):
    _tiny_llama(tmp_path)
    run_cfg = ss.SyntheticSFTConfig(
        model=str(tmp_path), n_synthetic=12, n_test=3, n_dev=2, steps=2, batch_size=8, max_new_tokens=4
    )
    res = ss.run(run_cfg, progress=False)
    assert [r["condition"] for r in res["runs"]] == list(ss.CONDITIONS)
    assert res["n_train"]["raw"] == res["n_train"]["base"] + 12
    assert res["n_train"]["filtered"] == res["n_train"]["raw"] - sum(res["removed"].values())
    assert res["n_train"]["clean"] == res["n_train"]["base"] + res["synthetic_defects"].get("ok", 0)
    assert all(r["steps"] == 2 for r in res["runs"])  # 모든 조건이 같은 스텝 수
    for r in res["runs"] + [res["before_sft"]]:
        assert 0.0 <= r["em"] <= 1.0 and sum(r["judged"].values()) == 3 and r["nll_qa"] > 0
        assert sum(r["dev"]["judged"].values()) == 2


EXTRA = {"counterfactual.json": "counterfactual.md", "steps288.json": "steps288.md"}


@pytest.mark.skipif(
    not all((RESULTS.parent / n).exists() for n in [RESULTS.name, *EXTRA]),
    reason="data/synthetic_sft 의 결과 파일이 아직 없다 (레시피로 만든다)",
)
@pytest.mark.parametrize("name", sorted(EXTRA))
def test_remedy_runs_match_current_data(name):
    """처방 실행(반사실 글, 세 배 스텝): 같은 시험 문제, 기록한 설정의 데이터, 응답에서 다시 센 채점."""
    path = RESULTS.parent / name
    res = json.loads(path.read_text(encoding="utf-8"))
    sheet = (RESULTS.parent / EXTRA[name]).read_text(encoding="utf-8")
    assert hashlib.sha256(path.read_bytes()).hexdigest() in sheet
    main = json.loads(RESULTS.read_text(encoding="utf-8"))
    assert res["test_qa"] == main["test_qa"]  # 본 실험과 같은 시험
    c = res["config"]
    keys = ("n_synthetic", "noise", "gen_seed", "near_threshold", "counterfactual", "n_test", "test_seed")
    data = ss.datasets(ss.SyntheticSFTConfig(**{k: c[k] for k in keys}))
    assert res["n_train"] == {k: len(v) for k, v in data["train"].items()}
    (run,) = res["runs"]
    assert run["condition"] == "filtered" and run["steps"] == c["steps"]
    kinds = [ss.judge(e, r) for e, r in zip(data["test_qa"], run["responses"])]
    assert run["judged"] == {k: kinds.count(k) for k in ("correct", "other_span", "not_in_text", "format")}
    assert run["em"] < 0.1  # 노트북 18 의 8.2: 어느 처방도 읽기를 가르치지 못했다


def test_dev_only_run_never_evaluates_test(tmp_path, monkeypatch):
    """후보 고르기용 실행(``eval_test=False``): 시험 문제는 생성도 채점도 하지 않고, 개발 지표와 응답만 남긴다."""
    _tiny_llama(tmp_path)
    seen: list[int] = []
    real = ss.reading_scores
    monkeypatch.setattr(ss, "reading_scores", lambda m, t, qs, n: seen.append(len(qs)) or real(m, t, qs, n))
    run_cfg = ss.SyntheticSFTConfig(
        model=str(tmp_path), n_synthetic=12, n_test=3, n_dev=2, steps=2, batch_size=8, max_new_tokens=4,
        conditions=("filtered",), eval_test=False,
    )  # fmt: skip
    res = ss.run(run_cfg, progress=False, before_sft=False)
    assert seen == [2]  # 개발 문제 2개만 채점했다 (시험 3개는 보지 않음)
    (run,) = res["runs"]
    assert "em" not in run and "nll_qa" not in run and "responses" not in run
    assert set(run["dev"]) == {"em", "f1", "judged", "nll_qa", "responses"} and run["dev"]["nll_qa"] > 0
    assert len(res["dev_qa"]) == 2 == len(run["dev"]["responses"])
    with pytest.raises(ValueError, match="--dev-only"):
        ss.main(["--out", str(tmp_path / "x.json"), "--dev-only", "--model", str(tmp_path)])


VARIED_DEV = sorted(RESULTS.parent.glob("varied_dev_*.json"))
KINDS = ("correct", "other_span", "not_in_text", "format")


def _varied_data(c: dict) -> dict:
    keys = ("n_synthetic", "noise", "gen_seed", "near_threshold", "counterfactual", "n_test", "test_seed")
    return ss.datasets(ss.SyntheticSFTConfig(**{k: c[k] for k in keys + ("n_dev", "dev_seed")}))


@pytest.mark.skipif(
    not VARIED_DEV, reason="data/synthetic_sft/varied_dev_*.json 이 아직 없다 (레시피로 만든다)"
)
@pytest.mark.parametrize("path", VARIED_DEV, ids=lambda p: p.name)
def test_varied_dev_candidates(path):
    """다양한 합성 데이터 후보 (개발 분할만 평가): 시험 지표가 없고, 개발 채점은 저장한 응답에서 다시 센 것과 같다."""
    res = json.loads(path.read_text(encoding="utf-8"))
    sheet = path.with_suffix(".md").read_text(encoding="utf-8")
    assert hashlib.sha256(path.read_bytes()).hexdigest() in sheet and "--dev-only" in res["command"]
    c = res["config"]
    assert c["eval_test"] is False and res["before_sft"] is None and c["steps"] == 288
    data = _varied_data(c)
    assert res["n_train"] == {k: len(v) for k, v in data["train"].items()}
    assert res["dev_qa"] == [{"input": e.input, "answer": e.answer} for e in data["dev_qa"]]
    (run,) = res["runs"]
    assert run["condition"] == "filtered" and run["steps"] == 288
    assert not {"em", "f1", "judged", "responses", "nll_qa"} & set(run)  # 시험 분할은 보지 않았다
    kinds = [ss.judge(e, r) for e, r in zip(data["dev_qa"], run["dev"]["responses"])]
    assert run["dev"]["judged"] == {k: kinds.count(k) for k in KINDS}
    assert run["dev"]["em"] == pytest.approx(kinds.count("correct") / len(kinds), abs=1e-5)


VARIED = RESULTS.parent / "varied.json"


@pytest.mark.skipif(
    not (VARIED.exists() and VARIED_DEV and RESULTS.exists()),
    reason="data/synthetic_sft/varied.json 또는 후보 결과가 아직 없다 (레시피로 만든다)",
)
def test_varied_chosen_on_dev_then_tested_once():
    """고른 설정: 미리 정한 규칙(개발 EM 최대, 같으면 개발 NLL 최소)으로 후보에서 고른 것이고, 시험 채점은 응답에서 다시 센 것과 같다."""
    res = json.loads(VARIED.read_text(encoding="utf-8"))
    assert hashlib.sha256(VARIED.read_bytes()).hexdigest() in (RESULTS.parent / "varied.md").read_text(
        encoding="utf-8"
    )
    cands = [json.loads(p.read_text(encoding="utf-8")) for p in VARIED_DEV]
    best = min(cands, key=lambda r: (-r["runs"][0]["dev"]["em"], r["runs"][0]["dev"]["nll_qa"]))
    c = res["config"]
    for k in ("n_synthetic", "counterfactual", "steps", "batch_size", "lr", "seeds", "noise", "gen_seed"):
        assert c[k] == best["config"][k], k
    assert c["eval_test"] is True and "--dev-only" not in res["command"]
    main = json.loads(RESULTS.read_text(encoding="utf-8"))
    assert res["test_qa"] == main["test_qa"]  # 본 실험과 같은 시험
    data = _varied_data(c)
    assert res["n_train"] == {k: len(v) for k, v in data["train"].items()}
    (run,) = res["runs"]
    assert run["condition"] == "filtered" and run["passes"] < 1  # 예마다 한 번 안팎
    kinds = [ss.judge(e, r) for e, r in zip(data["test_qa"], run["responses"])]
    assert run["judged"] == {k: kinds.count(k) for k in KINDS}
    assert run["em"] == pytest.approx(kinds.count("correct") / len(kinds), abs=1e-5)
    # 같은 설정·시드로 다시 학습한 모델이 후보 실행과 같은 개발 점수를 냈다 (CPU 스레드 1의 결정적 학습)
    assert run["dev"] == {k: v for k, v in best["runs"][0]["dev"].items() if k not in ("nll_qa", "responses")}
    # 노트북 18 의 8.2 가 말하는 것: 다양한 데이터로 시험 EM 이 (c) 96 스텝의 다섯 배를 넘는다
    old = {r["condition"]: r for r in main["runs"]}["filtered"]
    assert run["em"] >= 0.25 and run["em"] > 5 * old["em"]
