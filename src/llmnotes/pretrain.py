"""작은 한국어 GPT 사전학습 스크립트: BPE 토크나이저 학습 → GPT 학습(조기 종료) → HF 형식 저장 + 기록(recipe).

실행 (저장소 최상위에서)::

    PYTHONHASHSEED=0 OMP_NUM_THREADS=1 python -m llmnotes.pretrain --out data/models/tiny-ko-gpt

데이터는 설치된 패키지와 이 프로젝트의 생성기에서만 온다 (네트워크 없음):

- 대한민국 헌법 본문 조문 (KoNLPy ``kolaw``) — 조문 하나가 문서 하나
- 국회 의안 10건 (KoNLPy ``kobill``) — 의안마다 줄을 약 ``bill_chunk_chars`` 글자씩 묶어 문서로
- 생성 문장 (``llmnotes.textgen``, 고정 시드) — ``sentences_per_line`` 문장씩 한 문서

문서를 시드로 섞어 ``val_fraction`` 만큼을 검증용으로 떼고, 검증 문서 id 목록을 ``recipe.json`` 에 적는다.
그래서 누구나 같은 검증 텍스트를 다시 만들어 기록된 검증 손실을 확인할 수 있다 (:func:`validation_documents`).

결과 폴더: ``config.json`` + ``model.safetensors`` (``transformers`` GPT-2 형식), ``tokenizer.json`` (우리 BPE),
``tokenizer_config.json``, ``recipe.json`` (설정, 시드, 데이터 해시, 명령, 검증 손실, 문자당 비트, 버전, 스텝 수).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import platform
import random
import sys
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import torch

from .checks import CLIP_NORM, NON_NEGATIVE, POSITIVE, PROBABILITY, check_fields
from .corpora import Document, constitution_articles, load_bills
from .gpt import GPT, GPTConfig, save_pretrained
from .hangul import nfc

__all__ = [
    "PretrainConfig",
    "build_documents",
    "split_documents",
    "validation_documents",
    "stream_ids",
    "evaluate",
    "bits_per_character",
    "train",
    "main",
]

EOS = "<|endoftext|>"
PAD = "<pad>"
UNK = "<unk>"
SPECIAL_TOKENS = (EOS, PAD, UNK)
RECIPE_FORMAT = 1


@dataclass
class PretrainConfig:
    """사전학습 설정 (기록 ``recipe.json`` 의 ``config`` 로 그대로 저장된다).

    Args:
        vocab_size: BPE 어휘 크기 (특수 토큰 포함).
        n_layer, n_head, n_embd, block_size, dropout: GPT 설정.
        n_generated: 생성 문장 수.
        sentences_per_line: 생성 문서 하나에 넣을 문장 수.
        gen_seed: 생성기 시드.
        bill_chunk_chars: 의안을 문서로 자를 때의 대략적인 글자 수.
        val_fraction: 검증 문서 비율.
        seed: 분할·초기화·배치 추출 시드.
        batch_size: 배치 크기 (문맥 ``block_size`` 짜리 창 개수).
        lr: 최대 학습률 (AdamW).
        min_lr: 코사인 감쇠의 끝 학습률.
        warmup_steps: 선형 예열 스텝 수.
        max_steps: 최대 스텝 수.
        weight_decay: 가중치 감쇠 (2차원 이상 가중치에만).
        grad_clip: 그래디언트 노름 자르기.
        eval_interval: 몇 스텝마다 검증할지.
        patience: 검증 손실이 이 횟수만큼 연속으로 나아지지 않으면 멈춘다 (조기 종료).
        threads: torch CPU 스레드 수.
    """

    vocab_size: int = 4096
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    block_size: int = 128
    dropout: float = 0.0
    n_generated: int = 30000
    sentences_per_line: int = 4
    gen_seed: int = 0
    bill_chunk_chars: int = 400
    val_fraction: float = 0.05
    seed: int = 0
    batch_size: int = 16
    lr: float = 3e-3
    min_lr: float = 3e-4
    warmup_steps: int = 100
    max_steps: int = 1500
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    eval_interval: int = 100
    patience: int = 4
    threads: int = 1

    def __post_init__(self) -> None:
        check_fields(
            self,
            dropout=PROBABILITY,
            val_fraction=PROBABILITY,
            lr=POSITIVE,
            min_lr=NON_NEGATIVE,
            weight_decay=NON_NEGATIVE,
            grad_clip=CLIP_NORM,
        )  # NaN·inf·범위 밖 값은 이름과 함께 거부
        for f in fields(self):
            v = getattr(self, f.name)
            if f.type in ("int", int) and (not isinstance(v, int) or isinstance(v, bool)):
                raise ValueError(f"{f.name}: 정수여야 합니다 (받은 값 {v!r})")
        for name in ("vocab_size", "n_generated", "sentences_per_line", "batch_size", "max_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: 1 이상이어야 합니다 (받은 값 {getattr(self, name)!r})")
        if not 0.0 < self.val_fraction < 1.0:
            raise ValueError(f"val_fraction은 0과 1 사이여야 합니다: {self.val_fraction!r}")
        if self.eval_interval < 1 or self.patience < 1:
            raise ValueError(
                f"eval_interval, patience는 1 이상이어야 합니다: {self.eval_interval}, {self.patience}"
            )

    def gpt_config(self, vocab_size: int) -> GPTConfig:
        """GPT 설정을 만든다 (어휘 크기는 실제로 학습된 토크나이저의 크기)."""
        return GPTConfig(
            vocab_size=vocab_size,
            n_layer=self.n_layer,
            n_head=self.n_head,
            n_embd=self.n_embd,
            block_size=self.block_size,
            dropout=self.dropout,
        )


# ---------------------------------------------------------------------------------------------------------------
# 데이터
# ---------------------------------------------------------------------------------------------------------------


def _chunk_lines(text: str, max_chars: int) -> list[str]:
    """줄 단위로 약 ``max_chars`` 글자씩 묶는다 (줄을 중간에서 자르지 않는다)."""
    chunks: list[str] = []
    cur: list[str] = []
    size = 0
    for line in text.split("\n"):
        if cur and size + len(line) > max_chars:
            chunks.append("\n".join(cur))
            cur, size = [], 0
        cur.append(line)
        size += len(line) + 1
    if cur:
        chunks.append("\n".join(cur))
    return chunks


def build_documents(
    n_generated: int = 30000, sentences_per_line: int = 4, gen_seed: int = 0, bill_chunk_chars: int = 400
) -> list[Document]:
    """사전학습 문서 목록을 만든다 (언제나 같은 순서, 같은 내용).

    Args:
        n_generated: 생성 문장 수.
        sentences_per_line: 생성 문서 하나의 문장 수.
        gen_seed: 생성기 시드.
        bill_chunk_chars: 의안 조각의 대략적인 글자 수.
    """
    from .textgen import generate

    docs = [Document(a.id, a.chapter, nfc(a.text), "kolaw") for a in constitution_articles("본문")]
    for bill in load_bills():
        for k, chunk in enumerate(_chunk_lines(bill.text, bill_chunk_chars)):
            docs.append(Document(f"{bill.id}#{k}", bill.title, nfc(chunk), "kobill"))
    # 배포된 tiny-ko-gpt 는 시제를 고치기 전의 생성 문장으로 학습했다: 기록된 데이터 해시를 다시 만들려면 그 문장이 필요하다.
    sents = generate(n_generated, seed=gen_seed, legacy_tense=True)
    for k in range(0, len(sents), sentences_per_line):
        docs.append(
            Document(
                f"gen-{k // sentences_per_line}", "", " ".join(sents[k : k + sentences_per_line]), "generated"
            )
        )
    return docs


def split_documents(
    docs: list[Document], val_fraction: float, seed: int
) -> tuple[list[Document], list[Document]]:
    """출처(헌법/의안/생성)마다 같은 비율로 검증 문서를 뗀다 (층화 분할). 순서는 원래 순서를 유지한다.

    Args:
        docs: 문서 목록.
        val_fraction: 검증 비율.
        seed: 섞기 시드.
    """
    r = random.Random(seed)
    val_ids: set[str] = set()
    for source in sorted({d.source for d in docs}):
        ids = [d.id for d in docs if d.source == source]
        r.shuffle(ids)
        n_val = max(1, round(len(ids) * val_fraction))
        val_ids.update(ids[:n_val])
    train = [d for d in docs if d.id not in val_ids]
    val = [d for d in docs if d.id in val_ids]
    return train, val


def validation_documents(recipe: dict[str, Any]) -> list[Document]:
    """기록(``recipe.json`` 내용)에서 검증 문서를 다시 만든다. 해시가 다르면 ``ValueError``.

    Args:
        recipe: ``recipe.json`` 을 읽은 사전.
    """
    cfg = recipe["config"]
    docs = build_documents(
        cfg["n_generated"], cfg["sentences_per_line"], cfg["gen_seed"], cfg["bill_chunk_chars"]
    )
    wanted = set(recipe["data"]["validation_ids"])
    val = [d for d in docs if d.id in wanted]
    digest = _sha256_text(_join(val))
    if digest != recipe["data"]["validation_sha256"]:
        raise ValueError(
            f"다시 만든 검증 텍스트의 해시가 기록과 다릅니다: {digest[:12]} != {recipe['data']['validation_sha256'][:12]}"
        )
    return val


def _join(docs: list[Document]) -> str:
    return EOS.join(d.text for d in docs)


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stream_ids(docs: list[Document], encode, eos_id: int) -> torch.Tensor:
    """문서들을 ``[EOS] 문서1 [EOS] 문서2 ...`` 한 줄의 토큰열로 잇는다.

    Args:
        docs: 문서 목록.
        encode: 텍스트 → 토큰 번호 목록 함수.
        eos_id: 문서 경계 토큰 번호.
    """
    out: list[int] = []
    for d in docs:
        out.append(eos_id)
        out.extend(encode(d.text))
    return torch.tensor(out, dtype=torch.long)


def n_characters(docs: list[Document]) -> int:
    """문자당 비트의 분모: 문서 글자 수의 합 + 문서 경계 (경계 하나를 한 글자로 센다)."""
    return sum(len(d.text) for d in docs) + len(docs)


# ---------------------------------------------------------------------------------------------------------------
# 평가
# ---------------------------------------------------------------------------------------------------------------


@torch.no_grad()
def evaluate(model, ids: torch.Tensor, block_size: int, batch_size: int = 32) -> tuple[float, int]:
    """토큰열 전체의 평균 음의 로그 가능도(nats/토큰)를 결정적으로 계산한다.

    길이 ``block_size + 1`` 의 창을 ``block_size`` 칸씩 겹치지 않게 밀며, 각 창에서 첫 토큰을 뺀 모든 토큰을
    예측한다. 그래서 토큰 1..N-1 이 정확히 한 번씩 평가된다. 우리 :class:`GPT` 와 ``transformers`` 모델 모두 받는다.

    Args:
        model: 우리 GPT 또는 ``GPT2LMHeadModel``.
        ids: 1차원 토큰열.
        block_size: 창 길이.
        batch_size: 한 번에 계산할 창 수.

    Returns:
        ``(평균 NLL, 평가한 토큰 수)``.
    """
    if ids.dim() != 1 or ids.numel() < 2:
        raise ValueError(f"ids는 길이 2 이상의 1차원 텐서여야 합니다: shape={tuple(ids.shape)}")
    was_training = model.training
    model.eval()
    windows = []
    for start in range(0, ids.numel() - 1, block_size):
        windows.append(ids[start : start + block_size + 1])
    total, count = 0.0, 0
    for i in range(0, len(windows), batch_size):
        group = windows[i : i + batch_size]
        for w in _same_length_groups(group):
            x, y = w[:, :-1], w[:, 1:]
            out = model(x)
            logits = out[0] if isinstance(out, tuple) else out.logits
            nll = torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.size(-1)).float(), y.reshape(-1), reduction="sum"
            )
            total += float(nll)
            count += y.numel()
    model.train(was_training)
    return total / count, count


def _same_length_groups(windows: list[torch.Tensor]) -> list[torch.Tensor]:
    by_len: dict[int, list[torch.Tensor]] = {}
    for w in windows:
        by_len.setdefault(w.numel(), []).append(w)
    return [torch.stack(ws) for _, ws in sorted(by_len.items(), reverse=True)]


def bits_per_character(mean_nll: float, n_tokens: int, n_chars: int) -> float:
    """문자당 비트(BPC) = 전체 NLL(nats) / ln 2 / 글자 수. 토크나이저가 달라도 비교할 수 있다.

    Args:
        mean_nll: 토큰당 평균 NLL (nats).
        n_tokens: 평가한 토큰 수.
        n_chars: 같은 텍스트의 글자 수.
    """
    if n_chars < 1:
        raise ValueError(f"n_chars는 1 이상이어야 합니다: {n_chars!r}")
    return mean_nll * n_tokens / math.log(2) / n_chars


# ---------------------------------------------------------------------------------------------------------------
# 학습
# ---------------------------------------------------------------------------------------------------------------


def _lr_at(step: int, cfg: PretrainConfig) -> float:
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps  # 선형 예열
    # 코사인 감쇠: lr = min + ½(max − min)(1 + cos(π · 진행률))
    progress = min(1.0, (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps))
    return cfg.min_lr + 0.5 * (cfg.lr - cfg.min_lr) * (1 + math.cos(math.pi * progress))


def _batch(data: torch.Tensor, block_size: int, batch_size: int, gen: torch.Generator):
    starts = torch.randint(0, data.numel() - block_size - 1, (batch_size,), generator=gen)
    x = torch.stack([data[s : s + block_size] for s in starts.tolist()])
    y = torch.stack([data[s + 1 : s + 1 + block_size] for s in starts.tolist()])
    return x, y


def train(cfg: PretrainConfig, out: str | Path, command: str = "", progress: bool = True) -> dict[str, Any]:
    """토크나이저와 GPT 를 학습해 ``out`` 에 저장하고 기록(사전)을 돌려준다.

    Args:
        cfg: 설정.
        out: 결과 폴더 (없으면 만든다).
        command: 기록에 남길 실행 명령.
        progress: 진행 상황을 출력할지.
    """
    from . import bpe

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    t_start = time.perf_counter()
    log = (lambda *a: print(*a, flush=True)) if progress else (lambda *a: None)

    docs = build_documents(cfg.n_generated, cfg.sentences_per_line, cfg.gen_seed, cfg.bill_chunk_chars)
    train_docs, val_docs = split_documents(docs, cfg.val_fraction, cfg.seed)
    log(f"문서: 학습 {len(train_docs)}, 검증 {len(val_docs)}")

    # 1) 토크나이저: 학습 문서로만 배운다 (검증 텍스트를 보지 않는다)
    tok = bpe.train([d.text for d in train_docs], cfg.vocab_size, special_tokens=SPECIAL_TOKENS)
    eos_id = tok.special_token_id(EOS)
    train_ids = stream_ids(train_docs, tok.encode, eos_id)
    val_ids = stream_ids(val_docs, tok.encode, eos_id)
    log(f"토큰: 학습 {train_ids.numel()}, 검증 {val_ids.numel()}, 어휘 {tok.vocab_size}")

    # 2) 모델
    model = GPT(cfg.gpt_config(tok.vocab_size))
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.lr,
        betas=(0.9, 0.95),
    )
    gen = torch.Generator().manual_seed(cfg.seed)
    history: list[dict[str, float]] = []
    best = (float("inf"), -1)
    best_state = None
    bad = 0
    step = 0
    for step in range(1, cfg.max_steps + 1):
        for g in opt.param_groups:
            g["lr"] = _lr_at(step - 1, cfg)
        x, y = _batch(train_ids, cfg.block_size, cfg.batch_size, gen)
        model.train()
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        if step % cfg.eval_interval == 0 or step == cfg.max_steps:
            val_loss, _ = evaluate(model, val_ids, cfg.block_size)
            history.append(
                {"step": step, "train_loss": round(loss.item(), 4), "val_loss": round(val_loss, 4)}
            )
            log(
                f"step {step:5d}  train {loss.item():.4f}  val {val_loss:.4f}  ({time.perf_counter() - t_start:.0f}s)"
            )
            if val_loss < best[0] - 1e-4:
                best = (val_loss, step)
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                bad = 0
            else:
                bad += 1
                if bad >= cfg.patience:
                    log(f"조기 종료: {cfg.patience}번 연속 개선 없음 (최고 step {best[1]})")
                    break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    train_seconds = time.perf_counter() - t_start

    # 3) 저장 (HF 형식) 후, 저장된 파일로 검증 손실을 다시 계산해 기록한다
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    save_pretrained(
        model, out, bos_token_id=eos_id, eos_token_id=eos_id, pad_token_id=tok.special_token_id(PAD)
    )
    hf_tok = tok.to_transformers()
    hf_tok.model_max_length = cfg.block_size
    hf_tok.save_pretrained(str(out))
    from .gpt import load_pretrained

    reloaded = load_pretrained(out)
    val_loss, n_val_tokens = evaluate(reloaded, val_ids, cfg.block_size)
    n_chars = n_characters(val_docs)
    recipe = {
        "format": RECIPE_FORMAT,
        "name": out.name,
        "command": command,
        "config": asdict(cfg),
        "model_config": model.config.to_dict(),
        "n_parameters": model.num_parameters(),
        "data": {
            "sources": ["kolaw constitution (본문)", "kobill (10 bills)", "llmnotes.textgen generated"],
            "n_train_docs": len(train_docs),
            "n_val_docs": len(val_docs),
            "n_train_tokens": int(train_ids.numel()),
            "n_val_tokens": int(val_ids.numel()),
            "train_sha256": _sha256_text(_join(train_docs)),
            "validation_sha256": _sha256_text(_join(val_docs)),
            "validation_ids": [d.id for d in val_docs],
        },
        "results": {
            "steps": step,
            "best_step": best[1],
            "tokens_seen": step * cfg.batch_size * cfg.block_size,
            "val_loss": round(val_loss, 6),
            "val_perplexity": round(math.exp(val_loss), 4),
            "val_bits_per_char": round(bits_per_character(val_loss, n_val_tokens, n_chars), 6),
            "val_chars": n_chars,
            "val_tokens_scored": n_val_tokens,
            "train_seconds": round(train_seconds, 1),
            "history": history,
        },
        "environment": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": _version("transformers"),
            "tokenizers": _version("tokenizers"),
            "threads": cfg.threads,
        },
        "files": {
            name: _sha256_file(out / name)
            for name in ("config.json", "model.safetensors", "tokenizer.json")
            if (out / name).is_file()
        },
    }
    (out / "recipe.json").write_text(
        json.dumps(recipe, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    log(f"저장: {out.name}/  검증 손실 {val_loss:.4f}, BPC {recipe['results']['val_bits_per_char']:.4f}")
    return recipe


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """명령줄 진입점. ``PretrainConfig`` 의 모든 필드를 ``--필드-이름`` 으로 바꿀 수 있다."""
    parser = argparse.ArgumentParser(prog="python -m llmnotes.pretrain", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="결과 폴더 (예: data/models/tiny-ko-gpt)")
    parser.add_argument("--quiet", action="store_true", help="진행 상황을 출력하지 않는다")
    defaults = PretrainConfig()
    for f in fields(PretrainConfig):
        parser.add_argument(
            f"--{f.name.replace('_', '-')}", type=type(getattr(defaults, f.name)), default=None
        )
    args = parser.parse_args(argv)
    overrides = {
        f.name: getattr(args, f.name) for f in fields(PretrainConfig) if getattr(args, f.name) is not None
    }
    cfg = PretrainConfig(**overrides)
    argv_used = sys.argv[1:] if argv is None else argv
    command = "python -m llmnotes.pretrain " + " ".join(argv_used)
    return train(cfg, args.out, command=command, progress=not args.quiet)


if __name__ == "__main__":
    main()
