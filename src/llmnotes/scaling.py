"""스케일링 법칙(scaling laws): 작은 GPT 격자(grid)를 학습해 손실 L(N, D) 를 재고, 거듭제곱 법칙을 맞춘다.

용어 (Kaplan et al. 2020, Hoffmann et al. 2022):

- **N**: 비임베딩 파라미터 수(non-embedding parameters). Kaplan 관례를 따라 토큰 임베딩 ``wte`` 와 위치 임베딩
  ``wpe`` 를 모두 뺀다 (출력층 ``lm_head`` 는 ``wte`` 와 가중치를 공유하므로 함께 빠진다). 남는 것은 블록들의
  어텐션·MLP·LayerNorm 과 마지막 ``ln_f`` 이다. 대략 N ≈ 12 · n_layer · n_embd² (편향·LayerNorm 은 작은 항).
  ``GPT.num_parameters(non_embedding=True)`` 는 위치 임베딩만 빼는 nanoGPT 관례이므로 여기서는 쓰지 않는다.
- **D**: 학습에 쓴 토큰 수. 이 모듈은 생성 말뭉치를 한 번만 지나간다(1 에폭): 스텝 s 는 토큰열의 다음
  ``batch_size × block_size`` 칸을 읽는다. 그래서 D = steps × batch_size × block_size 가 정확히 본 토큰 수다.
- **C**: 학습 연산량 ≈ 6ND FLOPs. 토큰 하나, 파라미터 하나마다 순전파 행렬곱이 곱셈+덧셈 2 FLOPs,
  역전파가 그 두 배인 4 FLOPs (입력에 대한 그래디언트 2 + 가중치에 대한 그래디언트 2) 이므로 2 + 4 = 6.

토큰은 **글자(음절) 단위**다: 생성 말뭉치의 글자 집합은 작고 닫혀 있어(수백 개) 임베딩이 모델 크기를 잡아먹지
않고, BPE 학습이 필요 없으며, "서울" 같은 답이 여러 토큰이 되어 정확 일치(exact match) 과제가 다중 토큰 과제가 된다.

격자 실행 (저장소 최상위에서, CPU 스레드 1개)::

    PYTHONHASHSEED=0 OMP_NUM_THREADS=1 python -m llmnotes.scaling grid --out data/scaling/grid.json

맞추기(fit): Hoffmann et al. (2022) 처럼 로그 공간에서 Huber 손실(δ=1e-3)을 L-BFGS 로 최소화한다::

    min_{a,b,e,α,β} Σ_i Huber_δ( LSE(a − α log N_i, b − β log D_i, e) − log L_i ),  A=eᵃ, B=eᵇ, E=eᵉ

여러 초기값 격자에서 출발해 가장 좋은 해를 고른다.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .checks import NON_NEGATIVE, POSITIVE, PROBABILITY, check_fields
from .gpt import GPT, GPTConfig
from .hangul import nfc
from .pretrain import evaluate
from .textgen import COUNTRY_CAPITAL, generate

__all__ = [
    "GridConfig",
    "RunSpec",
    "CharVocab",
    "non_embedding_params",
    "training_flops",
    "build_corpus",
    "train_run",
    "capital_probe",
    "peak_lr",
    "model_config",
    "grid_arrays",
    "run_grid",
    "load_grid",
    "ChinchillaFit",
    "PowerLawFit",
    "fit_chinchilla",
    "fit_power_law",
    "compute_optimal",
    "chinchilla_loss",
    "main",
]

GRID_FORMAT = 1
HUBER_DELTA = 1e-3  # Hoffmann et al. 2022 와 같은 δ


# ---------------------------------------------------------------------------------------------------------------
# N, D, C
# ---------------------------------------------------------------------------------------------------------------


def _check_positive(value: Any, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.size == 0:
        raise ValueError(f"{name}: 비어 있습니다 (받은 값 {value!r})")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name}: 모두 양의 유한한 수여야 합니다 (받은 값 {value!r})")
    return arr


def non_embedding_params(config: GPTConfig) -> int:
    """Kaplan 관례의 비임베딩 파라미터 수 N (토큰·위치 임베딩 제외, 공유된 출력층도 제외).

    모델을 만들지 않고 :class:`~llmnotes.gpt.GPT` 의 구조에서 바로 센다 (테스트가 실제 모델의 개수와 맞춰 본다).

    Args:
        config: GPT 설정.
    """
    if not isinstance(config, GPTConfig):
        raise TypeError(f"config는 GPTConfig여야 합니다: {type(config).__name__}")
    c, b = config.n_embd, int(config.bias)
    ln = c + b * c  # LayerNorm: 가중치 C (+ 편향 C)
    attn = (3 * c * c + b * 3 * c) + (c * c + b * c)  # c_attn: C→3C, c_proj: C→C
    mlp = (4 * c * c + b * 4 * c) + (4 * c * c + b * c)  # c_fc: C→4C, c_proj: 4C→C
    per_block = 2 * ln + attn + mlp  # 편향이 있으면 12C² + 13C
    return config.n_layer * per_block + ln  # + 마지막 ln_f


def training_flops(n_params: float | np.ndarray, n_tokens: float | np.ndarray) -> float | np.ndarray:
    """학습 연산량 C ≈ 6ND (FLOPs).

    Args:
        n_params: 파라미터 수 N (양수).
        n_tokens: 학습 토큰 수 D (양수).
    """
    n = _check_positive(n_params, "n_params")
    d = _check_positive(n_tokens, "n_tokens")
    c = 6.0 * n * d  # 순전파 2 + 역전파 4 FLOPs / (파라미터 · 토큰)
    return float(c) if c.ndim == 0 else c


# ---------------------------------------------------------------------------------------------------------------
# 데이터: 글자 단위 토큰
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class CharVocab:
    """글자 단위 어휘. 글자 ↔ 번호.

    Args:
        chars: 어휘의 글자들 (중복 없이, 순서가 곧 번호).
    """

    chars: list[str]

    def __post_init__(self) -> None:
        if not self.chars:
            raise ValueError("chars가 비어 있습니다")
        if len(set(self.chars)) != len(self.chars):
            raise ValueError("chars에 중복된 글자가 있습니다")
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        """텍스트를 번호 목록으로. 어휘에 없는 글자는 버리지 않고 ``ValueError``.

        Args:
            text: 입력 텍스트 (NFC 로 정규화한다).
        """
        text = nfc(text)
        missing = sorted({c for c in text if c not in self.index})
        if missing:
            raise ValueError(f"어휘에 없는 글자입니다: {missing[:10]!r}")
        return [self.index[c] for c in text]

    def decode(self, ids: Sequence[int]) -> str:
        """번호 목록을 텍스트로."""
        return "".join(self.chars[i] for i in ids)


@dataclass
class GridConfig:
    """스케일링 격자 설정 (결과 파일의 ``recipe`` 로 그대로 저장된다).

    Args:
        sizes: 모델 크기 목록 ``(n_layer, n_embd)``. 헤드 수는 ``n_embd // head_dim``.
        budgets: 학습 토큰 수 D 목록 (``batch_size × block_size`` 의 배수여야 한다).
        head_dim: 어텐션 헤드 하나의 차원.
        block_size: 문맥 길이 (글자).
        batch_size: 배치 크기.
        lr: 너비 ``lr_width`` 인 모델의 최대 학습률 (AdamW). 너비 C 인 모델은 ``min(lr_max, lr · lr_width / C)``
            (좁은 모델일수록 큰 학습률을 견딘다: μP 와 Kaplan et al. 2020 의 관찰). 예열 후 코사인으로 1/10 까지
            줄인다 (실행 길이에 맞춘 일정, Hoffmann et al. 2022).
        lr_width: ``lr`` 이 적용되는 기준 너비.
        lr_max: 학습률 상한.
        warmup_frac: 예열 스텝 비율.
        weight_decay: 2차원 이상 가중치의 감쇠.
        train_seed: 학습 말뭉치 생성 시드.
        val_seed: 검증 말뭉치 생성 시드 (학습과 달라야 한다).
        val_sentences: 검증 문장 수.
        init_seed: 모델 초기화 시드.
        threads: torch CPU 스레드 수 (재현을 위해 1).
    """

    sizes: list[tuple[int, int]] = field(
        default_factory=lambda: [(1, 16), (1, 32), (2, 48), (2, 64), (3, 96), (4, 128)]
    )
    budgets: list[int] = field(default_factory=lambda: [24576, 49152, 98304, 196608, 393216])
    head_dim: int = 16
    block_size: int = 32
    batch_size: int = 8
    lr: float = 3e-3
    lr_width: int = 128
    lr_max: float = 1e-2
    warmup_frac: float = 0.1
    weight_decay: float = 0.1
    train_seed: int = 0
    val_seed: int = 1000
    val_sentences: int = 1000
    init_seed: int = 0
    threads: int = 1

    def __post_init__(self) -> None:
        check_fields(
            self, lr=POSITIVE, lr_max=POSITIVE, warmup_frac=PROBABILITY, weight_decay=NON_NEGATIVE
        )  # NaN·inf·범위 밖 값은 이름과 함께 거부
        self.sizes = [tuple(s) for s in self.sizes]  # JSON 에서 읽으면 리스트가 된다
        if not self.sizes or not self.budgets:
            raise ValueError(f"sizes와 budgets는 비어 있으면 안 됩니다: {self.sizes!r}, {self.budgets!r}")
        if self.train_seed == self.val_seed:
            raise ValueError(f"val_seed는 train_seed와 달라야 합니다: {self.val_seed!r}")
        tokens_per_step = self.batch_size * self.block_size
        for d in self.budgets:
            if not isinstance(d, int) or d < tokens_per_step or d % tokens_per_step:
                raise ValueError(f"budgets의 값은 {tokens_per_step}의 양의 배수여야 합니다: {d!r}")
        for _n_layer, n_embd in self.sizes:
            if n_embd % self.head_dim:
                raise ValueError(f"n_embd({n_embd})가 head_dim({self.head_dim})로 나누어떨어지지 않습니다")

    @property
    def tokens_per_step(self) -> int:
        return self.batch_size * self.block_size

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["sizes"] = [list(s) for s in self.sizes]
        return d


@dataclass
class RunSpec:
    """격자의 한 점: 모델 크기와 데이터 예산.

    Args:
        n_layer: 블록 수.
        n_embd: 임베딩 차원.
        tokens: 학습 토큰 수 D.
    """

    n_layer: int
    n_embd: int
    tokens: int


def _sentences_for(n_chars: int) -> int:
    # 생성 문장은 줄바꿈 포함 평균 20 글자 안팎 → 넉넉히 잡고 모자라면 늘린다
    return max(64, n_chars // 12)


def build_corpus(cfg: GridConfig) -> tuple[CharVocab, torch.Tensor, torch.Tensor, str]:
    """학습 토큰열(가장 큰 예산 + 1 글자)과 검증 토큰열을 만든다.

    학습 텍스트는 ``generate(n, seed=train_seed)`` 문장을 줄바꿈으로 이은 것의 앞부분이다. 예산이 작은 실행은
    같은 토큰열의 더 짧은 앞부분을 본다 (중첩된 데이터). 어휘는 학습 텍스트의 글자 집합이고, 검증 텍스트에
    어휘 밖 글자가 있으면 ``ValueError``.

    Args:
        cfg: 격자 설정.

    Returns:
        ``(어휘, 학습 토큰열, 검증 토큰열, 검증 텍스트)``.
    """
    need = max(cfg.budgets) + 1
    n = _sentences_for(need)
    while True:
        text = "\n".join(nfc(s) for s in generate(n, seed=cfg.train_seed)) + "\n"
        if len(text) >= need:
            break
        n *= 2
    val_text = "\n".join(nfc(s) for s in generate(cfg.val_sentences, seed=cfg.val_seed)) + "\n"
    # 어휘: 학습 텍스트 + 검증 텍스트 + 수도 이름의 글자. 생성기의 글자 집합은 닫혀 있어 학습 텍스트가 길면
    # 검증 글자도 이미 다 들어 있다 (검증 텍스트를 합쳐도 어휘가 늘지 않는다). 임베딩 행만 더해질 뿐 N 은 그대로다.
    vocab = CharVocab(sorted(set(text) | set(val_text) | set("".join(COUNTRY_CAPITAL.values()))))
    train_ids = torch.tensor(vocab.encode(text[:need]), dtype=torch.long)
    val_ids = torch.tensor(vocab.encode(val_text), dtype=torch.long)
    return vocab, train_ids, val_ids, val_text


# ---------------------------------------------------------------------------------------------------------------
# 학습 한 번
# ---------------------------------------------------------------------------------------------------------------


def peak_lr(cfg: GridConfig, n_embd: int) -> float:
    """너비 ``n_embd`` 인 모델의 최대 학습률: min(lr_max, lr · lr_width / n_embd)."""
    return min(cfg.lr_max, cfg.lr * cfg.lr_width / n_embd)


def _lr_at(step: int, steps: int, peak: float, warmup_frac: float) -> float:
    warmup = max(1, int(warmup_frac * steps))
    if step < warmup:
        return peak * (step + 1) / warmup  # 선형 예열
    # 코사인 감쇠: lr = lr_min + ½(lr − lr_min)(1 + cos(π·진행률)), lr_min = lr/10, 실행 길이에 맞춘다
    progress = (step - warmup) / max(1, steps - warmup)
    lr_min = peak / 10
    return lr_min + 0.5 * (peak - lr_min) * (1 + math.cos(math.pi * progress))


def model_config(cfg: GridConfig, n_layer: int, n_embd: int, vocab_size: int) -> GPTConfig:
    """격자의 한 크기에 해당하는 GPT 설정."""
    return GPTConfig(
        vocab_size=vocab_size,
        n_layer=n_layer,
        n_head=n_embd // cfg.head_dim,
        n_embd=n_embd,
        block_size=cfg.block_size,
        dropout=0.0,
    )


def train_run(
    cfg: GridConfig, spec: RunSpec, vocab: CharVocab, train_ids: torch.Tensor, val_ids: torch.Tensor
) -> tuple[GPT, dict[str, Any]]:
    """격자의 한 점을 결정적으로 학습하고 검증 손실을 잰다.

    스텝 s 는 학습 토큰열의 ``[s·B·T, (s+1)·B·T + 1)`` 구간을 B 개의 길이 T 창으로 잘라 쓴다 (1 에폭, 섞지 않음).
    스레드 1개, 고정 시드, 드롭아웃 0 이라 같은 기계에서는 같은 손실이 나온다.

    Args:
        cfg: 격자 설정.
        spec: 모델 크기와 토큰 예산.
        vocab: 글자 어휘.
        train_ids: 학습 토큰열 (길이 ≥ ``spec.tokens + 1``).
        val_ids: 검증 토큰열.

    Returns:
        ``(학습된 모델, 결과 사전)``.
    """
    if spec.tokens % cfg.tokens_per_step or spec.tokens < cfg.tokens_per_step:
        raise ValueError(f"tokens는 {cfg.tokens_per_step}의 양의 배수여야 합니다: {spec.tokens!r}")
    if train_ids.numel() < spec.tokens + 1:
        raise ValueError(f"train_ids가 짧습니다: {train_ids.numel()} < {spec.tokens + 1}")
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.init_seed)
    gcfg = model_config(cfg, spec.n_layer, spec.n_embd, len(vocab))
    model = GPT(gcfg)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.lr,
        betas=(0.9, 0.95),
    )
    B, T = cfg.batch_size, cfg.block_size
    steps = spec.tokens // (B * T)
    peak = peak_lr(cfg, spec.n_embd)
    model.train()
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = _lr_at(step, steps, peak, cfg.warmup_frac)
        start = step * B * T
        chunk = train_ids[start : start + B * T + 1]
        x = chunk[:-1].view(B, T)
        y = chunk[1:].view(B, T)  # 다음 글자 예측
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    val_loss, _ = evaluate(model, val_ids, cfg.block_size)
    n = non_embedding_params(gcfg)
    result = {
        "n_layer": spec.n_layer,
        "n_embd": spec.n_embd,
        "config": gcfg.to_dict(),
        "N": n,
        "D": spec.tokens,
        "C": 6 * n * spec.tokens,
        "steps": steps,
        "lr": peak,
        "seed": cfg.init_seed,
        "final_train_loss": round(float(loss.detach()), 6),
        "val_loss": round(val_loss, 6),
    }
    return model, result


@torch.no_grad()
def capital_probe(model: GPT, vocab: CharVocab) -> dict[str, float]:
    """ "X의 수도는 " 뒤를 탐욕적으로 채워 수도 이름을 맞히는지 본다 (다중 토큰 과제).

    나라마다 프롬프트 ``"\\n{나라}의 수도는 "`` 뒤에 정답 글자 수만큼 탐욕 디코딩해 정답과 정확히 같으면 맞은 것.
    같은 자리에서 정답 글자들의 토큰당 음의 로그 가능도(교사 강요, teacher forcing)도 잰다.

    Args:
        model: 학습된 GPT.
        vocab: 글자 어휘.

    Returns:
        ``{"exact_match": 정확 일치 비율, "answer_nll": 정답 글자 토큰당 평균 NLL(nats),
        "answer_p": 정답 전체 확률의 평균}``.
    """
    model.eval()
    hits, nll_sum, n_tok, p_sum = 0, 0.0, 0, 0.0
    for country, capital in COUNTRY_CAPITAL.items():
        prompt = vocab.encode(f"\n{country}의 수도는 ")
        answer = vocab.encode(capital)
        # 교사 강요: log p(정답) = Σ_t log p(a_t | 프롬프트, a_<t)
        ids = torch.tensor([prompt + answer])
        logits, _ = model(ids[:, :-1])
        logp = torch.log_softmax(logits[0, len(prompt) - 1 :], dim=-1)
        tok_lp = logp[torch.arange(len(answer)), torch.tensor(answer)]
        nll_sum += float(-tok_lp.sum())
        n_tok += len(answer)
        p_sum += float(tok_lp.sum().exp())
        # 탐욕 디코딩
        cur = list(prompt)
        for _ in range(len(answer)):
            lg, _ = model(torch.tensor([cur[-model.config.block_size :]]))
            cur.append(int(lg[0, -1].argmax()))
        hits += int(cur[len(prompt) :] == answer)
    k = len(COUNTRY_CAPITAL)
    return {
        "exact_match": round(hits / k, 6),
        "answer_nll": round(nll_sum / n_tok, 6),
        "answer_p": round(p_sum / k, 6),
    }


# ---------------------------------------------------------------------------------------------------------------
# 격자
# ---------------------------------------------------------------------------------------------------------------


def run_grid(cfg: GridConfig, command: str = "", progress: bool = True) -> dict[str, Any]:
    """격자 전체를 학습해 결과 사전을 만든다 (크기 × 예산, 고정 시드).

    Args:
        cfg: 격자 설정.
        command: 기록할 실행 명령.
        progress: 진행 상황을 표준 오류로 출력할지.
    """
    vocab, train_ids, val_ids, val_text = build_corpus(cfg)
    runs = []
    t0 = time.perf_counter()
    for (n_layer, n_embd), tokens in itertools.product(cfg.sizes, cfg.budgets):
        t = time.perf_counter()
        model, res = train_run(cfg, RunSpec(n_layer, n_embd, tokens), vocab, train_ids, val_ids)
        res.update(capital_probe(model, vocab))
        res["seconds"] = round(time.perf_counter() - t, 2)
        runs.append(res)
        if progress:
            print(
                f"L={n_layer} C={n_embd} N={res['N']} D={tokens} val={res['val_loss']:.4f} "
                f"em={res['exact_match']:.3f} ({res['seconds']:.1f}s)",
                file=sys.stderr,
                flush=True,
            )
    return {
        "format": GRID_FORMAT,
        "description": "작은 GPT 격자(글자 단위, 생성 한국어 말뭉치)의 검증 손실. llmnotes.scaling이 만든다.",
        "command": command,
        "recipe": cfg.to_dict(),
        "n_convention": "Kaplan: 토큰·위치 임베딩(및 공유된 lm_head)을 뺀 파라미터 수",
        "tokenizer": "characters",
        "vocab_size": len(vocab),
        "vocab": "".join(vocab.chars),
        "val_tokens": int(val_ids.numel()),
        "total_seconds": round(time.perf_counter() - t0, 1),
        "versions": {"python": platform.python_version(), "torch": torch.__version__},
        "runs": runs,
    }


def load_grid(path: str | Path) -> dict[str, Any]:
    """격자 결과 파일을 읽고 모양을 검사한다.

    Args:
        path: ``grid.json`` 경로.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"격자 결과 파일이 없습니다: {path.name!r}")
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in ("format", "recipe", "runs", "vocab", "command"):
        if key not in data:
            raise ValueError(f"격자 결과 파일에 키가 없습니다: {key!r}")
    if not data["runs"]:
        raise ValueError("격자 결과 파일의 runs가 비어 있습니다")
    return data


def grid_arrays(data: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """결과 사전에서 (N, D, 검증 손실) 배열을 꺼낸다."""
    runs = data["runs"]
    return (
        np.array([r["N"] for r in runs], dtype=float),
        np.array([r["D"] for r in runs], dtype=float),
        np.array([r["val_loss"] for r in runs], dtype=float),
    )


# ---------------------------------------------------------------------------------------------------------------
# 맞추기
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class ChinchillaFit:
    """L(N, D) = E + A/N^α + B/D^β 의 맞춘 값.

    Args:
        E: 줄일 수 없는 손실(irreducible loss).
        A, alpha: 모델 크기 항.
        B, beta: 데이터 항.
        objective: 최소화된 Huber 목적 함수 값.
    """

    E: float
    A: float
    alpha: float
    B: float
    beta: float
    objective: float

    def predict(self, n: Any, d: Any) -> np.ndarray:
        """예측 손실 L(N, D)."""
        return chinchilla_loss(n, d, self.E, self.A, self.alpha, self.B, self.beta)


@dataclass
class PowerLawFit:
    """한 변수 거듭제곱 법칙 L(x) = E + A/x^α.

    Args:
        E, A, alpha: 맞춘 값.
        objective: 최소화된 Huber 목적 함수 값.
    """

    E: float
    A: float
    alpha: float
    objective: float

    def predict(self, x: Any) -> np.ndarray:
        """예측 손실 L(x)."""
        x = _check_positive(x, "x")
        return self.E + self.A / x**self.alpha


def chinchilla_loss(n: Any, d: Any, E: float, A: float, alpha: float, B: float, beta: float) -> np.ndarray:
    """L(N, D) = E + A/N^α + B/D^β.

    Args:
        n: 파라미터 수 N (양수).
        d: 토큰 수 D (양수).
        E, A, alpha, B, beta: 법칙의 계수.
    """
    n = _check_positive(n, "n")
    d = _check_positive(d, "d")
    return E + A / n**alpha + B / d**beta


def _huber(r: np.ndarray, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Huber 손실과 그 도함수."""
    a = np.abs(r)
    loss = np.where(a <= delta, 0.5 * r**2, delta * (a - 0.5 * delta))
    grad = np.where(a <= delta, r, delta * np.sign(r))
    return loss, grad


def _lse_objective(
    theta: np.ndarray, logs: list[np.ndarray], log_l: np.ndarray, delta: float
) -> tuple[float, np.ndarray]:
    """Σ Huber(LSE(e, a_k − α_k log x_k …) − log L) 와 그래디언트. theta = [e, a_1, α_1, a_2, α_2, …]."""
    e = theta[0]
    terms = [np.full_like(log_l, e)]
    for k, lx in enumerate(logs):
        a, alpha = theta[1 + 2 * k], theta[2 + 2 * k]
        terms.append(a - alpha * lx)  # log(A / x^α) = a − α log x
    stack = np.stack(terms)
    m = stack.max(axis=0)
    w = np.exp(stack - m)
    s = w.sum(axis=0)
    pred = m + np.log(s)  # log(E + Σ A_k/x_k^α_k) = LSE(e, a_k − α_k log x_k)
    h, dh = _huber(pred - log_l, delta)
    soft = w / s  # ∂LSE/∂term_j = softmax_j
    grad = np.empty_like(theta)
    grad[0] = np.sum(dh * soft[0])
    for k, lx in enumerate(logs):
        grad[1 + 2 * k] = np.sum(dh * soft[k + 1])
        grad[2 + 2 * k] = np.sum(dh * soft[k + 1] * -lx)
    return float(h.sum()), grad


def _fit_lse(logs: list[np.ndarray], loss: np.ndarray, inits: list[np.ndarray], delta: float, keep: int = 6):
    """초기값 격자 전체에서 목적 함수를 재고, 가장 좋은 ``keep`` 개에서만 L-BFGS 를 돌려 최선을 고른다."""
    from scipy.optimize import minimize

    log_l = np.log(loss)
    start = sorted(inits, key=lambda x0: _lse_objective(x0, logs, log_l, delta)[0])[:keep]
    best = None
    for x0 in start:
        res = minimize(
            _lse_objective,
            x0,
            args=(logs, log_l, delta),
            jac=True,
            method="L-BFGS-B",
            # Huber 의 기울기는 점마다 δ 이하로 작으므로 멈춤 기준도 작게 잡는다
            options={"maxiter": 5000, "gtol": 1e-12, "ftol": 1e-15},
        )
        if best is None or res.fun < best.fun - 1e-15:
            best = res
    return best


def _check_loss(loss: Any, n: int, name: str = "loss") -> np.ndarray:
    arr = _check_positive(loss, name)
    if arr.ndim != 1 or arr.size != n:
        raise ValueError(f"{name}의 길이가 틀립니다: 기대 {n}, shape={arr.shape}")
    return arr


def fit_chinchilla(n: Any, d: Any, loss: Any, delta: float = HUBER_DELTA) -> ChinchillaFit:
    """L(N, D) = E + A/N^α + B/D^β 를 로그 공간 Huber 손실 + L-BFGS 로 맞춘다 (Hoffmann et al. 2022).

    초기값 격자 (e, a, b, α, β) 1600 개에서 목적 함수를 재어 가장 좋은 6 개에서 L-BFGS 를 돌리고, 그중 최선을 고른다.

    Args:
        n: 파라미터 수 N 배열 (양수).
        d: 토큰 수 D 배열 (양수, ``n`` 과 같은 길이).
        loss: 손실 배열 (양수).
        delta: Huber 손실의 δ.
    """
    n_arr = _check_positive(n, "n").ravel()
    d_arr = _check_positive(d, "d").ravel()
    if n_arr.size != d_arr.size:
        raise ValueError(f"n과 d의 길이가 다릅니다: {n_arr.size} != {d_arr.size}")
    l_arr = _check_loss(np.ravel(loss), n_arr.size)
    if n_arr.size < 5:
        raise ValueError(f"계수 5개를 맞추려면 점이 5개 이상 필요합니다: {n_arr.size}")
    inits = [
        np.array([e, a, al, b, be])
        for e, a, b, al, be in itertools.product(
            [-1.0, -0.5, 0.0, 0.5],
            [0.0, 2.5, 5.0, 7.5, 10.0],
            [0.0, 2.5, 5.0, 7.5, 10.0],
            [0.1, 0.3, 0.5, 0.8],
            [0.1, 0.3, 0.5, 0.8],
        )
    ]
    res = _fit_lse([np.log(n_arr), np.log(d_arr)], l_arr, inits, delta)
    e, a, alpha, b, beta = res.x
    return ChinchillaFit(
        E=float(np.exp(e)),
        A=float(np.exp(a)),
        alpha=float(alpha),
        B=float(np.exp(b)),
        beta=float(beta),
        objective=float(res.fun),
    )


def fit_power_law(x: Any, loss: Any, delta: float = HUBER_DELTA) -> PowerLawFit:
    """한 변수 거듭제곱 법칙 L(x) = E + A/x^α 를 같은 방법(로그 공간 Huber)으로 맞춘다.

    Args:
        x: N 또는 D 배열 (양수).
        loss: 손실 배열 (양수, 같은 길이).
        delta: Huber 손실의 δ.
    """
    x_arr = _check_positive(x, "x").ravel()
    l_arr = _check_loss(np.ravel(loss), x_arr.size)
    if x_arr.size < 3:
        raise ValueError(f"계수 3개를 맞추려면 점이 3개 이상 필요합니다: {x_arr.size}")
    inits = [
        np.array([e, a, al])
        for e, a, al in itertools.product(
            [-1.0, -0.5, 0.0, 0.5], [0.0, 2.5, 5.0, 7.5, 10.0], [0.1, 0.3, 0.5, 0.8]
        )
    ]
    res = _fit_lse([np.log(x_arr)], l_arr, inits, delta)
    e, a, alpha = res.x
    return PowerLawFit(E=float(np.exp(e)), A=float(np.exp(a)), alpha=float(alpha), objective=float(res.fun))


def compute_optimal(fit: ChinchillaFit, flops: Any) -> tuple[np.ndarray, np.ndarray]:
    """연산량 C 가 정해졌을 때 손실을 최소로 하는 N_opt(C), D_opt(C) (C = 6ND 제약).

    L(N, C/(6N)) 을 N 으로 미분해 0 으로 두면 (Hoffmann et al. 2022, 식 4)::

        N_opt = G (C/6)^{β/(α+β)},  D_opt = G⁻¹ (C/6)^{α/(α+β)},  G = (αA / (βB))^{1/(α+β)}

    Args:
        fit: :func:`fit_chinchilla` 의 결과 (α, β > 0 이어야 한다).
        flops: 연산량 C 배열 (양수).
    """
    c = _check_positive(flops, "flops")
    if fit.alpha <= 0 or fit.beta <= 0:
        raise ValueError(f"alpha, beta가 양수여야 합니다: {fit.alpha!r}, {fit.beta!r}")
    g = (fit.alpha * fit.A / (fit.beta * fit.B)) ** (1.0 / (fit.alpha + fit.beta))
    a = fit.beta / (fit.alpha + fit.beta)
    b = fit.alpha / (fit.alpha + fit.beta)
    n_opt = g * (c / 6.0) ** a
    d_opt = (c / 6.0) ** b / g  # N_opt · D_opt = C/6 이 되도록
    return n_opt, d_opt


# ---------------------------------------------------------------------------------------------------------------
# 명령행
# ---------------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict[str, Any] | None:
    """``python -m llmnotes.scaling grid --out data/scaling/grid.json``."""
    parser = argparse.ArgumentParser(prog="python -m llmnotes.scaling", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("grid", help="작은 GPT 격자를 학습해 결과를 JSON으로 저장한다")
    g.add_argument("--out", required=True, help="결과 JSON 경로")
    g.add_argument("--quiet", action="store_true", help="진행 출력을 끈다")
    args = parser.parse_args(argv)
    cfg = GridConfig()
    command = "PYTHONHASHSEED=0 OMP_NUM_THREADS=1 python -m llmnotes.scaling " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    data = run_grid(cfg, command=command, progress=not args.quiet)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"저장: {out} ({len(data['runs'])} 실행, {data['total_seconds']} 초)", file=sys.stderr)
    return data


if __name__ == "__main__":  # pragma: no cover
    main()
