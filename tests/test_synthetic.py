"""합성 지시 데이터와 레이블 일치도: 코언의 카파 = scikit-learn, 생성기의 정답 기록, 잘못된 입력."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from llmnotes import synthetic as sy


@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=60))
def test_kappa_equals_sklearn(pairs):
    a, b = [x for x, _ in pairs], [y for _, y in pairs]
    if len(set(a) | set(b)) == 1:  # p_e = 1: 정의되지 않음
        with pytest.raises(ValueError, match="p_e"):
            sy.cohen_kappa(a, b)
        return
    assert sy.cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)


def test_kappa_known_values():
    assert sy.cohen_kappa([0, 1, 0, 1], [0, 1, 0, 1]) == 1.0
    # p_o = 0.5, p_e = 0.5 → κ = 0 (우연 수준)
    assert sy.cohen_kappa([0, 0, 1, 1], [0, 1, 0, 1]) == 0.0


def test_generator_records_defects():
    ex = sy.generate_instructions(400, seed=3, noise=0.3)
    assert ex == sy.generate_instructions(400, seed=3, noise=0.3)
    counts = Counter(e.defect for e in ex)
    assert 0.2 * 400 < sum(v for k, v in counts.items() if k) < 0.4 * 400
    for e in ex:
        if e.defect == "format":
            assert not sy.format_ok(e)
        else:
            assert sy.format_ok(e) and e.instruction == sy.INSTRUCTION
        if e.defect == "label_noise":
            assert e.label != e.true_label
        elif e.defect in ("", "degenerate"):
            assert e.label == e.true_label
    clean = [e for e in ex if not e.defect]
    # 틀로 만든 정상 예는 낱말 규칙으로도 대부분 맞힌다 (생성기가 낱말 목록과 맞물려 있음을 확인)
    assert np.mean([sy.lexicon_label(e.input) == e.true_label for e in clean]) > 0.9


def test_bad_input():
    with pytest.raises(ValueError, match="길이"):
        sy.cohen_kappa([0, 1], [0])
    with pytest.raises(ValueError, match="비어"):
        sy.cohen_kappa([], [])
    with pytest.raises(ValueError, match="n"):
        sy.generate_instructions(0)
    with pytest.raises(ValueError, match="noise"):
        sy.generate_instructions(5, noise=1.5)
    with pytest.raises(TypeError, match="text"):
        sy.lexicon_label(None)
