"""도형 그림 생성기: 결정성, 분할(빠진 조합), 설명 ↔ 픽셀 내용, 조사, 잘못된 입력."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from llmnotes import shapes
from llmnotes.clip import WordTokenizer
from llmnotes.shapes import COLOURS, HELD_OUT, Obj, Scene, answer, render, sample_scenes


def _mask(img: np.ndarray) -> np.ndarray:
    """도형 픽셀: 채도(채널 최대 - 최소)가 큰 곳. 배경은 채도가 낮다."""
    x = img.astype(int)
    return (x.max(-1) - x.min(-1)) > 60


def _nearest_colour(img: np.ndarray, mask: np.ndarray) -> str:
    mean = img[mask].astype(float).mean(0)
    return min(COLOURS, key=lambda c: np.sum((np.array(COLOURS[c]) - mean) ** 2))


def test_same_seed_same_scenes_and_pixels():
    a = sample_scenes(30, 7, "train")
    b = sample_scenes(30, 7, "train")
    assert [s.caption for s in a] == [s.caption for s in b]
    assert np.array_equal(shapes.render_batch(a), shapes.render_batch(b))
    c = sample_scenes(30, 8, "train")
    assert [s.caption for s in a] != [s.caption for s in c]


def test_held_out_combinations_only_outside_train():
    train = sample_scenes(600, 0, "train")
    assert all((o.colour, o.shape) not in HELD_OUT for s in train for o in s.objects)
    for split in ("dev", "test"):
        ev = sample_scenes(300, 0, split)
        assert all(any((o.colour, o.shape) in HELD_OUT for o in s.objects) for s in ev)
        seen = {(o.colour, o.shape) for s in ev for o in s.objects} & HELD_OUT
        assert seen == HELD_OUT  # 빠진 조합 네 개가 모두 평가에 나온다
    # 각 색과 각 도형은 학습에서도 (다른 짝과) 나온다
    assert {o.colour for s in train for o in s.objects} == set(COLOURS)
    assert {o.shape for s in train for o in s.objects} == set(shapes.SHAPES)


def test_single_caption_matches_pixels():
    """'single' 장면: 픽셀에서 다시 잰 색, 위치(무게중심의 x), 크기(넓이)가 설명과 같다."""
    scenes = sample_scenes(200, 3, "train", kinds=("single",))
    areas: dict[tuple[str, str], list[int]] = {}
    for s in scenes:
        img = render(s)
        m = _mask(img)
        words = s.caption.split()
        assert words[0] == f"{s.position}에"
        assert _nearest_colour(img, m) == words[2] == s.objects[0].colour
        cx = np.nonzero(m)[1].mean()
        third = ("왼쪽", "가운데", "오른쪽")[int(cx // (img.shape[1] / 3))]
        assert third == s.position
        areas.setdefault((s.objects[0].shape, words[1]), []).append(int(m.sum()))
    for shape in shapes.SHAPES:  # 같은 도형이면 '큰' 의 가장 작은 넓이 > '작은' 의 가장 큰 넓이
        assert min(areas[(shape, "큰")]) > max(areas[(shape, "작은")])


def test_shape_recovered_from_pixels_for_big_objects():
    """큰 도형은 채운 비율과 위아래 무게 분포로 모양을 되찾을 수 있다."""
    scenes = [s for s in sample_scenes(200, 4, "train", kinds=("single",)) if s.objects[0].size == "큰"]
    assert len(scenes) > 50
    for s in scenes:
        m = _mask(render(s))
        ys, xs = np.nonzero(m)
        fill = m.sum() / ((np.ptp(ys) + 1) * (np.ptp(xs) + 1))
        widths = m[ys.min() : ys.max() + 1].sum(1)  # 줄마다 도형 폭
        widest = np.argmax(widths) / max(len(widths) - 1, 1)  # 가장 넓은 줄의 높이 (0 = 위, 1 = 아래)
        if fill > 0.9:
            guess = "사각형"
        elif fill > 0.68:
            guess = "원"
        else:
            guess = "삼각형" if widest > 0.7 else "마름모"
        assert guess == s.objects[0].shape, (s.caption, fill, widest)


def test_count_and_pair_match_pixels():
    for s in sample_scenes(90, 5, "test", kinds=("count",)):
        img = render(s)
        _, n = ndimage.label(_mask(img))
        assert n == s.count
        assert s.caption.endswith(f"{shapes.COUNT_WORDS[s.count]} 개")
        assert answer(s, "count") == f"{shapes.COUNT_WORDS[s.count]} 개예요"
    for s in sample_scenes(60, 6, "test", kinds=("pair",)):
        img = render(s)
        half = img.shape[1] // 2
        left, right = s.objects
        ml, mr = _mask(img[:, :half]), _mask(img[:, half:])
        assert _nearest_colour(img[:, :half], ml) == left.colour
        assert _nearest_colour(img[:, half:], mr) == right.colour


def test_josa_in_captions_and_answers():
    bg = (235, 235, 235)
    o = lambda shape, colour="파란", x=8.0: Obj(shape, colour, "큰", x, 16.0, 7.0, COLOURS[colour])  # noqa: E731
    assert (
        Scene("pair", (o("마름모"), o("원", x=24.0)), bg).caption
        == "왼쪽에 큰 파란 마름모와 오른쪽에 큰 파란 원"
    )
    assert (
        Scene("pair", (o("원"), o("마름모", x=24.0)), bg).caption
        == "왼쪽에 큰 파란 원과 오른쪽에 큰 파란 마름모"
    )
    assert answer(Scene("single", (o("마름모"),), bg, "왼쪽"), "shape") == "마름모예요"
    assert answer(Scene("single", (o("삼각형"),), bg, "왼쪽"), "shape") == "삼각형이에요"
    assert answer(Scene("single", (o("원", "노란"),), bg, "왼쪽"), "colour") == "노란색이에요"
    rng = np.random.default_rng(0)
    texts = {shapes.clip_texts(Scene("single", (o("마름모"),), bg, "왼쪽"), rng) for _ in range(30)}
    assert texts == {
        "왼쪽에 큰 파란 마름모",
        "왼쪽에 큰 파란 마름모 그림",
        "왼쪽에 큰 파란 마름모가 있는 그림",
    }


def test_vocabulary_covers_everything_generated():
    tok = WordTokenizer(shapes.vocabulary())
    rng = np.random.default_rng(0)
    for s in sample_scenes(300, 9, "test"):
        tok.encode(shapes.clip_texts(s, rng))
        for q in ("caption", "colour", "count", "shape") if s.kind != "pair" else ("caption",):
            tok.encode(answer(s, q))
            tok.encode(shapes.QUESTIONS[q])
    for level in shapes.ZERO_SHOT_LEVELS:
        for prompts in shapes.zero_shot_prompts(level):
            for p in prompts:
                tok.encode(p)
    assert len(shapes.zero_shot_prompts("fine")) == 96


def test_bad_input_is_rejected_clearly():
    with pytest.raises(ValueError, match="colour"):
        Obj("원", "보라", "큰", 8, 8, 5, (1, 2, 3))
    with pytest.raises(ValueError, match="shape"):
        Obj("별", "빨간", "큰", 8, 8, 5, (1, 2, 3))
    with pytest.raises(ValueError, match="n"):
        sample_scenes(0, 0)
    with pytest.raises(ValueError, match="split"):
        sample_scenes(3, 0, "validation")
    with pytest.raises(ValueError, match="kinds"):
        sample_scenes(3, 0, kinds=("triple",))
    with pytest.raises(TypeError, match="scene"):
        render("왼쪽에 큰 빨간 원")
    pair = sample_scenes(3, 0, kinds=("pair",))[0]
    with pytest.raises(ValueError, match="pair"):
        answer(pair, "colour")
    with pytest.raises(ValueError, match="question"):
        answer(pair, "size")
    with pytest.raises(ValueError, match="level"):
        shapes.zero_shot_prompts("medium")
    with pytest.raises(ValueError, match="single"):
        shapes.zero_shot_label(pair, "coarse")
    with pytest.raises(ValueError, match="image_size"):
        shapes.ShapesConfig(image_size=8)
