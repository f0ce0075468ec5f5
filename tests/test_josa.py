"""조사 선택 규칙: 모든 규칙과 예외를 받침 있는/없는 단어 표로 확인한다."""

from __future__ import annotations

import unicodedata

import pytest

from llmnotes.josa import JOSA_PAIRS, attach, josa

# (단어, 받침, ㄹ받침 여부)
WORDS = [
    ("사과", False, False),
    ("학교", False, False),
    ("나무", False, False),
    ("책", True, False),
    ("집", True, False),
    ("강", True, False),
    ("서울", True, True),
    ("연필", True, True),
    ("칼", True, True),
    ("물", True, True),
    ("밖", True, False),  # 쌍받침
    ("값", True, False),  # 겹받침
    ("닭", True, False),  # ㄺ: 끝소리가 ㄹ 계열이지만 받침 글자는 ㄺ 이므로 '으로'
]

EXPECTED = {
    "은/는": ("은", "는"),
    "이/가": ("이", "가"),
    "을/를": ("을", "를"),
    "과/와": ("과", "와"),
    "이나/나": ("이나", "나"),
    "이랑/랑": ("이랑", "랑"),
    "아/야": ("아", "야"),
    "이다/다": ("이다", "다"),
}


@pytest.mark.parametrize("pair", list(EXPECTED))
@pytest.mark.parametrize("word,final,_rieul", WORDS)
def test_final_consonant_rule(word, final, _rieul, pair):
    with_final, without_final = EXPECTED[pair]
    assert josa(word, pair) == (with_final if final else without_final)


@pytest.mark.parametrize("pair", ["으로/로", "(으)로", "로/으로", "으로서/로서", "으로써/로써"])
@pytest.mark.parametrize("word,final,rieul", WORDS)
def test_euro_ro_with_rieul_exception(word, final, rieul, pair):
    base = JOSA_PAIRS[{"(으)로": "으로/로", "로/으로": "으로/로"}.get(pair, pair)]
    expected = base[0] if final and not rieul else base[1]
    assert josa(word, pair) == expected


def test_known_phrases():
    assert attach("서울", "으로/로") == "서울로"
    assert attach("집", "으로/로") == "집으로"
    assert attach("학교", "으로/로") == "학교로"
    assert attach("사과", "을/를") == "사과를"
    assert attach("책", "와/과") == "책과"
    assert attach("친구", "와/과") == "친구와"
    assert attach("민수", "이/가") == "민수가"


def test_reverse_notation_is_accepted():
    assert josa("책", "는/은") == "은"
    assert josa("사과", "를/을") == "를"
    assert josa("물", "와/과") == "과"


@pytest.mark.parametrize("digit,expected", [("1", "이"), ("2", "가"), ("3", "이"), ("5", "가"), ("10", "이")])
def test_digits_are_read_in_korean(digit, expected):
    # 일(ㄹ), 이(-), 삼(ㅁ), 오(-), 십(ㅂ)
    assert josa(digit, "이/가") == expected


def test_digit_with_rieul_takes_ro():
    assert josa("7", "으로/로") == "로"  # 칠로
    assert josa("3", "으로/로") == "으로"  # 삼으로


def test_nfd_input_comes_back_nfc():
    word = unicodedata.normalize("NFD", "서울")
    out = attach(word, "은/는")
    assert out == "서울은"
    assert unicodedata.is_normalized("NFC", out)


def test_unknown_pair_raises():
    with pytest.raises(ValueError, match="조사 표기"):
        josa("사과", "의/에")


def test_word_without_hangul_raises():
    with pytest.raises(ValueError, match="받침"):
        josa("GPT", "은/는")
    with pytest.raises(ValueError, match="비어"):
        josa("", "은/는")
