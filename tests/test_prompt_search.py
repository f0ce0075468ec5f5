"""프롬프트 탐색: 템플릿, 레이블 로그 확률(채움 불변), 돌연변이·선택, 소프트 프롬프트, 배포한 결과."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest
import torch

import llmnotes
from llmnotes.paths import models_dir
from llmnotes.prompt_search import (
    INSTRUCTIONS,
    LABEL_PAIRS,
    SUFFIXES,
    Example,
    SoftPrompt,
    Template,
    accuracy,
    evolve,
    label_ids,
    label_logprobs,
    mutate,
    review_examples,
    soft_accuracy,
    train_soft_prompt,
)

SHIPPED = Path(llmnotes.__file__).resolve().parents[2] / "data" / "models" / "prompt-search"


@pytest.fixture(scope="module")
def tok():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(models_dir() / "tiny-ko-llama")


@pytest.fixture(scope="module")
def tiny(tok):
    """무작위 가중치의 작은 LlamaForCausalLM (척추 토크나이저의 어휘)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256)  # fmt: skip
    return LlamaForCausalLM(cfg).eval()


def test_template_parts_and_label_tokens(tok):
    t = Template(instruction="지시.", context="맥락.", suffix=" 결론은", labels=(" 나", " 좋다"))
    assert t.render("리뷰 본문.") == "지시.\n맥락.\n리뷰 본문. 결론은"
    assert Template(suffix=" 정말").render("본문.") == "본문. 정말"
    for pair in LABEL_PAIRS:  # 탐색에 쓰는 레이블 낱말은 모두 토큰 하나
        assert len(label_ids(tok, pair)) == 2
    with pytest.raises(ValueError, match="labels"):
        label_ids(tok, (" 나", " 최악"))


def test_review_examples_drop_the_star_sentence():
    ex = review_examples(12, seed=3)
    assert len(ex) == 12 and {e.label for e in ex} <= {0, 1}
    assert not any("별점은" in e.text for e in ex)  # 답을 알려 주는 별점 문장은 뗀다
    assert review_examples(12, seed=3) == ex  # 같은 시드 → 같은 리뷰
    with pytest.raises(ValueError, match="n"):
        review_examples(0, seed=0)


def test_label_logprobs_ignores_padding(tiny, tok):
    prompts = ["짧은 글. 정말", "이것은 조금 더 긴 리뷰 본문이다. 품질이 좋고 다시 사고 싶다. 정말"]
    both = label_logprobs(tiny, tok, prompts, (" 나", " 좋다"))
    one = label_logprobs(tiny, tok, prompts[:1], (" 나", " 좋다"))
    assert both.shape == (2, 2) and (both < 0).all()
    torch.testing.assert_close(one[0], both[0], atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="prompts"):
        label_logprobs(tiny, tok, [], (" 나", " 좋다"))
    with pytest.raises(ValueError, match="examples"):
        accuracy(tiny, tok, Template(), [])


def test_mutate_stays_in_the_pools():
    rng = random.Random(0)
    t = Template(suffix=" 정말", labels=LABEL_PAIRS[0])
    seen = set()
    for _ in range(200):
        t = mutate(t, rng)
        seen.add(t)
        assert t.instruction in INSTRUCTIONS and t.labels in LABEL_PAIRS
        assert all(f" {p}" in SUFFIXES for p in t.suffix.split())
    assert len(seen) > 20  # 돌연변이가 실제로 여러 템플릿을 만든다


def test_evolve_keeps_the_best_and_never_gets_worse():
    def score(t: Template) -> float:  # 장난감 점수: ' 결론은' 조각 수와 레이블 쌍
        return t.suffix.count("결론은") + (t.labels == LABEL_PAIRS[2])

    bests = []
    final = evolve(score, [Template(suffix=" 정말", labels=LABEL_PAIRS[0])], generations=15, children=6, keep=3,
                   seed=1, on_generation=lambda g, s, t: bests.append(s))  # fmt: skip
    assert bests == sorted(bests) and bests[-1] >= 2  # 선택이라 가장 좋은 점수는 내려가지 않는다
    assert final[0][0] == bests[-1] and len(final) == 3
    with pytest.raises(ValueError, match="start"):
        evolve(score, [], 1, 1, 1)
    with pytest.raises(ValueError, match="keep"):
        evolve(score, [Template()], 1, 1, 0)


def test_soft_prompt_learns_to_move_the_answer(tiny, tok):
    # 무작위 작은 모델에서도 벡터 프롬프트만으로 답을 한쪽(긍정)으로 옮길 수 있어야 한다 (모델 가중치는 그대로)
    train = [Example("정말 좋다. 추천한다.", 1), Example("너무 별로다. 실망했다.", 1)] * 4
    tmpl = Template(suffix=" 정말", labels=(" 나", " 좋다"))
    before = [p.clone() for p in tiny.parameters()]
    soft, losses = train_soft_prompt(tiny, tok, tmpl, train, n_tokens=4, steps=30, batch_size=8, lr=0.5)
    assert all(torch.equal(a, b) for a, b in zip(before, tiny.parameters()))
    assert losses[-1] < losses[0] - 0.2
    assert soft_accuracy(soft, tiny, tok, tmpl, train) == 1.0
    assert all(p.requires_grad for p in tiny.parameters())  # 학습 중에만 얼리고 되돌린다
    for kw, name in (({"lr": 0.0}, "lr"), ({"batch_size": 0}, "batch_size"), ({"n_tokens": 0}, "n_tokens")):
        with pytest.raises(ValueError, match=name):
            train_soft_prompt(tiny, tok, tmpl, train, **kw)
    with pytest.raises(ValueError, match="init"):
        SoftPrompt(4, 32, init=torch.zeros(3, 32))
    with pytest.raises(ValueError, match="n_tokens"):
        SoftPrompt(0, 32)


def test_soft_prompt_equals_the_discrete_prompt_it_embeds(tiny, tok):
    """연속 프롬프트는 이산 프롬프트의 연속 완화다: 벡터를 실제 토큰들의 임베딩으로 두면, 그 토큰들을 글로 이어 붙여
    transformers 모델에 ``input_ids`` 로 넣은 것과 같은 로그 확률이 나와야 한다 (허용 오차 1e-5)."""
    prompts = ["배송이 빨라서 좋았어요.", "포장이 엉망이고 다시는 안 삽니다."]
    suffix = " 정말 정말"
    suffix_ids = tok(suffix, add_special_tokens=False)["input_ids"]
    for p in prompts:  # 경계에서 BPE 가 토큰을 합치지 않는지 먼저 확인 (그래야 두 입력이 같은 토큰열이다)
        assert tok(p + suffix, add_special_tokens=False)["input_ids"] == (
            tok(p, add_special_tokens=False)["input_ids"] + suffix_ids
        )
    emb = tiny.get_input_embeddings().weight.detach()
    soft = SoftPrompt(len(suffix_ids), emb.shape[1], init=emb[suffix_ids])
    with torch.no_grad():
        ours = soft(tiny, tok, prompts, (" 나", " 좋다"))
    ref = label_logprobs(tiny, tok, [p + suffix for p in prompts], (" 나", " 좋다"))
    torch.testing.assert_close(ours, ref, atol=1e-5, rtol=1e-5)


def test_shipped_results_match_their_record():
    """배포한 소프트 프롬프트의 해시, 탐색 곡선이 결과 파일과 앞뒤가 맞는다."""
    recipe = json.loads((SHIPPED / "recipe.json").read_text(encoding="utf-8"))
    for name, digest in recipe["file_sha256"].items():
        assert hashlib.sha256((SHIPPED / name).read_bytes()).hexdigest() == digest, name
    res = json.loads((SHIPPED / "results.json").read_text(encoding="utf-8"))
    dev = [row["dev"] for row in res["search"]]
    assert dev == sorted(dev) and len(dev) == recipe["search"]["generations"] + 1
    assert res["search"][-1]["dev"] > res["search"][0]["dev"]
    from safetensors.torch import load_file

    prompt = load_file(str(SHIPPED / "soft_prompt.safetensors"))["prompt"]
    assert tuple(prompt.shape) == (recipe["soft_prompt"]["n_tokens"], 256)
