"""설정값 훑기: 모든 설정 dataclass 의 실수 필드에 NaN, +inf, -inf 를 넣으면 필드 이름을 밝힌 오류가 난다.

NaN 은 ``x < 0`` 같은 비교를 모두 통과해 학습을 조용히 망치므로, 이 테스트가 새 설정 클래스까지 자동으로 훑는다
(기본값만으로 만들 수 있는 dataclass 전부). 기울기 자르기 한도는 +inf 를 '자르지 않음' 으로 받아들인다.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import pkgutil
import typing

import pytest

import llmnotes
from llmnotes.checks import check_fields, check_int, check_number

FLOAT_HINTS = {float, float | None, int | float, float | int, typing.Optional[float]}  # noqa: UP045
# +inf 가 뜻이 있는 필드: 기울기 노름 한도 (inf = 자르지 않음)
INF_OK = {"max_grad_norm", "grad_clip", "clip"}
SKIP_MODULES = {"cli", "doctor"}


def _config_fields() -> list[tuple[type, str]]:
    found = []
    for m in pkgutil.walk_packages(llmnotes.__path__, "llmnotes."):
        if m.name.split(".")[-1] in SKIP_MODULES or ".recipes" in m.name:
            continue
        mod = importlib.import_module(m.name)
        for obj in vars(mod).values():
            if not (
                isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == mod.__name__
            ):
                continue
            fields = [f for f in dataclasses.fields(obj) if f.init]
            if any(
                f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING for f in fields
            ):
                continue  # 기본값만으로 만들 수 없는 것 (데이터 레코드 등)
            hints = typing.get_type_hints(obj)
            found += [(obj, f.name) for f in fields if hints[f.name] in FLOAT_HINTS]
    return found


CONFIG_FIELDS = _config_fields()


def test_the_sweep_finds_the_configs():
    names = {c.__name__ for c, _ in CONFIG_FIELDS}
    assert {"BM25Config", "NGramConfig", "Word2VecConfig", "SFTConfig", "DPOTrainConfig"} <= names
    assert len(CONFIG_FIELDS) >= 40


@pytest.mark.parametrize("cls,field", CONFIG_FIELDS, ids=[f"{c.__name__}.{f}" for c, f in CONFIG_FIELDS])
def test_non_finite_values_are_rejected_with_the_field_name(cls, field):
    bad = [math.nan, -math.inf] + ([] if field in INF_OK else [math.inf])
    for value in bad:
        with pytest.raises((ValueError, TypeError), match=field):
            cls(**{field: value})


def test_check_number_rules():
    assert check_number(3, "x", low=0) == 3.0
    with pytest.raises(ValueError, match="x"):
        check_number(True, "x")
    with pytest.raises(ValueError, match="x"):
        check_number("1", "x")
    with pytest.raises(ValueError, match="x"):
        check_number(0, "x", low=0, low_open=True)
    with pytest.raises(ValueError, match="x"):
        check_number(1, "x", high=1, high_open=True)
    assert check_number(math.inf, "x", allow_inf=True) == math.inf
    with pytest.raises(ValueError, match="x"):
        check_number(math.nan, "x", allow_inf=True)
    with pytest.raises(ValueError, match="n"):
        check_int(2.0, "n")
    with pytest.raises(ValueError, match="n"):
        check_int(-1, "n", low=0)

    @dataclasses.dataclass
    class C:
        lr: float = 0.1
        clip: float | None = None

    check_fields(C(), lr={"low": 0, "low_open": True}, clip={"optional": True, "low": 0})
    with pytest.raises(ValueError, match="lr"):
        check_fields(C(lr=-1.0), lr={"low": 0, "low_open": True})
