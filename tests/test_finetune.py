"""llmnotes.finetune: Llama 분류기 (HF LlamaForSequenceClassification 과 로짓 일치, 평균 풀링), 채움 불변성, 표현 캐시,
세계 리뷰 과제 (별점 제거, 균형, 결정성, 사전학습 문서 빼기), 부분집합, 검증 표본, 잘못된 입력."""

from __future__ import annotations

import pytest
import torch

from llmnotes.classify import ClassifierTrainConfig, accuracy, predict, train_classifier
from llmnotes.finetune import (
    LlamaClassifier,
    balanced_subset,
    freeze,
    hidden_states,
    phrasing_halves,
    pool,
    pooled_features,
    review_phrasings,
    review_sentences,
    review_task,
    strip_rating,
    text_sha256,
    to_hf_sequence_classifier,
    validation_sample,
)
from llmnotes.llama import Llama, LlamaConfig
from llmnotes.llama_hf import to_hf

PAD = 1
ATOL64 = 1e-10  # float64, 같은 가중치: 연산 순서 차이만


def _lm(seed: int = 0, dtype=torch.float64) -> Llama:
    torch.manual_seed(seed)
    cfg = LlamaConfig(
        vocab_size=50, n_layer=2, n_head=4, n_kv_head=2, n_embd=32, intermediate_size=64, max_seq_len=16
    )
    return Llama(cfg).to(dtype).eval()


def _batch():
    ids = torch.tensor([[5, 6, 7, 8, 9], [10, 11, 12, PAD, PAD], [13, 14, PAD, PAD, PAD]])
    return ids, (ids != PAD).long()


def test_hidden_states_match_hf_llama_model():
    lm = _lm()
    hf = to_hf(lm).eval()
    ids, _ = _batch()
    with torch.no_grad():
        torch.testing.assert_close(
            hidden_states(lm, ids), hf.model(input_ids=ids).last_hidden_state, atol=ATOL64, rtol=0
        )


def test_last_token_logits_match_hf_sequence_classification():
    clf = LlamaClassifier(_lm(), 3, pooling="last", pad_token_id=PAD).to(torch.float64).eval()
    hf = to_hf_sequence_classifier(clf)
    ids, mask = _batch()
    with torch.no_grad():
        ours = clf(ids, mask)
        theirs = hf(input_ids=ids, attention_mask=mask).logits
        ours_nomask = clf(ids)  # 마스크 없이: pad_token_id 로 실제 토큰을 찾는다
    assert ours.shape == (3, 3)
    torch.testing.assert_close(ours, theirs, atol=ATOL64, rtol=0)
    torch.testing.assert_close(ours_nomask, theirs, atol=ATOL64, rtol=0)


def test_mean_pooling_is_masked_mean_of_hf_hidden_states():
    lm = _lm()
    clf = LlamaClassifier(lm, 2, pooling="mean", pad_token_id=PAD).to(torch.float64).eval()
    hf = to_hf(lm).eval()
    ids, mask = _batch()
    with torch.no_grad():
        h = hf.model(input_ids=ids).last_hidden_state
        want = torch.stack([h[i, : int(mask[i].sum())].mean(dim=0) for i in range(3)])
        torch.testing.assert_close(clf.pooled(ids, mask), want, atol=ATOL64, rtol=0)


@pytest.mark.parametrize("pooling", ["mean", "last"])
def test_right_padding_does_not_change_logits(pooling):
    clf = LlamaClassifier(_lm(), 2, pooling=pooling, pad_token_id=PAD).to(torch.float64).eval()
    a = torch.tensor([[5, 6, 7]])
    b = torch.tensor([[5, 6, 7, PAD, PAD]])
    with torch.no_grad():
        torch.testing.assert_close(clf(a, torch.ones_like(a)), clf(b, (b != PAD).long()), atol=ATOL64, rtol=0)


def test_pooled_features_equal_classifier_pooling():
    lm = _lm()
    ids, mask = _batch()
    feats = pooled_features(lm, {"input_ids": ids, "attention_mask": mask}, batch_size=2)
    for p in ("mean", "last"):
        clf = LlamaClassifier(lm, 2, pooling=p).eval()
        with torch.no_grad():
            torch.testing.assert_close(feats[p], clf.pooled(ids, mask), atol=ATOL64, rtol=0)


def test_training_learns_toy_task_and_freeze_keeps_backbone():
    # 첫 토큰이 레이블을 정한다: 몸통을 학습하면 풀 수 있어야 한다
    torch.manual_seed(0)
    ids = torch.randint(3, 50, (64, 6))
    y = torch.randint(0, 2, (64,))
    ids[:, 0] = 10 + y
    data = {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": y}
    clf = LlamaClassifier(_lm(dtype=torch.float32), 2, pooling="mean")
    losses = train_classifier(clf, data, ClassifierTrainConfig(lr=3e-3, epochs=15, batch_size=16))
    assert losses[-1] < losses[0]
    assert accuracy(y, predict(clf, data)) >= 0.95
    lm = freeze(_lm(dtype=torch.float32))
    before = {k: v.clone() for k, v in lm.state_dict().items()}
    probe = LlamaClassifier(lm, 2, pooling="last")
    train_classifier(probe, data, ClassifierTrainConfig(lr=1e-2, epochs=2, batch_size=16))
    assert all(torch.equal(before[k], v) for k, v in lm.state_dict().items())  # 선형 탐사: 몸통은 그대로


def test_bad_inputs_name_the_argument():
    lm = _lm()
    with pytest.raises(ValueError, match="pooling"):
        LlamaClassifier(lm, 2, pooling="max")
    with pytest.raises(ValueError, match="num_labels"):
        LlamaClassifier(lm, 1)
    with pytest.raises(TypeError, match="lm"):
        LlamaClassifier(torch.nn.Linear(2, 2), 2)
    clf = LlamaClassifier(lm, 2, pad_token_id=PAD)
    with pytest.raises(ValueError, match="max_seq_len"):
        clf(torch.ones((1, 17), dtype=torch.long))
    with pytest.raises(ValueError, match="어휘"):
        clf(torch.tensor([[3, 99]]))
    with pytest.raises(ValueError, match="실제 토큰"):
        clf(torch.tensor([[PAD, PAD]]))
    with pytest.raises(ValueError, match="attention_mask"):
        clf(torch.tensor([[3, 4]]), torch.ones((1, 3), dtype=torch.long))
    with pytest.raises(ValueError, match="pooling"):
        pool(torch.zeros(1, 2, 3), torch.ones(1, 2), "max")
    with pytest.raises(ValueError, match="pooling"):
        to_hf_sequence_classifier(LlamaClassifier(lm, 2, pooling="mean", pad_token_id=PAD))
    with pytest.raises(ValueError, match="pad_token_id"):
        to_hf_sequence_classifier(LlamaClassifier(lm, 2, pooling="last"))


def test_strip_rating_removes_the_label_leak():
    assert strip_rating("어제 샀다. 값이 아깝지 않다. 별점은 5점이다.") == "어제 샀다. 값이 아깝지 않다."
    assert strip_rating("샀어요. 실망스러워요. 별점은 1점이에요.") == "샀어요. 실망스러워요."
    with pytest.raises(ValueError, match="별점"):
        strip_rating("별점은 다섯 개.")
    with pytest.raises(TypeError, match="text"):
        strip_rating(None)


@pytest.fixture(scope="module")
def world():
    from llmnotes.world import build_world

    return build_world(0)


def test_review_task_balanced_deterministic_and_without_rating(world):
    sizes = {"train": 20, "dev": 10, "test": 10}
    task, skipped = review_task(world, sizes, seed=77)
    again, _ = review_task(world, sizes, seed=77)
    assert task == again and skipped == []
    texts = [t for rows in task.values() for t, _ in rows]
    assert len(set(texts)) == len(texts) == 40  # split 사이에도 겹치는 문서가 없다
    for name, rows in task.items():
        assert len(rows) == sizes[name] and sum(y for _, y in rows) == sizes[name] // 2
        assert all("별점" not in t and t == t.strip() for t, _ in rows)


def test_review_task_skips_excluded_documents(world):
    from llmnotes.world import generate_documents

    first = generate_documents(world, 3, seed=77, genres=["review"], split="train")
    banned = {text_sha256(d.text) for d in first}
    task, skipped = review_task(world, {"train": 4, "dev": 2, "test": 2}, seed=77, exclude_sha256=banned)
    assert sorted(skipped) == sorted(banned)
    kept = {t for rows in task.values() for t, _ in rows}
    assert not kept & {strip_rating(d.text) for d in first}
    with pytest.raises(ValueError, match="sizes"):
        review_task(world, {"train": 3}, seed=0)


def test_phrasings_are_label_pure_and_halves_keep_pairs_together(world):
    ph = review_phrasings(world, n_docs=600)
    assert all(len(ph[y]) >= 6 for y in (0, 1)) and not set(ph[0]) & set(ph[1])
    assert all("별점" not in t for y in (0, 1) for t in ph[y])
    a, b = phrasing_halves(ph)
    assert not a & b and a | b == set(ph[0]) | set(ph[1])
    for t in a | b:  # 평서체·해요체 짝(앞 네 글자가 같음)은 같은 무리에
        side = a if t in a else b
        assert all(u in side for y in (0, 1) if t in ph[y] for u in ph[y] if u[:4] == t[:4])
    for half in (a, b):  # 무리마다 레이블 둘 다, 말투 둘 다
        for y in (0, 1):
            mine = [t for t in half if t in ph[y]]
            assert any(t.endswith("요.") for t in mine) and any(not t.endswith("요.") for t in mine)


def test_review_task_respects_allowed_phrasings(world):
    ph = review_phrasings(world, n_docs=600)
    a, b = phrasing_halves(ph)
    inventory = a | b
    task, _ = review_task(
        world, {"train": 6, "new": 4}, seed=5, allowed={"train": a, "new": b}, phrasings=inventory
    )
    for name, half in (("train", a), ("new", b)):
        for text, _ in task[name]:
            used = {s for s in review_sentences(text) if s in inventory}
            assert used and used <= half
    with pytest.raises(ValueError, match="phrasings"):
        review_task(world, {"train": 2}, seed=5, allowed={"train": a})
    with pytest.raises(ValueError, match="allowed"):
        review_task(world, {"train": 2}, seed=5, allowed={"dev": a}, phrasings=inventory)


def test_balanced_subset_nested_and_balanced():
    labels = [0] * 30 + [1] * 30
    small, big = balanced_subset(labels, 10, seed=3), balanced_subset(labels, 25, seed=3)
    assert set(small) <= set(big)
    assert sum(labels[i] for i in small) == 5
    assert sum(labels[i] for i in big) in (12, 13)
    assert balanced_subset(labels, 10, seed=4) != small
    with pytest.raises(ValueError, match="n"):
        balanced_subset(labels, 61, seed=0)


def test_validation_sample_is_a_slice_of_the_hash_split():
    from llmnotes.world import build_world, generate_documents, train_validation_split

    sample = validation_sample(0, 0.05, n_generated=200)
    docs = [d.text for d in generate_documents(build_world(0), 400, seed=0, split="train")]
    _, val = train_validation_split(list(dict.fromkeys(docs)), 0.05, seed=0)
    assert sample and set(sample) <= set(val)
