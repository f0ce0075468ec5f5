"""한국어 말뭉치: KoNLPy 에 들어 있는 대한민국 헌법(kolaw)과 국회 의안(kobill), 그리고 생성 말뭉치.

KoNLPy 의 형태소 분석기는 Java 가 필요하지만, 말뭉치는 패키지 안의 텍스트 파일일 뿐이다.
그래서 ``import konlpy`` 없이 설치된 패키지 폴더에서 파일을 직접 읽는다 (Java 불필요).
모든 텍스트는 NFC 로 정규화해 돌려준다.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = [
    "Article",
    "Document",
    "CorpusStats",
    "CORPUS_NAMES",
    "konlpy_corpus_dir",
    "constitution_text",
    "constitution_preamble",
    "constitution_articles",
    "constitution_article",
    "load_bills",
    "load_corpus",
    "split_sentences",
    "corpus_stats",
]

CORPUS_NAMES = ("constitution", "constitution_addenda", "bills", "generated")


@dataclass(frozen=True)
class Article:
    """헌법 조문 하나.

    Attributes:
        number: 조 번호 (제1조 → 1).
        part: '본문' 또는 '부칙'.
        chapter: 속한 장 제목 (예: '제1장 총강'). 부칙은 '부칙'.
        text: 조문 내용 ('제N조' 표시는 뺀 본문, 항(①②…)마다 줄바꿈).
    """

    number: int
    part: str
    chapter: str
    text: str

    @property
    def id(self) -> str:
        """사람이 읽는 식별자. 본문 '제10조', 부칙 '부칙 제1조'."""
        return f"제{self.number}조" if self.part == "본문" else f"부칙 제{self.number}조"


@dataclass(frozen=True)
class Document:
    """문서 하나 (식별자, 제목, 본문, 출처)."""

    id: str
    title: str
    text: str
    source: str


@dataclass(frozen=True)
class CorpusStats:
    """말뭉치 통계."""

    n_docs: int
    n_chars: int
    n_tokens: int
    n_types: int
    n_sentences: int
    hangul_ratio: float  # 공백을 뺀 글자 중 한글 음절의 비율
    top_tokens: tuple[tuple[str, int], ...]


def konlpy_corpus_dir() -> Path:
    """설치된 KoNLPy 의 말뭉치 폴더. konlpy 를 import 하지 않고 찾는다 (Java 불필요)."""
    spec = importlib.util.find_spec("konlpy")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("konlpy 패키지를 찾을 수 없습니다. `make setup`으로 설치하세요")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "corpus"
    if not path.is_dir():
        raise FileNotFoundError(f"KoNLPy 말뭉치 폴더가 없습니다: konlpy/data/corpus (찾은 곳: {path.name})")
    return path


def _read(path: Path) -> str:
    return unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def constitution_text() -> str:
    """대한민국 헌법 전문(全文) 원본 텍스트 (NFC)."""
    return _read(konlpy_corpus_dir() / "kolaw" / "constitution.txt")


_ARTICLE_RE = re.compile(r"^\s*제(\d+)조\s*(.*)$")
_CHAPTER_RE = re.compile(r"^\s*제(\d+)장\s+(.+)$")
_SECTION_RE = re.compile(r"^\s*제(\d+)절\s+(.+)$")
_ADDENDA_RE = re.compile(r"부칙\s*<")


@lru_cache(maxsize=1)
def _parse_constitution() -> tuple[str, tuple[Article, ...]]:
    lines = constitution_text().splitlines()
    preamble: list[str] = []
    articles: list[Article] = []
    part, chapter = "본문", ""
    current: tuple[int, list[str]] | None = None

    def flush() -> None:
        nonlocal current
        if current is not None:
            number, body = current
            # 항 번호(①②…) 뒤 띄어쓰기가 원문에서 들쭉날쭉하다: 한 칸으로 맞춘다.
            text = "\n".join(re.sub(r"([①-⑳])\s*", r"\1 ", s) for s in body if s)
            articles.append(Article(number=number, part=part, chapter=chapter, text=text))
            current = None

    for raw in lines[1:]:  # 첫 줄은 제목 '대한민국헌법'
        line = raw.strip()
        if not line:
            continue
        if _ADDENDA_RE.search(line):
            flush()
            part, chapter = "부칙", "부칙"
            continue
        m = _CHAPTER_RE.match(line)
        if m and part == "본문":
            flush()
            chapter = f"제{m.group(1)}장 {m.group(2).strip()}"
            continue
        if _SECTION_RE.match(line) and part == "본문":
            flush()
            continue
        m = _ARTICLE_RE.match(line)
        if m:
            flush()
            current = (int(m.group(1)), [m.group(2).strip()])
            continue
        if current is None:
            preamble.append(line)
        else:
            current[1].append(line)
    flush()
    return "\n".join(preamble), tuple(articles)


def constitution_preamble() -> str:
    """헌법 전문(前文): 제1조 앞의 머리말."""
    return _parse_constitution()[0]


def constitution_articles(part: str = "본문") -> list[Article]:
    """헌법 조문 목록.

    Args:
        part: '본문'(제1조–제130조), '부칙'(부칙 제1조–제6조) 또는 '전체'.
    """
    if part not in ("본문", "부칙", "전체"):
        raise ValueError(f"part는 '본문', '부칙', '전체' 중 하나여야 합니다: {part!r}")
    arts = _parse_constitution()[1]
    return [a for a in arts if part == "전체" or a.part == part]


def constitution_article(number: int, part: str = "본문") -> Article:
    """조 번호로 조문 하나를 찾는다. 없는 번호면 ``ValueError``."""
    if part not in ("본문", "부칙"):
        raise ValueError(f"part는 '본문' 또는 '부칙'이어야 합니다: {part!r}")
    if not isinstance(number, int) or isinstance(number, bool):
        raise TypeError(f"number는 정수여야 합니다: {number!r}")
    for a in constitution_articles(part):
        if a.number == number:
            return a
    numbers = [a.number for a in constitution_articles(part)]
    raise ValueError(f"{part}에 제{number}조가 없습니다 (있는 범위: 제{min(numbers)}조–제{max(numbers)}조)")


_PAGE_MARK = re.compile(r"^-\s*\d+\s*-$")
_NEW_ITEM = re.compile(r"^(\s|[가-하]\.|\d+\.|[-·※□○]|제\d+조|[①-⑳]|\()")


def _clean_bill(text: str) -> str:
    """의안 원문 정리: 빈 줄·쪽 번호·용지 넘김 문자를 지우고, 폭에 맞춰 잘린 긴 줄은 다시 잇는다.

    원문은 약 35자 폭으로 줄이 잘려 있고 (단어 중간에서도 잘린다), 줄마다 빈 줄이 끼어 있다.
    잘린 줄의 끝에 공백이 있으면 단어 경계에서 잘린 것이므로 공백으로, 없으면 단어 중간이므로 그냥 잇는다.
    짧은 줄(제목, 발의자 명단)과 새 항목(가., 1., 제N조, ①, 들여쓰기)으로 시작하는 줄은 새 줄로 둔다.
    """
    raw = [ln.replace("\x0c", "").replace("\u3000", " ") for ln in text.splitlines()]
    raw = [ln for ln in raw if ln.strip() and not _PAGE_MARK.match(ln.strip())]
    out: list[str] = []
    joinable = prev_space = False
    for ln in raw:
        body = re.sub(r"[ \t]+", " ", ln.strip())
        if out and joinable and not _NEW_ITEM.match(ln):
            out[-1] = out[-1] + (" " if prev_space else "") + body
        else:
            out.append(body)
        joinable = len(ln.rstrip()) >= 28
        prev_space = ln.endswith(" ")
    return "\n".join(out)


@lru_cache(maxsize=1)
def _bills() -> tuple[Document, ...]:
    docs = []
    for path in sorted((konlpy_corpus_dir() / "kobill").glob("*.txt")):
        cleaned = _clean_bill(_read(path))
        title = cleaned.split("\n", 1)[0]
        docs.append(Document(id=path.stem, title=title, text=cleaned, source="kobill"))
    return tuple(docs)


def load_bills() -> list[Document]:
    """국회 의안 10건 (KoNLPy kobill). 문서 식별자는 의안 파일 이름."""
    return list(_bills())


def load_corpus(name: str, n: int = 1000, seed: int = 0) -> list[Document]:
    """이름으로 말뭉치를 문서 목록으로 불러온다.

    Args:
        name: 'constitution'(헌법 본문 조문), 'constitution_addenda'(부칙), 'bills'(의안), 'generated'(생성 문장).
        n: 'generated' 일 때 만들 문장 수.
        seed: 'generated' 일 때 시드.
    """
    if name == "constitution":
        return [Document(a.id, a.chapter, a.text, "kolaw") for a in constitution_articles("본문")]
    if name == "constitution_addenda":
        return [Document(a.id, a.chapter, a.text, "kolaw") for a in constitution_articles("부칙")]
    if name == "bills":
        return load_bills()
    if name == "generated":
        from .textgen import generate

        return [Document(f"gen-{i}", "", s, "generated") for i, s in enumerate(generate(n, seed=seed))]
    raise ValueError(f"알 수 없는 말뭉치 이름입니다: {name!r}. 가능한 값: {list(CORPUS_NAMES)}")


# 문장 끝: 마침표/물음표/느낌표(와 닫는 따옴표·괄호) 뒤 공백, 또는 줄바꿈.
# 소수점(3.5)이나 날짜(2010. 11. 12.)처럼 숫자 사이의 마침표에서는 자르지 않는다.
_SENT_END = re.compile(r"(?<=[.!?。])(?<!\d\.)[\"'”’)\]]*\s+|\n+")


def split_sentences(text: str) -> list[str]:
    """규칙 기반 문장 분리. 줄바꿈과 문장부호 뒤 공백에서 자르고, 빈 문장은 버리지 않고 애초에 만들지 않는다.

    Args:
        text: 입력 텍스트 (NFD 도 받아 NFC 로 바꾼다).
    """
    if not isinstance(text, str):
        raise TypeError(f"text는 str이어야 합니다: {type(text).__name__}")
    text = unicodedata.normalize("NFC", text)
    return [s.strip() for s in _SENT_END.split(text) if s and s.strip()]


def corpus_stats(
    texts: Iterable[str], tokenize: Callable[[str], list[str]] = str.split, top: int = 10
) -> CorpusStats:
    """말뭉치 통계 (문서 수, 글자 수, 토큰 수, 어휘 수, 문장 수, 한글 비율, 최빈 토큰).

    Args:
        texts: 문서 텍스트들.
        tokenize: 토큰화 함수 (기본: 공백 분리 = 어절).
        top: 최빈 토큰 몇 개를 돌려줄지.
    """
    if texts is None or isinstance(texts, (str, bytes)):
        raise TypeError(f"texts는 문자열들의 iterable이어야 합니다: {type(texts).__name__}")
    texts = list(texts)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"texts[{i}]는 str이어야 합니다: {type(t).__name__}")
    texts = [unicodedata.normalize("NFC", t) for t in texts]
    if not texts:
        raise ValueError("texts가 비어 있습니다")
    counts: Counter[str] = Counter()
    n_chars = n_sent = n_hangul = n_nonspace = 0
    for t in texts:
        counts.update(tokenize(t))
        n_chars += len(t)
        n_sent += len(split_sentences(t))
        for ch in t:
            if not ch.isspace():
                n_nonspace += 1
                n_hangul += 0xAC00 <= ord(ch) <= 0xD7A3
    # 같은 빈도는 토큰 문자열 순으로 정렬해 출력이 실행마다 같게 한다.
    top_tokens = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top])
    return CorpusStats(
        n_docs=len(texts),
        n_chars=n_chars,
        n_tokens=sum(counts.values()),
        n_types=len(counts),
        n_sentences=n_sent,
        hangul_ratio=n_hangul / max(n_nonspace, 1),
        top_tokens=top_tokens,
    )
