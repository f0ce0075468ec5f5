"""척추(spine) 모델 레시피: 한국어 말뭉치 → 바이트 수준 BPE → 작은 Llama식 모델 사전학습 → HF 형식 + 데이터시트.

실행 (저장소 최상위에서)::

    PYTHONHASHSEED=0 OMP_NUM_THREADS=2 python -m llmnotes.recipes.spine --out DIR --preset full   # CPU 2코어 약 60분
    PYTHONHASHSEED=0 OMP_NUM_THREADS=1 python -m llmnotes.recipes.spine --out DIR --preset quick  # 약 5분, 고칠 때
    torchrun --standalone --nproc_per_node=2 -m llmnotes.recipes.spine --out DIR --preset quick   # DDP (CPU 면 gloo)

설정(:class:`SpineConfig`)의 모든 필드는 ``--필드-이름 값`` 으로 바꿀 수 있다 (프리셋 값 위에 덮어쓴다).

흐름:

1. 세계 말뭉치 문서를 만들어(:func:`corpus_split`) 텍스트 해시로 검증 문서를 뗀다.
2. 학습 문서로만 BPE 를 배운다 (``llmnotes.bpe``). 문서를 ``<|endoftext|>`` 로 이어 한 줄의 토큰열로 만든다.
3. :class:`llmnotes.llama.Llama` 를 AdamW, 선형 예열 + 코사인 감쇠로 ``max_steps`` 스텝 학습한다. 스텝마다 전역
   배치(``batch_size`` 개의 길이 ``seq_len`` 창)를 같은 시드로 뽑고, 프로세스가 여럿이면(DDP) 각자 제 몫의 행을 맡는다.
   DDP 는 기울기를 평균하므로 한 프로세스가 전역 배치 전체를 계산한 것과 (부동소수점 오차 안에서) 같다.
4. 검증 문서 전체의 손실과 문자당 비트(BPC)를 재고, 몇 개의 프롬프트로 문장을 만들어 본다.
5. ``out`` 에 HF 형식(fp16 ``model.safetensors`` + ``config.json``), ``tokenizer.json`` (+ ``tokenizer_config.json``),
   ``recipe.json`` (설정, 시드, 데이터 해시, 손실 곡선, 시간, 토큰/초, 파일 해시), ``README.md`` (데이터시트)를 쓴다.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import torch

from .. import bpe
from .. import device as default_device
from ..corpora import Document
from ..llama import Llama, LlamaConfig
from ..llama_hf import load_pretrained, save_pretrained
from ..pretrain import bits_per_character, evaluate, n_characters, stream_ids

__all__ = ["SpineConfig", "PRESETS", "corpus_split", "run", "main"]

EOS, PAD, UNK = "<|endoftext|>", "<pad>", "<unk>"
RECIPE_FORMAT = 1
SAMPLE_PROMPTS = ("대한민국은", "새 조사에서", "지난달에", "다음 글을 한 문장으로 요약하세요.\n")


@dataclass
class SpineConfig:
    """레시피 설정 (``recipe.json`` 의 ``config`` 로 그대로 기록된다).

    Args:
        corpus_chars: 말뭉치 목표 글자 수 (문서를 이 양이 찰 때까지 모은다).
        val_fraction: 검증 문서 비율.
        data_seed: 세계·말뭉치 생성과 분할의 시드.
        vocab_size: BPE 어휘 크기 (특수 토큰 3개 포함).
        n_layer, n_head, n_kv_head, n_embd, intermediate_size: 모델 크기 (:class:`llmnotes.llama.LlamaConfig`).
        seq_len: 학습 창 길이 (= 모델의 ``max_seq_len``).
        seed: 초기화·배치 추출 시드.
        batch_size: 전역 배치 크기 (창 개수). 프로세스 수로 나누어떨어져야 한다.
        max_steps: 학습 스텝 수. 본 토큰 수 = max_steps × batch_size × seq_len.
        lr, min_lr: 최대 학습률과 코사인 감쇠 끝의 학습률.
        warmup_steps: 선형 예열 스텝 수.
        weight_decay: 가중치 감쇠 (2차원 가중치에만).
        grad_clip: 기울기 노름 자르기.
        eval_interval: 몇 스텝마다 검증 손실을 잴지.
        eval_tokens: 중간 검증에 쓸 검증 토큰 수 (끝에서는 검증 전체를 잰다).
        threads: 프로세스 하나의 torch CPU 스레드 수.
    """

    corpus_chars: int = 1_500_000
    val_fraction: float = 0.02
    data_seed: int = 0
    vocab_size: int = 2048
    n_layer: int = 4
    n_head: int = 4
    n_kv_head: int = 2
    n_embd: int = 128
    intermediate_size: int = 352
    seq_len: int = 128
    seed: int = 0
    batch_size: int = 16
    max_steps: int = 600
    lr: float = 3e-3
    min_lr: float = 3e-4
    warmup_steps: int = 50
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    eval_interval: int = 100
    eval_tokens: int = 20_000
    threads: int = 1

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            want = int if f.type in ("int", int) else float
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or (want is int and not isinstance(value, int))
            ):
                raise ValueError(f"{f.name}: {want.__name__} 타입이어야 합니다 (받은 값 {value!r})")
        for name in ("corpus_chars", "batch_size", "max_steps", "eval_interval", "eval_tokens", "threads"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: 1 이상이어야 합니다 (받은 값 {getattr(self, name)!r})")
        if not 0.0 < self.val_fraction < 1.0:
            raise ValueError(f"val_fraction은 0과 1 사이여야 합니다: {self.val_fraction!r}")
        if self.vocab_size < 256 + 3:
            raise ValueError(
                f"vocab_size는 259 이상이어야 합니다 (바이트 256 + 특수 토큰 3): {self.vocab_size!r}"
            )
        if not 0 < self.min_lr <= self.lr:
            raise ValueError(f"0 < min_lr <= lr이어야 합니다: min_lr={self.min_lr!r}, lr={self.lr!r}")
        if self.warmup_steps < 0 or self.weight_decay < 0 or self.grad_clip <= 0:
            raise ValueError(
                f"warmup_steps, weight_decay ≥ 0, grad_clip > 0이어야 합니다: "
                f"{self.warmup_steps!r}, {self.weight_decay!r}, {self.grad_clip!r}"
            )
        self.model_config(self.vocab_size)  # 모델 크기 검사 (잘못되면 LlamaConfig 가 인자 이름을 밝힌다)

    def model_config(self, vocab_size: int) -> LlamaConfig:
        """모델 설정 (어휘 크기는 실제로 학습된 토크나이저의 크기)."""
        return LlamaConfig(
            vocab_size=vocab_size,
            n_layer=self.n_layer,
            n_head=self.n_head,
            n_kv_head=self.n_kv_head,
            n_embd=self.n_embd,
            intermediate_size=self.intermediate_size,
            max_seq_len=self.seq_len,
        )


# 프리셋. full: 2코어 CPU 에서 약 60분 (README 의 측정 참고), quick: 약 5분, tiny: 테스트용 (몇 초).
PRESETS: dict[str, SpineConfig] = {
    "tiny": SpineConfig(
        corpus_chars=120_000, vocab_size=300, n_layer=2, n_head=2, n_kv_head=1, n_embd=32, intermediate_size=64,
        seq_len=32, batch_size=8, max_steps=6, warmup_steps=2, eval_interval=3, eval_tokens=2_000,
    ),
    "quick": SpineConfig(),
    "full": SpineConfig(
        corpus_chars=8_000_000, vocab_size=6144, n_layer=6, n_head=8, n_kv_head=4, n_embd=256,
        intermediate_size=688, seq_len=256, batch_size=16, max_steps=1200, lr=2e-3, min_lr=2e-4,
        warmup_steps=100, eval_interval=100, eval_tokens=40_000, threads=2,
    ),
}  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# 데이터
# ---------------------------------------------------------------------------------------------------------------


def corpus_split(corpus_chars: int, val_fraction: float, seed: int) -> tuple[list[Document], list[Document]]:
    """말뭉치를 만들어 학습/검증 문서로 나눈다: 세계 말뭉치(``llmnotes.world``) + 실제·프로젝트 텍스트.

    ``pretraining_corpus`` 가 헌법·의안·프로젝트 데이터(train 부분)와 세계의 train 문서를 ``corpus_chars`` 글자가
    찰 때까지 모으고, ``train_validation_split`` 이 텍스트 해시로 나눈다 (문서 순서와 무관).
    세계의 남겨 둔(held-out) 개체·말투와 마감일 뒤 사실은 train 문서에 나오지 않는다 (뒤 노트북의 평가용).

    Args:
        corpus_chars: 목표 글자 수.
        val_fraction: 검증 비율.
        seed: 세계·문서 생성과 분할의 시드.
    """
    from ..world import pretraining_corpus, train_validation_split

    texts = pretraining_corpus(corpus_chars, seed=seed, include_real=True)
    train, val = train_validation_split(texts, val_fraction, seed=seed)
    return (
        [Document(f"train-{i}", "", t, "world") for i, t in enumerate(train)],
        [Document(f"val-{i}", "", t, "world") for i, t in enumerate(val)],
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _join(docs: list[Document]) -> bytes:
    return EOS.join(d.text for d in docs).encode("utf-8")


# ---------------------------------------------------------------------------------------------------------------
# 학습
# ---------------------------------------------------------------------------------------------------------------


def _lr_at(step: int, cfg: SpineConfig) -> float:
    """스텝 ``step`` (0부터) 의 학습률: 선형 예열 뒤 코사인 감쇠."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    progress = min(1.0, (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps))
    # lr = min + ½(max − min)(1 + cos πp), p = 진행률
    return cfg.min_lr + 0.5 * (cfg.lr - cfg.min_lr) * (1 + math.cos(math.pi * progress))


def _distributed() -> tuple[int, int, torch.device]:
    """``torchrun`` 으로 실행되었으면 프로세스 그룹을 연다 (GPU 면 nccl, CPU 면 gloo). (rank, world, device)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return 0, 1, default_device()
    import torch.distributed as dist

    if torch.cuda.is_available():
        dev = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(dev)
        dist.init_process_group("nccl")
    else:
        dev = torch.device("cpu")
        dist.init_process_group("gloo")
    return dist.get_rank(), world, dev


def run(
    cfg: SpineConfig, out: str | Path, preset: str = "", command: str = "", progress: bool = True
) -> dict | None:
    """레시피 전체를 실행한다. 결과를 쓰는 프로세스(rank 0)는 기록 사전을, 나머지는 ``None`` 을 돌려준다.

    Args:
        cfg: 설정.
        out: 결과 폴더 (없으면 만든다).
        preset: 기록에 남길 프리셋 이름.
        command: 기록에 남길 실행 명령.
        progress: 진행 상황을 출력할지 (rank 0 만).
    """
    t0 = time.perf_counter()
    rank, world, dev = _distributed()
    if cfg.batch_size % world != 0:
        raise ValueError(f"batch_size({cfg.batch_size})가 프로세스 수({world})로 나누어떨어지지 않습니다")
    torch.set_num_threads(cfg.threads)
    log = (lambda *a: print(*a, flush=True)) if progress and rank == 0 else (lambda *a: None)

    # 1) 데이터와 토크나이저 (모든 프로세스가 같은 결과를 결정적으로 만든다)
    train_docs, val_docs = corpus_split(cfg.corpus_chars, cfg.val_fraction, cfg.data_seed)
    tok = bpe.train([d.text for d in train_docs], cfg.vocab_size, special_tokens=(EOS, PAD, UNK))
    eos_id = tok.special_token_id(EOS)
    # 우리 BPE 와 같은 번호를 내는 HF 토크나이저 (tests/test_bpe.py): 인코딩이 더 빠르다
    hf_fast = tok.to_hf()
    train_ids = stream_ids(train_docs, lambda t: hf_fast.encode(t).ids, eos_id)
    val_ids = stream_ids(val_docs, lambda t: hf_fast.encode(t).ids, eos_id)
    log(
        f"문서 {len(train_docs)}+{len(val_docs)}, 토큰 {train_ids.numel()}+{val_ids.numel()}, 어휘 {tok.vocab_size}"
    )
    t_data = time.perf_counter() - t0

    # 2) 모델과 옵티마이저
    torch.manual_seed(cfg.seed)
    model = Llama(cfg.model_config(tok.vocab_size)).to(dev)
    core = model
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        model = DistributedDataParallel(model, device_ids=[dev.index] if dev.type == "cuda" else None)
    params = [p for p in model.parameters()]
    opt = torch.optim.AdamW(
        [
            {"params": [p for p in params if p.dim() >= 2], "weight_decay": cfg.weight_decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
        ],
        lr=cfg.lr,
        betas=(0.9, 0.95),
    )

    # 3) 학습 루프
    gen = torch.Generator().manual_seed(cfg.seed)
    local = cfg.batch_size // world
    eval_ids = val_ids[: cfg.eval_tokens + 1]
    train_curve: list[list[float]] = []
    val_curve: list[list[float]] = []
    t_train, t_last = 0.0, time.perf_counter()
    for step in range(cfg.max_steps):
        for g in opt.param_groups:
            g["lr"] = _lr_at(step, cfg)
        # 전역 배치의 창 시작 위치를 모든 프로세스가 같은 생성기로 뽑고, 자기 몫(rank 번째 조각)만 쓴다
        starts = torch.randint(0, train_ids.numel() - cfg.seq_len - 1, (cfg.batch_size,), generator=gen)
        mine = starts[rank * local : (rank + 1) * local].tolist()
        x = torch.stack([train_ids[s : s + cfg.seq_len] for s in mine]).to(dev)
        y = torch.stack([train_ids[s + 1 : s + 1 + cfg.seq_len] for s in mine]).to(dev)
        model.train()
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()  # DDP: 여기서 프로세스들의 기울기를 평균한다 (all-reduce)
        torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        opt.step()
        loss = loss.detach()
        if world > 1:
            torch.distributed.all_reduce(loss)  # 기록용: 전역 배치의 평균 손실
            loss /= world
        train_curve.append([step + 1, round(float(loss), 6)])
        if (step + 1) % cfg.eval_interval == 0 or step + 1 == cfg.max_steps:
            t_train += time.perf_counter() - t_last
            if rank == 0:
                val_loss, _ = evaluate(core, eval_ids.to(dev), cfg.seq_len)
                val_curve.append([step + 1, round(val_loss, 6)])
                log(
                    f"step {step + 1:5d}  train {float(loss):.4f}  val {val_loss:.4f}  ({time.perf_counter() - t0:.0f}s)"
                )
            t_last = time.perf_counter()
    tokens_seen = cfg.max_steps * cfg.batch_size * cfg.seq_len
    if world > 1:
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
    if rank != 0:
        return None

    # 4) 평가, 생성 예시, 저장
    core.eval()
    val_loss, n_val_tokens = evaluate(core, val_ids.to(dev), cfg.seq_len)
    n_val_chars = n_characters(val_docs)
    samples = _samples(core, tok, dev)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    ids = {"bos_token_id": eos_id, "eos_token_id": eos_id, "pad_token_id": tok.special_token_id(PAD)}
    save_pretrained(core.cpu(), out, dtype=torch.float16, **ids)  # 싣는 파일은 fp16 (크기 절반)
    hf_tok = tok.to_transformers()
    hf_tok.model_max_length = cfg.seq_len
    hf_tok.save_pretrained(str(out))
    shipped = load_pretrained(out)  # 저장된 fp16 가중치를 float32 로 올려 다시 잰다: 싣는 모델의 숫자
    val_loss_fp16, _ = evaluate(shipped, val_ids, cfg.seq_len)
    recipe = {
        "format": RECIPE_FORMAT,
        "recipe": "llmnotes.recipes.spine",
        "preset": preset,
        "command": command,
        "config": asdict(cfg),
        "model_config": core.config.to_dict(),
        "n_parameters": core.num_parameters(),
        "seed": cfg.seed,
        "data": {
            "corpus": "llmnotes.world.pretraining_corpus (세계 train 문서 + 헌법·의안·프로젝트 데이터 train 부분)",
            "n_train_docs": len(train_docs),
            "n_val_docs": len(val_docs),
            "n_train_chars": n_characters(train_docs),
            "n_val_chars": n_val_chars,
            "n_train_tokens": int(train_ids.numel()),
            "n_val_tokens": int(val_ids.numel()),
            "train_sha256": _sha256(_join(train_docs)),
            "validation_sha256": _sha256(_join(val_docs)),
        },
        "results": {
            "steps": cfg.max_steps,
            "tokens_seen": tokens_seen,
            "epochs_over_train_tokens": round(tokens_seen / train_ids.numel(), 3),
            "val_loss": round(val_loss, 6),
            "val_loss_fp16": round(val_loss_fp16, 6),
            "val_perplexity": round(math.exp(val_loss), 4),
            "val_bits_per_char": round(bits_per_character(val_loss, n_val_tokens, n_val_chars), 6),
            "val_bits_per_char_fp16": round(bits_per_character(val_loss_fp16, n_val_tokens, n_val_chars), 6),
            "train_loss_curve": train_curve,
            "val_loss_curve": val_curve,
            "data_seconds": round(t_data, 1),
            "train_seconds": round(t_train, 1),
            "train_tokens_per_second": round(tokens_seen / max(t_train, 1e-9), 1),
            "wall_seconds": round(time.perf_counter() - t0, 1),
            "samples": samples,
        },
        "environment": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": _version("transformers"),
            "device": str(dev),
            "processes": world,
            "threads_per_process": cfg.threads,
        },
    }
    recipe["files"] = {
        p.name: _sha256(p.read_bytes())
        for p in sorted(out.iterdir())
        if p.name not in ("recipe.json", "README.md")
    }
    (out / "recipe.json").write_text(
        json.dumps(recipe, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (out / "README.md").write_text(_datasheet(recipe), encoding="utf-8")
    r = recipe["results"]
    log(
        f"저장 {out.name}/: 검증 손실 {val_loss:.4f}, BPC {r['val_bits_per_char']:.4f}, {r['train_tokens_per_second']:.0f} 토큰/초"
    )
    return recipe


@torch.no_grad()
def _samples(model: Llama, tok: bpe.BPETokenizer, dev: torch.device) -> list[dict[str, str]]:
    """고정 프롬프트로 탐욕적 생성 하나, 시드 고정 샘플링 하나씩."""
    eos = tok.special_token_id(EOS)

    def cut(seq: list[int]) -> list[int]:  # 문서 끝 토큰에서 자른다
        return seq[: seq.index(eos)] if eos in seq else seq

    out = []
    for prompt in SAMPLE_PROMPTS:
        ids = torch.tensor([tok.encode(prompt)], device=dev)
        n = min(40, model.config.max_seq_len - ids.size(1))
        greedy = model.generate(ids, n)[0, ids.size(1) :].tolist()
        sampled = model.generate(ids, n, do_sample=True, temperature=0.8, top_k=50, seed=0)[
            0, ids.size(1) :
        ].tolist()
        out.append({"prompt": prompt, "greedy": tok.decode(cut(greedy)), "sampled": tok.decode(cut(sampled))})
    return out


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def _datasheet(rec: dict[str, Any]) -> str:
    """결과 폴더의 ``README.md`` (데이터시트)."""
    c, d, r, m = rec["config"], rec["data"], rec["results"], rec["model_config"]
    lines = [
        f"# 척추(spine) 모델: 작은 Llama식 한국어 언어 모델 (프리셋 `{rec['preset']}`)",
        "",
        f"만든 레시피: `{rec['recipe']}` (`{rec['command']}`), 시드 {rec['seed']}.",
        "",
        "## 모델",
        f"- Llama식 디코더 (RMSNorm, RoPE, SwiGLU, GQA): {m['n_layer']}층, 은닉 {m['n_embd']}, 쿼리 헤드 {m['n_head']}, "
        f"키·값 헤드 {m['n_kv_head']}, SwiGLU {m['intermediate_size']}, 문맥 {m['max_seq_len']}, 어휘 {m['vocab_size']} "
        f"(출력층과 임베딩 공유). 파라미터 {rec['n_parameters']:,}개.",
        "- 파일: `model.safetensors` (fp16), `config.json` (`LlamaForCausalLM`), `tokenizer.json` (우리 바이트 수준 BPE).",
        "  `transformers.AutoModelForCausalLM.from_pretrained(폴더)`와 `AutoTokenizer.from_pretrained(폴더)`로 읽는다.",
        "",
        "## 데이터",
        f"- {d['corpus']}.",
        f"- 학습 문서 {d['n_train_docs']:,}개 ({d['n_train_chars']:,}자, {d['n_train_tokens']:,} 토큰), "
        f"검증 문서 {d['n_val_docs']:,}개 ({d['n_val_chars']:,}자, {d['n_val_tokens']:,} 토큰). 검증 문서는 텍스트 해시로 "
        f"약 {c['val_fraction']} 비율을 떼었고 토크나이저와 학습에 쓰지 않았다. 세계의 남겨 둔 개체·말투와 마감일 뒤 "
        "사실은 학습 문서에 없다 (평가용).",
        f"- 해시 (SHA-256, 문서를 `<|endoftext|>`로 이은 UTF-8): 학습 `{d['train_sha256'][:16]}…`, "
        f"검증 `{d['validation_sha256'][:16]}…` (전체 값은 `recipe.json`).",
        "",
        "## 학습",
        f"- AdamW (β=(0.9, 0.95), 가중치 감쇠 {c['weight_decay']}), 학습률 {c['lr']} → {c['min_lr']} "
        f"(예열 {c['warmup_steps']} 스텝 + 코사인), 배치 {c['batch_size']} × {c['seq_len']} 토큰, {c['max_steps']} 스텝 = "
        f"{r['tokens_seen']:,} 토큰 (학습 토큰의 {r['epochs_over_train_tokens']}배).",
        f"- 장치 {rec['environment']['device']}, 프로세스 {rec['environment']['processes']}, 프로세스당 스레드 "
        f"{rec['environment']['threads_per_process']}. 학습 {r['train_seconds']} 초 ({r['train_tokens_per_second']:,.0f} 토큰/초), "
        f"전체 {r['wall_seconds']} 초. 공유 기계에서 잰 시간이라 부하에 따라 달라진다.",
        "",
        "## 결과 (검증 문서 전체)",
        f"- 손실 {r['val_loss']:.4f} nats/토큰 (퍼플렉서티 {r['val_perplexity']}), 문자당 비트 {r['val_bits_per_char']:.4f}.",
        f"- 저장한 fp16 가중치로 다시 잰 값: 손실 {r['val_loss_fp16']:.4f}, 문자당 비트 {r['val_bits_per_char_fp16']:.4f}.",
        "- 손실 곡선: `recipe.json`의 `train_loss_curve`, `val_loss_curve`.",
        "",
        "## 생성 예시 (탐욕적 / 온도 0.8·top-k 50·시드 0)",
    ]
    for s in r["samples"]:
        # 마크다운 목록이 깨지지 않게 줄바꿈은 ↵ 로 보인다
        greedy, sampled = (f"{s['prompt']}{s[k]}".replace("\n", "↵") for k in ("greedy", "sampled"))
        lines += [f"- 탐욕적: {greedy}", f"  샘플링: {sampled}"]
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict | None:
    """명령줄 진입점. ``--preset`` 값 위에 ``--필드-이름`` 으로 준 값을 덮어쓴다."""
    parser = argparse.ArgumentParser(
        prog="python -m llmnotes.recipes.spine", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--out", required=True, help="결과 폴더")
    parser.add_argument("--preset", default="quick", choices=sorted(PRESETS))
    parser.add_argument("--quiet", action="store_true", help="진행 상황을 출력하지 않는다")
    for f in fields(SpineConfig):
        kind = int if f.type in ("int", int) else float
        parser.add_argument(f"--{f.name.replace('_', '-')}", type=kind, default=None)
    args = parser.parse_args(argv)
    overrides = {
        f.name: getattr(args, f.name) for f in fields(SpineConfig) if getattr(args, f.name) is not None
    }
    cfg = replace(PRESETS[args.preset], **overrides)
    command = "python -m llmnotes.recipes.spine " + " ".join(sys.argv[1:] if argv is None else argv)
    return run(cfg, args.out, preset=args.preset, command=command, progress=not args.quiet)


if __name__ == "__main__":
    main()
