"""세계의 사실을 묻는 평가용 질문: 학습 사실, 남겨 둔 개체, 남겨 둔 말투, 마감일 뒤에 바뀐 사실.

질문마다 자연스러운 물음(``question``)과, 언어 모델에 이어 쓰게 할 빈칸 채우기 프롬프트(``prompt``, 그 뒤에 올
``completion``)를 함께 준다. 예: prompt '누리전자의 대표는', completion ' 김민수이다.', answer '김민수'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .facts import TIMELINE_RELATIONS, Fact, World
from .grammar import render
from .phrasings import QUESTIONS, STATEMENTS, heldout_templates, train_templates

__all__ = ["QUESTION_SPLITS", "FactQuestion", "fact_questions", "heldout_fact_questions"]

QUESTION_SPLITS = ("train", "heldout_phrasing", "heldout_entities", "post_cutoff")


@dataclass(frozen=True)
class FactQuestion:
    """사실 질문 하나.

    Attributes:
        question: 해요체 물음 ('누리전자의 대표는 누구인가요?').
        answer: 정답 값 ('김민수', '1998년', '12,500원').
        entity_id: 묻는 개체(주어) id.
        date: 이 답이 참인 날 (마감일 뒤 질문은 값이 바뀐 날).
        relation: 관계 이름.
        prompt: 빈칸 채우기 프롬프트 (문장 틀에서 값 앞까지, 끝 공백 없음).
        completion: 프롬프트 뒤에 오는 정답 문장 끝 (' 김민수이다.').
        previous_answer: 'post_cutoff' 질문에서 마감일 직전의 값 (사전학습 모델이 알 법한 답). 없으면 ``None``.
    """

    question: str
    answer: str
    entity_id: str
    date: date
    relation: str
    prompt: str
    completion: str
    previous_answer: str | None = None


def _cloze_template(templates: tuple[str, ...]) -> str | None:
    """값 자리 '{O' 가 문장 끝에 오는 첫 틀 ('{S}의 대표는 {O/이다}.')."""
    for t in templates:
        k = t.find("{O")
        if k > 0 and t.count("{") == t[:k].count("{") + 1 and t.endswith(".") and t[k:].find(" ") == -1:
            return t
    return None


def _question(world: World, f: Fact, template: str, day: date, previous: str | None = None) -> FactQuestion:
    values = {"S": world.entities[f.subject].name, "O": f.value}
    full = render(template, values)
    prefix = render(template[: template.find("{O")], values).rstrip()
    return FactQuestion(
        question=render(QUESTIONS[f.relation], values),
        answer=f.value,
        entity_id=f.subject,
        date=day,
        relation=f.relation,
        prompt=prefix,
        completion=full[len(prefix) :],
        previous_answer=previous,
    )


def fact_questions(world: World, split: str = "train") -> list[FactQuestion]:
    """평가용 사실 질문 목록 (세계의 개체 순서, 결정적).

    Args:
        world: :func:`llmnotes.world.build_world` 의 결과.
        split: 'train' (사전학습에 나온 사실, 마감일 직전 값, 학습용 말투),
            'heldout_phrasing' (같은 사실을 학습 때 안 쓴 말투로), 'heldout_entities' (남겨 둔 개체의 사실),
            'post_cutoff' (마감일 뒤에 값이 바뀌었거나 새로 생긴 사실; ``previous_answer`` 는 마감일 직전 값).
    """
    if split not in QUESTION_SPLITS:
        raise ValueError(f"split은 {QUESTION_SPLITS} 가운데 하나여야 합니다: split={split!r}")
    before = world.cutoff - timedelta(days=1)
    out: list[FactQuestion] = []
    for eid in world.entities:
        held = eid in world.heldout_entities
        if (split == "heldout_entities") != held:
            continue
        for f in world.facts_about(eid):
            if f.relation not in QUESTIONS:
                continue
            if split == "post_cutoff":
                if (
                    f.relation not in TIMELINE_RELATIONS
                    or f.valid_from is None
                    or f.valid_from < world.cutoff
                ):
                    continue
                prev = world.value(eid, f.relation, before)
                if prev is not None and not world.is_train_fact(prev):
                    continue
                t = _cloze_template(train_templates(STATEMENTS, f.relation))
                if t:
                    out.append(_question(world, f, t, f.valid_from, prev.value if prev else None))
                continue
            if not f.valid_on(before):
                continue
            if split == "heldout_entities":
                t = _cloze_template(train_templates(STATEMENTS, f.relation))
            else:
                if not world.is_train_fact(f):
                    continue
                table = train_templates if split == "train" else heldout_templates
                t = _cloze_template(table(STATEMENTS, f.relation))
            if t:
                out.append(_question(world, f, t, before))
    return out


def heldout_fact_questions(world: World) -> list[FactQuestion]:
    """평가 노트북용: 남겨 둔 개체의 질문 + 학습 사실을 남겨 둔 말투로 묻는 질문."""
    return fact_questions(world, "heldout_entities") + fact_questions(world, "heldout_phrasing")
