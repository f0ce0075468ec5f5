"""장르별 문서 생성: 백과사전식 설명, 뉴스, 대화, 리뷰(감성 표시), 사용법 (짧은 이야기는 :mod:`.stories`).

모든 장르는 같은 세계(:class:`~llmnotes.world.facts.World`)의 사실을 문서 날짜 기준으로 말한다.
``split="train"`` 문서는 마감일 전 날짜, 남겨 둔 개체가 없는 사실, 학습용 틀만 쓴다. ``"heldout"`` 문서는
남겨 둔 개체·마감일 뒤 날짜·남겨 둔 틀을 쓴다 (평가용).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from .facts import ROLE_NOUN, TIMELINE_RELATIONS, Fact, World
from .grammar import VERBS, polite_template, render
from .phrasings import EVENTS, HISTORY, STATEMENTS, connective_template, heldout_templates, train_templates

__all__ = ["GENRES", "Document", "Ctx"]


@dataclass(frozen=True)
class Document:
    """생성된 문서 하나.

    Attributes:
        text: 본문 (NFC, 문장은 공백, 문단·대사는 줄바꿈으로 나눈다).
        genre: :data:`GENRES` 가운데 하나.
        entity_ids: 문서에 나온 개체 id (정렬된 튜플).
        date: 문서의 날짜 (이 날 기준으로 참인 사실만 현재형으로 말한다).
        label: 리뷰의 감성 (1 긍정, 0 부정), 다른 장르는 ``None``.
        split: 'train' 또는 'heldout'.
    """

    text: str
    genre: str
    entity_ids: tuple[str, ...]
    date: date
    label: int | None = None
    split: str = "train"


class Ctx:
    """문서 하나를 쓰는 동안의 상태: 세계, 난수, split, 날짜, 언급한 개체."""

    def __init__(self, world: World, r: random.Random, split: str, day: date) -> None:
        self.w, self.r, self.split, self.day = world, r, split, day
        self.mentioned: set[str] = set()

    # --- 무엇을 말해도 되는가
    def ok(self, f: Fact) -> bool:
        """이 문서에서 말해도 되는 사실인가 (train: 남겨 둔 개체·마감일 뒤 사실 제외)."""
        return self.split != "train" or self.w.is_train_fact(f)

    def current(self, eid: str) -> list[Fact]:
        """문서 날짜에 참이고 말해도 되는 사실들."""
        return [f for f in self.w.facts_about(eid, self.day) if self.ok(f)]

    def fact(self, eid: str, rel: str) -> Fact | None:
        f = self.w.value(eid, rel, self.day)
        return f if f is not None and self.ok(f) else None

    # --- 어떻게 말하는가
    def template(self, table: dict[str, tuple[str, ...]], rel: str, need: tuple[str, ...] = ()) -> str:
        """틀 하나를 고른다. train 은 학습용 틀만, heldout 은 절반쯤 남겨 둔 틀을 쓴다. ``need`` 자리가 다 있는 틀만."""
        allowed = train_templates(table, rel) if self.split == "train" else table[rel]
        pool = train_templates(table, rel)
        if self.split != "train" and self.r.random() < 0.5:
            pool = heldout_templates(table, rel)
        pool = [t for t in pool if all(n in t for n in need)] or [
            t for t in allowed if all(n in t for n in need)
        ]
        if not pool:
            raise ValueError(f"관계 {rel!r}에 쓸 틀이 없습니다 (필요한 자리: {need})")
        return self.r.choice(pool)

    def values(self, f: Fact, **extra: str) -> dict[str, str]:
        self.mentioned.add(f.subject)
        if f.object_id:
            self.mentioned.add(f.object_id)
        v = {"S": self.w.entities[f.subject].name, "O": f.value, "R": ROLE_NOUN.get(f.relation, "")}
        v.update(extra)
        return v

    def say(self, f: Fact, polite: bool = False) -> str:
        """사실을 현재형 문장으로 (문서 날짜 기준). ``polite`` 면 해요체 ('…이에요', '…있어요')."""
        t = self.template(STATEMENTS, f.relation)
        if polite:
            t = polite_template(t) or t
        return render(t, self.values(f))

    def say_pair(self, f: Fact, g: Fact) -> str:
        """두 사실을 '-고' 로 이은 한 문장 (앞 틀을 이을 수 없으면 두 문장)."""
        t1 = connective_template(self.template(STATEMENTS, f.relation))
        t2 = self.template(STATEMENTS, g.relation)
        if t1 is None:
            return self.say(f) + " " + render(t2, self.values(g))
        if f.subject == g.subject and t1.startswith("{S/은} ") and t2.startswith("{S/은} "):
            t2 = t2[len("{S/은} ") :]  # 같은 주어는 되풀이하지 않는다: '…태어났고, 기업인이다.'
        return render(t1, self.values(f)) + " " + render(t2, self.values(g))

    def say_history(self, f: Fact) -> str | None:
        """끝난 구간의 사실을 과거형 문장으로."""
        y1 = f"{f.valid_from.year}년" if f.valid_from else ("2005년" if f.relation == "population" else "")
        y2 = f"{f.valid_to.year}년" if f.valid_to else ""
        need = ("{Y2}",) if not y1 else ()
        if f.valid_from and f.valid_to and f.valid_from.year == f.valid_to.year:
            return None  # '2010년부터 2010년까지' 는 어색하다
        t = self.template(HISTORY, f.relation, need)
        if "{Y1" in t and not y1:
            return None
        return render(t, self.values(f, Y1=y1, Y2=y2))

    def name(self, eid: str) -> str:
        self.mentioned.add(eid)
        return self.w.entities[eid].name

    def ymd(self, d: date | None = None) -> str:
        d = d or self.day
        return f"{d.year}년 {d.month}월 {d.day}일"


# ---------------------------------------------------------------- 백과사전
def encyclopedia(c: Ctx, eid: str) -> str:
    """개체 하나를 설명하는 글: 현재 사실, 지난 시간표, 이 개체를 언급하는 다른 사실."""
    w, r = c.w, c.r
    sents = []
    facts = c.current(eid)
    k = 0
    while k < len(facts):
        f = facts[k]
        if f.relation in TIMELINE_RELATIONS and r.random() < 0.4:
            sents.append(f"{c.day.year}년 현재 {c.say(f)}")
        elif k + 1 < len(facts) and facts[k + 1].relation not in TIMELINE_RELATIONS and r.random() < 0.3:
            sents.append(c.say_pair(f, facts[k + 1]))  # 두 사실을 '-고' 로 이어 한 문장으로
            k += 1
        else:
            sents.append(c.say(f))
        k += 1
    for f in w.facts_about(eid):
        if f.relation in TIMELINE_RELATIONS and f.valid_to is not None and f.valid_to <= c.day and c.ok(f):
            if r.random() < 0.7 and (h := c.say_history(f)):
                sents.append(h)
    others = [f for f in w.facts_mentioning(eid, c.day) if c.ok(f)]
    r.shuffle(others)
    sents += [c.say(f) for f in others[:3]]
    if not sents:
        return ""
    head, rest = sents[0], sents[1:]
    r.shuffle(rest)
    c.mentioned.add(eid)
    return f"{c.name(eid)}\n" + " ".join([head, *rest])


# ---------------------------------------------------------------- 뉴스
_OPENERS = ("{D}의 소식이다.", "{D}에 전해진 소식이다.", "{D}에 나온 보도이다.", "{D} 소식을 전한다.")
_QUOTES = ("맡은 일을 성실히 하겠습니다", "믿어 주신 만큼 열심히 일하겠습니다", "더 좋은 곳으로 만들겠습니다", "모두와 함께 가겠습니다")  # fmt: skip


def news(c: Ctx, f: Fact, prev: Fact | None) -> str:
    """시간표의 변화 하나(새 기관장, 가격 변경, 인구 조사, 제품 출시)를 날짜와 함께 전하는 기사."""
    r = c.r
    sents = [render(r.choice(_OPENERS), {"D": c.ymd()})]
    extra: dict[str, str] = {}
    rel = f.relation
    if rel == "price" and prev is None:
        rel = "released"
    if prev is not None and c.ok(prev):
        extra["P"] = prev.value
    if rel in ("price", "population") and prev is not None and prev.number and f.number:
        up = f.number > prev.number
        extra["V"] = ("올랐다" if up else "내렸다") if rel == "price" else ("늘었다" if up else "줄었다")
    if f.relation in ("price",):
        mk = c.fact(f.subject, "maker")
        if mk:
            extra["M"] = c.name(mk.object_id)
        cat = c.fact(f.subject, "category")
        if cat:
            extra["K"] = cat.value
    need = tuple("{" + k for k in ("P", "V", "M", "K"))
    t = c.template(EVENTS, rel)
    tries = 0
    while any(n in t for n in need if n[1:] not in extra) and tries < 20:
        t, tries = c.template(EVENTS, rel), tries + 1
    if any(n in t for n in need if n[1:] not in extra):
        return ""
    sents.append(render(t, c.values(f, **extra)))
    if rel == "released" and r.random() < 0.8:
        sents.append(c.say(f))  # 출시 가격
    if rel in ROLE_NOUN and r.random() < 0.6:
        sents.append(render(f'{f.value} {{R/은}} "{r.choice(_QUOTES)}"라고 말했다.', {"R": ROLE_NOUN[rel]}))
    if prev is not None and c.ok(prev) and rel in HISTORY and r.random() < 0.5:
        if h := c.say_history(prev):
            sents.append(h)
    context = [g for g in c.current(f.subject) if g.relation not in TIMELINE_RELATIONS]
    if f.object_id:
        context += [
            g for g in c.current(f.object_id) if g.relation in ("birthplace", "birth_year", "occupation")
        ]
    r.shuffle(context)
    sents += [c.say(g) for g in context[: r.randint(1, 3)]]
    return " ".join(sents)


# ---------------------------------------------------------------- 대화
def dialogue(c: Ctx, a: str, topic: str) -> str:
    """두 사람의 해요체 대화. 한 사람이 세계의 사실을 묻고 다른 사람이 답한다. 어른에게는 -시- 로 높인다."""
    from .phrasings import QUESTIONS

    r = c.r
    an = c.name(a)
    b = r.choice(("선생님", "교수님", "할머니", "민지", "준호"))
    hon = b in ("선생님", "교수님", "할머니")
    lines = []
    greet = f"{b}, 안녕하세요." if hon else f"{b} 씨, 안녕하세요."
    lines.append(f"{an}: {greet}")
    lines.append(f"{b}: {an} 씨, 어서 오세요. 오늘은 무슨 일이에요?")
    facts = [f for f in c.current(topic) if f.relation in QUESTIONS]
    r.shuffle(facts)
    n_q = 0
    for f in facts[:3]:
        ans = c.say(f, polite=True)
        q = render(QUESTIONS[f.relation], c.values(f))
        lines.append(f"{an}: {q}" if n_q == 0 else f"{an}: 그럼 {q}")
        lines.append(f"{b}: {ans}")
        n_q += 1
    if not n_q:
        return ""
    when = r.choice(("어제", "지난주에", "지난달에"))
    city = c.name(r.choice(c.w.ids("city", "train" if c.split == "train" else "all")))
    # 잡담 한 토막: 어른(선생님·교수님·할머니)이 주어면 '-시-', 말하는 이 자신은 높이지 않는다.
    you = f"{b}께서는 " if hon else ""
    talk = r.randrange(3)
    if talk == 0:
        go = VERBS["가다"].hon_polite_past() if hon else VERBS["가다"].polite_past()
        lines.append(f"{an}: {when} {you}어디에 {go}?")
        lines.append(f"{b}: {when} {city}에 다녀왔어요.")
        if hon and r.random() < 0.5:
            lines.append(f"{an}: 내일도 {city}에 {VERBS['가다'].hon_polite()}?")
            lines.append(f"{b}: {r.choice(('아니요, 내일은 집에 있어요.', '네, 내일 다시 가요.'))}")
    elif talk == 1:
        read = VERBS["읽다"].hon_polite() if hon else VERBS["읽다"].polite
        lines.append(f"{an}: 요즘 {you}무슨 책을 {read}?")
        lines.append(f"{b}: 요즘은 {city}의 역사를 다룬 책을 읽어요.")
    else:
        eat = VERBS["먹다"].hon_polite_past() if hon else VERBS["먹다"].polite_past()
        lines.append(f"{an}: {you}점심은 {eat}?")
        lines.append(f"{b}: {r.choice(('네, 아까 먹었어요.', '아직이요. 이따가 먹을 거예요.'))}")
    ask = "여쭤볼게요" if hon else "물어볼게요"
    lines.append(
        f"{an}: {r.choice(('알려 주셔서 고마워요.', '덕분에 잘 알았어요.', f'고마워요. 다음에 또 {ask}.'))}"
    )
    return "\n".join(lines)


# ---------------------------------------------------------------- 리뷰
_POS = ("정말 마음에 든다.", "디자인이 예쁘고 쓰기도 편하다.", "값이 아깝지 않다.", "친구에게도 추천하고 싶다.", "품질이 기대보다 훨씬 좋다.", "다음에도 이 회사 제품을 살 생각이다.")  # fmt: skip
_POS_POLITE = ("정말 마음에 들어요.", "디자인이 예쁘고 쓰기도 편해요.", "값이 아깝지 않아요.", "친구에게도 추천하고 싶어요.", "품질이 기대보다 훨씬 좋아요.", "배송도 빨라서 좋았어요.")  # fmt: skip
_NEG_POLITE = ("솔직히 실망스러워요.", "쓰기가 불편하고 금방 고장이 났어요.", "값에 비해 품질이 좋지 않아요.", "다시는 사지 않을 거예요.", "설명과 달라서 아쉬워요.", "포장도 엉망이었어요.")  # fmt: skip
_NEG = ("솔직히 실망스럽다.", "쓰기가 불편하고 금방 고장이 났다.", "값에 비해 품질이 좋지 않다.", "다시는 사지 않을 것이다.", "설명과 달라서 아쉽다.", "친구에게는 권하고 싶지 않다.")  # fmt: skip


def review(c: Ctx, product: str, label: int) -> str:
    """제품 리뷰 (평서체). ``label`` 1 이면 긍정, 0 이면 부정 문장만 쓴다."""
    r = c.r
    p = c.name(product)
    pol = r.random() < 0.4  # 해요체 리뷰
    when = r.choice(("지난달에", "지난주에", "어제", "지난해에"))
    sents = [render(f"{when} {{P/을}} {'샀어요' if pol else '샀다'}.", {"P": p})]
    price, mk, cat = c.fact(product, "price"), c.fact(product, "maker"), c.fact(product, "category")
    if price:
        t = "값은 {O/이었어요}." if pol else "값은 {O/이었다}."
        sents.append(render(t, {"O": price.value}) if r.random() < 0.5 else c.say(price, polite=pol))
    if mk and cat:
        t = "{M/이} 만든 {K/이라} 기대가 " + ("컸어요." if pol else "컸다.")
        sents.append(render(t, {"M": c.name(mk.object_id), "K": cat.value}))
    elif mk:
        sents.append(c.say(mk, polite=pol))
    pool = list((_POS_POLITE if label == 1 else _NEG_POLITE) if pol else (_POS if label == 1 else _NEG))
    r.shuffle(pool)
    sents += pool[: r.randint(2, 4)]
    stars = r.choice((4, 5)) if label == 1 else r.choice((1, 2))
    sents.append(f"별점은 {stars}점{'이에요' if pol else '이다'}.")
    return " ".join(sents)


# ---------------------------------------------------------------- 사용법
_STEPS = {
    "device": (
        "상자에서 {P/을} 꺼내세요.",
        "전원 선을 꽂고 단추를 눌러 켜세요.",
        "처음에는 약한 단계로 써 보세요.",
        "다 쓴 뒤에는 전원을 끄고 먼지를 닦으세요.",
    ),  # fmt: skip
    "food": (
        "포장을 뜯고 {P/을} 그릇에 담으세요.",
        "뜨거운 물이 필요하면 조심해서 부으세요.",
        "남은 것은 밀봉해서 서늘한 곳에 두세요.",
        "유통 기한을 꼭 확인하세요.",
    ),  # fmt: skip
    "care": (
        "쓰기 전에 설명서를 끝까지 읽으세요.",
        "알맞은 양만 덜어서 쓰세요.",
        "눈에 들어가면 물로 씻어 내세요.",
        "아이 손이 닿지 않는 곳에 두세요.",
    ),  # fmt: skip
    "thing": (
        "상자를 열고 부품이 다 있는지 확인하세요.",
        "설명서의 순서대로 조립하세요.",
        "흔들리지 않는지 살펴보세요.",
        "더러워지면 마른 천으로 닦으세요.",
    ),  # fmt: skip
}
_GROUP = {"전자": "device", "통신": "device", "자동차": "thing", "식품": "food", "제약": "care", "화장품": "care", "가구": "thing", "출판": "thing", "건설": "thing", "여행": "thing"}  # fmt: skip
_ORDER = ("먼저", "그다음", "그리고", "마지막으로")


def howto(c: Ctx, product: str) -> str:
    """제품 사용법 (해요체 명령 '-세요'). 제조사·종류 사실과 고객 센터 안내가 들어간다."""
    from .entities import company_industry

    r = c.r
    p = c.name(product)
    mk, cat = c.fact(product, "maker"), c.fact(product, "category")
    if mk is None:
        return ""
    group = _GROUP[company_industry(mk.value)]
    sents = [render("{P/을} 쓰는 방법을 알아봅시다.", {"P": p})]
    if cat:
        sents.append(c.say(cat))
    steps = list(_STEPS[group])
    for k, s in enumerate(steps):
        sents.append(f"{_ORDER[k]} " + render(s, {"P": p}))
    sents.append(render("궁금한 점이 있으면 {M} 고객 센터에 물어보세요.", {"M": c.name(mk.object_id)}))
    if r.random() < 0.5:
        sents.append(c.say(mk))
    return " ".join(sents)


GENRES = ("encyclopedia", "news", "story", "dialogue", "review", "howto")


def random_day(r: random.Random, lo: date, hi: date) -> date:
    """[lo, hi) 에서 고른 날짜."""
    return lo + timedelta(days=r.randrange(max(1, (hi - lo).days)))
