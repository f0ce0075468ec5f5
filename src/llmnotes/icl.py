"""인컨텍스트 러닝(in-context learning)을 메타 학습(meta-training)으로 만들어 보기.

작은 한국어 과제를 많이 만들고, 과제마다 (입력 → 출력) 예시를 이어 붙인 시퀀스로 글자 단위 GPT 를 학습한다.
모델은 어떤 과제인지 듣지 못한다. 프롬프트의 예시만 보고 규칙을 알아내야 다음 출력을 맞힌다.

- 과제 = (술어, 참 라벨, 거짓 라벨). 술어는 단어의 갈래 네 가지(:data:`PREDICATES`: 과일인가, 동물인가,
  탈것인가, 그 밖인가)이고, 라벨은 :data:`LABELS` 의 글자 두 개다. 라벨이 과제마다 달라서
  모델은 라벨의 뜻을 외울 수 없고, 예시에서 읽어야 한다.
- 학습 시퀀스의 일부(``ICLConfig.p_known``)는 단어의 갈래를 고정 라벨로 답하는 '단어 지식' 과제다
  (:data:`KNOWN_LABELS`). 이것이 없으면 작은 모델은 라벨 글자를 옮겨 적는 데서 멈추고 규칙을 읽지 못했다.
- 시험용 과제는 **학습에 한 번도 안 나온 라벨 쌍**을 쓴다 (:func:`task_split`). 술어는 같지만 라벨 묶음은 새롭다.
- 시퀀스: ``사과:A,버스:B,토끼:B,딸기:`` → 다음 글자가 답. 손실은 라벨 자리에만 준다.
- :func:`label_probs`: 프롬프트 뒤에서 두 라벨의 확률 (두 라벨만 놓고 정규화).
- :func:`calibrate`: 문맥 보정(contextual calibration, Zhao 외 2021). 내용 없는 입력(``?``)으로 잰 라벨 쏠림으로
  나눈다: :math:`\\hat p(y) \\propto p(y\\mid x) / p(y\\mid \\text{?})`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import torch

from llmnotes.checks import POSITIVE, check_fields, check_int
from llmnotes.gpt import GPT, GPTConfig

__all__ = [
    "WORDS",
    "PREDICATES",
    "KNOWN_LABELS",
    "LABELS",
    "Task",
    "ICLVocab",
    "ICL_VOCAB",
    "ICLConfig",
    "task_split",
    "sample_examples",
    "format_prompt",
    "build_model",
    "train_icl",
    "label_probs",
    "calibrate",
]

# 단어와 갈래 (과일, 동물, 탈것, 그 밖). 글자 수와 받침이 섞이도록 골랐다.
_GROUPS = {
    "과일": "사과 감 귤 딸기 수박 포도 참외 자두 복숭아 바나나 앵두",
    "동물": "개 곰 소 말 토끼 사슴 여우 늑대 오리 고양이 코끼리 다람쥐",
    "탈것": "차 기차 버스 택시 트럭 자전거 비행기 오토바이 전철 썰매 요트 배",
    "그밖": "책 꽃 물 산 연필 의자 구름 바다 우산 시계 가방 모자",
}
WORDS: dict[str, str] = {w: g for g, ws in _GROUPS.items() for w in ws.split()}

PREDICATES = {g: (lambda w, g=g: WORDS[w] == g) for g in _GROUPS}  # '과일인가', '동물인가', ...
# 단어 지식 과제: 갈래마다 고정된 라벨 (과일 → 과, ...). 학습 시퀀스의 일부를 이 과제로 채워 모델이 단어의 갈래를
# 가중치에 익히게 한다. 그 지식이 있어야 예시에서 "참 라벨이 붙은 단어들은 같은 갈래"라는 규칙을 읽을 수 있다.
KNOWN_LABELS = {g: g[0] for g in _GROUPS}
LABELS = "ABCDOX01"
PAD, SEP = "_", ","


@dataclass(frozen=True)
class Task:
    """과제 하나: 술어가 참이면 ``yes``, 거짓이면 ``no`` 라벨."""

    predicate: str
    yes: str
    no: str

    def label(self, word: str) -> str:
        """단어의 정답 라벨."""
        return self.yes if PREDICATES[self.predicate](word) else self.no


def task_split(seed: int = 0, n_test_pairs: int = 14) -> tuple[list[Task], list[Task]]:
    """학습 과제와 시험 과제. 라벨 쌍(순서 있음) 56개 중 ``n_test_pairs`` 개는 시험 과제에만 쓴다.

    Args:
        seed: 남겨 둘 라벨 쌍을 고르는 시드.
        n_test_pairs: 시험용 라벨 쌍 수 (1~55).
    """
    check_int(n_test_pairs, "n_test_pairs", low=1, high=55)
    pairs = [(a, b) for a in LABELS for b in LABELS if a != b]
    random.Random(seed).shuffle(pairs)
    held = pairs[:n_test_pairs]
    train = [Task(p, a, b) for p in PREDICATES for a, b in pairs[n_test_pairs:]]
    test = [Task(p, a, b) for p in PREDICATES for a, b in held]
    return train, test


def sample_examples(task: Task, n: int, rng: random.Random) -> list[tuple[str, str]]:
    """과제의 (단어, 라벨) 예시 ``n`` 개. 참·거짓 예시가 반반의 확률로 나오게 뽑는다 (중복 없음)."""
    check_int(n, "n", low=0, high=len(WORDS))
    pos = [w for w in WORDS if PREDICATES[task.predicate](w)]
    neg = [w for w in WORDS if not PREDICATES[task.predicate](w)]
    used: set[str] = set()
    out = []
    while len(out) < n:
        w = rng.choice(pos if rng.random() < 0.5 else neg)
        if w not in used:
            used.add(w)
            out.append((w, task.label(w)))
    return out


def format_prompt(examples: list[tuple[str, str]], query: str) -> str:
    """``단어:라벨,`` 예시들 뒤에 ``질의:`` (다음 글자가 답)."""
    return "".join(f"{w}:{y}{SEP}" for w, y in examples) + f"{query}:"


class ICLVocab:
    """단어 글자, 라벨, 기호(``:``, ``,``, ``?``)와 채움 기호 ``_`` 로 된 고정 어휘."""

    def __init__(self) -> None:
        chars = sorted(set("".join(WORDS)) | set(LABELS) | set(KNOWN_LABELS.values()) | set(":,?"))
        self.itos = [PAD] + chars
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        """글자 → 번호. 어휘에 없는 글자는 ``ValueError``."""
        bad = [c for c in text if c not in self.stoi]
        if bad:
            raise ValueError(f"어휘에 없는 글자가 있습니다: {bad[0]!r} (text={text!r})")
        return [self.stoi[c] for c in text]


ICL_VOCAB = ICLVocab()
MAX_SHOTS = 8
BLOCK = 80  # 예시 9개(8샷 + 질의)의 가장 긴 시퀀스보다 길다


@dataclass
class ICLConfig:
    """메타 학습 설정.

    Args:
        n_layer, n_head, n_embd: 모델 크기.
        steps, batch_size, lr, warmup: 최적화 (선형 워밍업 후 코사인 감소).
        p_known: 시퀀스가 '단어 지식' 과제일 확률.
        seed: 초기화와 과제 흐름의 시드.
    """

    n_layer: int = 3
    n_head: int = 4
    n_embd: int = 64
    steps: int = 2000
    batch_size: int = 32
    lr: float = 3e-3
    warmup: int = 100
    p_known: float = 0.25
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("n_layer", "n_head", "n_embd", "steps", "batch_size"):
            check_int(getattr(self, name), name, low=1)
        check_int(self.warmup, "warmup", low=0)
        check_int(self.seed, "seed", low=0)
        check_fields(self, lr=POSITIVE, p_known={"low": 0, "high": 1})


def build_model(cfg: ICLConfig) -> GPT:
    """설정대로 무작위 초기화한 글자 단위 GPT."""
    torch.manual_seed(cfg.seed)
    return GPT(GPTConfig(vocab_size=len(ICL_VOCAB), n_layer=cfg.n_layer, n_head=cfg.n_head,
                         n_embd=cfg.n_embd, block_size=BLOCK))  # fmt: skip


def _episode(task: Task | None, rng: random.Random) -> tuple[list[int], list[int]]:
    """예시 ``MAX_SHOTS + 1`` 개짜리 시퀀스와 목표 (라벨 자리만, 나머지 -100). ``task=None`` 은 단어 지식 과제."""
    ids, tgt = [], []
    if task is None:
        examples = [(w, KNOWN_LABELS[WORDS[w]]) for w in rng.sample(list(WORDS), MAX_SHOTS + 1)]
    else:
        examples = sample_examples(task, MAX_SHOTS + 1, rng)
    for w, y in examples:
        part = ICL_VOCAB.encode(f"{w}:")
        ids += part + ICL_VOCAB.encode(y + SEP)
        tgt += [-100] * (len(part) - 1) + [ICL_VOCAB.stoi[y]] + [-100, -100]
    return ids, tgt


def train_icl(cfg: ICLConfig, tasks: list[Task], log_every: int = 0, log=print) -> tuple[GPT, list[float]]:
    """학습 과제들로 메타 학습한다. 배치의 시퀀스마다 과제를 하나 뽑아 예시 9개를 잇는다.

    한 시퀀스의 라벨 자리 9곳에서 손실을 받으므로, 0샷부터 8샷까지가 한 번에 학습된다.
    """
    if not tasks:
        raise ValueError("tasks 가 비어 있습니다")
    model = build_model(cfg)
    rng = random.Random(cfg.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, betas=(0.9, 0.98), weight_decay=0.01)
    losses: list[float] = []
    model.train()
    for step in range(cfg.steps):
        rows = [
            _episode(None if rng.random() < cfg.p_known else rng.choice(tasks), rng)
            for _ in range(cfg.batch_size)
        ]
        x = torch.full((cfg.batch_size, BLOCK), 0, dtype=torch.long)
        y = torch.full((cfg.batch_size, BLOCK), -100, dtype=torch.long)
        for i, (ids, tgt) in enumerate(rows):
            x[i, : len(ids) - 1] = torch.tensor(ids[:-1])
            y[i, : len(ids) - 1] = torch.tensor(tgt[1:])
        # 선형 워밍업 후 코사인 감소
        t = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
        lr = (
            cfg.lr * (step + 1) / cfg.warmup
            if step < cfg.warmup
            else cfg.lr * 0.5 * (1 + math.cos(math.pi * t))
        )
        for g in opt.param_groups:
            g["lr"] = lr
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        if log_every and (step + 1) % log_every == 0:
            log(f"icl step {step + 1}/{cfg.steps} loss {sum(losses[-log_every:]) / log_every:.4f}")
    return model.eval(), losses


@torch.no_grad()
def label_probs(model: GPT, prompts: list[str], labels: list[tuple[str, str]]) -> torch.Tensor:
    """프롬프트마다 두 라벨 ``(yes, no)`` 의 확률, 두 라벨만 놓고 정규화: ``(N, 2)``.

    프롬프트 길이가 달라도 되도록 오른쪽을 채우고 각 프롬프트의 마지막 자리 로짓을 읽는다.
    """
    if len(prompts) != len(labels):
        raise ValueError(f"prompts 와 labels 의 길이가 다릅니다: {len(prompts)} != {len(labels)}")
    enc = [ICL_VOCAB.encode(p) for p in prompts]
    T = max(len(e) for e in enc)
    if T > BLOCK:
        raise ValueError(f"프롬프트가 BLOCK={BLOCK} 보다 깁니다: {T}")
    x = torch.zeros(len(enc), T, dtype=torch.long)
    for i, e in enumerate(enc):
        x[i, : len(e)] = torch.tensor(e)
    logits, _ = model(x)
    last = logits[torch.arange(len(enc)), torch.tensor([len(e) - 1 for e in enc])]  # (N, V)
    idx = torch.tensor([[ICL_VOCAB.stoi[a], ICL_VOCAB.stoi[b]] for a, b in labels])
    return torch.softmax(last.gather(1, idx), dim=-1)  # p(yes), p(no) — 두 라벨만의 소프트맥스


def calibrate(probs: torch.Tensor, content_free: torch.Tensor) -> torch.Tensor:
    """문맥 보정: ``p̂ ∝ p / p_cf`` (라벨마다 내용 없는 입력의 확률로 나누고 다시 정규화).

    Args:
        probs: ``(N, 2)`` 라벨 확률.
        content_free: ``(N, 2)`` 같은 예시 뒤에 내용 없는 입력 ``?`` 을 넣었을 때의 라벨 확률.
    """
    if probs.shape != content_free.shape:
        raise ValueError(f"모양이 다릅니다: {tuple(probs.shape)} != {tuple(content_free.shape)}")
    w = probs / content_free.clamp_min(1e-12)  # W = diag(p_cf)^-1
    return w / w.sum(-1, keepdim=True)
