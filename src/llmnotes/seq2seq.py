"""인코더-디코더(seq2seq): 고정 크기 문맥 벡터 디코더와 덧셈(Bahdanau) 어텐션 디코더.

두 모델은 인코더가 같고 디코더만 다르다.

- 문맥 벡터(context vector) 디코더 (Sutskever et al. 2014; Cho et al. 2014): 인코더의 마지막 은닉 상태를
  하나의 고정 크기 벡터 c 로 만들어 디코더의 첫 상태로 쓰고, 매 시점 입력에도 붙인다.
  입력이 아무리 길어도 c 의 크기는 같다 → 긴 입력에서 정보가 모자라는 **병목(bottleneck)**.
- 어텐션(attention) 디코더 (Bahdanau et al. 2015): 매 시점 이전 디코더 상태 s_{t−1} 을 쿼리로, 인코더의
  모든 출력 h_1..h_S 를 키·값으로 써서 그 시점만의 문맥 벡터 c_t = Σ_j α_tj h_j 를 새로 만든다.

학습에는 빠른 ``torch.nn.GRU``/``nn.LSTM`` 을 쓴다 (처음부터 만든 셀은 :mod:`llmnotes.rnn`).

명령줄 학습 (배포 체크포인트를 만드는 방법)::

    python -m llmnotes.seq2seq train --attention --out data/models/seq2seq-attention
    python -m llmnotes.seq2seq train --out data/models/seq2seq-context
    python -m llmnotes.seq2seq results --out data/models/seq2seq-results.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .attention import AdditiveAttention
from .checks import CLIP_NORM, POSITIVE, PROBABILITY, check_fields
from .nb import check_shape
from .tasks import (
    Batch,
    Vocab,
    accuracy_by_length,
    digit_vocab,
    iter_batches,
    make_pairs,
    reading_vocab,
)

__all__ = [
    "Seq2SeqConfig",
    "TrainConfig",
    "Encoder",
    "ContextDecoder",
    "AttnDecoder",
    "Seq2Seq",
    "sequence_loss",
    "train_seq2seq",
    "greedy_decode",
    "translate",
    "evaluate_by_length",
    "save_checkpoint",
    "load_checkpoint",
    "TRAIN_SEED",
    "TEST_SEED",
]

TRAIN_SEED, VALID_SEED, TEST_SEED = 0, 1, 2  # 학습/검증/평가 데이터 시드 (make_pairs)


@dataclass
class Seq2SeqConfig:
    """seq2seq 모델 설정.

    Args:
        src_vocab_size: 입력 어휘 크기.
        tgt_vocab_size: 출력 어휘 크기.
        emb_dim: 임베딩 차원.
        hidden_dim: 인코더(한 방향)와 디코더의 은닉 차원.
        cell: ``"gru"`` 또는 ``"lstm"``.
        bidirectional: 인코더를 양방향으로 할지.
        attention: ``True`` 면 덧셈 어텐션 디코더, ``False`` 면 문맥 벡터 디코더.
        attn_dim: 덧셈 어텐션 점수 신경망의 은닉 차원.
        max_len: 탐욕 디코딩의 최대 출력 길이.
    """

    src_vocab_size: int = 14
    tgt_vocab_size: int = 20
    emb_dim: int = 32
    hidden_dim: int = 64
    cell: str = "gru"
    bidirectional: bool = True
    attention: bool = False
    attn_dim: int = 64
    max_len: int = 40

    def __post_init__(self) -> None:
        if self.cell not in ("gru", "lstm"):
            raise ValueError(f"cell은 'gru' 또는 'lstm'이어야 합니다: {self.cell!r}")
        for name in ("src_vocab_size", "tgt_vocab_size", "emb_dim", "hidden_dim", "attn_dim", "max_len"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"{name}: 1 이상의 정수여야 합니다 (받은 값 {v!r})")


@dataclass
class TrainConfig:
    """학습 설정.

    Args:
        steps: 최적화 단계 수.
        batch_size: 배치 크기.
        lr: Adam 학습률.
        teacher_forcing: 교사 강요 비율 (1.0 = 항상 정답을 다음 입력으로).
        clip: 기울기 노름 자르기 상한.
        n_train: 학습 쌍 수.
        min_digits, max_digits: 학습 데이터의 자릿수 범위.
        seed: 모델 초기화와 교사 강요 난수의 시드.
        log_every: 손실을 기록할 간격 (단계).
        progress: tqdm 진행 막대를 보일지.
        warmup_decay: ``True`` 면 처음 5% 단계는 학습률을 선형으로 올리고, 그 뒤 코사인으로 0 까지 내린다.
    """

    steps: int = 3000
    batch_size: int = 64
    lr: float = 3e-3
    teacher_forcing: float = 1.0
    clip: float = 1.0
    n_train: int = 60000
    min_digits: int = 1
    max_digits: int = 12
    seed: int = 0
    log_every: int = 50
    progress: bool = True
    warmup_decay: bool = True

    def __post_init__(self) -> None:
        check_fields(
            self, lr=POSITIVE, teacher_forcing=PROBABILITY, clip=CLIP_NORM
        )  # NaN·inf·범위 밖 값은 이름과 함께 거부
        if not 0.0 <= self.teacher_forcing <= 1.0:
            raise ValueError(f"teacher_forcing은 0과 1 사이여야 합니다: {self.teacher_forcing!r}")
        for name in ("steps", "batch_size", "n_train", "log_every"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"{name}: 1 이상의 정수여야 합니다 (받은 값 {v!r})")


def _rnn(cell: str, input_size: int, hidden: int, bidirectional: bool = False) -> nn.Module:
    cls = nn.GRU if cell == "gru" else nn.LSTM
    return cls(input_size, hidden, batch_first=True, bidirectional=bidirectional)


def _rnn_cell(cell: str, input_size: int, hidden: int) -> nn.Module:
    return (nn.GRUCell if cell == "gru" else nn.LSTMCell)(input_size, hidden)


class Encoder(nn.Module):
    """임베딩 + (양방향) GRU/LSTM 인코더.

    Args:
        config: :class:`Seq2SeqConfig`.
    """

    def __init__(self, config: Seq2SeqConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.src_vocab_size, config.emb_dim, padding_idx=0)
        self.rnn = _rnn(config.cell, config.emb_dim, config.hidden_dim, config.bidirectional)
        self.out_dim = config.hidden_dim * (2 if config.bidirectional else 1)
        # 마지막 은닉 상태(양방향이면 두 방향을 이어 붙인 것) → 디코더 첫 상태: s_0 = tanh(W [h→_S; h←_1])
        self.bridge = nn.Linear(self.out_dim, config.hidden_dim)

    def forward(self, src, src_mask):
        """입력을 인코딩한다.

        Args:
            src: (B, S) 입력 id.
            src_mask: (B, S) bool, 실제 글자가 ``True``. 각 줄은 앞쪽부터 채워져 있어야 한다.

        Returns:
            ``(outputs, context)``: 모든 시점 출력 (B, S, D_enc) 와 문맥 벡터 (B, H).
            LSTM 이면 context 는 ``(h, c)`` 쌍.
        """
        check_shape(src_mask, tuple(src.shape), name="src_mask")
        lengths = src_mask.sum(dim=1)
        if int(lengths.min()) < 1:
            raise ValueError(f"src의 길이는 모두 1 이상이어야 합니다: {lengths.tolist()}")
        emb = self.embedding(src)  # (B, S, E)
        # 패딩을 건너뛰도록 묶는다: 마지막 상태가 실제 마지막 글자의 상태가 된다
        packed = pack_padded_sequence(emb, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, state = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])  # (B, S, D_enc)

        def squash(h):  # (num_dir, B, H) → (B, num_dir·H) → (B, H)
            return torch.tanh(self.bridge(h.transpose(0, 1).reshape(h.shape[1], -1)))

        if self.config.cell == "lstm":
            h, c = state
            return out, (squash(h), squash(c))
        return out, squash(state)


class ContextDecoder(nn.Module):
    """고정 크기 문맥 벡터 c 하나만 보는 디코더: s_t = GRU([emb(y_{t−1}); c], s_{t−1}), s_0 = c.

    Args:
        config: :class:`Seq2SeqConfig`.
    """

    def __init__(self, config: Seq2SeqConfig, enc_dim: int):
        super().__init__()
        self.config = config
        H = config.hidden_dim
        self.embedding = nn.Embedding(config.tgt_vocab_size, config.emb_dim, padding_idx=0)
        self.cell = _rnn_cell(config.cell, config.emb_dim + H, H)
        self.out = nn.Linear(H + H, config.tgt_vocab_size)  # 로짓 = W_o [s_t; c] + b

    def init_state(self, enc_out, context, src_mask):
        """디코딩 상태 초기화: (s_0, c) 를 돌려준다."""
        c = context[0] if isinstance(context, tuple) else context
        return {"state": context, "c": c}

    def step(self, y_prev, mem: dict, enc_out=None, src_mask=None):
        """한 시점: 이전 토큰 (B,) → (로짓 (B, V), 새 mem, 어텐션 가중치 None)."""
        e = self.embedding(y_prev)  # (B, E)
        x = torch.cat([e, mem["c"]], dim=-1)  # 매 시점 같은 c 를 붙인다
        state = self.cell(x, mem["state"])
        s = state[0] if isinstance(state, tuple) else state
        logits = self.out(torch.cat([s, mem["c"]], dim=-1))
        return logits, {"state": state, "c": mem["c"]}, None


class AttnDecoder(nn.Module):
    """덧셈(Bahdanau) 어텐션 디코더.

    매 시점 t:
        c_t, α_t = Attn(query = s_{t−1}, keys = values = h_1..h_S)     (α_t: (B, S), 합 1)
        s_t = GRU([emb(y_{t−1}); c_t], s_{t−1})
        로짓 = W_o [s_t; c_t] + b

    Args:
        config: :class:`Seq2SeqConfig`.
        enc_dim: 인코더 출력 차원 (양방향이면 2H).
    """

    def __init__(self, config: Seq2SeqConfig, enc_dim: int):
        super().__init__()
        self.config = config
        H = config.hidden_dim
        self.embedding = nn.Embedding(config.tgt_vocab_size, config.emb_dim, padding_idx=0)
        self.attention = AdditiveAttention(query_dim=H, key_dim=enc_dim, hidden_dim=config.attn_dim)
        self.cell = _rnn_cell(config.cell, config.emb_dim + enc_dim, H)
        self.out = nn.Linear(H + enc_dim, config.tgt_vocab_size)

    def init_state(self, enc_out, context, src_mask):
        """디코딩 상태 초기화: 첫 상태 s_0 은 인코더의 문맥 벡터 (문맥 벡터 모델과 같다)."""
        return {"state": context}

    def step(self, y_prev, mem: dict, enc_out, src_mask):
        """한 시점: 이전 토큰 (B,) → (로짓 (B, V), 새 mem, 어텐션 가중치 (B, S))."""
        state = mem["state"]
        s_prev = state[0] if isinstance(state, tuple) else state  # 쿼리 = s_{t−1}
        ctx, weights = self.attention(s_prev, enc_out, src_mask)  # c_t = Σ_j α_tj h_j
        e = self.embedding(y_prev)
        state = self.cell(torch.cat([e, ctx], dim=-1), state)
        s = state[0] if isinstance(state, tuple) else state
        logits = self.out(torch.cat([s, ctx], dim=-1))
        return logits, {"state": state}, weights


class Seq2Seq(nn.Module):
    """인코더 + (문맥 벡터 또는 어텐션) 디코더.

    Args:
        config: :class:`Seq2SeqConfig`. ``config.attention`` 으로 디코더를 고른다.
    """

    def __init__(self, config: Seq2SeqConfig):
        super().__init__()
        self.config = config
        self.encoder = Encoder(config)
        dec_cls = AttnDecoder if config.attention else ContextDecoder
        self.decoder = dec_cls(config, self.encoder.out_dim)

    def forward(self, src, src_mask, tgt_in, teacher_forcing: float = 1.0, generator=None):
        """교사 강요(teacher forcing)로 로짓을 계산한다.

        Args:
            src: (B, S) 입력 id.
            src_mask: (B, S) bool.
            tgt_in: (B, T) 디코더 입력 ``<bos> y_1 … y_{T−1}``.
            teacher_forcing: 각 시점에서 정답 토큰을 다음 입력으로 쓸 확률. 나머지 경우 모델 자신의
                이전 예측(argmax)을 쓴다 (1.0 = 항상 정답).
            generator: 교사 강요 추첨에 쓸 ``torch.Generator`` (재현성).

        Returns:
            (B, T, V) 로짓.
        """
        if tgt_in.dim() != 2 or tgt_in.shape[0] != src.shape[0]:
            raise ValueError(
                f"tgt_in의 모양이 src의 모양과 맞지 않습니다: tgt_in {tuple(tgt_in.shape)}, src {tuple(src.shape)}"
            )
        enc_out, context = self.encoder(src, src_mask)
        mem = self.decoder.init_state(enc_out, context, src_mask)
        y = tgt_in[:, 0]
        logits = []
        for t in range(tgt_in.shape[1]):
            step_logits, mem, _ = self.decoder.step(y, mem, enc_out, src_mask)
            logits.append(step_logits)
            if t + 1 < tgt_in.shape[1]:
                use_gold = teacher_forcing >= 1.0 or (
                    torch.rand((), generator=generator).item() < teacher_forcing
                )
                y = tgt_in[:, t + 1] if use_gold else step_logits.argmax(dim=-1)
        return torch.stack(logits, dim=1)


def sequence_loss(logits, targets, mask):
    """패딩을 뺀 평균 교차 엔트로피: L = −(1/N) Σ_{b,t: mask} log p(y_{b,t}).

    Args:
        logits: (B, T, V).
        targets: (B, T) 정답 id.
        mask: (B, T) bool, 손실에 넣을 자리.
    """
    check_shape(targets, tuple(logits.shape[:2]), name="targets")
    check_shape(mask, tuple(targets.shape), name="mask")
    nll = nn.functional.cross_entropy(logits.transpose(1, 2), targets, reduction="none")  # (B, T)
    return (nll * mask).sum() / mask.sum()


@torch.no_grad()
def greedy_decode(model: Seq2Seq, src, src_mask, max_len: int | None = None):
    """탐욕(greedy) 디코딩: 매 시점 가장 확률이 높은 토큰을 고른다.

    Args:
        model: 학습된 :class:`Seq2Seq`.
        src: (B, S) 입력 id.
        src_mask: (B, S) bool.
        max_len: 최대 출력 길이 (``None`` 이면 ``config.max_len``).

    Returns:
        ``(tokens, attn)``: (B, T) 출력 id (``<eos>`` 포함, 그 뒤는 ``<pad>``) 와 어텐션 가중치
        (B, T, S) (문맥 벡터 모델이면 ``None``).
    """
    was_training = model.training
    model.eval()
    max_len = model.config.max_len if max_len is None else max_len
    if not isinstance(max_len, int) or max_len < 1:
        raise ValueError(f"max_len은 1 이상의 정수여야 합니다: {max_len!r}")
    enc_out, context = model.encoder(src, src_mask)
    mem = model.decoder.init_state(enc_out, context, src_mask)
    B = src.shape[0]
    y = torch.full((B,), Vocab.bos_id, dtype=torch.long, device=src.device)
    done = torch.zeros(B, dtype=torch.bool, device=src.device)
    tokens, attns = [], []
    for _ in range(max_len):
        logits, mem, w = model.decoder.step(y, mem, enc_out, src_mask)
        y = logits.argmax(dim=-1)
        y = y.masked_fill(done, Vocab.pad_id)  # 이미 끝난 줄은 <pad>
        tokens.append(y)
        if w is not None:
            attns.append(w.masked_fill(done.unsqueeze(1), 0.0))
        done = done | (y == Vocab.eos_id)
        if bool(done.all()):
            break
    model.train(was_training)
    return torch.stack(tokens, dim=1), (torch.stack(attns, dim=1) if attns else None)


def translate(
    model: Seq2Seq,
    sources: list[str],
    src_vocab: Vocab | None = None,
    tgt_vocab: Vocab | None = None,
    batch_size: int = 256,
    return_attention: bool = False,
):
    """문자열 목록을 탐욕 디코딩으로 옮긴다 (``['35020']`` → ``['삼만 오천이십']``).

    Args:
        model: 학습된 :class:`Seq2Seq`.
        sources: 입력 문자열들.
        src_vocab, tgt_vocab: 어휘 (기본: 숫자 → 한국어 읽기).
        batch_size: 한 번에 디코딩할 수.
        return_attention: ``True`` 면 각 입력의 어텐션 행렬 (출력 길이+1, 입력 길이) 목록도 돌려준다
            (행은 출력한 토큰마다 하나, 마지막 행은 ``<eos>`` 를 낸 시점).
    """
    src_vocab = src_vocab or digit_vocab()
    tgt_vocab = tgt_vocab or reading_vocab()
    device = next(model.parameters()).device
    outs, attn_list = [], []
    pairs = [(s, "") for s in sources]
    for batch in iter_batches(pairs, src_vocab, tgt_vocab, batch_size):
        batch = batch.to(device)
        tokens, attn = greedy_decode(model, batch.src, batch.src_mask)
        for i in range(tokens.shape[0]):
            text = tgt_vocab.decode(tokens[i].tolist())
            outs.append(text)
            if return_attention and attn is not None:
                row = tokens[i].tolist()
                n_out = row.index(Vocab.eos_id) + 1 if Vocab.eos_id in row else len(row)  # 글자들 + <eos>
                n_in = int(batch.src_lengths[i])
                attn_list.append(attn[i, :n_out, :n_in].cpu())
    return (outs, attn_list) if return_attention else outs


def evaluate_by_length(model: Seq2Seq, pairs, src_vocab=None, tgt_vocab=None) -> dict[int, float]:
    """입력 길이(자릿수)별 완전 일치 정확도.

    Args:
        model: 학습된 :class:`Seq2Seq`.
        pairs: (입력, 정답) 쌍들.
        src_vocab, tgt_vocab: 어휘 (기본: 숫자 → 한국어 읽기).
    """
    sources = [s for s, _ in pairs]
    preds = translate(model, sources, src_vocab, tgt_vocab)
    return accuracy_by_length(sources, preds, [t for _, t in pairs])


def _lr_at(step: int, total: int, base: float) -> float:
    warm = max(1, total // 20)
    if step < warm:
        return base * (step + 1) / warm  # 선형 워밍업
    return base * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))  # 코사인 감소


def train_seq2seq(
    model: Seq2Seq,
    config: TrainConfig,
    src_vocab: Vocab | None = None,
    tgt_vocab: Vocab | None = None,
    pairs: list | None = None,
) -> list[dict]:
    """작은 학습 루프: Adam + 기울기 자르기 + (선택) 워밍업·코사인 학습률.

    Args:
        model: 학습할 :class:`Seq2Seq`.
        config: :class:`TrainConfig`.
        src_vocab, tgt_vocab: 어휘 (기본: 숫자 → 한국어 읽기).
        pairs: 학습 쌍. ``None`` 이면 ``make_pairs(config.n_train, …, seed=TRAIN_SEED)``.

    Returns:
        ``[{"step": …, "loss": …}, …]`` (``config.log_every`` 단계마다 그 구간의 평균 손실, 남은 구간도 포함).
    """
    from tqdm.auto import tqdm

    src_vocab = src_vocab or digit_vocab()
    tgt_vocab = tgt_vocab or reading_vocab()
    if pairs is None:
        pairs = make_pairs(config.n_train, config.min_digits, config.max_digits, seed=TRAIN_SEED)
    device = next(model.parameters()).device
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    gen = torch.Generator().manual_seed(config.seed)
    history, running, epoch = [], [], 0
    batches = iter_batches(pairs, src_vocab, tgt_vocab, config.batch_size, shuffle=True, seed=config.seed)
    model.train()
    bar = tqdm(range(config.steps), disable=not config.progress, desc="학습")
    for step in bar:
        try:
            batch = next(batches)
        except StopIteration:
            epoch += 1
            batches = iter_batches(
                pairs, src_vocab, tgt_vocab, config.batch_size, shuffle=True, seed=config.seed + epoch
            )
            batch = next(batches)
        batch: Batch = batch.to(device)
        if config.warmup_decay:
            for g in opt.param_groups:
                g["lr"] = _lr_at(step, config.steps, config.lr)
        logits = model(batch.src, batch.src_mask, batch.tgt_in, config.teacher_forcing, generator=gen)
        loss = sequence_loss(logits, batch.tgt_out, batch.tgt_mask)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        opt.step()
        running.append(loss.item())
        if (step + 1) % config.log_every == 0:
            history.append({"step": step + 1, "loss": sum(running) / len(running)})
            bar.set_postfix(loss=f"{history[-1]['loss']:.3f}")
            running = []
    if running:  # 마지막 남은 구간도 버리지 않고 기록한다
        history.append({"step": config.steps, "loss": sum(running) / len(running)})
    model.eval()
    return history


# ---------------------------------------------------------------------------------------------------------
# 체크포인트
# ---------------------------------------------------------------------------------------------------------
def save_checkpoint(model: Seq2Seq, directory, recipe: dict | None = None) -> Path:
    """``model.safetensors`` + ``config.json`` (+ ``recipe.json``) 로 저장한다.

    Args:
        model: 저장할 모델.
        directory: 저장할 폴더 (없으면 만든다).
        recipe: 재현 정보 (스크립트, 시드, 설정 …). 가중치 파일의 sha256 을 덧붙여 저장한다.
    """
    from safetensors.torch import save_file

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(directory / "model.safetensors"))
    (directory / "config.json").write_text(
        json.dumps(asdict(model.config), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    if recipe is not None:
        digest = hashlib.sha256((directory / "model.safetensors").read_bytes()).hexdigest()
        recipe = {**recipe, "sha256": {"model.safetensors": digest}}
        (directory / "recipe.json").write_text(
            json.dumps(recipe, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return directory


def load_checkpoint(directory, device=None, verify: bool = True) -> Seq2Seq:
    """:func:`save_checkpoint` 로 저장한 모델을 불러온다.

    Args:
        directory: 체크포인트 폴더.
        device: 올릴 장치 (기본 CPU).
        verify: ``recipe.json`` 이 있으면 가중치 파일의 sha256 을 확인한다.
    """
    from safetensors.torch import load_file

    directory = Path(directory)
    if not (directory / "config.json").is_file():
        raise ValueError(f"directory에 config.json이 없습니다: {directory.name!r}")
    config = Seq2SeqConfig(**json.loads((directory / "config.json").read_text(encoding="utf-8")))
    weights = directory / "model.safetensors"
    recipe_path = directory / "recipe.json"
    if verify and recipe_path.is_file():
        expected = json.loads(recipe_path.read_text(encoding="utf-8"))["sha256"]["model.safetensors"]
        actual = hashlib.sha256(weights.read_bytes()).hexdigest()
        if actual != expected:
            raise ValueError(f"model.safetensors의 sha256이 recipe와 다릅니다: {actual} != {expected}")
    model = Seq2Seq(config)
    model.load_state_dict(load_file(str(weights)))
    model.eval()
    return model.to(device or "cpu")


# ---------------------------------------------------------------------------------------------------------
# 명령줄: 배포 체크포인트와 길이별 결과 만들기
# ---------------------------------------------------------------------------------------------------------
N_TEST = 2400  # 평가 쌍 수 (자릿수마다 약 200개)


def _cmd_train(args) -> None:
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    mcfg = Seq2SeqConfig(
        emb_dim=args.emb_dim, hidden_dim=args.hidden_dim, attention=args.attention, attn_dim=args.attn_dim
    )
    tcfg = TrainConfig(
        steps=args.steps, batch_size=args.batch_size, lr=args.lr, seed=args.seed, n_train=args.n_train
    )
    model = Seq2Seq(mcfg)
    t0 = time.time()
    history = train_seq2seq(model, tcfg)
    elapsed = time.time() - t0
    acc = evaluate_by_length(model, make_pairs(N_TEST, 1, 12, seed=TEST_SEED))
    train_cfg = {k: v for k, v in asdict(tcfg).items() if k != "progress"}
    recipe = {
        "script": (
            "python -m llmnotes.seq2seq train"
            + (" --attention" if args.attention else "")
            + f" --steps {args.steps} --batch-size {args.batch_size} --lr {args.lr} --n-train {args.n_train}"
            + f" --emb-dim {args.emb_dim} --hidden-dim {args.hidden_dim} --attn-dim {args.attn_dim}"
            + f" --seed {args.seed} --out data/models/{Path(args.out).name}"
        ),
        "argv": {k: v for k, v in vars(args).items() if k != "func"} | {"out": Path(args.out).name},
        "model_config": asdict(mcfg),
        "train_config": train_cfg,
        "data": f"llmnotes.tasks.make_pairs({tcfg.n_train}, 1, 12, seed={TRAIN_SEED})",
        "test": f"llmnotes.tasks.make_pairs({N_TEST}, 1, 12, seed={TEST_SEED})",
        "torch": torch.__version__,
        "device": "cpu",
        "train_seconds": round(elapsed, 1),
        "final_loss": round(history[-1]["loss"], 4),
        "test_accuracy_by_length": {str(k): round(v, 4) for k, v in acc.items()},
        "loss_history": [{"step": h["step"], "loss": round(h["loss"], 4)} for h in history],
    }
    save_checkpoint(model, args.out, recipe)
    print(json.dumps({k: recipe[k] for k in ("train_seconds", "final_loss", "test_accuracy_by_length")}))


def _cmd_results(args) -> None:
    # 형식: {"seq2seq-context": {"1": 정확도, …, "12": …}, "seq2seq-attention": {…}}
    # 평가 데이터: make_pairs(N_TEST, 1, 12, seed=TEST_SEED), 탐욕적 디코딩, 정확 일치.
    from .paths import models_dir

    results = {}
    for name in ("seq2seq-context", "seq2seq-attention"):
        model = load_checkpoint(models_dir() / name)
        acc = evaluate_by_length(model, make_pairs(N_TEST, 1, 12, seed=TEST_SEED))
        results[name] = {str(k): round(v, 4) for k, v in acc.items()}
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False))


def main(argv: list[str] | None = None) -> None:
    """명령줄 진입점: ``train`` (체크포인트 학습) 과 ``results`` (길이별 정확도 JSON)."""
    p = argparse.ArgumentParser(prog="python -m llmnotes.seq2seq", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="숫자 읽기 seq2seq를 학습해 체크포인트로 저장")
    t.add_argument("--attention", action="store_true", help="어텐션 디코더 (없으면 문맥 벡터 디코더)")
    t.add_argument("--out", required=True)
    t.add_argument("--steps", type=int, default=3000)
    t.add_argument("--batch-size", type=int, default=64)
    t.add_argument("--lr", type=float, default=3e-3)
    t.add_argument("--n-train", type=int, default=60000)
    t.add_argument("--emb-dim", type=int, default=32)
    t.add_argument("--hidden-dim", type=int, default=64)
    t.add_argument("--attn-dim", type=int, default=64)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--threads", type=int, default=1)
    t.set_defaults(func=_cmd_train)
    r = sub.add_parser("results", help="두 체크포인트의 길이별 정확도를 JSON으로")
    r.add_argument("--out", required=True)
    r.set_defaults(func=_cmd_results)
    args = p.parse_args(argv)
    args.func(args)


if __name__ == "__main__":  # pragma: no cover
    main()
