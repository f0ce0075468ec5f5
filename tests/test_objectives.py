"""llmnotes.objectives: CLM 손실, MLM 80/10/10 (transformers 콜레이터와 비교), 스팬 오염, NSP/SOP, RTD, TLM, SBO."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from llmnotes.objectives import (
    IGNORE_INDEX,
    SpanBoundaryHead,
    causal_lm_loss,
    mask_spans,
    mask_tokens,
    nsp_pairs,
    random_spans_noise_mask,
    replaced_token_detection,
    sample_from_logits,
    sop_pairs,
    span_boundary_targets,
    span_corruption,
    span_corruption_restore,
    span_mask,
    tlm_example,
)

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
V = 120
MASK_ID = 4


@pytest.fixture(scope="module")
def hf_tokenizer():
    """허브 없이 메모리에서 만든 단어 단위 토크나이저 (특수 토큰 5개 + 보통 토큰)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {t: i for i, t in enumerate(SPECIALS + [f"w{i}" for i in range(V - len(SPECIALS))])}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token="[PAD]",
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )


def _batch(n: int, t: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """[CLS] 보통 토큰 ... [SEP] 모양의 배치와 특수 토큰 마스크."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(len(SPECIALS), V, (n, t), generator=g)
    ids[:, 0], ids[:, -1] = 2, 3
    special = torch.zeros_like(ids)
    special[:, 0] = special[:, -1] = 1
    return ids, special


# ------------------------------------------------------------------------------------------------- CLM
def test_causal_lm_loss_matches_hf_gpt2():
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    hf = GPT2LMHeadModel(GPT2Config(vocab_size=50, n_positions=16, n_embd=16, n_layer=1, n_head=2)).eval()
    ids = torch.randint(0, 50, (2, 10))
    logits = hf(ids).logits
    torch.testing.assert_close(causal_lm_loss(logits, ids), hf(ids, labels=ids).loss, atol=1e-6, rtol=0)
    # 패딩: attention_mask 0 인 자리는 목표에서 빠진다 (HF 에서는 labels 를 -100 으로 둔 것과 같다)
    mask = torch.ones_like(ids)
    mask[1, 6:] = 0
    labels = ids.masked_fill(mask == 0, -100)
    torch.testing.assert_close(
        causal_lm_loss(logits, ids, attention_mask=mask), hf(ids, labels=labels).loss, atol=1e-6, rtol=0
    )


def test_causal_lm_loss_bad_shapes():
    with pytest.raises(ValueError, match="logits"):
        causal_lm_loss(torch.zeros(2, 5, 7), torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(TypeError, match="input_ids"):
        causal_lm_loss(torch.zeros(2, 5, 7), torch.zeros(2, 5))


# ------------------------------------------------------------------------------------------------- MLM
def test_mask_tokens_identical_to_transformers_collator_with_same_seed(hf_tokenizer):
    from transformers import DataCollatorForLanguageModeling

    ids, special = _batch(8, 32)
    for seed in (0, 1, 2):
        coll = DataCollatorForLanguageModeling(hf_tokenizer, mlm=True, mlm_probability=0.15, seed=seed)
        examples = [
            {"input_ids": r.tolist(), "special_tokens_mask": s.tolist()} for r, s in zip(ids, special)
        ]
        ref = coll(examples)
        inputs, labels = mask_tokens(
            ids,
            mask_token_id=MASK_ID,
            vocab_size=len(hf_tokenizer),
            special_tokens_mask=special,
            generator=seed,
        )
        assert torch.equal(inputs, ref["input_ids"]) and torch.equal(labels, ref["labels"])


def _rates(inputs, labels, ids, special):
    chosen = labels != IGNORE_INDEX
    n = chosen.sum().item()
    as_mask = (inputs == MASK_ID) & chosen
    kept = (inputs == ids) & chosen
    other = chosen & ~as_mask & ~kept
    return {
        "chosen": n / (~special.bool()).sum().item(),
        "mask": as_mask.sum().item() / n,
        "random": other.sum().item() / n,
        "kept": kept.sum().item() / n,
        "special_chosen": (chosen & special.bool()).sum().item(),
    }


def test_mask_tokens_statistics_match_collator_over_many_samples(hf_tokenizer):
    from transformers import DataCollatorForLanguageModeling

    ids, special = _batch(400, 128, seed=3)  # 약 5만 자리
    inputs, labels = mask_tokens(
        ids, mask_token_id=MASK_ID, vocab_size=V, special_tokens_mask=special, generator=123
    )
    ours = _rates(inputs, labels, ids, special)
    coll = DataCollatorForLanguageModeling(hf_tokenizer, mlm=True, seed=999)  # 다른 시드: 분포만 비교
    ref_batch = coll(
        [{"input_ids": r.tolist(), "special_tokens_mask": s.tolist()} for r, s in zip(ids, special)]
    )
    ref = _rates(ref_batch["input_ids"], ref_batch["labels"], ids, special)
    # 이론값: 고름 0.15, 그 안에서 0.8/0.1/0.1 (무작위 토큰이 우연히 원래 토큰이면 '그대로' 로 센다: 1/V 정도)
    for r in (ours, ref):
        assert r["special_chosen"] == 0  # 특수 토큰은 절대 고르지 않는다
        assert abs(r["chosen"] - 0.15) < 0.006  # 표준편차 ≈ 0.0016
        assert abs(r["mask"] - 0.8) < 0.015
        assert abs(r["random"] - 0.1 * (1 - 1 / V)) < 0.012
        assert abs(r["kept"] - (0.1 + 0.1 / V)) < 0.012
    for key in ("chosen", "mask", "random", "kept"):
        assert abs(ours[key] - ref[key]) < 0.02
    # 레이블은 고른 자리의 원래 토큰
    chosen = labels != IGNORE_INDEX
    assert torch.equal(labels[chosen], ids[chosen])


def test_mask_tokens_variants_and_bad_inputs():
    ids, special = _batch(4, 16)
    inputs, labels = mask_tokens(
        ids, mask_token_id=MASK_ID, vocab_size=V, mask_replace_prob=1.0, random_replace_prob=0.0, generator=0
    )
    chosen = labels != IGNORE_INDEX
    assert torch.all(inputs[chosen] == MASK_ID) and torch.equal(inputs[~chosen], ids[~chosen])
    with pytest.raises(ValueError, match="mlm_probability"):
        mask_tokens(ids, mask_token_id=MASK_ID, vocab_size=V, mlm_probability=1.5)
    with pytest.raises(ValueError, match=r"random_replace_prob\)이 1을 넘습니다: 0.9 \+ 0.2"):
        mask_tokens(ids, mask_token_id=MASK_ID, vocab_size=V, mask_replace_prob=0.9, random_replace_prob=0.2)
    with pytest.raises(ValueError, match="mask_token_id"):
        mask_tokens(ids, mask_token_id=V, vocab_size=V)
    with pytest.raises(ValueError, match="special_tokens_mask"):
        mask_tokens(ids, mask_token_id=MASK_ID, vocab_size=V, special_tokens_mask=special[:, :3])
    with pytest.raises(TypeError, match="generator"):
        mask_tokens(ids, mask_token_id=MASK_ID, vocab_size=V, generator="0")
    with pytest.raises(TypeError, match="input_ids"):
        mask_tokens(ids.float(), mask_token_id=MASK_ID, vocab_size=V)


# --------------------------------------------------------------------------------------- span corruption
SENTINELS = list(range(1000, 1100))


def test_span_corruption_paper_example_shape_and_restore():
    ids = list(range(10, 50))
    inputs, targets = span_corruption(ids, SENTINELS, rng=0, eos_id=1)
    assert inputs[-1] == 1 and targets[-1] == 1
    n_spans = sum(1 for t in inputs if t in SENTINELS)
    assert targets[0] == SENTINELS[0] and targets[-2] == SENTINELS[n_spans]  # 끝 센티널
    assert span_corruption_restore(inputs, targets, SENTINELS, eos_id=1) == ids
    # 가린 토큰 수 = round(40 · 0.15) = 6
    assert len(targets) - 1 - (n_spans + 1) == 6  # 끝 토큰과 센티널을 뺀 나머지


def test_span_corruption_statistics_noise_density_and_mean_span_length():
    rng = np.random.default_rng(0)
    noise, spans = 0, 0
    total = 0
    for _ in range(300):
        mask = random_spans_noise_mask(200, 0.15, 3.0, rng)
        assert not mask[0]  # 언제나 가리지 않은 구간으로 시작
        noise += mask.sum()
        spans += int(np.sum(mask[1:] & ~mask[:-1]))
        total += mask.size
    assert noise / total == pytest.approx(0.15, abs=1e-9)  # 길이 200 → 정확히 30 개씩
    assert noise / spans == pytest.approx(3.0, abs=0.01)  # 구간 수 round(30/3) = 10 → 평균 길이 3


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 999), min_size=2, max_size=80),
    st.floats(0.05, 0.5),
    st.floats(1.0, 5.0),
    st.integers(0, 2**31),
)
def test_span_corruption_restores_original(ids, density, mean_len, seed):
    inputs, targets = span_corruption(
        ids, SENTINELS, noise_density=density, mean_noise_span_length=mean_len, rng=seed
    )
    assert span_corruption_restore(inputs, targets, SENTINELS) == ids
    assert len(inputs) < len(ids) + 1 and targets[0] == SENTINELS[0]


def test_span_corruption_is_seeded_and_checks_inputs():
    ids = list(range(100))
    assert span_corruption(ids, SENTINELS, rng=5) == span_corruption(ids, SENTINELS, rng=5)
    assert span_corruption(ids, SENTINELS, rng=5) != span_corruption(ids, SENTINELS, rng=6)
    with pytest.raises(ValueError, match="sentinel_ids"):
        span_corruption(ids, SENTINELS[:2], rng=0)
    with pytest.raises(ValueError, match="센티널 번호"):
        span_corruption([1000, 1, 2, 3], SENTINELS, rng=0)
    with pytest.raises(ValueError, match="length"):
        span_corruption([5], SENTINELS)
    with pytest.raises(ValueError, match="noise_density"):
        random_spans_noise_mask(10, noise_density=0.0)


# --------------------------------------------------------------------------------------------- NSP / SOP
DOCS = [[f"문서{d}의 {i}번째 문장" for i in range(6)] for d in range(8)]


def test_nsp_pairs_labels_and_ratio():
    pairs = nsp_pairs(DOCS, rng=0)
    assert len(pairs) == 8 * 5
    where = {s: (d, i) for d, doc in enumerate(DOCS) for i, s in enumerate(doc)}
    for p in pairs:
        (da, ia), (db, ib) = where[p.first], where[p.second]
        if p.label == 0:  # IsNext: 같은 문서의 바로 다음 문장
            assert (da, ia + 1) == (db, ib)
        else:  # NotNext: 다른 문서
            assert da != db
    many = nsp_pairs(DOCS * 50, rng=1)
    assert abs(np.mean([p.label for p in many]) - 0.5) < 0.04
    assert nsp_pairs(DOCS, rng=3) == nsp_pairs(DOCS, rng=3)


def test_sop_pairs_swap_and_ratio():
    pairs = sop_pairs(DOCS, rng=0)
    where = {s: (d, i) for d, doc in enumerate(DOCS) for i, s in enumerate(doc)}
    for p in pairs:
        (da, ia), (db, ib) = where[p.first], where[p.second]
        assert da == db  # SOP 는 언제나 같은 문서 (주제가 같다)
        assert ib == ia + 1 if p.label == 0 else ia == ib + 1
    many = sop_pairs(DOCS * 50, rng=1)
    assert abs(np.mean([p.label for p in many]) - 0.5) < 0.04


def test_pair_builders_bad_inputs_and_nfc():
    with pytest.raises(ValueError, match="두 개 이상"):
        nsp_pairs([["한 문장"], ["또 한 문장"]])
    with pytest.raises(ValueError, match="두 개 이상"):
        nsp_pairs([["가", "나"]], rng=0)
    with pytest.raises(TypeError, match="documents"):
        sop_pairs("문장")
    with pytest.raises(TypeError, match=r"documents\[0\]"):
        sop_pairs(["가나다"])
    with pytest.raises(ValueError, match="swap_prob"):
        sop_pairs(DOCS, swap_prob=2.0)
    import unicodedata

    nfd = [[unicodedata.normalize("NFD", "한국어 문장"), unicodedata.normalize("NFD", "다음 문장")]]
    p = sop_pairs(nfd, swap_prob=0.0)[0]
    assert p.first == "한국어 문장" and p.second == "다음 문장"


# --------------------------------------------------------------------------------------------------- RTD
def test_replaced_token_detection_labels():
    ids = torch.tensor([[2, 10, 11, 12, 13, 3]])
    masked = torch.tensor([[0, 1, 0, 1, 1, 0]]).bool()
    preds = torch.tensor([[0, 10, 99, 50, 51, 0]])  # 자리 1: 생성기가 원래 토큰을 맞힘 → 레이블 0
    special = torch.tensor([[1, 0, 0, 0, 0, 1]])
    corrupted, labels = replaced_token_detection(ids, masked, preds, special_tokens_mask=special)
    assert corrupted.tolist() == [[2, 10, 11, 50, 51, 3]]
    assert labels.tolist() == [[IGNORE_INDEX, 0, 0, 1, 1, IGNORE_INDEX]]


def test_rtd_with_sampled_generator_predictions_is_seeded():
    ids, special = _batch(4, 20)
    inputs, labels = mask_tokens(
        ids, mask_token_id=MASK_ID, vocab_size=V, special_tokens_mask=special, generator=0
    )
    logits = torch.randn(4, 20, V, generator=torch.Generator().manual_seed(1))
    a = sample_from_logits(logits, generator=7)
    assert torch.equal(a, sample_from_logits(logits, generator=7)) and a.shape == (4, 20)
    corrupted, rtd = replaced_token_detection(ids, labels != IGNORE_INDEX, a, special_tokens_mask=special)
    assert torch.equal(rtd == 1, (corrupted != ids) & ~special.bool())
    with pytest.raises(ValueError, match="masked_positions"):
        replaced_token_detection(ids, labels[:, :3] != IGNORE_INDEX, a)
    with pytest.raises(ValueError, match="temperature"):
        sample_from_logits(logits, temperature=0.0)


# --------------------------------------------------------------------------------------------------- TLM
def test_tlm_example_layout():
    src, tgt = [10, 11, 12, 13], [20, 21, 22]
    ex = tlm_example(
        src, tgt, src_lang=0, tgt_lang=1, cls_id=2, sep_id=3, mask_token_id=MASK_ID, vocab_size=V,
        mlm_probability=0.0,
    )  # fmt: skip
    assert ex.input_ids.tolist() == [2, *src, 3, *tgt, 3]
    assert ex.lang_ids.tolist() == [0] * 6 + [1] * 4
    assert ex.position_ids.tolist() == [0, 1, 2, 3, 4, 5, 0, 1, 2, 3]  # 번역문은 위치를 0 부터 다시
    assert torch.all(ex.labels == IGNORE_INDEX)


def test_tlm_masks_both_languages_never_specials():
    src, tgt = list(range(10, 40)), list(range(50, 80))
    seen_src = seen_tgt = False
    for seed in range(20):
        ex = tlm_example(
            src,
            tgt,
            src_lang=0,
            tgt_lang=1,
            cls_id=2,
            sep_id=3,
            mask_token_id=MASK_ID,
            vocab_size=V,
            generator=seed,
        )
        chosen = ex.labels != IGNORE_INDEX
        assert not chosen[[0, 31, 62]].any()  # [CLS], 가운데 [SEP], 끝 [SEP]
        seen_src |= bool((chosen & (ex.lang_ids == 0)).any())
        seen_tgt |= bool((chosen & (ex.lang_ids == 1)).any())
    assert seen_src and seen_tgt
    with pytest.raises(ValueError, match="비어 있으면"):
        tlm_example([], tgt, src_lang=0, tgt_lang=1, cls_id=2, sep_id=3, mask_token_id=MASK_ID, vocab_size=V)


# ------------------------------------------------------------------------------------------- SBO (SpanBERT)
def test_span_mask_budget_boundaries_and_geometric_lengths():
    rng = np.random.default_rng(0)
    lengths = []
    for _ in range(400):
        special = np.zeros(120, dtype=bool)
        special[[0, 60, 119]] = True
        spans = span_mask(120, special_tokens_mask=special, rng=rng)
        masked = np.zeros(120, dtype=bool)
        for s, e in spans:
            assert 0 < s < e < 120 and not masked[s - 1 : e + 1].any()  # 경계 두 자리는 가리지 않는다
            masked[s:e] = True
            lengths.append(e - s)
        assert masked.sum() == 18  # round(120 · 0.15)
        assert not (masked & special).any()
    # 긴 토큰열에서는 예산 때문에 줄어드는 구간이 드물다: 평균이 1 … 10 으로 제한한 Geo(0.2) 의 평균 3.8 에 가깝다
    k = np.arange(1, 11)
    expected = (k * 0.2 * 0.8 ** (k - 1)).sum() / (0.2 * 0.8 ** (k - 1)).sum()
    long = [e - s for _ in range(100) for s, e in span_mask(4000, rng=rng)]
    assert round(expected, 1) == 3.8 and abs(np.mean(long) - expected) < 0.1
    assert max(lengths) == 10


def test_span_mask_is_seeded_and_checks_inputs():
    assert span_mask(50, rng=3) == span_mask(50, rng=3)
    assert span_mask(50, rng=3) != span_mask(50, rng=4)
    assert sum(e - s for s, e in span_mask(3, mask_ratio=1.0, rng=0)) == 1  # 양 끝은 경계로 남는다
    for kwargs, name in [
        ({"length": 2}, "length"),
        ({"length": 10, "p": 0.0}, "p"),
        ({"length": 10, "max_span": 0}, "max_span"),
        ({"length": 10, "mask_ratio": 1.5}, "mask_ratio"),
        ({"length": 10, "special_tokens_mask": [False] * 9}, "special_tokens_mask"),
    ]:
        with pytest.raises(ValueError, match=name):
            span_mask(**kwargs)


def test_mask_spans_replaces_whole_spans_80_10_10():
    ids = torch.arange(10, 110)
    spans = [(5, 9), (20, 23), (40, 41)]
    counts = {"mask": 0, "random": 0, "same": 0}
    for seed in range(600):
        inputs, labels = mask_spans(ids, spans, mask_token_id=MASK_ID, vocab_size=V, generator=seed)
        chosen = labels != IGNORE_INDEX
        assert chosen.sum() == 8 and torch.equal(labels[chosen], ids[chosen])
        assert torch.equal(inputs[~chosen], ids[~chosen])
        for s, e in spans:
            if bool((inputs[s:e] == MASK_ID).all()):
                counts["mask"] += 1
            elif torch.equal(inputs[s:e], ids[s:e]):
                counts["same"] += 1
            else:
                counts["random"] += 1
    n = sum(counts.values())
    assert abs(counts["mask"] / n - 0.8) < 0.03 and abs(counts["same"] / n - 0.1) < 0.03
    with pytest.raises(ValueError, match="구간"):
        mask_spans(ids, [(0, 3)], mask_token_id=MASK_ID, vocab_size=V)


def test_sbo_head_sees_only_boundaries_and_matches_formula():
    torch.manual_seed(0)
    L, C = 30, 16
    ids = torch.randint(5, V, (L,))
    spans = [(3, 7), (12, 13), (20, 26)]
    t = span_boundary_targets(ids, spans)
    assert t.position.tolist() == [3, 4, 5, 6, 12, 20, 21, 22, 23, 24, 25]
    assert (
        t.left.tolist()[:4] == [2] * 4
        and t.right.tolist()[:4] == [7] * 4
        and t.offset.tolist()[:4] == [0, 1, 2, 3]
    )
    assert torch.equal(t.target, ids[t.position])
    head = SpanBoundaryHead(C, V, max_span=10).eval()
    hidden = torch.randn(L, C, requires_grad=True)
    logits = head(hidden, t)
    assert logits.shape == (11, V)
    # 같은 식을 손으로: y = W_d LN(GELU(W_2 LN(GELU(W_1 [x_{s−1}; x_e; p_{i−s}] + b_1)) + b_2)) + b_d
    lin1, ln1, lin2, ln2 = head.ffn[0], head.ffn[2], head.ffn[3], head.ffn[5]
    z = torch.cat([hidden[t.left], hidden[t.right], head.offset_embedding.weight[t.offset]], -1)
    h = F.layer_norm(F.gelu(z @ lin1.weight.T + lin1.bias), (C,), ln1.weight, ln1.bias)
    h = F.layer_norm(F.gelu(h @ lin2.weight.T + lin2.bias), (C,), ln2.weight, ln2.bias)
    torch.testing.assert_close(logits, h @ head.decoder.weight.T + head.decoder.bias)
    # 기울기는 경계 자리에만 흐른다: 구간 안 표현은 SBO 가 쓰지 않는다
    F.cross_entropy(logits, t.target).backward()
    touched = set(torch.nonzero(hidden.grad.abs().sum(-1)).flatten().tolist())
    assert touched == {2, 7, 11, 13, 19, 26}
    with pytest.raises(ValueError, match="spans"):
        span_boundary_targets(ids, [])
