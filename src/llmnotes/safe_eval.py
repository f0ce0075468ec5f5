"""안전한 계산기(safe evaluator): 모델이 쓴 산술식을 **실행하지 않고** 구문 트리(AST)를 직접 계산한다.

프로그램 형태의 풀이(program-of-thought)에서 모델은 답 대신 식(프로그램)을 쓰고, 계산은 계산기가 맡는다.
모델 출력은 믿을 수 없는 입력이므로 ``eval`` 을 쓰면 안 된다 (``__import__('os').system(...)`` 한 줄이면 끝이다).
여기서는 허용 목록(allow-list) 방식을 쓴다.

허용: 정수·실수 상수(``bool`` 제외), 괄호, 이항 ``+ - * / // %``, 단항 ``-`` 와 ``+``.
그 밖의 모든 노드(이름, 속성, 호출, 첨자, 람다, 컴프리헨션, f-문자열, 거듭제곱 ``**``, 비교, 문자열 …)는
``ValueError``. 식의 길이, 노드 수, 깊이, 상수와 중간 결과의 크기에도 상한을 둔다 (``9**9**9`` 같은
계산 폭탄과 거대한 수를 막는다). ``ast.parse`` 는 식을 읽기만 하고 아무것도 실행하지 않는다.
"""

from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass

from .checks import check_int, check_number

__all__ = ["SafeEvalLimits", "safe_eval"]


@dataclass(frozen=True)
class SafeEvalLimits:
    """계산기의 상한.

    Args:
        max_chars: 식의 최대 글자 수.
        max_nodes: 구문 트리의 최대 노드 수.
        max_depth: 구문 트리의 최대 깊이.
        max_abs: 상수와 모든 중간 결과의 최대 절댓값.
    """

    max_chars: int = 200
    max_nodes: int = 100
    max_depth: int = 20
    max_abs: float = 1e12

    def __post_init__(self) -> None:
        for name in ("max_chars", "max_nodes", "max_depth"):
            check_int(getattr(self, name), name, low=1)
        check_number(self.max_abs, "max_abs", low=0, low_open=True)  # NaN·inf 면 상한이 없어진다


_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_UNARYOPS = {ast.USub: operator.neg, ast.UAdd: operator.pos}


def _depth(node: ast.AST) -> int:
    children = list(ast.iter_child_nodes(node))
    return 1 + max((_depth(c) for c in children), default=0)


def safe_eval(expression: str, limits: SafeEvalLimits | None = None) -> int | float:
    """산술식 ``expression`` 을 허용 목록 안에서만 계산한다.

    Args:
        expression: ``"23+15-8"``, ``"(7-2)*3"``, ``"-4//3"`` 같은 식.
        limits: :class:`SafeEvalLimits` (기본값이 있다).

    Returns:
        계산 결과 (``int`` 또는 ``float``).

    Raises:
        TypeError: ``expression`` 이 문자열이 아닐 때.
        ValueError: 허용되지 않은 구문, 상한 초과, 0 으로 나누기, 문법 오류. 식은 실행되지 않는다.
    """
    if not isinstance(expression, str):
        raise TypeError(f"expression은 str이어야 합니다: {type(expression).__name__}")
    limits = limits or SafeEvalLimits()
    if len(expression) > limits.max_chars:
        raise ValueError(f"expression이 너무 깁니다: {len(expression)}자 > max_chars={limits.max_chars}")
    if not expression.strip():
        raise ValueError(f"expression이 비어 있습니다: {expression!r}")
    try:
        tree = ast.parse(expression.strip(), mode="eval")  # 읽기만 한다. 실행하지 않는다.
    except SyntaxError as e:
        raise ValueError(f"expression의 문법이 틀렸습니다: {expression!r} ({e.msg})") from None
    n_nodes = sum(1 for _ in ast.walk(tree))
    if n_nodes > limits.max_nodes:
        raise ValueError(f"expression의 노드가 너무 많습니다: {n_nodes} > max_nodes={limits.max_nodes}")
    depth = _depth(tree)
    if depth > limits.max_depth:
        raise ValueError(f"expression이 너무 깊습니다: 깊이 {depth} > max_depth={limits.max_depth}")
    # 먼저 모든 노드를 검사한다 (하나라도 허용 밖이면 아무것도 계산하지 않는다).
    for node in ast.walk(tree):
        if isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp)) or type(node) in _BINOPS:
            continue
        if type(node) in _UNARYOPS:
            continue
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            continue
        raise ValueError(
            f"expression에 허용되지 않은 구문이 있습니다: {type(node).__name__} "
            f"({ast.get_source_segment(expression.strip(), node) or expression!r})"
        )
    return _eval(tree.body, limits, expression)


def _check_magnitude(value: int | float, limits: SafeEvalLimits, expression: str) -> int | float:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expression의 결과가 유한하지 않습니다: {expression!r}")
    if abs(value) > limits.max_abs:
        raise ValueError(f"expression의 값이 너무 큽니다 (|값| > max_abs={limits.max_abs:g}): {expression!r}")
    return value


def _eval(node: ast.AST, limits: SafeEvalLimits, expression: str) -> int | float:
    if isinstance(node, ast.Constant):
        return _check_magnitude(node.value, limits, expression)
    if isinstance(node, ast.UnaryOp):
        return _check_magnitude(
            _UNARYOPS[type(node.op)](_eval(node.operand, limits, expression)), limits, expression
        )
    if isinstance(node, ast.BinOp):
        left = _eval(node.left, limits, expression)
        right = _eval(node.right, limits, expression)
        if isinstance(node.op, (ast.Div, ast.FloorDiv, ast.Mod)) and right == 0:
            raise ValueError(f"expression에서 0으로 나눕니다: {expression!r}")
        # 두 피연산자가 max_abs 이하이므로 곱도 max_abs² 이하: 계산이 폭발하지 않는다.
        return _check_magnitude(_BINOPS[type(node.op)](left, right), limits, expression)
    raise ValueError(
        f"expression에 허용되지 않은 구문이 있습니다: {type(node).__name__}"
    )  # 검사에서 걸러진다
