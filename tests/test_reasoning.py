"""문장제 생성기, 한글 수 읽기, 풀이 형식, 단계별 검증, 다수결, 추론 모델의 인코딩과 생성."""

from __future__ import annotations

import math
import random
import unicodedata

import pytest
import torch

from llmnotes.reasoning import (
    MAX_STEPS,
    STYLES,
    check_steps,
    format_target,
    majority_vote,
    make_problem,
    make_split,
    parse_answer,
    parse_plan,
    problem_key,
    read_native,
    read_sino,
    steps_ok,
)
from llmnotes.safe_eval import safe_eval


def test_generator_is_seeded_and_consistent():
    a = [make_problem(random.Random(3), s) for s in (1, 2, 3, 4)]
    b = [make_problem(random.Random(3), s) for s in (1, 2, 3, 4)]
    assert a == b
    rng = random.Random(0)
    for _ in range(2000):
        p = make_problem(rng, rng.randint(1, MAX_STEPS))
        assert unicodedata.is_normalized("NFC", p.text)
        assert p.text.endswith("몇 개일까?")
        assert str(p.numbers[0]) in p.text and all(f"{b}개를" in p.text for b in p.numbers[1:])
        value = p.numbers[0]
        for op, b, v in zip(p.ops, p.numbers[1:], p.values, strict=True):
            value = value + b if op == "+" else value - b
            assert v == value and 0 <= v <= 99  # 중간 결과가 0..99 안
        assert p.answer == value == safe_eval(p.expression)


def test_josa_in_problem_text():
    texts = {make_problem(random.Random(i), 1).text.split(" ")[0] for i in range(200)}
    assert "사탕이" in texts and "사과가" in texts  # 받침 있으면 '이', 없으면 '가'


def test_split_disjoint_and_excludes():
    dev = make_split(1, 20)
    test = make_split(2, 20, exclude={problem_key(p) for p in dev})
    assert len(dev) == len(test) == 80
    assert [sum(p.steps == s for p in dev) for s in range(1, 5)] == [20, 20, 20, 20]
    assert not {problem_key(p) for p in dev} & {problem_key(p) for p in test}
    with pytest.raises(ValueError, match="n_per_level"):
        make_split(0, 0)
    with pytest.raises(ValueError, match="steps"):
        make_problem(random.Random(0), 5)
    with pytest.raises(TypeError, match="rng"):
        make_problem(0, 1)


@pytest.mark.parametrize(
    "n, sino",
    [(0, "영"), (1, "일"), (10, "십"), (11, "십일"), (23, "이십삼"), (100, "백"), (105, "백오"), (1000, "천"),
     (1234, "천이백삼십사"), (10000, "일만"), (20300, "이만삼백"), (12345678, "천이백삼십사만오천육백칠십팔")],
)  # fmt: skip
def test_read_sino(n, sino):
    assert read_sino(n) == sino


@pytest.mark.parametrize(
    "n, plain, counter",
    [(1, "하나", "한"), (2, "둘", "두"), (3, "셋", "세"), (4, "넷", "네"), (5, "다섯", "다섯"), (10, "열", "열"),
     (20, "스물", "스무"), (21, "스물하나", "스물한"), (23, "스물셋", "스물세"), (40, "마흔", "마흔"),
     (99, "아흔아홉", "아흔아홉")],
)  # fmt: skip
def test_read_native(n, plain, counter):
    assert read_native(n) == plain
    assert read_native(n, counter=True) == counter


def test_read_number_errors():
    for bad in (-1, 10**8, 1.5, True):
        with pytest.raises(ValueError, match="n"):
            read_sino(bad)
    for bad in (0, 100):
        with pytest.raises(ValueError, match="n"):
            read_native(bad)


def test_formats_and_parsers():
    p = make_problem(random.Random(5), 3)
    direct, cot, plan = (format_target(p, s) for s in STYLES)
    assert direct == f"답:{p.answer}"
    assert cot.endswith(direct) and cot.count("=") == 3
    assert plan == f"식:{p.expression}|{direct}"
    for t in (direct, cot, plan):
        assert parse_answer(t) == p.answer
    assert parse_plan(plan) == p.expression and parse_plan(cot) is None
    assert steps_ok(cot) and all(c.ok for c in check_steps(cot))
    with pytest.raises(ValueError, match="style"):
        format_target(p, "tree")
    assert parse_answer("23+15=38") is None and parse_answer("답:") is None


def test_step_checker_finds_each_error_kind():
    ok = "23+15=38,38-8=30,답:30"
    assert steps_ok(ok)
    calc = check_steps("23+15=39,39-8=31,답:31")  # 첫 줄 계산이 틀렸다 (뒤는 그 값으로 맞게 이어 간다)
    assert [c.reason for c in calc] == ["계산", "", ""]
    link = check_steps("23+15=38,37-8=29,답:29")  # 앞 줄 결과를 잘못 옮겼다
    assert [c.reason for c in link] == ["", "연결", ""]
    answer = check_steps("23+15=38,38-8=30,답:31")  # 마지막 답이 계산과 다르다
    assert [c.reason for c in answer] == ["", "", "연결"]
    form = check_steps("23+1x=38,답:38")
    assert form[0].reason == "형식"
    assert not steps_ok("23+15=38,38-8=30")  # 답 줄이 없다
    assert not steps_ok("")


def test_majority_vote():
    assert majority_vote([3, 5, 5, None, 3, 5]) == 5
    assert majority_vote([7, 3, 3, 7]) == 7  # 동점이면 먼저 나온 답
    assert majority_vote([None, None]) is None
    assert majority_vote([]) is None
    with pytest.raises(TypeError, match="answers"):
        majority_vote(5)


# --- 추론 모델 쪽 (llmnotes.reasoner) ------------------------------------------------------------------------


def test_encode_batch_masks_only_target():
    from llmnotes.reasoner import EOS, PROMPT_LEN, SEQ_LEN, VOCAB, encode_batch

    ps = [make_problem(random.Random(i), 4) for i in range(3)]
    for style in STYLES:
        x, y = encode_batch(ps, style)
        assert x.shape == y.shape == (3, SEQ_LEN)
        for i, p in enumerate(ps):
            kept = y[i][y[i] != -100].tolist()
            assert VOCAB.decode(kept) == format_target(p, style) and kept[-1] == VOCAB.stoi[EOS]
            assert VOCAB.decode(x[i, :PROMPT_LEN].tolist()) == p.text  # 문제 뒤의 채움은 읽을 때 빠진다
    with pytest.raises(ValueError, match="어휘"):
        VOCAB.encode("사과가 3개 있다!")


def test_hf_generation_equals_our_greedy_generation():
    """generate() 는 같은 가중치의 GPT2LMHeadModel(KV 캐시)로 생성한다: 우리 GPT.generate 와 같은 토큰."""
    from llmnotes.reasoner import EOS, VOCAB, ReasonerConfig, build_model, generate, prompt_ids

    model = build_model(ReasonerConfig(n_layer=1, n_embd=32, n_head=2)).eval()
    ps = [make_problem(random.Random(i), 2) for i in range(4)]
    ours = model.generate(prompt_ids(ps), max_new_tokens=12, eos_token_id=VOCAB.stoi[EOS])
    theirs = generate(model, ps)
    for i in range(4):
        assert VOCAB.decode(ours[i, prompt_ids(ps).size(1) :].tolist())[:10] == theirs[i][0][:10]
    a = generate(model, ps[:2], samples=3, temperature=1.0, seed=4)
    b = generate(model, ps[:2], samples=3, temperature=1.0, seed=4)
    assert a == b and len(a[0]) == 3
    with pytest.raises(ValueError, match="samples"):
        generate(model, ps, samples=0)
    assert torch.equal(prompt_ids(ps[:1]), prompt_ids(ps[:1]))


def test_recipe_helpers():
    """레시피의 채점 도우미: PoT 답(식 → 안전한 계산기), k 별 다수결 곡선(검증 필터 포함)."""
    from llmnotes.recipes.reasoners import pot_answer, vote_curve

    assert pot_answer("식:23+5-8|답:99") == 20  # 모델이 쓴 답이 아니라 식을 계산한 값
    assert pot_answer("식:__import__('os')|답:1") is None  # 계산기가 거절하면 답 없음
    assert pot_answer("답:20") is None
    p = make_problem(random.Random(0), 1)
    good = format_target(p, "cot")
    a, b = p.numbers
    wrong = f"{a}{p.ops[0]}{b}={p.answer + 1},답:{p.answer + 1}"  # 계산이 틀린 풀이
    samples = [[wrong] * 10 + [good] * 6]  # 16개 중 정답 6개
    curve = vote_curve([p], samples, verify=False)
    assert curve["1"] == 6 / 16 and curve["16"] == 0.0
    assert vote_curve([p], samples, verify=True)["16"] == 1.0  # 검증기가 틀린 풀이를 걸러 낸다


def test_train_reasoner_smoke():
    from llmnotes.reasoner import ReasonerConfig, train_reasoner

    cfg = ReasonerConfig(n_layer=1, n_embd=16, n_head=2, steps=3, batch_size=4, warmup=1)
    model, losses = train_reasoner("cot", cfg, exclude=set())
    assert len(losses) == 3 and all(math.isfinite(x) for x in losses)
    with pytest.raises(ValueError, match="style"):
        train_reasoner("tree", cfg, exclude=set())


def test_prompt_layout_puts_each_number_at_a_fixed_position():
    """문제는 왼쪽에 붙이고 채움은 구분 기호 앞에: 단계 k 의 수는 문제마다 같은 자리에 온다."""
    from llmnotes.reasoner import PROMPT_LEN, SEP, VOCAB, prompt_ids

    ps = [make_problem(random.Random(i), 4) for i in range(50)]
    ids = prompt_ids(ps)
    assert ids.shape == (50, PROMPT_LEN + 1) and bool((ids[:, -1] == VOCAB.stoi[SEP]).all())
    for p, row in zip(ps, ids, strict=True):
        text = VOCAB.decode(row.tolist())
        assert text.startswith(p.text)
        assert text[4:6] == str(p.numbers[0])  # 처음 수 (두 글자 물건 + 조사 + 공백 뒤)
        for k, b in enumerate(p.numbers[1:]):
            assert text[13 + 9 * k] == str(b)  # 단계 k 의 수: 문장 하나가 9글자


def test_train_grpo_runs_and_one_update_favours_the_rewarded_solution():
    """train_grpo 가 돌고, 손으로 만든 묶음에서 한 번 갱신하면 보상 받은 풀이의 로그확률이 오른다 (β=0)."""
    from llmnotes.grpo import completion_logprobs
    from llmnotes.reasoner import (
        PROMPT_LEN,
        GRPOConfig,
        ReasonerConfig,
        build_model,
        rollout_batch,
        train_grpo,
    )

    model = build_model(ReasonerConfig(n_layer=1, n_embd=16, n_head=2))
    cfg = GRPOConfig(steps=2, problems_per_step=2, group_size=4, lr=1e-3, beta=0.1)
    model, hist = train_grpo(model, cfg, exclude=set())
    assert len(hist) == 2 and all(0.0 <= h["reward"] <= 1.0 and h["kl"] >= 0.0 for h in hist)
    with pytest.raises(ValueError, match="group_size"):
        GRPOConfig(group_size=1)
    with pytest.raises(ValueError, match="beta"):
        GRPOConfig(beta=-1.0)
    with pytest.raises(ValueError, match="optimizer"):
        GRPOConfig(optimizer="rmsprop")
    with pytest.raises(ValueError, match="reward"):
        GRPOConfig(reward="partial")
    with pytest.raises(ValueError, match="loss"):
        GRPOConfig(loss="ppo")
    emb = model.transformer.wte.weight.detach().clone()
    model, hist = train_grpo(model, GRPOConfig(steps=1, problems_per_step=2, group_size=4, lr=1e-2, loss="dr_grpo",
                                               reward="lines", freeze_embeddings=True), exclude=set())  # fmt: skip
    assert torch.equal(model.transformer.wte.weight, emb)  # 임베딩(=출력층)은 그대로
    assert all(p.requires_grad for p in model.parameters())  # 끝나면 다시 학습 가능
    model.transformer.wpe.weight.requires_grad_(False)  # 호출한 쪽이 얼려 둔 것은 끝난 뒤에도 얼어 있다
    model, _ = train_grpo(model, GRPOConfig(steps=1, problems_per_step=2, group_size=4, freeze_embeddings=True),
                          exclude=set())  # fmt: skip
    assert not model.transformer.wpe.weight.requires_grad and model.transformer.wte.weight.requires_grad
    model.transformer.wpe.weight.requires_grad_(True)
    model, hist = train_grpo(model, GRPOConfig(steps=1, problems_per_step=2, group_size=4, lr=0.1, optimizer="sgd"),
                             exclude=set())  # fmt: skip
    assert len(hist) == 1
    # 손으로 만든 묶음: 정답 풀이 하나, 오답 풀이 셋 → 갱신 뒤 정답 풀이의 로그확률이 오른다.
    import torch as _t

    from llmnotes.grpo import group_advantages, grpo_loss

    p = make_problem(random.Random(0), 1)
    good = format_target(p, "cot")
    bad = good.replace(f"답:{p.answer}", f"답:{(p.answer + 1) % 100}")
    ids, mask = rollout_batch([p], [[good, bad, bad, bad]])
    adv = group_advantages(_t.tensor([1.0, 0.0, 0.0, 0.0]), 4)
    opt = _t.optim.SGD(model.parameters(), lr=0.5)
    before = completion_logprobs(model, ids, PROMPT_LEN + 1)
    loss, _ = grpo_loss(before, before.detach(), before.detach(), adv, mask, beta=0.0)
    opt.zero_grad()
    loss.backward()
    opt.step()
    with _t.no_grad():
        after = completion_logprobs(model, ids, PROMPT_LEN + 1)
    seq = lambda lp: (lp * mask).sum(1)  # noqa: E731
    assert seq(after)[0] > seq(before.detach())[0]
    assert seq(after)[1] < seq(before.detach())[1]


def test_shipped_reasoners_match_their_recipe_record():
    """배포한 체크포인트: 파일 해시가 recipe.json 과 같고, 기록된 시험 결과가 노트북이 말하는 방향이다."""
    import hashlib
    import json

    from llmnotes.paths import models_dir
    from llmnotes.recipes.reasoners import data_hash, splits

    root = models_dir() / "reasoners"
    recipe = json.loads((root / "recipe.json").read_text(encoding="utf-8"))
    for name, digest in recipe["file_sha256"].items():
        assert hashlib.sha256((root / name).read_bytes()).hexdigest() == digest
        assert (root / name).stat().st_size < 10 * 2**20
    dev, test = splits()
    assert recipe["splits"]["dev_sha256"] == data_hash(dev) and recipe["splits"]["test_sha256"] == data_hash(
        test
    )
    res = json.loads((root / "results.json").read_text(encoding="utf-8"))["eval"]["test"]
    assert all(res["cot"][k] > res["direct"][k] for k in "1234")
    assert res["cot"]["4"] >= res["direct"]["4"] + 0.30  # 이슈 17 의 목표: 가장 어려운 난이도에서 +30점
    assert all(res["pot"][k] >= 0.95 for k in "1234")


def test_rollout_scores_exactly_the_sampled_tokens():
    """GRPO 버그의 회귀 테스트: 생성한 풀이를 다시 토큰으로 만들면 모델이 실제로 뽑은 토큰과 같아야 한다.

    예전 generate() 는 풀이를 읽을 때 채움 기호 '_' 를 뺐다. 그러면 '답:7_5' 를 뽑은 풀이가 '답:75' 로 채점되고,
    rollout_batch 는 뽑지 않은 시퀀스의 로그확률을 계산했다. 끝 기호 없이 길이 상한에서 멈춘 풀이에 끝 기호를 붙이는 것도
    뽑지 않은 토큰이다. 무작위 초기화 모델은 채움 기호와 긴 풀이를 자주 뽑으므로 두 경우가 모두 나온다.
    """
    from llmnotes.gpt import to_hf
    from llmnotes.grpo import completion_logprobs
    from llmnotes.reasoner import (
        EOS,
        PAD,
        PROMPT_LEN,
        TARGET_LEN,
        VOCAB,
        ReasonerConfig,
        build_model,
        generate,
        prompt_ids,
        rollout_batch,
    )

    model = build_model(ReasonerConfig(n_layer=1, n_embd=16, n_head=2)).eval()
    ps = [make_problem(random.Random(i), 3) for i in range(4)]
    texts = generate(model, ps, samples=8, temperature=1.0, seed=3)
    flat = [t for outs in texts for t in outs]
    assert any(PAD in t for t in flat)  # 채움 기호를 뽑은 풀이가 있다 (버그가 드러나는 경우)
    assert any(len(t) == TARGET_LEN for t in flat)  # 끝 기호 없이 멈춘 풀이가 있다
    # 같은 시드로 generate() 안의 샘플링을 되풀이해 날 토큰을 얻는다.
    hf = to_hf(model).eval()
    prompts = prompt_ids(ps).repeat_interleave(8, dim=0)
    torch.manual_seed(3)
    raw = hf.generate(input_ids=prompts, attention_mask=torch.ones_like(prompts), max_new_tokens=TARGET_LEN,
                      eos_token_id=VOCAB.stoi[EOS], pad_token_id=VOCAB.stoi[EOS], do_sample=True,
                      temperature=1.0, top_k=0, top_p=1.0)  # fmt: skip
    ids, mask = rollout_batch(ps, texts)
    comp = raw[:, PROMPT_LEN + 1 :]
    for i, row in enumerate(comp.tolist()):
        n = int(mask[i].sum())
        sampled = row[: row.index(VOCAB.stoi[EOS]) + 1] if VOCAB.stoi[EOS] in row else row
        assert ids[i, PROMPT_LEN + 1 : PROMPT_LEN + 1 + n].tolist() == sampled  # 점수 매길 토큰 = 뽑은 토큰
    with torch.no_grad():
        lp = completion_logprobs(model, ids, PROMPT_LEN + 1)
        logits = model(raw[:, :-1])[0][:, PROMPT_LEN:]
        raw_lp = torch.log_softmax(logits, -1).gather(-1, comp[..., None])[..., 0]
    L = mask.size(1)
    torch.testing.assert_close(lp * mask, raw_lp[:, :L] * mask, rtol=0, atol=1e-5)
    with pytest.raises(ValueError, match="TARGET_LEN"):
        rollout_batch(ps[:1], [["1" * (TARGET_LEN + 1)]])


def _planted_groups():
    """문제 3개 × 풀이 4개. 문제 1 의 풀이 2 에만 맞는 풀이를 심고, 문제 2 의 풀이 0 에는 틀린 줄을 거쳐 우연히 맞은 답을 심는다."""
    ps = [make_problem(random.Random(10 + i), 2) for i in range(3)]
    wrong = [[f"1+1=2,답:{(p.answer + 1) % 1000}"] * 4 for p in ps]
    wrong[1][2] = format_target(ps[1], "cot")
    a, b = ps[2].numbers[0], ps[2].numbers[1]
    wrong[2][0] = f"{a}+{b}={a + b + 1},답:{ps[2].answer}"  # 첫 줄 계산이 틀렸는데 답은 맞다
    return ps, wrong


def test_rewards_and_advantages_line_up_with_rollout_rows():
    """보상·이점의 i·G + j 번째 값이 rollout_batch 의 같은 행 (문제 i 의 프롬프트 + 풀이 j) 에 붙는다."""
    from llmnotes.grpo import group_advantages
    from llmnotes.reasoner import PROMPT_LEN, VOCAB, reward, rollout_batch, rollout_rewards

    ps, texts = _planted_groups()
    r = rollout_rewards(ps, texts)
    assert r.tolist() == [0.0] * 6 + [1.0] + [0.0] * 1 + [1.0] + [0.0] * 3
    rv = rollout_rewards(ps, texts, "verified")
    assert rv.tolist() == [0.0] * 6 + [1.0] + [0.0] * 5  # 틀린 줄을 거친 답은 검증 보상을 받지 못한다
    adv = group_advantages(r, 4)
    assert adv[6] > 0 and adv[8] > 0 and (adv[[4, 5, 7]] < 0).all() and (adv[:4] == 0).all()
    ids, mask = rollout_batch(ps, texts)
    for row in (6, 8):
        i, j = divmod(row, 4)
        assert VOCAB.decode(ids[row, : PROMPT_LEN + 1].tolist()) == ps[i].text + "▷"
        n = int(mask[row].sum())
        assert n == len(texts[i][j]) + 1  # 풀이 + 끝 기호까지만 마스크 1
        assert VOCAB.decode(ids[row, PROMPT_LEN + 1 :].tolist(), keep_pad=True) == texts[i][j]
    assert reward(ps[1], texts[1][2], "verified") == 1.0
    with pytest.raises(ValueError, match="kind"):
        reward(ps[0], "답:1", "partial")


def test_grpo_update_end_to_end_moves_planted_solutions_by_their_reward():
    """레시피가 쓰는 한 단계(grpo_update): 심어 둔 맞는 풀이의 로그확률은 오르고, 같은 묶음의 오답은 내린다 (β=0)."""
    import copy

    from llmnotes.grpo import completion_logprobs
    from llmnotes.reasoner import (
        PROMPT_LEN,
        GRPOConfig,
        ReasonerConfig,
        build_model,
        grpo_update,
        rollout_batch,
    )

    ps, texts = _planted_groups()
    ids, mask = rollout_batch(ps, texts)
    # 묶음 0 은 모두 틀려 이점이 0; 보상 받은 풀이와 같은 묶음의 오답만 벌을 받는다.
    for kind, rewarded, punished in (("answer", [6, 8], [4, 5, 7, 9, 10, 11]), ("verified", [6], [4, 5, 7])):
        model = build_model(ReasonerConfig(n_layer=1, n_embd=16, n_head=2))
        ref = copy.deepcopy(model)
        opt = torch.optim.SGD(model.parameters(), lr=0.5)
        seq = lambda m: (completion_logprobs(m, ids, PROMPT_LEN + 1).detach() * mask).sum(1)  # noqa: E731
        before = seq(model)
        r, kl = grpo_update(model, ref, opt, ps, texts, GRPOConfig(group_size=4, beta=0.0, reward=kind))
        delta = seq(model) - before
        assert r.nonzero().flatten().tolist() == rewarded and kl == pytest.approx(0.0, abs=1e-6)
        assert all(delta[k] > 0 for k in rewarded), (kind, delta)
        assert all(delta[k] < 0 for k in punished), (kind, delta)
