"""세계의 사실과 시간표: 누가 어디서 태어났는지, 회사의 대표가 언제 바뀌었는지, 제품 가격이 언제 올랐는지.

사실(:class:`Fact`)은 (주어, 관계, 값) 과 유효 기간 ``[valid_from, valid_to)`` 를 가진다. 기간이 ``None`` 이면 열려 있다.
대표·시장·총장·인구·가격은 시간에 따라 바뀌고, 그중 일부는 **지식 마감일(cutoff)** 뒤에 바뀐다.
사전학습 문서는 마감일 전 날짜로만 쓰이므로, 모델은 마감일 뒤의 변화를 모른다 (노트북 07 의 지식 마감 시연).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from .entities import CATEGORIES, OCCUPATIONS, PROVINCES, SPECIALTIES, Entity, company_industry, make_entities

__all__ = [
    "CUTOFF",
    "WORLD_START",
    "WORLD_END",
    "RELATIONS",
    "TIMELINE_RELATIONS",
    "ROLE_NOUN",
    "Fact",
    "World",
    "build_world",
    "korean_count",
    "korean_price",
]

WORLD_START = date(2000, 1, 1)
CUTOFF = date(2023, 1, 1)  # 지식 마감일: 이 날부터 시작하는 사실은 사전학습 문서에 나오지 않는다
WORLD_END = date(2025, 12, 31)  # 세계의 '오늘'

# 관계 → (주어 종류, 값의 종류: 개체 종류 또는 'value')
RELATIONS: dict[str, tuple[str, str]] = {
    "birth_year": ("person", "value"),
    "birthplace": ("person", "city"),
    "occupation": ("person", "value"),
    "employer": ("person", "org"),
    "province": ("city", "value"),
    "population": ("city", "value"),
    "specialty": ("city", "value"),
    "mayor": ("city", "person"),
    "headquarters": ("company", "city"),
    "founded": ("company", "value"),
    "industry": ("company", "value"),
    "ceo": ("company", "person"),
    "location": ("university", "city"),
    "opened": ("university", "value"),
    "president": ("university", "person"),
    "maker": ("product", "company"),
    "category": ("product", "value"),
    "released": ("product", "value"),
    "price": ("product", "value"),
}
TIMELINE_RELATIONS = ("mayor", "ceo", "president", "population", "price")
ROLE_NOUN = {"mayor": "시장", "ceo": "대표", "president": "총장"}
CENSUS_YEARS = (2005, 2010, 2015, 2020, 2024)


@dataclass(frozen=True)
class Fact:
    """사실 하나.

    Attributes:
        subject: 주어 개체 id.
        relation: :data:`RELATIONS` 의 키.
        value: 문장에 쓰는 값 ('1998년', '23만 4천 명', 개체라면 그 이름).
        object_id: 값이 개체일 때 그 id, 아니면 ``None``.
        valid_from: 이 날부터 참 (``None`` = 처음부터).
        valid_to: 이 날 전까지 참 (``None`` = 지금까지). 구간은 ``[valid_from, valid_to)``.
        number: 값이 수량(인구, 가격)일 때 그 수.
    """

    subject: str
    relation: str
    value: str
    object_id: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    number: int | None = None

    def valid_on(self, day: date) -> bool:
        """``day`` 에 이 사실이 참인가."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


@dataclass
class World:
    """생성된 세계 전체.

    Attributes:
        seed: 만든 시드.
        entities: id → :class:`Entity` (만든 순서).
        facts: 모든 사실 (시간표 포함).
        cutoff: 지식 마감일. 사전학습(train) 문서는 이 날 전의 날짜로만 쓰이고, 이 날 이후 시작된 사실은 빠진다.
        heldout_entities: 평가용으로 남겨 둔 개체 id (약 10%). 이들이 나오는 사실은 train 문서에 없다.
        start, end: 세계의 시간 범위.
    """

    seed: int
    entities: dict[str, Entity]
    facts: list[Fact]
    cutoff: date
    heldout_entities: frozenset[str]
    start: date = WORLD_START
    end: date = WORLD_END
    _by_subject: dict[str, list[Fact]] = field(default_factory=dict, repr=False)
    _by_object: dict[str, list[Fact]] = field(default_factory=dict, repr=False)
    _by_name: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for f in self.facts:
            self._by_subject.setdefault(f.subject, []).append(f)
            if f.object_id is not None:
                self._by_object.setdefault(f.object_id, []).append(f)
        self._by_name = {e.name: e.id for e in self.entities.values()}

    @property
    def heldout_phrasings(self) -> dict[str, tuple[str, ...]]:
        """관계 → 평가용으로 남겨 둔 현재형 문장 틀 (train 문서에는 나오지 않는다)."""
        from .phrasings import STATEMENTS, heldout_templates

        return {rel: heldout_templates(STATEMENTS, rel) for rel in STATEMENTS}

    def entity(self, entity_id: str) -> Entity:
        """id 로 개체를 찾는다 (없으면 ``ValueError``)."""
        if entity_id not in self.entities:
            raise ValueError(f"알 수 없는 개체입니다: entity_id={entity_id!r}")
        return self.entities[entity_id]

    def by_name(self, name: str) -> Entity:
        """이름으로 개체를 찾는다 (없으면 ``ValueError``)."""
        if name not in self._by_name:
            raise ValueError(f"알 수 없는 개체 이름입니다: name={name!r}")
        return self.entities[self._by_name[name]]

    def ids(self, kind: str, split: str = "all") -> list[str]:
        """종류별 개체 id. ``split`` 은 'all', 'train'(남겨 둔 개체 제외), 'heldout'."""
        if split not in ("all", "train", "heldout"):
            raise ValueError(f"split은 'all', 'train', 'heldout' 가운데 하나여야 합니다: {split!r}")
        out = [e.id for e in self.entities.values() if e.kind == kind]
        if split == "train":
            return [i for i in out if i not in self.heldout_entities]
        if split == "heldout":
            return [i for i in out if i in self.heldout_entities]
        return out

    def facts_about(self, entity_id: str, on: date | None = None) -> list[Fact]:
        """개체가 주어인 사실들 (``on`` 을 주면 그날 참인 것만)."""
        self.entity(entity_id)
        fs = self._by_subject.get(entity_id, [])
        return fs if on is None else [f for f in fs if f.valid_on(on)]

    def facts_mentioning(self, entity_id: str, on: date | None = None) -> list[Fact]:
        """개체가 값(목적어)으로 나오는 사실들 (예: 사람 → 그 사람이 대표인 회사)."""
        self.entity(entity_id)
        fs = self._by_object.get(entity_id, [])
        return fs if on is None else [f for f in fs if f.valid_on(on)]

    def value(self, entity_id: str, relation: str, on: date) -> Fact | None:
        """``on`` 날짜에 참인 (개체, 관계) 사실 하나 (없으면 ``None``)."""
        if relation not in RELATIONS:
            raise ValueError(f"알 수 없는 관계입니다: relation={relation!r}")
        for f in self.facts_about(entity_id):
            if f.relation == relation and f.valid_on(on):
                return f
        return None

    def timeline(self, entity_id: str, relation: str) -> list[Fact]:
        """(개체, 관계) 의 모든 구간을 시간순으로."""
        fs = [f for f in self.facts_about(entity_id) if f.relation == relation]
        return sorted(fs, key=lambda f: f.valid_from or date.min)

    def introduced(self, entity_id: str) -> date | None:
        """개체가 세상에 나온 날 (제품 출시일 등). 처음부터 있던 개체는 ``None``."""
        starts = [f.valid_from for f in self.facts_about(entity_id) if f.relation in ("released",)]
        return min(starts) if starts else None

    def is_train_fact(self, f: Fact) -> bool:
        """사전학습 문서에 나와도 되는 사실인가: 남겨 둔 개체가 없고, 마감일 전에 시작했다."""
        if f.subject in self.heldout_entities or (
            f.object_id is not None and f.object_id in self.heldout_entities
        ):
            return False
        return f.valid_from is None or f.valid_from < self.cutoff


def korean_count(n: int) -> str:
    """사람 수를 '23만 4천 명' 꼴로 (천 명 단위로 반올림한 값을 받는다)."""
    man, rest = divmod(n, 10000)
    cheon = rest // 1000
    if man and cheon:
        return f"{man}만 {cheon}천 명"
    if man:
        return f"{man}만 명"
    return f"{cheon}천 명"


def korean_price(won: int) -> str:
    """가격을 '12,500원' 꼴로."""
    return f"{won:,}원"


def _rand_date(r: random.Random, lo: date, hi: date) -> date:
    """[lo, hi] 에서 고른 날짜."""
    return lo + timedelta(days=r.randint(0, max(0, (hi - lo).days)))


def _change_dates(
    r: random.Random, start: date, cutoff: date, end: date, p_pre: float, p_post: float
) -> list[date]:
    """시간표가 바뀌는 날들: 마감일 전에 0–2번, 마감일 뒤에 확률 ``p_post`` 로 한 번."""
    out: list[date] = []
    lo = start + timedelta(days=365)
    if lo < cutoff - timedelta(days=200):
        k = (r.random() < p_pre) + (r.random() < p_pre * 0.4)
        out += sorted({_rand_date(r, lo, cutoff - timedelta(days=120)) for _ in range(k)})
    if r.random() < p_post:
        out.append(_rand_date(r, cutoff + timedelta(days=30), end - timedelta(days=60)))
    return out


def _intervals(start: date | None, changes: list[date]) -> list[tuple[date | None, date | None]]:
    bounds: list[date | None] = [start, *changes, None]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


_PRICE_BASE = {"전자": 300_000, "식품": 2_000, "제약": 8_000, "자동차": 900_000, "가구": 150_000, "통신": 400_000, "출판": 15_000, "화장품": 12_000, "건설": 30_000, "여행": 60_000}  # fmt: skip


def build_world(seed: int = 0, n_entities: int = 1200, heldout_fraction: float = 0.1) -> World:
    """시드에서 세계(개체, 사실, 시간표, 남겨 둔 개체)를 만든다. 같은 인자는 언제나 같은 세계를 만든다.

    Args:
        seed: 난수 시드 (정수).
        n_entities: 개체 수 (100 이상 2000 이하). 종류별 비율은 :func:`llmnotes.world.entities.kind_counts`.
        heldout_fraction: 평가용으로 남겨 둘 개체 비율 (종류마다 따로 뽑는다, 0 이상 0.5 이하).
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"seed는 정수여야 합니다: seed={seed!r}")
    if not isinstance(n_entities, int) or isinstance(n_entities, bool) or not 100 <= n_entities <= 2000:
        # 위 한계: 회사·제품 이름의 음절 조합이 각각 240개뿐이다 (개체의 10% 씩).
        raise ValueError(f"n_entities는 100 이상 2000 이하의 정수여야 합니다: n_entities={n_entities!r}")
    if not 0 <= heldout_fraction <= 0.5:
        raise ValueError(
            f"heldout_fraction은 0 이상 0.5 이하여야 합니다: heldout_fraction={heldout_fraction!r}"
        )
    r = random.Random(seed)
    ents = make_entities(n_entities, r)
    by_kind: dict[str, list[Entity]] = {}
    for e in ents:
        by_kind.setdefault(e.kind, []).append(e)
    facts: list[Fact] = []
    add = facts.append

    # 도시: 도, 특산물, 인구 (인구 조사 해마다), 시장 (시간표)
    cities = by_kind["city"]
    for c in cities:
        add(Fact(c.id, "province", r.choice(PROVINCES)))
        add(Fact(c.id, "specialty", r.choice(SPECIALTIES)))
        pop = int(10 ** r.uniform(4.5, 6.0))
        growth = r.uniform(-0.08, 0.15)
        years = list(CENSUS_YEARS)
        last = 0
        for k, y in enumerate(years):
            n = max(5000, int(round(pop * (1 + growth + r.uniform(-0.03, 0.03)) ** k, -3)))
            if n == last:  # 조사마다 값이 달라야 '바뀐 사실' 이 된다
                n += 1000 if r.random() < 0.5 or n <= 5000 else -1000
            last = n
            vf = date(y, 1, 1) if k else None
            vt = date(years[k + 1], 1, 1) if k + 1 < len(years) else None
            add(Fact(c.id, "population", korean_count(n), None, vf, vt, n))

    # 회사: 본사, 창립, 업종 / 대학: 위치, 개교
    orgs = by_kind["company"] + by_kind["university"]
    founded: dict[str, int] = {}
    for co in by_kind["company"]:
        founded[co.id] = r.randint(1950, 2012)
        add(Fact(co.id, "headquarters", (hq := r.choice(cities)).name, hq.id))
        add(Fact(co.id, "founded", f"{founded[co.id]}년"))
        add(Fact(co.id, "industry", company_industry(co.name)))
    for u in by_kind["university"]:
        founded[u.id] = r.randint(1946, 2005)
        add(Fact(u.id, "location", (loc := r.choice(cities)).name, loc.id))
        add(Fact(u.id, "opened", f"{founded[u.id]}년"))

    # 기관장 시간표: 사람을 한 번씩만 쓴다 (한 사람이 두 자리를 맡지 않게).
    persons = list(by_kind["person"])
    r.shuffle(persons)
    pool = iter(persons)
    role_of: dict[str, str] = {}
    role_orgs = [(c, "mayor") for c in cities] + [
        (o, "ceo" if o.kind == "company" else "president") for o in orgs
    ]
    for org, rel in role_orgs:
        start = date(max(founded.get(org.id, 2000), 2000), r.randint(1, 12), r.randint(1, 28))
        changes = _change_dates(r, start, CUTOFF, WORLD_END, p_pre=0.4, p_post=0.45)
        for vf, vt in _intervals(None, changes):
            holder = next(pool, None)
            if holder is None:
                raise ValueError(f"기관장을 맡을 사람이 모자랍니다: n_entities={n_entities!r}")
            role_of[holder.id] = rel
            add(Fact(org.id, rel, holder.name, holder.id, vf, vt))

    # 사람: 출생 연도, 출생지, 직업, (일부) 직장
    companies, universities = by_kind["company"], by_kind["university"]
    for p in by_kind["person"]:
        rel = role_of.get(p.id)
        born = r.randint(1950, 1975) if rel else r.randint(1955, 2000)
        add(Fact(p.id, "birth_year", f"{born}년"))
        add(Fact(p.id, "birthplace", (bp := r.choice(cities)).name, bp.id))
        job = {"mayor": "정치인", "ceo": "기업인", "president": "교수"}.get(rel or "", "") or r.choice(
            OCCUPATIONS
        )
        add(Fact(p.id, "occupation", job))
        if rel is None and job in ("교수", "연구원"):
            add(Fact(p.id, "employer", (w := r.choice(universities)).name, w.id))
        elif rel is None and job in ("디자이너", "회계사", "기자", "변호사"):
            add(Fact(p.id, "employer", (w := r.choice(companies)).name, w.id))

    # 제품: 제조사, 종류, 출시일, 가격 (시간표). 일부는 마감일 뒤에 나온다.
    for pr in by_kind["product"]:
        maker = r.choice(companies)
        industry = company_industry(maker.name)
        rel_day = _rand_date(r, date(max(founded[maker.id], 2001), 1, 1), date(2025, 6, 30))
        add(Fact(pr.id, "maker", maker.name, maker.id, rel_day))
        add(Fact(pr.id, "category", r.choice(CATEGORIES[industry]), None, rel_day))
        add(Fact(pr.id, "released", f"{rel_day.year}년", None, rel_day))
        price = _PRICE_BASE[industry] * r.uniform(0.5, 2.0)
        changes = _change_dates(r, rel_day, CUTOFF, WORLD_END, p_pre=0.7, p_post=0.45)
        changes = [d for d in changes if d > rel_day + timedelta(days=60)]
        for k, (vf, vt) in enumerate(_intervals(rel_day, changes)):
            won = int(round(price * (1 + 0.1 * k * r.choice((1, 1, -1))), -2))
            add(Fact(pr.id, "price", korean_price(max(won, 500)), None, vf, vt, max(won, 500)))

    heldout: set[str] = set()
    for _kind, es in sorted(by_kind.items()):
        k = round(len(es) * heldout_fraction)
        heldout.update(e.id for e in r.sample(es, k))
    return World(seed, {e.id: e for e in ents}, facts, CUTOFF, frozenset(heldout))
