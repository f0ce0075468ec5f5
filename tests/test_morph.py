import unicodedata

import pytest

from llmnotes import morph
from llmnotes.morph import CONTENT_TAGS, Morpheme


def test_tokenize_splits_josa():
    toks = morph.tokenize("학교에서")
    assert [(t.form, t.tag) for t in toks] == [("학교", "NNG"), ("에서", "JKB")]
    assert toks[0] == Morpheme("학교", "NNG", 0, 2)
    assert (toks[1].start, toks[1].len) == (2, 2)


def test_morphs_and_pos():
    assert morph.morphs("학교에서") == ["학교", "에서"]
    assert morph.pos("밥을 먹었다")[:3] == [("밥", "NNG"), ("을", "JKO"), ("먹", "VV")]


def test_offsets_point_into_nfc_text():
    text = "나는 학교에 갔다"
    for m in morph.tokenize(text):
        assert 0 <= m.start and m.start + m.len <= len(text)
    # 명사와 조사는 원문 조각과 같다
    toks = morph.tokenize(text)
    assert text[toks[2].start : toks[2].start + toks[2].len] == "학교"


def test_nfd_input_is_normalised():
    nfd = unicodedata.normalize("NFD", "학교에서")
    assert morph.morphs(nfd) == ["학교", "에서"]
    assert morph.tokenize(nfd)[1].start == 2  # 오프셋은 NFC 기준


def test_content_words_filters_function_morphemes():
    words = morph.content_words("학교에서 공부했다. 깨끗한 방 3개 GPT")
    assert words == ["학교", "공부", "깨끗", "방", "3", "개", "GPT"]
    assert "에서" not in words and "었" not in words


def test_content_words_handles_irregular_verb_tags():
    # '걸어서' 의 어간 '걷' 은 'VV-I' (불규칙) 태그를 받는다: 'VV' 로 걸러져야 한다
    assert morph.content_words("걸어서 갔다") == ["걷", "가"]
    assert morph.content_words("걸어서 갔다", tags={"NNG"}) == []


def test_content_tags_exclude_josa_and_endings():
    assert not any(t.startswith(("J", "E")) for t in CONTENT_TAGS)
    assert {"NNG", "NNP", "VV", "VA"} <= CONTENT_TAGS


def test_tokenize_batch_matches_single_calls():
    texts = ["나는 학교에 간다", "", "오늘 날씨가 좋다", "GPT-4는 2023년에 나왔다"]
    batch = morph.tokenize_batch(texts)
    assert len(batch) == len(texts)
    assert batch[1] == []
    for t, b in zip(texts, batch, strict=True):
        assert b == morph.tokenize(t)


def test_tokenize_batch_accepts_generator():
    assert morph.tokenize_batch(t for t in ["학교에서"])[0][0].form == "학교"


def test_empty_string():
    assert morph.tokenize("") == []
    assert morph.content_words("") == []


def test_bad_input():
    with pytest.raises(TypeError, match="text"):
        morph.tokenize(123)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="texts"):
        morph.tokenize_batch("학교에서")
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        morph.tokenize_batch(["가", None])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="tags"):
        morph.content_words("학교", tags="NNG")


def test_kiwi_is_cached():
    assert morph.kiwi() is morph.kiwi()
