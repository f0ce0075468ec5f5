"""세계 말뭉치의 문법 도구: 조사를 고르는 문장 틀 채우기, 동사 활용표, 규칙 기반 문법 검사기.

- :func:`render` 는 ``"{S/은} {O/을} 만든다."`` 같은 틀을 채우면서 받침에 맞는 조사를 붙인다
  (:mod:`llmnotes.josa` 를 쓰고, '이었다/였다', '이라는/라는' 같은 형태를 더했다).
- :class:`Verb` 는 동사 하나의 평서·과거·해요체·높임(-시-) 형태를 손으로 적은 표에서 만든다.
- :func:`check_sentence` 는 임의의 문장을 Kiwi 형태소 분석과 겉모양 규칙으로 검사해 위반 목록을 돌려준다:
  조사(받침 규칙), 시제(과거·미래 시간 부사와 서술어의 시제), 높임(높임 주어와 -시-), 조사 띄어 쓰기.
  생성 문장 검사와, 나중에 모델이 만든 문장의 채점에 같이 쓴다.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..hangul import final_consonant, is_hangul_syllable, nfc
from ..josa import JOSA_PAIRS, josa
from .phrasings import polite_template  # noqa: F401  (예전 위치에서도 쓸 수 있게)

__all__ = [
    "PAIR_OF",
    "pick",
    "render",
    "Verb",
    "VERBS",
    "polite_template",
    "HONORIFIC_NOUNS",
    "PAST_ADVERBS",
    "FUTURE_ADVERBS",
    "check_sentence",
    "check_sentences",
    "check_text",
    "text_sentences",
    "kiwi_sanity",
]

# ---------------------------------------------------------------- 조사 고르기
# 틀에서는 받침형 한 가지만 적는다: '{S/은}' → '은/는' 쌍. (받침 있을 때, 없을 때)
_EXTRA_PAIRS: dict[str, tuple[str, str]] = {
    "이었다": ("이었다", "였다"),
    "이었고": ("이었고", "였고"),
    "이었어요": ("이었어요", "였어요"),
    "이라는": ("이라는", "라는"),
    "이라": ("이라", "라"),
    "이라고": ("이라고", "라고"),
    "이며": ("이며", "며"),
    "이고": ("이고", "고"),
    "이에요": ("이에요", "예요"),
    "이죠": ("이죠", "죠"),
    "이지만": ("이지만", "지만"),
}
PAIR_OF: dict[str, tuple[str, str]] = {}
for _key, (_a, _b) in JOSA_PAIRS.items():
    PAIR_OF[_a] = PAIR_OF[_b] = (_a, _b)
PAIR_OF.update(_EXTRA_PAIRS)
_RO = {"으로", "으로서", "으로써"}


def pick(word: str, form: str) -> str:
    """``word`` 뒤에 올 조사를 고른다. ``form`` 은 쌍의 어느 한쪽 ('은' 이나 '는', '이었다' …).

    '으로' 계열은 ㄹ 받침 뒤에서 '로' 를 쓴다 (서울로). 표준 쌍은 :func:`llmnotes.josa.josa` 에 맡긴다.
    """
    if form not in PAIR_OF:
        raise ValueError(f"알 수 없는 조사 형태입니다: {form!r}. 가능한 값: {sorted(PAIR_OF)}")
    with_final, without_final = PAIR_OF[form]
    if form in _EXTRA_PAIRS:
        return with_final if final_consonant(word) else without_final
    return josa(word, f"{with_final}/{without_final}")


_SLOT = re.compile(r"\{(\w+)(?:/(\w+))?\}")


@lru_cache(maxsize=4096)
def _compile(template: str) -> tuple[tuple[str, str | None, str | None], ...]:
    """틀을 (앞 글자, 자리 이름, 조사) 조각들로 한 번만 나눠 둔다."""
    parts: list[tuple[str, str | None, str | None]] = []
    pos = 0
    for m in _SLOT.finditer(template):
        if m.group(2) is not None and m.group(2) not in PAIR_OF:
            raise ValueError(f"틀 {template!r}의 조사를 알 수 없습니다: {m.group(2)!r}")
        parts.append((template[pos : m.start()], m.group(1), m.group(2)))
        pos = m.end()
    parts.append((template[pos:], None, None))
    return tuple(parts)


def render(template: str, values: dict[str, str]) -> str:
    """틀의 ``{이름}`` 과 ``{이름/조사}`` 자리를 채운다.

    예: ``render("{S/은} {O/을} 만든다.", {"S": "누리전자", "O": "반디솔"})`` → '누리전자는 반디솔을 만든다.'

    Args:
        template: 문장 틀. 조사는 받침형이든 모음형이든 한쪽만 적는다 ('{S/은}' 과 '{S/는}' 은 같다).
        values: 자리 이름 → 넣을 말.
    """
    out: list[str] = []
    for text, name, form in _compile(template):
        out.append(text)
        if name is None:
            continue
        if name not in values:
            raise ValueError(f"틀 {template!r}의 자리 {name!r}에 넣을 값이 없습니다")
        word = values[name]
        out.append(word if form is None else word + pick(word, form))
    return "".join(out)


# ---------------------------------------------------------------- 동사 활용표
@dataclass(frozen=True)
class Verb:
    """동사 하나의 활용형. 불규칙 활용이 많아 규칙으로 만들지 않고 네 형태를 손으로 적는다.

    Attributes:
        present: 해라체 현재 ('간다').
        polite: 해요체 현재 ('가요').
        past_stem: 과거 어간 ('갔'): 과거 '갔다', 해요체 과거 '갔어요'.
        hon_stem: 높임 어간 ('가시'; '먹다' 는 '드시'): '가셨다', '가신다', '가세요', '가셨어요'.
    """

    present: str
    polite: str
    past_stem: str
    hon_stem: str

    def past(self) -> str:
        return self.past_stem + "다"

    def polite_past(self) -> str:
        return self.past_stem + "어요"

    def hon_past(self) -> str:  # 가시 → 가셨다
        return self.hon_stem[:-1] + "셨다"

    def hon_present(self) -> str:  # 가시 → 가신다
        return self.hon_stem[:-1] + "신다"

    def hon_polite(self) -> str:  # 가시 → 가세요
        return self.hon_stem[:-1] + "세요"

    def hon_polite_past(self) -> str:  # 가시 → 가셨어요
        return self.hon_stem[:-1] + "셨어요"

    def form(self, tense: str, honorific: bool, polite: bool) -> str:
        """시제('past'/'present'), 높임, 해요체 여부로 형태를 고른다."""
        if tense not in ("past", "present"):
            raise ValueError(f"tense는 'past'나 'present'여야 합니다: {tense!r}")
        if honorific:
            if polite:
                return self.hon_polite_past() if tense == "past" else self.hon_polite()
            return self.hon_past() if tense == "past" else self.hon_present()
        if polite:
            return self.polite_past() if tense == "past" else self.polite
        return self.past() if tense == "past" else self.present


VERBS: dict[str, Verb] = {
    "가다": Verb("간다", "가요", "갔", "가시"),
    "오다": Verb("온다", "와요", "왔", "오시"),
    "먹다": Verb("먹는다", "먹어요", "먹었", "드시"),
    "사다": Verb("산다", "사요", "샀", "사시"),
    "보다": Verb("본다", "봐요", "봤", "보시"),
    "있다": Verb("있다", "있어요", "있었", "계시"),
    "자다": Verb("잔다", "자요", "잤", "주무시"),
    "말하다": Verb("말한다", "말해요", "말했", "말씀하시"),
    "좋아하다": Verb("좋아한다", "좋아해요", "좋아했", "좋아하시"),
    "일하다": Verb("일한다", "일해요", "일했", "일하시"),
    "웃다": Verb("웃는다", "웃어요", "웃었", "웃으시"),
    "읽다": Verb("읽는다", "읽어요", "읽었", "읽으시"),
    "걷다": Verb("걷는다", "걸어요", "걸었", "걸으시"),
    "만들다": Verb("만든다", "만들어요", "만들었", "만드시"),
    "쓰다": Verb("쓴다", "써요", "썼", "쓰시"),
    "기다리다": Verb("기다린다", "기다려요", "기다렸", "기다리시"),
    "둘러보다": Verb("둘러본다", "둘러봐요", "둘러봤", "둘러보시"),
    "칭찬하다": Verb("칭찬한다", "칭찬해요", "칭찬했", "칭찬하시"),
    "놀라다": Verb("놀란다", "놀라요", "놀랐", "놀라시"),
    "돌아오다": Verb("돌아온다", "돌아와요", "돌아왔", "돌아오시"),
}

# ---------------------------------------------------------------- 검사기
HONORIFIC_NOUNS = frozenset({"할머니", "할아버지", "어르신", "선생님", "부모님", "어머님", "아버님", "손님"})
PAST_ADVERBS = frozenset({"어제", "그제", "그저께", "엊그제", "작년", "지난해", "지난달", "지난주", "지난번"})
FUTURE_ADVERBS = frozenset({"내일", "모레", "내년", "내후년"})
_OTHER_TIME = frozenset({"오늘", "지금", "현재", "요즘", "요즈음", "올해", "이번", "평소", "앞으로"})
_JOSA_FORMS = frozenset(
    {
        "은",
        "는",
        "이",
        "가",
        "을",
        "를",
        "과",
        "와",
        "으로",
        "로",
        "으로서",
        "로서",
        "으로써",
        "로써",
        "이나",
        "나",
        "이랑",
        "랑",
    }
)
# Kiwi 가 틀린 조사를 조사로 읽지 못하고 명사·어미 따위로 떼어 낼 때도 잡는 형태 (이름 끝 글자와 헷갈릴 일이 적은 것).
_MISREAD_FORMS = frozenset({"을", "를", "는", "과", "와", "로", "으로"})
_NOMINAL = ("NN", "NR", "NP", "SN", "XSN", "J", "SL", "SH")
_PRED = ("VV", "VA", "VX", "VCP", "VCN", "XSV", "XSA")
_SUBJ_TAGS = frozenset({"JKS", "JX"})
_HON_STEMS = ("계시", "드시", "주무시", "잡수시", "편찮으시", "돌아가시", "말씀하시")
_PAST_EP = frozenset({"었", "았", "였", "었었", "았었"})


def _tag(m) -> str:
    return m.tag.split("-")[0]


def _expected(prev_char: str, form: str) -> str | None:
    """조사 앞 글자 하나를 보고 나와야 할 조사. 앞 글자가 한글·숫자가 아니면 ``None`` (판단 안 함)."""
    if not (is_hangul_syllable(prev_char) or (prev_char.isdigit() and prev_char.isascii())):
        return None
    return pick(prev_char, form)


def _josa_violations(text: str, toks) -> list[str]:
    out = []
    for i, m in enumerate(toks):
        surface = text[m.start : m.start + m.len]
        if surface not in _JOSA_FORMS or i == 0 or m.start == 0:
            continue
        prev = toks[i - 1]
        if prev.start + prev.len != m.start or not _tag(prev).startswith(_NOMINAL):
            continue  # 앞말에 붙어 있지 않거나 앞이 체언이 아니면 조사가 아니다
        t = _tag(m)
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        word_end = nxt is None or nxt.start > m.start + m.len or _tag(nxt).startswith(("S", "J"))
        if not t.startswith("J"):
            # Kiwi 가 틀린 조사를 다른 품사로 떼어 낸 경우 ('책는' → 책 + 는/ETM): 어절 끝에 있을 때만 조사로 본다.
            if surface not in _MISREAD_FORMS or not word_end or t in ("VCP", "EP"):
                continue
        exp = _expected(text[m.start - 1], surface)
        if exp is not None and exp != surface:
            out.append(f"조사: '{text[max(0, m.start - 6) : m.start + m.len]}' 에서 '{surface}' 대신 '{exp}'")
    return out


def _units(toks, start: int):
    """``start`` 부터 서술어 단위(어간 + 뒤따르는 어미들)를 차례로 돌려준다: (첫 위치, 끝 위치, 마지막 어미 태그)."""
    i = start
    n = len(toks)
    while i < n:
        if _tag(toks[i]) in _PRED:
            j = i + 1
            while j < n and _tag(toks[j]).startswith("E"):
                j += 1
            last = _tag(toks[j - 1]) if j - 1 > i else ""
            yield i, j, last
            i = j
        else:
            yield i, i + 1, None  # 서술어가 아닌 형태소
            i += 1


def _is_honorific_unit(toks, a: int, b: int) -> bool:
    for m in toks[a:b]:
        t = _tag(m)
        if t == "EP" and m.form in ("시", "으시"):
            return True
        if t in _PRED and m.form.endswith(_HON_STEMS):
            return True
        if t.startswith("E") and m.form.startswith(("세요", "셔요", "십시", "으세요", "으십시")):
            return True
    return False


def _is_past_unit(toks, a: int, b: int) -> bool:
    stem_tag = _tag(toks[a])
    for m in toks[a:b]:
        t = _tag(m)
        if t == "EP" and m.form in _PAST_EP:
            return True
        if t == "ETM" and m.form in ("ᆫ", "은") and stem_tag in ("VV", "XSV"):
            return True
    return False


def _honorific_violations(text: str, toks) -> list[str]:
    out = []
    for i, m in enumerate(toks[:-1]):
        nxt = toks[i + 1]
        if _tag(nxt) not in _SUBJ_TAGS or nxt.start != m.start + m.len:
            continue
        is_hon = m.form in HONORIFIC_NOUNS or (_tag(m) == "XSN" and m.form == "님")
        is_self = _tag(m) == "NP" and m.form in ("나", "저", "내", "제")
        if not (is_hon or is_self):
            continue
        found_hon = False
        for a, b, last in _units(toks, i + 2):
            if last is None:
                if _tag(toks[a]) in _SUBJ_TAGS and a > i + 2 and _tag(toks[a - 1]).startswith(("N", "XSN")):
                    if toks[a].form in ("께서", "이", "가") or (toks[a].form in ("은", "는") and a > i + 3):
                        break  # 다른 주어가 나오면 이 주어의 범위가 끝난다
                continue
            found_hon = found_hon or _is_honorific_unit(toks, a, b)
            if last in ("EF", "ETM"):
                h0 = toks[i - 1].start if _tag(m) == "XSN" and i > 0 else m.start
                head = text[h0 : nxt.start + nxt.len]
                if is_hon and not found_hon:
                    out.append(
                        f"높임: 주어 '{head}' 에 맞는 '-시-' 가 서술어 '{text[toks[a].start : toks[b - 1].start + toks[b - 1].len]}' 에 없음"
                    )
                if is_self and found_hon:
                    out.append(f"높임: 말하는 이 자신('{head}')을 높이는 '-시-'")
                break
    return out


def _tense_violations(text: str, toks) -> list[str]:
    out = []
    for i, m in enumerate(toks):
        form = m.form
        kind = "past" if form in PAST_ADVERBS else "future" if form in FUTURE_ADVERBS else None
        if kind is None and form == "다음" and i + 1 < len(toks) and toks[i + 1].form in ("주", "달", "해"):
            kind = "future"
        if kind is None or not _tag(m).startswith(("MAG", "NNG")):
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if nxt is not None and nxt.start == m.start + m.len and nxt.tag in ("JKG", "JC", "JKS", "JKO", "VCP"):
            continue  # '어제의 일', '어제와 오늘', '어제가' 는 부사어가 아니다
        for a, b, last in _units(toks, i + 1):
            if last is None:
                if toks[a].form in _OTHER_TIME | PAST_ADVERBS | FUTURE_ADVERBS:
                    break  # 다른 시간 표현이 나오면 범위가 끝난다
                continue
            past = _is_past_unit(toks, a, b)
            if kind == "future" and last in ("EC", "ETN"):
                break  # '다음 달에 만나기로 했다', '내일 가려고 했다': 미래 부사는 앞 절을 꾸민다
            if last == "EC" and past:
                break  # '지난달에 샀는데 좋아요': 부사가 꾸미는 앞 절이 과거면 통과
            if last == "ETM" and not past:
                continue  # '어제는 추운 날이었다': 형용사 관형형은 건너뛰고 주절을 본다
            if last not in ("EF", "ETM"):
                continue
            verb = text[toks[a].start : toks[b - 1].start + toks[b - 1].len]
            if kind == "past" and not past:
                out.append(f"시제: '{form}' 뒤의 서술어 '{verb}' 가 과거형이 아님")
            if kind == "future" and past and not any(t.form == "겠" for t in toks[a:b]):
                out.append(f"시제: '{form}' 뒤의 서술어 '{verb}' 가 과거형")
            break
    return out


_DETACHED = frozenset({"은", "는", "을", "를", "에서", "으로", "의", "과", "와", "에게", "께서"})
_PUNCT = "\"'“”‘’()[]«».,!?…:;·"


def _spacing_violations(text: str) -> list[str]:
    words = text.split()
    return [
        f"띄어쓰기: 조사 '{w.strip(_PUNCT)}' 가 앞말과 떨어져 있음"
        for k, w in enumerate(words)
        if k > 0 and w.strip(_PUNCT) in _DETACHED
    ]


def _has_final_ending(toks) -> bool:
    """문장 부호를 뺀 마지막 형태소가 종결 어미(EF)인가 ('-ㄴ가요' 의 '요'(JX)는 EF 에 딸린 것으로 본다)."""
    body = [t for t in toks if not _tag(t).startswith("S")]
    if body and _tag(body[-1]) == "JX" and body[-1].form == "요":
        body = body[:-1]
    return bool(body) and _tag(body[-1]) == "EF"


def _check_tokens(text: str, toks, require_ending: bool = False) -> list[str]:
    out = (
        _josa_violations(text, toks)
        + _tense_violations(text, toks)
        + _honorific_violations(text, toks)
        + _spacing_violations(text)
    )
    if require_ending and not _has_final_ending(toks):
        out.append("문장 끝: 종결 어미로 끝나지 않음 (잘린 문장이나 명사 나열)")
    return out


def check_sentence(sentence: str, require_ending: bool = False) -> list[str]:
    """문장 하나를 검사해 위반을 설명하는 문자열 목록을 돌려준다 (빈 목록 = 통과).

    규칙 (Kiwi 형태소 + 겉모양):

    - 조사: 은/는, 이/가, 을/를, 과/와, 으로/로(ㄹ 예외) 가 앞 글자의 받침과 맞는가.
    - 시제: 과거 시간 부사(어제, 지난해 …) 뒤 첫 절의 서술어가 과거형인가, 미래 부사(내일, 내년 …) 뒤가 과거형이 아닌가.
    - 높임: 높임 주어(할머니, 선생님, '-님' …)의 서술어에 '-시-' 가 있는가, 말하는 이 자신(나, 저)을 높이지 않는가.
    - 띄어쓰기: 조사가 앞말과 떨어져 있지 않은가 ('책 을').

    Args:
        sentence: 검사할 문장 (아무 문장이나; NFC 로 바꿔 검사한다).
        require_ending: 참이면 종결 어미(EF)로 끝나지 않는 문장도 위반으로 센다 (모델이 만든 글을 채점할 때).
    """
    if not isinstance(sentence, str):
        raise TypeError(f"sentence는 str이어야 합니다: {type(sentence).__name__}")
    from ..morph import kiwi

    text = nfc(sentence)
    if not text.strip():
        return []
    return _check_tokens(text, kiwi().tokenize(text), require_ending)


def check_sentences(sentences: Sequence[str], require_ending: bool = False) -> list[list[str]]:
    """여러 문장을 Kiwi 일괄 분석으로 한꺼번에 검사한다 (:func:`check_sentence` 와 같은 결과, 더 빠르다)."""
    if isinstance(sentences, str):
        raise TypeError("sentences는 문장들의 모음이어야 합니다 (문장 하나는 check_sentence)")
    from ..morph import kiwi

    texts = [nfc(s) for s in sentences]
    for k, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"sentences[{k}]는 str이어야 합니다")
    out: list[list[str]] = [[] for _ in texts]
    idx = [k for k, t in enumerate(texts) if t.strip()]
    for k, toks in zip(idx, kiwi().tokenize([texts[k] for k in idx]), strict=True):
        out[k] = _check_tokens(texts[k], toks, require_ending)
    return out


def text_sentences(text: str) -> list[str]:
    """문서를 검사할 문장들로 나눈다: 줄마다 대화의 '이름: ' 표시를 떼고 문장 부호로 자른다."""
    from ..corpora import split_sentences

    out: list[str] = []
    for line in nfc(text).split("\n"):
        head, sep, rest = line.partition(": ")
        if sep and len(head) <= 12 and " " not in head.strip():
            line = rest  # '민수: 안녕하세요.' → '안녕하세요.'
        out += split_sentences(line)
    return out


def check_text(text: str, require_ending: bool = False) -> list[tuple[str, list[str]]]:
    """문서(또는 모델이 만든 글) 전체를 문장별로 검사한다: (문장, 위반 목록) 의 목록.

    Args:
        text: 검사할 글. 대화의 '이름: ' 표시는 떼고 본다.
        require_ending: :func:`check_sentence` 와 같다.
    """
    if not isinstance(text, str):
        raise TypeError(f"text는 str이어야 합니다: {type(text).__name__}")
    sents = text_sentences(text)
    return list(zip(sents, check_sentences(sents, require_ending), strict=True))


def kiwi_sanity(sentences: Iterable[str]) -> dict[str, float]:
    """Kiwi 로 분석했을 때의 건전성: 종결 어미(EF)로 끝나는 문장 비율, 미등록(UN) 형태소가 없는 문장 비율.

    Returns:
        ``{"n": 문장 수, "final_ending": 비율, "no_unknown": 비율}``.
    """
    from ..morph import kiwi

    texts = [nfc(s) for s in sentences if s.strip()]
    if not texts:
        raise ValueError("sentences가 비어 있습니다")
    n_end = n_known = 0
    for toks in kiwi().tokenize(texts):
        tags = [_tag(t) for t in toks]
        n_end += _has_final_ending(toks)
        n_known += "UN" not in tags
    return {"n": len(texts), "final_ending": n_end / len(texts), "no_unknown": n_known / len(texts)}
