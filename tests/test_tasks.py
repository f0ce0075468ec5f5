"""숫자 읽기 과제(llmnotes.tasks) 테스트."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from llmnotes.tasks import (
    MAX_NUMBER,
    Vocab,
    accuracy_by_length,
    digit_vocab,
    encode_batch,
    exact_match,
    iter_batches,
    make_batch,
    make_pairs,
    parse_reading,
    read_number,
    reading_vocab,
)

KNOWN = [
    (0, "영"),
    (1, "일"),
    (7, "칠"),
    (10, "십"),
    (11, "십일"),
    (20, "이십"),
    (99, "구십구"),
    (100, "백"),
    (101, "백일"),
    (110, "백십"),
    (1000, "천"),
    (1001, "천일"),
    (1234, "천이백삼십사"),
    (2020, "이천이십"),
    (9999, "구천구백구십구"),
    (10000, "만"),
    (10001, "만 일"),
    (15000, "만 오천"),
    (20000, "이만"),
    (35020, "삼만 오천이십"),
    (100000, "십만"),
    (110000, "십일만"),
    (1000000, "백만"),
    (10000000, "천만"),
    (12345678, "천이백삼십사만 오천육백칠십팔"),
    (100000000, "일억"),
    (100000001, "일억 일"),
    (100010000, "일억 일만"),
    (1000000000, "십억"),
    (300000000000, "삼천억"),
    (999999999999, "구천구백구십구억 구천구백구십구만 구천구백구십구"),
]


@pytest.mark.parametrize(("n", "reading"), KNOWN)
def test_known_readings(n, reading):
    assert read_number(n) == reading
    assert parse_reading(reading) == n


@pytest.mark.parametrize("bad", [-1, MAX_NUMBER, 10**15])
def test_out_of_range(bad):
    with pytest.raises(ValueError, match=str(bad)):
        read_number(bad)


@pytest.mark.parametrize("bad", [1.5, "12", True])
def test_wrong_type(bad):
    with pytest.raises(TypeError, match="n"):
        read_number(bad)


def test_numpy_integers_accepted():
    import numpy as np

    assert read_number(np.int64(35020)) == "삼만 오천이십"


def test_parse_reading_rejects_nonstandard():
    with pytest.raises(ValueError, match="일십"):
        parse_reading("일십")
    with pytest.raises(ValueError, match="가"):
        parse_reading("가")


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=MAX_NUMBER - 1))
def test_roundtrip_property(n):
    text = read_number(n)
    assert parse_reading(text) == n
    assert "  " not in text and text == text.strip()
    # 모든 글자가 출력 어휘에 있다
    reading_vocab().encode(text)


def test_vocab_encode_decode():
    v = reading_vocab()
    assert len(v) == 20 and len(digit_vocab()) == 14
    ids = v.encode("삼만 오천이십", add_bos=True, add_eos=True)
    assert ids[0] == v.bos_id and ids[-1] == v.eos_id
    assert v.decode(ids) == "삼만 오천이십"
    assert v.decode([*ids, 5, 6]) == "삼만 오천이십"  # <eos> 에서 멈춘다
    assert v.decode([5, v.pad_id, 6]) == v.itos[5] + v.itos[6]
    with pytest.raises(ValueError, match="'x'"):
        v.encode("x")
    assert v.encode("x", strict=False) == [v.unk_id]
    with pytest.raises(ValueError, match="99"):
        v.decode([99])
    with pytest.raises(ValueError, match="중복"):
        Vocab("aa")


def test_make_pairs_deterministic_and_lengths():
    a = make_pairs(200, 1, 12, seed=3)
    b = make_pairs(200, 1, 12, seed=3)
    c = make_pairs(200, 1, 12, seed=4)
    assert a == b and a != c
    assert all(read_number(int(s)) == t for s, t in a)
    assert {len(s) for s, _ in a} == set(range(1, 13))
    rev = make_pairs(50, 3, 5, seed=1, reverse=True)
    assert all(3 <= len(t) <= 5 and parse_reading(s) == int(t) for s, t in rev)
    with pytest.raises(ValueError, match="max_digits"):
        make_pairs(5, 1, 13)
    with pytest.raises(ValueError, match="min_digits"):
        make_pairs(5, 0, 3)
    with pytest.raises(ValueError, match="n은 0 이상"):
        make_pairs(-1)


def test_batching_shapes_and_shift():
    pairs = [("35020", "삼만 오천이십"), ("7", "칠")]
    sv, tv = digit_vocab(), reading_vocab()
    b = make_batch(pairs, sv, tv)
    assert b.src.shape == (2, 5) and b.src.dtype == torch.long
    assert b.src_mask.tolist()[1] == [True, False, False, False, False]
    assert b.src_lengths.tolist() == [5, 1]
    assert b.tgt_in.shape == b.tgt_out.shape == b.tgt_mask.shape == (2, 8)
    assert b.tgt_in[:, 0].tolist() == [tv.bos_id, tv.bos_id]
    assert torch.equal(b.tgt_in[0, 1:], b.tgt_out[0, :-1])
    assert tv.decode(b.tgt_out[0]) == "삼만 오천이십"
    assert b.tgt_out[1].tolist()[:2] == [tv.stoi["칠"], tv.eos_id]
    assert b.tgt_mask[1].tolist() == [True, True] + [False] * 6
    ids, mask = encode_batch(["12", "3"], sv, add_eos=True)
    assert ids.tolist() == [[5, 6, 2], [7, 2, 0]] and mask.sum().item() == 5
    with pytest.raises(ValueError, match="texts"):
        encode_batch([], sv)
    sizes = [x.src.shape[0] for x in iter_batches(make_pairs(10), sv, tv, batch_size=4)]
    assert sizes == [4, 4, 2]


def test_accuracy_helpers():
    assert exact_match(["a", "b"], ["a", "c"]) == 0.5
    acc = accuracy_by_length(["1", "22", "33"], ["일", "x", "삼십삼"], ["일", "이십이", "삼십삼"])
    assert acc == {1: 1.0, 2: 0.5}
    with pytest.raises(ValueError, match="길이"):
        exact_match(["a"], [])
    with pytest.raises(ValueError, match="길이"):
        accuracy_by_length(["1"], ["a", "b"], ["a"])
