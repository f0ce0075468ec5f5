"""받침에 따라 조사를 고르는 규칙 (은/는, 이/가, 을/를, 와/과, 으로/로, 이나/나, 아/야, 이다/다 ...).

규칙: 앞말의 마지막 음절에 받침이 있으면 받침용 형태(은, 이, 을, 과, 으로 ...), 없으면 모음용 형태를 쓴다.
예외: '으로/로' 는 받침이 ㄹ 일 때도 '로' 를 쓴다 (서울로, 연필로, 칼로).
"""

from __future__ import annotations

from .hangul import final_consonant, nfc

__all__ = ["JOSA_PAIRS", "josa", "attach"]

# 표기: (받침 있을 때, 받침 없을 때). 키는 사람이 흔히 쓰는 '받침형/모음형' 표기와 그 역순을 모두 받는다.
JOSA_PAIRS: dict[str, tuple[str, str]] = {
    "은/는": ("은", "는"),
    "이/가": ("이", "가"),
    "을/를": ("을", "를"),
    "과/와": ("과", "와"),
    "으로/로": ("으로", "로"),
    "이나/나": ("이나", "나"),
    "이랑/랑": ("이랑", "랑"),
    "아/야": ("아", "야"),
    "이다/다": ("이다", "다"),
    "이에요/예요": ("이에요", "예요"),
    "으로서/로서": ("으로서", "로서"),
    "으로써/로써": ("으로써", "로써"),
}
_ALIASES: dict[str, str] = {}
for _key, (_a, _b) in JOSA_PAIRS.items():
    _ALIASES[_key] = _key
    _ALIASES[f"{_b}/{_a}"] = _key
    if _a == _a[0] + _b:  # '(으)로', '(이)나' 처럼 괄호 표기가 자연스러운 경우만
        _ALIASES[f"({_a[0]}){_b}"] = _key
_RO_FAMILY = {"으로/로", "으로서/로서", "으로써/로써"}


def josa(word: str, pair: str) -> str:
    """``word`` 뒤에 올 조사 형태를 고른다.

    Args:
        word: 앞말. 마지막 글자가 한글 음절이나 아라비아 숫자여야 한다. NFD 로 들어와도 NFC 로 바꿔 판단한다.
        pair: '은/는', '이/가', '을/를', '와/과', '으로/로', '(으)로' 같은 표기.

    Returns:
        고른 조사 (예: '은').
    """
    if not isinstance(word, str):
        raise TypeError(f"word는 str이어야 합니다: {word!r}")
    if not isinstance(pair, str):
        raise TypeError(f"pair는 '은/는' 같은 str이어야 합니다: {pair!r}")
    key = _ALIASES.get(pair)
    if key is None:
        raise ValueError(f"알 수 없는 조사 표기입니다: {pair!r}. 가능한 값: {sorted(JOSA_PAIRS)}")
    with_final, without_final = JOSA_PAIRS[key]
    jong = final_consonant(word)
    if jong == "":
        return without_final
    if key in _RO_FAMILY and jong == "ㄹ":
        return without_final  # ㄹ 받침 예외: 서울로, 칼로
    return with_final


def attach(word: str, pair: str) -> str:
    """앞말에 알맞은 조사를 붙인 문자열 (NFC). 예: attach('사과', '을/를') == '사과를'."""
    particle = josa(word, pair)  # word, pair 검사를 먼저 한다
    return nfc(word) + particle
