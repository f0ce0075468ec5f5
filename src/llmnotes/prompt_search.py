"""프롬프트의 부분과 프롬프트 탐색: 글자로 쓴 프롬프트를 고쳐 가며 고르기(이산)와 벡터 프롬프트 학습(연속).

과제: 세계 말뭉치의 제품 리뷰(마지막 '별점은 N점이다' 문장을 뺀 본문)가 긍정인지 부정인지. 사전학습만 한 모델
(척추 모델 ``tiny-ko-llama``)에게 묻는 방법은 프롬프트 뒤에 올 **레이블 낱말** 두 개의 다음 토큰 로그 확률을 비교하는 것이다:
:math:`\\hat y = \\arg\\max_y \\log p(\\text{레이블}_y \\mid \\text{프롬프트}(x))`.

- :func:`review_examples`: 리뷰 예시 (학습·개발·시험은 서로 다른 시드로 만든다).
- :class:`Template`: 프롬프트 = 지시문(instruction) + 맥락(context) + 입력(input) + 뒷말 + 레이블 낱말.
- :func:`accuracy`: 템플릿의 정확도.
- :func:`evolve`: AutoPrompt·Promptbreeder 의 정신을 작게: 템플릿 무리를 바꿔(돌연변이) 개발 정확도로 고른다.
- :class:`SoftPrompt`, :func:`train_soft_prompt`: 프롬프트 튜닝(Lester 외 2021). 입력 앞에 학습하는 벡터 ``n`` 개를 붙인다.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import nn

from llmnotes.checks import check_int, check_number

__all__ = [
    "Example",
    "review_examples",
    "Template",
    "label_ids",
    "label_logprobs",
    "accuracy",
    "INSTRUCTIONS",
    "SUFFIXES",
    "LABEL_PAIRS",
    "mutate",
    "evolve",
    "SoftPrompt",
    "train_soft_prompt",
    "soft_accuracy",
]


@dataclass(frozen=True)
class Example:
    """리뷰 본문과 레이블 (1 긍정, 0 부정)."""

    text: str
    label: int


def review_examples(n: int, seed: int) -> list[Example]:
    """세계 말뭉치 생성기로 제품 리뷰 ``n`` 개를 만들고 마지막 별점 문장을 뗀다 (별점은 답을 알려 주므로).

    Args:
        n: 리뷰 수 (1 이상).
        seed: 생성 시드 (학습·개발·시험에 서로 다른 시드를 준다).
    """
    from llmnotes.world.corpus import generate_documents
    from llmnotes.world.facts import build_world

    check_int(n, "n", low=1)
    docs = generate_documents(build_world(), n, seed=seed, genres=("review",))
    out = []
    for d in docs:
        body = re.sub(r"\s*별점은 \d점(이다|이에요)\.$", "", d.text)
        if body == d.text:
            raise ValueError(f"리뷰 끝에 별점 문장이 없습니다: {d.text[-30:]!r}")
        out.append(Example(body, int(d.label)))
    return out


@dataclass(frozen=True)
class Template:
    """프롬프트 틀: ``instruction + context + 입력 + suffix`` 뒤에서 레이블 낱말 ``labels = (부정, 긍정)`` 을 비교한다.

    Attributes:
        instruction: 지시문 (예: '다음 리뷰가 긍정인지 부정인지 답하세요.'). 빈 문자열이면 없다.
        context: 맥락 (예: 예시 리뷰 하나와 그 답). 빈 문자열이면 없다.
        suffix: 입력 뒤에 붙이는 말 (예: ' 별점은'). 이 뒤의 다음 토큰이 레이블이다.
        labels: (부정 레이블 낱말, 긍정 레이블 낱말). 각각 토큰 하나여야 한다.
    """

    instruction: str = ""
    context: str = ""
    suffix: str = ""
    labels: tuple[str, str] = (" 1", " 5")

    def render(self, text: str) -> str:
        """입력 리뷰를 넣은 프롬프트 (레이블 직전까지)."""
        parts = [p for p in (self.instruction, self.context) if p]
        return "\n".join([*parts, text]) + self.suffix


def label_ids(tok, labels: tuple[str, str]) -> list[int]:
    """레이블 낱말의 토큰 번호. 낱말이 토큰 하나가 아니면 ``ValueError``."""
    ids = []
    for w in labels:
        t = tok(w, add_special_tokens=False)["input_ids"]
        if len(t) != 1:
            raise ValueError(f"레이블 낱말은 토큰 하나여야 합니다: labels 안의 {w!r} → {len(t)}개")
        ids.append(t[0])
    return ids


@torch.no_grad()
def label_logprobs(
    model, tok, prompts: list[str], labels: tuple[str, str], batch_size: int = 32
) -> torch.Tensor:
    """프롬프트마다 다음 토큰이 두 레이블 낱말일 로그 확률 ``(N, 2)`` (어휘 전체 소프트맥스에서 읽는다).

    오른쪽을 채우고(attention_mask) 각 프롬프트의 마지막 실제 자리의 로짓을 읽는다.
    """
    if not prompts:
        raise ValueError("prompts가 비어 있습니다")
    ids = label_ids(tok, labels)
    out = []
    for i in range(0, len(prompts), batch_size):
        enc = [tok(p, add_special_tokens=False)["input_ids"] for p in prompts[i : i + batch_size]]
        T = max(len(e) for e in enc)
        x = torch.zeros(len(enc), T, dtype=torch.long)
        mask = torch.zeros(len(enc), T, dtype=torch.long)
        for j, e in enumerate(enc):
            x[j, : len(e)] = torch.tensor(e)
            mask[j, : len(e)] = 1
        logits = model(input_ids=x, attention_mask=mask).logits
        last = logits[torch.arange(len(enc)), mask.sum(1) - 1]  # (B, V)
        out.append(torch.log_softmax(last.float(), -1)[:, ids])
    return torch.cat(out)


def accuracy(model, tok, template: Template, examples: list[Example]) -> float:
    """템플릿으로 물었을 때의 정확도: 긍정 레이블의 로그 확률이 더 크면 긍정이라고 읽는다."""
    if not examples:
        raise ValueError("examples가 비어 있습니다")
    lp = label_logprobs(model, tok, [template.render(e.text) for e in examples], template.labels)
    pred = (lp[:, 1] > lp[:, 0]).long()
    return (pred == torch.tensor([e.label for e in examples])).float().mean().item()


# 이산 탐색의 재료: 지시문, 뒷말 조각, 레이블 낱말 쌍. 돌연변이는 이 안에서 하나를 바꾼다.
# '별점은' 과 숫자 레이블(' 1'/' 5')은 뺐다: 사전학습 리뷰의 마지막 문장 형식이라 그것만으로 거의 다 맞힌다 (노트북 10 의 8.1).
# 레이블 낱말은 앞 빈칸을 포함한 토큰 하나다 (바이트 수준 BPE 에서 ' 좋다' 와 '좋다' 는 다른 토큰).
INSTRUCTIONS = ("", "다음 리뷰가 긍정인지 부정인지 답하세요.", "리뷰를 읽고 평가하세요.", "제품 리뷰:")
SUFFIXES = (
    " 품질이",
    " 정말",
    " 한마디로",
    " 평가:",
    " 제품은",
    " 다시",
    " 친구에게",
    " 기대보다",
    " 결론은",
    " 전체적으로",
    " 솔직히",
)  # fmt: skip (조각마다 한 어절: 돌연변이가 어절 단위로 바꾼다)
LABEL_PAIRS = ((" 나", " 좋다"), (" 별", " 좋다"), (" 실망", " 추"), (" 나", " 좋"), (" 아", " 만"))


def mutate(t: Template, rng: random.Random) -> Template:
    """템플릿의 한 부분을 바꾼다: 지시문 바꾸기, 뒷말 조각 바꾸기·붙이기·빼기, 레이블 낱말 쌍 바꾸기 중 하나."""
    op = rng.choice(("instruction", "replace", "append", "drop", "labels"))
    pieces = [p for p in re.findall(r" \S+", t.suffix)]
    if op == "instruction":
        return replace(t, instruction=rng.choice(INSTRUCTIONS))
    if op == "labels":
        return replace(t, labels=rng.choice(LABEL_PAIRS))
    if op == "append" or not pieces:
        return replace(t, suffix=t.suffix + rng.choice(SUFFIXES))
    i = rng.randrange(len(pieces))
    if op == "drop":
        del pieces[i]
    else:
        pieces[i] = rng.choice(SUFFIXES)
    return replace(t, suffix="".join(pieces))


def evolve(score, start: list[Template], generations: int, children: int, keep: int, seed: int = 0,
           on_generation=None) -> list[tuple[float, Template]]:  # fmt: skip
    """돌연변이와 선택으로 템플릿을 찾는다 (개발 정확도 ``score(t)`` 가 높은 것을 남긴다).

    세대마다 살아남은 템플릿에서 자식 ``children`` 개를 만들고, 부모와 자식을 합쳐 점수가 높은 ``keep`` 개를 남긴다.

    Args:
        score: 템플릿 → 개발 정확도.
        start: 첫 무리.
        generations: 세대 수.
        children: 세대마다 만들 자식 수.
        keep: 남길 수.
        seed: 돌연변이 시드.
        on_generation: ``on_generation(g, best_score, best_template)`` 를 세대마다 부른다 (0 = 첫 무리).

    Returns:
        마지막 무리 ``[(점수, 템플릿), ...]``, 점수가 높은 순.
    """
    if not start:
        raise ValueError("start가 비어 있습니다")
    for name, v in (("generations", generations), ("children", children), ("keep", keep)):
        check_int(v, name, low=1)
    rng = random.Random(seed)
    cache: dict[Template, float] = {}

    def fit(t: Template) -> float:
        if t not in cache:
            cache[t] = score(t)
        return cache[t]

    pop = sorted({t: fit(t) for t in start}.items(), key=lambda kv: -kv[1])[:keep]
    if on_generation is not None:
        on_generation(0, pop[0][1], pop[0][0])
    for g in range(1, generations + 1):
        kids = [mutate(rng.choice(pop)[0], rng) for _ in range(children)]
        merged = dict(pop) | {k: fit(k) for k in kids}
        pop = sorted(merged.items(), key=lambda kv: -kv[1])[:keep]  # 안정 정렬: 점수가 같으면 먼저 있던 것
        if on_generation is not None:
            on_generation(g, pop[0][1], pop[0][0])
    return [(s, t) for t, s in pop]


class SoftPrompt(nn.Module):
    """연속 프롬프트: 입력 임베딩 **뒤**(레이블 바로 앞)에 붙이는 학습 벡터 ``n_tokens`` 개 (모델은 얼려 둔다).

    Lester 외(2021)는 입력 앞에 붙이지만, 6층짜리 작은 모델에서는 리뷰 100토큰 앞의 벡터가 마지막 자리에 거의 닿지
    않았다 (앞에 붙인 첫 시도는 학습 손실이 ln 2 ≈ 0.69 에 머물렀다). 그래서 이산 탐색의 뒷말과 같은 자리에 둔다.
    """

    def __init__(self, n_tokens: int, n_embd: int, init: torch.Tensor | None = None) -> None:
        super().__init__()
        check_int(n_tokens, "n_tokens", low=1)
        if init is not None and tuple(init.shape) != (n_tokens, n_embd):
            raise ValueError(f"init 모양이 ({n_tokens}, {n_embd})이어야 합니다: {tuple(init.shape)}")
        self.prompt = nn.Parameter(init.clone() if init is not None else torch.randn(n_tokens, n_embd) * 0.02)

    def forward(self, model, tok, prompts: list[str], labels: tuple[str, str]) -> torch.Tensor:
        """``[임베딩(프롬프트); P]`` 를 넣고 마지막 자리에서 두 레이블의 로그 확률 ``(N, 2)``."""
        if not prompts:
            raise ValueError("prompts가 비어 있습니다")
        emb = model.get_input_embeddings()
        ids = label_ids(tok, labels)
        enc = [tok(p, add_special_tokens=False)["input_ids"] for p in prompts]
        n = self.prompt.shape[0]
        T = n + max(len(e) for e in enc)
        mask = torch.zeros(len(enc), T, dtype=torch.long)
        rows = []
        for j, e in enumerate(enc):
            rows.append(torch.cat([emb(torch.tensor(e)), self.prompt.to(emb.weight.dtype)]))  # (len+n, C)
            mask[j, : len(e) + n] = 1
        h = torch.nn.utils.rnn.pad_sequence(rows, batch_first=True)  # 오른쪽 채움
        logits = model(inputs_embeds=h, attention_mask=mask[:, : h.shape[1]]).logits
        last = logits[torch.arange(len(enc)), mask.sum(1) - 1]
        return torch.log_softmax(last.float(), -1)[:, ids]


def train_soft_prompt(model, tok, template: Template, train: list[Example], n_tokens: int = 8, steps: int = 40,
                      batch_size: int = 16, lr: float = 0.03, seed: int = 0) -> tuple[SoftPrompt, list[float]]:  # fmt: skip
    """프롬프트 튜닝: 모델은 얼리고 소프트 프롬프트만 두 레이블 사이의 교차 엔트로피로 학습한다.

    초기값은 실제 낱말 임베딩에서 고른다 (Lester 외 2021 의 '어휘에서 초기화').
    """
    if not train:
        raise ValueError("train이 비어 있습니다")
    check_int(steps, "steps", low=1)
    check_int(batch_size, "batch_size", low=1)
    check_int(n_tokens, "n_tokens", low=1)
    check_number(lr, "lr", low=0, low_open=True)
    was_trainable = [p for p in model.parameters() if p.requires_grad]
    for p in was_trainable:  # 모델은 얼린다; 끝나면 원래대로 되돌린다
        p.requires_grad_(False)
    g = torch.Generator().manual_seed(seed)
    emb = model.get_input_embeddings().weight.detach().float()
    init = emb[torch.randint(0, emb.shape[0], (n_tokens,), generator=g)]
    soft = SoftPrompt(n_tokens, emb.shape[1], init)
    opt = torch.optim.Adam(soft.parameters(), lr=lr)
    rng = random.Random(seed)
    losses = []
    for _ in range(steps):
        batch = rng.sample(train, min(batch_size, len(train)))
        lp = soft(model, tok, [template.render(e.text) for e in batch], template.labels)
        loss = F.cross_entropy(lp, torch.tensor([e.label for e in batch]))  # 두 레이블만 놓고 정규화한 CE
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    for p in was_trainable:
        p.requires_grad_(True)
    return soft, losses


@torch.no_grad()
def soft_accuracy(soft: SoftPrompt, model, tok, template: Template, examples: list[Example],
                  batch_size: int = 32) -> float:  # fmt: skip
    """소프트 프롬프트를 붙인 템플릿의 정확도."""
    if not examples:
        raise ValueError("examples가 비어 있습니다")
    preds = []
    for i in range(0, len(examples), batch_size):
        chunk = examples[i : i + batch_size]
        lp = soft(model, tok, [template.render(e.text) for e in chunk], template.labels)
        preds.append((lp[:, 1] > lp[:, 0]).long())
    return (torch.cat(preds) == torch.tensor([e.label for e in examples])).float().mean().item()
