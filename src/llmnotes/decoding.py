"""디코딩: 빔 탐색(beam search), 이어 쓸 글의 로그 가능도, 생성 다양성(distinct-n).

탐욕적 디코딩과 온도·top-k·top-p 샘플링은 모델의 ``generate`` 에 있다 (:meth:`llmnotes.llama.Llama.generate`).
여기의 함수들은 ``model(idx)`` 가 로짓 ``(B, T, V)`` (또는 그것을 첫 원소로 하는 튜플, 또는 ``.logits`` 를 가진
출력)을 돌려주는 모델이면 무엇이든 받는다: 우리 :class:`~llmnotes.llama.Llama`, :class:`~llmnotes.gpt.GPT`,
``transformers`` 의 언어 모델.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

__all__ = ["logits_of", "beam_search", "continuation_log_probs", "distinct_n"]


def logits_of(model, idx: torch.Tensor) -> torch.Tensor:
    """``model(idx)`` 의 로짓 ``(B, T, V)`` 를 float32 로 꺼낸다 (우리 모델의 튜플, HF 의 출력 객체 모두)."""
    out = model(idx)
    logits = out[0] if isinstance(out, tuple) else getattr(out, "logits", out)
    return logits.float()


def _check_prompt(prompt: torch.Tensor) -> torch.Tensor:
    if not isinstance(prompt, torch.Tensor) or prompt.dtype != torch.long:
        raise TypeError(
            f"prompt는 torch.long 텐서여야 합니다: {getattr(prompt, 'dtype', type(prompt).__name__)}"
        )
    if prompt.dim() == 2 and prompt.size(0) == 1:
        prompt = prompt[0]
    if prompt.dim() != 1 or prompt.numel() == 0:
        raise ValueError(f"prompt는 비어 있지 않은 (T,) 또는 (1, T)여야 합니다: shape={tuple(prompt.shape)}")
    return prompt


@torch.no_grad()
def beam_search(
    model,
    prompt: torch.Tensor,
    num_beams: int,
    max_new_tokens: int,
    *,
    eos_token_id: int | None = None,
    length_penalty: float = 1.0,
) -> torch.Tensor:
    """빔 탐색: 매 스텝 누적 로그 확률이 가장 큰 ``num_beams`` 개의 가설(빔)만 남기며 이어 쓴다.

    가설 y 의 점수는 Σ_t log p(y_t | y_<t, 프롬프트). 끝난 가설(EOS 를 냈거나 ``max_new_tokens`` 에 닿은 것)의
    점수는 길이로 나눈다: score = Σ log p / (새 토큰 수)^length_penalty. 끝난 가설 가운데 가장 좋은 것을 돌려준다.

    ``transformers`` ``generate(num_beams=k, do_sample=False)`` 의 기본값(``early_stopping=False``)과 같은 규칙을
    따른다 (``tests/test_decoding.py`` 가 같은 가중치에서 출력이 같음을 확인한다):

    - 스텝마다 후보 2k 개(빔 × 다음 토큰의 상위 점수)를 점수 순으로 본다. EOS 후보는 상위 k 안에 들 때만 끝난
      가설에 넣고, EOS 가 아닌 후보 가운데 앞의 k 개가 다음 스텝의 빔이 된다.
    - 끝난 가설은 가장 좋은 k 개만 남긴다. k 개가 다 찼고, 지금 가장 좋은 빔의 점수를 지금 길이로 나눈 값도 가장
      나쁜 끝난 가설보다 낫지 않으면 멈춘다.

    읽기 쉽도록 KV 캐시 없이 스텝마다 빔 전체를 다시 계산한다.

    Args:
        model: 로짓을 주는 언어 모델 (:func:`logits_of`).
        prompt: ``(T,)`` 또는 ``(1, T)`` 프롬프트 토큰 (torch.long).
        num_beams: 빔 수 k (1 이상).
        max_new_tokens: 새로 만들 최대 토큰 수 (1 이상).
        eos_token_id: 끝 토큰 번호 (없으면 늘 ``max_new_tokens`` 만큼 만든다).
        length_penalty: 길이 정규화 지수 (0 이면 합 그대로, 1 이면 토큰당 평균).

    Returns:
        ``(T + n,)`` 프롬프트와 가장 좋은 가설 (EOS 로 끝났으면 EOS 포함).
    """
    prompt = _check_prompt(prompt)
    for name, value in (("num_beams", num_beams), ("max_new_tokens", max_new_tokens)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name}: 1 이상의 정수여야 합니다 (받은 값 {value!r})")
    was_training = model.training
    model.eval()
    beams = prompt[None]  # (빔 수, 길이): 처음에는 프롬프트 하나
    scores = torch.zeros(1)  # 빔마다 누적 로그 확률 Σ log p
    finished: list[tuple[float, torch.Tensor]] = []  # (정규화한 점수, 토큰열), 점수 내림차순, 최대 k 개
    for step in range(max_new_tokens):
        n_new = step + 1  # 이번 후보의 새 토큰 수
        log_probs = F.log_softmax(logits_of(model, beams)[:, -1, :], dim=-1)  # (빔, V)
        vocab = log_probs.size(-1)
        candidates = (scores[:, None] + log_probs).view(-1)  # 빔 × 다음 토큰의 누적 점수
        top_scores, top_index = candidates.topk(min(2 * num_beams, candidates.numel()))
        last = step == max_new_tokens - 1
        next_beams, next_scores = [], []
        for rank, (score, index) in enumerate(zip(top_scores.tolist(), top_index.tolist())):
            beam, token = divmod(index, vocab)
            seq = torch.cat([beams[beam], torch.tensor([token])])
            if last or token == eos_token_id:  # 끝난 후보
                if rank < num_beams:  # 상위 k 안에 든 것만 끝난 가설이 될 수 있다
                    finished.append((score / n_new**length_penalty, seq))
            elif len(next_beams) < num_beams:
                next_beams.append(seq)
                next_scores.append(score)
        finished = sorted(finished, key=lambda f: -f[0])[:num_beams]
        if last:
            break
        beams, scores = torch.stack(next_beams), torch.tensor(next_scores)
        # 멈춤 조건: 끝난 가설 k 개가 찼고, 가장 좋은 빔 점수 / 지금 길이 가 가장 나쁜 끝난 가설보다 낫지 않다
        if len(finished) == num_beams and scores[0].item() / n_new**length_penalty <= finished[-1][0]:
            break
    model.train(was_training)
    return finished[0][1]


@torch.no_grad()
def continuation_log_probs(
    model, prompt: Sequence[int], continuations: Sequence[Sequence[int]]
) -> list[float]:
    """프롬프트 뒤에 각 후보가 이어질 로그 확률 log p(c | prompt) = Σ_t log p(c_t | prompt, c_<t) (nats).

    후보들을 한 배치로 계산한다 (짧은 후보는 뒤를 채우지만, 인과 마스크 때문에 채운 자리는 점수에 영향이 없다).

    Args:
        model: 로짓을 주는 언어 모델 (:func:`logits_of`).
        prompt: 프롬프트 토큰 번호들 (비어 있으면 안 된다).
        continuations: 후보마다의 토큰 번호들 (각각 비어 있으면 안 된다).
    """
    prompt = [int(t) for t in prompt]
    conts = [[int(t) for t in c] for c in continuations]
    if not prompt:
        raise ValueError("prompt가 비어 있습니다")
    if not conts or any(not c for c in conts):
        raise ValueError(
            f"continuations는 비어 있지 않은 후보들이어야 합니다: 길이 {[len(c) for c in conts]}"
        )
    seqs = [prompt + c for c in conts]
    width = max(map(len, seqs))
    x = torch.zeros(len(seqs), width, dtype=torch.long)
    for i, s in enumerate(seqs):
        x[i, : len(s)] = torch.tensor(s)
    was_training = model.training
    model.eval()
    log_probs = F.log_softmax(logits_of(model, x), dim=-1)  # (후보, 길이, V)
    model.train(was_training)
    out = []
    for i, c in enumerate(conts):
        pos = torch.arange(len(prompt) - 1, len(prompt) - 1 + len(c))  # 위치 t 의 로짓이 토큰 t+1 을 맞힌다
        out.append(float(log_probs[i, pos, torch.tensor(c)].sum()))
    return out


def distinct_n(sequences: Sequence[Sequence], n: int) -> float:
    """생성 다양성: 모든 글의 서로 다른 n-그램 수 ÷ 전체 n-그램 수 (Li et al., 2016). n-그램이 없으면 0.

    Args:
        sequences: 토큰(또는 글자) 열들.
        n: n-그램 길이 (1 이상).
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n은 1 이상의 정수여야 합니다: {n!r}")
    grams = [tuple(s[i : i + n]) for s in sequences for i in range(len(s) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0
