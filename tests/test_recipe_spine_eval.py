"""llmnotes.recipes.spine_eval: tiny 프리셋 모델로 끝까지 → eval.json 의 구조와 값, 이전 모델의 기록된 BPC 재현, 잘못된 설정."""

from __future__ import annotations

import json

import pytest

from llmnotes.paths import data_dir
from llmnotes.recipes import spine, spine_eval


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    out = tmp_path_factory.mktemp("spine_eval") / "tiny"
    spine.main(["--out", str(out), "--preset", "tiny", "--quiet"])
    cfg = spine_eval.EvalConfig(n_prompts=6, max_new_tokens=12)
    res = spine_eval.run(out, data_dir() / "models" / "tiny-ko-gpt", cfg)
    return out, res


def test_eval_json_written_and_consistent(evaluated):
    out, res = evaluated
    assert json.loads((out / "eval.json").read_text(encoding="utf-8")) == res
    for mode in ("main", "t1", "greedy"):
        f = res["fluency"][mode]
        assert f["n"] == 6
        assert 0 <= f["passed"] <= 6
        assert f["pass_rate"] == round(f["passed"] / 6, 4)
        assert len(f["failures"]) == min(20, 6 - f["passed"])
        # 모든 평가 문장은 프롬프트(검증 문서의 첫 두 어절)로 시작한다
        assert all(len(s.split()) >= 2 for s in f["examples"])
    assert res["fluency_old_model"]["main"]["n"] == 6


def test_old_model_bpc_reproduces_its_recorded_value(evaluated):
    """이전 모델의 검증 BPC 를 다시 재면 recipe.json 에 기록된 값(0.851…)과 같아야 한다: 측정 코드가 옳다는 확인."""
    _, res = evaluated
    old = res["bits_per_character"]["old_validation"]
    assert old["tiny-ko-gpt"] == pytest.approx(old["tiny-ko-gpt_recorded"], abs=2e-3)
    for part in res["bits_per_character"].values():
        assert 0 < part["tiny-ko-llama"] < 20 and 0 < part["tiny-ko-gpt"] < 20


def test_prompts_need_enough_documents():
    from llmnotes.corpora import Document

    docs = [Document("a", "", "하나 둘 셋", "x"), Document("b", "", "짧다", "x")]
    assert spine_eval.prompts_from(docs, 1, 2) == ["하나 둘"]
    with pytest.raises(ValueError, match="n_prompts=2"):
        spine_eval.prompts_from(docs, 2, 2)


@pytest.mark.parametrize(
    ("field", "value"), [("n_prompts", 0), ("max_new_tokens", -1), ("temperature", 0.0), ("top_k", 1.5)]
)
def test_bad_config_names_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        spine_eval.EvalConfig(**{field: value})
