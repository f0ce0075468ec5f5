"""llmnotes.classify: 마지막 토큰 풀링, GPT2ForSequenceClassification 과의 로짓 일치, 학습, 지표(sklearn 일치), 잘못된 입력."""

from __future__ import annotations

import pytest
import torch
from sklearn.metrics import accuracy_score
from sklearn.metrics import confusion_matrix as sk_confusion_matrix
from transformers import GPT2Config, GPT2LMHeadModel, GPT2Model

from llmnotes import bpe
from llmnotes.classify import (
    ClassifierTrainConfig,
    GPTClassifier,
    accuracy,
    confusion_matrix,
    encode_dataset,
    last_token_index,
    predict,
    to_hf_sequence_classifier,
    train_classifier,
)
from llmnotes.lora import inject_lora, trainable_parameters

PAD = 1
ATOL64 = 1e-10  # float64, 같은 가중치: 연산 순서 차이만


def _backbone(seed=0, vocab=50, dtype=torch.float64) -> GPT2LMHeadModel:
    torch.manual_seed(seed)
    cfg = GPT2Config(vocab_size=vocab, n_positions=32, n_embd=32, n_layer=2, n_head=4, pad_token_id=PAD)
    return GPT2LMHeadModel(cfg).to(dtype).eval()


def _batch():
    ids = torch.tensor([[5, 6, 7, 8, 9], [10, 11, 12, PAD, PAD], [13, 14, PAD, PAD, PAD]])
    return ids, (ids != PAD).long()


def test_last_token_index_right_and_left_padding():
    ids, mask = _batch()
    assert last_token_index(ids, mask).tolist() == [4, 2, 1]
    assert last_token_index(ids, pad_token_id=PAD).tolist() == [4, 2, 1]
    left = torch.tensor([[PAD, PAD, 3, 4], [5, 6, 7, 8]])
    assert last_token_index(left, pad_token_id=PAD).tolist() == [3, 3]
    assert last_token_index(ids).tolist() == [4, 4, 4]  # 정보가 없으면 마지막 위치


def test_logits_match_hf_sequence_classification():
    clf = GPTClassifier(_backbone(), num_labels=3, pad_token_id=PAD).to(torch.float64).eval()
    hf = to_hf_sequence_classifier(clf)
    ids, mask = _batch()
    with torch.no_grad():
        ours = clf(ids, mask)
        theirs = hf(input_ids=ids, attention_mask=mask).logits
        ours_nomask = clf(ids)  # attention_mask 없이: pad_token_id 로 위치를 찾는다 (HF 와 같은 규칙)
    assert ours.shape == (3, 3)
    torch.testing.assert_close(ours, theirs, atol=ATOL64, rtol=0)
    # 마스크 없이 부르면 채움 토큰에도 어텐션하지만, 인과 마스크라 마지막 non-pad 위치는 채움을 보지 않는다
    torch.testing.assert_close(ours_nomask, theirs, atol=ATOL64, rtol=0)


def test_pooling_uses_last_real_token_only():
    clf = GPTClassifier(_backbone(), num_labels=2, pad_token_id=PAD).to(torch.float64).eval()
    a = torch.tensor([[5, 6, 7]])
    b = torch.tensor([[5, 6, 7, PAD, PAD]])
    with torch.no_grad():
        torch.testing.assert_close(clf(a, torch.ones_like(a)), clf(b, (b != PAD).long()), atol=ATOL64, rtol=0)
    # GPT2Model 몸통을 바로 넘겨도 된다
    torch.manual_seed(0)
    GPTClassifier(GPT2Model(_backbone().config), num_labels=2)


@pytest.fixture(scope="module")
def toy():
    pos = [
        "정말 좋아요",
        "최고예요 추천",
        "좋아요 만족",
        "재밌어요 최고",
        "만족해요 좋아요",
        "추천합니다 최고",
    ]
    neg = ["별로예요 실망", "최악이에요", "실망했어요 별로", "지루해요 최악", "별로 실망", "최악 지루해요"]
    texts, labels = pos + neg, [1] * len(pos) + [0] * len(neg)
    tok = bpe.train(texts, 300).to_transformers()
    return texts, labels, tok


def test_train_full_and_lora_reach_perfect_train_accuracy(toy):
    texts, labels, tok = toy
    data = encode_dataset(texts, labels, tok, num_labels=2)
    assert data["input_ids"].shape[0] == 12 and data["labels"].tolist() == labels
    left = encode_dataset(texts, labels, tok, num_labels=2, padding_side="left")
    for i in range(12):  # 같은 토큰, 채움 위치만 다르다
        r, lft = data["input_ids"][i], left["input_ids"][i]
        assert r[data["attention_mask"][i] == 1].tolist() == lft[left["attention_mask"][i] == 1].tolist()
        assert left["attention_mask"][i, -1] == 1
    cfg = ClassifierTrainConfig(lr=3e-3, epochs=15, batch_size=4, seed=0)
    clf = GPTClassifier(_backbone(vocab=len(tok), dtype=torch.float32), 2, pad_token_id=tok.pad_token_id)
    losses = train_classifier(clf, data, cfg)
    assert losses[-1] < losses[0]
    assert accuracy(data["labels"], predict(clf, data)) == 1.0
    # LoRA + 머리만 학습: 학습 가능한 파라미터는 LoRA 와 score 뿐
    clf2 = GPTClassifier(_backbone(vocab=len(tok), dtype=torch.float32), 2, pad_token_id=tok.pad_token_id)
    inject_lora(clf2.backbone, ["c_attn"], r=4, alpha=8)
    clf2.score.weight.requires_grad_(True)
    names = {n for n, p in clf2.named_parameters() if p.requires_grad}
    assert all("lora_" in n or n == "score.weight" for n in names)
    assert trainable_parameters(clf2).percent < 10
    train_classifier(clf2, data, ClassifierTrainConfig(lr=1e-2, epochs=15, batch_size=4, seed=0))
    assert accuracy(data["labels"], predict(clf2, data)) >= 0.9
    # 같은 시드 → 같은 손실 곡선
    clf3 = GPTClassifier(_backbone(vocab=len(tok), dtype=torch.float32), 2, pad_token_id=tok.pad_token_id)
    assert train_classifier(clf3, data, cfg) == losses


def test_metrics_match_sklearn():
    g = torch.Generator().manual_seed(0)
    t = torch.randint(0, 3, (50,), generator=g)
    p = torch.randint(0, 3, (50,), generator=g)
    assert accuracy(t, p) == pytest.approx(accuracy_score(t.numpy(), p.numpy()))
    cm = confusion_matrix(t, p, 3)
    assert cm.tolist() == sk_confusion_matrix(t.numpy(), p.numpy(), labels=[0, 1, 2]).tolist()
    assert int(cm.sum()) == 50


def test_bad_inputs(toy):
    texts, labels, tok = toy
    with pytest.raises(ValueError, match="비어"):
        encode_dataset([], [], tok)
    with pytest.raises(ValueError, match="labels\\[1\\].*: 2"):
        encode_dataset(["좋아요", "싫어요"], [1, 2], tok, num_labels=2)
    with pytest.raises(ValueError, match="-1"):
        encode_dataset(["좋아요"], [-1], tok)
    with pytest.raises(ValueError, match="max_length를 넘습니다: 2"):
        encode_dataset(["정말 정말 정말 좋아요"], [1], tok, max_length=2)
    with pytest.raises(ValueError, match="'middle'"):
        encode_dataset(["좋아요"], [1], tok, padding_side="middle")
    with pytest.raises(ValueError, match="길이가 다릅니다"):
        encode_dataset(["좋아요"], [1, 0], tok)
    with pytest.raises(ValueError, match="num_labels는 2 이상의 정수여야 합니다: 1"):
        GPTClassifier(_backbone(), num_labels=1)
    with pytest.raises(ValueError, match="비어"):
        empty = {k: torch.zeros(0, 3, dtype=torch.long) for k in ("input_ids", "attention_mask")}
        train_classifier(GPTClassifier(_backbone(), 2), {**empty, "labels": torch.zeros(0, dtype=torch.long)})
    with pytest.raises(ValueError, match="3"):
        confusion_matrix([0, 1], [0, 3], 2)
    with pytest.raises(ValueError, match="모두 채움"):
        last_token_index(torch.tensor([[PAD, PAD]]), pad_token_id=PAD)
