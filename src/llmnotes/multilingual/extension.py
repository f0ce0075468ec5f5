"""어휘 확장(vocabulary extension): 새 토큰 고르기, 새 임베딩 초기화 세 가지, 추가 사전학습.

1. 새 토큰 후보 (:func:`new_word_tokens`)와 옛 BPE 앞에 새 단어 토큰을 얹는 :class:`ExtendedTokenizer`.
2. 새 임베딩 행 초기화: 무작위, 옛 하위 조각의 평균, WECHSEL 식 (정렬된 공간에서 가까운 원본 단어들의 임베딩을
   유사도로 가중 평균).
3. 임베딩 행을 늘리는 :func:`extend_gpt` (``transformers`` 의 ``resize_token_embeddings`` 와 옛 행이 같다),
   짧은 추가 사전학습 루프 :func:`further_pretrain`.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch

from ..bpe import BPETokenizer, pretokenize
from ..gpt import GPT, GPTConfig


def new_word_tokens(base: BPETokenizer, texts: Sequence[str], min_count: int = 2) -> list[str]:
    """어휘 확장 후보: 정규식 조각 가운데 글자로만 된 것, ``min_count`` 번 이상, 옛 BPE 로 2조각 이상.

    빈도 내림차순(같으면 문자열 순)으로 돌려준다.

    Args:
        base: 옛 토크나이저.
        texts: 새 언어(또는 새 분야)의 학습 문장들.
        min_count: 최소 빈도.
    """
    if not texts:
        raise ValueError("texts가 비었습니다")
    counts = Counter(p for t in texts for p in pretokenize(unicodedata.normalize("NFC", t)))
    keep = [
        p
        for p, c in counts.items()
        if c >= min_count and p.strip().isalpha() and len(base.encode(p, allow_special=False)) >= 2
    ]
    return sorted(keep, key=lambda p: (-counts[p], p))


# ---------------------------------------------------------------------------------------------------------------
# 5. 새 토큰 임베딩 초기화
# ---------------------------------------------------------------------------------------------------------------


def init_random(n_new: int, dim: int, std: float = 0.02, seed: int = 0) -> torch.Tensor:
    """새 행 ``n_new`` 개를 N(0, std²) 로 뽑는다 (GPT-2 의 처음 초기화와 같은 분포)."""
    if n_new < 1 or dim < 1:
        raise ValueError(f"n_new, dim은 1 이상이어야 합니다: n_new={n_new}, dim={dim}")
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n_new, dim, generator=g) * std


def _check_pieces(pieces: Sequence[Sequence[int]], n_rows: int, name: str) -> None:
    if not pieces:
        raise ValueError(f"{name}: 비었습니다 (받은 값 {pieces!r})")
    for i, p in enumerate(pieces):
        if len(p) == 0:
            raise ValueError(f"{name}[{i}]: 비었습니다 (하위 조각이 하나도 없음)")
        bad = [t for t in p if not 0 <= int(t) < n_rows]
        if bad:
            raise ValueError(f"{name}[{i}]: 옛 어휘 {n_rows}개 밖의 id가 있습니다 (받은 값 {bad[0]})")


def init_mean(old_emb: torch.Tensor, pieces: Sequence[Sequence[int]]) -> torch.Tensor:
    """새 토큰마다 옛 토크나이저가 자른 하위 조각(sub-piece) 임베딩의 평균: e_new = (1/|P|) Σ_{p∈P} E[p].

    Args:
        old_emb: ``(V_old, d)`` 옛 임베딩 행렬.
        pieces: 새 토큰마다 옛 토큰 id 목록.
    """
    _check_pieces(pieces, old_emb.shape[0], "pieces")
    return torch.stack([old_emb[list(p)].mean(dim=0) for p in pieces])


def init_wechsel(
    old_emb: torch.Tensor,
    new_vectors: np.ndarray,
    src_vectors: np.ndarray,
    src_pieces: Sequence[Sequence[int]],
    k: int = 10,
    temperature: float = 0.1,
) -> torch.Tensor:
    """WECHSEL 식 초기화 (Minixhofer et al. 2022).

    새 토큰 t 의 정렬된 정적 벡터 v_t 와 원본 언어 단어 s 의 정적 벡터 u_s 의 코사인 유사도 sim(t, s) 를 재고,
    가장 가까운 k 개 N_k(t) 에 대해

        w_s = softmax_{s ∈ N_k(t)}(sim(t, s) / τ),   e_t = Σ_s w_s · E_src(s)

    로 둔다. 여기서 E_src(s) 는 원본 단어 s 를 모델의 옛 임베딩으로 나타낸 것 (옛 하위 조각 평균).

    Args:
        old_emb: ``(V_old, d_model)`` 옛 임베딩.
        new_vectors: ``(n_new, d_static)`` 원본 공간으로 정렬한 새 토큰의 정적 벡터.
        src_vectors: ``(n_src, d_static)`` 원본 언어 단어의 정적 벡터.
        src_pieces: 원본 단어마다 옛 토큰 id 목록 (``src_vectors`` 의 행 순서).
        k: 섞을 이웃 수.
        temperature: 소프트맥스 온도 τ (작을수록 가장 가까운 이웃에 몰린다).
    """
    new_vectors = np.asarray(new_vectors, dtype=np.float64)
    src_vectors = np.asarray(src_vectors, dtype=np.float64)
    if new_vectors.ndim != 2 or src_vectors.ndim != 2 or new_vectors.shape[1] != src_vectors.shape[1]:
        raise ValueError(f"정적 벡터 차원이 맞지 않습니다: new={new_vectors.shape}, src={src_vectors.shape}")
    if len(src_pieces) != src_vectors.shape[0]:
        raise ValueError(
            f"src_pieces {len(src_pieces)}개가 src_vectors 행 {src_vectors.shape[0]}개와 다릅니다"
        )
    if not 1 <= k <= src_vectors.shape[0]:
        raise ValueError(f"k는 1 이상 원본 단어 수({src_vectors.shape[0]}) 이하여야 합니다: {k!r}")
    if not temperature > 0:
        raise ValueError(f"temperature는 양수여야 합니다: {temperature!r}")
    src_emb = init_mean(old_emb, src_pieces)  # (n_src, d_model): 원본 단어의 모델 임베딩
    a = new_vectors / np.maximum(np.linalg.norm(new_vectors, axis=1, keepdims=True), 1e-12)
    b = src_vectors / np.maximum(np.linalg.norm(src_vectors, axis=1, keepdims=True), 1e-12)
    sim = torch.from_numpy(a @ b.T).float()  # (n_new, n_src) 코사인 유사도
    top, idx = sim.topk(k, dim=1)
    w = torch.softmax(top / temperature, dim=1)  # (n_new, k)
    return torch.einsum("nk,nkd->nd", w, src_emb[idx])


# ---------------------------------------------------------------------------------------------------------------
# 6. 어휘 확장과 추가 사전학습
# ---------------------------------------------------------------------------------------------------------------


class ExtendedTokenizer:
    """옛 BPE 에 새 단어 토큰을 얹은 토크나이저.

    GPT-2 정규식으로 자른 조각(예: ``" coffee"``)이 새 토큰 목록에 있으면 새 id (``V_old + i``) 하나로,
    없으면 옛 BPE 로 자른다. 새 토큰이 하나도 쓰이지 않는 글은 옛 토크나이저와 똑같이 잘린다.

    Args:
        base: 옛 토크나이저.
        new_tokens: 새 토큰 문자열들 (앞 공백 포함, 예: ``" coffee"``). 중복·빈 문자열이면 ``ValueError``.
    """

    def __init__(self, base: BPETokenizer, new_tokens: Sequence[str]) -> None:
        if not new_tokens:
            raise ValueError("new_tokens가 비었습니다")
        if len(set(new_tokens)) != len(new_tokens) or any(not t for t in new_tokens):
            raise ValueError("new_tokens에 중복이나 빈 문자열이 있습니다")
        self.base = base
        self.new_tokens = list(new_tokens)
        self.new_ids = {t: base.vocab_size + i for i, t in enumerate(self.new_tokens)}

    @property
    def vocab_size(self) -> int:
        return self.base.vocab_size + len(self.new_tokens)

    def encode(self, text: str) -> list[int]:
        """글 → 토큰 id (새 토큰 우선)."""
        out: list[int] = []
        for piece in pretokenize(unicodedata.normalize("NFC", text)):
            if piece in self.new_ids:
                out.append(self.new_ids[piece])
            else:
                out.extend(self.base.encode(piece, allow_special=False))
        return out

    def decode(self, ids: Iterable[int]) -> str:
        """토큰 id → 글."""
        parts, run = [], []
        for i in ids:
            if i >= self.base.vocab_size:
                parts.append(self.base.decode(run))
                run = []
                parts.append(self.new_tokens[i - self.base.vocab_size])
            else:
                run.append(i)
        parts.append(self.base.decode(run))
        return "".join(parts)

    def old_pieces(self) -> list[list[int]]:
        """새 토큰마다 옛 토크나이저가 자른 id 목록 (평균 초기화에 쓴다)."""
        return [self.base.encode(t, allow_special=False) for t in self.new_tokens]


def _check_rows(new_rows: torch.Tensor, dim: int) -> None:
    if not isinstance(new_rows, torch.Tensor):
        raise TypeError(f"new_rows는 torch.Tensor여야 합니다: {type(new_rows).__name__}")
    if new_rows.dim() != 2 or new_rows.shape[1] != dim or new_rows.shape[0] < 1:
        raise ValueError(
            f"new_rows의 모양은 (n_new ≥ 1, dim)이어야 합니다 (dim={dim}, 받은 모양 {tuple(new_rows.shape)})"
        )


def extend_gpt(model: GPT, new_rows: torch.Tensor) -> GPT:
    """우리 :class:`GPT` 의 어휘를 늘린 새 모델을 만든다: 옛 행은 그대로, 새 행은 ``new_rows``.

    임베딩과 출력층이 가중치를 공유하므로 (weight tying) 새 행은 입력과 출력 양쪽에서 쓰인다.

    Args:
        model: 옛 모델 (바뀌지 않는다).
        new_rows: ``(n_new, n_embd)`` 새 임베딩 행.
    """
    _check_rows(new_rows, model.config.n_embd)
    cfg = GPTConfig.from_dict(
        {**model.config.to_dict(), "vocab_size": model.config.vocab_size + len(new_rows)}
    )
    new = GPT(cfg)
    sd = {
        k: v for k, v in model.state_dict().items() if k not in ("transformer.wte.weight", "lm_head.weight")
    }
    wte = torch.cat([model.transformer.wte.weight.detach(), new_rows.to(model.transformer.wte.weight)])
    new.load_state_dict({**sd, "transformer.wte.weight": wte, "lm_head.weight": wte}, strict=True)
    return new.train(model.training)


def extend_llama(model: Any, new_rows: torch.Tensor) -> Any:
    """우리 :class:`~llmnotes.llama.Llama` (spine) 의 어휘를 늘린 새 모델: 옛 행은 그대로, 새 행은 ``new_rows``.

    출력층이 임베딩과 묶여 있으면(``tie_embeddings``) 새 행이 입력과 출력 양쪽에 쓰이고, 묶여 있지 않으면 출력층
    새 행도 ``new_rows`` 로 둔다 (:func:`extend_hf` 와 같은 규칙).

    Args:
        model: 옛 모델 (바뀌지 않는다).
        new_rows: ``(n_new, n_embd)`` 새 임베딩 행.
    """
    from dataclasses import replace

    from ..llama import Llama

    if not isinstance(model, Llama):
        raise TypeError(f"model은 llmnotes.llama.Llama여야 합니다: {type(model).__name__}")
    _check_rows(new_rows, model.config.n_embd)
    cfg = replace(model.config, vocab_size=model.config.vocab_size + len(new_rows))
    new = Llama(cfg)
    sd = dict(model.state_dict())
    emb = torch.cat([sd.pop("embed_tokens.weight"), new_rows.to(model.embed_tokens.weight)])
    sd["embed_tokens.weight"] = emb
    if cfg.tie_embeddings:
        sd["lm_head.weight"] = emb
    else:
        sd["lm_head.weight"] = torch.cat([sd["lm_head.weight"], new_rows.to(model.lm_head.weight)])
    new.load_state_dict(sd, strict=True)
    return new.train(model.training)


@torch.no_grad()
def extend_hf(model: Any, new_rows: torch.Tensor) -> Any:
    """``transformers`` 인과 LM 의 어휘를 제자리에서 늘린다 (``resize_token_embeddings`` 뒤 새 행을 덮어쓴다).

    가중치를 공유하지 않는 모델(예: ``tie_word_embeddings=False`` 인 Llama)은 출력층 새 행도 ``new_rows`` 로 둔다.

    Args:
        model: ``PreTrainedModel``.
        new_rows: ``(n_new, hidden_size)`` 새 임베딩 행.
    """
    emb = model.get_input_embeddings()
    n_old = emb.weight.shape[0]
    _check_rows(new_rows, emb.weight.shape[1])
    model.resize_token_embeddings(n_old + len(new_rows), mean_resizing=False)
    model.get_input_embeddings().weight[n_old:] = new_rows.to(emb.weight)
    out = model.get_output_embeddings()
    if out is not None and out.weight.data_ptr() != model.get_input_embeddings().weight.data_ptr():
        out.weight[n_old:] = new_rows.to(out.weight)
    return model


def lm_loss(model: Any, ids: torch.Tensor, block_size: int) -> float:
    """토큰열의 평균 NLL (nats/토큰). 겹치지 않는 창으로 모든 다음 토큰을 한 번씩 평가한다."""
    from ..pretrain import evaluate

    return evaluate(model, ids, block_size)[0]


def further_pretrain(
    model: GPT,
    train_ids: torch.Tensor,
    eval_ids: torch.Tensor,
    steps: int,
    lr: float,
    batch_size: int = 16,
    block_size: int = 64,
    eval_every: int = 10,
    seed: int = 0,
    eval_steps: Sequence[int] | None = None,
) -> dict[str, list[float]]:
    """추가 사전학습(further pre-training): 학습 가능한(``requires_grad``) 파라미터만 AdamW 로 고친다.

    Args:
        model: 학습할 모델 (제자리에서 바뀐다).
        train_ids: 1차원 학습 토큰열.
        eval_ids: 1차원 평가 토큰열.
        steps: 학습 단계 수.
        lr: 학습률 (상수).
        batch_size: 배치 크기.
        block_size: 창 길이.
        eval_every: 몇 단계마다 평가 손실을 기록할지.
        seed: 배치 뽑기 시드.
        eval_steps: 평가할 단계 목록 (주면 ``eval_every`` 대신 쓴다. 초기화 차이는 처음 몇 단계에 크게 보인다).

    Returns:
        ``{"step": [...], "eval_loss": [...]}`` (0 단계 = 학습 전).
    """
    if steps < 1 or eval_every < 1:
        raise ValueError(f"steps, eval_every는 1 이상이어야 합니다: steps={steps}, eval_every={eval_every}")
    if train_ids.numel() <= block_size + 1:
        raise ValueError(
            f"train_ids가 block_size+1보다 길어야 합니다: block_size+1={block_size + 1}, 받은 길이 {train_ids.numel()}"
        )
    at = set(range(eval_every, steps + 1, eval_every)) | {steps} if eval_steps is None else set(eval_steps)
    bad = [s for s in at if not 0 <= s <= steps]
    if bad:
        raise ValueError(f"eval_steps는 0..steps 안이어야 합니다 (steps={steps}, 밖의 값 {sorted(bad)[:3]})")
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("학습 가능한 파라미터가 없습니다")
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    g = torch.Generator().manual_seed(seed)
    hist: dict[str, list[float]] = {"step": [0], "eval_loss": [lm_loss(model, eval_ids, block_size)]}
    model.train()
    for step in range(1, steps + 1):
        starts = torch.randint(0, train_ids.numel() - block_size - 1, (batch_size,), generator=g).tolist()
        x = torch.stack([train_ids[s : s + block_size] for s in starts])
        y = torch.stack([train_ids[s + 1 : s + 1 + block_size] for s in starts])
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step in at:
            hist["step"].append(step)
            hist["eval_loss"].append(lm_loss(model, eval_ids, block_size))
            model.train()
    model.eval()
    return hist


def steps_to_reach(hist: dict[str, list[float]], target: float) -> int | None:
    """평가 손실이 처음으로 ``target`` 이하가 된 단계 (끝까지 못 가면 ``None``)."""
    for s, v in zip(hist["step"], hist["eval_loss"]):
        if v <= target + 1e-12 and not math.isnan(v):
            return s
    return None
