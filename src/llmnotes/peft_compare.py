"""PEFT 방법 비교: tiny-ko-gpt 를 리뷰 문체에 적응시키고 학습 가능 파라미터 수와 적응 품질을 잰다 (노트북 12).

과제는 **도메인 적응**이다. 헌법·의안·생성 문장으로 사전학습한 ``data/models/tiny-ko-gpt`` 를 프로젝트의 리뷰
문장(``data/sentiment/reviews.jsonl``)에 맞춘다. 품질은 시험 리뷰의 토큰당 손실(교차 엔트로피, nats)이다.

- 분할: 리뷰 ``train`` 480개를 시드로 섞어 ``dev_size`` 개를 개발 분할(dev)로 떼고 나머지로 학습한다.
  학습률은 방법마다 격자에서 **dev 손실**로 고르고, ``test`` 120개는 보고에만 쓴다.
- 학습 데이터: ``[EOS] 리뷰1 [EOS] 리뷰2 [EOS] ...`` 를 ``block_size`` 토큰씩 자른 조각 (사전학습과 같은 꼴, 채우기 없음).
  마지막 조각은 짧더라도 버리지 않는다.
- 평가: 리뷰마다 ``[EOS] 리뷰 [EOS]`` 를 따로 넣고, 첫 EOS 뒤의 모든 토큰(끝 EOS 포함)의 손실을 평균한다.
- 방법: 전체 미세조정, 우리 LoRA (``c_attn`` / 모든 선형층), ``peft`` 의 LLaMA-Adapter (0 초기화 게이트),
  프롬프트 튜닝·프리픽스 튜닝·P-튜닝.
  학습 루프는 모두 :func:`llmnotes.sft.train_sft` (AdamW, 기울기 자르기, 고정 학습률, 시드 고정).

명령줄::

    PYTHONHASHSEED=0 OMP_NUM_THREADS=1 python -m llmnotes.peft_compare --out data/peft/results.json

결과 JSON 에는 설정(``recipe``), 몸통 체크포인트 파일의 SHA-256, 격자의 모든 dev 손실, 고른 학습률의 시험 손실이 들어간다.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn
from transformers.modeling_outputs import CausalLMOutput

from llmnotes.checks import CLIP_NORM, POSITIVE, check_fields
from llmnotes.hangul import nfc
from llmnotes.lora import inject_lora, trainable_parameters
from llmnotes.paths import data_dir, models_dir
from llmnotes.sft import SFTConfig, collate, masked_lm_loss, train_sft

__all__ = [
    "METHODS",
    "METHOD_LABELS",
    "BASE_FILES",
    "PEFTCompareConfig",
    "ReviewSplits",
    "VirtualTokenTrim",
    "default_results_path",
    "load_base",
    "base_model_hashes",
    "split_reviews",
    "pack_examples",
    "review_batch",
    "build_method",
    "eval_loss",
    "run_method",
    "compare",
    "load_results",
    "main",
]

METHODS: tuple[str, ...] = ("full", "lora_c_attn", "lora_all", "llama_adapter", "prompt", "prefix", "ptuning")
METHOD_LABELS: dict[str, str] = {
    "full": "전체 미세조정",
    "lora_c_attn": "LoRA (c_attn)",
    "lora_all": "LoRA (모든 선형층)",
    "llama_adapter": "LLaMA-Adapter",
    "prompt": "프롬프트 튜닝",
    "prefix": "프리픽스 튜닝",
    "ptuning": "P-튜닝",
}
LORA_ALL_TARGETS: tuple[str, ...] = ("c_attn", "c_proj", "c_fc")
BASE_FILES: tuple[str, ...] = ("config.json", "model.safetensors", "tokenizer.json")
FORMAT = 1


def _default_lr_grid() -> dict[str, tuple[float, ...]]:
    # 몸통 전체를 움직이는 전체 미세조정은 작은 학습률 쪽을, 작은 추가 파라미터만 움직이는 PEFT 방법은
    # 넓은 격자(1e-3 ~ 1, 약 3배 간격)를 본다. 어느 값을 고를지는 dev 손실이 정한다.
    peft_grid = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)
    return {"full": (3e-4, 1e-3, 3e-3)} | {m: peft_grid for m in METHODS if m != "full"}


@dataclass
class PEFTCompareConfig:
    """비교 실험 설정 (결과 파일의 ``recipe`` 로 그대로 저장된다).

    Args:
        base_model: ``models_dir()`` 아래 몸통 체크포인트 폴더 이름.
        methods: 비교할 방법 (:data:`METHODS` 의 부분집합, 순서 유지).
        lr_grid: 방법마다 dev 손실로 고를 학습률 후보.
        epochs: 학습 에폭 수 (모든 방법 같음).
        batch_size: 배치 크기 (조각 수).
        block_size: 학습 조각 길이 (토큰).
        dev_size: ``train`` 리뷰에서 떼어 낼 개발 분할 크기.
        n_train: 학습에 쓸 리뷰 수 상한 (``None`` 이면 dev 를 뺀 전부; 빠른 시험용).
        split_seed: dev 분할 시드.
        seed: 초기화(LoRA A, 가상 토큰)와 학습(섞기) 시드.
        lora_r: LoRA 랭크.
        lora_alpha: LoRA 의 α (배율 α/r).
        num_virtual_tokens: 프롬프트·프리픽스·P-튜닝의 가상 토큰 수 (LLaMA-Adapter 의 적응 프롬프트 길이도 같다).
        adapter_layers: LLaMA-Adapter 를 붙일 위쪽 층 수.
        max_grad_norm: 기울기 노름 자르기 한계.
        threads: ``torch.set_num_threads`` 값 (재현성을 위해 1).
    """

    base_model: str = "tiny-ko-gpt"
    methods: tuple[str, ...] = METHODS
    lr_grid: dict[str, tuple[float, ...]] = field(default_factory=_default_lr_grid)
    epochs: int = 5
    batch_size: int = 16
    block_size: int = 64
    dev_size: int = 80
    n_train: int | None = None
    split_seed: int = 0
    seed: int = 0
    lora_r: int = 8
    lora_alpha: float = 16.0
    num_virtual_tokens: int = 8
    adapter_layers: int = 2
    max_grad_norm: float = 1.0
    threads: int = 1

    def __post_init__(self) -> None:
        check_fields(
            self, lora_alpha=POSITIVE, max_grad_norm=CLIP_NORM
        )  # NaN·inf·범위 밖 값은 이름과 함께 거부
        if isinstance(self.methods, str):
            raise TypeError(f"methods는 방법 이름의 목록이어야 합니다: {self.methods!r}")
        self.methods = tuple(self.methods)
        if not self.methods:
            raise ValueError(f"methods가 비어 있습니다: {self.methods!r}")
        for m in self.methods:
            if m not in METHODS:
                raise ValueError(f"methods에 알 수 없는 방법이 있습니다: {m!r} (가능한 값: {METHODS})")
        self.lr_grid = {k: tuple(float(x) for x in v) for k, v in self.lr_grid.items()}
        for m in self.methods:
            lrs = self.lr_grid.get(m)
            if not lrs or any(not lr > 0 for lr in lrs):
                raise ValueError(f"lr_grid[{m!r}]는 양수 학습률이 하나 이상 있어야 합니다: {lrs!r}")
        for name in (
            "epochs",
            "batch_size",
            "block_size",
            "dev_size",
            "lora_r",
            "num_virtual_tokens",
            "adapter_layers",
            "threads",
        ):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name}: 1 이상의 정수여야 합니다 (받은 값 {v!r})")
        if self.n_train is not None and (not isinstance(self.n_train, int) or self.n_train < 1):
            raise ValueError(f"n_train은 1 이상의 정수이거나 None이어야 합니다: {self.n_train!r}")
        if not self.lora_alpha > 0:
            raise ValueError(f"lora_alpha는 양수여야 합니다: {self.lora_alpha!r}")
        if not self.max_grad_norm > 0:
            raise ValueError(f"max_grad_norm은 양수여야 합니다: {self.max_grad_norm!r}")

    def to_dict(self) -> dict[str, Any]:
        """JSON 으로 저장할 사전 (튜플은 목록으로)."""
        d = asdict(self)
        d["methods"] = list(self.methods)
        d["lr_grid"] = {k: list(v) for k, v in self.lr_grid.items()}
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PEFTCompareConfig:
        """:meth:`to_dict` 의 역.

        Args:
            d: 결과 파일의 ``recipe``.
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"recipe에 알 수 없는 키가 있습니다: {unknown!r}")
        return cls(**d)


def default_results_path() -> Path:
    """프로젝트에 함께 배포하는 결과 파일 위치 (``data/peft/results.json``)."""
    return data_dir() / "peft" / "results.json"


def _base_dir(base_model: str | Path) -> Path:
    p = Path(base_model)
    path = p if p.is_absolute() or len(p.parts) > 1 else models_dir() / p
    if not (path / "model.safetensors").is_file():
        raise ValueError(f"base_model 폴더에 model.safetensors가 없습니다: {str(base_model)!r}")
    return path


def load_base(base_model: str | Path = "tiny-ko-gpt") -> tuple[nn.Module, Any]:
    """몸통 체크포인트와 토크나이저를 ``transformers`` 로 불러온다 (네트워크 없이, 평가 모드).

    Args:
        base_model: ``models_dir()`` 아래 폴더 이름 또는 폴더 경로.

    Returns:
        ``(AutoModelForCausalLM, PreTrainedTokenizerFast)``.
    """
    from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

    path = _base_dir(base_model)
    model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True).eval()
    tok = PreTrainedTokenizerFast.from_pretrained(path, local_files_only=True)
    if tok.eos_token_id is None or tok.pad_token_id is None:
        raise ValueError(f"토크나이저에 eos/pad 토큰이 없습니다: {str(base_model)!r}")
    return model, tok


def base_model_hashes(base_model: str | Path = "tiny-ko-gpt") -> dict[str, str]:
    """몸통 체크포인트 파일들(:data:`BASE_FILES`)의 SHA-256.

    Args:
        base_model: ``models_dir()`` 아래 폴더 이름 또는 폴더 경로.
    """
    path = _base_dir(base_model)
    return {name: hashlib.sha256((path / name).read_bytes()).hexdigest() for name in BASE_FILES}


@dataclass(frozen=True)
class ReviewSplits:
    """리뷰 텍스트의 학습·개발·시험 분할 (NFC).

    Attributes:
        train: 학습 리뷰 (``train`` 에서 dev 를 뺀 것).
        dev: 개발 리뷰 (학습률 고르기용).
        test: 시험 리뷰 (보고용).
    """

    train: tuple[str, ...]
    dev: tuple[str, ...]
    test: tuple[str, ...]


def split_reviews(config: PEFTCompareConfig | None = None) -> ReviewSplits:
    """리뷰 데이터를 학습/개발/시험으로 나눈다. ``train`` 을 ``split_seed`` 로 섞어 앞 ``dev_size`` 개가 dev.

    Args:
        config: 실험 설정 (``dev_size``, ``split_seed``, ``n_train`` 을 쓴다).
    """
    from llmnotes.loaders import load_reviews

    cfg = config or PEFTCompareConfig()
    train = [nfc(r.text) for r in load_reviews("train")]
    test = tuple(nfc(r.text) for r in load_reviews("test"))
    if cfg.dev_size >= len(train):
        raise ValueError(f"dev_size가 학습 리뷰 수({len(train)}) 이상입니다: {cfg.dev_size!r}")
    order = list(range(len(train)))
    random.Random(cfg.split_seed).shuffle(order)
    dev = tuple(train[i] for i in order[: cfg.dev_size])
    # 학습 리뷰는 원래 순서로 둔다 (섞기는 학습 루프가 한다)
    rest = [train[i] for i in sorted(order[cfg.dev_size :])]
    if cfg.n_train is not None:
        rest = rest[: cfg.n_train]
    return ReviewSplits(tuple(rest), dev, test)


def _encode(tokenizer: Any, text: str) -> list[int]:
    return list(tokenizer(nfc(text), add_special_tokens=False)["input_ids"])


def pack_examples(texts: Sequence[str], tokenizer: Any, block_size: int) -> list[dict[str, list[int]]]:
    """텍스트들을 ``[EOS] t1 [EOS] t2 ... [EOS]`` 로 이어 ``block_size`` 토큰씩 자른다 (마지막 조각도 남긴다).

    Args:
        texts: 학습 텍스트들 (NFC 로 정규화한다).
        tokenizer: HF 토크나이저 (``eos_token_id`` 필요).
        block_size: 조각 길이 (2 이상).

    Returns:
        ``{"input_ids", "labels"}`` 사전 목록 (labels = input_ids, 모든 토큰이 손실에 들어간다).
    """
    if isinstance(texts, str) or not texts:
        raise ValueError(f"texts는 비어 있지 않은 텍스트 목록이어야 합니다: {texts!r}")
    if not isinstance(block_size, int) or block_size < 2:
        raise ValueError(f"block_size는 2 이상의 정수여야 합니다: {block_size!r}")
    eos = tokenizer.eos_token_id
    stream = [eos]
    for t in texts:
        stream += _encode(tokenizer, t) + [eos]
    # 조각 경계에서 다음 토큰 하나를 잃지 않도록 조각끼리 한 토큰씩 겹친다: [0, B), [B-1, 2B-1), ...
    # (위치 t 의 로짓이 토큰 t+1 을 예측하므로 조각의 첫 토큰은 목표가 되지 않는다)
    step = block_size - 1
    out = []
    for start in range(0, max(len(stream) - 1, 1), step):
        ids = stream[start : start + block_size]
        if len(ids) >= 2:
            out.append({"input_ids": ids, "labels": list(ids)})
    return out


def review_batch(texts: Sequence[str], tokenizer: Any) -> dict[str, torch.Tensor]:
    """평가용 배치: 리뷰마다 ``[EOS] 리뷰 [EOS]``, 오른쪽 채우기. 첫 EOS 뒤의 모든 토큰이 목표다.

    Args:
        texts: 리뷰 텍스트들.
        tokenizer: HF 토크나이저 (``eos_token_id``, ``pad_token_id`` 필요).
    """
    if isinstance(texts, str) or not texts:
        raise ValueError(f"texts는 비어 있지 않은 텍스트 목록이어야 합니다: {texts!r}")
    eos = tokenizer.eos_token_id
    examples = []
    for t in texts:
        ids = [eos] + _encode(tokenizer, t) + [eos]
        examples.append({"input_ids": ids, "labels": ids})
    return collate(examples, tokenizer.pad_token_id)


class VirtualTokenTrim(nn.Module):
    """``peft`` 프롬프트 튜닝·P-튜닝 모델의 로짓에서 앞의 가상 토큰 자리를 잘라 원래 위치에 맞춘다.

    ``peft`` 는 입력 임베딩 앞에 가상 토큰 ``n_virtual`` 개를 붙여 로짓도 ``(B, n_virtual + T, V)`` 로 나온다.
    프리픽스 튜닝은 키·값에만 붙으므로 ``n_virtual=0`` 이다.

    Args:
        model: ``peft`` 모델.
        n_virtual: 잘라 낼 앞자리 수 (0 이상).
    """

    def __init__(self, model: nn.Module, n_virtual: int = 0) -> None:
        super().__init__()
        if not isinstance(n_virtual, int) or n_virtual < 0:
            raise ValueError(f"n_virtual은 0 이상의 정수여야 합니다: {n_virtual!r}")
        self.model, self.n_virtual = model, n_virtual

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> CausalLMOutput:
        logits = self.model(input_ids=input_ids, attention_mask=attention_mask).logits
        return CausalLMOutput(logits=logits[:, self.n_virtual :])


def build_method(method: str, base: nn.Module, config: PEFTCompareConfig | None = None) -> nn.Module:
    """몸통을 복사해 방법 하나를 적용한 모델을 만든다 (``seed`` 로 초기화를 고정; 몸통은 건드리지 않는다).

    Args:
        method: :data:`METHODS` 가운데 하나.
        base: 사전학습한 HF GPT-2 모델.
        config: 실험 설정 (LoRA r/α, 가상 토큰 수, 시드).

    Returns:
        ``model(input_ids=..., attention_mask=...).logits`` 가 입력과 같은 길이인 모델.
    """
    cfg = config or PEFTCompareConfig()
    if method not in METHODS:
        raise ValueError(f"method는 {METHODS} 가운데 하나여야 합니다: {method!r}")
    torch.manual_seed(cfg.seed)  # LoRA 의 A, 가상 토큰 임베딩, P-튜닝 인코더의 초기화를 고정
    model = copy.deepcopy(base)
    if method == "full":
        for p in model.parameters():
            p.requires_grad_(True)
        return model
    if method in ("lora_c_attn", "lora_all"):
        targets = ("c_attn",) if method == "lora_c_attn" else LORA_ALL_TARGETS
        inject_lora(model, targets, r=cfg.lora_r, alpha=cfg.lora_alpha)
        return model
    from peft import (
        AdaptionPromptConfig,
        PrefixTuningConfig,
        PromptEncoderConfig,
        PromptTuningConfig,
        TaskType,
        get_peft_model,
    )

    k = cfg.num_virtual_tokens
    if method == "llama_adapter":
        if cfg.adapter_layers > base.config.n_layer:
            raise ValueError(
                f"adapter_layers가 층 수({base.config.n_layer})보다 큽니다: {cfg.adapter_layers!r}"
            )
        # 위쪽 adapter_layers 개 층의 어텐션에 적응 프롬프트 k 개와 0 으로 시작하는 게이트를 붙인다
        acfg = AdaptionPromptConfig(
            task_type=TaskType.CAUSAL_LM, adapter_len=k, adapter_layers=cfg.adapter_layers
        )
        return get_peft_model(model, acfg)  # 출력 길이가 그대로라 자를 것이 없다
    if method == "prompt":
        pcfg: Any = PromptTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=k)
    elif method == "prefix":
        pcfg = PrefixTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=k)
    else:
        pcfg = PromptEncoderConfig(
            task_type=TaskType.CAUSAL_LM, num_virtual_tokens=k, encoder_hidden_size=base.config.n_embd
        )
    n_virtual = 0 if method == "prefix" else k  # 프리픽스는 키·값에만 붙어 출력 길이가 그대로다
    return VirtualTokenTrim(get_peft_model(model, pcfg), n_virtual)


@torch.no_grad()
def eval_loss(model: nn.Module, batch: dict[str, torch.Tensor]) -> float:
    """배치의 토큰당 손실 (nats, ``labels`` 가 -100 이 아닌 위치의 평균).

    Args:
        model: 인과 언어 모델.
        batch: :func:`review_batch` 결과.
    """
    model.eval()
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    return float(masked_lm_loss(logits, batch["labels"]))


def _sft_config(lr: float, cfg: PEFTCompareConfig, progress: bool = False) -> SFTConfig:
    return SFTConfig(
        lr=lr,
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        max_grad_norm=cfg.max_grad_norm,
        seed=cfg.seed,
        progress=progress,
    )


def run_method(
    method: str,
    lr: float,
    base: nn.Module,
    train_examples: Sequence[dict[str, list[int]]],
    eval_batches: dict[str, dict[str, torch.Tensor]],
    pad_token_id: int,
    config: PEFTCompareConfig | None = None,
    progress: bool = False,
) -> tuple[nn.Module, dict[str, Any]]:
    """방법 하나를 학습률 ``lr`` 로 학습하고 평가 배치들의 손실을 잰다.

    Args:
        method: :data:`METHODS` 가운데 하나.
        lr: 학습률.
        base: 몸통 (복사해서 쓴다).
        train_examples: :func:`pack_examples` 결과.
        eval_batches: ``{"dev": 배치, "test": 배치}`` 처럼 이름 붙인 평가 배치.
        pad_token_id: 채울 토큰 id.
        config: 실험 설정.
        progress: ``True`` 면 학습 스텝의 tqdm 진행 막대를 보인다 (노트북의 긴 셀).

    Returns:
        ``(학습한 모델, {"method", "lr", "trainable", "total", "steps", "final_train_loss", "<이름>_loss"...})``.
    """
    cfg = config or PEFTCompareConfig()
    model = build_method(method, base, cfg)
    count = trainable_parameters(model)
    if not isinstance(progress, bool):
        raise TypeError(f"progress는 bool이어야 합니다: {progress!r}")
    losses = train_sft(model, train_examples, pad_token_id, _sft_config(lr, cfg, progress))
    record: dict[str, Any] = {
        "method": method,
        "lr": float(lr),
        "trainable": count.trainable,
        "total": count.total,
        "steps": len(losses),
        "final_train_loss": _finite_or_none(losses[-1]),
    }
    for name, batch in eval_batches.items():
        record[f"{name}_loss"] = _finite_or_none(eval_loss(model, batch))
    return model, record


def _finite_or_none(x: float) -> float | None:
    """유한하면 소수 6자리로 반올림, 발산(nan/inf)했으면 ``None`` (JSON 의 null)."""
    return round(x, 6) if math.isfinite(x) else None


def _select_best(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """dev 손실이 가장 낮은 실행을 고른다. 발산한 실행(``dev_loss`` 가 ``None``)은 고르지 않는다.

    Args:
        runs: :func:`run_method` 기록들 (같은 방법, 학습률만 다름).
    """
    finite = [r for r in runs if r.get("dev_loss") is not None]
    if not finite:
        lrs = [r.get("lr") for r in runs]
        raise ValueError(f"모든 학습률에서 dev 손실이 발산했습니다 (method={runs[0]['method']!r}): {lrs!r}")
    return min(finite, key=lambda r: r["dev_loss"])  # 같으면 격자에서 앞선(작은) 학습률


def compare(config: PEFTCompareConfig | None = None, progress: bool = False) -> dict[str, Any]:
    """모든 방법 × 학습률 격자를 학습하고, dev 손실로 방법마다 학습률을 골라 시험 손실과 함께 돌려준다.

    Args:
        config: 실험 설정.
        progress: ``True`` 면 실행마다 한 줄씩 출력한다.

    Returns:
        결과 사전 (``recipe``, ``base_model``, ``data``, ``base_loss``, ``grid``, ``results``).
    """
    cfg = config or PEFTCompareConfig()
    torch.set_num_threads(cfg.threads)
    t0 = time.perf_counter()
    base, tok = load_base(cfg.base_model)
    splits = split_reviews(cfg)
    train_examples = pack_examples(splits.train, tok, cfg.block_size)
    batches = {"dev": review_batch(splits.dev, tok), "test": review_batch(splits.test, tok)}
    base_loss = {name: round(eval_loss(base, b), 6) for name, b in batches.items()}
    grid: list[dict[str, Any]] = []
    results: dict[str, dict[str, Any]] = {}
    for method in cfg.methods:
        runs = []
        for lr in cfg.lr_grid[method]:
            _, rec = run_method(method, lr, base, train_examples, batches, tok.pad_token_id, cfg)
            runs.append(rec)
            if progress:
                print(
                    f"{method:13s} lr={lr:<7g} 학습 가능 {rec['trainable']:>9,} | dev {rec['dev_loss']}"
                    f" | test {rec['test_loss']}",
                    flush=True,
                )
        grid += [{k: r[k] for k in ("method", "lr", "dev_loss")} for r in runs]
        best = _select_best(runs)  # 시험 손실이 아니라 dev 손실로 고른다
        results[method] = {"label": METHOD_LABELS[method], **best}
    n_tokens = sum(len(e["input_ids"]) for e in train_examples)
    return {
        "format": FORMAT,
        "recipe": cfg.to_dict(),
        "base_model": {"name": cfg.base_model, "files": base_model_hashes(cfg.base_model)},
        "data": {
            "n_train_reviews": len(splits.train),
            "n_dev_reviews": len(splits.dev),
            "n_test_reviews": len(splits.test),
            "n_train_blocks": len(train_examples),
            "n_train_tokens": n_tokens,
            "n_dev_tokens_scored": int((batches["dev"]["labels"][:, 1:] != -100).sum()),
            "n_test_tokens_scored": int((batches["test"]["labels"][:, 1:] != -100).sum()),
        },
        "base_loss": base_loss,
        "grid": grid,
        "results": results,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def load_results(path: str | Path | None = None, check_base: bool = True) -> dict[str, Any]:
    """결과 파일을 읽고, 몸통 체크포인트가 기록과 같은지(SHA-256) 확인한다.

    Args:
        path: 결과 JSON (기본: :func:`default_results_path`).
        check_base: ``True`` 면 ``base_model.files`` 의 해시를 지금 체크포인트와 비교해 다르면 ``ValueError``.
    """
    p = Path(path) if path is not None else default_results_path()
    if not p.is_file():
        raise ValueError(f"결과 파일이 없습니다: {str(path)!r}")
    data = json.loads(p.read_text(encoding="utf-8"))
    for key in ("format", "recipe", "base_model", "results", "grid", "base_loss"):
        if key not in data:
            raise ValueError(f"결과 파일 {p.name}에 키가 없습니다: {key!r}")
    if data["format"] != FORMAT:
        raise ValueError(f"결과 파일 형식이 다릅니다: {data['format']!r} (기대 {FORMAT})")
    if check_base:
        now = base_model_hashes(data["base_model"]["name"])
        if now != data["base_model"]["files"]:
            changed = sorted(k for k in now if now[k] != data["base_model"]["files"].get(k))
            raise ValueError(f"몸통 체크포인트가 결과 파일의 기록과 다릅니다 (바뀐 파일): {changed!r}")
    return data


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """명령줄 진입점: ``--out`` 에 결과 JSON 을 쓴다. ``--epochs`` 등으로 설정을 바꿀 수 있다."""
    parser = argparse.ArgumentParser(
        prog="python -m llmnotes.peft_compare", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--out", required=True, help="결과 JSON 경로 (예: data/peft/results.json)")
    parser.add_argument("--quiet", action="store_true", help="진행 상황을 출력하지 않는다")
    parser.add_argument("--methods", nargs="+", default=None, help=f"비교할 방법 (기본: {' '.join(METHODS)})")
    parser.add_argument(
        "--lrs", nargs="+", type=float, default=None, help="모든 방법에 쓸 학습률 격자 (기본: 방법별 격자)"
    )
    defaults = PEFTCompareConfig()
    simple = ("epochs", "batch_size", "block_size", "dev_size", "n_train", "seed", "lora_r", "base_model")
    for name in simple:
        kind = int if name in ("n_train",) else type(getattr(defaults, name))
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=None)
    args = parser.parse_args(argv)
    overrides: dict[str, Any] = {n: getattr(args, n) for n in simple if getattr(args, n) is not None}
    if args.methods is not None:
        overrides["methods"] = tuple(args.methods)
    if args.lrs is not None:
        overrides["lr_grid"] = {m: tuple(args.lrs) for m in METHODS}
    cfg = PEFTCompareConfig(**overrides)
    result = compare(cfg, progress=not args.quiet)
    argv_used = sys.argv[1:] if argv is None else argv
    prefix = "PYTHONHASHSEED=0 OMP_NUM_THREADS=1 python -m llmnotes.peft_compare "
    result["command"] = prefix + " ".join(argv_used)
    result["environment"] = {
        "python": sys.version.split()[0],
        **{n: _version(n) for n in ("torch", "transformers", "peft")},
        "threads": cfg.threads,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if not args.quiet:
        print(f"저장: {out}  ({result['seconds']} 초)")
    return result


if __name__ == "__main__":
    main()
