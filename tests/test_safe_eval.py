"""안전한 계산기: 허용된 산술은 파이썬과 같은 값, 적대적 입력은 실행되지 않고 ValueError."""

from __future__ import annotations

import random

import pytest

from llmnotes.safe_eval import SafeEvalLimits, safe_eval


@pytest.mark.parametrize(
    "expr",
    [
        "23+15-8",
        "(7-2)*3",
        "-4//3",
        "7%3",
        "-7%3",
        "10/4",
        "-(3+4)*2",
        "+5",
        "1.5*4",
        "2*(3+(4-1))//5",
        " 8 - 3 ",
    ],
)
def test_matches_python_arithmetic(expr):
    # 허용된 식만 골랐으므로 파이썬 자신의 계산과 비교할 수 있다 (테스트 안에서만 eval 을 쓴다).
    assert safe_eval(expr) == eval(expr)  # noqa: S307


def test_random_expressions_match_python():
    rng = random.Random(0)
    for _ in range(300):
        expr = str(rng.randint(0, 99))
        for _ in range(rng.randint(1, 5)):
            expr += rng.choice("+-*") + str(rng.randint(0, 99))
        assert safe_eval(expr) == eval(expr)  # noqa: S307


ESCAPES = [
    "__import__('os').system('echo pwned')",
    "__import__('os')",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "open('/etc/passwd').read()",
    "x",
    "abs(-3)",
    "(lambda: 1)()",
    "lambda: 1",
    "[i for i in range(10)]",
    "{1: 2}",
    "[1, 2][0]",
    "f'{1+1}'",
    "'a' * 3",
    "b'x'",
    "9**9**9",
    "2**10",
    "1 if 1 else 2",
    "1 < 2",
    "True + 1",
    "None",
    "~5",
    "not 1",
    "1 and 2",
    "(x := 5)",
    "1j * 2",
    "...",
    "1; 2",
    "import os",
    "exec('1')",
    "globals()",
    "1 << 1000",
    "3 & 1",
]


@pytest.mark.parametrize("expr", ESCAPES)
def test_hostile_input_rejected_without_running(expr, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="expression"):
        safe_eval(expr)
    assert list(tmp_path.iterdir()) == []  # 아무것도 실행되지 않았다 (파일도 생기지 않는다)


def test_side_effect_never_happens(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError):
        safe_eval("open('made_by_attack.txt', 'w')")
    assert not (tmp_path / "made_by_attack.txt").exists()


def test_limits():
    with pytest.raises(ValueError, match="max_abs"):
        safe_eval("9" * 50)  # 거대한 상수
    with pytest.raises(ValueError, match="max_abs"):
        safe_eval("999999*999999*999999")  # 중간 결과가 커진다
    with pytest.raises(ValueError, match="max_chars"):
        safe_eval("1+" * 150 + "1")
    with pytest.raises(ValueError, match="max_nodes"):
        safe_eval("+".join(["1"] * 60))
    with pytest.raises(ValueError, match="max_depth|문법"):
        safe_eval("(" * 60 + "1" + ")" * 60 + "+" + "-" * 30 + "1")
    with pytest.raises(ValueError, match="max_depth"):
        safe_eval("-" * 40 + "1")
    with pytest.raises(ValueError, match="0으로 나눕니다"):
        safe_eval("5//0")
    with pytest.raises(ValueError, match="0으로 나눕니다"):
        safe_eval("5%(3-3)")
    with pytest.raises(ValueError, match="유한"):
        safe_eval("1e308*10", SafeEvalLimits(max_abs=float("inf")))
    assert safe_eval("10*10", SafeEvalLimits(max_abs=100)) == 100
    with pytest.raises(ValueError, match="max_abs"):
        safe_eval("10*11", SafeEvalLimits(max_abs=100))


@pytest.mark.parametrize("bad", ["", "   ", "1+", "(1", "1 2"])
def test_syntax_errors(bad):
    with pytest.raises(ValueError, match="expression"):
        safe_eval(bad)


def test_type_error():
    with pytest.raises(TypeError, match="expression"):
        safe_eval(12)
