"""한글 음절과 자모를 유니코드 산술로 정확히 다루는 함수.

현대 한글 음절 11,172자는 U+AC00(가)부터 U+D7A3(힣)까지 다음 식으로 배치되어 있다.

    음절 = 0xAC00 + (초성 × 21 + 중성) × 28 + 종성

초성 19개, 중성 21개, 종성 28개(0 은 받침 없음)이다. 이 식을 거꾸로 풀면 자모를 얻는다.
"""

from __future__ import annotations

import unicodedata

__all__ = [
    "SBASE",
    "LBASE",
    "VBASE",
    "TBASE",
    "N_CHOSEONG",
    "N_JUNGSEONG",
    "N_JONGSEONG",
    "CHOSEONG",
    "JUNGSEONG",
    "JONGSEONG",
    "is_hangul_syllable",
    "decompose_syllable",
    "compose_syllable",
    "to_jamo",
    "from_jamo",
    "to_compat_jamo",
    "has_final_consonant",
    "final_consonant",
    "nfc",
]

SBASE, LBASE, VBASE, TBASE = 0xAC00, 0x1100, 0x1161, 0x11A7
N_CHOSEONG, N_JUNGSEONG, N_JONGSEONG = 19, 21, 28
N_SYLLABLES = N_CHOSEONG * N_JUNGSEONG * N_JONGSEONG  # 11,172

# 호환 자모(U+3131~) 표기: 사람이 읽기 쉬운 형태. 종성 자리 0 은 빈 문자열.
CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
JUNGSEONG = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
JONGSEONG = ("", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ")


def nfc(text: str) -> str:
    """문자열을 NFC(완성형)로 정규화한다. 문자열이 아니면 ``TypeError``."""
    if not isinstance(text, str):
        raise TypeError(f"text는 str이어야 합니다: {type(text).__name__}")
    return unicodedata.normalize("NFC", text)


def _check_char(ch: str, name: str = "ch") -> None:
    if not isinstance(ch, str):
        raise TypeError(f"{name}: str이어야 합니다 (받은 타입 {type(ch).__name__})")
    if len(ch) != 1:
        raise ValueError(f"{name}: 한 글자여야 합니다 (받은 값 {ch!r})")


def is_hangul_syllable(ch: str) -> bool:
    """``ch`` 가 현대 한글 완성형 음절(가~힣)인지."""
    _check_char(ch)
    return SBASE <= ord(ch) < SBASE + N_SYLLABLES


def decompose_syllable(ch: str) -> tuple[int, int, int]:
    """음절을 (초성, 중성, 종성) 번호로 나눈다. 종성 0 은 받침 없음.

    s = ord(ch) - 0xAC00 일 때 초성 = s // 588, 중성 = (s % 588) // 28, 종성 = s % 28.
    """
    _check_char(ch)
    if not is_hangul_syllable(ch):
        raise ValueError(f"한글 음절이 아닙니다: {ch!r}")
    s = ord(ch) - SBASE
    return s // (N_JUNGSEONG * N_JONGSEONG), (s % (N_JUNGSEONG * N_JONGSEONG)) // N_JONGSEONG, s % N_JONGSEONG


def compose_syllable(lead: int, vowel: int, tail: int = 0) -> str:
    """(초성, 중성, 종성) 번호를 음절 하나로 합친다. 범위를 벗어나면 ``ValueError``."""
    for name, value, n in (
        ("lead", lead, N_CHOSEONG),
        ("vowel", vowel, N_JUNGSEONG),
        ("tail", tail, N_JONGSEONG),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < n:
            raise ValueError(f"{name}: 0 이상 {n} 미만의 정수여야 합니다 (받은 값 {value!r})")
    return chr(SBASE + (lead * N_JUNGSEONG + vowel) * N_JONGSEONG + tail)


def to_jamo(text: str) -> str:
    """음절을 조합형 자모(U+1100 블록)로 푼다. 한글 음절에 대해서는 ``unicodedata.normalize('NFD', ...)`` 와 같다.

    입력을 먼저 NFC 로 정규화하고, 한글 음절이 아닌 글자는 (NFD 와 달리) 분해하지 않고 그대로 둔다.
    """
    out = []
    for ch in nfc(text):
        if SBASE <= ord(ch) < SBASE + N_SYLLABLES:
            lead, vowel, tail = decompose_syllable(ch)
            out.append(chr(LBASE + lead))
            out.append(chr(VBASE + vowel))
            if tail:
                out.append(chr(TBASE + tail))
        else:
            out.append(ch)
    return "".join(out)


def from_jamo(text: str) -> str:
    """조합형 자모 열을 음절로 다시 합친다 (``unicodedata.normalize('NFC', ...)`` 의 한글 조합 규칙과 같다).

    초성+중성(+종성) 을 음절 하나로 합치고, 받침 없는 음절 뒤의 종성 자모도 그 음절에 붙인다 ('가' + 'ᆨ' → '각').
    합칠 수 없는 자모(옛한글 자모 등)와 다른 글자는 그대로 둔다.
    """
    if not isinstance(text, str):
        raise TypeError(f"text는 str이어야 합니다: {type(text).__name__}")
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        c = ord(text[i])
        if LBASE <= c < LBASE + N_CHOSEONG and i + 1 < n and VBASE <= ord(text[i + 1]) < VBASE + N_JUNGSEONG:
            lead, vowel = c - LBASE, ord(text[i + 1]) - VBASE
            tail = 0
            # 종성은 TBASE+1 ~ TBASE+27 (TBASE 자체는 '받침 없음' 자리라 글자가 아니다)
            if i + 2 < n and TBASE < ord(text[i + 2]) < TBASE + N_JONGSEONG:
                tail = ord(text[i + 2]) - TBASE
                i += 1
            out.append(compose_syllable(lead, vowel, tail))
            i += 2
        elif (
            SBASE <= c < SBASE + N_SYLLABLES
            and (c - SBASE) % N_JONGSEONG == 0
            and i + 1 < n
            and TBASE < ord(text[i + 1]) < TBASE + N_JONGSEONG
        ):
            out.append(chr(c + ord(text[i + 1]) - TBASE))  # 받침 없는 음절 + 종성 = 음절 + 종성 번호
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def to_compat_jamo(text: str) -> str:
    """음절을 호환 자모(ㄱ, ㅏ 처럼 홀로 보이는 자모)로 푼다. 예: '한' → 'ㅎㅏㄴ'."""
    out = []
    for ch in nfc(text):
        if SBASE <= ord(ch) < SBASE + N_SYLLABLES:
            lead, vowel, tail = decompose_syllable(ch)
            out.append(CHOSEONG[lead] + JUNGSEONG[vowel] + JONGSEONG[tail])
        else:
            out.append(ch)
    return "".join(out)


def final_consonant(word: str) -> str:
    """단어 마지막 글자의 받침(호환 자모)을 돌려준다. 받침이 없으면 빈 문자열.

    마지막 글자가 숫자면 한국어 읽기로 판단한다 (예: '3'(삼) → 'ㅁ'). 한글도 숫자도 아니면 ``ValueError``.
    """
    word = nfc(word).rstrip()
    if not word:
        raise ValueError("word가 비어 있습니다")
    last = word[-1]
    if last.isdigit() and last.isascii():
        # 영 일 이 삼 사 오 육 칠 팔 구
        return {
            "0": "ㅇ",
            "1": "ㄹ",
            "2": "",
            "3": "ㅁ",
            "4": "",
            "5": "",
            "6": "ㄱ",
            "7": "ㄹ",
            "8": "ㄹ",
            "9": "",
        }[last]
    if not is_hangul_syllable(last):
        raise ValueError(f"마지막 글자가 한글 음절이나 숫자가 아니어서 받침을 알 수 없습니다: {word!r}")
    return JONGSEONG[decompose_syllable(last)[2]]


def has_final_consonant(word: str) -> bool:
    """단어 마지막 글자에 받침이 있는지."""
    return final_consonant(word) != ""
