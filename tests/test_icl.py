"""인컨텍스트 러닝 메타 학습 과제: 과제 나누기, 예시 뽑기, 프롬프트, 라벨 확률, 문맥 보정."""

from __future__ import annotations

import math
import random

import pytest
import torch

from llmnotes.icl import (
    ICL_VOCAB,
    LABELS,
    PREDICATES,
    WORDS,
    ICLConfig,
    Task,
    build_model,
    calibrate,
    format_prompt,
    label_probs,
    sample_examples,
    task_split,
    train_icl,
)


def test_words_and_predicates():
    assert len(WORDS) == len(set(WORDS)) >= 40
    assert set(PREDICATES) == {"과일", "동물", "탈것", "그밖"}
    assert PREDICATES["과일"]("딸기") and not PREDICATES["과일"]("기차") and PREDICATES["동물"]("곰")
    for name, f in PREDICATES.items():  # 술어마다 참·거짓 단어가 모두 충분하다
        n_true = sum(f(w) for w in WORDS)
        assert 9 <= n_true <= len(WORDS) - 9, name


def test_task_split_holds_out_label_pairs():
    train, test = task_split(seed=0, n_test_pairs=14)
    assert len(train) == 4 * 42 and len(test) == 4 * 14
    train_pairs = {(t.yes, t.no) for t in train}
    test_pairs = {(t.yes, t.no) for t in test}
    assert not train_pairs & test_pairs  # 시험 라벨 쌍은 학습에 한 번도 안 나온다
    assert all(a in LABELS and b in LABELS and a != b for a, b in train_pairs | test_pairs)
    with pytest.raises(ValueError, match="n_test_pairs"):
        task_split(n_test_pairs=0)


def test_examples_and_prompt():
    t = Task("동물", "O", "X")
    ex = sample_examples(t, 8, random.Random(0))
    assert len({w for w, _ in ex}) == 8
    assert all(y == ("O" if WORDS[w] == "동물" else "X") for w, y in ex)
    prompt = format_prompt(ex[:2], "곰")
    assert prompt == f"{ex[0][0]}:{ex[0][1]},{ex[1][0]}:{ex[1][1]},곰:"
    assert format_prompt([], "곰") == "곰:"
    with pytest.raises(ValueError, match="어휘"):
        ICL_VOCAB.encode("사과:Z")


def test_label_probs_reads_the_last_position_and_calibrate():
    model = build_model(ICLConfig(n_layer=1, n_embd=16, n_head=2)).eval()
    prompts = ["곰:", "사과:O,곰:"]
    p = label_probs(model, prompts, [("O", "X"), ("O", "X")])
    assert p.shape == (2, 2) and torch.allclose(p.sum(-1), torch.ones(2))
    # 채움이 결과를 바꾸지 않는다: 한 개씩 넣어도 같다 (인과 마스크라 뒤의 채움은 안 보인다)
    one = label_probs(model, prompts[:1], [("O", "X")])
    torch.testing.assert_close(one[0], p[0])
    probs = torch.tensor([[0.8, 0.2], [0.6, 0.4]])
    cf = torch.tensor([[0.8, 0.2], [0.8, 0.2]])  # 라벨 'yes' 쪽으로 쏠린 모델
    cal = calibrate(probs, cf)
    torch.testing.assert_close(cal[0], torch.tensor([0.5, 0.5]))
    assert cal[1, 0] < 0.5  # 쏠림을 빼면 두 번째는 'no' 쪽이다
    with pytest.raises(ValueError, match="모양"):
        calibrate(probs, cf[:1])


def test_known_task_episode_uses_fixed_category_labels():
    from llmnotes.icl import KNOWN_LABELS, _episode

    ids, tgt = _episode(None, random.Random(0))
    text = "".join(ICL_VOCAB.itos[i] for i in ids)
    pairs = [part.split(":") for part in text.rstrip(",").split(",")]
    assert len(pairs) == 9 and all(y == KNOWN_LABELS[WORDS[w]] for w, y in pairs)
    assert sum(t != -100 for t in tgt) == 9  # 라벨 자리 9곳에서만 손실
    with pytest.raises(ValueError, match="p_known"):
        ICLConfig(p_known=1.5)


def test_train_icl_smoke():
    train, _ = task_split()
    cfg = ICLConfig(n_layer=1, n_embd=16, n_head=2, steps=3, batch_size=4, warmup=1)
    model, losses = train_icl(cfg, train)
    assert len(losses) == 3 and all(math.isfinite(x) for x in losses)
    with pytest.raises(ValueError, match="tasks"):
        train_icl(cfg, [])


def test_recipe_icl_eval_shapes_and_ranges():
    """레시피의 ICL 평가: 샷 수 0~8 의 정확도(보정 전후)와 순서 24가지의 흔들림."""
    from llmnotes.recipes.reasoners import icl_eval

    _, held = task_split()
    model = build_model(ICLConfig(n_layer=1, n_embd=16, n_head=2)).eval()
    res = icl_eval(model, held[:2], seed=0)
    assert set(res["raw"]) == set(res["calibrated"]) == {str(k) for k in range(9)}
    assert all(0.0 <= v <= 1.0 for v in list(res["raw"].values()) + list(res["calibrated"].values()))
    assert len(res["order"]["per_task"]) == 2
    for d in res["order"]["per_task"]:
        assert 0.0 <= d["min"] <= d["max"] <= 1.0 and d["std"] >= 0.0
