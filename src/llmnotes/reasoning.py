"""한국어 산수 문장제(arithmetic word problem)와 풀이 형식: 사고의 사슬(chain-of-thought)을 재는 과제.

노트북 10 이 쓰는 과제를 한곳에 모았다.

- :func:`make_problem` / :func:`make_split`: 시드로 재현되는 문제 생성기. 난이도 = 단계 수 (1~4).
  "사과가 23개 있었다. 5개를 받았다. 8개를 먹었다. 몇 개일까?" → 답 20.
- :func:`read_sino` / :func:`read_native`: 숫자를 한글로 읽기 (한자어 수사 '이십삼', 고유어 수사 '스물세').
- :func:`format_target`: 같은 문제의 세 가지 풀이 형식.
  ``"direct"`` 는 ``답:20``, ``"cot"`` 는 ``23+5=28,28-8=20,답:20`` (스크래치패드, scratchpad),
  ``"plan"`` 은 ``식:23+5-8|답:20`` (식을 먼저 세우고 답하기: 계획 후 풀이(plan-and-solve)의 '계획' 부분).
  같은 'plan' 출력의 식을 안전한 계산기에 넘기면 프로그램 형태의 풀이(program-of-thought)가 된다.
- :func:`parse_answer`, :func:`parse_plan`, :func:`check_steps`: 모델 출력 읽기와 단계별 검증(step-wise verification).
- :func:`majority_vote`: 자기 일관성(self-consistency)의 다수결.

처음 수와 모든 중간 결과는 두 자리(10~99), 단계마다 더하거나 빼는 수는 한 자리(1~9)다. 모델이 한 단계에서 하는 일은
두 자리 수에 한 자리 수를 더하거나 빼는 것 하나뿐이다 (받아올림·받아내림은 있다). 동사를 모두 세 글자로 맞춰
문장 하나의 길이가 늘 같으므로, 문제 끝에서 센 각 수의 위치가 일정하다 (작은 모델이 수를 옮겨 적기 쉽다).
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from llmnotes.josa import attach

__all__ = [
    "ITEMS",
    "STYLES",
    "MAX_STEPS",
    "Problem",
    "StepCheck",
    "make_problem",
    "make_split",
    "problem_key",
    "read_sino",
    "read_native",
    "format_target",
    "parse_answer",
    "parse_plan",
    "check_steps",
    "steps_ok",
    "majority_vote",
]

ITEMS = ("사과", "자두", "사탕", "연필", "구슬", "쿠키", "공책", "딸기", "풍선", "단추")
# 더하기와 빼기 동사. 모두 '{b}개를 ...' 꼴이고 세 글자라서, 문장 하나의 길이가 늘 같다.
ADD_VERBS = ("받았다", "주웠다", "얻었다")
SUB_VERBS = ("먹었다", "주었다", "팔았다")
STYLES = ("direct", "cot", "plan")
MAX_STEPS = 4
MIN_VALUE, MAX_VALUE = 10, 99  # 처음 수와 모든 중간 결과는 두 자리
MAX_STEP_NUMBER = 9  # 단계마다 더하거나 빼는 수는 한 자리 (1~9)


@dataclass(frozen=True)
class Problem:
    """문장제 하나.

    Args:
        text: 문제 문장 (NFC).
        numbers: 처음 수와 각 단계의 수 ``(a0, b1, b2, ...)``.
        ops: 각 단계의 연산 ``'+'`` 또는 ``'-'``.
        answer: 정답.
    """

    text: str
    numbers: tuple[int, ...]
    ops: tuple[str, ...]
    answer: int
    values: tuple[int, ...] = field(default=())  # 각 단계가 끝난 뒤의 값 (a1, a2, ...)

    @property
    def steps(self) -> int:
        """단계 수 = 난이도."""
        return len(self.ops)

    @property
    def expression(self) -> str:
        """문제를 식으로: ``"23+15-8"`` (프로그램 형태의 풀이, program-of-thought)."""
        out = str(self.numbers[0])
        for op, b in zip(self.ops, self.numbers[1:], strict=True):
            out += f"{op}{b}"
        return out


def _check_int(name: str, value, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{name}: {low} 이상 {high} 이하의 정수여야 합니다 (받은 값 {value!r})")


def make_problem(rng: random.Random, steps: int) -> Problem:
    """``steps`` 단계짜리 문제 하나를 만든다.

    Args:
        rng: ``random.Random`` (시드를 정해 넘기면 재현된다).
        steps: 단계 수 1~:data:`MAX_STEPS`.
    """
    if not isinstance(rng, random.Random):
        raise TypeError(f"rng는 random.Random이어야 합니다: {type(rng).__name__}")
    _check_int("steps", steps, 1, MAX_STEPS)
    item = rng.choice(ITEMS)
    a = rng.randint(MIN_VALUE, MAX_VALUE)
    numbers, ops, values = [a], [], []
    sentences = [f"{attach(item, '이/가')} {a}개 있었다."]
    for _ in range(steps):
        # 결과가 두 자리(10..99)에 머물도록 연산과 수를 고른다: 더하기는 a + b ≤ 99, 빼기는 a − b ≥ 10.
        op = rng.choice("+-")
        if op == "+" and a + 1 > MAX_VALUE:
            op = "-"
        if op == "-" and a - 1 < MIN_VALUE:
            op = "+"
        if op == "+":
            b = rng.randint(1, min(MAX_STEP_NUMBER, MAX_VALUE - a))
            a = a + b
            sentences.append(f"{b}개를 {rng.choice(ADD_VERBS)}.")
        else:
            b = rng.randint(1, min(MAX_STEP_NUMBER, a - MIN_VALUE))
            a = a - b
            sentences.append(f"{b}개를 {rng.choice(SUB_VERBS)}.")
        numbers.append(b)
        ops.append(op)
        values.append(a)
    sentences.append("몇 개일까?")
    text = unicodedata.normalize("NFC", " ".join(sentences))
    return Problem(text=text, numbers=tuple(numbers), ops=tuple(ops), answer=a, values=tuple(values))


def problem_key(p: Problem) -> tuple:
    """문제를 가려내는 열쇠 (수와 연산). 같은 열쇠의 문제는 문장이 달라도 같은 계산이다."""
    return (p.numbers, p.ops)


def make_split(seed: int, n_per_level: int, exclude: set | None = None) -> list[Problem]:
    """난이도(1~4단계)마다 ``n_per_level`` 문제. 열쇠가 겹치지 않고 ``exclude`` 에 든 열쇠는 피한다.

    Args:
        seed: 난수 시드.
        n_per_level: 난이도마다 문제 수 (1 이상).
        exclude: 피할 :func:`problem_key` 집합 (예: 개발·시험 분할의 열쇠).
    """
    _check_int("n_per_level", n_per_level, 1, 10**6)
    rng = random.Random(seed)
    seen = set(exclude or ())
    out: list[Problem] = []
    for steps in range(1, MAX_STEPS + 1):
        made = 0
        while made < n_per_level:
            p = make_problem(rng, steps)
            if problem_key(p) in seen:
                continue
            seen.add(problem_key(p))
            out.append(p)
            made += 1
    return out


# ---------------------------------------------------------------------------------------------------------------
# 숫자를 한글로 읽기
# ---------------------------------------------------------------------------------------------------------------

_SINO_DIGITS = "영일이삼사오육칠팔구"
_SINO_UNITS = ("", "십", "백", "천")
_NATIVE_TENS = {1: "열", 2: "스물", 3: "서른", 4: "마흔", 5: "쉰", 6: "예순", 7: "일흔", 8: "여든", 9: "아흔"}
_NATIVE_ONES = {1: "하나", 2: "둘", 3: "셋", 4: "넷", 5: "다섯", 6: "여섯", 7: "일곱", 8: "여덟", 9: "아홉"}
# 단위 명사('개') 앞에서 줄어드는 꼴: 한 개, 두 개, 세 개, 네 개, 스무 개
_NATIVE_ONES_COUNTER = {**_NATIVE_ONES, 1: "한", 2: "두", 3: "세", 4: "네"}


def read_sino(n: int) -> str:
    """한자어 수사로 읽는다: 23 → '이십삼', 105 → '백오', 10000 → '일만'. 0 ≤ n < 10⁸.

    자릿값 앞의 '일'은 십·백·천에서 생략한다 (십, 백, 천). 만 단위 앞의 '일'은 남긴다 (일만).
    """
    _check_int("n", n, 0, 10**8 - 1)
    if n == 0:
        return "영"

    def four(m: int) -> str:  # 0 < m < 10⁴
        s = ""
        for pos in range(3, -1, -1):
            d = (m // 10**pos) % 10
            if d == 0:
                continue
            s += ("" if (d == 1 and pos > 0) else _SINO_DIGITS[d]) + _SINO_UNITS[pos]
        return s

    high, low = divmod(n, 10**4)
    return (four(high) + "만" if high else "") + (four(low) if low else "")


def read_native(n: int, counter: bool = False) -> str:
    """고유어 수사로 읽는다 (1~99): 23 → '스물셋', ``counter=True`` 면 '스물세' (단위 명사 앞의 꼴: 스물세 개).

    20 은 단위 명사 앞에서 '스무'가 된다 (스무 개).
    """
    _check_int("n", n, 1, 99)
    tens, ones = divmod(n, 10)
    if counter and n == 20:
        return "스무"
    table = _NATIVE_ONES_COUNTER if counter else _NATIVE_ONES
    return _NATIVE_TENS.get(tens, "") + table.get(ones, "")


# ---------------------------------------------------------------------------------------------------------------
# 풀이 형식과 출력 읽기
# ---------------------------------------------------------------------------------------------------------------


def scratchpad(p: Problem) -> str:
    """스크래치패드: 한 단계에 한 줄(쉼표로 구분), ``23+15=38,38-8=30``."""
    lines, a = [], p.numbers[0]
    for op, b, v in zip(p.ops, p.numbers[1:], p.values, strict=True):
        lines.append(f"{a}{op}{b}={v}")
        a = v
    return ",".join(lines)


def format_target(p: Problem, style: str) -> str:
    """문제 ``p`` 의 정답 풀이를 ``style`` 형식으로 (모델이 배울 목표 문자열).

    Args:
        p: 문제.
        style: ``"direct"`` (답만), ``"cot"`` (스크래치패드 후 답), ``"plan"`` (식을 먼저 쓰고 답).
    """
    if style not in STYLES:
        raise ValueError(f"style은 {STYLES} 중 하나여야 합니다: {style!r}")
    answer = f"답:{p.answer}"
    if style == "direct":
        return answer
    if style == "cot":
        return f"{scratchpad(p)},{answer}"
    return f"식:{p.expression}|{answer}"


_ANSWER_RE = re.compile(r"답:(\d{1,6})(?!\d)")
_PLAN_RE = re.compile(r"식:([^|]*)\|")
_STEP_RE = re.compile(r"^(\d{1,6})([+-])(\d{1,6})=(\d{1,6})$")


def parse_answer(text: str) -> int | None:
    """출력에서 '답:N' 의 N 을 읽는다. 없으면 ``None`` (형식을 어긴 출력)."""
    if not isinstance(text, str):
        raise TypeError(f"text는 str이어야 합니다: {type(text).__name__}")
    m = _ANSWER_RE.search(text)
    return int(m.group(1)) if m else None


def parse_plan(text: str) -> str | None:
    """'plan' 형식 출력에서 식 부분 ('식:' 과 '|' 사이)을 꺼낸다. 없으면 ``None``."""
    if not isinstance(text, str):
        raise TypeError(f"text는 str이어야 합니다: {type(text).__name__}")
    m = _PLAN_RE.search(text)
    return m.group(1) if m else None


@dataclass(frozen=True)
class StepCheck:
    """스크래치패드 한 줄의 검사 결과.

    Args:
        line: 그 줄.
        ok: 식의 모양, 다시 계산한 값, 앞 줄과의 연결이 모두 맞으면 ``True``.
        reason: 틀렸을 때 이유 ('형식', '계산', '연결'), 맞으면 ''.
    """

    line: str
    ok: bool
    reason: str = ""


def check_steps(text: str) -> list[StepCheck]:
    """단계별 검증기(step-wise verifier): 스크래치패드의 줄마다 계산을 다시 한다.

    줄마다 확인하는 것: (1) ``a±b=c`` 모양인가, (2) ``a±b`` 를 다시 계산하면 ``c`` 인가, (3) 둘째 줄부터 ``a`` 가 앞 줄의
    ``c`` 와 같은가 (연결), 그리고 마지막으로 '답:N' 의 N 이 마지막 줄의 ``c`` 와 같은가. 문제의 수를 옮겨 적는 실수는
    잡지 못한다: 검증기는 정답을 모른다.

    Args:
        text: 모델 출력 (``"23+15=38,38-8=30,답:30"``).
    """
    if not isinstance(text, str):
        raise TypeError(f"text는 str이어야 합니다: {type(text).__name__}")
    parts = [s for s in text.split(",") if s]
    checks: list[StepCheck] = []
    prev: int | None = None
    for part in parts:
        if part.startswith("답:"):
            ans = parse_answer(part)
            ok = ans is not None and prev is not None and ans == prev
            checks.append(StepCheck(part, ok, "" if ok else "연결"))
            continue
        m = _STEP_RE.match(part)
        if not m:
            checks.append(StepCheck(part, False, "형식"))
            prev = None
            continue
        a, op, b, c = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))
        value = a + b if op == "+" else a - b  # 다시 계산
        if value != c:
            checks.append(StepCheck(part, False, "계산"))
        elif prev is not None and a != prev:
            checks.append(StepCheck(part, False, "연결"))
        else:
            checks.append(StepCheck(part, True))
        prev = c
    return checks


def steps_ok(text: str) -> bool:
    """모든 줄이 검증을 통과하고 '답:' 줄이 있으면 ``True``."""
    checks = check_steps(text)
    return bool(checks) and checks[-1].line.startswith("답:") and all(c.ok for c in checks)


def majority_vote(answers: list[int | None]) -> int | None:
    """다수결: 가장 많이 나온 답 (``None`` 은 세지 않는다). 동점이면 먼저 나온 답. 모두 ``None`` 이면 ``None``.

    자기 일관성(self-consistency): 같은 문제를 여러 번 샘플링해 풀게 하고, 가장 많이 나온 최종 답을 고른다.
    """
    if not isinstance(answers, (list, tuple)):
        raise TypeError(f"answers는 list 또는 tuple여야 합니다: {type(answers).__name__}")
    votes = Counter(a for a in answers if a is not None)
    if not votes:
        return None
    best = max(votes.values())
    for a in answers:  # 동점이면 먼저 나온 답 (결정적)
        if a is not None and votes[a] == best:
            return a
    raise AssertionError("도달하지 않는다")
