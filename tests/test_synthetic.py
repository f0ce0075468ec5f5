"""합성 지시 데이터와 레이블 일치도: 코언의 카파 = scikit-learn, 생성기의 정답 기록, 잘못된 입력."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from llmnotes import synthetic as sy
from llmnotes.world import build_world, fact_questions


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


@pytest.fixture(scope="module")
def qa():
    return sy.generate_qa(300, seed=5, noise=0.5)


def test_qa_generator_records_defects(qa):
    assert [e.output for e in qa] == [e.output for e in sy.generate_qa(300, seed=5, noise=0.5)]
    counts = Counter(e.defect for e in qa)
    assert set(counts) == {"", *sy.QA_DEFECTS}
    for e in qa:
        passage = e.input.split("질문:")[0]
        assert e.answer in passage  # 정답은 늘 글 안에 있다
        assert (sy.answer_of(e.output) == e.answer) == (e.defect in ("", "near_copy"))
        if e.defect in ("", "near_copy"):
            assert e.output == e.answer + "입니다." and sy.qa_format_ok(e) and sy.grounded(e)
        if e.defect == "wrong_span":  # 그럴듯한 오답: 형식도 근거도 통과한다
            assert sy.answer_of(e.output) != e.answer and sy.qa_format_ok(e) and sy.grounded(e)
        if e.defect == "hallucination":
            assert sy.qa_format_ok(e) and not sy.grounded(e)
        if e.defect in ("degenerate", "format"):
            assert not sy.qa_format_ok(e)


def test_filter_qa_removes_what_rules_can_see(qa):
    removed = sy.filter_qa(qa)
    assert list(removed) == ["format", "near_dup", "grounding"]
    gone = {i for v in removed.values() for i in v}
    assert sum(map(len, removed.values())) == len(gone)  # 한 예는 한 단계에서만 지운다
    kinds = Counter(qa[i].defect for i in gone)
    assert kinds["degenerate"] == sum(e.defect == "degenerate" for e in qa)
    assert kinds["format"] == sum(e.defect == "format" for e in qa)
    assert kinds["hallucination"] == sum(e.defect == "hallucination" for e in qa)
    assert kinds["near_copy"] >= 0.8 * sum(e.defect == "near_copy" for e in qa)
    assert kinds["wrong_span"] == 0  # 규칙으로는 못 거른다 (노트북 18 의 교훈)


def test_heldout_entities_do_not_overlap_training_entities():
    train = sy.generate_qa(200, seed=0, noise=0.0)
    test = sy.generate_qa(50, seed=1, noise=0.0, split="heldout_entities")
    train_text = " ".join(e.input for e in train)
    assert all(e.subject in e.input for e in train + test)
    assert not any(
        e.subject in train_text for e in test
    )  # 시험 개체는 학습 글에 (헷갈리게 하는 문장으로도) 없다


def test_counterfactual_passages_contradict_memory():
    true = sy.generate_qa(60, seed=4, noise=0.0)
    cf = sy.generate_qa(60, seed=4, noise=0.0, counterfactual=True)
    world = build_world(seed=0)
    by_name = {ent.name: eid for eid, ent in world.entities.items()}
    facts: dict[tuple[str, str], str] = {}
    for q in fact_questions(world, "train"):  # 값이 바뀐 사실은 처음 값 (생성기와 같음)
        facts.setdefault((q.entity_id, q.relation), q.answer)
    for e in cf:
        assert sy.grounded(e) and e.output == e.answer + "입니다."  # 답은 글에 있다
        assert e.answer != facts[(by_name[e.subject], e.relation)]  # 그러나 세계(기억)의 값과 다르다
    assert all(facts[(by_name[e.subject], e.relation)] == e.answer for e in true)
    assert sy.generate_qa(60, seed=4, noise=0.0) == true  # 기본값의 결과는 그대로


def test_heldout_dev_and_test_halves_are_disjoint():
    dev = sy.generate_qa(200, seed=2, noise=0.0, split="heldout_dev")
    test = sy.generate_qa(200, seed=1, noise=0.0, split="heldout_test")
    world = build_world(seed=0)
    held = {world.entities[i].name for i in world.heldout_entities}
    dev_names, test_names = {e.subject for e in dev}, {e.subject for e in test}
    assert not dev_names & test_names  # 개발 개체와 시험 개체는 겹치지 않는다
    assert dev_names <= held and test_names <= held  # 둘 다 사전학습에 없는 개체
    assert len(dev_names) > 20 and len(test_names) > 20


def test_answer_of_and_qa_bad_input():
    assert sy.answer_of("1967년입니다.") == "1967년"
    assert sy.answer_of(" 모르겠어요") == "모르겠어요"
    with pytest.raises(TypeError, match="output"):
        sy.answer_of(None)
    with pytest.raises(ValueError, match="n"):
        sy.generate_qa(0)
    with pytest.raises(ValueError, match="noise"):
        sy.generate_qa(3, noise=-0.1)
    with pytest.raises(ValueError, match="split"):
        sy.generate_qa(3, split="test")
    with pytest.raises(ValueError, match="defect_weights"):
        sy.generate_qa(3, defect_weights=(1, 1))
    with pytest.raises(ValueError, match="비어"):
        sy.filter_qa([])
    with pytest.raises(TypeError, match="examples"):
        sy.filter_qa(["글"])
