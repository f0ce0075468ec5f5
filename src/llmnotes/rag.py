"""검색 증강 생성(RAG): 청킹, 희소·밀집·하이브리드 검색, 근거 인용 프롬프트, 답 생성, 평가.

흐름: 문서 → 청크(chunk) → 검색기(retriever)가 질문과 가까운 청크 상위 k 개 → 그 청크를 근거로 답
(작은 GPT 생성 또는 추출식) → 답과 인용한 청크 id. 검색 확신도가 낮으면 "모름" 이라고 답한다.

- 청크 id 는 출처 조문으로 되돌아갈 수 있다: '제10조' (조 전체), '제10조-②' (항), '제10조#s1' (문장 묶음),
  '제10조#w3' (토큰 창). :func:`source_of` 가 청크 id 에서 출처 문서 id 를 꺼낸다.
- 문서 확장(document expansion): 조문마다 사람이 조문만 보고 쓴 쉬운 말 제목과 바꿔 말하기
  (``data/rag/article_notes.jsonl``, :func:`load_article_notes`)를 청크의 ``expansion`` 에 붙여 함께 색인한다
  (:func:`expand_chunks`). doc2query(Nogueira 외 2019)의 생각을 모델 대신 사람이 한 것이다. 두 번째 사람이 평가
  질문을 보지 않고 조문만 보고 쓴 시민 말투 질문(``data/rag/article_questions.jsonl``, :func:`load_article_questions`)도
  BM25 계열 색인에 붙인다 (:data:`QUESTION_INDEXED`). 답과 인용은 원문만 쓴다.
- 하이브리드 검색은 역순위 융합(reciprocal rank fusion, RRF; Cormack 외 2009):
  청크 d 의 점수 = Σ_r w_r / (k + rank_r(d)), rank 는 1 부터, k = 60. 검색기 r 의 상위 목록에 없는 청크는
  그 검색기에서 0 을 받는다. 점수의 크기가 서로 다른 검색기(BM25 점수, 코사인)를 순위만으로 합친다.
- 평가 지표는 조문 단위다: 청크 순위를 출처 조문 순위로 바꾸고(처음 나온 순서, 곧 조문마다 최고 점수),
  recall@k = |정답 조문 ∩ 상위 k 조문| / |정답 조문|, MRR = 1 / (첫 정답 조문의 순위) 의 평균.
- 답의 정확 일치(EM)와 토큰 F1 은 한국어에 맞게 **글자 단위**로 잰다: 공백과 문장부호를 지운 뒤 글자 주머니의
  겹침으로 F1 을 계산한다 (어절 단위는 조사 하나만 달라도 0 점이 된다). 형태소 단위 F1 도 함께 준다.
- 충실성(faithfulness): 답의 내용 형태소가 모두 인용한 청크의 내용 형태소에 있으면 근거가 있다고 본다.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from .bm25 import BM25Config, BM25Index
from .checks import check_number
from .corpora import Document, split_sentences
from .hangul import nfc
from .loaders import load_jsonl_numbered
from .morph import CONTENT_TAGS

__all__ = [
    "Chunk",
    "ArticleNote",
    "Hit",
    "Answer",
    "Retriever",
    "UNKNOWN",
    "RRF_K",
    "QUESTION_STOPWORDS",
    "constitution_documents",
    "chunk_by_structure",
    "chunk_by_sentences",
    "chunk_by_tokens",
    "source_of",
    "load_article_notes",
    "load_article_questions",
    "expand_chunks",
    "normalize_query",
    "analyze",
    "analyze_batch",
    "BM25Retriever",
    "DenseRetriever",
    "HybridRetriever",
    "rrf_fuse",
    "pseudo_questions",
    "fusion_features",
    "fit_logistic",
    "fit_fusion_weights",
    "best_per_source",
    "article_ranking",
    "recall_at_k",
    "reciprocal_rank",
    "evaluate_retrieval",
    "build_prompt",
    "extractive_answer",
    "generate_answer",
    "RAGPipeline",
    "exact_match",
    "char_f1",
    "morph_f1",
    "faithfulness",
    "choose_threshold",
    "bm25_confidence",
    "constitution_retrievers",
    "QUESTION_INDEXED",
    "DEFAULT_THRESHOLD",
    "OUT_OF_SCOPE_DEV",
    "OUT_OF_SCOPE_TEST",
]

UNKNOWN = "모름"
RRF_K = 60
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# 질문에만 나오는 의문 표현과 너무 흔한 서술어(검색에 도움이 안 된다). 질의 쪽에서만 뺀다. 개발(dev) 분할에서 골랐다.
QUESTION_STOPWORDS: frozenset[str] = frozenset(
    {
        "무엇",
        "누구",
        "어떻",
        "어떤",
        "몇",
        "언제",
        "어디",
        "왜",
        "있",
        "하",
        "되",
        "것",
        "수",
        "때",
        "헌법",
        "우리",
    }
)


# 헌법과 상관없는 질문 (이 프로젝트가 쓴 것). '모름' 임계값은 개발 분할 질문 + OUT_OF_SCOPE_DEV 로 고르고,
# OUT_OF_SCOPE_TEST 는 그 임계값을 확인하는 데만 쓴다.
OUT_OF_SCOPE_DEV: tuple[str, ...] = (
    "피자를 맛있게 굽는 온도는 몇 도인가요?",
    "고양이는 하루에 몇 시간 자나요?",
    "파이썬에서 리스트를 정렬하는 방법은?",
    "내일 서울 날씨는 어떤가요?",
    "축구 경기는 몇 분 동안 하나요?",
    "김치찌개에는 무엇을 넣나요?",
    "지구에서 달까지 거리는 얼마인가요?",
    "기타 줄은 몇 개인가요?",
    "바나나는 무슨 색인가요?",
    "커피를 너무 많이 마시면 어떻게 되나요?",
    "토끼는 무엇을 먹나요?",
    "자전거 바퀴에 바람을 넣는 방법은?",
)
OUT_OF_SCOPE_TEST: tuple[str, ...] = (
    "라면을 끓일 때 물은 얼마나 넣나요?",
    "여름에 가 볼 만한 바닷가는 어디인가요?",
    "강아지 산책은 하루에 몇 번 시키나요?",
    "피아노를 잘 치려면 어떻게 연습하나요?",
    "사과와 배 중에 어느 것이 더 단가요?",
    "컴퓨터가 느려지면 무엇을 해 보나요?",
    "우유는 냉장고에 며칠 두어도 되나요?",
    "비행기는 어떻게 하늘을 나나요?",
)

# 개발 분할에서 고른 '모름' 임계값: 최상위 BM25 점수(쉬운 말 노트와 조문별 질문으로 확장한 색인,
# :func:`constitution_retrievers` 의 'BM25')가 이 값보다 작으면 답하지 않는다. (개발 질문 중 하이브리드 검색 1위 조문이
# 맞은 것 = 답해야 함, 틀린 것과 OUT_OF_SCOPE_DEV = 답하지 말아야 함으로 보고 :func:`choose_threshold` (cost=1) 로
# 고른 값. 색인이 바뀔 때마다 다시 고른다: 노트만 붙인 색인에서는 5.861 이었다. 노트북 15 가 같은 값을 다시 계산해 보여 준다.)
DEFAULT_THRESHOLD = 5.192


# ---------------------------------------------------------------------------------------------- 자료형
@dataclass(frozen=True)
class Chunk:
    """검색 단위 하나.

    Args:
        id: 청크 id (예: '제10조', '제10조-②', '제10조#s1', '제10조#w3'). 출처 문서 id 로 시작한다.
        text: 청크 본문.
        source: 출처 문서 id (예: '제10조').
        title: 출처 문서의 제목 (헌법이면 장 이름, 예: '제2장 국민의 권리와 의무').
        expansion: 문서 확장(document expansion) 글: 사람이 쓴 쉬운 말 제목과 바꿔 말하기
            (:func:`expand_chunks`). 색인에만 쓰고, 프롬프트와 답에는 쓰지 않는다 (근거는 원문뿐).
    """

    id: str
    text: str
    source: str
    title: str = ""
    expansion: str = ""

    def index_text(self, with_title: bool = True, with_expansion: bool = True) -> str:
        """색인할 글: [제목(장 이름)] + 본문 + [확장 글].

        제목을 붙이면 '국회'·'법원' 같은 맥락 단어가, 확장 글을 붙이면 질문에 쓰일 법한 쉬운 말이 청크에 들어간다.

        Args:
            with_title: 제목을 앞에 붙일지.
            with_expansion: 확장 글(있으면)을 뒤에 붙일지.
        """
        parts = [self.title] if with_title and self.title else []
        parts.append(self.text)
        if with_expansion and self.expansion:
            parts.append(self.expansion)
        return "\n".join(parts)


@dataclass(frozen=True)
class Hit:
    """검색 결과 하나 (청크, 점수, 1부터 시작하는 순위)."""

    chunk: Chunk
    score: float
    rank: int


@dataclass
class Answer:
    """RAG 의 답.

    Args:
        text: 답 (확신이 없으면 '모름').
        citations: 근거로 인용한 청크 id 들.
        confidence: 검색 확신도 (임계값과 비교한 값).
        hits: 검색된 청크들.
        method: 'gpt', 'extractive', 'abstain' 중 하나.
        prompt: 생성에 쓴 프롬프트 (추출식이면 빈 문자열).
    """

    text: str
    citations: list[str]
    confidence: float
    hits: list[Hit] = field(default_factory=list)
    method: str = "extractive"
    prompt: str = ""


class Retriever(Protocol):
    """검색기: 질문(str) → 상위 k 개 :class:`Hit`."""

    chunks: list[Chunk]

    def search(self, query: str, k: int = 10) -> list[Hit]: ...


# ---------------------------------------------------------------------------------------------- 청킹
def constitution_documents() -> list[Document]:
    """헌법 본문 조문 130개를 문서로 (id '제N조', 제목은 장 이름)."""
    from .corpora import load_corpus

    return load_corpus("constitution")


def _check_docs(docs: Sequence[Document]) -> list[Document]:
    if isinstance(docs, (str, bytes)) or not isinstance(docs, Sequence):
        raise TypeError(f"docs는 Document의 리스트여야 합니다: {type(docs).__name__}")
    if not docs:
        raise ValueError("docs가 비어 있습니다: 문서가 하나 이상 필요합니다")
    seen: set[str] = set()
    out = []
    for i, d in enumerate(docs):
        if not isinstance(d, Document):
            raise TypeError(f"docs[{i}]는 Document여야 합니다: {type(d).__name__}")
        if d.id in seen:
            raise ValueError(f"docs에 중복된 문서 id가 있습니다: {d.id!r}")
        if not d.text.strip():
            raise ValueError(f"docs[{i}] (id={d.id!r})의 본문이 비어 있습니다")
        seen.add(d.id)
        out.append(Document(nfc(d.id), nfc(d.title), nfc(d.text), d.source))
    return out


def _check_unique(chunks: list[Chunk]) -> list[Chunk]:
    ids = Counter(c.id for c in chunks)
    dup = [i for i, n in ids.items() if n > 1]
    if dup:
        raise ValueError(f"청크 id가 중복됩니다: {dup[0]!r}")
    return chunks


def chunk_by_structure(docs: Sequence[Document], level: str = "article") -> list[Chunk]:
    """문서 구조로 자른다: 조 단위('article') 또는 항 단위('paragraph', ①②… 로 시작하는 줄마다).

    항 단위에서 항 번호가 없는 조문은 조 전체가 청크 하나 (id '제N조'), 있으면 '제N조-②' 꼴이다.
    항 아래의 호(1. 2. …) 줄은 앞 항에 붙는다. 첫 항 앞의 글이 있으면 '제N조-0' 청크가 된다 (버리지 않는다).

    Args:
        docs: 문서들 (id 가 중복되면 ``ValueError``).
        level: 'article' 또는 'paragraph'.
    """
    if level not in ("article", "paragraph"):
        raise ValueError(f"level은 'article' 또는 'paragraph'여야 합니다: {level!r}")
    out: list[Chunk] = []
    for d in _check_docs(docs):
        lines = [ln.strip() for ln in d.text.split("\n") if ln.strip()]
        if level == "article" or not any(ln[0] in _CIRCLED for ln in lines):
            out.append(Chunk(d.id, d.text.strip(), d.id, d.title))
            continue
        groups: list[tuple[str, list[str]]] = []
        for ln in lines:
            if ln[0] in _CIRCLED:
                groups.append((ln[0], [ln]))
            elif groups:
                groups[-1][1].append(ln)
            else:
                groups.append(("0", [ln]))
        for mark, body in groups:
            out.append(Chunk(f"{d.id}-{mark}", "\n".join(body), d.id, d.title))
    return _check_unique(out)


def chunk_by_sentences(docs: Sequence[Document], n_sentences: int = 2, overlap: int = 0) -> list[Chunk]:
    """문장 n 개씩 묶어 자른다 (:func:`llmnotes.corpora.split_sentences`). id 는 '제N조#s0', '#s1', ….

    Args:
        docs: 문서들.
        n_sentences: 청크 하나의 문장 수 (≥ 1).
        overlap: 이웃 청크와 겹치는 문장 수 (0 ≤ overlap < n_sentences).
    """
    if not isinstance(n_sentences, int) or n_sentences < 1:
        raise ValueError(f"n_sentences는 1 이상의 정수여야 합니다: {n_sentences!r}")
    if not isinstance(overlap, int) or not 0 <= overlap < n_sentences:
        raise ValueError(f"overlap은 0 이상 n_sentences({n_sentences}) 미만의 정수여야 합니다: {overlap!r}")
    step = n_sentences - overlap
    out: list[Chunk] = []
    for d in _check_docs(docs):
        sents = split_sentences(d.text)
        starts = range(0, max(len(sents) - overlap, 1), step)
        for j, s in enumerate(starts):
            out.append(Chunk(f"{d.id}#s{j}", " ".join(sents[s : s + n_sentences]), d.id, d.title))
    return _check_unique(out)


def chunk_by_tokens(docs: Sequence[Document], window: int = 40, overlap: int = 10) -> list[Chunk]:
    """어절(띄어쓰기 단위) window 개짜리 창을 overlap 개씩 겹치며 민다. id 는 '제N조#w0', '#w1', ….

    청크 글은 원문에서 첫 어절의 시작부터 마지막 어절의 끝까지 잘라 낸 부분 문자열이다 (줄바꿈도 그대로).
    마지막 창은 문서 끝까지 덮는다 (남는 어절을 버리지 않는다).

    Args:
        docs: 문서들.
        window: 창 하나의 어절 수 (≥ 1).
        overlap: 이웃 창과 겹치는 어절 수 (0 ≤ overlap < window).
    """
    if not isinstance(window, int) or window < 1:
        raise ValueError(f"window는 1 이상의 정수여야 합니다: {window!r}")
    if not isinstance(overlap, int) or not 0 <= overlap < window:
        raise ValueError(f"overlap은 0 이상 window({window}) 미만의 정수여야 합니다: {overlap!r}")
    step = window - overlap
    out: list[Chunk] = []
    for d in _check_docs(docs):
        spans = [m.span() for m in re.finditer(r"\S+", d.text)]
        starts = range(0, max(len(spans) - overlap, 1), step)
        for j, s in enumerate(starts):
            e = min(s + window, len(spans)) - 1
            out.append(Chunk(f"{d.id}#w{j}", d.text[spans[s][0] : spans[e][1]], d.id, d.title))
    return _check_unique(out)


_SOURCE_RE = re.compile(r"^(.*?)(?:-(?:[0-9]+|[①-⑳])|#[sw][0-9]+)?$")


def source_of(chunk_id: str) -> str:
    """청크 id 에서 출처 문서 id 를 꺼낸다. 예: '제10조-②' → '제10조', '제10조#w3' → '제10조'.

    Args:
        chunk_id: 청크 id.
    """
    if not isinstance(chunk_id, str) or not chunk_id:
        raise ValueError(f"chunk_id는 비어 있지 않은 문자열이어야 합니다: {chunk_id!r}")
    m = _SOURCE_RE.match(chunk_id)
    return m.group(1) if m else chunk_id


# ---------------------------------------------------------------------------------------------- 문서 확장
@dataclass(frozen=True)
class ArticleNote:
    """조문 하나에 사람이 붙인 쉬운 말 노트 (문서 확장용).

    Args:
        id: 조문 id ('제12조', '부칙 제1조').
        part: '본문' 또는 '부칙'.
        number: 조 번호.
        title: 쉬운 말 제목 (예: '신체의 자유와 형사 절차').
        keywords: 시민이 그 조문의 내용을 말할 때 쓸 법한 낱말·짧은 구절 (예: '잡혀가다', '변호사').
    """

    id: str
    part: str
    number: int
    title: str
    keywords: tuple[str, ...]

    def text(self) -> str:
        """색인에 붙일 글: 제목 한 줄 + 쉼표로 이은 바꿔 말하기."""
        return f"{self.title}\n{', '.join(self.keywords)}"


def _notes_path() -> Path:
    from .paths import data_dir

    return data_dir() / "rag" / "article_notes.jsonl"


def load_article_notes(path: str | Path | None = None) -> dict[str, ArticleNote]:
    """조문 노트 파일(JSONL, 기본 ``data/rag/article_notes.jsonl``)을 읽는다: 조문 id → :class:`ArticleNote`.

    노트는 헌법 조문만 보고 사람이 손으로 쓴 것이다 (질의응답 데이터의 질문은 보지 않았다; ``data/README.md``).
    모든 글은 NFC 로 정규화한다. 필드가 없거나 비었거나, id 가 겹치거나, 조문 번호가 id 와 맞지 않으면
    ``ValueError`` (파일 이름과 줄 번호를 알려 준다).

    Args:
        path: 다른 노트 파일을 읽을 때.
    """
    p = Path(path) if path is not None else _notes_path()
    if not p.is_file():
        raise FileNotFoundError(f"조문 노트 파일이 없습니다: {p.name}")
    fields = {"id": str, "part": str, "number": int, "title": str, "keywords": list}
    out: dict[str, ArticleNote] = {}
    # JSON·필드·자료형·빈 문자열·id 중복 검사와 NFC 는 loaders 가 한다; 여기서는 노트에만 있는 규칙을 본다
    for lineno, rec in load_jsonl_numbered(p, fields):
        where = f"{p.name}:{lineno}"
        nid, part, title = rec["id"].strip(), rec["part"], rec["title"].strip()
        if part not in ("본문", "부칙"):
            raise ValueError(f"{where}: 필드 'part'는 '본문' 또는 '부칙'이어야 합니다: {part!r}")
        expected = f"제{rec['number']}조" if part == "본문" else f"부칙 제{rec['number']}조"
        if nid != expected:
            raise ValueError(f"{where}: id가 part·number로 만든 값과 다릅니다: {nid!r} ≠ {expected!r}")
        kws = []
        for k in rec["keywords"]:
            if not isinstance(k, str) or not k.strip():
                raise ValueError(f"{where}: keywords의 값은 비어 있지 않은 문자열이어야 합니다: {k!r}")
            kws.append(k.strip())
        if not kws:
            raise ValueError(f"{where}: 필드 'keywords'가 비어 있습니다 (id={nid!r})")
        out[nid] = ArticleNote(nid, part, rec["number"], title, tuple(kws))
    if not out:
        raise ValueError(f"조문 노트 파일이 비어 있습니다: {p.name}")
    return out


def _questions_path() -> Path:
    from .paths import data_dir

    return data_dir() / "rag" / "article_questions.jsonl"


def load_article_questions(path: str | Path | None = None) -> dict[str, tuple[str, ...]]:
    """조문별 시민 말투 질문 파일(JSONL, 기본 ``data/rag/article_questions.jsonl``)을 읽는다: 조문 id → 질문들.

    두 번째 사람이 조문 글만 보고(평가 질문은 보지 않고) 쓴 질문이다 (doc2query 를 사람이 한 것;
    ``data/rag/README.md``). 모든 글은 NFC 로 정규화한다. 필드가 없거나 비었거나, id 가 겹치거나, 한 조문 안에서
    질문이 겹치면 ``ValueError`` (파일 이름과 줄 번호를 알려 준다).

    Args:
        path: 다른 질문 파일을 읽을 때.
    """
    p = Path(path) if path is not None else _questions_path()
    if not p.is_file():
        raise FileNotFoundError(f"조문 질문 파일이 없습니다: {p.name}")
    out: dict[str, tuple[str, ...]] = {}
    # JSON·필드·자료형·빈 문자열·id 중복 검사와 NFC 는 loaders 가 한다; 여기서는 질문 목록을 본다
    for lineno, rec in load_jsonl_numbered(p, {"id": str, "questions": list}):
        where = f"{p.name}:{lineno}"
        qid = rec["id"].strip()
        qs: list[str] = []
        for q in rec["questions"]:
            if not isinstance(q, str) or not q.strip():
                raise ValueError(f"{where}: questions의 값은 비어 있지 않은 문자열이어야 합니다: {q!r}")
            q = q.strip()
            if q in qs:
                raise ValueError(f"{where}: 같은 조문 안에서 질문이 중복됩니다: {q!r}")
            qs.append(q)
        if not qs:
            raise ValueError(f"{where}: 필드 'questions'가 비어 있습니다 (id={qid!r})")
        out[qid] = tuple(qs)
    if not out:
        raise ValueError(f"조문 질문 파일이 비어 있습니다: {p.name}")
    return out


def expand_chunks(
    chunks: Sequence[Chunk],
    notes: dict[str, ArticleNote],
    require_all: bool = True,
    questions: dict[str, tuple[str, ...]] | None = None,
) -> list[Chunk]:
    """문서 확장: 청크마다 출처 조문의 노트(쉬운 말 제목 + 바꿔 말하기)와, 주면 질문들을 ``expansion`` 에 붙인다.

    doc2query(Nogueira 외 2019)와 같은 생각이다: 질문 쪽 낱말을 문서 쪽에 미리 적어 두면 어휘 불일치가 준다.
    여기서는 모델 대신 사람이 조문만 보고 썼다. 원문(``text``)은 바꾸지 않는다.
    확장 글 = 노트 제목 + 노트 구절 [+ 질문 한 줄에 하나씩].

    Args:
        chunks: 청크들.
        notes: :func:`load_article_notes` 의 결과.
        require_all: ``True`` 면 노트(또는 ``questions`` 를 주었을 때 질문)가 없는 출처가 있을 때 ``ValueError``.
            ``False`` 면 없는 쪽은 붙이지 않는다.
        questions: :func:`load_article_questions` 의 결과 (``None`` 이면 노트만 붙인다).
    """
    chunks = _check_chunks(chunks)
    if not isinstance(notes, dict):
        raise TypeError(f"notes는 조문 id → ArticleNote인 dict여야 합니다: {type(notes).__name__}")
    if questions is not None and not isinstance(questions, dict):
        raise TypeError(f"questions는 조문 id → 질문 튜플인 dict여야 합니다: {type(questions).__name__}")
    missing = sorted({c.source for c in chunks if c.source not in notes})
    if missing and require_all:
        raise ValueError(f"notes에 없는 출처가 있습니다 ({len(missing)}개): {missing[:3]!r}")
    if questions is not None:
        missing_q = sorted({c.source for c in chunks if c.source not in questions})
        if missing_q and require_all:
            raise ValueError(f"questions에 없는 출처가 있습니다 ({len(missing_q)}개): {missing_q[:3]!r}")

    def text(src: str) -> str:
        parts = [notes[src].text()] if src in notes else []
        if questions is not None and src in questions:
            parts.extend(questions[src])
        return "\n".join(parts)

    return [replace(c, expansion=text(c.source)) if text(c.source) else c for c in chunks]


# ---------------------------------------------------------------------------------------------- 질의 처리
def normalize_query(query: str) -> str:
    """질문 정규화: NFC, 공백 정리. 글자나 숫자가 하나도 없으면 ``ValueError``.

    Args:
        query: 질문.
    """
    if not isinstance(query, str):
        raise TypeError(f"query는 str이어야 합니다: {type(query).__name__}")
    q = " ".join(nfc(query).split())
    if not any(ch.isalnum() for ch in q):
        raise ValueError(f"query가 정규화 뒤 비어 있습니다 (글자·숫자가 없음): {query!r}")
    return q


def _content(morphs, stopwords: frozenset[str] = frozenset()) -> list[str]:
    # Kiwi 는 'VV-R' 처럼 활용 표시를 붙이기도 하므로 '-' 앞 태그로 비교한다.
    return [m.form for m in morphs if m.tag.split("-")[0] in CONTENT_TAGS and m.form not in stopwords]


def analyze(text: str, stopwords: frozenset[str] = frozenset()) -> list[str]:
    """검색용 분석: 내용 형태소(명사, 동사·형용사 어간, 어근, 숫자 …)만 남긴다.

    Args:
        text: 글 (NFC 로 정규화한다).
        stopwords: 추가로 뺄 형태.
    """
    if not isinstance(text, str):
        raise TypeError(f"text는 str이어야 합니다: {type(text).__name__}")
    return analyze_batch([text], stopwords)[0]


def analyze_batch(texts: Sequence[str], stopwords: frozenset[str] = frozenset()) -> list[list[str]]:
    """:func:`analyze` 의 일괄 버전 (Kiwi 일괄 API, 글마다 한 번만 분석하는 캐시를 쓴다)."""
    from .dense import tokenize_cached

    items = []
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"texts[{i}]는 str이어야 합니다: {type(t).__name__}")
        items.append(nfc(t))
    return [_content(ms, stopwords) for ms in tokenize_cached(items)]


def _check_ids(ids: Sequence[str], name: str) -> list[str]:
    """문서 id 목록인지 확인한다. 문자열 하나를 넘기면 글자마다 id 로 세는 실수를 막는다."""
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Sequence | set | frozenset):
        raise TypeError(f"{name}: 문서 id(str)의 목록이어야 합니다 (받은 값 {ids!r})")
    ids = list(ids)
    for i, x in enumerate(ids):
        if not isinstance(x, str):
            raise TypeError(f"{name}[{i}]는 문서 id(str)여야 합니다: {x!r}")
    return ids


def _check_k(k: int) -> int:
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k는 1 이상의 정수여야 합니다: {k!r}")
    return k


def _check_chunks(chunks: Sequence[Chunk]) -> list[Chunk]:
    if isinstance(chunks, (str, bytes)) or not isinstance(chunks, Sequence):
        raise TypeError(f"chunks는 Chunk의 리스트여야 합니다: {type(chunks).__name__}")
    if not chunks:
        raise ValueError("chunks가 비어 있습니다: 빈 색인은 만들 수 없습니다")
    for i, c in enumerate(chunks):
        if not isinstance(c, Chunk):
            raise TypeError(f"chunks[{i}]는 Chunk여야 합니다: {type(c).__name__}")
    return _check_unique(list(chunks))


# ---------------------------------------------------------------------------------------------- 검색기
class BM25Retriever:
    """형태소 BM25 검색기 (:class:`llmnotes.bm25.BM25Index` 위에).

    Args:
        chunks: 청크들 (비었거나 id 가 중복되면 ``ValueError``).
        config: BM25 설정.
        with_title: 색인할 때 청크 제목(장 이름)을 앞에 붙일지.
        stopwords: 질의에서 뺄 형태 (기본 :data:`QUESTION_STOPWORDS`).
        with_expansion: 청크의 확장 글(:func:`expand_chunks`)도 색인할지.
        name: 표시 이름.
        analyzer: 'morph' (내용 형태소) 또는 'char' (내용 형태소 + 어절 안 글자 2·3-그램,
            :func:`llmnotes.dense.featurize`). 글자 n-그램은 '잡아가다'·'잡혀가다' 처럼 활용이 다른 낱말도
            일부 토큰을 나누게 한다.
    """

    def __init__(
        self,
        chunks: Sequence[Chunk],
        config: BM25Config | None = None,
        with_title: bool = True,
        stopwords: frozenset[str] = QUESTION_STOPWORDS,
        with_expansion: bool = True,
        name: str = "BM25",
        analyzer: str = "morph",
    ) -> None:
        if analyzer not in ("morph", "char"):
            raise ValueError(f"analyzer는 'morph' 또는 'char'여야 합니다: {analyzer!r}")
        self.chunks = _check_chunks(chunks)
        self.stopwords = frozenset(stopwords)
        self.name = name
        self.analyzer = analyzer
        texts = [c.index_text(with_title, with_expansion) for c in self.chunks]
        self.index = BM25Index.build(
            self._tokens(texts, frozenset()), config
        )  # 문서 쪽은 불용어를 빼지 않는다

    def _tokens(self, texts: list[str], stopwords: frozenset[str]) -> list[list[str]]:
        if self.analyzer == "morph":
            return analyze_batch(texts, stopwords)
        from .dense import featurize

        stop = {f"m:{w}" for w in stopwords}
        return [[f for f in fs if f not in stop] for fs in featurize(texts, (2, 3))]

    def query_tokens(self, query: str) -> list[str]:
        """질의 → 검색 토큰 (내용 형태소, 불용어 제외; 'char' 면 글자 n-그램도). 없으면 ``ValueError``."""
        q = normalize_query(query)
        toks = self._tokens([q], self.stopwords)[0]
        if not [t for t in toks if not t.startswith("c:")]:
            raise ValueError(f"query에서 검색할 내용 형태소가 하나도 남지 않았습니다: {query!r}")
        return toks

    def search(self, query: str, k: int = 10) -> list[Hit]:
        """상위 k 개 청크 (BM25 점수 내림차순).

        Args:
            query: 질문.
            k: 개수 (≥ 1; 청크 수보다 크면 청크 수만큼).
        """
        _check_k(k)
        idx, val = self.index.search(self.query_tokens(query), k)
        return [Hit(self.chunks[i], float(s), r + 1) for r, (i, s) in enumerate(zip(idx, val, strict=True))]


class Encoder(Protocol):
    """글 → L2 정규화된 벡터 [n × dim]."""

    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class DenseRetriever:
    """밀집 검색기: 인코더로 청크를 벡터로 바꿔 :class:`llmnotes.vectorstore.VectorStore` 에 넣고 내적으로 찾는다.

    Args:
        chunks: 청크들.
        encoder: ``encode(texts) -> [n × dim]`` 과 ``dim`` 을 가진 객체 (:mod:`llmnotes.dense`).
        backend: 벡터 저장소 백엔드 ('auto', 'faiss', 'numpy').
        with_title: 색인할 때 제목을 붙일지.
        name: 표시 이름.
        with_expansion: 청크의 확장 글도 색인할지.
    """

    def __init__(
        self,
        chunks: Sequence[Chunk],
        encoder: Encoder,
        backend: str = "auto",
        with_title: bool = True,
        name: str = "밀집",
        with_expansion: bool = True,
    ) -> None:
        from .vectorstore import VectorStore

        self.chunks = _check_chunks(chunks)
        self.encoder = encoder
        self.name = name
        self._by_id = {c.id: c for c in self.chunks}
        self.store = VectorStore(encoder.dim, backend=backend)
        self.store.add(
            encoder.encode([c.index_text(with_title, with_expansion) for c in self.chunks]),
            [c.id for c in self.chunks],
        )

    def search(self, query: str, k: int = 10) -> list[Hit]:
        """상위 k 개 청크 (코사인 유사도 내림차순)."""
        _check_k(k)
        q = normalize_query(query)
        ids, scores = self.store.search(self.encoder.encode([q]), k)
        return [
            Hit(self._by_id[i], float(s), r + 1)
            for r, (i, s) in enumerate(zip(ids[0], scores[0], strict=True))
        ]


def rrf_fuse(
    rankings: Sequence[Sequence[Hit]], k: int = RRF_K, weights: Sequence[float] | None = None
) -> list[Hit]:
    """역순위 융합: score(d) = Σ_r w_r / (k + rank_r(d)). 동점은 먼저 나온 순서 (첫 목록 우선).

    Args:
        rankings: 검색기마다의 결과 목록 (순위 1 부터).
        k: RRF 상수 (기본 60, Cormack 외 2009).
        weights: 검색기마다 가중치 (기본 모두 1).
    """
    if not rankings:
        raise ValueError("rankings가 비어 있습니다")
    check_number(k, "k", low=0)  # NaN 이면 모든 점수가 NaN 이 되어 순위가 뜻을 잃는다
    w = [1.0] * len(rankings) if weights is None else [check_number(x, "weights[i]") for x in weights]
    if len(w) != len(rankings):
        raise ValueError(f"weights의 개수가 rankings의 개수와 다릅니다: {len(w)} ≠ {len(rankings)}")
    score: dict[str, float] = {}
    chunk: dict[str, Chunk] = {}
    for wr, hits in zip(w, rankings, strict=True):
        for h in hits:
            score[h.chunk.id] = score.get(h.chunk.id, 0.0) + wr / (k + h.rank)  # w_r / (k + rank_r(d))
            chunk.setdefault(h.chunk.id, h.chunk)
    order = sorted(score, key=lambda i: -score[i])  # sorted 는 안정 정렬: 동점은 처음 나온 순서
    return [Hit(chunk[i], score[i], r + 1) for r, i in enumerate(order)]


def best_per_source(hits: Sequence[Hit]) -> list[Hit]:
    """검색 결과에서 출처 문서마다 가장 높은 청크 하나만 남기고 순위를 1 부터 다시 매긴다.

    한 조문의 여러 항이 한 검색기의 상위 목록을 차지하면, 순위로 합치는 RRF 에서 다른 조문이 뒤로 밀린다.
    출처 단위로 줄인 뒤 합치면 검색기마다 '조문 순위' 를 합치는 셈이다.
    """
    seen: set[str] = set()
    out: list[Hit] = []
    for h in hits:
        if h.chunk.source not in seen:
            seen.add(h.chunk.source)
            out.append(Hit(h.chunk, h.score, len(out) + 1))
    return out


class HybridRetriever:
    """하이브리드 검색기: 여러 검색기의 상위 ``depth`` 개를 RRF 로 합친다.

    ``fuse_by='source'`` 면 검색기마다 결과를 출처 문서 단위로 줄여(:func:`best_per_source`) 합친다. 이때 같은
    출처는 검색기가 달라도 한 후보로 세고, 결과의 청크는 가중치가 가장 큰 (동률이면 앞의) 검색기가 고른
    그 출처의 최상위 청크다.

    Args:
        retrievers: 검색기들 (같은 청크 목록을 쓰는 것이 자연스럽다).
        k_rrf: RRF 상수 k.
        depth: 검색기마다 가져올 후보 수.
        weights: 검색기 가중치.
        fuse_by: 'chunk' (청크 id 로 합친다) 또는 'source' (출처 문서로 합친다).
        name: 표시 이름.
    """

    def __init__(
        self,
        retrievers: Sequence[Retriever],
        k_rrf: float = RRF_K,
        depth: int = 50,
        weights: Sequence[float] | None = None,
        fuse_by: str = "chunk",
        name: str = "하이브리드",
    ) -> None:
        if not retrievers:
            raise ValueError("retrievers가 비어 있습니다")
        if fuse_by not in ("chunk", "source"):
            raise ValueError(f"fuse_by는 'chunk' 또는 'source'여야 합니다: {fuse_by!r}")
        if weights is not None and len(weights) != len(retrievers):
            raise ValueError(
                f"weights의 개수가 retrievers의 개수와 다릅니다: {len(weights)} ≠ {len(retrievers)}"
            )
        self.retrievers = list(retrievers)
        self.chunks = self.retrievers[0].chunks
        self.k_rrf = k_rrf
        self.depth = _check_k(depth)
        self.weights = weights
        self.fuse_by = fuse_by
        self.name = name

    def search(self, query: str, k: int = 10) -> list[Hit]:
        """상위 k 개 (RRF 점수 내림차순)."""
        _check_k(k)
        lists = [r.search(query, max(k, self.depth)) for r in self.retrievers]
        if self.fuse_by == "chunk":
            return rrf_fuse(lists, self.k_rrf, self.weights)[:k]
        w = [1.0] * len(lists) if self.weights is None else [float(x) for x in self.weights]
        lists = [best_per_source(hits) for hits in lists]
        # 출처마다 대표 청크: 가중치가 가장 큰 검색기(동률이면 앞)의 결과에서 먼저 고른다
        rep: dict[str, Chunk] = {}
        for j in sorted(range(len(lists)), key=lambda j: -w[j]):
            for h in lists[j]:
                rep.setdefault(h.chunk.source, h.chunk)
        keyed = [[Hit(rep[h.chunk.source], h.score, h.rank) for h in hits] for hits in lists]
        return rrf_fuse(keyed, self.k_rrf, w)[:k]


# ---------------------------------------------------------------------------------------------- 가짜 질문과 가중 융합
def pseudo_questions(
    chunks: Sequence[Chunk],
    notes: dict[str, ArticleNote] | None = None,
    per_source: int = 1,
    seed: int = 0,
    drop: float = 0.5,
) -> list[tuple[str, str]]:
    """문서만으로 (가짜 질문, 출처 id) 쌍을 만든다 (질의응답 데이터를 보지 않는다).

    :func:`llmnotes.dense.pseudo_queries` · :func:`llmnotes.dense.note_queries` 와 같은 생성기를 글로 만든다.
    출처마다 ``per_source`` 개, 청크 하나를 골라 반반의 확률로 (1) 노트(있으면)의 구절 1–3 개에 청크의 내용
    형태소를 0–2 개 섞은 것, 또는 (2) 청크의 연속한 어절 4–12 개에서 어절을 확률 ``drop`` 으로 지운 나머지.
    질문 불용어를 빼고 내용 형태소가 남지 않으면 다시 뽑는다 (20번 안에 못 만들면 ``ValueError``).

    Args:
        chunks: 청크들.
        notes: 조문 노트 (:func:`load_article_notes`; ``None`` 이면 (2) 만 쓴다).
        per_source: 출처마다 만들 질문 수 (≥ 1).
        seed: 난수 시드.
        drop: 어절을 지울 확률 (0 ≤ drop < 1).
    """
    import random

    chunks = _check_chunks(chunks)
    if not isinstance(per_source, int) or isinstance(per_source, bool) or per_source < 1:
        raise ValueError(f"per_source는 1 이상의 정수여야 합니다: {per_source!r}")
    if not 0 <= drop < 1:
        raise ValueError(f"drop은 0 이상 1 미만이어야 합니다: {drop!r}")
    if notes is not None and not isinstance(notes, dict):
        raise TypeError(f"notes는 조문 id → ArticleNote인 dict여야 합니다: {type(notes).__name__}")
    rng = random.Random(seed)
    by_source: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_source.setdefault(c.source, []).append(c)
    out: list[tuple[str, str]] = []
    for src, group in by_source.items():
        for _ in range(per_source):
            for _attempt in range(20):
                c = rng.choice(group)
                if notes is not None and src in notes and rng.random() < 0.5:
                    kws = list(notes[src].keywords)
                    parts = rng.sample(kws, min(len(kws), rng.randint(1, 3)))
                    words = analyze(c.text)
                    if words and rng.random() < 0.5:
                        parts += rng.sample(words, min(len(words), rng.randint(1, 2)))
                else:
                    ej = c.text.split()
                    width = min(len(ej), rng.randint(4, 12))
                    s = rng.randrange(0, len(ej) - width + 1)
                    span = ej[s : s + width]
                    parts = [e for e in span if rng.random() >= drop] or [rng.choice(span)]
                q = " ".join(parts)
                if analyze(q, QUESTION_STOPWORDS):
                    out.append((q, src))
                    break
            else:
                raise ValueError(
                    f"출처 {src!r}에서 내용 형태소가 있는 가짜 질문을 20번 안에 만들지 못했습니다"
                )
    return out


def _article_ranks(retriever: Retriever, query: str) -> dict[str, int]:
    """검색기의 전체 순위를 출처 단위로 줄인 것: 출처 id → 순위 (1 부터)."""
    hits = best_per_source(retriever.search(query, len(retriever.chunks)))
    return {h.chunk.source: h.rank for h in hits}


def fusion_features(
    retrievers: Sequence[Retriever], query: str, depth: int = 10, k_rrf: float = RRF_K
) -> tuple[list[str], np.ndarray]:
    """가중 RRF 를 배우기 위한 특징: 같은 가중치 RRF 의 상위 ``depth`` 조문과, 조문마다 x_r = k / (k + rank_r).

    x_r 은 검색기 r 의 RRF 항 1 / (k + rank_r) 에 k 를 곱해 (0, 1] 로 맞춘 것이다 (1위면 k/(k+1) ≈ 1).
    선형 점수 Σ_r w_r x_r 로 줄 세우는 것은 가중치 w_r 인 RRF 와 같다.

    Args:
        retrievers: 검색기들 (같은 청크 목록).
        query: 질문.
        depth: 후보 조문 수 (≥ 1).
        k_rrf: RRF 상수 k.

    Returns:
        (후보 조문 id 들, 특징 행렬 [후보 수 × 검색기 수]).
    """
    _check_k(depth)
    if not retrievers:
        raise ValueError("retrievers가 비어 있습니다")
    ranks = [_article_ranks(r, query) for r in retrievers]
    n_src = max(len(rk) for rk in ranks)
    fused: dict[str, float] = {}
    for rk in ranks:
        for src, r in rk.items():
            fused[src] = fused.get(src, 0.0) + 1.0 / (k_rrf + r)  # 같은 가중치 RRF
    cands = sorted(fused, key=lambda s: -fused[s])[:depth]
    x = np.array(
        [[k_rrf / (k_rrf + rk.get(s, n_src + 1)) for rk in ranks] for s in cands]
    )  # k / (k + rank_r)
    return cands, x


def fit_logistic(
    x: np.ndarray, y: np.ndarray, c: float = 1.0, max_iter: int = 100
) -> tuple[np.ndarray, float]:
    """L2 로지스틱 회귀를 뉴턴 방법(IRLS)으로 푼다 (scikit-learn ``LogisticRegression(C=c)`` 와 같은 목적 함수).

    최소화: ½‖w‖² + C Σ_i log(1 + exp(-s_i (w·x_i + b))), s_i = ±1, 절편 b 는 벌점 없음.

    Args:
        x: 특징 [n × d].
        y: 0/1 레이블 [n] (두 값이 모두 있어야 한다).
        c: 규제 세기의 역수 C (> 0).
        max_iter: 뉴턴 반복 수의 상한.

    Returns:
        (가중치 w [d], 절편 b).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise ValueError(f"x는 [n × d], y는 [n]이어야 합니다: x {x.shape}, y {y.shape}")
    if not set(np.unique(y)) == {0.0, 1.0}:
        raise ValueError(f"y는 0과 1을 모두 담아야 합니다: {sorted(set(np.unique(y).tolist()))!r}")
    if not c > 0:
        raise ValueError(f"c는 양수여야 합니다: {c!r}")
    xb = np.hstack([x, np.ones((len(x), 1))])  # 마지막 열 = 절편
    reg = np.eye(xb.shape[1])
    reg[-1, -1] = 0.0  # 절편은 규제하지 않는다
    theta = np.zeros(xb.shape[1])
    for _ in range(max_iter):
        p = 1.0 / (1.0 + np.exp(-(xb @ theta)))  # p_i = σ(w·x_i + b)
        grad = reg @ theta + c * xb.T @ (p - y)  # ∇ = w + C Σ (p_i - y_i) x_i
        hess = reg + c * (xb.T * (p * (1 - p))) @ xb  # H = I + C Xᵀ diag(p(1-p)) X
        step = np.linalg.solve(hess, grad)
        theta -= step
        if np.abs(step).max() < 1e-10:
            break
    return theta[:-1], float(theta[-1])


def fit_fusion_weights(
    retrievers: Sequence[Retriever],
    questions: Sequence[tuple[str, str]],
    depth: int = 10,
    c: float = 1.0,
    k_rrf: float = RRF_K,
) -> np.ndarray:
    """가중 RRF 의 검색기 가중치를 (질문, 정답 출처) 쌍에서 로지스틱 회귀로 배운다.

    질문마다 :func:`fusion_features` 의 후보 조문을 '정답이면 1, 아니면 0' 으로 놓고 :func:`fit_logistic` 을 푼다.
    배운 w 를 ``HybridRetriever(..., weights=w, fuse_by='source')`` 에 넣으면 학습한 재순위화와 같은 순서가 된다.

    Args:
        retrievers: 검색기들.
        questions: (질문, 정답 출처 id) 쌍들 (예: :func:`pseudo_questions`).
        depth: 질문마다 후보 조문 수.
        c: 규제 세기의 역수 C.
        k_rrf: RRF 상수 k.
    """
    if not questions:
        raise ValueError("questions가 비어 있습니다")
    xs, ys = [], []
    for i, item in enumerate(questions):
        if not (isinstance(item, tuple) and len(item) == 2):
            raise TypeError(f"questions[{i}]는 (질문, 출처 id) 튜플이어야 합니다: {item!r}")
        q, src = item
        cands, x = fusion_features(retrievers, q, depth, k_rrf)
        xs.append(x)
        ys.extend(float(s == src) for s in cands)
    w, _ = fit_logistic(np.vstack(xs), np.array(ys), c)
    return w


# ---------------------------------------------------------------------------------------------- 평가
def article_ranking(hits: Sequence[Hit]) -> list[str]:
    """청크 순위 → 출처 문서 순위 (처음 나온 순서, 곧 문서마다 가장 높은 청크의 순위)."""
    out: dict[str, None] = {}
    for h in hits:
        out.setdefault(h.chunk.source, None)
    return list(out)


def recall_at_k(ranked: Sequence[str], gold: Sequence[str], k: int) -> float:
    """recall@k = |정답 ∩ 상위 k| / |정답|.

    Args:
        ranked: 순위대로의 문서 id.
        gold: 정답 문서 id 들 (비면 ``ValueError``).
        k: 자를 위치 (≥ 1).
    """
    _check_k(k)
    g = set(_check_ids(gold, "gold"))
    if not g:
        raise ValueError("gold가 비어 있습니다")
    return len(g & set(_check_ids(ranked, "ranked")[:k])) / len(g)


def reciprocal_rank(ranked: Sequence[str], gold: Sequence[str]) -> float:
    """1 / (첫 정답의 순위). 정답이 목록에 없으면 0."""
    g = set(_check_ids(gold, "gold"))
    if not g:
        raise ValueError("gold가 비어 있습니다")
    for r, d in enumerate(_check_ids(ranked, "ranked"), start=1):
        if d in g:
            return 1.0 / r
    return 0.0


def evaluate_retrieval(
    retriever: Retriever,
    questions: Sequence[str],
    gold: Sequence[Sequence[str]],
    ks: Sequence[int] = (1, 3, 5, 10),
) -> dict[str, float]:
    """검색기를 조문 단위로 평가한다: recall@k (k ∈ ks) 와 MRR (상위 50 청크 안에서).

    Args:
        retriever: 검색기.
        questions: 질문들.
        gold: 질문마다 정답 문서 id 들 (예: ['제10조']).
        ks: recall 을 잴 k 들.
    """
    if len(questions) != len(gold):
        raise ValueError(f"questions({len(questions)})와 gold({len(gold)})의 개수가 다릅니다")
    if not questions:
        raise ValueError("questions가 비어 있습니다")
    depth = max(50, max(ks) * 5)
    sums = {f"recall@{k}": 0.0 for k in ks}
    mrr = 0.0
    for q, g in zip(questions, gold, strict=True):
        ranked = article_ranking(retriever.search(q, depth))
        for k in ks:
            sums[f"recall@{k}"] += recall_at_k(ranked, g, k)
        mrr += reciprocal_rank(ranked, g)
    out = {m: v / len(questions) for m, v in sums.items()}
    out["MRR"] = mrr / len(questions)
    return out


_PUNCT_RE = re.compile(r"[\s\W_]+", re.UNICODE)


def _norm_answer(text: str) -> str:
    """답 비교용 정규화: NFC, 공백·문장부호 제거 (가운뎃점 '·' 도 지운다)."""
    return _PUNCT_RE.sub("", unicodedata.normalize("NFC", text))


def exact_match(prediction: str, reference: str) -> float:
    """공백·문장부호를 지운 뒤 두 답이 같으면 1, 아니면 0."""
    return float(_norm_answer(prediction) == _norm_answer(reference))


def _f1(pred: list[str], ref: list[str]) -> float:
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())  # 겹치는 토큰 수 (중복 포함)
    if common == 0:
        return 0.0
    p, r = common / len(pred), common / len(ref)
    return 2 * p * r / (p + r)  # F1 = 2PR / (P + R)


def char_f1(prediction: str, reference: str) -> float:
    """글자 단위 F1: 공백·문장부호를 지운 두 답의 글자 주머니 겹침으로 정밀도·재현율을 잰다."""
    return _f1(list(_norm_answer(prediction)), list(_norm_answer(reference)))


def morph_f1(prediction: str, reference: str) -> float:
    """형태소 단위 F1 (내용 형태소만: 조사·어미를 빼고 비교)."""
    return _f1(analyze(prediction), analyze(reference))


def faithfulness(answer: str, cited_texts: Sequence[str]) -> float:
    """충실성: 답의 내용 형태소 중 인용한 청크들의 내용 형태소에 있는 것의 비율 (1.0 이면 모두 근거 있음).

    답이 '모름' 이거나 내용 형태소가 없으면 1.0 (주장한 것이 없다).

    Args:
        answer: 답.
        cited_texts: 인용한 청크의 본문들.
    """
    if answer.strip() == UNKNOWN:
        return 1.0
    toks = analyze(answer)
    if not toks:
        return 1.0
    support = set(analyze("\n".join(cited_texts)))
    return sum(t in support for t in toks) / len(toks)


def choose_threshold(positive: Sequence[float], negative: Sequence[float], cost: float = 1.0) -> float:
    """확신도 임계값 고르기: 답해서 얻는 이득에서 잘못 답해서 잃는 손해를 뺀 값이 가장 큰 임계값.

    확신도 ≥ t 이면 답하고, 아니면 '모름'. 답해야 할 질문(positive: 검색 1위가 맞은 질문)에 답하면 +1,
    답하지 말아야 할 질문(negative: 1위가 틀린 질문, 범위 밖 질문)에 답하면 -cost, '모름' 은 0 점:

        U(t) = #{p ∈ positive : p ≥ t} - cost · #{n ∈ negative : n ≥ t}

    후보 t 는 점수들 사이의 중점 (그리고 양 끝 바깥). 같은 U 면 더 작은 t (더 많이 답한다).

    Args:
        positive: 답해야 하는 질문들의 확신도.
        negative: 답하지 말아야 하는 질문들의 확신도.
        cost: 잘못 답한 하나의 손해 (≥ 0; 클수록 조심스럽게 답한다).
    """
    pos, neg = np.asarray(positive, dtype=float), np.asarray(negative, dtype=float)
    if pos.size == 0 or neg.size == 0:
        raise ValueError(f"positive({pos.size})와 negative({neg.size})가 모두 비어 있지 않아야 합니다")
    if not cost >= 0:
        raise ValueError(f"cost는 0 이상이어야 합니다: {cost!r}")
    vals = np.unique(np.concatenate([pos, neg]))
    cands = np.concatenate([[vals[0] - 1e-9], (vals[:-1] + vals[1:]) / 2, [vals[-1] + 1e-9]])
    best_t, best = float(cands[0]), -np.inf
    for t in cands:
        u = (pos >= t).sum() - cost * (neg >= t).sum()  # U(t)
        if u > best + 1e-12:
            best_t, best = float(t), u
    return best_t


# ---------------------------------------------------------------------------------------------- 생성
def build_prompt(question: str, hits: Sequence[Hit], max_chunks: int = 3, max_chars: int = 600) -> str:
    """근거 인용 프롬프트: 검색된 청크를 [청크 id] 표시와 함께 싣고, 그 근거로만 답하라고 지시한다.

    작은 GPT 는 지시를 따르도록 학습되지 않았으므로, 문서 → 질문 → '답:' 꼴로 끝내 이어 쓰게 한다.
    청크 글이 ``max_chars`` 보다 길면 자르지 않고 그 청크를 싣지 않는다 (첫 청크는 항상 싣는다).

    Args:
        question: 질문.
        hits: 검색 결과 (순위대로).
        max_chunks: 실을 청크 수.
        max_chars: 근거 부분 전체의 최대 글자 수.
    """
    q = normalize_query(question)
    _check_k(max_chunks)
    parts: list[str] = []
    used = 0
    for h in list(hits)[:max_chunks]:
        block = f"[{h.chunk.id}] {h.chunk.text}"
        if parts and used + len(block) > max_chars:
            break
        parts.append(block)
        used += len(block)
    context = "\n".join(parts) if parts else "(근거 없음)"
    # 모델 입력(프롬프트)이라 글자 하나도 바꾸지 않는다: "id 를"의 띄어쓰기도 학습·평가에 쓴 그대로다.
    return f"다음 헌법 조문만 근거로 답하고, 근거 조문 id 를 [ ] 안에 적으세요.\n{context}\n질문: {q}\n답:"


def _clauses(text: str) -> list[str]:
    """청크 글을 답 후보로 나눈다: 문장, 그리고 쉼표·'다만' 으로 나뉜 절."""
    out: list[str] = []
    for s in split_sentences(text):
        s = re.sub(r"^[①-⑳]\s*", "", s).strip()
        if not s:
            continue
        out.append(s)
        parts = [p.strip() for p in re.split(r",\s+|다만\s*,?\s*", s) if p.strip()]
        if len(parts) > 1:
            out.extend(parts)
    return out


def extractive_answer(
    question: str, hits: Sequence[Hit], idf: Callable[[str], float] | None = None
) -> tuple[str, str]:
    """추출식 답: 최상위 청크의 문장·절 가운데 질문과 내용 형태소가 가장 많이 겹치는 것을 고른다.

    점수 = Σ_{t ∈ 질문 ∩ 후보} idf(t) / √(후보 형태소 수)  (짧고 질문과 많이 겹치는 절일수록 높다).
    동점이면 앞에 나온 후보.

    Args:
        question: 질문.
        hits: 검색 결과 (첫 청크만 쓴다; 비면 ``ValueError``).
        idf: 형태소 가중치 함수 (기본: 모두 1).

    Returns:
        (답 문장, 인용 청크 id).
    """
    if not hits:
        raise ValueError("hits가 비어 있습니다: 추출할 청크가 없습니다")
    top = hits[0].chunk
    qset = set(analyze(normalize_query(question), QUESTION_STOPWORDS))
    cands = _clauses(top.text) or [top.text]
    weight = idf or (lambda t: 1.0)
    toks = analyze_batch(cands)
    best, best_s = cands[0], -1.0
    for c, ts in zip(cands, toks, strict=True):
        overlap = sum(weight(t) for t in set(ts) & qset)
        s = overlap / np.sqrt(max(len(ts), 1))
        if s > best_s + 1e-12:
            best, best_s = c, s
    return best, top.id


def generate_answer(model, tokenizer, prompt: str, max_new_tokens: int = 24) -> str:
    """작은 GPT 로 탐욕적 디코딩해 답을 만든다 (첫 줄바꿈에서 멈춘다).

    Args:
        model: ``transformers`` 인과 언어 모델 (예: ``AutoModelForCausalLM.from_pretrained(...)``).
        tokenizer: ``PreTrainedTokenizerFast``.
        prompt: :func:`build_prompt` 의 결과.
        max_new_tokens: 생성할 최대 토큰 수.
    """
    import torch

    ids = tokenizer(prompt, return_tensors="pt")["input_ids"]
    n_pos = getattr(model.config, "n_positions", None) or getattr(
        model.config, "max_position_embeddings", 512
    )
    if ids.shape[1] + max_new_tokens > n_pos:
        raise ValueError(
            f"prompt가 너무 깁니다: {ids.shape[1]} 토큰 + 생성 {max_new_tokens} > 모델 최대 길이 {n_pos}"
        )
    with torch.no_grad():
        out = model.generate(
            ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=max_new_tokens,
            do_sample=False,
            pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0,
        )
    text = tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
    return text.strip().split("\n")[0].strip()


class RAGPipeline:
    """검색 → (확신도 검사) → 답 생성 → 인용.

    Args:
        retriever: 검색기.
        threshold: 확신도가 이 값보다 작으면 '모름' 이라고 답한다.
        confidence: 검색 결과 → 확신도 함수 (기본: 최상위 점수).
        model, tokenizer: 작은 GPT. 없으면 추출식 답으로 대신한다.
        k: 가져올 청크 수.
        idf: 추출식 답의 형태소 가중치.
        max_new_tokens: 생성할 최대 토큰 수.
    """

    def __init__(
        self,
        retriever: Retriever,
        threshold: float = float("-inf"),
        confidence: Callable[[str, list[Hit]], float] | None = None,
        model=None,
        tokenizer=None,
        k: int = 3,
        idf: Callable[[str], float] | None = None,
        max_new_tokens: int = 24,
    ) -> None:
        self.retriever = retriever
        self.threshold = float(threshold)
        self.confidence = confidence or (lambda q, hits: hits[0].score)
        self.model, self.tokenizer = model, tokenizer
        self.k = _check_k(k)
        self.idf = idf
        self.max_new_tokens = _check_k(max_new_tokens)

    def fit_prompt(self, question: str, hits: list[Hit]) -> str:
        """모델의 문맥 길이에 들어가는 가장 풍부한 프롬프트: 청크 3·2·1 개, 그래도 길면 최상위 청크에서 고른 한 절.

        작은 GPT 의 문맥은 128 토큰뿐이라 조문 하나도 다 싣지 못할 때가 있다. 그때는 잘라 내는 대신
        :func:`extractive_answer` 가 고른 절 하나만 근거로 싣고, 그래도 길면 지시문을 뺀다 (인용 id 는 그 청크).
        그래도 넘치면 ``ValueError`` (:meth:`answer` 는 이때 추출식 답으로 대신한다).
        """
        cfg = self.model.config
        n_pos = getattr(cfg, "n_positions", None) or getattr(cfg, "max_position_embeddings", 512)
        budget = n_pos - self.max_new_tokens

        def n_tokens(p: str) -> int:
            return len(self.tokenizer(p)["input_ids"])

        for m in range(min(3, len(hits)), 0, -1):
            prompt = build_prompt(question, hits, max_chunks=m, max_chars=10_000)
            if n_tokens(prompt) <= budget:
                return prompt
        clause, cid = extractive_answer(question, hits, self.idf)
        prompt = build_prompt(question, [Hit(Chunk(cid, clause, hits[0].chunk.source), hits[0].score, 1)])
        if n_tokens(prompt) <= budget:
            return prompt
        short = f"[{cid}] {clause}\n질문: {normalize_query(question)}\n답:"  # 지시문 없이 가장 짧은 꼴
        if n_tokens(short) <= budget:
            return short
        raise ValueError(
            f"question이 너무 길어 모델 문맥({n_pos} 토큰)에 근거를 실을 수 없습니다: {question!r}"
        )

    def answer(self, question: str) -> Answer:
        """질문 하나에 답한다."""
        hits = self.retriever.search(question, self.k)
        conf = float(self.confidence(question, hits))
        if conf < self.threshold:
            return Answer(UNKNOWN, [], conf, hits, "abstain")
        prompt = ""
        if self.model is not None and self.tokenizer is not None:
            try:
                prompt = self.fit_prompt(question, hits)
            except ValueError:  # 근거가 문맥 창에 들어가지 않으면 추출식 답으로 (method 로 알 수 있다)
                prompt = ""
        if prompt:
            text = generate_answer(self.model, self.tokenizer, prompt, self.max_new_tokens)
            cited = [h.chunk.id for h in hits if f"[{h.chunk.id}]" in prompt]
            return Answer(text or UNKNOWN, cited, conf, hits, "gpt", prompt)
        text, cid = extractive_answer(question, hits, self.idf)
        return Answer(text, [cid], conf, hits, "extractive")


def bm25_confidence(bm25: BM25Retriever) -> Callable[[str, list[Hit]], float]:
    """확신도 함수: 같은 질문의 최상위 BM25 점수 (하이브리드 RRF 점수는 순위만 담아 확신도로 쓰기 어렵다).

    Args:
        bm25: BM25 검색기.
    """

    def conf(question: str, hits: list[Hit]) -> float:
        return bm25.search(question, 1)[0].score

    return conf


# 조문별 질문(data/rag/article_questions.jsonl)까지 색인에 붙이는 검색기. 개발 분할에서 골랐다: 네 검색기 각각
# 질문을 붙일지 말지(2⁴ = 16 가지) × 바이-인코더 체크포인트 2개 가운데 하이브리드의 개발 recall@1 이 가장 높은 조합.
QUESTION_INDEXED: tuple[str, ...] = ("BM25", "글자 BM25")
_RETRIEVER_NAMES = ("BM25", "글자 BM25", "LSA", "바이-인코더")


def constitution_retrievers(
    chunks: Sequence[Chunk] | None = None,
    encoder: Encoder | None = None,
    backend: str = "auto",
    expansion: bool = True,
    questions: Sequence[str] = QUESTION_INDEXED,
) -> dict[str, Retriever]:
    """헌법 검색기 다섯 가지 (설정은 모두 개발 분할에서 골랐다): BM25, 글자 BM25, LSA, 바이-인코더, 하이브리드.

    - 청크: 헌법 항 단위. ``expansion=True`` 면 조문마다 사람이 쓴 쉬운 말 노트를 색인에 붙이고
      (:func:`expand_chunks`, ``data/rag/article_notes.jsonl``), ``questions`` 에 이름이 있는 검색기는 두 번째
      사람이 쓴 조문별 질문(``data/rag/article_questions.jsonl``)도 붙인다 (기본 :data:`QUESTION_INDEXED`).
    - BM25: 내용 형태소, 질문 불용어 제외, 장 이름 없이, k1=1.5, b=0.75.
    - 글자 BM25: 같은 BM25 에 어절 안 글자 2·3-그램을 더한 토큰 (활용이 다른 낱말도 맞춘다).
    - LSA: 장 이름 + 본문 (+ 확장 글) 의 TF-IDF → 128 차원 (청크가 적으면 청크 수).
    - 바이-인코더: ``data/models/dense-retriever`` (또는 ``encoder``).
    - 하이브리드: 네 검색기의 **전체** 순위를 조문 단위로 줄여(:func:`best_per_source`) RRF(k=60, 가중치 모두 1)
      로 합친다. 청크 id 는 네 검색기가 같다 (확장 글만 다르다).

    Args:
        chunks: 청크들 (기본: 헌법 항 단위).
        encoder: 바이-인코더 (기본: 배포된 체크포인트).
        backend: 벡터 저장소 백엔드.
        expansion: 문서를 확장할지 (``False`` 면 조문 글만 색인하고 ``questions`` 는 무시한다).
        questions: 질문까지 색인에 붙일 검색기 이름들 ('BM25', '글자 BM25', 'LSA', '바이-인코더' 중에서;
            빈 튜플이면 노트만).
    """
    from .dense import BiEncoder, LSAEncoder

    if isinstance(questions, str) or not all(isinstance(n, str) for n in questions):
        raise TypeError(f"questions는 검색기 이름 문자열의 튜플이어야 합니다: {questions!r}")
    unknown = [n for n in questions if n not in _RETRIEVER_NAMES]
    if unknown:
        raise ValueError(
            f"questions에 모르는 검색기 이름이 있습니다: {unknown!r} (가능: {_RETRIEVER_NAMES!r})"
        )
    base = list(chunks) if chunks is not None else chunk_by_structure(constitution_documents(), "paragraph")
    by_name = dict.fromkeys(_RETRIEVER_NAMES, base)
    if expansion:
        notes = load_article_notes()
        with_notes = expand_chunks(base, notes)
        with_q = expand_chunks(base, notes, questions=load_article_questions()) if questions else with_notes
        by_name = {n: (with_q if n in questions else with_notes) for n in _RETRIEVER_NAMES}
    bm25 = BM25Retriever(by_name["BM25"], with_title=False, with_expansion=expansion)
    char = BM25Retriever(
        by_name["글자 BM25"], with_title=False, with_expansion=expansion, name="글자 BM25", analyzer="char"
    )
    lsa_chunks = by_name["LSA"]
    texts = [c.index_text(True, expansion) for c in lsa_chunks]
    lsa = DenseRetriever(
        lsa_chunks,
        LSAEncoder(texts, dim=min(128, len(lsa_chunks))),
        backend,
        name="LSA",
        with_expansion=expansion,
    )
    bi = DenseRetriever(
        by_name["바이-인코더"],
        encoder or BiEncoder.load(),
        backend,
        name="바이-인코더",
        with_expansion=expansion,
    )
    hybrid = HybridRetriever([bm25, char, lsa, bi], depth=len(base), fuse_by="source")
    return {"BM25": bm25, "글자 BM25": char, "LSA": lsa, "바이-인코더": bi, "하이브리드": hybrid}
