"""인컨텍스트 러닝 메타 학습: 과제 나누기, 예시 뽑기, 프롬프트 부호화, 레이블 확률, 문맥 보정, 배포한 체크포인트."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest
import torch

import llmnotes
from llmnotes.icl import (
    CATEGORIES,
    ICL_VOCAB,
    LABELS,
    QUERY,
    WORDS,
    ICLConfig,
    Task,
    _episode,
    build_model,
    calibrate,
    encode_prompt,
    format_prompt,
    label_probs,
    load_icl,
    order_accuracies,
    sample_examples,
    save_icl,
    shot_accuracy,
    task_split,
    train_icl,
)

SHIPPED = Path(llmnotes.__file__).resolve().parents[2] / "data" / "models" / "icl"


def test_words_and_categories():
    assert len(CATEGORIES) == 12 and all(len(ws) == 8 for ws in CATEGORIES.values())
    assert len(WORDS) == 96  # 한 단어는 한 갈래에만 있다
    assert not set(WORDS) & set(LABELS)
    assert WORDS["딸기"] == "과일" and WORDS["곰"] == "동물"


def test_task_split_holds_out_category_pairs():
    train, held = task_split(seed=0, n_heldout=16)
    train_pairs = {frozenset((t.a, t.b)) for t in train}
    held_pairs = {frozenset((t.a, t.b)) for t in held}
    assert len(train_pairs) == 66 - 16 and len(held_pairs) == 16
    assert not train_pairs & held_pairs  # 남긴 갈래 쌍은 학습에 한 번도 안 나온다
    assert len(train) == 50 * 2 * 12 * 11
    assert set().union(*train_pairs) == set(CATEGORIES)  # 모든 갈래의 단어는 학습에 나온다
    with pytest.raises(ValueError, match="n_heldout"):
        task_split(n_heldout=1)


def test_task_checks_its_fields():
    with pytest.raises(ValueError, match="a"):
        Task("우주", "동물", "가", "나")
    with pytest.raises(ValueError, match="yes"):
        Task("과일", "동물", "Z", "나")
    with pytest.raises(ValueError, match="서로 달라야"):
        Task("과일", "동물", "가", "가")
    with pytest.raises(ValueError, match="word"):
        Task("과일", "동물", "가", "나").label("서울")


def test_examples_prompt_and_encoding():
    t = Task("과일", "동물", "○", "×")
    ex = sample_examples(t, 8, random.Random(0), exclude="곰")
    assert len({w for w, _ in ex}) == 8 and "곰" not in {w for w, _ in ex}
    assert all(y == ("○" if WORDS[w] == "과일" else "×") for w, y in ex)
    assert format_prompt(ex[:2], "곰") == f"{ex[0][0]}→{ex[0][1]}, {ex[1][0]}→{ex[1][1]}, 곰→"
    words, labels = encode_prompt("사과→가, 곰→")
    s = ICL_VOCAB.stoi
    assert words == [s["사과"], s["사과"], s["곰"]] and labels == [s[QUERY], s["가"], s[QUERY]]
    with pytest.raises(ValueError, match="어휘"):
        encode_prompt("사과→가, 우주선→")
    with pytest.raises(ValueError, match="질의"):
        encode_prompt("사과→가")
    with pytest.raises(ValueError, match="n"):
        sample_examples(t, 16, random.Random(0))


def test_episode_targets_sit_on_query_slots():
    t = Task("과일", "동물", "가", "나")
    for repeat in (False, True):
        words, labels, targets = _episode(t, random.Random(1), repeat)
        assert len(words) == len(labels) == len(targets) == 17
        for i in range(0, 17, 2):  # 질의 자리: 레이블 자리에 <질의>, 목표는 그 단어의 레이블
            assert labels[i] == ICL_VOCAB.stoi[QUERY]
            assert targets[i] == ICL_VOCAB.stoi[t.label(ICL_VOCAB.itos[words[i]])]
        assert all(x == -100 for x in targets[1::2])


def test_label_probs_padding_and_calibrate():
    model = build_model(ICLConfig(n_layer=1, n_embd=16, n_head=2)).eval()
    prompts = ["곰→", "사과→가, 곰→"]
    p = label_probs(model, prompts, [("가", "나"), ("가", "나")])
    assert p.shape == (2, 2) and torch.allclose(p.sum(-1), torch.ones(2))
    torch.testing.assert_close(
        label_probs(model, prompts[:1], [("가", "나")])[0], p[0]
    )  # 채움이 결과를 안 바꾼다
    probs = torch.tensor([[0.8, 0.2], [0.6, 0.4]])
    cf = torch.tensor([[0.8, 0.2], [0.8, 0.2]])  # 'yes' 쪽으로 쏠린 모델
    cal = calibrate(probs, cf)
    torch.testing.assert_close(cal[0], torch.tensor([0.5, 0.5]))
    assert cal[1, 0] < 0.5  # 쏠림을 빼면 두 번째는 'no' 쪽이다
    with pytest.raises(ValueError, match="모양"):
        calibrate(probs, cf[:1])
    with pytest.raises(ValueError, match="길이"):
        label_probs(model, prompts, [("가", "나")])


def test_bad_config_names_the_argument():
    with pytest.raises(ValueError, match="init_std"):
        ICLConfig(init_std=0)
    with pytest.raises(ValueError, match="p_repeat"):
        ICLConfig(p_repeat=1.5)
    with pytest.raises(ValueError, match="tasks"):
        train_icl(ICLConfig(steps=1), [])


def test_short_training_lowers_loss_and_roundtrips(tmp_path):
    train, _ = task_split()
    model, losses = train_icl(
        ICLConfig(n_layer=1, n_embd=32, steps=60, batch_size=16, warmup=5, init_std=0.2), train
    )
    assert (
        sum(losses[-10:]) / 10 < sum(losses[:10]) / 10 - 0.5
    )  # 레이블 낱말 12개 중 맞는 쪽으로는 금방 배운다
    save_icl(model, tmp_path / "m")
    again = load_icl(tmp_path / "m")
    prompts, labels = ["사과→가, 곰→나, 배→"], [("가", "나")]
    torch.testing.assert_close(label_probs(again, prompts, labels), label_probs(model, prompts, labels))
    with pytest.raises(FileNotFoundError, match="config.json"):
        load_icl(tmp_path / "없음")


def test_shipped_checkpoint_matches_its_record_and_learns_in_context():
    """배포한 체크포인트: 파일 해시가 recipe.json 과 같고, 남겨 둔 과제에서 샷이 늘면 정확도가 오른다."""
    recipe = json.loads((SHIPPED / "recipe.json").read_text(encoding="utf-8"))
    for name, digest in recipe["file_sha256"].items():
        assert hashlib.sha256((SHIPPED / name).read_bytes()).hexdigest() == digest, name
        assert (SHIPPED / name).stat().st_size <= 10 * 2**20
    from llmnotes.recipes.icl import split

    _, _, test = split()
    assert [t.predicate for t in test] == recipe["test_tasks"]
    model = load_icl(SHIPPED)
    acc = shot_accuracy(model, test, [0, 8], n_queries=16, rounds=1, seed=5)["raw"]
    assert (
        acc[0] < 0.65 and acc[8] > 0.85
    )  # 0샷은 어림짐작(레이블이 과제마다 임의), 8샷은 예시에서 규칙을 읽는다
    t = test[0]
    shots = [(CATEGORIES[t.a][0], t.yes), (CATEGORIES[t.b][0], t.no)]
    queries = list(CATEGORIES[t.a][1:] + CATEGORIES[t.b][1:])
    accs = order_accuracies(model, t, shots, queries)  # 순서 2가지
    assert len(accs) == 2 and min(accs) > 0.8


def test_order_accuracies_checks_input():
    model = build_model(ICLConfig(n_layer=1, n_embd=16, n_head=2))
    t = Task("과일", "동물", "가", "나")
    with pytest.raises(ValueError, match="shots"):
        order_accuracies(model, t, [], ["곰"])
    with pytest.raises(ValueError, match="queries"):
        order_accuracies(model, t, [("사과", "가")], [])
    with pytest.raises(ValueError, match="rounds"):
        shot_accuracy(model, [t], [1], rounds=0)
