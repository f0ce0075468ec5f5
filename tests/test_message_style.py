"""사용자에게 보이는 라이브러리 메시지의 문체: 조사는 앞말(로마자·숫자·코드)에 붙여 쓴다 (GUIDE §9).

``src/llmnotes`` 의 모든 모듈에서 ``raise`` 의 예외 메시지, ``warnings.warn``·``print``·``log`` 의 글(f-문자열의
글자 부분 포함)을 모아 ``tools/korean_style.py`` 의 규칙으로 검사한다. f-문자열 자리표시자는 로마자 낱말로 보므로
"{name} 는"처럼 자리표시자 뒤에 띄어 쓴 조사도 잡힌다. 자리표시자 바로 뒤에 받침에 따라 모양이 바뀌는 조사
("T={T}가" → "T=20가")도 잡는다: 값에 따라 이/가·은/는이 달라지므로 조사가 필요 없게 고쳐 쓴다.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "llmnotes"
_spec = importlib.util.spec_from_file_location("korean_style", ROOT / "tools" / "korean_style.py")
ks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ks)

MODULES = sorted(SRC.rglob("*.py"))  # 모든 모듈을 검사한다 (건너뛰는 파일 없음)


def test_every_module_is_checked():
    assert (
        len(MODULES) > 50 and (SRC / "clip.py") in MODULES and (SRC / "multilingual" / "fake.py") in MODULES
    )


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_user_facing_messages_attach_particles(path):
    problems = ks.check_python(path)
    assert not problems, "\n".join(problems)


# --- 검사기 자체: 틀린 예는 잡고, 맞는 예는 통과시킨다


def _problems(source: str) -> list[str]:
    return [msg for _, text in ks.message_strings(source) for msg in ks.message_problems(text)]


@pytest.mark.parametrize(
    "source",
    [
        'raise ValueError(f"{name} 는 1 이상의 정수여야 합니다: {value!r}")',  # 자리표시자 뒤
        'raise ValueError(f"texts[{i}] 의 토큰 수가 max_length 를 넘습니다")',  # 닫는 괄호, 식별자 뒤
        'raise ValueError("data 에 input_ids 가 없습니다")',  # 보통 문자열
        'raise ValueError(\n    f"모양 {a} 이 "\n    "input_ids 와 다릅니다"\n)',  # 이어 붙인 문자열
        'raise ValueError("값이 " + str(x) + " 보다 큽니다")',  # + 로 이은 글
        'raise ValueError("{} 가 없습니다".format(key))',  # str.format
        'warnings.warn(f"07 에서 만든 {path} 를 씁니다")',
        'print("GPT 를 불러옵니다")',
        'print("clip_grad_norm_ 과 같음:", ok)',  # 밑줄로 끝나는 식별자 뒤
        'log(f"step {i} 의 손실")',
        'raise ValueError("작은 개발 집합으로 고릅니다")',  # 용어집
        'raise ValueError(f"{x}: str 이어야 합니다")',  # 서술격 조사
        # 자리표시자 바로 뒤의, 받침에 따라 바뀌는 조사 (T=20 이면 "20가")
        'raise ValueError(f"입력 길이 T={T}가 max_len={m}보다 깁니다")',
        'raise ValueError(f"{name}는 1 이상의 정수여야 합니다: {v!r}")',
        'raise ValueError(f"{name}은 정수여야 합니다")',
        'raise ValueError(f"모양 {a}이 {b}과 다릅니다")',
        'raise ValueError(f"{a}와 다릅니다")',
        'raise ValueError(f"{path}를 읽을 수 없습니다")',
        'raise ValueError(f"{key!r}을 찾을 수 없습니다")',
        'raise ValueError(f"{n}로 나눕니다")',
        'raise ValueError(f"{n}으로 나눕니다")',
        'raise ValueError(f"{n}으로는 안 됩니다")',
        'raise ValueError(f"{name}는, 정수")',
        'raise ValueError(f"{t}여야 합니다")',
        'raise ValueError(f"{t}이어야 합니다")',
        'raise ValueError(f"값은 {t}이다.")',
        'raise ValueError(f"{t}라는 이름")',
        'raise ValueError(f"{t}이나 {u}")',
        "raise ValueError(f\"'{name}'가 없습니다\")",  # 닫는 따옴표 너머
        'raise ValueError("{}가 없습니다".format(key))',  # str.format
        'raise ValueError("값 " + str(x) + "가 큽니다")',  # + 로 이은 글
        'warnings.warn(f"{n}개 중 {k}가 남았습니다")',
        'raise ValueError(f"{name} 은(는) 정수여야 합니다")',  # 두 모양 조사도 붙여 쓴다
    ],
)
def test_checker_flags_bad_messages(source):
    assert _problems(source), source


@pytest.mark.parametrize(
    "source",
    [
        'raise ValueError(f"{name}: 1 이상의 정수여야 합니다 (받은 값 {value!r})")',
        'raise ValueError(f"texts[{i}]의 토큰 수({n})가 max_length를 넘습니다")',
        'raise ValueError(f"labels[{i}]가 레이블 범위 0…{k} 밖에 있습니다: {y!r}")',  # 명사 '밖'
        'raise ValueError(f"토큰 {n} 개, 길이 {t} 이상")',  # 조사가 아닌 말
        'raise ValueError("bad value")',  # 한글 없음
        '"""{x} 는 독스트링이라 보지 않는다"""\n# {x} 는 주석',
        'y = f"{x} 는 메시지가 아닌 문자열"',
        "raise ValueError(f\"{'a 는'}\")",  # 자리표시자 안의 식은 코드다
        # 받침과 상관없는 조사, 두 모양을 함께 쓴 조사, 조사가 아닌 말
        'raise ValueError(f"입력 길이 T={T}: max_len={m}보다 깁니다 (잘라내지 않습니다)")',
        'raise ValueError(f"{a}의 모양, {b}에 없음, {c}에서, {d}에게, {e}도, {f}만, {g}까지, {h}부터")',
        'raise ValueError(f"{name}은(는) 정수여야 합니다")',
        'raise ValueError(f"{key!r}(이)가 없습니다")',
        'raise ValueError(f"{x}을(를) 읽습니다, {y}와(과) 같음, {z}(으)로 나눔")',
        'raise ValueError(f"{x}이상한 값, {n}개, {n}가지, {n}번째, {n}인 배열, {t}입니다")',  # 조사가 아님
        'raise ValueError("X가 없습니다, X는 정수")',  # 글자 그대로의 X 는 자리표시자가 아니다
        'raise ValueError(f"dropout은 {v!r}, GPT를 씁니다")',
    ],
)
def test_checker_passes_good_or_unrelated_strings(source):
    assert _problems(source) == [], source


def test_check_python_reports_file_line_and_text(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        'def f(name, v):\n    raise ValueError(f"{name} 는 정수여야 합니다: {v!r}")\n', encoding="utf-8"
    )
    (problem,) = ks.check_python(bad)
    assert problem.startswith(f"{bad}:2: ") and "(는)" in problem and "{name}" not in problem
    assert "'X 는 정수여야 합니다: X'" in problem


def test_check_python_reports_particle_after_placeholder(tmp_path):
    # 자리표시자 뒤 조사 하나만 틀린 파일: 그 줄 하나, 그 조사 하나를 알린다
    bad = tmp_path / "bad.py"
    bad.write_text(
        'def f(T, m):\n    x = 1\n    raise ValueError(f"길이 T={T}가 max_len={m}보다 깁니다")\n',
        encoding="utf-8",
    )
    (problem,) = ks.check_python(bad)
    assert problem.startswith(f"{bad}:3: ") and "(가)" in problem
    assert "'길이 T=X가 max_len=X보다 깁니다'" in problem
