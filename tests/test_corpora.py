"""말뭉치: 헌법 조문 번호와 개수, 부칙 분리, NFC, 의안, 문장 분리, 통계."""

from __future__ import annotations

import unicodedata

import pytest

from llmnotes.corpora import (
    CORPUS_NAMES,
    constitution_article,
    constitution_articles,
    constitution_preamble,
    corpus_stats,
    konlpy_corpus_dir,
    load_bills,
    load_corpus,
    split_sentences,
)


def test_main_articles_are_1_to_130_in_order():
    arts = constitution_articles("본문")
    assert [a.number for a in arts] == list(range(1, 131))
    assert all(a.part == "본문" for a in arts)


def test_addenda_are_kept_apart():
    add = constitution_articles("부칙")
    assert [a.number for a in add] == list(range(1, 7))
    assert add[0].text.startswith("이 헌법은 1988년 2월 25일부터 시행한다.")
    assert len(constitution_articles("전체")) == 136
    assert constitution_article(1, part="부칙").id == "부칙 제1조"


def test_known_articles():
    assert constitution_article(1).text.startswith("① 대한민국은 민주공화국이다.")
    assert "② 대한민국의 주권은 국민에게 있고" in constitution_article(1).text
    assert constitution_article(1).chapter == "제1장 총강"
    assert constitution_article(130).chapter == "제10장 헌법개정"
    assert "인간으로서의 존엄과 가치" in constitution_article(10).text
    assert constitution_article(10).id == "제10조"


def test_chapter_headings_are_not_in_article_text():
    import re

    for a in constitution_articles("전체"):
        assert not re.search(r"^제\d+[장절]", a.text, re.M), a.id
        assert "부칙" not in a.text, a.id


def test_preamble():
    pre = constitution_preamble()
    assert pre.startswith("유구한 역사와 전통에 빛나는")
    assert "제1조" not in pre


@pytest.mark.parametrize("number", [0, 131, -1, 999])
def test_missing_article_raises(number):
    with pytest.raises(ValueError, match=f"제{number}조가 없습니다"):
        constitution_article(number)


def test_bad_part_raises():
    with pytest.raises(ValueError, match="part"):
        constitution_articles("서문")
    with pytest.raises(ValueError, match="part"):
        constitution_article(1, part="전체")


def test_all_text_is_nfc():
    texts = [a.text for a in constitution_articles("전체")] + [d.text for d in load_bills()]
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)


def test_bills():
    bills = load_bills()
    assert len(bills) == 10
    assert bills[0].id == "1809890"
    assert bills[0].title == "지방공무원법 일부개정법률안"
    # 폭에 맞춰 잘린 줄이 다시 이어졌다: 단어 중간에서 잘렸던 '필요한' 이 한 단어로 돌아온다.
    assert "보살핌이 필요한 나이이나" in bills[0].text
    assert "\n\n" not in bills[0].text and "\x0c" not in bills[0].text


def test_load_corpus_names():
    assert set(CORPUS_NAMES) == {"constitution", "constitution_addenda", "bills", "generated"}
    assert len(load_corpus("constitution")) == 130
    assert len(load_corpus("constitution_addenda")) == 6
    assert len(load_corpus("bills")) == 10
    gen = load_corpus("generated", n=5, seed=1)
    assert [d.id for d in gen] == [f"gen-{i}" for i in range(5)]


def test_unknown_corpus_raises():
    with pytest.raises(ValueError, match="알 수 없는 말뭉치 이름입니다: 'kowiki'"):
        load_corpus("kowiki")


def test_corpus_dir_found_without_java():
    path = konlpy_corpus_dir()
    assert (path / "kolaw" / "constitution.txt").is_file()


def test_split_sentences():
    text = (
        "대한민국은 민주공화국이다. 주권은 국민에게 있다!\n정말 그럴까? 3.5점이다. 발의연월일 : 2010. 11. 12."
    )
    assert split_sentences(text) == [
        "대한민국은 민주공화국이다.",
        "주권은 국민에게 있다!",
        "정말 그럴까?",
        "3.5점이다.",
        "발의연월일 : 2010. 11. 12.",
    ]
    assert split_sentences("") == []
    nfd = unicodedata.normalize("NFD", "한국어 문장이다. 둘째 문장.")
    assert split_sentences(nfd) == ["한국어 문장이다.", "둘째 문장."]
    with pytest.raises(TypeError, match="text"):
        split_sentences(None)  # type: ignore[arg-type]


def test_corpus_stats():
    stats = corpus_stats(["가 나 가", "나 다."])
    assert (stats.n_docs, stats.n_tokens, stats.n_types) == (2, 5, 3)
    assert stats.top_tokens[0] == ("가", 2)
    assert stats.top_tokens[1] == ("나", 2)  # 빈도가 같으면 문자열 순
    assert 0.0 < stats.hangul_ratio <= 1.0
    with pytest.raises(ValueError, match="texts"):
        corpus_stats([])


def test_constitution_size():
    stats = corpus_stats([a.text for a in constitution_articles("본문")])
    assert stats.n_tokens > 3000 and stats.hangul_ratio > 0.85
