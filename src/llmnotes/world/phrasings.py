"""관계마다 여러 가지로 말하는 문장 틀 (사실 하나를 ≥ 5가지로 말한다).

자리: ``{S}`` 주어 개체, ``{O}`` 값(또는 목적 개체), ``{P}`` 바뀌기 전 값, ``{Y1}``/``{Y2}`` 연도('2010년'),
``{M}`` 제조사, ``{K}`` 제품 종류, ``{V}`` 변화 동사. 조사는 ``{S/은}`` 처럼 적는다 (:func:`grammar.render`).

각 목록의 **마지막 틀은 평가용으로 남겨 둔다** (held-out phrasing): 사전학습(train) 문서에는 나오지 않고,
``split="heldout"`` 문서와 :func:`llmnotes.world.facts.fact_questions` 의 'heldout_phrasing' 질문에만 나온다.
그래서 "학습 때 본 적 없는 말투로 물어도 사실을 아는가" 를 잴 수 있다.
"""

from __future__ import annotations

from ..hangul import final_consonant

__all__ = [
    "STATEMENTS",
    "HISTORY",
    "EVENTS",
    "QUESTIONS",
    "N_HELDOUT",
    "train_templates",
    "heldout_templates",
]

N_HELDOUT = 1  # 목록마다 끝에서 몇 개를 남겨 두는가

# 현재(문서 날짜 기준) 사실을 말하는 틀.
STATEMENTS: dict[str, tuple[str, ...]] = {
    "birth_year": (
        "{S/은} {O}에 태어났다.",
        "{S/이} 태어난 해는 {O/이다}.",
        "{S/은} {O}에 출생했다.",
        "{S}의 출생 연도는 {O/이다}.",
        "{S/은} {O}생이다.",
    ),
    "birthplace": (
        "{S/은} {O}에서 태어났다.",
        "{S}의 고향은 {O/이다}.",
        "{S/은} {O} 출신이다.",
        "{O/은} {S/이} 태어난 곳이다.",
        "{S/이} 나고 자란 곳은 {O/이다}.",
    ),
    "occupation": (
        "{S/은} {O/이다}.",
        "{S}의 직업은 {O/이다}.",
        "{S/은} {O/으로} 일한다.",
        "{S/은} {O/이라는} 직업을 가지고 있다.",
        "{S/은} 직업이 {O/이다}.",
    ),
    "employer": (
        "{S/은} {O}에서 일한다.",
        "{S}의 직장은 {O/이다}.",
        "{S/은} {O}에 다닌다.",
        "{O/은} {S/이} 일하는 곳이다.",
        "{S/은} {O} 소속이다.",
    ),
    "province": (
        "{S/은} {O}에 있는 도시이다.",
        "{S/은} {O}에 속한 도시이다.",
        "{O}에는 {S/이} 있다.",
        "{S/은} {O}의 도시이다.",
        "{S/은} 행정 구역상 {O}에 속한다.",
    ),
    "population": (
        "{S}의 인구는 {O/이다}.",
        "{S}에는 {O/이} 산다.",
        "{S/은} 인구가 {O}인 도시이다.",
        "{S}에 사는 사람은 모두 {O/이다}.",
        "{S}의 주민 수는 {O/이다}.",
    ),
    "specialty": (
        "{S}의 특산물은 {O/이다}.",
        "{S/은} {O/으로} 유명하다.",
        "{S}에서는 {O/이} 많이 난다.",
        "{O/은} {S}의 대표 특산물이다.",
        "{S/이라고} 하면 {O/이} 먼저 떠오른다.",
    ),
    "mayor": (
        "{S}의 시장은 {O/이다}.",
        "{O/은} {S} 시장이다.",
        "{S/은} {O} 시장이 이끌고 있다.",
        "{O/이} {S} 시장을 맡고 있다.",
        "{S}의 시정은 {O} 시장이 맡고 있다.",
    ),
    "headquarters": (
        "{S}의 본사는 {O}에 있다.",
        "{S/은} {O}에 본사를 둔 회사이다.",
        "{O}에는 {S}의 본사가 있다.",
        "{S/은} {O}에 자리 잡은 회사이다.",
        "{S/은} 본사를 {O}에 두고 있다.",
    ),
    "founded": (
        "{S/은} {O}에 세워졌다.",
        "{S/은} {O}에 창립되었다.",
        "{S}의 창립 연도는 {O/이다}.",
        "{S/이} 문을 연 해는 {O/이다}.",
        "{S/은} {O}에 설립되었다.",
    ),
    "industry": (
        "{S/은} {O} 회사이다.",
        "{S}의 업종은 {O/이다}.",
        "{S/은} {O} 분야의 기업이다.",
        "{S/은} {O} 산업에 속한 회사이다.",
        "{S/이} 하는 사업은 {O} 분야이다.",
    ),
    "ceo": (
        "{S}의 대표는 {O/이다}.",
        "{O/은} {S}의 대표이다.",
        "{S/은} {O} 대표가 이끌고 있다.",
        "{S/을} 이끄는 사람은 {O} 대표이다.",
        "{S}의 대표이사는 {O/이다}.",
    ),
    "location": (
        "{S/은} {O}에 있다.",
        "{S/은} {O}에 있는 대학교이다.",
        "{O}에는 {S/이} 있다.",
        "{S}의 캠퍼스는 {O}에 있다.",
        "{S/은} {O}에 자리한 대학이다.",
    ),
    "opened": (
        "{S/은} {O}에 개교했다.",
        "{S/은} {O}에 문을 열었다.",
        "{S}의 개교 연도는 {O/이다}.",
        "{S/은} {O}에 세워진 대학교이다.",
        "{S/이} 처음 학생을 받은 해는 {O/이다}.",
    ),
    "president": (
        "{S}의 총장은 {O/이다}.",
        "{O/은} {S}의 총장이다.",
        "{S/은} {O} 총장이 이끌고 있다.",
        "{O/이} {S} 총장을 맡고 있다.",
        "{S/을} 이끄는 총장은 {O/이다}.",
    ),
    "maker": (
        "{S/은} {O/이} 만든다.",
        "{S/은} {O}의 제품이다.",
        "{O/은} {S/을} 만드는 회사이다.",
        "{S}의 제조사는 {O/이다}.",
        "{S/은} {O}에서 나온 제품이다.",
    ),
    "category": (
        "{S/은} {O/이다}.",
        "{S/은} {O} 제품이다.",
        "{S}의 종류는 {O/이다}.",
        "{S/은} {O/으로} 분류된다.",
        "{S/은} {O} 가운데 하나이다.",
    ),
    "released": (
        "{S/은} {O}에 출시되었다.",
        "{S/이} 처음 나온 해는 {O/이다}.",
        "{S}의 출시 연도는 {O/이다}.",
        "{S/은} {O}에 처음 판매되었다.",
        "{S/은} {O}에 세상에 나왔다.",
    ),
    "price": (
        "{S}의 가격은 {O/이다}.",
        "{S/은} {O}에 팔린다.",
        "{S/을} 사려면 {O/이} 든다.",
        "{S}의 값은 {O/이다}.",
        "{S}의 판매 가격은 {O/이다}.",
    ),
}

# 지난 값(시간표의 끝난 구간)을 과거형으로 말하는 틀. Y1 = 시작 연도, Y2 = 끝 연도.
_ROLE_HISTORY = (
    "{Y1}부터 {Y2}까지 {S}의 {R/은} {O/이었다}.",
    "{O/은} {Y1}부터 {Y2}까지 {S} {R/을} 지냈다.",
    "{O/은} {Y1}에 {S} {R/이} 되어 {Y2}까지 일했다.",
    "{Y2} 전에는 {O/이} {S} {R/이었다}.",
    "{S/은} {Y1}부터 {Y2}까지 {O} {R/이} 이끌었다.",
)
HISTORY: dict[str, tuple[str, ...]] = {
    "mayor": _ROLE_HISTORY,
    "ceo": _ROLE_HISTORY,
    "president": _ROLE_HISTORY,
    "population": (
        "{Y1} {S}의 인구는 {O/이었다}.",
        "{Y1}에 {S}에는 {O/이} 살았다.",
        "{Y1}에는 {S}의 인구가 {O/이었다}.",
        "{Y1} 당시 {S}에 사는 사람은 {O/이었다}.",
        "{Y1}에 조사한 {S}의 주민 수는 {O/이었다}.",
    ),
    "price": (
        "{Y1}부터 {Y2}까지 {S}의 가격은 {O/이었다}.",
        "{S/은} {Y1}에는 {O}에 팔렸다.",
        "{Y1}에 {S/을} 사려면 {O/이} 들었다.",
        "{Y1} 당시 {S}의 가격은 {O/이었다}.",
        "{Y1}에 {S}의 판매 가격은 {O/이었다}.",
    ),
}

# 값이 바뀐 날의 소식(뉴스)을 말하는 틀 (과거형). P = 이전 값, O = 새 값.
_ROLE_EVENTS = (
    "{O/이} {S}의 새 {R/이} 되었다.",
    "{S}의 {R/이} {P}에서 {O/으로} 바뀌었다.",
    "{P} {R}의 뒤를 이어 {O/이} {S} {R/을} 맡았다.",
    "{S/은} {P} {R}의 후임으로 {O/을} 맞았다.",
    "{O/이} {S} {R}에 취임했다.",
)
EVENTS: dict[str, tuple[str, ...]] = {
    "mayor": _ROLE_EVENTS,
    "ceo": _ROLE_EVENTS,
    "president": _ROLE_EVENTS,
    "population": (
        "{S}의 인구가 {O/으로} 집계되었다.",
        "조사 결과 {S}에는 {O/이} 사는 것으로 나타났다.",
        "{S}의 인구는 {P}에서 {O/으로} {V}.",
        "새 조사에서 {S}의 인구는 {O/이었다}.",
        "{S}의 주민 수가 {O/으로} 발표되었다.",
    ),
    "price": (
        "{S}의 가격이 {P}에서 {O/으로} {V}.",
        "{M/은} {S}의 가격을 {O/으로} 바꾸었다.",
        "{S}의 새 가격은 {O/으로} 정해졌다.",
        "{M/은} {S/을} {P}에서 {O/으로} 조정했다.",
        "{S}의 판매 가격이 {O/으로} 조정되었다.",
    ),
    "released": (
        "{M/은} 새 {K}인 {S/을} 내놓았다.",
        "{M/이} 만든 {K} {S/이} 출시되었다.",
        "새 {K} {S/이} 가게에 나왔다.",
        "{M/은} {S/을} {O}에 선보였다.",
        "{M}의 새 제품 {S/이} 공개되었다.",
    ),
}

# 사실 질문: (묻는 말, 빈칸 채우기 프롬프트를 만들 STATEMENTS 틀 번호 — 틀이 '{O' 로 끝나야 한다)
QUESTIONS: dict[str, str] = {
    "birth_year": "{S/은} 몇 년에 태어났나요?",
    "birthplace": "{S/은} 어디에서 태어났나요?",
    "occupation": "{S}의 직업은 무엇인가요?",
    "employer": "{S/은} 어디에서 일하나요?",
    "province": "{S/은} 어느 도에 있나요?",
    "population": "{S}의 인구는 얼마인가요?",
    "specialty": "{S}의 특산물은 무엇인가요?",
    "mayor": "{S}의 시장은 누구인가요?",
    "headquarters": "{S}의 본사는 어디에 있나요?",
    "founded": "{S/은} 몇 년에 세워졌나요?",
    "industry": "{S}의 업종은 무엇인가요?",
    "ceo": "{S}의 대표는 누구인가요?",
    "location": "{S/은} 어느 도시에 있나요?",
    "opened": "{S/은} 몇 년에 개교했나요?",
    "president": "{S}의 총장은 누구인가요?",
    "maker": "{S/은} 어느 회사가 만드나요?",
    "category": "{S/은} 어떤 제품인가요?",
    "released": "{S/은} 몇 년에 출시되었나요?",
    "price": "{S}의 가격은 얼마인가요?",
}


def train_templates(table: dict[str, tuple[str, ...]], relation: str) -> tuple[str, ...]:
    """사전학습 문서에 쓰는 틀들 (마지막 ``N_HELDOUT`` 개를 뺀 것)."""
    return table[relation][:-N_HELDOUT]


def heldout_templates(table: dict[str, tuple[str, ...]], relation: str) -> tuple[str, ...]:
    """평가용으로 남겨 둔 틀들."""
    return table[relation][-N_HELDOUT:]


# 해라체 문장 틀 → 해요체 틀. 끝말만 바꾼다 (틀을 알고 바꾸므로 '오이다' 같은 값을 잘못 자르지 않는다).
_POLITE_PRESENT = {
    "있다.": "있어요.", "산다.": "살아요.", "일한다.": "일해요.", "팔린다.": "팔려요.", "든다.": "들어요.",
    "만든다.": "만들어요.", "다닌다.": "다녀요.", "속한다.": "속해요.", "유명하다.": "유명해요.", "난다.": "나요.",
    "떠오른다.": "떠올라요.", "분류된다.": "분류돼요.", "맡고 있다.": "맡고 있어요.", "이끌고 있다.": "이끌고 있어요.",
}  # fmt: skip
_PAST_ENDINGS = ("었다.", "았다.", "였다.", "했다.", "졌다.", "났다.", "왔다.", "갔다.", "웠다.")


def polite_template(template: str) -> str | None:
    """해라체 틀('…이다.', '…있다.', '…었다.')을 해요체 틀로 바꾼다. 바꿀 줄 모르는 끝말이면 ``None``.

    예: '{S}의 대표는 {O/이다}.' → '{S}의 대표는 {O/이에요}.', '{S/은} {O} 출신이다.' → '{S/은} {O} 출신이에요.'
    """
    for plain, polite in (("/이다}.", "/이에요}."), ("/이었다}.", "/이었어요}.")):
        if template.endswith(plain):
            return template[: -len(plain)] + polite
    if template.endswith("이다.") and not template.endswith("}이다."):
        head = template[: -len("이다.")]
        return head + ("이에요." if final_consonant(head) else "예요.")
    for plain, polite in sorted(_POLITE_PRESENT.items(), key=lambda kv: -len(kv[0])):
        if template.endswith(" " + plain) or template.endswith("}" + plain) or template == plain:
            return template[: -len(plain)] + polite
    if template.endswith(_PAST_ENDINGS):
        return template[: -len("다.")] + "어요."
    return None


# 해라체 문장 틀 → '-고' 로 이어지는 앞 절 (두 사실을 한 문장으로 잇는다). 현재형 동사는 어간을 손으로 적었다.
_CONNECTIVE_PRESENT = {
    "있다.": "있고,", "산다.": "살고,", "일한다.": "일하고,", "팔린다.": "팔리고,", "든다.": "들고,",
    "만든다.": "만들고,", "다닌다.": "다니고,", "속한다.": "속하고,", "유명하다.": "유명하고,", "난다.": "나고,",
    "떠오른다.": "떠오르고,", "분류된다.": "분류되고,",
}  # fmt: skip


def connective_template(template: str) -> str | None:
    """해라체 틀을 '-고,' 로 끝나는 앞 절 틀로 바꾼다. 바꿀 줄 모르는 끝말이면 ``None``.

    예: '{S}의 고향은 {O/이다}.' → '{S}의 고향은 {O}이고,', '{S/은} {O}에 태어났다.' → '{S/은} {O}에 태어났고,'
    """
    for plain, conn in (("/이다}.", "}이고,"), ("/이었다}.", "/이었고},")):
        if template.endswith(plain):
            return template[: -len(plain)] + conn
    if template.endswith("이다.") and not template.endswith("}이다."):
        return template[: -len("이다.")] + "이고,"
    for plain, conn in sorted(_CONNECTIVE_PRESENT.items(), key=lambda kv: -len(kv[0])):
        if template.endswith(" " + plain) or template.endswith("}" + plain):
            return template[: -len(plain)] + conn
    if template.endswith(_PAST_ENDINGS):
        return template[: -len("다.")] + "고,"
    return None
