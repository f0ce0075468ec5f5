"""llmnotes.align: 선호 토큰화·배치 = trl, DPO 손실 = trl DPOTrainer, 보상 모델 = GPT2ForSequenceClassification,
학습 루프가 실제로 배우는지, RLHF 기록, RLAIF 레이블링, 잘못된 입력."""

from __future__ import annotations

import copy
import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import GPT2Config, GPT2ForSequenceClassification, GPT2LMHeadModel

from llmnotes import bpe
from llmnotes.align import (
    AlignRecipe,
    DPOTrainConfig,
    RewardConfig,
    RewardModel,
    RLHFConfig,
    _chosen_nll,
    bradley_terry_loss,
    check_preference,
    collate_preferences,
    dpo_loss,
    dpo_seed_study,
    evaluate_dpo,
    knowledge_instructions,
    label_pairs,
    load_checkpoint,
    mismatched_pairs,
    parse_args,
    prompt_text,
    reference_logprobs,
    reward_accuracy,
    sample_responses,
    sequence_logprobs,
    split_dev,
    tokenize_preference,
    train_dpo,
    train_reward_model,
    train_rlhf,
    world_entities,
)
from llmnotes.loaders import load_preferences
from llmnotes.sft import CHAT_TOKENS, EOS

ATOL = 1e-6  # 같은 로그확률에서 같은 산술 → 차이는 반올림 수준


@pytest.fixture(scope="module")
def prefs():
    return load_preferences("train")[:24]


@pytest.fixture(scope="module")
def tok(prefs):
    texts = [prompt_text(p.prompt) + p.chosen + EOS + p.rejected + EOS for p in prefs]
    return bpe.train(texts, 320, special_tokens=(EOS, "<pad>", "<unk>") + CHAT_TOKENS).to_transformers()


@pytest.fixture(scope="module")
def examples(prefs, tok):
    return [tokenize_preference(p, tok) for p in prefs]


def _model(tok, seed=0, dtype=torch.float64) -> GPT2LMHeadModel:
    torch.manual_seed(seed)
    cfg = GPT2Config(
        vocab_size=len(tok),
        n_positions=128,
        n_embd=32,
        n_layer=2,
        n_head=4,
        bos_token_id=tok.eos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )
    return GPT2LMHeadModel(cfg).to(dtype).eval()


def _perturbed(model, seed=1, scale=0.05):
    other = copy.deepcopy(model)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in other.parameters():
            p.add_(scale * torch.randn(p.shape, generator=g, dtype=p.dtype))
    return other


# ---------------------------------------------------------------------------------------------------------------
# 토큰화와 배치
# ---------------------------------------------------------------------------------------------------------------


def test_tokenize_preference_splits_prompt_and_response(prefs, tok, examples):
    p, e = prefs[0], examples[0]
    assert tok.decode(e["prompt_ids"]) == f"<|user|>\n{p.prompt}\n<|assistant|>\n"
    assert tok.decode(e["chosen_ids"]) == p.chosen + EOS
    assert tok.decode(e["rejected_ids"]) == p.rejected + EOS
    assert e["chosen_ids"][-1] == tok.eos_token_id


def test_collate_layout(examples, tok):
    b = collate_preferences(examples[:3], tok.pad_token_id)
    assert b["input_ids"].shape[0] == 6
    for i in range(3):
        e = examples[i]
        n_c = len(e["prompt_ids"]) + len(e["chosen_ids"])
        n_r = len(e["prompt_ids"]) + len(e["rejected_ids"])
        assert int(b["attention_mask"][i].sum()) == n_c
        assert int(b["attention_mask"][3 + i].sum()) == n_r
        assert int(b["completion_mask"][i].sum()) == len(e["chosen_ids"])
        assert b["input_ids"][3 + i, :n_r].tolist() == e["prompt_ids"] + e["rejected_ids"]


def test_sequence_logprobs_equals_manual_sum(examples, tok):
    model = _model(tok)
    b = collate_preferences(examples[:4], tok.pad_token_id)
    got = sequence_logprobs(model, b["input_ids"], b["attention_mask"], b["completion_mask"])
    for i in range(8):
        n = int(b["attention_mask"][i].sum())
        ids = b["input_ids"][i, :n]
        with torch.no_grad():
            logp = F.log_softmax(model(input_ids=ids[None]).logits[0], -1)
        start = int(b["completion_mask"][i].nonzero()[0])
        want = sum(float(logp[t - 1, ids[t]]) for t in range(start, n))
        assert abs(float(got[i].detach()) - want) < 1e-9


# ---------------------------------------------------------------------------------------------------------------
# DPO 손실 = trl DPOTrainer (loss_type="sigmoid")
# ---------------------------------------------------------------------------------------------------------------


def test_dpo_matches_trl_trainer(prefs, tok, examples, tmp_path):
    datasets = pytest.importorskip("datasets")
    trl = pytest.importorskip("trl")
    ref = _model(tok)
    policy = _perturbed(ref)
    ds = datasets.Dataset.from_list(
        [
            {"prompt": prompt_text(p.prompt), "chosen": p.chosen + EOS, "rejected": p.rejected + EOS}
            for p in prefs
        ]
    )
    args = trl.DPOConfig(
        output_dir=str(tmp_path),
        report_to="none",
        beta=0.3,
        per_device_train_batch_size=8,
        max_steps=1,
        save_strategy="no",
        use_cpu=True,
        bf16=False,  # trl의 기본값 bf16=True는 CPU에서도 bf16 자동 혼합 정밀도를 켠다: 우리처럼 fp32로
        dataset_num_proc=None,
    )
    trainer = trl.DPOTrainer(model=policy, ref_model=ref, args=args, train_dataset=ds, processing_class=tok)
    # 1) 같은 토큰화 규칙
    for i, e in enumerate(examples):
        row = trainer.train_dataset[i]
        assert (row["prompt_ids"], row["chosen_ids"], row["rejected_ids"]) == (
            e["prompt_ids"],
            e["chosen_ids"],
            e["rejected_ids"],
        )
    # 2) 같은 배치
    feats = [
        {k: trainer.train_dataset[i][k] for k in ("prompt_ids", "chosen_ids", "rejected_ids")}
        for i in range(8)
    ]
    theirs = trainer.data_collator(feats)
    ours = collate_preferences(examples[:8], tok.pad_token_id)
    for k in ours:
        assert torch.equal(ours[k], theirs[k]), k
    # 3) trl 의 로그확률(fused LM head)과 우리 로그확률 ≈ (trl 은 LM 머리를 조각내 계산해 반올림이 다르다)
    trainer.model.eval()
    labels = theirs["input_ids"].masked_fill(theirs["completion_mask"] == 0, -100)
    kw = {"input_ids": theirs["input_ids"], "attention_mask": theirs["attention_mask"]}
    with torch.no_grad():
        t_pol = trainer.model(**kw, labels=labels, fused_lm_head=True).log_probs.sum(1)
        t_ref = trainer.ref_model(**kw, labels=labels, fused_lm_head=True).log_probs.sum(1)
        o_pol = sequence_logprobs(policy, ours["input_ids"], ours["attention_mask"], ours["completion_mask"])
        o_ref = sequence_logprobs(ref, ours["input_ids"], ours["attention_mask"], ours["completion_mask"])
    torch.testing.assert_close(o_pol, t_pol.to(o_pol.dtype), atol=1e-3, rtol=1e-4)
    torch.testing.assert_close(o_ref, t_ref.to(o_ref.dtype), atol=1e-3, rtol=1e-4)
    # 4) 같은 로그확률이면 손실이 1e-6 안에서 같다: trl 의 _compute_loss 를 참조 로그확률을 넣어 부른다
    ref_c, ref_r = t_ref.chunk(2)
    inputs = dict(theirs, ref_chosen_logps=ref_c, ref_rejected_logps=ref_r)
    trainer.precompute_ref_logps = True
    with torch.no_grad():
        trl_loss = float(trainer._compute_loss(trainer.model, inputs, return_outputs=False))
    pol_c, pol_r = t_pol.chunk(2)
    out = dpo_loss(pol_c, pol_r, ref_c, ref_r, beta=0.3)
    assert abs(float(out.loss) - trl_loss) < ATOL
    metrics = trainer._metrics["eval"]  # 모델이 평가 모드이므로 eval 쪽에 기록된다
    # 5) RPO (DPO + α·선택 응답 NLL) = trl 의 loss_type=["sigmoid", "sft"], loss_weights=[1, α]
    trainer.loss_types, trainer.loss_weights = ["sigmoid", "sft"], [1.0, 0.7]
    with torch.no_grad():
        trl_rpo = float(trainer._compute_loss(trainer.model, inputs, return_outputs=False))
    ours_rpo = float(out.loss + 0.7 * _chosen_nll(pol_c, theirs["completion_mask"][:8]))
    assert abs(ours_rpo - trl_rpo) < ATOL
    assert abs(metrics["rewards/margins"][-1] - float(out.margins.mean())) < ATOL
    assert abs(metrics["rewards/accuracies"][-1] - float((out.margins > 0).float().mean())) < ATOL


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-50, 0), min_size=4, max_size=4),
    st.floats(0.01, 5.0),
)
def test_dpo_loss_formula_and_symmetry(vals, beta):
    pc, pr, rc, rr = (torch.tensor([v], dtype=torch.float64) for v in vals)
    out = dpo_loss(pc, pr, rc, rr, beta)
    z = beta * ((vals[0] - vals[2]) - (vals[1] - vals[3]))
    # 값이 수십 nats 까지 커지므로 상대 허용오차 1e-9 (덧셈 순서에 따른 반올림 차이가 절대값으로 ~2e-9 까지 난다)
    expected = float(F.softplus(torch.tensor(-z, dtype=torch.float64)))
    assert math.isclose(float(out.loss), expected, rel_tol=1e-9, abs_tol=1e-12)
    swapped = dpo_loss(pr, pc, rr, rc, beta)  # 선택/거절을 바꾸면 마진 부호가 바뀐다
    assert math.isclose(float(swapped.margins), -float(out.margins), rel_tol=1e-9, abs_tol=1e-12)
    assert float(out.loss) >= 0


def test_dpo_loss_at_reference_is_log2():
    x = torch.tensor([-3.0, -7.5])
    out = dpo_loss(x, x - 1, x, x - 1, beta=0.5)
    assert abs(float(out.loss) - float(torch.log(torch.tensor(2.0)))) < 1e-6
    assert out.accuracy == 0.5  # 모두 비김 → ½


def test_train_dpo_sft_coef_keeps_chosen_likelihood(tok, examples):
    ref = _model(tok, dtype=torch.float32)
    refs = reference_logprobs(ref, examples[:16], tok.pad_token_id)
    moved = {}
    for coef in (0.0, 1.0):
        policy = copy.deepcopy(ref)
        cfg = DPOTrainConfig(beta=0.1, lr=3e-3, epochs=6, batch_size=8, sft_coef=coef)
        train_dpo(policy, ref, examples[:16], tok.pad_token_id, cfg)
        ev = evaluate_dpo(policy, examples[:16], tok.pad_token_id, refs, beta=0.1)
        moved[coef] = float((ev.chosen_logps - refs[0]).mean())  # 선택 응답 로그확률의 변화
        assert ev.accuracy >= 0.9
    assert moved[1.0] > moved[0.0] and moved[1.0] > 0


def test_train_dpo_raises_heldout_accuracy(prefs, tok, examples):
    ref = _model(tok, dtype=torch.float32)
    policy = copy.deepcopy(ref)
    hist = train_dpo(
        policy,
        ref,
        examples[:16],
        tok.pad_token_id,
        DPOTrainConfig(beta=0.5, lr=3e-3, epochs=6, batch_size=8, eval_every=4),
        eval_examples=examples[:16],
    )
    assert hist[0]["loss"] == pytest.approx(0.6931, abs=1e-3)  # 시작점: π_θ = π_ref → log 2
    assert hist[-1]["loss"] < 0.3
    assert hist[-1]["eval_accuracy"] >= 0.9
    refs = reference_logprobs(ref, examples[:16], tok.pad_token_id)
    ev = evaluate_dpo(policy, examples[:16], tok.pad_token_id, refs, beta=0.5)
    assert ev.accuracy == hist[-1]["eval_accuracy"] and ev.mean_margin > 0
    # 참조 모델은 바뀌지 않는다
    ref2 = reference_logprobs(ref, examples[:16], tok.pad_token_id)
    assert torch.equal(refs[0], ref2[0])


def test_dpo_seed_study_repeats_train_dpo_per_seed(prefs, tok, examples):
    ref = _model(tok, dtype=torch.float32)
    cfg = DPOTrainConfig(beta=0.5, lr=3e-3, epochs=2, batch_size=4)
    sig = [p.signal for p in prefs]
    evals = {"a": (examples[16:], sig[16:]), "b": (examples[:16], sig[:16])}
    study = dpo_seed_study(ref, examples[:16], tok.pad_token_id, cfg, [3, 0], evals)
    assert [r["seed"] for r in study] == [3, 0]
    refs = reference_logprobs(ref, examples[16:], tok.pad_token_id)
    for rec, seed in zip(study, [3, 0], strict=True):
        # 손으로 같은 학습을 되풀이한 정책 (float16 반올림까지) 과 기록이 같다
        policy = copy.deepcopy(ref)
        train_dpo(
            policy, ref, examples[:16], tok.pad_token_id, DPOTrainConfig(**{**cfg.__dict__, "seed": seed})
        )
        with torch.no_grad():
            for p in policy.parameters():
                p.copy_(p.half().float())
        ev = evaluate_dpo(policy, examples[16:], tok.pad_token_id, refs, beta=0.5)
        assert rec["a_accuracy"] == pytest.approx(ev.accuracy, abs=1e-12)
        assert set(rec["a_accuracy_by_signal"]) == set(sig[16:])
        assert rec["b_accuracy"] >= 0.9  # 학습 쌍 자체는 거의 다 맞힌다
    # 참조 모델은 그대로다
    assert torch.equal(refs[0], reference_logprobs(ref, examples[16:], tok.pad_token_id)[0])


@pytest.mark.parametrize(
    "seeds, evals, match",
    [
        ([], None, "seeds: 비어 있습니다"),
        ([0, 0], None, "서로 다른 정수"),
        ([0, 1.5], None, "서로 다른 정수"),
        ([0], {}, "eval_sets가 비어"),
        ([0], "short", "맞지 않습니다"),
    ],
)
def test_dpo_seed_study_bad_input(tok, examples, seeds, evals, match):
    ref = _model(tok, dtype=torch.float32)
    if evals is None:
        evals = {"a": (examples[:4], ["사실"] * 4)}
    elif evals == "short":
        evals = {"a": (examples[:4], ["사실"] * 3)}
    with pytest.raises(ValueError, match=match):
        dpo_seed_study(ref, examples[:8], tok.pad_token_id, DPOTrainConfig(), seeds, evals)


def test_parse_args_types_tuple_fields_from_annotations():
    recipe, out, quiet = parse_args(
        [
            "--out",
            "o",
            "--quiet",
            "--dpo-seed-study",
            "0",
            "3",
            "--rlhf-kl-coefs",
            "0",
            "1.5",
            "--dpo-epochs",
            "2",
        ]
    )
    assert (out, quiet) == ("o", True)
    assert recipe.dpo_seed_study == (0, 3) and all(type(s) is int for s in recipe.dpo_seed_study)
    assert recipe.rlhf_kl_coefs == (0.0, 1.5) and recipe.dpo_epochs == 2
    assert parse_args(["--out", "o"])[0] == AlignRecipe()


def test_parse_args_and_recipe_reject_bad_seed_study(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--out", "o", "--dpo-seed-study", "1.5"])
    assert "--dpo-seed-study" in capsys.readouterr().err
    # 학습이 몇 분 돈 뒤가 아니라 레시피를 만들 때 알린다
    with pytest.raises(ValueError, match="dpo_seed_study"):
        parse_args(["--out", "o", "--dpo-seed-study", "0", "0"])
    with pytest.raises(ValueError, match="dpo_seed_study"):
        AlignRecipe(dpo_seed_study=(1, True))


# ---------------------------------------------------------------------------------------------------------------
# 개발 쌍 떼어 내기와 어긋난 짝
# ---------------------------------------------------------------------------------------------------------------


def test_split_dev_is_stratified_disjoint_and_deterministic():
    from collections import Counter

    train = load_preferences("train")
    rest, dev = split_dev(train, per_signal=16, seed=0)
    assert Counter(p.signal for p in dev) == {s: 16 for s in {p.signal for p in train}}
    assert {p.id for p in rest} | {p.id for p in dev} == {p.id for p in train}
    assert not {p.id for p in rest} & {p.id for p in dev}
    assert [p.id for p in split_dev(train, 16, 0)[1]] == [p.id for p in dev]  # 같은 시드 → 같은 분할
    assert [p.id for p in split_dev(train, 16, 1)[1]] != [p.id for p in dev]
    assert [p.id for p in rest] == [p.id for p in train if p.id not in {d.id for d in dev}]  # 순서 유지
    assert split_dev(train, 0)[1] == []
    with pytest.raises(ValueError, match="per_signal"):
        split_dev(train, -1)
    with pytest.raises(ValueError, match="per_signal"):
        split_dev(train, 64)  # 신호마다 64 쌍뿐 → 학습 쌍이 남지 않는다


def test_world_entities_whole_words_and_relations():
    assert world_entities("소는 음메 하고 웁니다.") >= {"소", "음메", "=음메", "=풀"}
    assert "소" not in world_entities("소리가 큽니다.")  # '소리' 는 '소' 가 아니다
    assert "소" not in world_entities("소방관은 소방서에서 일합니다.")
    # 같은 일터(값)를 가진 직업들, 같은 맛을 가진 과일들은 관계를 통해 겹친다
    assert world_entities("사과") & world_entities("포도") == {"=달다"}
    assert world_entities("안녕하세요. 반갑습니다.") == frozenset()
    import unicodedata

    assert world_entities(unicodedata.normalize("NFD", "한국의 수도")) == world_entities("한국의 수도")
    with pytest.raises(TypeError, match="text는 str"):
        world_entities(3)


def test_mismatched_pairs_swap_answers_between_unrelated_questions():
    train = load_preferences("train")
    out = mismatched_pairs(train, n_other=1, n_same_relation=1, seed=0)
    by_prompt_chosen = {(p.prompt, p.chosen) for p in train}
    all_chosen = {p.chosen for p in train}
    n_with_entities = sum(bool(world_entities(p.prompt + " " + p.chosen)) for p in train)
    assert n_with_entities < len(train)  # 인사·일상 대화는 쓰지 않는다
    assert n_with_entities < len(out) <= 2 * n_with_entities
    for d in out:
        check_preference(d)  # 선택 ≠ 거절, 빈 응답 없음
        assert (d["prompt"], d["chosen"]) in by_prompt_chosen
        assert d["rejected"] in all_chosen  # 거절 응답은 다른 쌍의 선택 응답
        src = next(p for p in train if p.chosen == d["rejected"])
        assert not world_entities(d["prompt"] + " " + d["chosen"]) & world_entities(
            src.prompt + " " + src.chosen
        )
    assert out == mismatched_pairs(train, 1, 1, seed=0)
    assert mismatched_pairs(train, 0, 0) == []
    # 같은 관계 짝: 수도를 물었으면 다른 나라의 수도를 말하는 답이 거절 응답
    capital = [d for d in out if d["prompt"] == "한국의 수도는 어디인가요?"]
    assert any("수도" in d["rejected"] and "서울" not in d["rejected"] for d in capital)
    for bad in ({"n_other": -1}, {"n_same_relation": 1.5}, {"n_other": True}):
        with pytest.raises(ValueError, match="0 이상의 정수"):
            mismatched_pairs(train, **bad)


# ---------------------------------------------------------------------------------------------------------------
# 보상 모델
# ---------------------------------------------------------------------------------------------------------------


def test_reward_model_matches_gpt2_sequence_classification(tok, examples):
    lm = _model(tok)
    rm = RewardModel(copy.deepcopy(lm))
    hf = GPT2ForSequenceClassification(
        copy.deepcopy(lm.config).__class__(**{**lm.config.to_dict(), "num_labels": 1})
    )
    hf = hf.to(torch.float64).eval()
    hf.transformer.load_state_dict(lm.transformer.state_dict())
    with torch.no_grad():
        hf.score.weight.copy_(rm.score.weight.to(torch.float64))
        rm = rm.to(torch.float64)
    b = collate_preferences(examples[:4], tok.pad_token_id)
    with torch.no_grad():
        ours = rm(b["input_ids"], b["attention_mask"])
        theirs = hf(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).logits.squeeze(-1)
    torch.testing.assert_close(ours, theirs, atol=1e-10, rtol=0)


def test_bradley_terry_loss_matches_trl_formula():
    rc, rr = torch.tensor([1.0, -0.5, 2.0]), torch.tensor([0.0, 0.5, 2.0])
    want = -F.logsigmoid(rc - rr).mean()  # trl RewardTrainer.compute_loss (마진·중심화 없음)
    assert float(bradley_terry_loss(rc, rr)) == pytest.approx(float(want), abs=1e-7)
    # P(c ≻ r) = σ(r_c − r_r): 보상이 같으면 손실은 log 2
    assert float(bradley_terry_loss(torch.zeros(2), torch.zeros(2))) == pytest.approx(0.693147, abs=1e-6)


def test_train_reward_model_learns(tok, examples):
    rm = RewardModel(_model(tok, dtype=torch.float32))
    acc0, _ = reward_accuracy(rm, examples[:16], tok.pad_token_id)
    hist = train_reward_model(
        rm, examples[:16], tok.pad_token_id, RewardConfig(lr=3e-3, epochs=8, batch_size=8)
    )
    acc1, margins = reward_accuracy(rm, examples[:16], tok.pad_token_id)
    assert hist[-1]["loss"] < hist[0]["loss"]
    assert acc1 >= 0.9 and acc1 > acc0 and margins.shape == (16,)


def test_reward_model_rejects_left_padding(tok):
    rm = RewardModel(_model(tok, dtype=torch.float32))
    ids = torch.tensor([[1, 5, 6]])
    with pytest.raises(ValueError, match="오른쪽 채우기"):
        rm(ids, torch.tensor([[0, 1, 1]]))
    with pytest.raises(ValueError, match="lengths"):
        rm(ids, torch.tensor([[0, 0, 0]]))


# ---------------------------------------------------------------------------------------------------------------
# RLHF 와 RLAIF
# ---------------------------------------------------------------------------------------------------------------


def test_sample_responses_deterministic_and_stops_at_eos(tok, examples):
    model = _model(tok, dtype=torch.float32)
    p = examples[0]["prompt_ids"]
    a = sample_responses(model, p, 3, tok.eos_token_id, 10, generator=torch.Generator().manual_seed(0))
    b = sample_responses(model, p, 3, tok.eos_token_id, 10, generator=torch.Generator().manual_seed(0))
    assert a == b and len(a) == 3
    for r in a:
        assert 1 <= len(r) <= 10
        assert tok.eos_token_id not in r[:-1]
    with pytest.raises(ValueError, match="문맥 길이"):
        sample_responses(model, p, 1, tok.eos_token_id, 500)


def test_train_rlhf_records_reward_and_kl(tok, examples):
    policy = _model(tok, dtype=torch.float32)
    ref = copy.deepcopy(policy)
    rm = RewardModel(_model(tok, seed=3, dtype=torch.float32))
    prompts = [e["prompt_ids"] for e in examples[:6]]
    cfg = RLHFConfig(
        steps=3, prompts_per_step=2, samples_per_prompt=2, max_new_tokens=6, lr=1e-3, kl_coef=0.1
    )
    hist = train_rlhf(policy, ref, rm, prompts, tok.eos_token_id, tok.pad_token_id, cfg)
    assert [h["step"] for h in hist] == [1.0, 2.0, 3.0]
    assert abs(hist[0]["kl"]) < 1e-5  # 첫 샘플은 π_θ = π_ref 에서 나온다 → KL 추정 0
    assert all(1 <= h["length"] <= 6 for h in hist)
    assert any(not torch.equal(p, q) for p, q in zip(policy.parameters(), ref.parameters(), strict=True))
    again = train_rlhf(
        _model(tok, dtype=torch.float32), ref, rm, prompts, tok.eos_token_id, tok.pad_token_id, cfg
    )
    assert [h["reward"] for h in again] == pytest.approx([h["reward"] for h in hist], abs=1e-5)  # 재현 가능


def test_label_pairs_with_rule_judge():
    res = label_pairs(
        ["질문1", "질문2", "질문3", "질문4"],
        ["짧은 답", "같은 답", "긴 답입니다 정말로", "둘"],
        ["조금 더 긴 답", "같은 답", "짧다", "셋"],
        judge=lambda p, r: -len(r),  # 규칙 심판: 짧을수록 좋다
    )
    assert res.n_ties == 2  # 같은 응답 하나 + 점수(길이)가 같은 쌍 하나
    assert [(d["chosen"], d["rejected"]) for d in res.pairs] == [
        ("짧은 답", "조금 더 긴 답"),
        ("짧다", "긴 답입니다 정말로"),
    ]
    assert all(d["margin"] > 0 for d in res.pairs)
    with pytest.raises(ValueError, match="길이가 같아야"):
        label_pairs(["a"], ["b", "c"], ["d"], judge=len)


# ---------------------------------------------------------------------------------------------------------------
# 잘못된 입력
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("example", "match"),
    [
        ({"prompt": "", "chosen": "네", "rejected": "아니요"}, "'prompt': 비어 있습니다"),
        ({"prompt": "질문", "chosen": "  ", "rejected": "아니요"}, "'chosen': 비어 있습니다"),
        ({"prompt": "질문", "chosen": "네", "rejected": ""}, "'rejected': 비어 있습니다"),
        ({"prompt": "질문", "chosen": "같다", "rejected": "같다"}, "같습니다: '같다'"),
        ({"prompt": "질문", "chosen": "네"}, "없는 필드: 'rejected'"),
    ],
)
def test_bad_preferences(example, match):
    with pytest.raises(ValueError, match=match):
        check_preference(example)


def test_bad_preference_types_and_nfc():
    import unicodedata

    with pytest.raises(TypeError, match="'chosen': str이어야 합니다 \\(받은 타입 int\\)"):
        check_preference({"prompt": "질문", "chosen": 3, "rejected": "아니요"})
    nfd = unicodedata.normalize("NFD", "한국어")
    assert check_preference({"prompt": nfd, "chosen": "네", "rejected": "아니요"})[0] == "한국어"
    # NFC 로 바꾸면 같아지는 두 응답도 같은 것으로 본다
    with pytest.raises(ValueError, match="같습니다"):
        check_preference({"prompt": "질문", "chosen": nfd, "rejected": "한국어"})


@pytest.mark.parametrize("beta", [0, -0.1, float("nan"), float("inf")])
def test_bad_beta(beta):
    x = torch.zeros(2)
    with pytest.raises(ValueError, match="beta"):
        dpo_loss(x, x, x, x, beta=beta)
    with pytest.raises(ValueError, match="beta"):
        DPOTrainConfig(beta=beta)


def test_bad_configs_and_shapes(tok, examples):
    with pytest.raises(ValueError, match="epochs"):
        DPOTrainConfig(epochs=0)
    for bad in (-0.1, float("nan"), "1"):
        with pytest.raises(ValueError, match="sft_coef"):
            DPOTrainConfig(sft_coef=bad)
    with pytest.raises(ValueError, match="lr"):
        RewardConfig(lr=-1)
    with pytest.raises(ValueError, match="kl_coef"):
        RLHFConfig(kl_coef=-0.5)
    with pytest.raises(ValueError, match="모양이 같아야"):
        dpo_loss(torch.zeros(2), torch.zeros(3), torch.zeros(2), torch.zeros(2))
    with pytest.raises(ValueError, match="examples가 비어"):
        collate_preferences([], tok.pad_token_id)
    with pytest.raises(ValueError, match="max_length"):
        tokenize_preference({"prompt": "질문", "chosen": "네", "rejected": "아니요"}, tok, max_length=3)
    with pytest.raises(ValueError, match="eval_examples"):
        m = _model(tok, dtype=torch.float32)
        train_dpo(m, copy.deepcopy(m), examples[:2], tok.pad_token_id, DPOTrainConfig(eval_every=1))


# ---------------------------------------------------------------------------------------------------------------
# 배포한 체크포인트
# ---------------------------------------------------------------------------------------------------------------


def test_load_checkpoint_bad_path(tmp_path):
    with pytest.raises(ValueError, match="recipe.json"):
        load_checkpoint(str(tmp_path))


def test_shipped_checkpoint_matches_recipe():
    import hashlib

    from llmnotes.paths import data_dir

    path = data_dir() / "models" / "tiny-ko-gpt-dpo"
    if not (path / "recipe.json").is_file():
        pytest.skip("data/models/tiny-ko-gpt-dpo 가 아직 없다 (python -m llmnotes.align --out ... 로 만든다)")
    ck = load_checkpoint()
    for name, digest in ck["recipe"]["files"].items():
        assert hashlib.sha256((path / name).read_bytes()).hexdigest() == digest, name
    total = (
        sum((path / n).stat().st_size for n in ck["recipe"]["files"]) + (path / "recipe.json").stat().st_size
    )
    assert total <= 10 * 1024 * 1024  # ≤ 10 MB
    tok = ck["tokenizer"]
    test_ex = [tokenize_preference(p, tok) for p in load_preferences("test")]
    refs = reference_logprobs(ck["reference"], test_ex, tok.pad_token_id)
    beta = ck["recipe"]["recipe"]["dpo_beta"]
    ev = evaluate_dpo(ck["policy"], test_ex, tok.pad_token_id, refs, beta)
    assert ev.accuracy == pytest.approx(ck["recipe"]["results"]["dpo"]["test_accuracy"], abs=1e-9)
    # 개발 쌍: 기록된 id 가 split_dev 로 다시 뗀 것과 같고, 정확도도 다시 계산해 같다
    dpo = ck["recipe"]["results"]["dpo"]
    rec = ck["recipe"]["recipe"]
    _, dev = split_dev(load_preferences("train"), rec["dev_per_signal"], rec["seed"])
    assert [p.id for p in dev] == dpo["dev_ids"]
    dev_ex = [tokenize_preference(p, tok) for p in dev]
    dev_ref = reference_logprobs(ck["reference"], dev_ex, tok.pad_token_id)
    ev_dev = evaluate_dpo(ck["policy"], dev_ex, tok.pad_token_id, dev_ref, beta)
    assert ev_dev.accuracy == pytest.approx(dpo["dev_accuracy"], abs=1e-9)
    signals = [p.signal for p in load_preferences("test")]
    for s, acc in dpo["test_accuracy_by_signal"].items():
        m = ev.margins[[i for i, x in enumerate(signals) if x == s]]
        assert float((m > 0).float().mean() + 0.5 * (m == 0).float().mean()) == pytest.approx(acc, abs=1e-6)
    acc, _ = reward_accuracy(ck["reward_model"], test_ex, tok.pad_token_id)
    assert acc == pytest.approx(ck["recipe"]["results"]["reward_model"]["test_accuracy"], abs=1e-9)
    # 시드 연구: 배포한 시드의 기록은 배포한 정책의 개발·시험 정확도와 같아야 한다 (같은 학습을 다시 한 것)
    study = ck["recipe"]["results"].get("dpo_seed_study")
    if study is not None:
        assert [r["seed"] for r in study] == list(rec["dpo_seed_study"])
        mine = [r for r in study if r["seed"] == rec["seed"]]
        assert len(mine) == 1
        assert mine[0]["test_accuracy"] == pytest.approx(dpo["test_accuracy"], abs=1e-9)
        assert mine[0]["dev_accuracy"] == pytest.approx(dpo["dev_accuracy"], abs=1e-9)
        assert mine[0]["test_accuracy_by_signal"] == pytest.approx(dpo["test_accuracy_by_signal"], abs=1e-9)


def test_knowledge_instructions_cover_relations_with_correct_facts():
    from llmnotes.align import _formal
    from llmnotes.textgen import RELATIONS

    data = knowledge_instructions(per_fact=2, seed=0)
    # 사실·방향마다 2개: 값이 겹치지 않는 네 관계는 두 방향, 과일–맛은 한 방향
    n_facts = {k: len(v) for k, v in RELATIONS.items()}
    expected = 2 * (2 * (sum(n_facts.values()) - n_facts["과일-맛"]) + n_facts["과일-맛"])
    assert len(data) == expected
    assert data == knowledge_instructions(per_fact=2, seed=0)
    assert data != knowledge_instructions(per_fact=2, seed=1)
    assert len({(d["instruction"], d["output"]) for d in data}) == len(data)
    assert len(knowledge_instructions(per_fact=3)) == expected // 2 * 3
    pairs = {(d["instruction"], d["output"]) for d in knowledge_instructions(per_fact=9)}
    assert "독일의 수도는 베를린입니다." in {a for _, a in pairs}
    assert ("베를린은 어느 나라의 수도인가요?", "독일입니다.") in pairs
    assert ("대나무를 좋아하는 동물은 무엇인가요?", "판다가 대나무를 좋아합니다.") in pairs
    assert "개구리는 개굴개굴 하고 울어요." in {a for _, a in pairs}
    assert ("병원에서 일하는 사람은 누구인가요?", "의사입니다.") in pairs
    assert "레몬은 맛이 십니다." in {a for _, a in pairs}
    # 모든 질문–답에 세계의 이름이 있고, 틀 자리표시가 남지 않았다
    for d in data:
        ents = world_entities(d["instruction"] + " " + d["output"])
        assert ents, d
        assert "{" not in d["instruction"] + d["output"], d
    assert [_formal(w) for w in ("달다", "시다", "부드럽다", "시원하다")] == [
        "답니다",
        "십니다",
        "부드럽습니다",
        "시원합니다",
    ]


@pytest.mark.parametrize("per_fact", [0, -1, 1.5, True, 16])
def test_knowledge_instructions_bad_per_fact(per_fact):
    with pytest.raises(ValueError, match="per_fact"):
        knowledge_instructions(per_fact=per_fact)


def test_formal_bad_adjective():
    from llmnotes.align import _formal

    with pytest.raises(ValueError, match="adjective"):
        _formal("사과")
