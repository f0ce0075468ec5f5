"""세계 말뭉치 만들기: 장르가 섞인 문서 생성, 사전학습 말뭉치, 학습/검증 나누기.

- :func:`generate_documents`: 세계에서 문서 ``n_docs`` 개 (장르 비율 :data:`GENRE_WEIGHTS`).
- :func:`pretraining_corpus`: 목표 글자 수만큼의 서로 다른 train 문서 + (선택) 실제 텍스트
  (헌법 조문, 국회 의안, 프로젝트가 쓴 리뷰·지시 데이터의 train 부분).
- :func:`train_validation_split`: 텍스트 해시로 나누므로 순서와 무관하게 같은 문서는 같은 쪽에 간다.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from .facts import TIMELINE_RELATIONS, Fact, World, build_world
from .genres import (
    GENRES,
    Ctx,
    Document,
    dialogue,
    encyclopedia,
    howto,
    news,
    random_day,
    review,
)
from .stories import friends_meet, professor_visit, story, work_day

__all__ = [
    "SPLITS",
    "GENRE_WEIGHTS",
    "generate_documents",
    "pretraining_corpus",
    "real_texts",
    "train_validation_split",
]

SPLITS = ("train", "heldout")
GENRE_WEIGHTS: dict[str, float] = {
    "encyclopedia": 0.25,
    "news": 0.2,
    "story": 0.15,
    "dialogue": 0.15,
    "review": 0.15,
    "howto": 0.1,
}
_FIRST_DAY = date(2003, 1, 1)


def _check_int(name: str, value: object, minimum: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name}: {minimum} 이상의 정수여야 합니다 (받은 값 {value!r})")
    return value


def _events(world: World, split: str) -> list[tuple[Fact, Fact | None]]:
    """뉴스가 될 변화들 (새 구간의 사실, 바로 앞 구간의 사실)."""
    out = []
    for f in world.facts:
        if f.relation not in TIMELINE_RELATIONS or f.valid_from is None:
            continue
        prev = next((g for g in world.timeline(f.subject, f.relation) if g.valid_to == f.valid_from), None)
        is_train = f.valid_from < world.cutoff and world.is_train_fact(f)
        if (split == "train") == is_train:
            out.append((f, prev))
    return out


def _pick(
    r: random.Random, world: World, kind: str, split: str, day: date, focus: Sequence[str] | None = None
) -> str | None:
    """문서 날짜에 존재하는 ``kind`` 개체 하나 (train: 남겨 둔 개체 제외; heldout: 마감일 전이면 남겨 둔 개체만).

    ``focus`` 를 주면 그 안에서만 고른다 (그 종류가 없으면 ``None``).
    """
    if focus is not None:
        ids = [i for i in focus if world.entities[i].kind == kind]
        if not ids:
            return None
    elif split == "train":
        ids = world.ids(kind, "train")
    else:
        ids = world.ids(kind, "heldout" if day < world.cutoff else "all")
    for _ in range(20):
        eid = r.choice(ids)
        intro = world.introduced(eid)
        if intro is None or intro <= day:
            return eid
    return None


def _pick_professor(r: random.Random, world: World, split: str, day: date) -> str | None:
    """대학에 직장이 있는 교수 한 사람 (split 규칙은 :func:`_pick` 과 같다)."""
    for _ in range(20):
        eid = _pick(r, world, "person", split, day)
        f = world.value(eid, "occupation", day) if eid else None
        if f is not None and f.value == "교수" and world.value(eid, "employer", day) is not None:
            return eid
    return None


def _one(
    world: World, r: random.Random, genre: str, split: str, events, focus: Sequence[str] | None = None
) -> Document | None:
    """장르 ``genre`` 의 문서 하나. ``focus`` 가 있으면 문서의 중심 개체(백과사전의 주제, 이야기의 주인공,
    대화의 화제, 리뷰·사용법의 제품, 뉴스의 주어)를 그 안에서 고른다. 만들 수 없으면 ``None``."""
    if split == "train":
        day = random_day(r, _FIRST_DAY, world.cutoff)
    else:
        day = (
            random_day(r, world.cutoff, world.end)
            if r.random() < 0.5
            else random_day(r, _FIRST_DAY, world.cutoff)
        )
    label = None
    if genre == "news":
        if not events:
            return None
        f, prev = r.choice(events)
        day = f.valid_from
        c = Ctx(world, r, split, day)
        text = news(c, f, prev)
    else:
        c = Ctx(world, r, split, day)
        if genre == "encyclopedia":
            kind = r.choice(("person", "person", "city", "company", "university", "product"))
            if focus is not None:
                kind = world.entities[r.choice(focus)].kind
            eid = _pick(r, world, kind, split, day, focus)
            text = encyclopedia(c, eid) if eid else ""
        elif genre == "story":
            hero = _pick(r, world, "person", split, day, focus)
            plot = r.random()
            if plot < 0.2:
                prof = _pick_professor(r, world, split, day)
                text = professor_visit(c, hero, prof) if hero and prof and prof != hero else ""
            elif plot < 0.4:
                text = work_day(c, hero) if hero else ""
            elif plot < 0.6:
                friend, city = _pick(r, world, "person", split, day), _pick(r, world, "city", split, day)
                ok = hero and friend and city and friend != hero
                text = friends_meet(c, hero, friend, city) if ok else ""
            else:
                city = _pick(r, world, "city", split, day)
                prod = _pick(r, world, "product", split, day) if r.random() < 0.7 else None
                text = story(c, hero, city, prod) if hero and city else ""
        elif genre == "dialogue":
            a = _pick(r, world, "person", split, day)
            kind = r.choice(("person", "city", "company", "university", "product"))
            if focus is not None:
                kind = world.entities[r.choice(focus)].kind
            topic = _pick(r, world, kind, split, day, focus)
            text = dialogue(c, a, topic) if a and topic else ""
        elif genre == "review":
            prod = _pick(r, world, "product", split, day, focus)
            label = int(r.random() < 0.5)
            text = review(c, prod, label) if prod else ""
        else:
            prod = _pick(r, world, "product", split, day, focus)
            text = howto(c, prod) if prod else ""
    if not text:
        return None
    return Document(text, genre, tuple(sorted(c.mentioned)), day, label, split)


def generate_documents(
    world: World,
    n_docs: int,
    seed: int = 0,
    genres: Sequence[str] | None = None,
    split: str = "train",
    entity_ids: Sequence[str] | None = None,
) -> list[Document]:
    """세계에서 문서 ``n_docs`` 개를 만든다 (같은 인자 → 같은 문서).

    Args:
        world: :func:`build_world` 의 결과.
        n_docs: 만들 문서 수 (0 이상).
        seed: 난수 시드.
        genres: 쓸 장르 (기본: :data:`GENRES` 전부, 비율은 :data:`GENRE_WEIGHTS`).
        split: 'train' 은 남겨 둔 개체·말투와 마감일 뒤 사실을 쓰지 않는다. 'heldout' 은 그것들을 쓴다.
        entity_ids: 주면 문서의 중심 개체를 이 안에서 고른다 (예: 남겨 둔 개체에 관한 문서만 만들기).
            이야기는 사람이 있어야, 리뷰·사용법은 제품이 있어야 만든다. train 에는 남겨 둔 개체를 줄 수 없다.
    """
    _check_int("n_docs", n_docs)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"seed는 정수여야 합니다: seed={seed!r}")
    if split not in SPLITS:
        raise ValueError(f"split은 {SPLITS} 가운데 하나여야 합니다: split={split!r}")
    genres = tuple(GENRES if genres is None else genres)
    if isinstance(genres, str) or not genres:
        raise ValueError(f"genres는 장르 이름들의 비어 있지 않은 모음이어야 합니다: genres={genres!r}")
    for g in genres:
        if g not in GENRES:
            raise ValueError(f"알 수 없는 장르입니다: genres 안의 {g!r}. 가능한 값: {GENRES}")
    focus: list[str] | None = None
    if entity_ids is not None:
        if isinstance(entity_ids, str) or not entity_ids:
            raise ValueError(
                f"entity_ids는 개체 id 들의 비어 있지 않은 모음이어야 합니다: entity_ids={entity_ids!r}"
            )
        focus = list(entity_ids)
        for eid in focus:
            if eid not in world.entities:
                raise ValueError(f"알 수 없는 개체입니다: entity_ids 안의 {eid!r}")
            if split == "train" and eid in world.heldout_entities:
                raise ValueError(f"train 문서에는 남겨 둔 개체를 쓸 수 없습니다: entity_ids 안의 {eid!r}")
    r = random.Random(f"{seed}-{split}-{world.seed}")
    events = _events(world, split)
    if focus is not None:
        keep = set(focus)
        events = [(f, p) for f, p in events if f.subject in keep]
    weights = [GENRE_WEIGHTS[g] for g in genres]
    out: list[Document] = []
    misses = 0
    while len(out) < n_docs:
        genre = r.choices(genres, weights)[0]
        doc = _one(world, r, genre, split, events, focus)
        if doc is None:
            misses += 1
            if misses > 100 * (n_docs + 10):
                raise ValueError(
                    f"문서를 만들 수 없습니다 (genres={genres!r}, entity_ids={entity_ids!r}, split={split!r}): "
                    "중심 개체의 종류나 날짜가 장르와 맞지 않습니다"
                )
            continue
        out.append(doc)
    return out


@lru_cache(maxsize=1)
def real_texts() -> tuple[str, ...]:
    """실제·프로젝트 텍스트: 헌법 조문, 국회 의안 10건, 리뷰 데이터와 지시 데이터의 train 부분 (test 는 빼 둔다)."""
    from ..corpora import constitution_articles, constitution_preamble, load_bills
    from ..loaders import load_instructions, load_reviews

    out = [constitution_preamble()]
    out += [a.text for a in constitution_articles("본문")]
    out += [d.text for d in load_bills()]
    out += [rv.text for rv in load_reviews("train")]
    out += ["\n".join(x for x in (i.instruction, i.input, i.output) if x) for i in load_instructions("train")]
    return tuple(out)


def pretraining_corpus(
    target_chars: int, seed: int = 0, include_real: bool = True, world: World | None = None
) -> list[str]:
    """사전학습용 문서 문자열 목록: 서로 다른 train 문서를 글자 수 합이 ``target_chars`` 이상이 될 때까지 (결정적).

    Args:
        target_chars: 목표 글자 수 (1 이상). 실제 텍스트를 넣으면 그 글자 수도 센다.
        seed: 세계와 문서 생성의 시드 (``world`` 를 주면 문서 생성에만 쓴다).
        include_real: 헌법·의안·프로젝트 데이터(train 부분)를 섞을지.
        world: 이미 만든 세계 (기본: ``build_world(seed)``).
    """
    _check_int("target_chars", target_chars, minimum=1)
    w = world if world is not None else build_world(seed)
    seen: set[str] = set()
    docs: list[str] = []
    total = 0
    if include_real:
        for t in real_texts():
            if t not in seen:
                seen.add(t)
                docs.append(t)
                total += len(t)
    batch = 0
    while total < target_chars:
        need = max(100, (target_chars - total) // 250)
        added = 0
        for d in generate_documents(w, need, seed=seed * 1000 + batch, split="train"):
            if d.text not in seen:
                seen.add(d.text)
                docs.append(d.text)
                total += len(d.text)
                added += 1
        if added == 0:  # 세계가 너무 작아 새 문서가 더 나오지 않는다
            raise ValueError(
                f"target_chars={target_chars!r}만큼 서로 다른 문서를 만들 수 없습니다 (지금 {total} 글자)"
            )
        batch += 1
    random.Random(seed).shuffle(docs)
    return docs


def train_validation_split(
    docs: Sequence[str], valid_fraction: float = 0.05, seed: int = 0
) -> tuple[list[str], list[str]]:
    """문서를 텍스트 해시로 학습/검증으로 나눈다 (문서 순서와 무관, 같은 시드면 같은 결과).

    Args:
        docs: 문서 문자열들.
        valid_fraction: 검증 비율 (0 초과 1 미만).
        seed: 해시에 섞는 값.
    """
    if not 0 < valid_fraction < 1:
        raise ValueError(f"valid_fraction은 0과 1 사이여야 합니다: valid_fraction={valid_fraction!r}")
    train, valid = [], []
    for d in docs:
        h = int.from_bytes(hashlib.sha256(f"{seed}:{d}".encode()).digest()[:8], "big") / 2**64
        (valid if h < valid_fraction else train).append(d)
    return train, valid
