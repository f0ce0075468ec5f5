"""짧은 이야기 장르: 과거형으로 쓰고, 어른·교수님이 주어일 때는 언제나 '-시-' 로 높인다.

네 가지 줄거리: 어른과 도시에 다녀온 하루(:func:`story`), 교수님을 찾아간 날(:func:`professor_visit`),
회사에서의 하루(:func:`work_day`), 친구와의 만남(:func:`friends_meet`). 세계의 사실(특산물, 인구, 제품 가격, 대표 …)을
이야기 날짜 기준으로 섞어 넣는다.
"""

from __future__ import annotations

from .genres import Ctx
from .grammar import VERBS, render

__all__ = ["story", "professor_visit", "work_day", "friends_meet"]

# ---------------------------------------------------------------- 이야기
_ELDERS = ("할머니", "할아버지", "선생님")
_PAST_WHEN = ("어제", "지난주에", "지난달에", "지난해 봄에", "지난해 가을에", "그저께")


def story(c: Ctx, hero: str, city: str, product: str | None) -> str:
    """사람 하나가 어른과 함께 도시에 다녀온 짧은 이야기 (과거형, 어른에게는 높임)."""
    r = c.r
    elder = r.choice(_ELDERS)
    el = elder + "께서"
    h, ci = c.name(hero), c.name(city)
    josa = render("{H/은}", {"H": h})
    with_elder = render("{E/와}", {"E": elder})
    sents = [f"{r.choice(_PAST_WHEN)} {josa} {with_elder} 함께 {ci}에 갔다."]
    sp = c.fact(city, "specialty")
    if sp:
        sents.append(c.say(sp))
        sents.append(
            render(f"{el}는 {{O/을}} 좋아하셔서 한 상자를 {VERBS['사다'].hon_past()}", {"O": sp.value}) + "."
        )
    pop = c.fact(city, "population")
    if pop and r.random() < 0.5:
        sents.append(f"그때 {ci}의 인구는 {render('{O/이었다}', {'O': pop.value})}.")
    if product:
        p = c.name(product)
        sents.append(render("{H/은} 가게에서 {P/을} 처음 보았다.", {"H": h, "P": p}))
        mk, price = c.fact(product, "maker"), c.fact(product, "price")
        if mk:
            sents.append(c.say(mk))
        if price:
            sents.append(render("그날 {P}의 가격은 {O/이었다}.", {"P": p, "O": price.value}))
            verb = r.choice(("사 주셨다", "사 주셨고, {H/은} 무척 기뻐했다"))
            sents.append(render(f"{el} {{P/을}} {verb}.", {"P": p, "H": h}))
    sents.append(
        f"{elder}께서는 {r.choice(('길을 천천히 걸으셨다', '가게를 둘러보셨다', '옛날 이야기를 들려주셨다'))}."
    )
    may = c.fact(city, "mayor")
    if may and r.random() < 0.4:
        sents.append(f"길에서 {ci} 시장인 {c.name(may.object_id)}의 연설을 들었다.")
    sents.append(r.choice((f"저녁에 두 사람은 집으로 {VERBS['돌아오다'].past()}.", f"{josa} 그날을 오래 기억했다.", f"그날 밤 {el}는 일찍 {VERBS['자다'].hon_past()}.")))  # fmt: skip
    return " ".join(sents)


def professor_visit(c: Ctx, hero: str, prof: str) -> str:
    """학생이 세계의 교수를 찾아간 이야기 (과거형). 교수님은 주어일 때 언제나 '-시-' 로 높인다."""
    r = c.r
    h, pn = c.name(hero), c.name(prof)
    emp = c.fact(prof, "employer")
    if emp is None:
        return ""
    uni = c.name(emp.object_id)
    t = f"{pn} 교수님"
    sents = [render(f"{r.choice(_PAST_WHEN)} {{H/은}} {uni}에 계신 {t}을 찾아갔다.", {"H": h})]
    sents.append(render(f"{t}은 {{U}}에서 {VERBS['일하다'].hon_present()}.", {"U": uni}))
    bp = c.fact(prof, "birthplace")
    if bp:
        sents.append(f"{t}의 고향은 {render('{O/이다}', {'O': bp.value})}.")
        c.mentioned.add(bp.object_id)
    loc = c.fact(emp.object_id, "location")
    if loc:
        sents.append(c.say(loc))
    sents.append(
        f"{t}께서는 {r.choice(('차를 한 잔 내어 주셨다', '반갑게 웃으셨다', '책을 한 권 빌려주셨다'))}."
    )
    sents.append(render(f"{{H/은}} {t}께 궁금한 것을 여쭈었다.", {"H": h}))
    pres = c.fact(emp.object_id, "president")
    if pres and r.random() < 0.5:
        sents.append(f"그때 {uni}의 총장은 {render('{O/이었다}', {'O': c.name(pres.object_id)})}.")
    sents.append(r.choice((f"{t}께서는 다음에 또 오라고 말씀하셨다.", render("{H/은} 저녁 늦게 집으로 돌아왔다.", {"H": h}))))  # fmt: skip
    return " ".join(sents)


_MEETINGS = ("새 제품 회의", "한 해 계획 회의", "판매 점검 회의", "포장 디자인 회의")
_LUNCH = ("동료와 점심을 먹었다", "혼자 공원을 걸었다", "회사 식당에서 국수를 먹었다")


def work_day(c: Ctx, worker: str) -> str:
    """직장(회사)이 있는 사람의 하루. 회사의 본사·대표·제품 사실이 들어간다. 대표는 신문 문체로 높이지 않는다."""
    r = c.r
    emp = c.fact(worker, "employer")
    if emp is None or c.w.entities[emp.object_id].kind != "company":
        return ""
    co = emp.object_id
    h, cn = c.name(worker), c.name(co)
    job = c.fact(worker, "occupation")
    who = f"{job.value}인 {h}" if job else h
    sents = [render(f"{r.choice(_PAST_WHEN)} {{W/은}} 평소보다 일찍 {cn}에 출근했다.", {"W": who})]
    hq = c.fact(co, "headquarters")
    if hq:
        sents.append(c.say(hq))
    prods = [f for f in c.w.facts_mentioning(co, c.day) if f.relation == "maker" and c.ok(f)]
    if prods:
        pf = r.choice(prods)
        p = c.name(pf.subject)
        sents.append(render("그날 회사에서는 {P/을} 두고 {M/이} 열렸다.", {"P": p, "M": r.choice(_MEETINGS)}))
        price = c.fact(pf.subject, "price")
        if price:
            sents.append(render("그때 {P}의 가격은 {O/이었다}.", {"P": p, "O": price.value}))
    else:
        sents.append(render("그날 회사에서는 {M/이} 열렸다.", {"M": r.choice(_MEETINGS)}))
    ceo = c.fact(co, "ceo")
    if ceo and ceo.object_id != worker:
        sents.append(f"회의에서 {c.name(ceo.object_id)} 대표는 모두에게 고맙다고 말했다.")
    sents.append(render(f"{{H/은}} 회의가 끝난 뒤 {r.choice(_LUNCH)}.", {"H": h}))
    sents.append(
        r.choice((render("{H/은} 저녁 늦게 집에 돌아왔다.", {"H": h}), "그날은 유난히 바쁜 하루였다."))
    )
    return " ".join(sents)


def friends_meet(c: Ctx, a: str, b: str, city: str) -> str:
    """두 친구가 도시에서 만난 이야기. 두 사람과 도시의 사실이 한두 개씩 들어간다."""
    r = c.r
    an, bn, cn = c.name(a), c.name(b), c.name(city)
    sents = [render(f"{r.choice(_PAST_WHEN)} {{A/와}} {{B/은}} {cn}에서 만났다.", {"A": an, "B": bn})]
    for p in (a, b):
        facts = [f for f in c.current(p) if f.relation in ("occupation", "birthplace", "employer")]
        if facts:
            sents.append(c.say(r.choice(facts)))
    sp = c.fact(city, "specialty")
    if sp:
        sents.append(
            render("두 사람은 {C}의 특산물인 {O/으로} 만든 음식을 먹었다.", {"C": cn, "O": sp.value})
        )
    sents.append(
        render(
            f"{{A/은}} {r.choice(('요즘 일이 많다고', '지난달에 이사를 했다고', '새 취미가 생겼다고'))} 말했다.",
            {"A": an},
        )
    )
    sents.append(
        r.choice(
            ("헤어질 때 두 사람은 다시 만나자고 약속했다.", "두 사람은 해가 질 때까지 이야기를 나누었다.")
        )
    )
    return " ".join(sents)
