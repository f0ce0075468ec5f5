"""llmnotes.decoding: 빔 탐색 = transformers generate(num_beams=…), 이어 쓸 글의 로그 가능도, distinct-n."""

from __future__ import annotations

import math

import pytest
import torch

from llmnotes.decoding import beam_search, continuation_log_probs, distinct_n
from llmnotes.gpt import GPT, GPTConfig
from llmnotes.gpt import to_hf as gpt_to_hf
from llmnotes.llama import Llama, LlamaConfig
from llmnotes.llama_hf import to_hf


def _llama(seed: int, vocab: int = 24) -> Llama:
    torch.manual_seed(seed)
    cfg = LlamaConfig(
        vocab_size=vocab, n_layer=2, n_head=4, n_kv_head=2, n_embd=32, intermediate_size=64, max_seq_len=64
    )
    model = Llama(cfg).eval()
    with torch.no_grad():  # 무작위 모델의 분포가 너무 평평하지 않게 (가설 점수가 비슷해 순서가 흔들리지 않게)
        model.embed_tokens.weight.mul_(8.0)
    return model


def _case(seed: int) -> tuple[Llama, torch.Tensor, int]:
    """모델, 프롬프트, EOS. 짝수 시드는 EOS 0, 홀수 시드는 EOS 없이 찾은 빔의 5번째 새 토큰을 EOS 로 삼는다
    (그러면 EOS 가 후보에 실제로 올라와 'EOS 로 끝난 가설' 규칙까지 비교된다)."""
    model = _llama(seed)
    prompt = torch.randint(1, 24, (3,), generator=torch.Generator().manual_seed(100 + seed))
    eos = 0 if seed % 2 == 0 else int(beam_search(model, prompt, 2, 12)[3 + 4])
    return model, prompt, eos


def _hf_beam(hf, prompt, num_beams, max_new_tokens, eos, length_penalty):
    out = hf.generate(
        prompt[None],
        attention_mask=torch.ones_like(prompt[None]),
        do_sample=False,
        num_beams=num_beams,
        max_new_tokens=max_new_tokens,
        eos_token_id=eos,
        pad_token_id=eos if eos is not None else 0,
        length_penalty=length_penalty,
        early_stopping=False,
    )
    return out[0]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("num_beams", "length_penalty"), [(2, 1.0), (4, 1.0), (3, 0.0), (4, 2.0)])
def test_beam_search_matches_transformers_generate(seed, num_beams, length_penalty):
    model, prompt, eos = _case(seed)
    hf = to_hf(model).eval()
    ours = beam_search(model, prompt, num_beams, 12, eos_token_id=eos, length_penalty=length_penalty)
    ref = _hf_beam(hf, prompt, num_beams, 12, eos, length_penalty)
    assert ours.tolist() == ref.tolist()


def test_beam_search_sometimes_stops_at_eos_like_transformers():
    """위 비교가 EOS 로 끝나는 경우도 덮는지 확인한다 (모두 max_new_tokens 에서 끝나면 EOS 규칙을 시험하지 않은 것)."""
    ended = 0
    for seed in range(6):
        model, prompt, eos = _case(seed)
        out = beam_search(model, prompt, 4, 12, eos_token_id=eos)
        ended += int(out[-1] == eos and out.numel() < 15)
    assert ended >= 2


def test_beam_search_on_gpt_matches_gpt2_generate():
    torch.manual_seed(3)
    model = GPT(GPTConfig(vocab_size=30, n_layer=2, n_head=2, n_embd=32, block_size=32)).eval()
    with torch.no_grad():
        model.transformer.wte.weight.mul_(8.0)
    hf = gpt_to_hf(model).eval()
    prompt = torch.tensor([5, 9, 2])
    for k in (2, 5):
        assert beam_search(model, prompt, k, 10).tolist() == _hf_beam(hf, prompt, k, 10, None, 1.0).tolist()


def test_one_beam_without_eos_is_greedy_and_beams_never_score_worse():
    model = _llama(7)
    prompt = torch.tensor([3, 4, 5])
    greedy = model.generate(prompt, 10)
    assert beam_search(model, prompt, 1, 10).tolist() == greedy.tolist()

    def total(seq):  # 새 토큰들의 누적 로그 확률
        return continuation_log_probs(model, prompt.tolist(), [seq[3:].tolist()])[0]

    # 빔이 넓을수록 (같은 길이, length_penalty 와 무관하게 합으로 고르므로) 찾은 가설의 점수가 탐욕적보다 나쁘지 않다
    for k in (2, 4, 8):
        assert total(beam_search(model, prompt, k, 10)) >= total(greedy) - 1e-5


def test_continuation_log_probs_equals_token_by_token_sum():
    model = _llama(1)
    prompt, conts = [3, 4], [[5], [6, 7, 8], [1, 1]]
    got = continuation_log_probs(model, prompt, conts)
    for c, value in zip(conts, got):
        seq = torch.tensor(prompt + c)
        logp = torch.log_softmax(model(seq[None])[0][0], -1)
        want = sum(logp[len(prompt) - 1 + j, tok].item() for j, tok in enumerate(c))
        assert math.isclose(value, want, rel_tol=1e-5, abs_tol=1e-5)
    with pytest.raises(ValueError, match="prompt"):
        continuation_log_probs(model, [], conts)
    with pytest.raises(ValueError, match="continuations"):
        continuation_log_probs(model, prompt, [[5], []])


def test_distinct_n_and_bad_inputs():
    assert distinct_n([[1, 2, 1, 2]], 1) == 0.5
    assert distinct_n([[1, 2, 3], [1, 2, 4]], 2) == 3 / 4
    assert distinct_n([[1]], 2) == 0.0
    with pytest.raises(ValueError, match="n"):
        distinct_n([[1, 2]], 0)
    model = _llama(0)
    with pytest.raises(ValueError, match="num_beams"):
        beam_search(model, torch.tensor([1, 2]), 0, 5)
    with pytest.raises(ValueError, match="max_new_tokens"):
        beam_search(model, torch.tensor([1, 2]), 2, 0)
    with pytest.raises(TypeError, match="prompt"):
        beam_search(model, torch.tensor([1.0, 2.0]), 2, 5)
    with pytest.raises(ValueError, match="prompt"):
        beam_search(model, torch.zeros(2, 3, dtype=torch.long), 2, 5)
