"""GRPO 진단 스크립트(llmnotes.recipes.reasoner_diagnostics): 모듈마다 불러지고, 인자 파서가 잘못된 입력을
인자 이름과 값을 밝히며 거절한다. 모델을 읽거나 학습하는 실행은 하지 않는다 (무겁다)."""

from __future__ import annotations

import importlib

import pytest

from llmnotes.recipes import reasoner_diagnostics as rd

MODULES = [
    "fresh_accuracy",
    "grpo_dev_setting",
    "grpo_error_kinds",
    "grpo_fixed_problems",
    "grpo_gradient_cosine",
    "grpo_one_step",
]


def _parser(name: str):
    mod = importlib.import_module(f"llmnotes.recipes.reasoner_diagnostics.{name}")
    assert callable(mod.main)
    return mod.build_parser()


def _rejects(name: str, argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        _parser(name).parse_args(argv)
    assert exc.value.code == 2  # argparse 의 사용법 오류
    return capsys.readouterr().err


@pytest.mark.parametrize("name", MODULES)
def test_module_imports_and_documents_how_to_run(name):
    mod = importlib.import_module(f"llmnotes.recipes.reasoner_diagnostics.{name}")
    assert f"python -m llmnotes.recipes.reasoner_diagnostics.{name}" in mod.__doc__
    assert mod.build_parser().prog  # 파서를 만들 수 있다


@pytest.mark.parametrize("name", ["grpo_one_step", "grpo_fixed_problems"])
@pytest.mark.parametrize("lr", ["abc", "0", "-0.5", "nan"])
def test_learning_rate_must_be_positive(name, lr, capsys):
    extra = ["adam", "answer"] if name == "grpo_fixed_problems" else []
    err = _rejects(name, [lr, *extra], capsys)
    assert "lr" in err and repr(lr) in err


def test_fixed_problems_rejects_unknown_optimizer_and_reward(capsys):
    err = _rejects("grpo_fixed_problems", ["1e-4", "rmsprop", "answer"], capsys)
    assert "optimizer" in err and "rmsprop" in err
    err = _rejects("grpo_fixed_problems", ["1e-4", "adam", "accuracy"], capsys)
    assert "reward" in err and "accuracy" in err


@pytest.mark.parametrize("name", ["grpo_dev_setting", "grpo_error_kinds"])
@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{lr: 1}", ["JSON"]),
        ("[1, 2]", ["JSON 객체"]),
        ('{"learning_rate": 1e-4}', ["learning_rate"]),
        ('{"lr": -1}', ["lr"]),
        ('{"reward": "accuracy"}', ["reward", "accuracy"]),
    ],
)
def test_grpo_overrides_rejected_with_name_and_value(name, text, words, capsys):
    err = _rejects(name, [text], capsys)
    assert "overrides" in err and repr(text) in err
    for w in words:
        assert w in err


def test_grpo_overrides_accepts_valid_fields():
    assert rd.grpo_overrides('{"reward": "verified", "lr": 1e-4}') == {"reward": "verified", "lr": 1e-4}


@pytest.mark.parametrize("name", ["grpo_one_step", "grpo_gradient_cosine"])
def test_checkpoint_must_hold_config(name, tmp_path, capsys):
    extra = ["0.05"] if name == "grpo_one_step" else []
    err = _rejects(name, [*extra, "--checkpoint", str(tmp_path)], capsys)
    assert "--checkpoint" in err and "config.json" in err and repr(str(tmp_path)) in err


def test_fresh_accuracy_needs_a_checkpoint(tmp_path, capsys):
    err = _rejects("fresh_accuracy", [], capsys)
    assert "checkpoint" in err
    err = _rejects("fresh_accuracy", [str(tmp_path / "missing")], capsys)
    assert "checkpoint" in err and "missing" in err


def test_shipped_start_checkpoint_is_accepted():
    # 기본 체크포인트(저장소 뿌리 기준 상대 경로)가 실제로 있어야 진단 명령이 데이터시트대로 돈다
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    assert rd.checkpoint_dir(str(root / rd.COT_SHORT)) == root / rd.COT_SHORT
