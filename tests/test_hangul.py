import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmnotes import hangul
from llmnotes.hangul import (
    CHOSEONG,
    JONGSEONG,
    JUNGSEONG,
    N_SYLLABLES,
    SBASE,
    compose_syllable,
    decompose_syllable,
    final_consonant,
    from_jamo,
    has_final_consonant,
    is_hangul_syllable,
    to_compat_jamo,
    to_jamo,
)

ALL_SYLLABLES = "".join(chr(SBASE + i) for i in range(N_SYLLABLES))


def test_constants():
    assert N_SYLLABLES == 11_172 == 19 * 21 * 28
    assert len(CHOSEONG) == 19 and len(JUNGSEONG) == 21 and len(JONGSEONG) == 28
    assert ALL_SYLLABLES[0] == "가" and ALL_SYLLABLES[-1] == "힣"


def test_examples():
    assert decompose_syllable("한") == (18, 0, 4)  # ㅎ ㅏ ㄴ
    assert compose_syllable(18, 0, 4) == "한"
    assert compose_syllable(0, 0) == "가"
    assert to_compat_jamo("한글") == "ㅎㅏㄴㄱㅡㄹ"
    assert to_jamo("각") == "\u1100\u1161\u11a8"


def test_nfd_parity_all_syllables():
    # 11,172 음절 전부: 우리 산술 분해 = unicodedata NFD, 산술 조합 = NFC
    assert to_jamo(ALL_SYLLABLES) == unicodedata.normalize("NFD", ALL_SYLLABLES)
    for ch in ALL_SYLLABLES:
        nfd = unicodedata.normalize("NFD", ch)
        assert to_jamo(ch) == nfd
        assert from_jamo(nfd) == ch == unicodedata.normalize("NFC", nfd)
        lead, vowel, tail = decompose_syllable(ch)
        assert compose_syllable(lead, vowel, tail) == ch
        assert has_final_consonant(ch) == (tail != 0) == (len(nfd) == 3)


def test_jamo_round_trip_whole_text():
    text = "한국어 텍스트, 숫자 123 그리고 English! 😀"
    assert from_jamo(to_jamo(text)) == text
    assert from_jamo(to_jamo(ALL_SYLLABLES)) == ALL_SYLLABLES


def test_from_jamo_attaches_tail_to_lv_syllable_like_nfc():
    s = "가\u11a8"  # 완성형 '가' + 종성 ㄱ
    assert from_jamo(s) == "각" == unicodedata.normalize("NFC", s)
    # 옛한글 아래아(U+119E)는 현대 음절이 아니므로 합치지 않는다 (NFC 도 마찬가지)
    old = "\u1112\u119e\u11ab"
    assert from_jamo(old) == old == unicodedata.normalize("NFC", old)


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            [chr(c) for c in range(0x1100, 0x1113)]
            + [chr(c) for c in range(0x1161, 0x1176)]
            + [chr(c) for c in range(0x11A8, 0x11C3)]
            + list("가각한힣 aㄱ")
        ),
        max_size=20,
    )
)
def test_from_jamo_matches_nfc_on_jamo_soup(s):
    assert from_jamo(s) == unicodedata.normalize("NFC", s)


def test_compat_jamo_tables_match_unicode_names():
    # 호환 자모 NFKC = 조합형 초성/중성
    for i, c in enumerate(CHOSEONG):
        assert unicodedata.normalize("NFKC", c) == chr(0x1100 + i)
    for i, c in enumerate(JUNGSEONG):
        assert unicodedata.normalize("NFKC", c) == chr(0x1161 + i)
    # 종성: 이름이 같은 조합형 종성 (HANGUL LETTER KIYEOK ↔ HANGUL JONGSEONG KIYEOK)
    for i, c in enumerate(JONGSEONG[1:], start=1):
        assert unicodedata.name(c).removeprefix("HANGUL LETTER ") == unicodedata.name(
            chr(0x11A7 + i)
        ).removeprefix("HANGUL JONGSEONG ")
    for ch in ALL_SYLLABLES[::97]:
        assert len(to_compat_jamo(ch)) == (3 if has_final_consonant(ch) else 2)


def test_final_consonant():
    assert final_consonant("학교") == "" and final_consonant("책") == "ㄱ"
    assert final_consonant("닭") == "ㄺ"
    assert final_consonant("3") == "ㅁ" and final_consonant("2") == ""
    assert has_final_consonant("사람 ") and not has_final_consonant("나무")


def test_nfd_input_is_normalised():
    nfd = unicodedata.normalize("NFD", "한글")
    assert to_compat_jamo(nfd) == "ㅎㅏㄴㄱㅡㄹ"
    assert final_consonant(nfd) == "ㄹ"
    assert hangul.nfc(nfd) == "한글"


def test_non_syllables():
    for ch in "aㄱ\u1100漢😀 ":
        assert not is_hangul_syllable(ch)
    assert to_jamo("abc ㄱ") == "abc ㄱ"
    assert to_compat_jamo("x1") == "x1"


def test_errors():
    with pytest.raises(ValueError, match="한글 음절이 아닙니다"):
        decompose_syllable("a")
    with pytest.raises(ValueError, match="한글 음절이 아닙니다"):
        decompose_syllable("ㄱ")
    with pytest.raises(ValueError, match="한 글자"):
        decompose_syllable("가나")
    with pytest.raises(ValueError, match="한 글자"):
        is_hangul_syllable("")
    with pytest.raises(TypeError, match="ch"):
        is_hangul_syllable(0xAC00)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lead"):
        compose_syllable(19, 0)
    with pytest.raises(ValueError, match="vowel"):
        compose_syllable(0, -1)
    with pytest.raises(ValueError, match="tail"):
        compose_syllable(0, 0, 28)
    with pytest.raises(ValueError, match="lead"):
        compose_syllable(True, 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="word"):
        final_consonant("  ")
    with pytest.raises(ValueError, match="받침"):
        final_consonant("abc")
    with pytest.raises(TypeError, match="text"):
        to_jamo(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="text"):
        from_jamo(3)  # type: ignore[arg-type]
