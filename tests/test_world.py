"""생성된 한국어 세계 말뭉치 (llmnotes.world) 테스트: 결정성, 서로 다른 문서, 남겨 둔 것의 누설 없음,
시간표·마감일, 문법 검사기(생성 문장 0 위반, 손으로 쓴 틀린 문장은 잡는다), Kiwi 건전성, 잘못된 입력."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from llmnotes.corpora import split_sentences
from llmnotes.world import (
    GENRES,
    RELATIONS,
    TIMELINE_RELATIONS,
    build_world,
    check_sentence,
    check_sentences,
    check_text,
    fact_questions,
    generate_documents,
    heldout_fact_questions,
    kiwi_sanity,
    pretraining_corpus,
    train_validation_split,
)
from llmnotes.world.phrasings import EVENTS, HISTORY, STATEMENTS, heldout_templates, train_templates


@pytest.fixture(scope="module")
def world():
    return build_world(seed=0)


@pytest.fixture(scope="module")
def train_docs(world):
    return generate_documents(world, 3000, seed=1, split="train")


@pytest.fixture(scope="module")
def heldout_docs(world):
    return generate_documents(world, 600, seed=1, split="heldout")


def test_world_size_and_determinism(world):
    assert len(world.entities) >= 1000
    assert {e.kind for e in world.entities.values()} == {"person", "city", "company", "university", "product"}
    assert len({e.name for e in world.entities.values()}) == len(world.entities)  # 이름이 유일하다
    again = build_world(seed=0)
    assert again.facts == world.facts and again.heldout_entities == world.heldout_entities
    other = build_world(seed=1)
    assert other.facts != world.facts
    assert 0.08 <= len(world.heldout_entities) / len(world.entities) <= 0.12


def test_every_relation_has_five_phrasings_one_heldout():
    for rel in RELATIONS:
        assert len(set(STATEMENTS[rel])) >= 5, rel
        assert len(train_templates(STATEMENTS, rel)) >= 4
        assert set(heldout_templates(STATEMENTS, rel)).isdisjoint(train_templates(STATEMENTS, rel))
    for table in (HISTORY, EVENTS):
        for rel in table:
            assert len(set(table[rel])) >= 5


def test_timeline_intervals_are_contiguous_and_some_change_after_cutoff(world):
    n_post = 0
    for eid in world.entities:
        for rel in TIMELINE_RELATIONS:
            tl = world.timeline(eid, rel)
            for a, b in zip(tl, tl[1:], strict=False):
                assert a.valid_to == b.valid_from and a.valid_to is not None  # 빈틈도 겹침도 없다
            if tl:
                assert tl[-1].valid_to is None
                n_post += any(f.valid_from and f.valid_from >= world.cutoff for f in tl)
    assert n_post >= 100
    # 어느 날이든 (개체, 시간표 관계) 의 값은 많아야 하나
    day = world.cutoff - timedelta(days=1)
    for eid in list(world.entities)[::7]:
        for rel in TIMELINE_RELATIONS:
            assert sum(f.valid_on(day) for f in world.timeline(eid, rel)) <= 1


def test_documents_deterministic_and_distinct(world, train_docs):
    again = generate_documents(world, 400, seed=1, split="train")  # 같은 시드의 앞부분은 같다
    assert [d.text for d in again] == [d.text for d in train_docs[:400]]
    assert generate_documents(world, 50, seed=2)[0].text != train_docs[0].text
    texts = [d.text for d in train_docs]
    assert len(set(texts)) >= 0.97 * len(texts)
    assert {d.genre for d in train_docs} == set(GENRES)
    reviews = [d for d in train_docs if d.genre == "review"]
    assert {d.label for d in reviews} == {0, 1}
    assert all(d.label is None for d in train_docs if d.genre != "review")


def _heldout_markers():
    """남겨 둔 틀마다, 학습용 틀 어디에도 없는 가장 긴 글자 조각 (train 문서에 나오면 누설)."""
    train_all = [t for tb in (STATEMENTS, HISTORY, EVENTS) for rel in tb for t in train_templates(tb, rel)]
    markers = set()
    for tb in (STATEMENTS, HISTORY, EVENTS):
        for rel in tb:
            for t in heldout_templates(tb, rel):
                pieces = [p.strip() for p in re.split(r"\{[^}]*\}", t) if len(p.strip()) >= 3]
                pieces = [p for p in pieces if not any(p in u for u in train_all)]
                if pieces:
                    markers.add(max(pieces, key=len))
    return markers


def test_train_split_never_leaks_heldout(world, train_docs, heldout_docs):
    held_names = {world.entities[i].name for i in world.heldout_entities}
    lengths = sorted({len(n) for n in held_names})
    markers = _heldout_markers()
    assert len(markers) >= 10
    for d in train_docs:
        assert d.date < world.cutoff
        assert not set(d.entity_ids) & world.heldout_entities
        words = set(re.findall(r"[가-힣]+", d.text))
        # 이름 뒤에는 조사가 붙으므로 앞부분 일치로 확인한다
        assert not any(w[:k] in held_names for w in words for k in lengths), d.text
        assert not any(m in d.text for m in markers), d.text
    # heldout 문서는 실제로 남겨 둔 것을 쓴다
    uses = [bool(set(d.entity_ids) & world.heldout_entities) or d.date >= world.cutoff for d in heldout_docs]
    assert sum(uses) >= 0.9 * len(heldout_docs)
    assert any(m in d.text for d in heldout_docs for m in markers)


def test_train_documents_state_only_facts_valid_before_cutoff(world, train_docs):
    post_values = {
        (world.entities[f.subject].name, f.value)
        for f in world.facts
        if f.relation in TIMELINE_RELATIONS and f.valid_from and f.valid_from >= world.cutoff
    }
    post_only = {v for v in post_values if not any(
        g.value == v[1] and world.entities[g.subject].name == v[0] and (g.valid_from is None or g.valid_from < world.cutoff)
        for g in world.facts
    )}  # fmt: skip
    assert post_only
    for d in train_docs:
        for name, value in post_only:
            assert not (name in d.text and f"{name}의 가격은 {value}" in d.text)


def test_fact_questions(world):
    tr = fact_questions(world, "train")
    post = fact_questions(world, "post_cutoff")
    held = heldout_fact_questions(world)
    assert len(tr) >= 1000 and len(post) >= 50 and len(held) >= 200
    assert all(q.date < world.cutoff for q in tr)
    assert all(q.date >= world.cutoff and q.answer != q.previous_answer for q in post)
    changed = [q for q in post if q.previous_answer is not None]
    assert len(changed) >= 30
    assert all(q.entity_id not in world.heldout_entities for q in tr + post)
    q = tr[0]
    assert q.answer in q.completion and not q.prompt.endswith(" ")


def test_generated_sentences_pass_grammar_check(train_docs, heldout_docs):
    sents = []
    for d in train_docs[::3] + heldout_docs[::6]:
        for line in d.text.split("\n"):
            line = line.split(": ", 1)[-1]  # 대화의 말하는 이 표시
            sents += [s for s in split_sentences(line) if s.endswith((".", "?"))]
    sents = sorted(set(sents))
    sents = sents[:: max(1, len(sents) // 3000)]  # 서로 다른 문장 약 3,000개 (Kiwi 분석 시간을 아낀다)
    assert len(sents) >= 2500
    bad = [(s, v) for s, v in zip(sents, check_sentences(sents), strict=True) if v]
    assert bad == []
    sanity = kiwi_sanity(sents)
    assert sanity["final_ending"] >= 0.98 and sanity["no_unknown"] >= 0.98


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("사과을 먹었다.", "조사"),
        ("책는 좋다.", "조사"),
        ("철수과 영희가 왔다.", "조사"),
        ("서울으로 갔다.", "조사"),
        ("물를 마셨다.", "조사"),
        ("책로 갔다.", "조사"),
        ("어제에는 햇살이 따뜻하다.", "시제"),
        ("지난해 인구는 12만 명이다.", "시제"),
        ("내일 비가 왔다.", "시제"),
        ("할머니께서 밥을 먹었다.", "높임"),
        ("교수님은 어제 강의를 했다.", "높임"),
        ("저는 어제 가셨어요.", "높임"),
        ("책 을 읽었다.", "띄어쓰기"),
    ],
)
def test_checker_catches_bad_sentences(sentence, kind):
    v = check_sentence(sentence)
    assert v and any(x.startswith(kind) for x in v), v


@pytest.mark.parametrize(
    "sentence",
    [
        "어제 산 책이 좋다.",
        "할머니께서 밥을 드셨다.",
        "할머니가 주신 떡을 먹었다.",
        "어제는 추운 날이었다.",
        "지난달에 샀는데 정말 좋아요.",
        "서울로 갔다.",
        "내일 비가 오겠다.",
        "어제는 비가 오고 오늘은 맑다.",
        "저는 할머니께서 주신 떡을 먹었다.",
    ],
)
def test_checker_accepts_good_sentences(sentence):
    assert check_sentence(sentence) == []


def test_pretraining_corpus_and_split(world):
    a = pretraining_corpus(60_000, seed=0, include_real=False, world=world)
    assert sum(map(len, a)) >= 60_000 and len(set(a)) == len(a)
    assert a == pretraining_corpus(60_000, seed=0, include_real=False, world=world)
    b = pretraining_corpus(60_000, seed=0, include_real=True, world=world)
    assert any("대한민국" in t for t in b)
    tr, va = train_validation_split(a, 0.1)
    assert len(tr) + len(va) == len(a) and set(tr).isdisjoint(va) and 0.03 < len(va) / len(a) < 0.2
    tr2, va2 = train_validation_split(list(reversed(a)), 0.1)
    assert set(va2) == set(va)


def test_entity_focus_and_check_text(world):
    held = sorted(world.heldout_entities)
    docs = generate_documents(world, 30, seed=0, split="heldout", entity_ids=held)
    assert all(set(d.entity_ids) & world.heldout_entities for d in docs)
    people = world.ids("person", "train")[:3]
    docs = generate_documents(world, 20, seed=0, genres=["encyclopedia", "dialogue"], entity_ids=people)
    names = [world.entities[i].name for i in people]
    assert all(any(n in d.text for n in names) for d in docs)
    res = check_text("민수: 할머니, 어디 가세요?\n할머니께서 밥을 먹었다. 어제 학교에 갔다.")
    assert [s for s, _ in res] == ["할머니, 어디 가세요?", "할머니께서 밥을 먹었다.", "어제 학교에 갔다."]
    assert [bool(v) for _, v in res] == [False, True, False]


def test_bad_input(world):
    with pytest.raises(ValueError, match="genres"):
        generate_documents(world, 3, genres=["poem"])
    with pytest.raises(ValueError, match="n_docs"):
        generate_documents(world, -1)
    with pytest.raises(ValueError, match="split"):
        generate_documents(world, 3, split="test")
    with pytest.raises(ValueError, match="entity_id"):
        world.entity("person-9999")
    with pytest.raises(ValueError, match="entity_ids"):
        generate_documents(world, 3, entity_ids=["person-9999"])
    with pytest.raises(ValueError, match="entity_ids"):
        generate_documents(world, 3, entity_ids=[sorted(world.heldout_entities)[0]])  # train 에 누설 금지
    with pytest.raises(ValueError, match="n_entities"):
        build_world(0, n_entities=-5)
    with pytest.raises(ValueError, match="split"):
        fact_questions(world, "dev")
    with pytest.raises(ValueError, match="target_chars"):
        pretraining_corpus(0)
    with pytest.raises(ValueError, match="valid_fraction"):
        train_validation_split(["가"], 1.5)
    with pytest.raises(TypeError):
        check_sentence(3)
