"""작은 추론 모델(tiny reasoner): 문장제를 글자 단위 GPT 로 풀게 학습하고, 풀이를 생성해 채점한다.

- :class:`CharVocab`: 문제 문장과 풀이에 나오는 글자만 담은 고정 어휘 (특수 기호: 채움 ``_``, 구분 ``▷``, 끝 ``⏎``).
- :func:`encode_batch`: 문제 뒤를 채움 기호로 채워 **같은 길이**(``PROMPT_LEN``)로 맞춘 뒤 ``▷`` + 목표 + 끝 기호.
  프롬프트 길이가 모두 같으므로 여러 문제를 한 번에(배치로) 생성할 수 있다. 손실은 목표 부분에만 준다.
- :func:`train_reasoner`: 같은 계산량(같은 모델, 같은 단계 수, 같은 배치, 같은 시퀀스 길이 ``SEQ_LEN``)으로
  형식(direct / cot / plan)만 바꿔 학습한다.
- :func:`generate`: ``llmnotes.gpt.to_hf`` 로 같은 가중치의 ``GPT2LMHeadModel`` 을 만들어 KV 캐시로 빠르게 생성한다.
- :func:`evaluate`: 난이도별 정확도.
"""

from __future__ import annotations

import copy
import math
import random
from dataclasses import dataclass

import torch

from llmnotes.checks import POSITIVE, check_fields, check_int
from llmnotes.gpt import GPT, GPTConfig, to_hf
from llmnotes.grpo import completion_logprobs, group_advantages, grpo_loss
from llmnotes.reasoning import (
    ADD_VERBS,
    ITEMS,
    MAX_STEPS,
    STYLES,
    SUB_VERBS,
    Problem,
    check_steps,
    format_target,
    make_problem,
    parse_answer,
    problem_key,
    steps_ok,
)

__all__ = [
    "PAD",
    "SEP",
    "EOS",
    "PROMPT_LEN",
    "SEQ_LEN",
    "CharVocab",
    "VOCAB",
    "ReasonerConfig",
    "build_model",
    "encode_batch",
    "prompt_ids",
    "train_reasoner",
    "generate",
    "rollout_batch",
    "evaluate",
    "REWARDS",
    "reward",
    "rollout_rewards",
    "GRPOConfig",
    "grpo_update",
    "train_grpo",
]

PAD, SEP, EOS = "_", "▷", "⏎"
PROMPT_LEN = 56  # 가장 긴 4단계 문제보다 길다 (넘으면 ValueError)
TARGET_LEN = 40  # 가장 긴 'cot' 풀이 + 끝 기호보다 길다 (넘으면 ValueError)
SEQ_LEN = PROMPT_LEN + 1 + TARGET_LEN


class CharVocab:
    """글자 단위 어휘. 문제 생성기에 나오는 모든 글자와 풀이 기호를 고정된 순서로 담는다."""

    def __init__(self) -> None:
        text = "".join(ITEMS + ADD_VERBS + SUB_VERBS) + "이가을를 개있었다.몇일까?얻" + "0123456789+-=,:|답식"
        chars = sorted(set(text))
        self.itos = [PAD, SEP, EOS] + chars
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        """글자 → 번호. 어휘에 없는 글자는 ``ValueError`` (조용히 버리지 않는다)."""
        bad = [c for c in text if c not in self.stoi]
        if bad:
            raise ValueError(f"어휘에 없는 글자가 있습니다: {bad[0]!r} (text={text!r})")
        return [self.stoi[c] for c in text]

    def decode(self, ids: list[int], keep_pad: bool = False) -> str:
        """번호 → 글자. 끝 기호에서 멈춘다. 채움 기호는 ``keep_pad=False`` 면 빼고(프롬프트를 읽을 때), ``True`` 면 남긴다.

        모델이 생성한 풀이는 ``keep_pad=True`` 로 읽어야 한다: 채움을 빼면 글자 수가 줄어, 그 글자를 다시 번호로 바꾼
        토큰이 모델이 실제로 뽑은 토큰과 달라진다 (강화학습이 뽑지 않은 시퀀스의 확률을 올리게 된다).
        """
        out = []
        for i in ids:
            c = self.itos[int(i)]
            if c == EOS:
                break
            if c != PAD or keep_pad:
                out.append(c)
        return "".join(out)


VOCAB = CharVocab()


@dataclass
class ReasonerConfig:
    """추론 모델 학습 설정 (세 형식이 똑같이 쓴다).

    Args:
        n_layer, n_head, n_embd: 모델 크기.
        steps: 최적화 단계 수.
        batch_size: 배치 크기.
        lr: 최대 학습률 (선형 워밍업 후 코사인 감소).
        warmup: 워밍업 단계 수.
        seed: 초기화와 학습 문제 흐름의 시드.
    """

    n_layer: int = 3
    n_head: int = 4
    n_embd: int = 64
    steps: int = 450
    batch_size: int = 32
    lr: float = 3e-3
    warmup: int = 100
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("n_layer", "n_head", "n_embd", "steps", "batch_size"):
            check_int(getattr(self, name), name, low=1)
        check_int(self.warmup, "warmup", low=0)
        check_int(self.seed, "seed", low=0)
        check_fields(self, lr=POSITIVE)  # NaN·inf 거부


def build_model(cfg: ReasonerConfig) -> GPT:
    """설정대로 무작위 초기화한 글자 단위 GPT."""
    torch.manual_seed(cfg.seed)
    return GPT(
        GPTConfig(
            vocab_size=len(VOCAB),
            n_layer=cfg.n_layer,
            n_head=cfg.n_head,
            n_embd=cfg.n_embd,
            block_size=SEQ_LEN,
        )
    )


def prompt_ids(problems: list[Problem]) -> torch.Tensor:
    """``(B, PROMPT_LEN + 1)``: 문제 + 채움 기호(문제 뒤) + 구분 기호 ``▷``. 단계마다 수가 늘 같은 자리에 온다."""
    rows = []
    for p in problems:
        ids = VOCAB.encode(p.text)
        if len(ids) > PROMPT_LEN:
            raise ValueError(f"문제가 PROMPT_LEN={PROMPT_LEN}보다 깁니다: {len(ids)}자")
        rows.append(ids + [VOCAB.stoi[PAD]] * (PROMPT_LEN - len(ids)) + [VOCAB.stoi[SEP]])
    return torch.tensor(rows, dtype=torch.long)


def encode_batch(problems: list[Problem], style: str) -> tuple[torch.Tensor, torch.Tensor]:
    """학습 배치 ``(x, y)``, 둘 다 ``(B, SEQ_LEN)``. ``y`` 는 한 칸 민 목표이며 목표 풀이와 끝 기호 밖은 -100.

    Args:
        problems: 문제들.
        style: :data:`llmnotes.reasoning.STYLES` 중 하나.
    """
    if style not in STYLES:
        raise ValueError(f"style은 {STYLES} 중 하나여야 합니다: {style!r}")
    prompts = prompt_ids(problems)
    pad = VOCAB.stoi[PAD]
    full = torch.full((len(problems), SEQ_LEN + 1), pad, dtype=torch.long)
    y_mask = torch.zeros_like(full, dtype=torch.bool)
    full[:, : PROMPT_LEN + 1] = prompts
    for i, p in enumerate(problems):
        tgt = VOCAB.encode(format_target(p, style)) + [VOCAB.stoi[EOS]]
        if len(tgt) > TARGET_LEN:
            raise ValueError(f"풀이가 TARGET_LEN={TARGET_LEN}보다 깁니다: {len(tgt)}자")
        full[i, PROMPT_LEN + 1 : PROMPT_LEN + 1 + len(tgt)] = torch.tensor(tgt)
        y_mask[i, PROMPT_LEN + 1 : PROMPT_LEN + 1 + len(tgt)] = True
    x = full[:, :-1]
    y = full[:, 1:].clone()
    y[~y_mask[:, 1:]] = -100  # 프롬프트·채움 자리는 손실에서 뺀다
    return x, y


def _lr_at(step: int, cfg: ReasonerConfig) -> float:
    # 선형 워밍업 후 코사인 감소: lr_t = lr · ½(1 + cos(π · t'/T'))
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    t = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * 0.5 * (1.0 + math.cos(math.pi * t))


def train_reasoner(
    style: str, cfg: ReasonerConfig, exclude: set, log_every: int = 0, log=print, callback=None
) -> tuple[GPT, list[float]]:
    """형식 ``style`` 로 추론 모델을 학습한다. 학습 문제는 시드 ``cfg.seed`` 로 그때그때 만들고 ``exclude`` 열쇠는 피한다.

    세 형식은 같은 시드로 **같은 문제 흐름**을 보고, 같은 ``SEQ_LEN`` 으로 채운 배치를 쓰므로 계산량이 같다.

    Args:
        style: ``"direct"``, ``"cot"``, ``"plan"``.
        cfg: :class:`ReasonerConfig`.
        exclude: 학습에 쓰지 않을 :func:`llmnotes.reasoning.problem_key` 집합 (개발·시험 문제).
        log_every: 0 이 아니면 이 단계마다 ``log`` 로 손실을 알린다.
        log: 알림 함수.
        callback: ``None`` 이 아니면 ``log_every`` 단계마다 ``callback(step, model)`` 을 부른다 (예: 개발 정확도 기록).

    Returns:
        ``(model, losses)``.
    """
    if style not in STYLES:
        raise ValueError(f"style은 {STYLES} 중 하나여야 합니다: {style!r}")
    model = build_model(cfg)
    rng = random.Random(cfg.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, betas=(0.9, 0.98), weight_decay=0.01)
    losses = []
    model.train()
    for step in range(cfg.steps):
        batch = []
        while len(batch) < cfg.batch_size:
            p = make_problem(rng, rng.randint(1, MAX_STEPS))  # 난이도 1~4 를 고르게
            if problem_key(p) not in exclude:
                batch.append(p)
        x, y = encode_batch(batch, style)
        for g in opt.param_groups:
            g["lr"] = _lr_at(step, cfg)
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        if log_every and (step + 1) % log_every == 0:
            log(f"{style} step {step + 1}/{cfg.steps} loss {sum(losses[-log_every:]) / log_every:.4f}")
            if callback is not None:
                callback(step + 1, model.eval())
                model.train()
    return model.eval(), losses


@torch.no_grad()
def generate(
    model: GPT,
    problems: list[Problem],
    *,
    samples: int = 1,
    temperature: float = 1.0,
    seed: int = 0,
    batch_size: int = 512,
) -> list[list[str]]:
    """문제마다 풀이를 생성한다. ``samples=1`` 이고 ``temperature`` 를 쓰지 않으면 탐욕적 디코딩.

    같은 가중치의 ``transformers.GPT2LMHeadModel`` (``llmnotes.gpt.to_hf``)의 KV 캐시 생성을 쓴다.

    Args:
        model: 추론 모델.
        problems: 문제들.
        samples: 문제마다 뽑을 풀이 수. 1 이면 탐욕적(greedy), 2 이상이면 온도 ``temperature`` 로 샘플링.
        temperature: 샘플링 온도 (> 0).
        seed: 샘플링 시드.
        batch_size: 한 번에 생성할 행 수.

    Returns:
        ``out[i][j]``: 문제 i 의 j 번째 풀이 문자열.
    """
    if not isinstance(samples, int) or samples < 1:
        raise ValueError(f"samples는 1 이상의 정수여야 합니다: {samples!r}")
    if not temperature > 0:
        raise ValueError(f"temperature는 0보다 커야 합니다: {temperature!r}")
    hf = to_hf(model).eval()
    prompts = prompt_ids(problems).repeat_interleave(samples, dim=0)
    torch.manual_seed(seed)
    texts: list[str] = []
    for start in range(0, len(prompts), batch_size):
        chunk = prompts[start : start + batch_size]
        kwargs = dict(do_sample=True, temperature=temperature, top_k=0, top_p=1.0) if samples > 1 else {}
        out = hf.generate(
            input_ids=chunk,
            attention_mask=torch.ones_like(chunk),
            max_new_tokens=TARGET_LEN,
            eos_token_id=VOCAB.stoi[EOS],
            pad_token_id=VOCAB.stoi[EOS],
            do_sample=samples > 1,
            **{k: v for k, v in kwargs.items() if k != "do_sample"},
        )
        # 채움 기호도 남긴다: 풀이 글자 하나 = 뽑은 토큰 하나 (rollout_batch 가 같은 토큰을 다시 만든다)
        texts.extend(VOCAB.decode(row[chunk.size(1) :].tolist(), keep_pad=True) for row in out)
    return [texts[i * samples : (i + 1) * samples] for i in range(len(problems))]


def rollout_batch(problems: list[Problem], texts: list[list[str]]) -> tuple[torch.Tensor, torch.Tensor]:
    """강화학습용 배치: 문제마다 생성한 풀이들을 ``(프롬프트 + 풀이 + 끝 기호)`` 토큰과 풀이 마스크로.

    Args:
        problems: 문제 B 개.
        texts: ``texts[i]`` 는 문제 i 의 풀이 G 개 (:func:`generate` 의 출력).

    Returns:
        ``(ids (B·G, PROMPT_LEN + 1 + L), mask (B·G, L))``. 마스크는 풀이와 끝 기호 자리에서 1.
        풀이가 ``TARGET_LEN`` 글자로 꽉 차면 생성이 끝 기호 없이 멈춘 것이므로 끝 기호를 붙이지 않는다
        (뽑지 않은 토큰에 점수를 주지 않는다).
    """
    if len(problems) != len(texts) or len({len(t) for t in texts}) != 1:
        raise ValueError(
            f"texts는 문제마다 같은 수의 풀이여야 합니다: 문제 {len(problems)}개, 풀이 수 {[len(t) for t in texts]}"
        )
    too_long = [t for outs in texts for t in outs if len(t) > TARGET_LEN]
    if too_long:
        raise ValueError(f"풀이가 TARGET_LEN={TARGET_LEN}보다 깁니다: {too_long[0]!r}")
    G = len(texts[0])
    eos = [VOCAB.stoi[EOS]]
    comp = [VOCAB.encode(t) + (eos if len(t) < TARGET_LEN else []) for outs in texts for t in outs]
    L = max(len(c) for c in comp)
    comp_ids = torch.full((len(comp), L), VOCAB.stoi[EOS], dtype=torch.long)
    mask = torch.zeros(len(comp), L)
    for i, c in enumerate(comp):
        comp_ids[i, : len(c)] = torch.tensor(c)
        mask[i, : len(c)] = 1.0
    ids = torch.cat([prompt_ids(problems).repeat_interleave(G, dim=0), comp_ids], dim=1)
    return ids, mask


def evaluate(model: GPT, problems: list[Problem]) -> dict[int, float]:
    """탐욕적 디코딩으로 푼 정확도를 난이도(단계 수)별로 돌려준다: ``{1: acc, 2: acc, ...}``."""
    outs = generate(model, problems)
    by_level: dict[int, list[bool]] = {}
    for p, o in zip(problems, outs, strict=True):
        by_level.setdefault(p.steps, []).append(parse_answer(o[0]) == p.answer)
    return {k: sum(v) / len(v) for k, v in sorted(by_level.items())}


REWARDS = ("answer", "verified", "lines")


def reward(problem: Problem, text: str, kind: str = "answer") -> float:
    """검증 가능한 보상: 최종 답이 맞으면 1 (``kind="verified"`` 면 모든 줄의 계산과 연결도 맞아야 1), 아니면 0.

    ``kind="lines"`` 는 0~1 사이의 촘촘한 보상이다: 답이 맞으면 ½, 그리고 단계별 검증기를 통과한 줄의 비율의 ½.
    """
    if kind not in REWARDS:
        raise ValueError(f"kind는 {REWARDS} 중 하나여야 합니다: {kind!r}")
    correct = parse_answer(text) == problem.answer
    if kind == "lines":  # 촘촘한 보상: ½·(답이 맞음) + ½·(검증을 통과한 줄의 비율)
        checks = check_steps(text)
        return 0.5 * float(correct) + 0.5 * (sum(c.ok for c in checks) / len(checks) if checks else 0.0)
    if kind == "verified":
        correct = correct and steps_ok(text)
    return float(correct)


def rollout_rewards(problems: list[Problem], texts: list[list[str]], kind: str = "answer") -> torch.Tensor:
    """``(B·G,)`` 보상. 순서는 :func:`rollout_batch` 의 행 순서와 같다: 문제 i 의 풀이 j 가 ``i·G + j`` 번째."""
    if len(problems) != len(texts):
        raise ValueError(f"problems와 texts의 길이가 다릅니다: {len(problems)} != {len(texts)}")
    return torch.tensor([reward(p, t, kind) for p, outs in zip(problems, texts, strict=True) for t in outs])


@dataclass
class GRPOConfig:
    """추론 모델의 GRPO 설정.

    Args:
        steps: 갱신 횟수.
        problems_per_step: 갱신마다 문제 수 B.
        group_size: 문제마다 뽑는 풀이 수 G (2 이상).
        lr: 학습률 (고정).
        beta: KL 항의 무게 β.
        temperature: 풀이를 뽑는 온도 T. 로그확률도 같은 온도의 정책 π_T = softmax(logits / T) 로 계산한다.
        min_steps: 문제의 최소 단계 수 (어려운 문제에 집중하려면 올린다).
        reward: ``"answer"`` (최종 답이 맞으면 1), ``"lines"`` (½·답 + ½·맞는 줄 비율) 또는 ``"verified"`` (최종 답이 맞고 스크래치패드의 모든 줄이 단계별
            검증기 :func:`llmnotes.reasoning.steps_ok` 를 통과해야 1). 온도 1 로 뽑은 풀이에는 틀린 줄을 거쳐 우연히 맞은
            답이 섞이는데, ``"answer"`` 는 그 틀린 계산까지 강화한다.
        loss: ``"grpo"`` (표준편차로 나눈 이점, 풀이마다 길이 평균) 또는 ``"dr_grpo"`` (r − r̄, 토큰 합을 상수로 나눔).
        freeze_embeddings: ``True`` 면 토큰·위치 임베딩(출력층과 공유)을 고정하고 트랜스포머 블록만 갱신한다.
        optimizer: ``"adam"`` (AdamW) 또는 ``"sgd"``. Adam 은 파라미터마다 기울기를 제 크기로 나누므로, 잡음뿐인 아주 작은
            기울기도 학습률만큼의 걸음으로 키운다. SGD 는 기울기 크기에 비례해 움직인다 (노트북 10 의 과제에서는 둘 다
            개발 정확도를 떨어뜨렸다: ``data/models/reasoners/README.md``).
        seed: 문제 흐름과 샘플링 시드.
    """

    steps: int = 60
    problems_per_step: int = 16
    group_size: int = 8
    lr: float = 1e-4
    beta: float = 0.04
    temperature: float = 1.0
    min_steps: int = 1
    optimizer: str = "adam"
    reward: str = "answer"
    loss: str = "grpo"
    freeze_embeddings: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if self.optimizer not in ("adam", "sgd"):
            raise ValueError(f"optimizer는 'adam' 또는 'sgd'여야 합니다: {self.optimizer!r}")
        if self.loss not in ("grpo", "dr_grpo"):
            raise ValueError(f"loss는 'grpo' 또는 'dr_grpo'여야 합니다: {self.loss!r}")
        if self.reward not in REWARDS:
            raise ValueError(f"reward는 {REWARDS} 중 하나여야 합니다: {self.reward!r}")
        for name in ("steps", "problems_per_step"):
            check_int(getattr(self, name), name, low=1)
        check_int(self.group_size, "group_size", low=2)
        check_int(self.min_steps, "min_steps", low=1, high=MAX_STEPS)
        check_int(self.seed, "seed", low=0)
        check_fields(self, lr=POSITIVE, temperature=POSITIVE, beta={"low": 0})


def grpo_update(
    model: GPT,
    ref: GPT,
    opt: torch.optim.Optimizer,
    problems: list[Problem],
    texts: list[list[str]],
    cfg: GRPOConfig,
) -> tuple[torch.Tensor, float]:
    """뽑아 둔 풀이 ``texts`` 로 GRPO 갱신을 한 번 한다 (:func:`train_grpo` 의 한 단계; 테스트가 풀이를 심어 부른다).

    Returns:
        ``(rewards (B·G,), 평균 KL)``.
    """
    rewards = rollout_rewards(problems, texts, cfg.reward)
    adv = group_advantages(rewards, cfg.group_size, scale=cfg.loss == "grpo")  # 행 i·G + j ↔ 문제 i 의 풀이 j
    ids, mask = rollout_batch(problems, texts)  # 같은 행 순서 (repeat_interleave)
    with torch.no_grad():
        ref_lp = completion_logprobs(ref, ids, PROMPT_LEN + 1, cfg.temperature)
    model.train()
    lp = completion_logprobs(model, ids, PROMPT_LEN + 1, cfg.temperature)  # 뽑은 온도의 정책
    norm = "sequence" if cfg.loss == "grpo" else "token"
    loss, kl = grpo_loss(lp, lp.detach(), ref_lp, adv, mask, beta=cfg.beta, norm=norm)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    model.eval()
    return rewards, kl.item()


def train_grpo(
    model: GPT,
    cfg: GRPOConfig,
    exclude: set,
    log_every: int = 0,
    log=print,
    progress: bool = False,
    callback=None,
) -> tuple[GPT, list[dict]]:
    """검증 가능한 보상(정답이면 1)으로 ``model`` 을 GRPO 갱신한다. 참조 정책은 시작할 때의 모델(복사본)이다.

    갱신마다: 문제 B 개 → 문제마다 풀이 G 개 샘플링 → 보상 r → 묶음 상대 이점 A → 한 번 갱신
    (한 번만 갱신하므로 π_old = π_θ, 비율은 1 이고 기울기는 A·∇log π 이다) + β·KL(π_θ‖π_ref).

    Args:
        model: 시작 모델 (제자리에서 갱신한다).
        cfg: :class:`GRPOConfig`.
        exclude: 쓰지 않을 문제 열쇠 (개발·시험 문제).
        log_every: 0 이 아니면 이 갱신마다 ``log`` 로 평균 보상을 알린다.
        progress: tqdm 진행 막대.
        callback: ``None`` 이 아니면 ``log_every`` 갱신마다 ``callback(step, model)`` (예: 개발 정확도 기록).

    Returns:
        ``(model, history)``; ``history[i]`` 는 갱신 i 의 ``{"reward": 평균 보상, "kl": 평균 KL}``.
    """
    from tqdm.auto import tqdm

    ref = copy.deepcopy(model).eval()
    for p in ref.parameters():
        p.requires_grad_(False)
    frozen = []  # 이 함수가 얼린 파라미터만 끝에 되돌린다 (호출한 쪽이 얼려 둔 것은 그대로)
    if cfg.freeze_embeddings:
        for emb in (model.transformer.wte, model.transformer.wpe):
            if emb.weight.requires_grad:
                emb.weight.requires_grad_(False)
                frozen.append(emb.weight)
    params = [p for p in model.parameters() if p.requires_grad]
    if cfg.optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=cfg.lr)  # θ ← θ − η·g (기울기 크기에 비례)
    else:
        opt = torch.optim.AdamW(params, lr=cfg.lr, betas=(0.9, 0.98), weight_decay=0.0)
    rng = random.Random(cfg.seed)
    history: list[dict] = []
    for step in tqdm(range(cfg.steps), disable=not progress, desc="GRPO"):
        problems = []
        while len(problems) < cfg.problems_per_step:
            p = make_problem(rng, rng.randint(cfg.min_steps, MAX_STEPS))
            if problem_key(p) not in exclude:
                problems.append(p)
        model.eval()
        texts = generate(model, problems, samples=cfg.group_size, temperature=cfg.temperature,
                         seed=cfg.seed * 100_003 + step)  # fmt: skip
        rewards, kl = grpo_update(model, ref, opt, problems, texts, cfg)
        history.append({"reward": rewards.mean().item(), "kl": kl})
        if log_every and (step + 1) % log_every == 0:
            recent = history[-log_every:]
            log(
                f"grpo step {step + 1}/{cfg.steps} reward {sum(h['reward'] for h in recent) / len(recent):.3f}"
            )
            if callback is not None:
                callback(step + 1, model.eval())
    for p in frozen:
        p.requires_grad_(True)
    return model.eval(), history
