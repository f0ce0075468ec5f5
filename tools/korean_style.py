"""한국어 문체 검사: 조사 띄어쓰기(한글 맞춤법 제41항)와 용어집의 '한 개념에 한 용어'.

1. 조사는 앞말에 붙여 쓴다. 앞말이 로마자·숫자·코드·닫는 괄호여도 같다:
   "GPT를", "07에서", "`x`는", "(attention)은" — "GPT 를"처럼 띄우면 틀린다.
   검사 대상: 노트북의 마크다운 셀과 .md 파일의 글. 코드 블록·인라인 코드의 안쪽, 수식($…$, $$…$$),
   주소(URL)는 보지 않는다. 수식 뒤의 조사("$x$ 는")는 렌더러마다 붙여 쓴 모습이 달라 건드리지 않는다.
   오탐을 줄이려고 띄어 쓴 낱말 **전체**가 조사(또는 조사 두 개의 연쇄: "에서는", "으로도")일 때만 잡는다.
   그래서 "10 개", "3 배", "2 이상", "GPT 이후" 처럼 조사가 아닌 말은 잡지 않는다.
2. 용어집이 정한 용어 대신 다른 말을 쓰면 잡는다 (:data:`TERMS`; 마크다운 셀과 .md 파일).
3. 라이브러리가 사용자에게 보여 주는 글(``raise`` 의 예외 메시지, ``warnings.warn``, ``print``, ``log``)에도 1과 2를
   적용한다 (:func:`message_problems`; tests/test_message_style.py 가 ``src/llmnotes`` 전체에 부른다).
   f-문자열의 자리표시자(``{name}``)는 로마자 낱말 :data:`PLACEHOLDER` 로 보고 검사한다: 값이 무엇이든 그 뒤에 띄어 쓴
   조사("{name} 는")는 틀린다. 자리표시자 뒤의 조사는 값에 따라 모양이 달라지므로(은/는) 조사가 필요 없게 고쳐 쓴다
   ("{name}: 1 이상의 정수여야 합니다 (받은 값 {value!r})").
4. 메시지 글에서 자리표시자 **바로 뒤**(닫는 따옴표·백틱을 건너서도)에 앞말의 받침에 따라 모양이 바뀌는 조사
   (:data:`SOUND_PARTICLES`: 이/가, 은/는, 을/를, 와/과, (으)로, 이어야/여야, 이다, (이)라는, (이)나 …)가 오면 잡는다:
   "T={T}가"는 T=20일 때 "20가"(이십가)로 찍힌다. 받침과 상관없는 조사(의, 에, 에서, 보다, 도, 만, 까지, 부터,
   에게 …)는 괜찮다. 조사가 필요 없게 고쳐 쓰고("입력 길이 T={T}: max_len={m}보다 깁니다"), 그렇게 하면 어색할
   때만 두 모양을 함께 쓴다: "(이)가", "은(는)", "을(를)", "와(과)", "(으)로" 는 받아들인다 (붙여 써야 한다:
   "{name} 은(는)"은 잡는다). 자리표시자 뒤 괄호 속 말 다음의 조사("수({n})가")는 괄호 앞말에 붙으므로 괜찮다.

사용법:
    python tools/korean_style.py [파일 ...]          # 검사만 (인자가 없으면 notebooks/*.ipynb, *.md)
    python tools/korean_style.py --fix [파일 ...]    # 마크다운 셀과 .md 파일을 고쳐 쓴다 (여러 번 해도 같다)
문제가 있으면 파일·셀·줄과 그 자리(⟦ 표시)를 출력하고 종료 코드 1로 끝난다. 코드 셀은 보지도 고치지도 않는다.
노트북 위생 검사(tools/check_notebooks.py)가 노트북마다 이 검사를 부른다.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# 앞말 뒤에 띄어 쓰면 안 되는 조사 (한 낱말 전체가 이것이면 조사로 본다)
PARTICLES = (
    "은 는 이 가 을 를 의 에 에서 에게 께 한테 으로 로 와 과 도 만 까지 부터 보다 처럼 마다 만큼 씩 "
    "이나 나 이랑 랑 이라 라 이며 이고 이다 입니다 이지만 이므로 이면 이란 란 이라는 라는 이라고 라고 인 "
    "으로서 로서 으로써 로써 조차 뿐 밖에 이든 든 이던 이야 야 이었다 였다 이에요 예요 이어야 여야 이어서 여서"
).split()
# 두 조사가 이어질 때: 앞 조사 (이것들 뒤에만 둘째 조사를 허용) + 둘째 조사
CHAIN_HEADS = (
    "에 에서 에게 한테 께 으로 로 와 과 까지 부터 보다 처럼 만 마다 만큼 으로서 로서 으로써 로써".split()
)
CHAIN_TAILS = "은 는 도 의 을 를 만 에 에서 부터 까지 이다".split()
NOT_PARTICLES = {"과도"}  # 조사 연쇄처럼 보이지만 다른 낱말


def _alt(words: list[str]) -> str:
    return "|".join(sorted(set(words), key=len, reverse=True))


_PARTICLE_WORD = re.compile(rf"(?:(?:{_alt(CHAIN_HEADS)})(?:{_alt(CHAIN_TAILS)})|(?:{_alt(PARTICLES)}))")
# 앞말의 끝: 로마자, 숫자, 백분율, 닫는 괄호·따옴표·백틱, 로마자·한글·코드 뒤의 굵게/기울임 표시 ("*선수 노트북*을")
_BEFORE = r"(?:(?<=[A-Za-z0-9_%)\]`’”'\"])|(?<=[A-Za-z0-9)`가-힣]\*\*)|(?<=[A-Za-z0-9)`가-힣]\*))"
_AFTER = r"(?=$|[\s.,!?;:)\]}'\"’”…·/|~*<-])"
# 홀로 쓴 '이' 뒤에 이런 명사가 오면 조사가 아니라 지시어("`data/` 이 프로젝트가")일 수 있어 잡지 않는다
DEMONSTRATIVE_NOUNS = (
    "프로젝트 노트북 모델 모음 값 식 책 장 절 방법 문제 경우 때 과정 함수 셀 그림 표 규칙 데이터 말뭉치 글 문장 "
    "결과 단어 토큰 예 코드 부분 차이 두 세 네 한 점 층 벡터 행렬 파일 폴더 명령 구현 설정 실험 학습 과제 질문 일"
).split()
_NOT_DEMONSTRATIVE = rf"(?!이[ \t]+(?:{_alt(DEMONSTRATIVE_NOUNS)})(?:[^가-힣]|[가-힣]{{1,3}}(?:[^가-힣]|$)))"
# '밖에 있다/없다'의 '밖에'는 명사 '밖' + '에' ("범위 0…9 밖에 있습니다")일 수 있어 잡지 않는다
_NOT_NOUN_BAKK = r"(?!밖에[ \t]+있)"
SPACING_RE = re.compile(
    rf"{_BEFORE}[ \t]+{_NOT_DEMONSTRATIVE}{_NOT_NOUN_BAKK}({_PARTICLE_WORD.pattern}){_AFTER}", re.M
)

# 용어집이 고른 말 ← 쓰지 않는 말. 정규식은 낱말 안쪽의 우연한 일치를 피한다.
TERMS: dict[str, str] = {
    "열지도": "히트맵",
    "완전 일치": "정확 일치",
    "학습 단계": "학습 스텝",
    "해독": "디코딩",
    "야코비 행렬": "야코비안",
    "매개변수": "파라미터",
    "혼잡도": "퍼플렉서티",
    "싱글": "글자 n-그램",  # shingle (single과 헷갈린다)
    "개발 집합": "개발 분할",  # development (dev) split
    "시험 집합": "시험 분할",  # test split
}
TERM_EXEMPT = {"GLOSSARY.md"}  # 용어집은 쓰지 않는 말을 설명하려고 적는다


def _mask(text: str) -> str:
    """검사하지 않을 영역을 같은 길이의 다른 글자로 가린다 (위치는 그대로)."""
    out = list(text)

    def blank(start: int, end: int, keep_ends: int = 0, fill: str = "\x00") -> None:
        for i in range(start + keep_ends, end - keep_ends):
            if out[i] != "\n":
                out[i] = fill

    for m in re.finditer(r"^(```|~~~).*?^\1[^\n]*$", text, re.M | re.S):  # 코드 블록
        blank(m.start(), m.end())
    for m in re.finditer(r"\$\$.*?\$\$", text, re.S):  # 블록 수식
        blank(m.start(), m.end())
    masked = "".join(out)
    for m in re.finditer(r"(?<!\$)\$(?!\$)[^$\n]+?\$", masked):  # 인라인 수식
        blank(m.start(), m.end())
    masked = "".join(out)
    for m in re.finditer(r"(`+)(?!`).+?(?<!`)\1(?!`)", masked):  # 인라인 코드: 백틱은 남기고 안쪽만
        blank(m.start(), m.end(), keep_ends=len(m.group(1)), fill="x")
    for m in re.finditer(r"https?://\S+|<[^>\n]+>", "".join(out)):  # 주소, HTML 태그
        blank(m.start(), m.end())
    return "".join(out)


def spacing_problems(text: str) -> list[tuple[int, str]]:
    """(위치, 조사) 목록: 조사 앞에 빈칸이 있는 곳."""
    return [(m.start(), m.group(1)) for m in SPACING_RE.finditer(_mask(text))]


def fix_spacing(text: str) -> str:
    """조사 앞의 빈칸을 지운다. 여러 번 불러도 결과가 같다."""
    masked = _mask(text)
    pieces, last = [], 0
    for m in SPACING_RE.finditer(masked):
        pieces.append(text[last : m.start()])
        last = m.start(1)
    pieces.append(text[last:])
    return "".join(pieces)


def _has_batchim(syllable: str) -> bool:
    code = ord(syllable) - 0xAC00
    return 0 <= code < 11172 and code % 28 != 0


_JOSA_PAIRS = [("은", "는"), ("이", "가"), ("을", "를"), ("과", "와")]


def _ro_after(syllable: str) -> str:
    """조사 '(으)로': 받침이 없거나 ㄹ 받침(종성 번호 8)이면 '로', 다른 받침이면 '으로'."""
    code = ord(syllable) - 0xAC00
    return "으로" if _has_batchim(syllable) and code % 28 != 8 else "로"


def term_problems(text: str) -> list[tuple[int, str, str]]:
    """(위치, 쓴 말, 용어집의 말) 목록."""
    masked = _mask(text)
    found = []
    for bad, good in TERMS.items():
        for m in re.finditer(rf"(?<![가-힣]){re.escape(bad)}", masked):
            found.append((m.start(), bad, good))
    return sorted(found)


def fix_terms(text: str) -> str:
    """쓰지 않는 말을 용어집의 말로 바꾸고, 바로 뒤 조사를 받침에 맞춘다 (열지도를 → 히트맵을)."""
    for pos, bad, good in reversed(term_problems(text)):
        end = pos + len(bad)
        rest = text[end:]
        ro = re.match(r"(으로|로)(?:서|써|는|도|부터|만)?(?![가-힣])", rest)
        if ro:  # 받침이 없거나 ㄹ 받침이면 '로' (분할로), 다른 받침이면 '으로' (집합으로)
            rest = _ro_after(good[-1]) + rest[len(ro.group(1)) :]
        for with_b, without_b in _JOSA_PAIRS:
            if not ro and rest[:1] in (with_b, without_b) and not re.match(r"[가-힣]", rest[1:2] or " "):
                rest = (with_b if _has_batchim(good[-1]) else without_b) + rest[1:]
                break
        text = text[:pos] + good + rest
    return text


def _line_of(text: str, pos: int) -> tuple[int, str]:
    line_no = text.count("\n", 0, pos) + 1
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return line_no, text[start : end if end >= 0 else len(text)]


def text_problems(text: str, where: str, check_terms: bool = True) -> list[str]:
    msgs = []
    for pos, particle in spacing_problems(text):
        line_no, _ = _line_of(text, pos)
        before = text[max(0, pos - 30) : pos].rsplit("\n", 1)[-1]
        after = text[pos : pos + 30].split("\n", 1)[0]
        msgs.append(f"{where} 줄 {line_no}: 조사는 앞말에 붙여 쓴다 ({particle}): …{before}⟦{after.lstrip()}")
    if check_terms:
        for pos, bad, good in term_problems(text):
            line_no, _ = _line_of(text, pos)
            msgs.append(f"{where} 줄 {line_no}: 용어집의 말로 쓴다: {bad} → {good}")
    return msgs


# --- 라이브러리 메시지 (3) ---

PLACEHOLDER = "X"  # f-문자열 자리표시자를 대신하는 로마자 낱말 (조사 띄어쓰기 검사와 보고에서)
SLOT = (
    "\ue000"  # message_strings 가 돌려주는 글에서 자리표시자 자리 (사용자 영역 글자; 글자 그대로의 X 와 구별)
)
# 앞말의 받침에 따라 모양이 바뀌는 조사 (4). 서술격 조사 '이다' 꼴은 받침이 없으면 '이'가 줄어드는 꼴과 짝을 이룬다.
SOUND_PARTICLES = (
    "이 가 은 는 을 를 과 와 으로 로 으로서 로서 으로써 로써 으로는 로는 으로도 로도 으로만 로만 으로의 로의 "
    "으로부터 로부터 으로까지 로까지 이어야 여야 이다 다 이라는 라는 이라고 라고 이란 란 이라 라 이나 나 이며 며 "
    "이랑 랑 이든 든 이야 야 이었다 였다 이에요 예요 이어서 여서 이었고 였고"
).split()
_SLOT_PARTICLE_RE = re.compile(rf"{SLOT}['\"`’”]*({_alt(SOUND_PARTICLES)}){_AFTER}")
# 두 모양을 함께 쓴 조사도 앞말에 붙여 쓴다 ("{name} 은(는)" 은 틀리고 "{name}은(는)" 은 맞다)
_DUAL_SPACED_RE = re.compile(
    rf"(?<=[A-Za-z0-9_)\]`'\"{SLOT}])[ \t]+(은\(는\)|이\(가\)|\(이\)가|을\(를\)|와\(과\)|\(으\)로)"
)
MESSAGE_CALLS = ("print", "warn", "log")  # 이 이름의 함수(또는 메서드)에 넘기는 글은 사용자가 본다


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _text_of(node: ast.expr) -> str | None:
    """문자열 식의 글 (f-문자열의 자리표시자와 문자열이 아닌 피연산자는 :data:`SLOT`). 문자열 식이 아니면 None."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else SLOT for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text_of(node.left), _text_of(node.right)
        if left is None and right is None:
            return None
        return (SLOT if left is None else left) + (SLOT if right is None else right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        base = _text_of(node.func.value)
        return None if base is None else re.sub(r"\{[^{}]*\}", SLOT, base)
    return None


def _strings_in(node: ast.AST):
    """``node`` 안의 문자열 식마다 (줄, 글). f-문자열 자리표시자 안의 식은 글이 아니라 코드이므로 보지 않는다."""
    text = _text_of(node) if isinstance(node, ast.expr) else None
    if text is not None:
        yield node.lineno, text
        return
    for child in ast.iter_child_nodes(node):
        yield from _strings_in(child)


def message_strings(source: str) -> list[tuple[int, str]]:
    """파이썬 소스에서 사용자에게 보이는 글: ``raise`` 의 예외, :data:`MESSAGE_CALLS` 호출의 인자. (줄, 글) 목록."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Raise) and node.exc is not None:
            found += _strings_in(node.exc)
        elif isinstance(node, ast.Call) and _call_name(node.func) in MESSAGE_CALLS:
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                found += _strings_in(arg)
    return sorted(set(found))


def slot_particle_problems(text: str) -> list[str]:
    """(4) 자리표시자(:data:`SLOT`) 바로 뒤에 받침에 따라 바뀌는 조사가 온 곳, 그리고 띄어 쓴 두 모양 조사("X 은(는)")."""
    msgs = []
    for m in _SLOT_PARTICLE_RE.finditer(text):
        before = text[max(0, m.start() - 20) : m.start()].rsplit("\n", 1)[-1].replace(SLOT, PLACEHOLDER)
        after = text[m.start() + 1 : m.end() + 20].split("\n", 1)[0].replace(SLOT, PLACEHOLDER)
        msgs.append(
            f"자리표시자 뒤 조사는 값의 받침에 따라 바뀐다 ({m.group(1)}): 조사가 필요 없게 고쳐 쓴다"
            f" (어색하면 '(이)가' 꼴): …{before}{{…}}⟦{after}"
        )
    for m in _DUAL_SPACED_RE.finditer(text):
        msgs.append(
            f"조사는 앞말에 붙여 쓴다 ({m.group(1)}): …{text[max(0, m.start() - 20) : m.end()].replace(SLOT, PLACEHOLDER)}"
        )
    return msgs


def message_problems(text: str) -> list[str]:
    """메시지 글 하나의 문체 문제 (조사 띄어쓰기, 용어집, 자리표시자 뒤 조사). 한글이 없는 글은 보지 않는다."""
    if not re.search(r"[가-힣]", text):
        return []
    spaced = [msg.split(": ", 1)[1] for msg in text_problems(text.replace(SLOT, PLACEHOLDER), "")]
    return spaced + slot_particle_problems(text)


def check_python(path: Path) -> list[str]:
    """파이썬 파일의 사용자 메시지 문제: ``파일:줄: 문제 | 글``."""
    problems = []
    for line, text in message_strings(path.read_text(encoding="utf-8")):
        for msg in message_problems(text):
            problems.append(f"{path}:{line}: {msg} | {text.replace(SLOT, PLACEHOLDER)!r}")
    return problems


def _markdown_cells(nb: dict):
    for idx, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") == "markdown":
            yield idx, cell


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def check_file(path: Path) -> list[str]:
    """파일 하나의 문제 목록 (.ipynb 는 마크다운 셀만, .md 는 전체)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        problems = []
        for idx, cell in _markdown_cells(json.loads(text)):
            problems += text_problems(_source(cell), f"셀 {idx}")
        return problems
    return text_problems(text, "", check_terms=path.name not in TERM_EXEMPT)


def fix_file(path: Path) -> bool:
    """고칠 것이 있으면 고쳐 쓰고 True. 노트북은 마크다운 셀만 바꾸고 나머지는 바이트 그대로 둔다."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        import nbformat  # 노트북을 jupyter 와 같은 모양으로 다시 쓴다

        nb = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
        changed = False
        for _, cell in _markdown_cells(nb):
            new = fix_terms(fix_spacing(cell.source))
            if new != cell.source:
                cell.source, changed = new, True
        if changed:
            path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        return changed
    new = fix_spacing(text) if path.name in TERM_EXEMPT else fix_terms(fix_spacing(text))
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def default_paths() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) + sorted(
        p for p in [*ROOT.glob("*.md"), *(ROOT / "notebooks").glob("*.md"), *(ROOT / "data").glob("*.md")]
    )


def main(argv: list[str]) -> int:
    fix = "--fix" in argv
    paths = [Path(a) for a in argv if a != "--fix"] or default_paths()
    bad = 0
    for p in paths:
        if fix and fix_file(p):
            print(f"{p.name}: 고침")
        problems = check_file(p)
        bad += bool(problems)
        for msg in problems:
            print(f"{p.name}: {msg}")
    print(f"파일 {len(paths)}개 검사, 문체 문제가 남은 파일 {bad}개")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
