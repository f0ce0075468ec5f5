"""노트북 10 의 GRPO 진단 스크립트 (``data/models/reasoners/README.md`` 의 GRPO 절).

레시피(:mod:`llmnotes.recipes.reasoners`)가 싣는 산출물은 만들지 않고, GRPO 가 개발 정확도를 올리지 못한 까닭을
찾으려고 잰 숫자를 출력만 한다. 출력한 숫자는 데이터시트에 옮겨 적었다. 저장소 뿌리에서 모듈마다 따로 실행한다:

- :mod:`~llmnotes.recipes.reasoner_diagnostics.grpo_one_step`: 한 번 갱신한 방향 (이점의 부호별 로그확률 변화).
- :mod:`~llmnotes.recipes.reasoner_diagnostics.grpo_fixed_problems`: 같은 문제 16개를 되풀이해 갱신하면 배우는가.
- :mod:`~llmnotes.recipes.reasoner_diagnostics.grpo_gradient_cosine`: 독립인 두 배치의 기울기 코사인 (신호 대 잡음).
- :mod:`~llmnotes.recipes.reasoner_diagnostics.grpo_error_kinds`: 갱신 전후 탐욕적 오답의 종류.
- :mod:`~llmnotes.recipes.reasoner_diagnostics.fresh_accuracy`: 학습 분포의 새 문제에서 탐욕적 / 샘플 정확도.
- :mod:`~llmnotes.recipes.reasoner_diagnostics.grpo_dev_setting`: GRPO 설정 하나를 개발 분할에서 잰다.

예: ``PYTHONHASHSEED=0 OMP_NUM_THREADS=1 python -m llmnotes.recipes.reasoner_diagnostics.grpo_one_step 0.05``.
시험 분할은 어느 스크립트도 평가하지 않는다 (학습 문제에서 빼려고 문제 키만 쓴다).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import fields, replace
from pathlib import Path

from llmnotes.reasoner import GRPOConfig
from llmnotes.reasoning import problem_key

COT_SHORT = Path("data/models/reasoners/cot-short")  # GRPO 의 출발점 (저장소 뿌리 기준)


def positive_float(text: str) -> float:
    """argparse 형식: 0 보다 큰 실수 (학습률 등)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"실수가 아닙니다 (받은 값 {text!r})") from None
    if not value > 0:  # NaN 도 거절한다
        raise argparse.ArgumentTypeError(f"0보다 커야 합니다 (받은 값 {text!r})")
    return value


def checkpoint_dir(text: str) -> Path:
    """argparse 형식: ``config.json`` 이 있는 체크포인트 폴더."""
    path = Path(text)
    if not (path / "config.json").is_file():
        raise argparse.ArgumentTypeError(f"config.json이 있는 체크포인트 폴더가 아닙니다 (받은 값 {text!r})")
    return path


def grpo_overrides(text: str) -> dict:
    """argparse 형식: 기본 GRPO 설정에서 바꿀 필드의 JSON 객체 (예: ``'{"reward": "verified", "lr": 1e-4}'``).

    필드 이름과 값은 :class:`~llmnotes.reasoner.GRPOConfig` 가 검사한다.
    """
    from llmnotes.recipes.reasoners import GRPO

    try:
        kw = json.loads(text)
    except json.JSONDecodeError as e:
        raise argparse.ArgumentTypeError(f"JSON이 아닙니다 ({e.msg}; 받은 값 {text!r})") from None
    if not isinstance(kw, dict):
        raise argparse.ArgumentTypeError(f"JSON 객체여야 합니다 (받은 값 {text!r})")
    unknown = sorted(set(kw) - {f.name for f in fields(GRPOConfig)})
    if unknown:
        raise argparse.ArgumentTypeError(f"GRPOConfig에 없는 필드 {unknown} (받은 값 {text!r})")
    try:
        replace(GRPO, **kw)
    except (TypeError, ValueError) as e:
        raise argparse.ArgumentTypeError(f"{e} (받은 값 {text!r})") from None
    return kw


def held_out_keys() -> set:
    """개발·시험 문제의 키: 학습·진단용 새 문제에서 뺀다."""
    from llmnotes.recipes.reasoners import splits

    dev, test = splits()
    return {problem_key(p) for p in dev + test}
