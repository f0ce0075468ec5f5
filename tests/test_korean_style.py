"""한국어 문체 검사(tools/korean_style.py): 틀린 띄어쓰기를 잡고, 맞는 글은 통과시키고, 고치기는 멱등이다."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("korean_style", ROOT / "tools" / "korean_style.py")
ks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ks)

BAD = [
    ("GPT 를 학습한다.", "GPT를 학습한다."),
    ("노트북 07 에서 다룬다.", "노트북 07에서 다룬다."),
    ("`x` 는 입력이다.", "`x`는 입력이다."),
    ("어텐션(attention) 은 가중합이다.", "어텐션(attention)은 가중합이다."),
    ("BPE 의 병합 규칙", "BPE의 병합 규칙"),
    ("확률 합이 1 이 된다.", "확률 합이 1이 된다."),
    ("LSTM 과 GRU", "LSTM과 GRU"),
    ("Kaplan et al. (2020) 은 이렇게 말했다.", "Kaplan et al. (2020)은 이렇게 말했다."),
    ("torch 와 같은 값, HF 에서는 다르다.", "torch와 같은 값, HF에서는 다르다."),
    ('같은 "한글" 이 완성형이다.', '같은 "한글"이 완성형이다.'),
    ("**GPT** 는 디코더만 쓴다.", "**GPT**는 디코더만 쓴다."),
    ("길이 2048 입니다.", "길이 2048입니다."),
    ("약 8,500 만 개", "약 8,500만 개"),
    ("0 으로도 나눈다", "0으로도 나눈다"),
    ("PNG 라 가볍다", "PNG라 가볍다"),
    ("*선수 노트북* 을 먼저 본다.", "*선수 노트북*을 먼저 본다."),  # 한글 뒤의 강조 표시
    ("**정확 일치** 는 엄격하다.", "**정확 일치**는 엄격하다."),
]
GOOD = [
    "GPT를 학습한다. 노트북 07에서 다룬다.",
    "토큰 10 개를 센다.",  # 조사가 아닌 말(단위 명사)은 잡지 않는다
    "3 배 빠르다, 2 이상, GPT 이후, 10 개월",
    "`x 는` 코드 안은 보지 않는다.",
    "수식 $a$ 는 건드리지 않는다, $$x 는 y$$ 도.",
    "```python\nprint('GPT 를')\n```\n",
    "| 07 | 이 노트북 |\n|---|---|",  # 표의 칸 구분
    "https://example.com/a 는 주소",
    "문장 끝. 이 방법은 좋다.",  # 마침표 뒤의 '이'는 지시어
    "오늘은 맑다.",
    "`data/` 이 프로젝트가 만든 데이터",  # 홀로 쓴 '이' + 명사는 지시어일 수 있다
    "* 이 목록은 글머리표로 시작한다.",  # 줄 머리의 글머리표 '*'는 강조 표시가 아니다
    "**강조** 이 노트북은",  # 강조 뒤의 지시어
]


@pytest.mark.parametrize(("bad", "fixed"), BAD)
def test_catches_and_fixes_bad_spacing(bad, fixed):
    assert ks.spacing_problems(bad), bad
    assert ks.fix_spacing(bad) == fixed
    assert ks.spacing_problems(fixed) == []


@pytest.mark.parametrize("good", GOOD)
def test_passes_good_text(good):
    assert ks.spacing_problems(good) == []
    assert ks.fix_spacing(good) == good


def test_fix_is_idempotent_on_mixed_text():
    text = "\n".join(b for b, _ in BAD) + "\n" + "\n".join(GOOD)
    once = ks.fix_spacing(text)
    assert once != text
    assert ks.fix_spacing(once) == once
    assert ks.spacing_problems(once) == []
    # 가린 영역(코드, 수식, 주소)은 바이트 그대로 남는다
    for good in GOOD:
        assert good in once


def test_terms_flagged_and_fixed_with_matching_josa():
    text = "코사인 유사도 열지도를 그린다. 야코비 행렬의 곱, 완전 일치가 오른다."
    found = [(bad, good) for _, bad, good in ks.term_problems(text)]
    assert (
        ("열지도", "히트맵") in found
        and ("야코비 행렬", "야코비안") in found
        and ("완전 일치", "정확 일치") in found
    )
    fixed = ks.fix_terms(text)
    assert fixed == "코사인 유사도 히트맵을 그린다. 야코비안의 곱, 정확 일치가 오른다."
    assert ks.term_problems(fixed) == [] and ks.fix_terms(fixed) == fixed


def test_shingle_is_written_as_character_ngram():
    """용어집: shingle 은 '글자 n-그램'으로 쓴다 ('싱글'은 single 과 헷갈린다)."""
    text = "문서를 싱글 집합으로 바꾸고 싱글을 해시한다."
    assert [(bad, good) for _, bad, good in ks.term_problems(text)] == [("싱글", "글자 n-그램")] * 2
    assert ks.fix_terms(text) == "문서를 글자 n-그램 집합으로 바꾸고 글자 n-그램을 해시한다."
    assert ks.term_problems("탐욕적 해독(greedy decoding)") != []
    assert ks.term_problems("시험 단계, 디코딩 단계") == []  # 일반어 '단계'는 막지 않는다


def test_dev_and_test_split_terms_take_ro_after_rieul():
    """용어집: 개발 분할 / 시험 분할. '분할'은 ㄹ 받침이라 '으로'가 아니라 '로'가 붙는다."""
    text = "작은 개발 집합으로 고르고, 개발·시험 집합을 나눈 뒤 시험 집합은 한 번만 본다."
    assert [good for _, _, good in ks.term_problems(text)] == ["개발 분할", "시험 분할", "시험 분할"]
    fixed = ks.fix_terms(text)
    assert fixed == "작은 개발 분할로 고르고, 개발·시험 분할을 나눈 뒤 시험 분할은 한 번만 본다."
    assert ks.term_problems(fixed) == [] and ks.fix_terms(fixed) == fixed
    assert ks.fix_terms("싱글로도 쓴다") == "글자 n-그램으로도 쓴다"  # 받침 ㅁ 뒤에는 '으로'
    assert ks.term_problems("문자 집합으로 바꾼다") == []  # 일반어 '집합'은 막지 않는다


def _nb(md: str, code: str) -> dict:
    return {
        "cells": [
            {"cell_type": "markdown", "id": "a1", "metadata": {}, "source": md},
            {
                "cell_type": "code",
                "id": "a2",
                "metadata": {},
                "source": code,
                "execution_count": 1,
                "outputs": [{"output_type": "stream", "name": "stdout", "text": "GPT 를\n"}],
            },
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_notebook_check_and_fix_touch_only_markdown(tmp_path):
    path = tmp_path / "99_x.ipynb"
    path.write_text(json.dumps(_nb("GPT 를 배운다. 열지도를 본다.", "print('GPT 를')")), encoding="utf-8")
    problems = ks.check_file(path)
    assert len(problems) == 2 and "셀 0" in problems[0]
    assert ks.fix_file(path) is True
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert "".join(nb["cells"][0]["source"]) == "GPT를 배운다. 히트맵을 본다."
    assert "".join(nb["cells"][1]["source"]) == "print('GPT 를')"  # 코드 셀은 그대로
    assert ks.check_file(path) == []
    before = path.read_bytes()
    assert ks.fix_file(path) is False and path.read_bytes() == before  # 멱등


def test_markdown_file_and_glossary_exemption(tmp_path):
    md = tmp_path / "NOTES.md"
    md.write_text("BPE 의 병합\n\n```\nGPT 를\n```\n혼잡도\n", encoding="utf-8")
    assert len(ks.check_file(md)) == 2
    ks.fix_file(md)
    assert md.read_text(encoding="utf-8") == "BPE의 병합\n\n```\nGPT 를\n```\n퍼플렉서티\n"
    glossary = tmp_path / "GLOSSARY.md"
    glossary.write_text("| 퍼플렉서티 | 혼잡도라고도 하지만 쓰지 않는다 |\n", encoding="utf-8")
    assert ks.check_file(glossary) == []  # 용어집은 쓰지 않는 말을 설명할 수 있다


def test_main_exit_code(tmp_path, capsys):
    good = tmp_path / "A.md"
    good.write_text("GPT를 배운다.\n", encoding="utf-8")
    bad = tmp_path / "B.md"
    bad.write_text("GPT 를 배운다.\n", encoding="utf-8")
    assert ks.main([str(good)]) == 0
    assert ks.main([str(good), str(bad)]) == 1
    assert "B.md" in capsys.readouterr().out
    assert ks.main(["--fix", str(bad)]) == 0
    assert bad.read_text(encoding="utf-8") == "GPT를 배운다.\n"


def test_collection_glossary_and_readme_are_clean():
    """이 모음의 용어집과 README 는 검사를 통과한다 (회귀 방지)."""
    for path in (ROOT / "notebooks" / "GLOSSARY.md", ROOT / "README.md"):
        assert ks.check_file(path) == [], path.name


def test_hygiene_check_reports_style_problems(tmp_path):
    spec = importlib.util.spec_from_file_location("check_notebooks", ROOT / "tools" / "check_notebooks.py")
    cn = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cn)
    path = tmp_path / "99_x.ipynb"
    path.write_text(json.dumps(_nb("GPT 를 배운다.", "print(1)")), encoding="utf-8")
    assert any(p.startswith("문체:") for p in cn.check(path))
    ks.fix_file(path)
    assert not any(p.startswith("문체:") for p in cn.check(path))
