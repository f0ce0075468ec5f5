"""가짜 한국어(Fake-Korean): 문법과 내용은 한국어 그대로, 글자만 모두 바꾼 인공 언어.

K et al. (2020) 은 영어의 모든 글자를 유니코드 번호만큼 옮겨 *가짜 영어* 를 만들고, 공유 토큰이 하나도 없어도
mBERT 의 교차언어 전이가 된다는 것을 보였다. 여기서는 같은 방법으로 한국어 모델(spine)에게 **어휘만 새로운 언어**
를 만든다. 구조(어순, 조사, 내용)는 spine 이 아는 한국어와 똑같으므로, 어휘 확장에서 "새 임베딩을 어떻게
시작하느냐" 하나만 떼어 잴 수 있다.

1. 글자 사상: 한글 음절 U+AC00–U+D7A3 (11,172자) → 한자(CJK 통합 한자) U+5C00–U+87A3. 번호를 0x5000 만큼 빼는
   일대일 사상이다. 다른 글자(공백, 숫자, 문장부호)는 그대로 둔다 (두 언어가 함께 쓰는 닻(anchor) 글자).
   0x5000 은 0x1000 의 배수라 UTF-8 의 첫 바이트만 바뀐다 (0xEA–0xED → 0xE5–0xE8). 그래서 바이트 수준 BPE 의
   통계도 한국어와 똑같은 모양이다.
2. :class:`NewScriptTokenizer`: 가짜 한국어로 따로 학습한 BPE 를 spine 어휘 뒤에 붙인 토크나이저.
3. :func:`korean_counterpart`: 새 토큰의 바이트를 되돌린 한국어 바이트열 (정답 짝, 정렬 평가에만 쓴다).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from ..bpe import BPETokenizer, bytes_to_unicode

__all__ = [
    "LANG_CODES",
    "FAKE_OFFSET",
    "to_fake_korean",
    "from_fake_korean",
    "convert",
    "korean_counterpart",
    "NewScriptTokenizer",
]

LANG_CODES = ("ko", "ko-fake")  # 한국어, 가짜 한국어
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3
FAKE_OFFSET = 0x5000
FAKE_FIRST, FAKE_LAST = HANGUL_FIRST - FAKE_OFFSET, HANGUL_LAST - FAKE_OFFSET  # U+5C00 … U+87A3

_B2U = bytes_to_unicode()
_U2B = {c: b for b, c in _B2U.items()}


def _check_text(text: object, name: str = "text") -> str:
    if not isinstance(text, str):
        raise TypeError(f"{name}: str이어야 합니다 (받은 타입 {type(text).__name__})")
    return text


def to_fake_korean(text: str) -> str:
    """한국어 글 → 가짜 한국어. 먼저 NFC 로 모아 쓴 뒤 한글 음절마다 번호를 0x5000 뺀다.

    가짜 한국어 글자 범위(U+5C00–U+87A3)의 한자가 이미 들어 있으면 되돌릴 수 없으므로 ``ValueError``.
    """
    text = unicodedata.normalize("NFC", _check_text(text))
    clash = [c for c in text if FAKE_FIRST <= ord(c) <= FAKE_LAST]
    if clash:
        raise ValueError(f"text에 가짜 한국어 글자 범위의 한자가 있어 되돌릴 수 없습니다: {clash[0]!r}")
    return "".join(chr(ord(c) - FAKE_OFFSET) if HANGUL_FIRST <= ord(c) <= HANGUL_LAST else c for c in text)


def from_fake_korean(text: str) -> str:
    """가짜 한국어 → 한국어 (:func:`to_fake_korean` 의 역). 한글 음절이 섞여 있으면 ``ValueError``."""
    text = _check_text(text)
    clash = [c for c in text if HANGUL_FIRST <= ord(c) <= HANGUL_LAST]
    if clash:
        raise ValueError(f"text에 한글 음절이 있어 가짜 한국어가 아닙니다: {clash[0]!r}")
    return "".join(chr(ord(c) + FAKE_OFFSET) if FAKE_FIRST <= ord(c) <= FAKE_LAST else c for c in text)


def convert(text: str, src: str, tgt: str) -> str:
    """언어 코드로 고른 변환. ``src``, ``tgt`` 는 ``LANG_CODES`` 중 하나 (같으면 NFC 만)."""
    for name, code in (("src", src), ("tgt", tgt)):
        if code not in LANG_CODES:
            raise ValueError(f"{name}: {LANG_CODES} 중 하나여야 합니다 (받은 값 {code!r})")
    if src == tgt:
        return unicodedata.normalize("NFC", _check_text(text))
    return to_fake_korean(text) if tgt == "ko-fake" else from_fake_korean(text)


def korean_counterpart(token: str) -> str:
    """바이트 글자 표기(``bpe.bytes_to_unicode``)의 가짜 한국어 토큰 → 같은 자리의 한국어 토큰 표기.

    가짜 글자의 UTF-8 첫 바이트 0xE5–0xE8 을 0xEA–0xED 로 되돌린다 (이어지는 바이트 0x80–0xBF 는 그대로).
    글자 중간에서 잘린 토큰도 바이트 단위로 되돌린다.
    """
    try:
        raw = bytes(_U2B[c] for c in _check_text(token, "token"))
    except KeyError as e:
        raise ValueError(f"token이 바이트 글자 표기가 아닙니다: {token!r}") from e
    return "".join(_B2U[b + 5 if 0xE5 <= b <= 0xE8 else b] for b in raw)


class NewScriptTokenizer:
    """옛 토크나이저(spine) 어휘 뒤에 새 언어 BPE 의 토큰을 붙인 토크나이저.

    새 언어 글은 ``new`` BPE 로 자르고, 그 토큰 문자열(바이트 글자 표기)이 옛 어휘에 이미 있으면 옛 id 를
    (바이트 256개, 공백·숫자·문장부호 조각, 특수 토큰), 없으면 새 id ``V_old + j`` 를 준다.

    Args:
        base: 옛 토크나이저.
        new: 새 언어로 학습한 BPE. 특수 토큰 문자열이 ``base`` 와 같아야 한다.
    """

    def __init__(self, base: BPETokenizer, new: BPETokenizer) -> None:
        for name, tok in (("base", base), ("new", new)):
            if not isinstance(tok, BPETokenizer):
                raise TypeError(f"{name}: BPETokenizer여야 합니다 (받은 타입 {type(tok).__name__})")
        missing = [t for t in new.special_tokens if t not in base.token_to_id]
        if missing:
            raise ValueError(f"new의 특수 토큰 중 base 어휘에 없는 것: {missing[0]!r}")
        self.base, self.new = base, new
        self.new_tokens: list[str] = []  # 새 행의 토큰 문자열 (바이트 글자 표기), 행 순서
        self.to_ext: list[int] = []  # new id → 확장 어휘 id
        for tok in new.vocab:
            if tok in base.token_to_id:
                self.to_ext.append(base.token_to_id[tok])
            else:
                self.to_ext.append(base.vocab_size + len(self.new_tokens))
                self.new_tokens.append(tok)
        self.from_ext = {e: i for i, e in enumerate(self.to_ext)}
        self._fast = new.to_hf()

    @property
    def vocab_size(self) -> int:
        return self.base.vocab_size + len(self.new_tokens)

    @property
    def n_shared(self) -> int:
        """새 BPE 토큰 가운데 옛 어휘와 같은 것의 수."""
        return self.new.vocab_size - len(self.new_tokens)

    def encode(self, text: str) -> list[int]:
        """새 언어 글 → 확장 어휘 id."""
        return [self.to_ext[i] for i in self._fast.encode(_check_text(text)).ids]

    def encode_batch(self, texts: Iterable[str]) -> list[list[int]]:
        return [[self.to_ext[i] for i in e.ids] for e in self._fast.encode_batch(list(texts))]

    def decode(self, ids: Iterable[int]) -> str:
        """확장 어휘 id → 글. 새 BPE 에 없는 옛 id 가 있으면 ``ValueError``."""
        out = []
        for i in ids:
            if int(i) not in self.from_ext:
                raise ValueError(f"ids에 새 언어 토크나이저가 만들 수 없는 id가 있습니다: {int(i)}")
            out.append(self.from_ext[int(i)])
        return self.new.decode(out)

    def old_pieces(self) -> list[list[int]]:
        """새 토큰마다 옛 BPE 가 같은 바이트열을 자른 id 목록 (하위 조각 평균 초기화에 쓴다)."""
        return [list(self.base._bpe(t)) for t in self.new_tokens]

    def counterparts(self) -> list[int | None]:
        """새 토큰마다 정답 짝 한국어 토큰의 옛 id (옛 어휘에 그 바이트열이 없으면 ``None``). 평가 전용."""
        return [self.base.token_to_id.get(korean_counterpart(t)) for t in self.new_tokens]
