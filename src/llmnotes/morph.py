"""한국어 형태소 분석기 Kiwi(kiwipiepy)를 얇게 감싼 함수.

한 번 만든 ``Kiwi`` 객체를 캐시해 재사용한다 (모델 적재에 1초 남짓 걸린다). 모든 입력은 먼저 NFC 로
정규화한다. 품사 태그는 세종 품사 태그 체계를 따른다 (NNG 일반명사, JKB 부사격조사, VV 동사 …).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from llmnotes.hangul import nfc

__all__ = [
    "Morpheme",
    "CONTENT_TAGS",
    "kiwi",
    "tokenize",
    "tokenize_batch",
    "morphs",
    "pos",
    "content_words",
]

# 검색(BM25 등)에 쓸 내용어 태그. 조사(J*), 어미(E*), 접사(XS*, XPN), 문장부호(S F/P/S/E/O/W) 같은
# 기능 형태소는 뺀다.
#   NNG 일반명사, NNP 고유명사, NNB 의존명사(‘년’, ‘개’ 처럼 수량 단위로 검색에 쓸모가 있다),
#   NR 수사, NP 대명사는 뺀다(‘나’, ‘그것’ 은 거의 모든 문서에 나와 변별력이 없다),
#   VV 동사 어간, VA 형용사 어간, XR 어근, SL 외국어(로마자), SN 숫자, SH 한자.
CONTENT_TAGS: frozenset[str] = frozenset({"NNG", "NNP", "NNB", "NR", "VV", "VA", "XR", "SL", "SN", "SH"})


@dataclass(frozen=True)
class Morpheme:
    """형태소 하나.

    Args:
        form: 형태소의 형태 (예: '학교', '에서'). 활용형은 기본형 어간으로 복원된다 (예: '갔다' → '가').
        tag: 세종 품사 태그 (예: 'NNG').
        start: NFC 정규화된 원문에서 이 형태소가 시작하는 글자 위치.
        len: 원문에서 차지하는 글자 수.
    """

    form: str
    tag: str
    start: int
    len: int


@functools.lru_cache(maxsize=1)
def kiwi():
    """캐시된 ``kiwipiepy.Kiwi`` 객체를 돌려준다 (스레드 1개: 공유 머신에서 CPU 를 아낀다)."""
    from kiwipiepy import Kiwi

    return Kiwi(num_workers=1)


def _check_text(text: object, name: str = "text") -> str:
    if not isinstance(text, str):
        raise TypeError(f"{name}: str이어야 합니다 (받은 타입 {type(text).__name__})")
    return nfc(text)


def _convert(tokens) -> list[Morpheme]:
    return [Morpheme(t.form, str(t.tag), int(t.start), int(t.len)) for t in tokens]


def tokenize(text: str) -> list[Morpheme]:
    """문장을 형태소 열로 분석한다.

    Args:
        text: 분석할 문자열. NFC 로 정규화한 뒤 분석한다.
    """
    text = _check_text(text)
    if not text:
        return []
    return _convert(kiwi().tokenize(text))


def tokenize_batch(texts: Iterable[str]) -> list[list[Morpheme]]:
    """여러 문장을 Kiwi 의 일괄 API 로 한꺼번에 분석한다 (문장마다 ``tokenize`` 를 부르는 것보다 빠르다).

    Args:
        texts: 문자열들. 각각 NFC 로 정규화한다. 빈 문자열은 빈 리스트가 된다.
    """
    if isinstance(texts, str):
        raise TypeError("texts는 문자열 하나가 아니라 문자열들의 모음이어야 합니다 (tokenize를 쓰세요)")
    items = [_check_text(t, f"texts[{i}]") for i, t in enumerate(texts)]
    out: list[list[Morpheme]] = [[] for _ in items]
    idx = [i for i, t in enumerate(items) if t]
    if idx:
        for i, res in zip(idx, kiwi().tokenize([items[i] for i in idx]), strict=True):
            out[i] = _convert(res)
    return out


def morphs(text: str) -> list[str]:
    """형태소의 형태만 돌려준다. 예: '학교에서' → ['학교', '에서'].

    Args:
        text: 분석할 문자열.
    """
    return [m.form for m in tokenize(text)]


def pos(text: str) -> list[tuple[str, str]]:
    """(형태, 품사) 쌍의 리스트. 예: '학교에서' → [('학교', 'NNG'), ('에서', 'JKB')].

    Args:
        text: 분석할 문자열.
    """
    return [(m.form, m.tag) for m in tokenize(text)]


def content_words(text: str, tags: Iterable[str] = CONTENT_TAGS) -> list[str]:
    """내용어(명사, 동사·형용사 어간, 어근, 외국어, 숫자, 한자)의 형태만 순서대로 돌려준다.

    조사·어미·접사·문장부호는 빠진다. 검색용 색인어로 쓰기 좋다.

    Args:
        text: 분석할 문자열.
        tags: 남길 품사 태그 모음. 기본값은 ``CONTENT_TAGS``.
    """
    if isinstance(tags, str):
        raise TypeError(f"tags는 태그들의 모음이어야 합니다 (문자열 하나가 아님): {tags!r}")
    keep = frozenset(tags)
    # Kiwi 는 동사 어간에 'VV-R'/'VV-I' (규칙/불규칙 활용) 를 붙이기도 하므로 '-' 앞부분으로 비교한다.
    return [m.form for m in tokenize(text) if m.tag.split("-")[0] in keep]
