"""인컨텍스트 러닝(in-context learning)을 메타 학습(meta-training)으로 만들어 보기.

작은 분류 과제를 아주 많이 만들고, 과제마다 (입력 → 레이블) 예시를 이어 붙인 시퀀스로 작은 GPT 를 학습한다.
모델은 어떤 과제인지 듣지 못한다. 프롬프트의 예시만 보고 규칙을 알아내야 질의의 레이블을 맞힌다.

- 단어 96개가 갈래 12개(:data:`CATEGORIES`: 과일, 동물, 색, ...)에 8개씩 있다. 토큰 하나가 단어 하나다.
- 과제 = (갈래 a, 갈래 b, a 의 레이블, b 의 레이블). 예: "과일이면 ``가``, 동물이면 ``나``". 레이블은 :data:`LABELS` 의
  레이블 낱말 12개에서 **과제마다 무작위로** 두 개를 고른다. 그래서 레이블의 뜻을 가중치에 외울 수 없고,
  예시를 읽어야만 답할 수 있다 (Chan 외 2022, Raventós 외 2023: 과제가 다양하고 레이블이 임의일 때 ICL 이 생긴다).
- 갈래 쌍 66개 중 일부는 학습에 한 번도 쓰지 않고 개발·시험 과제로 남긴다 (:func:`task_split`).
- 시퀀스: ``사과→가, 곰→나, 딸기→`` → 다음 토큰이 답. 손실은 레이블 자리에만 준다.
- :func:`label_probs`: 프롬프트 뒤에서 두 레이블의 확률 (두 레이블만 놓고 정규화).
- :func:`calibrate`: 문맥 보정(contextual calibration, Zhao 외 2021). 내용 없는 입력(``?``)으로 잰 레이블 쏠림으로
  나눈다: :math:`\\hat p(y) \\propto p(y\\mid x) / p(y\\mid \\text{?})`.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import re
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from llmnotes.checks import POSITIVE, check_fields, check_int
from llmnotes.gpt import Block, GPTConfig

__all__ = [
    "CATEGORIES",
    "WORDS",
    "LABELS",
    "Task",
    "ICLVocab",
    "ICL_VOCAB",
    "ICLConfig",
    "task_split",
    "sample_examples",
    "format_prompt",
    "ICLNet",
    "build_model",
    "encode_prompt",
    "save_icl",
    "load_icl",
    "train_icl",
    "label_probs",
    "calibrate",
    "shot_accuracy",
    "order_accuracies",
    "order_spread",
]

# 갈래마다 단어 8개. 한 단어는 한 갈래에만 있다.
_GROUPS = {
    "과일": "사과 배 귤 딸기 수박 포도 참외 복숭아",
    "동물": "개 곰 소 토끼 사슴 여우 늑대 고양이",
    "색": "빨강 파랑 노랑 초록 보라 하양 검정 주황",
    "탈것": "기차 버스 택시 트럭 자전거 비행기 오토바이 요트",
    "악기": "피아노 기타 북 장구 가야금 바이올린 첼로 나팔",
    "운동": "축구 야구 농구 배구 탁구 수영 씨름 태권도",
    "가구": "의자 책상 침대 옷장 소파 식탁 서랍장 책장",
    "날씨": "비 눈 바람 안개 구름 천둥 번개 우박",
    "채소": "무 당근 오이 감자 양파 마늘 배추 호박",
    "옷": "바지 치마 셔츠 외투 양말 모자 장갑 조끼",
    "직업": "의사 교사 경찰 요리사 농부 기자 화가 가수",
    "도시": "서울 부산 대구 인천 광주 대전 울산 제주",
}
CATEGORIES: dict[str, tuple[str, ...]] = {g: tuple(ws.split()) for g, ws in _GROUPS.items()}
WORDS: dict[str, str] = {w: g for g, ws in CATEGORIES.items() for w in ws}  # 단어 → 갈래
LABELS = ("가", "나", "다", "라", "예", "아니오", "○", "×", "A", "B", "참", "거짓")
ARROW, SEP, CONTENT_FREE, PAD, QUERY = "→", ",", "?", "_", "<질의>"
MAX_SHOTS = 8
BLOCK = 2 * MAX_SHOTS + 1  # 예시 하나 = 질의 자리 + 예시 자리, 마지막 질의 한 자리


@dataclass(frozen=True)
class Task:
    """과제 하나: 갈래 ``a`` 의 단어면 ``yes``, 갈래 ``b`` 의 단어면 ``no`` 레이블."""

    a: str
    b: str
    yes: str
    no: str

    def __post_init__(self) -> None:
        for name in ("a", "b"):
            if getattr(self, name) not in CATEGORIES:
                raise ValueError(f"{name}: 갈래 이름이어야 합니다 (받은 값 {getattr(self, name)!r})")
        for name in ("yes", "no"):
            if getattr(self, name) not in LABELS:
                raise ValueError(f"{name}: LABELS의 레이블이어야 합니다 (받은 값 {getattr(self, name)!r})")
        if self.a == self.b or self.yes == self.no:
            raise ValueError(f"두 갈래와 두 레이블은 서로 달라야 합니다: {self}")

    @property
    def predicate(self) -> str:
        """사람이 읽는 과제 이름 (예: ``과일/동물``)."""
        return f"{self.a}/{self.b}"

    @property
    def words(self) -> tuple[str, ...]:
        """이 과제에 나오는 단어 (두 갈래의 16개)."""
        return CATEGORIES[self.a] + CATEGORIES[self.b]

    def label(self, word: str) -> str:
        """단어의 정답 레이블."""
        if WORDS.get(word) not in (self.a, self.b):
            raise ValueError(f"word가 과제 {self.predicate}의 단어가 아닙니다: {word!r}")
        return self.yes if WORDS[word] == self.a else self.no


def task_split(seed: int = 0, n_heldout: int = 16) -> tuple[list[Task], list[Task]]:
    """학습 과제와 남겨 둔 과제. 갈래 쌍 66개 중 ``n_heldout`` 개는 학습에 한 번도 쓰지 않는다.

    학습 과제는 학습 갈래 쌍 × 순서 있는 레이블 쌍 132개 × 두 방향(어느 갈래가 ``yes`` 인가) 전부.
    남겨 둔 과제는 남긴 갈래 쌍마다 레이블 쌍 하나를 (시드로) 골라 붙인다.

    Args:
        seed: 남길 갈래 쌍과 그 레이블을 고르는 시드.
        n_heldout: 남길 갈래 쌍 수 (2~60).
    """
    check_int(n_heldout, "n_heldout", low=2, high=60)
    rng = random.Random(seed)
    pairs = list(itertools.combinations(CATEGORIES, 2))
    rng.shuffle(pairs)
    held, train_pairs = pairs[:n_heldout], pairs[n_heldout:]
    label_pairs = list(itertools.permutations(LABELS, 2))
    train = [Task(a, b, y, n) for p in train_pairs for a, b in (p, p[::-1]) for y, n in label_pairs]
    heldout = [Task(*p, *rng.choice(label_pairs)) for p in held]
    return train, heldout


def sample_examples(
    task: Task, n: int, rng: random.Random, exclude: str | None = None
) -> list[tuple[str, str]]:
    """과제의 (단어, 레이블) 예시 ``n`` 개를 중복 없이 뽑는다 (두 갈래의 단어 16개에서 고르게).

    Args:
        task: 과제.
        n: 예시 수 (0~15).
        rng: 난수 생성기.
        exclude: 뽑지 않을 단어 (질의로 쓸 단어).
    """
    check_int(n, "n", low=0, high=15)
    pool = [w for w in task.words if w != exclude]
    return [(w, task.label(w)) for w in rng.sample(pool, n)]


def format_prompt(examples: list[tuple[str, str]], query: str) -> str:
    """``단어→레이블, `` 예시들 뒤에 ``질의→`` (다음 토큰이 답)."""
    return "".join(f"{w}{ARROW}{y}{SEP} " for w, y in examples) + f"{query}{ARROW}"


class ICLVocab:
    """단어, 레이블, 질의 표시 ``<질의>``, 내용 없는 입력 ``?`` 과 채움 기호 ``_`` 로 된 고정 어휘. 낱말 하나 = 번호 하나.

    사람이 읽는 프롬프트의 ``→`` 와 ``,`` 는 낱말을 가르기만 한다: ``사과→가, 곰→`` 은 ``[사과, 가, 곰]``.
    """

    def __init__(self) -> None:
        self.itos = [PAD, QUERY, CONTENT_FREE, *LABELS, *WORDS]
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        """텍스트 → 번호. ``→`` 와 ``,`` 와 빈칸은 낱말을 가르기만 하고 토큰이 되지 않는다. 모르는 낱말은 ``ValueError``."""
        toks = re.findall(rf"[^{ARROW}{SEP}\s]+", text)
        bad = [t for t in toks if t not in self.stoi]
        if bad:
            raise ValueError(f"어휘에 없는 낱말이 있습니다: {bad[0]!r} (text={text!r})")
        return [self.stoi[t] for t in toks]


ICL_VOCAB = ICLVocab()


@dataclass
class ICLConfig:
    """메타 학습 설정.

    Args:
        n_layer, n_head, n_embd: 모델 크기.
        steps, batch_size, lr, warmup: 최적화 (선형 워밍업 후 코사인 감소).
        p_repeat: 단어를 되풀이해 뽑는 시퀀스의 비율 (bursty 시퀀스).
        init_std: 가중치 초기화의 표준편차.
        seed: 초기화와 과제 흐름의 시드.
    """

    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 64
    steps: int = 3000
    batch_size: int = 64
    lr: float = 2e-3
    warmup: int = 100
    p_repeat: float = 0.5
    init_std: float = 0.2
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("n_layer", "n_head", "n_embd", "steps", "batch_size"):
            check_int(getattr(self, name), name, low=1)
        check_int(self.warmup, "warmup", low=0)
        check_int(self.seed, "seed", low=0)
        check_fields(self, lr=POSITIVE, p_repeat={"low": 0, "high": 1}, init_std=POSITIVE)


class ICLNet(nn.Module):
    """예시 하나를 두 자리로 넣는 작은 트랜스포머 (:class:`llmnotes.gpt.Block` 을 쌓는다).

    프롬프트 ``w₁→y₁, w₂→y₂, q→`` 는 자리 5개가 된다::

        자리:   질의₁       예시₁      질의₂       예시₂      질의
        벡터:   E[w₁]+E[?]  E[w₁]+E[y₁] E[w₂]+E[?]  E[w₂]+E[y₂] E[q]+E[?]     (?: <질의> 표시)

    예시 자리 벡터에 단어와 레이블이 함께 들어 있다 (Kirsch 외 2022 처럼 입력과 레이블을 한 토큰에 넣는다). 그래서 질의 자리의
    어텐션은 "질의와 같은 갈래의 단어가 든 예시 자리" 를 찾아(QKᵀ) 그 레이블을 읽기만(OV) 하면 된다.
    질의 자리 ``i`` 에서 그 예시의 레이블 ``yᵢ`` 를 맞히게 학습한다. 인과 마스크라 질의ᵢ 는 예시ᵢ 를 보지 못한다.
    초기화가 작으면(표준편차 0.02) 레이블만 베끼는 해에 오래 머물렀고, 0.2 로 키우자 수백 스텝 만에 벗어났다
    (:attr:`ICLConfig.init_std`, 데이터시트 ``data/models/icl/README.md``).
    """

    def __init__(self, cfg: ICLConfig) -> None:
        super().__init__()
        self.cfg = cfg
        conf = GPTConfig(vocab_size=len(ICL_VOCAB), n_layer=cfg.n_layer, n_head=cfg.n_head, n_embd=cfg.n_embd,
                         block_size=BLOCK)  # fmt: skip
        self.wte = nn.Embedding(len(ICL_VOCAB), cfg.n_embd)
        self.wpe = nn.Embedding(BLOCK, cfg.n_embd)
        self.h = nn.ModuleList([Block(conf) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        self.head = nn.Linear(cfg.n_embd, len(ICL_VOCAB), bias=False)
        self.head.weight = self.wte.weight  # 가중치 공유
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=cfg.init_std)
                if isinstance(m, nn.Linear) and m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, words: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """``(B, T)`` 단어 번호와 레이블 번호(질의 자리는 ``<질의>``) → ``(B, T, V)`` 로짓."""
        if words.shape != labels.shape or words.dim() != 2:
            raise ValueError(
                f"words와 labels는 같은 (B, T) 모양이어야 합니다: {tuple(words.shape)}, {tuple(labels.shape)}"
            )
        T = words.shape[1]
        if T > BLOCK:
            raise ValueError(f"자리 수가 BLOCK={BLOCK}보다 깁니다: T={T}")
        x = self.wte(words) + self.wte(labels) + self.wpe(torch.arange(T))  # h₀ = E[w] + E[y] + P
        for block in self.h:
            x = block(x)
        return self.head(self.ln_f(x))


def build_model(cfg: ICLConfig) -> ICLNet:
    """설정대로 무작위 초기화한 :class:`ICLNet`."""
    torch.manual_seed(cfg.seed)
    return ICLNet(cfg)


def save_icl(model: ICLNet, path: str | Path) -> None:
    """``path/`` 에 ``model.safetensors`` 와 ``config.json`` (:class:`ICLConfig`) 을 쓴다."""
    from safetensors.torch import save_model

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    save_model(model, str(path / "model.safetensors"))
    (path / "config.json").write_text(json.dumps(asdict(model.cfg), indent=1) + "\n", encoding="utf-8")


def load_icl(path: str | Path) -> ICLNet:
    """:func:`save_icl` 로 저장한 모델을 읽는다 (평가 모드)."""
    from safetensors.torch import load_model

    path = Path(path)
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"config.json이 없습니다: {path.name}/config.json")
    model = ICLNet(ICLConfig(**json.loads((path / "config.json").read_text(encoding="utf-8"))))
    load_model(model, str(path / "model.safetensors"))
    return model.eval()


def encode_prompt(text: str) -> tuple[list[int], list[int]]:
    """``w₁→y₁, ..., q→`` 를 (단어 번호, 레이블 번호) 두 줄로: ``[질의₁, 예시₁, ..., 질의]`` 자리 순서."""
    toks = re.findall(rf"[^{ARROW}{SEP}\s]+", text)
    if not text.rstrip().endswith(ARROW) or len(toks) % 2 != 1:
        raise ValueError(f"프롬프트는 '단어→레이블, ...' 뒤에 '질의→'로 끝나야 합니다: text={text!r}")
    ids = ICL_VOCAB.encode(" ".join(toks))
    q = ICL_VOCAB.stoi[QUERY]
    words, labels = [], []
    for i in range(0, len(ids) - 1, 2):
        words += [ids[i], ids[i]]
        labels += [q, ids[i + 1]]
    return words + [ids[-1]], labels + [q]


def _episode(task: Task, rng: random.Random, repeat: bool) -> tuple[list[int], list[int], list[int]]:
    """예시 ``MAX_SHOTS + 1`` 개의 (단어, 레이블, 목표) 줄. 목표는 질의 자리에만 (그 예시의 레이블), 나머지는 -100.

    ``repeat=True`` 면 갈래마다 단어 2개만 골라 되풀이한다 (bursty: 질의 단어가 앞 예시에 또 나올 때가 많다).
    """
    if repeat:
        few = rng.sample(CATEGORIES[task.a], 2) + rng.sample(CATEGORIES[task.b], 2)
        ex = [(w, task.label(w)) for w in rng.choices(few, k=MAX_SHOTS + 1)]
    else:
        ex = sample_examples(task, MAX_SHOTS + 1, rng)
    text = format_prompt(ex[:-1], ex[-1][0])
    words, labels = encode_prompt(text)
    tgt = [ICL_VOCAB.stoi[y] for _, y in ex]
    targets = [t for y in tgt for t in (y, -100)][: len(words)]  # 질의ᵢ 자리 → yᵢ
    return words, labels, targets


def train_icl(cfg: ICLConfig, tasks: list[Task], log_every: int = 0, log=print,
              on_step=None) -> tuple[ICLNet, list[float]]:  # fmt: skip
    """학습 과제들로 메타 학습한다. 배치의 시퀀스마다 과제를 하나 뽑아 예시 9개를 잇는다.

    한 시퀀스의 질의 자리 9곳에서 손실을 받으므로, 0샷부터 8샷까지가 한 번에 학습된다.
    ``on_step(step, model)`` 을 주면 스텝마다 (갱신 뒤) 부른다 (중간 모델 저장 등).
    """
    if not tasks:
        raise ValueError("tasks가 비어 있습니다")
    model = build_model(cfg)
    rng = random.Random(cfg.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, betas=(0.9, 0.98), weight_decay=0.01)
    losses: list[float] = []
    model.train()
    for step in range(cfg.steps):
        rows = [_episode(rng.choice(tasks), rng, rng.random() < cfg.p_repeat) for _ in range(cfg.batch_size)]
        w, y, t = (
            torch.tensor([r[i] for r in rows]) for i in range(3)
        )  # 모든 시퀀스의 길이가 BLOCK 으로 같다
        # 선형 워밍업 후 코사인 감소: lr_t = lr · ½(1 + cos(π t))
        frac = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
        lr = (
            cfg.lr * (step + 1) / cfg.warmup
            if step < cfg.warmup
            else cfg.lr * 0.5 * (1 + math.cos(math.pi * frac))
        )
        for g in opt.param_groups:
            g["lr"] = lr
        logits = model(w, y)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), t.reshape(-1), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        if on_step is not None:
            on_step(step + 1, model)
        if log_every and (step + 1) % log_every == 0:
            log(f"icl step {step + 1}/{cfg.steps} loss {sum(losses[-log_every:]) / log_every:.4f}")
    return model.eval(), losses


@torch.no_grad()
def label_probs(model: ICLNet, prompts: list[str], labels: list[tuple[str, str]]) -> torch.Tensor:
    """프롬프트마다 두 레이블 ``(yes, no)`` 의 확률, 두 레이블만 놓고 정규화: ``(N, 2)``.

    프롬프트 길이가 달라도 되도록 오른쪽을 채우고 각 프롬프트의 마지막 자리 로짓을 읽는다.
    """
    if len(prompts) != len(labels):
        raise ValueError(f"prompts와 labels의 길이가 다릅니다: {len(prompts)} != {len(labels)}")
    if not prompts:
        raise ValueError("prompts가 비어 있습니다")
    enc = [encode_prompt(p) for p in prompts]
    T = max(len(w) for w, _ in enc)
    words = torch.zeros(len(enc), T, dtype=torch.long)
    labs = torch.zeros(len(enc), T, dtype=torch.long)
    for i, (w, y) in enumerate(enc):
        words[i, : len(w)] = torch.tensor(w)
        labs[i, : len(y)] = torch.tensor(y)
    logits = model(words, labs)
    last = logits[torch.arange(len(enc)), torch.tensor([len(w) - 1 for w, _ in enc])]  # (N, V)
    idx = torch.tensor([[ICL_VOCAB.stoi[a], ICL_VOCAB.stoi[b]] for a, b in labels])
    return torch.softmax(last.gather(1, idx), dim=-1)  # p(yes), p(no) — 두 레이블만의 소프트맥스


def calibrate(probs: torch.Tensor, content_free: torch.Tensor) -> torch.Tensor:
    """문맥 보정: ``p̂ ∝ p / p_cf`` (레이블마다 내용 없는 입력의 확률로 나누고 다시 정규화).

    Args:
        probs: ``(N, 2)`` 레이블 확률.
        content_free: ``(N, 2)`` 같은 예시 뒤에 내용 없는 입력 ``?`` 을 넣었을 때의 레이블 확률.
    """
    if probs.shape != content_free.shape:
        raise ValueError(f"모양이 다릅니다: {tuple(probs.shape)} != {tuple(content_free.shape)}")
    w = probs / content_free.clamp_min(1e-12)  # W = diag(p_cf)^-1
    return w / w.sum(-1, keepdim=True)


def shot_accuracy(model: ICLNet, tasks: list[Task], shots: list[int], n_queries: int = 16,
                  rounds: int = 1, seed: int = 0) -> dict[str, dict[int, float]]:  # fmt: skip
    """샷 수별 정확도, 보정 전(``raw``)과 문맥 보정 뒤(``calibrated``).

    과제마다 질의 ``n_queries`` 개(두 갈래의 단어에서), 질의마다 질의가 아닌 단어에서 예시 ``k`` 개를 새로 뽑는다.

    Args:
        model: 메타 학습한 모델.
        tasks: 잴 과제들.
        shots: 잴 샷 수들 (0~8).
        n_queries: 과제·샷 수·회차마다 질의 수 (1~16).
        rounds: 예시를 새로 뽑아 되풀이할 회차 수.
        seed: 예시를 뽑는 시드.
    """
    if not tasks:
        raise ValueError("tasks가 비어 있습니다")
    check_int(n_queries, "n_queries", low=1, high=16)
    check_int(rounds, "rounds", low=1)
    for k in shots:
        check_int(k, "shots 의 값", low=0, high=MAX_SHOTS)
    rng = random.Random(seed)
    raw, cal = {}, {}
    for k in shots:
        prompts, cf, labels, gold = [], [], [], []
        for t in tasks * rounds:
            for q in rng.sample(t.words, n_queries):
                ex = sample_examples(t, k, rng, exclude=q)
                prompts.append(format_prompt(ex, q))
                cf.append(format_prompt(ex, CONTENT_FREE))  # 같은 예시 + 내용 없는 입력
                labels.append((t.yes, t.no))
                gold.append(0 if t.label(q) == t.yes else 1)
        p = label_probs(model, prompts, labels)
        g = torch.tensor(gold)
        raw[k] = (p.argmax(-1) == g).float().mean().item()
        cal[k] = (calibrate(p, label_probs(model, cf, labels)).argmax(-1) == g).float().mean().item()
    return {"raw": raw, "calibrated": cal}


def order_accuracies(model: ICLNet, task: Task, shots: list[tuple[str, str]], queries: list[str],
                     calibrated: bool = False) -> list[float]:  # fmt: skip
    """같은 예시 ``shots`` 를 모든 순서(``len(shots)!`` 가지)로 늘어놓았을 때 순서마다 질의 정확도.

    Args:
        model: 메타 학습한 모델.
        task: 과제.
        shots: (단어, 레이블) 예시 (1~6개).
        queries: 질의 단어들 (``shots`` 에 없는 과제의 단어).
        calibrated: 문맥 보정한 확률로 잴지.
    """
    if not 1 <= len(shots) <= 6:
        raise ValueError(f"shots는 1~6개여야 합니다: {len(shots)}개")
    if not queries:
        raise ValueError("queries가 비어 있습니다")
    gold = torch.tensor([0 if task.label(q) == task.yes else 1 for q in queries])
    accs = []
    for perm in itertools.permutations(shots):
        p = label_probs(
            model, [format_prompt(list(perm), q) for q in queries], [(task.yes, task.no)] * len(queries)
        )
        if calibrated:
            cf = label_probs(model, [format_prompt(list(perm), CONTENT_FREE)], [(task.yes, task.no)])
            p = calibrate(p, cf.expand_as(p))
        accs.append((p.argmax(-1) == gold).float().mean().item())
    return accs


def order_spread(accs: list[float]) -> dict[str, float]:
    """순서별 정확도의 최솟값·최댓값·표준편차."""
    if not accs:
        raise ValueError("accs가 비어 있습니다")
    return {"min": min(accs), "max": max(accs), "std": statistics.pstdev(accs)}
