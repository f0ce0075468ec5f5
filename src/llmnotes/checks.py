"""인자 검사: 잘못된 입력을 조용히 받아들이지 않고, 인자 이름과 값을 밝힌 오류로 돌려준다.

NaN 은 어떤 비교(``x >= 0``)도 거짓이라 ``if x < 0: raise`` 같은 검사를 그냥 통과한다. 무한대는 비교는 통과하지만
계산을 망친다 (BM25 의 ``k1=inf`` 는 모든 점수를 NaN 으로 만든다). 그래서 실수 설정값은 먼저 유한한지 본다.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "check_number",
    "check_int",
    "check_fields",
    "POSITIVE",
    "NON_NEGATIVE",
    "PROBABILITY",
    "CLIP_NORM",
]


def check_number(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    allow_inf: bool = False,
) -> float:
    """``value`` 가 유한한 실수(bool 제외)이고 [low, high] 안에 있는지 확인하고 float 로 돌려준다.

    어긋나면 인자 이름과 값을 밝힌 ``ValueError`` (자료형이 틀린 경우 포함).

    Args:
        value: 검사할 값.
        name: 오류 메시지에 쓸 인자 이름.
        low, high: 허용 범위의 끝 (``None`` 이면 제한 없음).
        low_open, high_open: ``True`` 면 그 끝을 포함하지 않는다 (``low < value``).
        allow_inf: ``True`` 면 +inf/-inf 를 허용한다 (NaN 은 언제나 거부).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        # 자료형이 틀린 것도 ValueError 로 낸다: 이 라이브러리의 설정 검사는 예전부터 ValueError 하나로 알려 왔다.
        raise ValueError(f"{name}: 실수여야 합니다 (받은 값 {value!r})")
    x = float(value)
    if math.isnan(x) or (math.isinf(x) and not allow_inf):
        raise ValueError(f"{name}: 유한한 실수여야 합니다 (받은 값 {value!r})")
    if low is not None and (x < low or (low_open and x == low)):
        op = ">" if low_open else "≥"
        raise ValueError(f"{name}: {name} {op} {low} 조건을 만족해야 합니다 (받은 값 {value!r})")
    if high is not None and (x > high or (high_open and x == high)):
        op = "<" if high_open else "≤"
        raise ValueError(f"{name}: {name} {op} {high} 조건을 만족해야 합니다 (받은 값 {value!r})")
    return x


def check_int(value: Any, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """``value`` 가 정수(bool 제외)이고 [low, high] 안에 있는지 확인한다."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name}: 정수여야 합니다 (받은 값 {value!r})")
    if low is not None and value < low:
        raise ValueError(f"{name}: {name} ≥ {low} 조건을 만족해야 합니다 (받은 값 {value!r})")
    if high is not None and value > high:
        raise ValueError(f"{name}: {name} ≤ {high} 조건을 만족해야 합니다 (받은 값 {value!r})")
    return value


# 설정 dataclass 에서 자주 쓰는 규칙 (check_fields 의 인자)
POSITIVE = {"low": 0, "low_open": True}  # 학습률, 온도처럼 0 보다 커야 하는 값
NON_NEGATIVE = {"low": 0}  # 가중치 감쇠, KL 계수처럼 0 이상
PROBABILITY = {"low": 0, "high": 1}  # 드롭아웃, 비율
CLIP_NORM = {"low": 0, "low_open": True, "allow_inf": True, "optional": True}  # None·inf = 자르지 않음


def check_fields(obj: Any, **rules: dict[str, Any]) -> None:
    """설정 객체의 실수 필드들을 한꺼번에 검사한다: ``check_fields(self, lr=POSITIVE, dropout=PROBABILITY)``.

    규칙에 ``optional=True`` 가 있으면 ``None`` 을 허용한다. 오류 메시지에는 필드 이름과 값이 들어간다.
    """
    for name, rule in rules.items():
        value = getattr(obj, name)
        rule = dict(rule)
        if rule.pop("optional", False) and value is None:
            continue
        check_number(value, name, **rule)
