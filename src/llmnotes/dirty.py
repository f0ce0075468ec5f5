"""일부러 더럽힌 한국어 말뭉치: 정답(무엇이 왜 더러운지)을 문서마다 기록해 정제 단계의 정밀도·재현율을 잰다.

깨끗한 원본 문서는 이 프로젝트의 텍스트에서 온다.

- ``generated``: :mod:`llmnotes.textgen` 문장 4–8개를 이은 문단.
- ``constitution``: 헌법 본문 조문 (KoNLPy kolaw).
- ``bills``: 국회 의안 10건 (KoNLPy kobill) 의 줄을 300자 안팎으로 묶은 조각.
- ``reviews``, ``instructions``: ``data/`` 에 이 프로젝트가 쓴 리뷰(도메인마다 5개씩 묶음)와 지시–응답 쌍.

여기에 더러움을 섞는다 (``kind`` = 정답).

- ``exact_dup``: 원본의 사본. 그대로, NFD 로, 공백만 바꿔서.
- ``near_dup``: 원본을 고친 사본. 어절 몇 개를 바꾸거나 빼거나, 앞뒤에 상용구(boilerplate)를 붙인다.
- ``spam``: 광고 문구의 반복. ``garbled``: 깨진 인코딩(모지바케), 기호 범벅, HTML 찌꺼기.
- ``foreign``: 한국어가 아닌 문서(영어, 일본어, 중국어, 독일어). ``short``: 너무 짧은 문서. ``long``: 한 줄이 수백 번 반복된 긴 문서.

사본은 언제나 원본보다 뒤에 놓인다 (무리마다 첫 문서를 남기는 중복 제거가 원본을 남기도록).
"자주 복제된 문단"(``hot``) 몇 개는 수십 번 복제해, 중복이 암기(memorisation)에 주는 영향을 잴 수 있게 했다.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .corpora import constitution_articles, load_bills
from .loaders import load_instructions, load_reviews
from .textgen import generate

__all__ = [
    "KINDS",
    "DUP_KINDS",
    "QUALITY_KINDS",
    "DirtyDoc",
    "DirtyConfig",
    "clean_sources",
    "build_dirty_corpus",
    "precision_recall",
]

KINDS = ("clean", "exact_dup", "near_dup", "spam", "garbled", "foreign", "short", "long")
DUP_KINDS = ("exact_dup", "near_dup")
QUALITY_KINDS = ("spam", "garbled", "foreign", "short", "long")

BOILERPLATE_HEAD = [
    "[공지] 본 게시물은 회원에게만 공개됩니다.",
    "※ 이 글은 자동으로 수집되었습니다.",
    "[스크랩] 원문 보기",
]
BOILERPLATE_TAIL = [
    "무단 전재 및 재배포 금지.",
    "구독과 좋아요 부탁드립니다!",
    "© 뉴스봇. 모든 권리 보유.",
    "이 블로그의 다른 글도 읽어 보세요.",
]
SPAM_PHRASES = [
    "대박 할인!!! 지금 바로 클릭하세요",
    "무료 쿠폰 증정 ▶▶▶ 선착순 100명",
    "최저가 보장 ★★★ 오늘만 특가",
    "010-1234-5678 로 연락 주세요 ~~",
    "클릭 한 번으로 월 500만원 수익!!!",
    "광고 문의 환영 ♥♥♥ 24시간 상담",
]
FOREIGN_LINES = [
    "The committee will review the proposal next week and report back to the assembly.",
    "All citizens shall be equal before the law, and there shall be no discrimination.",
    "Click here to read more articles about travel, food and technology.",
    "本日は晴れですが、午後から雨が降るでしょう。傘を持って出かけてください。",
    "すべての国民は、法の下に平等であって、差別されない。",
    "会议将在下周举行，请各位代表准时参加并提交报告。",
    "今天天气很好，我们一起去公园散步吧。",
    "Der Ausschuss wird den Vorschlag in der nächsten Woche prüfen.",
]
SHORT_DOCS = ["ㅋㅋㅋ", "네", "감사합니다", "ㅇㅇ", "글 삭제", "1", "...", "좋아요", "퍼가요~", "ㅠㅠ"]
SYMBOLS = "#@$%^&*<>{}[]|~=+_/\\;:0123456789"


@dataclass(frozen=True)
class DirtyDoc:
    """더러운 말뭉치의 문서 하나와 그 정답.

    Attributes:
        id: 문서 식별자 ('d0000' …, 말뭉치 안의 순서).
        text: 본문.
        kind: 정답 종류 (:data:`KINDS`).
        source: 원본의 출처 ('generated', 'constitution', 'bills', 'reviews', 'instructions', 또는 'noise').
        origin: 사본이면 원본 문서의 id, 아니면 ``None``.
        variant: 어떻게 만들었는지 ('nfd', 'space', 'edit', 'boilerplate', 'mojibake' …).
    """

    id: str
    text: str
    kind: str
    source: str
    origin: str | None = None
    variant: str = ""


@dataclass(frozen=True)
class DirtyConfig:
    """더러운 말뭉치 설정 (개수는 모두 문서 수).

    Args:
        seed: 난수 시드.
        n_generated: 생성 문단 수.
        heldout_frac: 출처마다 말뭉치에 넣지 않고 검증용으로 떼어 둘 깨끗한 문서 비율.
        n_exact, n_near: 보통 원본에서 만든 완전/유사 사본 수.
        n_hot, hot_copies: 자주 복제할 문단 수와 문단마다의 사본 수 (절반은 완전, 절반은 유사 사본).
        n_spam, n_garbled, n_foreign, n_short, n_long: 품질 불량 문서 수.
    """

    seed: int = 0
    n_generated: int = 400
    heldout_frac: float = 0.2
    n_exact: int = 80
    n_near: int = 80
    n_hot: int = 6
    hot_copies: int = 20
    n_spam: int = 30
    n_garbled: int = 30
    n_foreign: int = 30
    n_short: int = 20
    n_long: int = 6

    def __post_init__(self) -> None:
        for name, v in vars(self).items():
            if name == "heldout_frac":
                if not isinstance(v, (int, float)) or not 0.0 <= v < 1.0:
                    raise ValueError(f"heldout_frac은 0 이상 1 미만이어야 합니다: {v!r}")
            elif not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ValueError(f"{name}: 0 이상의 정수여야 합니다 (받은 값 {v!r})")


def clean_sources(seed: int = 0, n_generated: int = 400) -> list[tuple[str, str, str]]:
    """깨끗한 원본 문서 ``(원본 id, 출처, 텍스트)`` 목록 (NFC, 결정적)."""
    rng = random.Random(seed)
    out: list[tuple[str, str, str]] = []
    # data/data_effect 의 기록(데이터 해시)은 시제를 고치기 전의 생성 문장으로 만들었다.
    sents = generate(n_generated * 8, seed=seed + 100, legacy_tense=True)
    pos = 0
    for i in range(n_generated):
        k = rng.randint(4, 8)
        out.append((f"gen-{i}", "generated", " ".join(sents[pos : pos + k])))
        pos += k
    for a in constitution_articles("본문"):
        out.append((f"law-{a.number}", "constitution", a.text))
    for doc in load_bills():
        chunk: list[str] = []
        part = 0
        for line in doc.text.split("\n"):
            chunk.append(line)
            if sum(map(len, chunk)) >= 300:
                out.append((f"bill-{doc.id}-{part}", "bills", "\n".join(chunk)))
                chunk, part = [], part + 1
        if sum(map(len, chunk)) >= 60:
            out.append((f"bill-{doc.id}-{part}", "bills", "\n".join(chunk)))
    reviews = load_reviews()
    by_domain: dict[str, list[str]] = {}
    for r in reviews:
        by_domain.setdefault(r.domain, []).append(r.text)
    for dom, texts in by_domain.items():
        for j in range(0, len(texts), 5):
            out.append((f"rev-{dom}-{j // 5}", "reviews", " ".join(texts[j : j + 5])))
    for ins in load_instructions():
        body = "\n".join(x for x in (ins.instruction, ins.input, ins.output) if x)
        out.append((f"ins-{ins.id}", "instructions", body))
    # 원본끼리는 (정규화 뒤) 서로 다르게: 같은 글이 두 번 나오면 뒤의 것을 뺀다. 그래야 정답의 'clean' 이 참이다.
    unique, seen = [], set()
    for i, s, t in out:
        key = " ".join(unicodedata.normalize("NFC", t).split())
        if key not in seen:
            seen.add(key)
            unique.append((i, s, unicodedata.normalize("NFC", t)))
    return unique


def _edit(text: str, rng: random.Random, frac: float = 0.08) -> str:
    """어절의 약 ``frac`` 를 바꾸거나(다른 어절로) 빼거나 하나 더 넣는다."""
    words = text.split(" ")
    n_edit = max(1, round(frac * len(words)))
    for _ in range(n_edit):
        op = rng.choice(("sub", "del", "ins"))
        i = rng.randrange(len(words))
        if op == "sub":
            words[i] = rng.choice(words)
        elif op == "del" and len(words) > 3:
            del words[i]
        else:
            words.insert(i, rng.choice(("정말", "아주", "또한", "그리고", "특히")))
    return " ".join(words)


def _near_copy(text: str, rng: random.Random) -> tuple[str, str]:
    v = rng.choice(("edit", "boilerplate", "edit+boilerplate"))
    out = text
    while (
        "edit" in v and out.split() == text.split()
    ):  # 고쳤는데 원본과 같아지면 (같은 어절로 바꾼 경우) 다시
        out = _edit(text, rng)
    if "boilerplate" in v:
        out = f"{rng.choice(BOILERPLATE_HEAD)} {out} {rng.choice(BOILERPLATE_TAIL)}"
    return out, v


def _exact_copy(text: str, rng: random.Random) -> tuple[str, str]:
    v = rng.choice(("same", "nfd", "space"))
    if v == "nfd":
        return unicodedata.normalize("NFD", text), v
    if v == "space":
        return "  " + text.replace(" ", "  ", 3) + " \n", v
    return text, v


def _spam(rng: random.Random) -> str:
    return " ".join(rng.choice(SPAM_PHRASES) for _ in range(rng.randint(3, 8)))


def _garbled(rng: random.Random, text: str) -> tuple[str, str]:
    v = rng.choice(("mojibake", "symbols", "html"))
    if v == "mojibake":  # UTF-8 바이트를 Latin-1 로 잘못 읽은 글
        return text[:120].encode("utf-8").decode("latin-1"), v
    if v == "symbols":
        return "".join(rng.choice(SYMBOLS) for _ in range(rng.randint(40, 200))), v
    tag = rng.choice(("div", "span", "td", "p"))
    return f"<{tag} class='ad{rng.randint(0, 99)}'>&nbsp;&gt;&gt;</{tag}>" * rng.randint(2, 6), v


def _foreign(rng: random.Random) -> str:
    return " ".join(rng.sample(FOREIGN_LINES, rng.randint(1, 3)))


def build_dirty_corpus(
    config: DirtyConfig | None = None,
) -> tuple[list[DirtyDoc], list[tuple[str, str, str]]]:
    """더러운 말뭉치와 떼어 둔 깨끗한 검증 문서를 만든다.

    Returns:
        ``(말뭉치 문서 목록, 검증 문서 (원본 id, 출처, 텍스트) 목록)``. 같은 설정이면 언제나 같은 결과.
    """
    cfg = config or DirtyConfig()
    rng = random.Random(cfg.seed)
    sources = clean_sources(cfg.seed, cfg.n_generated)
    heldout, kept = [], []
    for src in sorted({s for _, s, _ in sources}):
        group = [x for x in sources if x[1] == src]
        rng.shuffle(group)
        n_h = round(cfg.heldout_frac * len(group))
        heldout += group[:n_h]
        kept += group[n_h:]
    # 정렬 열쇠: 원본은 U[0, 1), 사본은 U(원본 열쇠, 1) 이라 사본이 언제나 원본보다 뒤에 온다.
    items: list[tuple[float, str, str, str, str | None, str]] = []
    key_of: dict[str, float] = {}
    for oid, src, text in kept:
        key_of[oid] = rng.random()
        items.append((key_of[oid], text, "clean", src, oid, ""))
    long_texts = [t for _, s, t in kept if s in ("bills", "constitution") and len(t) >= 150]
    hot = rng.sample([x for x in kept if x[2] in long_texts], cfg.n_hot) if cfg.n_hot else []
    plain = [x for x in kept if x not in hot]

    def copy_key(oid: str) -> float:
        return rng.uniform(key_of[oid], 1.0)

    for oid, src, text in hot:
        for c in range(cfg.hot_copies):
            t, v = _exact_copy(text, rng) if c % 2 == 0 else _near_copy(text, rng)
            items.append((copy_key(oid), t, "exact_dup" if c % 2 == 0 else "near_dup", src, oid, "hot-" + v))
    for oid, src, text in rng.sample(plain, cfg.n_exact):
        t, v = _exact_copy(text, rng)
        items.append((copy_key(oid), t, "exact_dup", src, oid, v))
    for oid, src, text in rng.sample(plain, cfg.n_near):
        t, v = _near_copy(text, rng)
        items.append((copy_key(oid), t, "near_dup", src, oid, v))
    noise_src = [t for _, _, t in kept]
    # 품질 불량 문서는 서로(그리고 원본과) 완전 중복이 되지 않게 만든다: 정답의 종류가 하나로 정해지도록.
    seen = {" ".join(t.split()) for _, _, t in kept}

    def add_noise(make, kind: str) -> None:
        for _ in range(1000):
            t, v = make()
            key = " ".join(unicodedata.normalize("NFC", t).split())
            if key not in seen:
                seen.add(key)
                items.append((rng.random(), t, kind, "noise", None, v))
                return
        raise ValueError(f"서로 다른 {kind} 문서를 더 만들 수 없습니다: 개수를 줄이세요")

    def short() -> tuple[str, str]:
        return rng.choice(SHORT_DOCS) + rng.choice(("", "!", "~", "?", " ㅎ", "..", "ㅋ")), "short"

    def long() -> tuple[str, str]:
        return "\n".join([rng.choice(noise_src).split("\n")[0]] * 300), "repeat"

    for _ in range(cfg.n_spam):
        add_noise(lambda: (_spam(rng), "spam"), "spam")
    for _ in range(cfg.n_garbled):
        add_noise(lambda: _garbled(rng, rng.choice(noise_src)), "garbled")
    for _ in range(cfg.n_foreign):
        add_noise(lambda: (_foreign(rng), "foreign"), "foreign")
    for _ in range(cfg.n_short):
        add_noise(short, "short")
    for _ in range(cfg.n_long):
        add_noise(long, "long")
    items.sort(key=lambda x: x[0])
    # 원본 id → 말뭉치 안의 문서 id
    doc_id = {it[4]: f"d{i:04d}" for i, it in enumerate(items) if it[2] == "clean"}
    docs = [
        DirtyDoc(
            id=f"d{i:04d}",
            text=text,
            kind=kind,
            source=src,
            origin=doc_id[oid] if kind in DUP_KINDS else None,
            variant=variant,
        )
        for i, (_, text, kind, src, oid, variant) in enumerate(items)
    ]
    return docs, heldout


def precision_recall(flagged: Sequence[bool], truth: Sequence[bool]) -> tuple[float, float, int, int, int]:
    """정밀도 = TP / (TP + FP), 재현율 = TP / (TP + FN). ``(정밀도, 재현율, TP, FP, FN)`` 을 돌려준다.

    Args:
        flagged: 문서마다 걸러 냈는지.
        truth: 문서마다 정답상 걸러야 하는지.
    """
    if len(flagged) != len(truth):
        raise ValueError(f"flagged({len(flagged)})와 truth({len(truth)})의 길이가 다릅니다")
    c = Counter(zip(map(bool, flagged), map(bool, truth)))
    tp, fp, fn = c[(True, True)], c[(True, False)], c[(False, True)]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp, fp, fn
