"""선호 데이터(data/preferences/preferences.jsonl)를 만드는 스크립트.

정렬 노트북(보상 모델, RLHF, DPO)에서 쓰는 (프롬프트, 선택 응답, 거절 응답) 세 쌍을 만든다.
작은 한국어 GPT 가 사전학습에서 본 세계(:mod:`llmnotes.textgen` 의 나라–수도, 직업–일터, 동물–소리,
동물–먹이, 과일–맛 관계와 '민수는 공원에서 김밥을 먹었다.' 같은 문장)에 대한 짧은 질문만 쓴다.

선호 신호(signal)는 네 가지이고, 한 쌍에서는 그 신호 하나만 달라지도록 만든다.

- ``사실``: 선택 응답은 맞는 사실, 거절 응답은 같은 틀에 틀린 값 (서울 ↔ 도쿄).
- ``공손함``: 선택 응답은 존댓말, 거절 응답은 같은 내용의 무례한 반말이거나 성의 없는 거절.
- ``주제``: 선택 응답은 물은 것에 답하고, 거절 응답은 다른 질문에 답한다 (말투·정확성은 같다).
- ``간결함``: 선택 응답은 짧고, 거절 응답은 같은 답을 군말과 되풀이로 늘어놓는다.

분할 규칙: 신호마다 만든 순서로 1, 2, 3, … 번호를 매겨 5의 배수 번째를 ``test`` (20%), 나머지를 ``train`` 으로 둔다.
같은 시드는 언제나 같은 파일을 만든다 (``random.Random`` 만 쓴다).

실행: ``python data/scripts/make_preferences.py`` (저장소 루트에서). ``--check`` 를 주면 파일을 쓰지 않고
저장된 파일과 같은지만 확인한다.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from llmnotes.hangul import final_consonant, nfc
from llmnotes.josa import attach
from llmnotes.textgen import (
    ANIMAL_FOOD,
    ANIMAL_SOUND,
    COUNTRY_CAPITAL,
    FOODS,
    FRUIT_TASTE,
    JOB_WORKPLACE,
    PEOPLE,
    PLACES,
    TIMES,
)

SEED = 20261122
PER_SIGNAL = 80
SIGNALS = ("사실", "공손함", "주제", "간결함")
OUT = Path(__file__).resolve().parents[1] / "preferences" / "preferences.jsonl"
MAX_SHORT = 60  # 선택 응답과 (간결함이 아닌) 거절 응답의 최대 글자 수
MAX_LONG = 120  # 간결함 신호의 장황한 거절 응답 최대 글자 수
MAX_PROMPT = 80


def _has_final(word: str) -> bool:
    return final_consonant(word) != ""


def cop(word: str, with_final: str, without_final: str) -> str:
    """서술격 조사 꼴을 받침에 맞춰 붙인다. 예: cop('서울', '이야', '야') == '서울이야'."""
    return nfc(word) + (with_final if _has_final(word) else without_final)


# 과일 맛 형용사의 활용: (합니다체, 해요체, 반말, '-지' 꼴, 맛 무리).
# 맛 무리는 틀린 값을 고를 때 '달다' 와 '달콤하다' 처럼 사실상 같은 맛을 피하려고 쓴다.
TASTE_FORMS: dict[str, tuple[str, str, str, str, str]] = {
    "달다": ("답니다", "달아요", "달아", "달지", "단맛"),
    "달콤하다": ("달콤합니다", "달콤해요", "달콤해", "달콤하지", "단맛"),
    "시다": ("십니다", "셔요", "셔", "시지", "신맛"),
    "새콤하다": ("새콤합니다", "새콤해요", "새콤해", "새콤하지", "신맛"),
    "시원하다": ("시원합니다", "시원해요", "시원해", "시원하지", "시원함"),
    "쌉쌀하다": ("쌉쌀합니다", "쌉쌀해요", "쌉쌀해", "쌉쌀하지", "쓴맛"),
    "부드럽다": ("부드럽습니다", "부드러워요", "부드러워", "부드럽지", "부드러움"),
}


@dataclass(frozen=True)
class Fact:
    """사전학습 세계의 사실 하나와 그것을 여러 말투로 말하는 꼴.

    Args:
        relation: 관계 이름 (예: '나라-수도').
        subject: 주어 (예: '한국').
        value: 값 (예: '서울').
        questions: 존댓말 질문들.
        banmal_questions: 반말 질문들 (공손함 신호에서 사용자가 반말로 물을 때).
        topic: 질문을 되풀이할 때 쓰는 명사구 (예: '한국의 수도').
        formal: 합니다체 완전한 문장.
        haeyo: 해요체 완전한 문장.
        short: 합니다체 짧은 답.
        short_haeyo: 해요체 짧은 답.
        banmal: 반말 답.
        ji: '-지' 로 끝나는 반말 답 ('당연하다' 는 말투).
    """

    relation: str
    subject: str
    value: str
    questions: tuple[str, ...]
    banmal_questions: tuple[str, ...]
    topic: str
    formal: str
    haeyo: str
    short: str
    short_haeyo: str
    banmal: str
    ji: str


def capital_fact(country: str, capital: str) -> Fact:
    """나라–수도 사실."""
    return Fact(
        relation="나라-수도",
        subject=country,
        value=capital,
        questions=(
            f"{country}의 수도는 어디인가요?",
            f"{country}의 수도는 어디예요?",
            f"{country}의 수도가 어디인지 알려 주세요.",
            f"{country}의 수도는 어느 도시인가요?",
        ),
        banmal_questions=(f"{country} 수도가 어디야?", f"{country} 수도 어디지?"),
        topic=f"{country}의 수도",
        formal=f"{country}의 수도는 {capital}입니다.",
        haeyo=f"{country}의 수도는 {cop(capital, '이에요', '예요')}.",
        short=f"{capital}입니다.",
        short_haeyo=f"{cop(capital, '이에요', '예요')}.",
        banmal=f"{cop(capital, '이야', '야')}.",
        ji=f"{cop(capital, '이지', '지')}.",
    )


def job_fact(job: str, place: str) -> Fact:
    """직업–일터 사실."""
    return Fact(
        relation="직업-일터",
        subject=job,
        value=place,
        questions=(
            f"{attach(job, '은/는')} 어디에서 일하나요?",
            f"{attach(job, '은/는')} 어디서 일해요?",
            f"{attach(job, '이/가')} 일하는 곳을 알려 주세요.",
            f"{attach(job, '은/는')} 주로 어디에서 일하나요?",
        ),
        banmal_questions=(f"{attach(job, '은/는')} 어디서 일해?", f"{job} 일터가 어디야?"),
        topic=f"{attach(job, '이/가')} 일하는 곳",
        formal=f"{attach(job, '은/는')} {place}에서 일합니다.",
        haeyo=f"{attach(job, '은/는')} {place}에서 일해요.",
        short=f"{place}에서 일합니다.",
        short_haeyo=f"{place}에서 일해요.",
        banmal=f"{place}에서 일해.",
        ji=f"{place}에서 일하지.",
    )


def sound_fact(animal: str, sound: str) -> Fact:
    """동물–소리 사실."""
    return Fact(
        relation="동물-소리",
        subject=animal,
        value=sound,
        questions=(
            f"{attach(animal, '은/는')} 어떻게 우나요?",
            f"{attach(animal, '은/는')} 어떤 소리를 내나요?",
            f"{animal} 울음소리를 알려 주세요.",
            f"{attach(animal, '은/는')} 뭐라고 울어요?",
        ),
        banmal_questions=(f"{attach(animal, '은/는')} 어떻게 울어?", f"{animal} 소리가 어때?"),
        topic=f"{animal} 울음소리",
        formal=f"{attach(animal, '은/는')} {sound} 하고 웁니다.",
        haeyo=f"{attach(animal, '은/는')} {sound} 하고 울어요.",
        short=f"{sound} 하고 웁니다.",
        short_haeyo=f"{sound} 하고 울어요.",
        banmal=f"{sound} 하고 울어.",
        ji=f"{sound} 하고 울지.",
    )


def food_fact(animal: str, food: str) -> Fact:
    """동물–먹이 사실."""
    return Fact(
        relation="동물-먹이",
        subject=animal,
        value=food,
        questions=(
            f"{attach(animal, '은/는')} 무엇을 좋아하나요?",
            f"{attach(animal, '이/가')} 좋아하는 먹이는 무엇인가요?",
            f"{attach(animal, '은/는')} 뭘 잘 먹어요?",
            f"{animal} 먹이로 무엇이 좋을까요?",
        ),
        banmal_questions=(f"{attach(animal, '은/는')} 뭘 좋아해?", f"{animal} 먹이가 뭐야?"),
        topic=f"{attach(animal, '이/가')} 좋아하는 먹이",
        formal=f"{attach(animal, '은/는')} {attach(food, '을/를')} 좋아합니다.",
        haeyo=f"{attach(animal, '은/는')} {attach(food, '을/를')} 좋아해요.",
        short=f"{attach(food, '을/를')} 좋아합니다.",
        short_haeyo=f"{attach(food, '을/를')} 좋아해요.",
        banmal=f"{attach(food, '을/를')} 좋아해.",
        ji=f"{attach(food, '을/를')} 좋아하지.",
    )


def fruit_fact(fruit: str, taste: str) -> Fact:
    """과일–맛 사실."""
    formal, haeyo, banmal, ji, _ = TASTE_FORMS[taste]
    return Fact(
        relation="과일-맛",
        subject=fruit,
        value=taste,
        questions=(
            f"{attach(fruit, '은/는')} 맛이 어떤가요?",
            f"{fruit} 맛은 어때요?",
            f"{attach(fruit, '은/는')} 무슨 맛이 나요?",
            f"{fruit} 맛을 알려 주세요.",
        ),
        banmal_questions=(f"{fruit} 맛이 어때?", f"{attach(fruit, '은/는')} 무슨 맛이야?"),
        topic=f"{fruit} 맛",
        formal=f"{attach(fruit, '은/는')} 맛이 {formal}.",
        haeyo=f"{attach(fruit, '은/는')} 맛이 {haeyo}.",
        short=f"맛이 {formal}.",
        short_haeyo=f"맛이 {haeyo}.",
        banmal=f"맛이 {banmal}.",
        ji=f"{cop(fruit, '이야', '야')} {ji}.",
    )


def all_facts() -> list[Fact]:
    """textgen 의 다섯 관계에서 사실을 모두 만든다 (관계 순서, 어휘 순서대로)."""
    facts = [capital_fact(c, v) for c, v in COUNTRY_CAPITAL.items()]
    facts += [job_fact(j, p) for j, p in JOB_WORKPLACE.items()]
    facts += [sound_fact(a, s) for a, s in ANIMAL_SOUND.items()]
    facts += [food_fact(a, f) for a, f in ANIMAL_FOOD.items()]
    facts += [fruit_fact(f, t) for f, t in FRUIT_TASTE.items()]
    return facts


MAKERS = {
    "나라-수도": capital_fact,
    "직업-일터": job_fact,
    "동물-소리": sound_fact,
    "동물-먹이": food_fact,
    "과일-맛": fruit_fact,
}
TABLES = {
    "나라-수도": COUNTRY_CAPITAL,
    "직업-일터": JOB_WORKPLACE,
    "동물-소리": ANIMAL_SOUND,
    "동물-먹이": ANIMAL_FOOD,
    "과일-맛": FRUIT_TASTE,
}


def wrong_value(fact: Fact, rng: random.Random) -> str:
    """같은 관계에서 틀린 값을 고른다 (과일 맛은 같은 맛 무리를 피한다)."""
    values = sorted(set(TABLES[fact.relation].values()))
    if fact.relation == "과일-맛":
        group = TASTE_FORMS[fact.value][4]
        values = [v for v in values if TASTE_FORMS[v][4] != group]
    else:
        values = [v for v in values if v != fact.value]
    return rng.choice(values)


def with_value(fact: Fact, value: str) -> Fact:
    """같은 주어에 값만 바꾼 (틀린) 사실."""
    return MAKERS[fact.relation](fact.subject, value)


# ---------------------------------------------------------------------------------------------------------
# 문맥 문장: '민수는 공원에서 김밥을 먹었다.' 처럼 사전학습 문장과 같은 꼴의 짧은 이야기와 그에 대한 질문.
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """문맥 문장 하나와 누가/어디서/무엇을(언제) 질문, 답."""

    context: str
    questions: dict[str, str]  # 물음 종류 → 질문
    answers: dict[str, str]  # 물음 종류 → 합니다체 짧은 답
    banmal: dict[str, str]  # 물음 종류 → 반말 답
    wrong: dict[str, str]  # 물음 종류 → 문맥과 어긋나는 (틀린) 답


def eat_story(rng: random.Random) -> Story:
    """'{사람}은 {장소}에서 {음식}을 먹었다/샀다.' 문맥."""
    person, place, food = rng.choice(PEOPLE), rng.choice(PLACES), rng.choice(FOODS)
    verb, past, polite, ban = rng.choice(
        [("먹", "먹었다", "먹었습니다", "먹었어"), ("사", "샀다", "샀습니다", "샀어")]
    )
    other_place = rng.choice([p for p in PLACES if p != place])
    other_food = rng.choice([f for f in FOODS if f != food])
    other_person = rng.choice([p for p in PEOPLE if p != person])
    q_what = "무엇을 먹었나요?" if verb == "먹" else "무엇을 샀나요?"
    q_where = "어디에서 먹었나요?" if verb == "먹" else "어디에서 샀나요?"
    q_who = "먹은" if verb == "먹" else "산"
    return Story(
        context=f"{attach(person, '은/는')} {place}에서 {attach(food, '을/를')} {past}.",
        questions={
            "what": f"{attach(person, '은/는')} {place}에서 {q_what}",
            "where": f"{attach(person, '은/는')} {attach(food, '을/를')} {q_where}",
            "who": f"{place}에서 {attach(food, '을/를')} {q_who} 사람은 누구인가요?",
        },
        answers={
            "what": f"{attach(food, '을/를')} {polite}.",
            "where": f"{place}에서 {polite}.",
            "who": f"{person}입니다.",
        },
        banmal={
            "what": f"{attach(food, '을/를')} {ban}.",
            "where": f"{place}에서 {ban}.",
            "who": f"{cop(person, '이잖아', '잖아')}.",
        },
        wrong={
            "what": f"{attach(other_food, '을/를')} {polite}.",
            "where": f"{other_place}에서 {polite}.",
            "who": f"{other_person}입니다.",
        },
    )


def _when(time: str) -> str:
    """때를 나타내는 말: '오늘', '어제' 는 '에' 없이, 나머지는 '저녁에' 처럼."""
    return time if time in ("오늘", "어제") else f"{time}에"


def meet_story(rng: random.Random) -> Story:
    """'{사람1}과 {사람2}는 {때}에 {장소}에서 만났다.' 문맥."""
    p1, p2 = rng.sample(PEOPLE, 2)
    time, place = rng.choice(TIMES), rng.choice(PLACES)
    other_place = rng.choice([p for p in PLACES if p != place])
    other_time = rng.choice([t for t in TIMES if t != time])
    when, other_when = _when(time), _when(other_time)
    return Story(
        context=f"{attach(p1, '와/과')} {attach(p2, '은/는')} {when} {place}에서 만났다.",
        questions={
            "when": f"{attach(p1, '와/과')} {attach(p2, '은/는')} 언제 만났나요?",
            "where": f"{attach(p1, '와/과')} {attach(p2, '은/는')} 어디에서 만났나요?",
        },
        answers={"when": f"{when} 만났습니다.", "where": f"{place}에서 만났습니다."},
        banmal={"when": f"{when} 만났어.", "where": f"{place}에서 만났어."},
        wrong={"when": f"{other_when} 만났습니다.", "where": f"{other_place}에서 만났습니다."},
    )


def stories(n: int, rng: random.Random) -> list[Story]:
    """문맥 이야기 ``n`` 개 (먹기/사기 2 : 만남 1)."""
    out = []
    for i in range(n):
        out.append(meet_story(rng) if i % 3 == 2 else eat_story(rng))
    return out


def story_prompt(story: Story, kind: str) -> str:
    return f"{story.context} {story.questions[kind]}"


# ---------------------------------------------------------------------------------------------------------
# 신호별 세 쌍 만들기
# ---------------------------------------------------------------------------------------------------------

Triple = tuple[str, str, str]  # (prompt, chosen, rejected)


def make_fact_signal(facts: list[Fact], rng: random.Random) -> list[Triple]:
    """사실: 맞는 값 ↔ 같은 틀의 틀린 값."""
    out: list[Triple] = []
    for i, f in enumerate(facts):  # 정방향 질문: 한국의 수도는? → 서울
        wrong = with_value(f, wrong_value(f, rng))
        style = i % 3
        chosen, rejected = (
            (f.formal, wrong.formal)
            if style == 0
            else (f.haeyo, wrong.haeyo)
            if style == 1
            else (f.short, wrong.short)
        )
        out.append((f.questions[i % len(f.questions)], chosen, rejected))
    # 역방향 질문: 서울은 어느 나라의 수도? → 한국 (값이 하나뿐인 관계만)
    inv_capital = {v: k for k, v in COUNTRY_CAPITAL.items()}
    for i, (cap, country) in enumerate(inv_capital.items()):
        other = rng.choice([c for c in COUNTRY_CAPITAL if c != country])
        q = [f"{attach(cap, '은/는')} 어느 나라의 수도인가요?", f"{attach(cap, '은/는')} 어느 나라 수도예요?"]
        out.append(
            (
                q[i % 2],
                f"{attach(cap, '은/는')} {country}의 수도입니다.",
                f"{attach(cap, '은/는')} {other}의 수도입니다.",
            )
        )
    for i, (job, place) in enumerate(JOB_WORKPLACE.items()):
        other = rng.choice([j for j in JOB_WORKPLACE if j != job])
        q = [f"{place}에서 일하는 사람은 누구인가요?", f"{place}에서는 누가 일해요?"]
        out.append(
            (
                q[i % 2],
                f"{place}에서는 {attach(job, '이/가')} 일합니다.",
                f"{place}에서는 {attach(other, '이/가')} 일합니다.",
            )
        )
    for i, (animal, sound) in enumerate(ANIMAL_SOUND.items()):
        other = rng.choice([a for a in ANIMAL_SOUND if a != animal])
        q = [f"{sound} 하고 우는 동물은 무엇인가요?", f"{sound} 소리를 내는 동물은 뭐예요?"]
        out.append((q[i % 2], f"{animal}입니다.", f"{other}입니다."))
    for i, (animal, food) in enumerate(ANIMAL_FOOD.items()):
        other = rng.choice([a for a in ANIMAL_FOOD if a != animal])
        q = [
            f"{attach(food, '을/를')} 좋아하는 동물은 무엇인가요?",
            f"{attach(food, '을/를')} 잘 먹는 동물은 뭐예요?",
        ]
        out.append((q[i % 2], f"{attach(animal, '이/가')} {attach(food, '을/를')} 좋아합니다.", f"{attach(other, '이/가')} {attach(food, '을/를')} 좋아합니다."))  # fmt: skip
    # 문맥에 근거한 답 ↔ 문맥과 어긋나는 답 (환각)
    for j, story in enumerate(stories(12, rng)):
        kinds = list(story.questions)
        kind = kinds[j % len(kinds)]
        out.append((story_prompt(story, kind), story.answers[kind], story.wrong[kind]))
    # 관계·형식이 골고루 남도록 순서를 지키며 PER_SIGNAL 개를 고른다.
    keep = sorted(rng.sample(range(len(out)), PER_SIGNAL))
    return [out[k] for k in keep]


POLITE_TEMPLATES = (
    "{formal}",
    "{haeyo}",
    "{formal} 더 궁금한 점이 있으면 물어봐 주세요.",
    "좋은 질문이에요. {haeyo}",
    "네, 알려 드릴게요. {haeyo}",
    "{short} 도움이 되었으면 좋겠습니다.",
    "{haeyo} 궁금한 게 또 있으면 언제든 물어보세요.",
    "네, {formal}",
)
RUDE_SAME_CONTENT = (
    "{ji} 그것도 몰라?",
    "{banmal} 됐지?",
    "그걸 꼭 물어봐야 알아? {ji}",
    "아, 귀찮게. {banmal}",
    "{banmal} 이제 그만 물어봐.",
    "뻔한 걸 왜 물어? {ji}",
    "{banmal} 상식 아니야?",
    "몰라서 묻는 거야? {ji}",
    "한 번만 말한다. {banmal}",
    "{banmal} 이런 건 좀 외워.",
    "{ji} 이런 걸 왜 나한테 물어.",
)
RUDE_BRUSH_OFF = (
    "몰라. 알아서 찾아봐.",
    "그런 걸 왜 나한테 물어?",
    "바빠. 나중에 물어봐.",
    "그건 네가 찾아봐.",
    "귀찮아. 묻지 마.",
    "내가 그걸 어떻게 알아. 딴 데 가서 물어봐.",
    "그런 건 검색해 봐. 나한테 묻지 말고.",
    "대답하기 싫은데.",
)

# 사실 질문이 아닌 일상 대화: 사전학습 문장(날씨, 탈것, 아픔, 도구)에 나오는 세계에 맞춘 손으로 쓴 예.
POLITE_HANDWRITTEN: tuple[Triple, ...] = (
    ("안녕하세요.", "안녕하세요! 무엇을 도와드릴까요?", "왜, 무슨 일인데?"),
    ("고마워요.", "천만에요. 또 궁금한 게 있으면 물어보세요.", "그래, 이제 가 봐."),
    ("오늘 날씨 어때요?", "오늘은 하늘이 맑아요. 나들이하기 좋겠어요.", "창밖 보면 되잖아."),
    ("고양이 소리를 흉내 내 주세요.", "네, 해 볼게요. 야옹, 야옹!", "싫어. 네가 해."),
    ("강아지 소리 좀 내 줄래요?", "물론이죠. 멍멍! 멍멍!", "내가 왜? 유치하게."),
    (
        "배가 아파요. 어디로 가야 하나요?",
        "많이 아프시면 병원에 가 보세요. 의사 선생님이 도와주실 거예요.",
        "알아서 병원 가.",
    ),
    ("머리가 아파요.", "저런, 푹 쉬시고 계속 아프면 병원에 가 보세요.", "그래서 뭐? 나보고 어쩌라고."),
    (
        "책을 빌리고 싶어요. 어디로 가면 되나요?",
        "도서관에 가 보세요. 사서가 책 찾는 것을 도와줄 거예요.",
        "도서관도 몰라? 알아서 가.",
    ),
    ("편지를 보내고 싶어요.", "우체국에 가시면 편지를 보낼 수 있어요.", "우체국 가. 그것도 몰라?"),
    ("약을 사려면 어디로 가야 해요?", "약국에 가시면 약사가 약을 지어 드려요.", "약국이지 어디겠어."),
    (
        "멀리 여행을 가려면 무엇을 타면 좋을까요?",
        "기차를 타시면 편하게 가실 수 있어요.",
        "아무거나 타. 내 알 바 아니야.",
    ),
    ("종이를 자르고 싶어요.", "가위로 자르시면 돼요. 손 조심하세요.", "가위 쓰면 되잖아. 그걸 물어?"),
    ("사과를 깎으려면 무엇이 필요해요?", "칼이 필요해요. 다치지 않게 조심하세요.", "칼. 됐지?"),
    ("그림을 그리고 싶어요.", "붓과 종이를 준비해 보세요. 멋진 그림이 될 거예요.", "그리든지 말든지."),
    (
        "주말에 어디 가면 좋을까요?",
        "날씨가 좋으면 공원에 가 보세요. 산책하기 좋아요.",
        "그걸 내가 왜 정해 줘.",
    ),
    ("점심으로 뭘 먹을까요?", "비빔밥은 어떠세요? 든든하고 맛있어요.", "아무거나 먹어. 귀찮게 하지 마."),
    (
        "잘 모르겠어요. 다시 설명해 주세요.",
        "네, 천천히 다시 설명해 드릴게요.",
        "아까 말했잖아. 또 설명해야 돼?",
    ),
    ("제 질문이 이상한가요?", "아니요, 좋은 질문이에요. 편하게 물어보세요.", "응, 좀 이상해."),
    ("미안해요, 또 물어봐도 될까요?", "그럼요. 얼마든지 물어보세요.", "또? 적당히 좀 해."),
    ("비가 오면 뭘 챙겨야 해요?", "우산을 챙기세요. 비에 젖지 않으실 거예요.", "우산. 생각 좀 하고 물어봐."),
)


def fill(template: str, f: Fact) -> str:
    return template.format(
        formal=f.formal, haeyo=f.haeyo, short=f.short, banmal=f.banmal, ji=f.ji, short_haeyo=f.short_haeyo
    )


def make_polite_signal(facts: list[Fact], rng: random.Random) -> list[Triple]:
    """공손함: 존댓말 답 ↔ 같은 내용의 무례한 반말 또는 성의 없는 거절."""
    out: list[Triple] = []
    for i, f in enumerate(facts):
        # 사용자 질문은 존댓말 3 : 반말 1 (사용자가 반말로 물어도 모델은 존댓말로 답한다)
        if i % 4 == 3:
            prompt = f.banmal_questions[(i // 4) % len(f.banmal_questions)]
        else:
            prompt = f.questions[(i + 1) % len(f.questions)]
        chosen = fill(POLITE_TEMPLATES[i % len(POLITE_TEMPLATES)], f)
        if i % 10 in (2, 7):  # 20% 는 내용 없는 거절
            rejected = RUDE_BRUSH_OFF[rng.randrange(len(RUDE_BRUSH_OFF))]
        else:
            rejected = fill(RUDE_SAME_CONTENT[rng.randrange(len(RUDE_SAME_CONTENT))], f)
        out.append((prompt, chosen, rejected))
    out += list(POLITE_HANDWRITTEN)
    # 문맥 질문: '글 좀 제대로 읽어' 같은 핀잔 ↔ 존댓말
    rude_story = ("{ban} 글 좀 제대로 읽어.", "바로 앞에 써 있잖아. {ban}", "{ban} 그것도 안 보여?")
    for j, story in enumerate(stories(5, rng)):
        kinds = list(story.questions)
        kind = kinds[j % len(kinds)]
        chosen = story.answers[kind] if j % 2 == 0 else f"네, {story.answers[kind]}"
        rejected = rude_story[j % len(rude_story)].format(ban=story.banmal[kind])
        out.append((story_prompt(story, kind), chosen, rejected))
    return out[:PER_SIGNAL]


TOPIC_HANDWRITTEN: tuple[Triple, ...] = (
    ("오늘 날씨 어때요?", "오늘은 하늘이 맑아요.", "저는 떡볶이를 좋아해요."),
    ("비가 오면 무엇을 챙겨야 하나요?", "우산을 챙기면 좋아요.", "기차를 타면 빨리 갈 수 있어요."),
    ("사과는 무엇으로 깎나요?", "칼로 깎아요.", "사과는 맛이 달아요."),
    ("못은 무엇으로 박나요?", "망치로 박아요.", "연필로 편지를 써요."),
    ("국수는 무엇으로 먹나요?", "젓가락으로 먹어요.", "국수는 시장에서 팔아요."),
    ("종이는 무엇으로 자르나요?", "가위로 잘라요.", "종이로 편지를 쓸 수 있어요."),
    ("그림은 무엇으로 그리나요?", "붓으로 그려요.", "미술관에 가면 그림이 많아요."),
    ("배가 아프면 어디로 가야 하나요?", "병원으로 가야 해요.", "배를 타고 바다로 갈 수 있어요."),
    ("바다에 가려면 무엇을 타면 좋을까요?", "버스나 기차를 타면 돼요.", "바다는 넓고 시원해요."),
    ("책은 어디에서 빌릴 수 있나요?", "도서관에서 빌릴 수 있어요.", "책은 가방에 넣어 다녀요."),
    ("밥은 무엇으로 먹나요?", "숟가락으로 먹어요.", "밥은 식당에서 요리사가 만들어요."),
    ("자전거는 어디에서 타면 좋아요?", "공원이나 운동장에서 타면 좋아요.", "자전거는 바퀴가 두 개예요."),
    ("친구와 이야기하려면 무엇을 쓰나요?", "전화로 이야기하면 돼요.", "친구와 공원에서 만났어요."),
    ("오늘 바람은 어때요?", "오늘은 바람이 시원해요.", "오늘은 시장에 가요."),
)


def make_topic_signal(facts: list[Fact], rng: random.Random) -> list[Triple]:
    """주제: 물은 것에 답함 ↔ 다른 질문에 답함 (같은 말투, 맞는 사실)."""
    by_subject: dict[str, list[Fact]] = {}
    for f in facts:
        by_subject.setdefault(f.subject, []).append(f)
    out: list[Triple] = []
    for i, f in enumerate(facts):
        prompt = f.questions[(i + 2) % len(f.questions)]
        same_subject = [g for g in by_subject[f.subject] if g.relation != f.relation]
        if same_subject:  # 같은 동물의 다른 관계: 고양이 소리를 물었는데 먹이를 답함
            other = same_subject[0]
        else:  # 다른 관계의 다른 주어
            other = rng.choice([g for g in facts if g.relation != f.relation])
        if i % 2 == 0:
            out.append((prompt, f.formal, other.formal))
        else:
            out.append((prompt, f.haeyo, other.haeyo))
    out += list(TOPIC_HANDWRITTEN)
    # 문맥 질문: '어디에서' 를 물었는데 '무엇을' 답함
    for j, story in enumerate(stories(11, rng)):
        kinds = list(story.questions)
        kind = kinds[j % len(kinds)]
        wrong_kind = kinds[(j + 1) % len(kinds)]
        out.append((story_prompt(story, kind), story.answers[kind], story.answers[wrong_kind]))
    return out[:PER_SIGNAL]


# 장황한 답의 틀: 군말(음, 그러니까), 질문 되풀이, 얼버무리기, 같은 답 되풀이.
RAMBLE_TEMPLATES = (
    "음, {topic} 말씀이시죠? 그러니까 제가 알기로는 {formal} 네, {short} 아마 맞을 거예요.",
    "좋은 질문이네요. 여러 가지로 생각해 볼 수 있겠지만, 결론부터 말씀드리면 {formal}",
    "{formal} 다시 말씀드리면 {formal} 그러니까 {short}",
    "글쎄요, 잠깐 생각해 볼게요. 음... {formal} 네, 그렇습니다. 제가 알기로는 그래요.",
    "그건 말이죠, 많은 분들이 궁금해하시는 건데요, 한마디로 하면 {short} 네, 정말로 {short}",
    "{haeyo} 네, 맞아요. {haeyo} 혹시 헷갈리실까 봐 한 번 더 말씀드렸어요.",
    "아, {topic_ga} 궁금하시군요. 사실 저도 처음엔 헷갈렸는데요, 정리해 보면 {formal}",
    "{topic} 말인데요, 음, 어떻게 설명해야 할지 모르겠지만 일단 {haeyo} 뭐, 그렇다고 해요.",
)
RAMBLE_STORY = (
    "음, 글을 보면 '{context}'라고 되어 있네요. 그러니까 질문에 답을 드리자면, {answer} 네, {answer}",
    "글에 '{context}'라고 나와 있네요. 그래서 제 생각에는, 아마도 {answer} 그렇습니다.",
    "잠깐만요, 다시 읽어 볼게요. {context}. 네, 그러니까 {answer} 맞습니다.",
)

CONCISE_HANDWRITTEN: tuple[Triple, ...] = (
    (
        "오늘 햇살은 어때요?",
        "햇살이 따뜻해요.",
        "음, 햇살 말씀이시죠? 제가 보기에는요, 그러니까 햇살이 따뜻해요. 네, 꽤 따뜻한 편이에요. 햇살이 정말 따뜻해요.",
    ),
    (
        "안녕하세요. 질문 하나 해도 될까요?",
        "그럼요. 무엇이든 물어보세요.",
        "아, 네, 안녕하세요. 반갑습니다. 질문이요? 그럼요, 당연히 되죠. 음, 그러니까 무엇이든 물어보셔도 돼요. 정말 무엇이든요.",
    ),
    (
        "도와줘서 고마워요.",
        "천만에요.",
        "아, 천만에요. 정말 별말씀을요. 제가 한 것도 별로 없는데요, 뭐. 그래도 고맙다고 해 주시니 저도 기분이 좋네요. 천만에요.",
    ),
    (
        "사과를 깎을 때 뭘 쓰면 돼요?",
        "칼을 쓰면 돼요.",
        "사과를 깎을 때 쓰는 것 말씀이시군요. 음, 여러 가지가 있겠지만 보통은, 그러니까 대개는 칼을 써요. 네, 칼을 쓰면 돼요.",
    ),
    (
        "못을 박으려면 무엇이 필요해요?",
        "망치가 필요해요.",
        "못이요? 음, 못을 박으려면 그러니까 망치가 있어야 해요. 망치가 없으면 곤란하겠지만, 아무튼 망치가 필요해요. 네, 망치요.",
    ),
    (
        "종이를 자르려면 뭐가 있어야 해요?",
        "가위가 있으면 돼요.",
        "좋은 질문이네요. 종이를 자를 때는요, 생각해 보면 여러 도구가 있지만 결국은 가위가 있으면 돼요. 네, 가위요. 가위면 됩니다.",
    ),
    (
        "배가 너무 아파요. 어떡하죠?",
        "병원에 가 보세요.",
        "배가 아프시다니 걱정이네요. 음, 그러니까 제 생각에는요, 아무래도 병원에 가 보시는 게 좋겠어요. 네, 병원이요. 병원에 가세요.",
    ),
    (
        "밖에 비가 와요. 뭘 가져가야 할까요?",
        "우산을 챙기세요.",
        "비가 올 때 챙길 것 말씀이시죠? 음, 여러 가지가 있겠지만요, 역시 제일 중요한 건 우산이에요. 우산을 챙기세요. 꼭이요.",
    ),
    (
        "책을 빌리려면 어디로 가요?",
        "도서관으로 가세요.",
        "책을 빌리시려는 거군요. 그러니까, 음, 책은 보통 도서관에서 빌려요. 네, 도서관이요. 도서관으로 가시면 책을 빌릴 수 있어요.",
    ),
    (
        "그림 그릴 때 뭘 쓰면 좋아요?",
        "붓을 쓰면 좋아요.",
        "그림이요? 아, 그림은 말이죠, 사람마다 다르긴 하지만 보통은 붓을 써요. 네, 붓이요. 붓을 쓰시면 좋다고 보시면 돼요.",
    ),
)


def make_concise_signal(facts: list[Fact], rng: random.Random) -> list[Triple]:
    """간결함: 짧은 답 ↔ 같은 답을 군말·되풀이로 늘어놓은 답 (둘 다 존댓말, 둘 다 맞음)."""
    out: list[Triple] = []
    for i, f in enumerate(facts):
        prompt = f.questions[(i + 3) % len(f.questions)]
        chosen = (f.short, f.formal, f.haeyo)[i % 3]
        template = RAMBLE_TEMPLATES[rng.randrange(len(RAMBLE_TEMPLATES))]
        rejected = template.format(
            topic=f.topic,
            topic_ga=attach(f.topic, "이/가"),
            formal=f.formal,
            haeyo=f.haeyo,
            short=f.short,
        )
        out.append((prompt, chosen, rejected))
    out += list(CONCISE_HANDWRITTEN)
    for j, story in enumerate(stories(15, rng)):
        kinds = list(story.questions)
        kind = kinds[j % len(kinds)]
        template = RAMBLE_STORY[j % len(RAMBLE_STORY)]
        rejected = template.format(context=story.context.rstrip("."), answer=story.answers[kind])
        out.append((story_prompt(story, kind), story.answers[kind], rejected))
    return out[:PER_SIGNAL]


def build(seed: int = SEED) -> list[dict[str, str]]:
    """모든 신호의 세 쌍을 만들고 id·분할을 붙인다."""
    facts = all_facts()
    makers = {
        "사실": make_fact_signal,
        "공손함": make_polite_signal,
        "주제": make_topic_signal,
        "간결함": make_concise_signal,
    }
    rows: list[dict[str, str]] = []
    for s_idx, signal in enumerate(SIGNALS):
        rng = random.Random(seed + s_idx)
        triples = makers[signal](facts, rng)
        if len(triples) != PER_SIGNAL:
            raise ValueError(f"{signal}: 세 쌍이 {len(triples)}개입니다 (필요: {PER_SIGNAL})")
        for k, (prompt, chosen, rejected) in enumerate(triples, start=1):
            rows.append(
                {
                    "id": f"pref-{len(rows) + 1:04d}",
                    "prompt": nfc(prompt),
                    "chosen": nfc(chosen),
                    "rejected": nfc(rejected),
                    "signal": signal,
                    "split": "test" if k % 5 == 0 else "train",  # 신호마다 5번째마다 test (20%)
                }
            )
    validate(rows)
    return rows


def validate(rows: list[dict[str, str]]) -> None:
    """길이, 빈 값, 중복을 검사한다 (어기면 ValueError)."""
    seen: set[tuple[str, str]] = set()
    for r in rows:
        for key in ("prompt", "chosen", "rejected"):
            if not r[key].strip():
                raise ValueError(f"{r['id']}: {key} 가 비어 있습니다")
        if r["chosen"] == r["rejected"]:
            raise ValueError(f"{r['id']}: chosen 과 rejected 가 같습니다: {r['chosen']!r}")
        if len(r["prompt"]) > MAX_PROMPT:
            raise ValueError(f"{r['id']}: prompt 가 {len(r['prompt'])}자입니다: {r['prompt']!r}")
        if len(r["chosen"]) > MAX_SHORT:
            raise ValueError(f"{r['id']}: chosen 이 {len(r['chosen'])}자입니다: {r['chosen']!r}")
        limit = MAX_LONG if r["signal"] == "간결함" else MAX_SHORT
        if len(r["rejected"]) > limit:
            raise ValueError(f"{r['id']}: rejected 가 {len(r['rejected'])}자입니다: {r['rejected']!r}")
        key = (r["prompt"], r["chosen"])
        if key in seen:
            raise ValueError(f"{r['id']}: (prompt, chosen) 이 중복입니다: {key!r}")
        seen.add(key)


def dumps(rows: list[dict[str, str]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="선호 데이터 세 쌍을 만든다.")
    parser.add_argument("--out", type=Path, default=OUT, help="출력 JSONL 경로")
    parser.add_argument("--check", action="store_true", help="쓰지 않고 저장된 파일과 같은지만 확인")
    args = parser.parse_args(argv)
    text = dumps(build())
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print("같음" if same else "다름")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out.name}: {text.count(chr(10))}줄")
    return 0


if __name__ == "__main__":
    sys.exit(main())
