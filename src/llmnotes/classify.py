"""GPT 위에 분류 머리(classification head)를 얹어 문장 분류하기: 마지막 토큰 풀링, 미세조정, 정확도, 혼동 행렬.

디코더 전용 GPT 는 인과 마스크 때문에 마지막 토큰의 은닉 상태만 문장 전체를 본다. 그래서 채움(pad)이 아닌 가장
오른쪽 토큰의 은닉 상태 :math:`h_{\\text{last}} \\in \\mathbb{R}^{C}` 를 문장 표현으로 쓰고, 선형층 하나로 로짓을 낸다:

.. math:: z = W h_{\\text{last}} (+ b), \\quad W \\in \\mathbb{R}^{K \\times C}

``transformers`` 의 ``GPT2ForSequenceClassification`` 과 같은 구조 (편향 없는 ``score`` 층, 가장 오른쪽 non-pad
토큰 풀링)여서 가중치를 옮기면 로짓이 같다 (테스트로 확인). 왼쪽 채우기와 오른쪽 채우기 모두 맞게 동작한다.

사용 예::

    clf = GPTClassifier(GPT2LMHeadModel.from_pretrained(path), num_labels=2, pad_token_id=tok.pad_token_id)
    data = encode_dataset(texts, labels, tok, num_labels=2)
    losses = train_classifier(clf, data, ClassifierTrainConfig(epochs=3))
    pred = predict(clf, data)
    print(accuracy(data["labels"], pred), confusion_matrix(data["labels"], pred, 2))
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from llmnotes.checks import CLIP_NORM, NON_NEGATIVE, POSITIVE, check_fields
from llmnotes.hangul import nfc
from llmnotes.training import check_train_config

__all__ = [
    "GPTClassifier",
    "last_token_index",
    "encode_dataset",
    "check_labels",
    "ClassifierTrainConfig",
    "train_classifier",
    "predict",
    "accuracy",
    "confusion_matrix",
    "to_hf_sequence_classifier",
]


def last_token_index(
    input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None, pad_token_id: int | None = None
) -> torch.Tensor:
    """배치의 각 행에서 채움이 아닌 가장 오른쪽 토큰의 위치를 돌려준다 ``(B,)``.

    ``attention_mask`` 가 있으면 그 1 들 가운데 가장 오른쪽, 없으면 ``pad_token_id`` 가 아닌 토큰 가운데 가장 오른쪽
    (HF ``GPT2ForSequenceClassification`` 의 규칙). 둘 다 없으면 마지막 위치 (T−1).

    Args:
        input_ids: ``(B, T)`` 토큰 id.
        attention_mask: ``(B, T)`` 0/1 마스크 (선택).
        pad_token_id: 채움 토큰 id (선택).
    """
    if input_ids.dim() != 2:
        raise ValueError(f"input_ids는 (B, T)여야 합니다: {tuple(input_ids.shape)}")
    if attention_mask is not None:
        keep = attention_mask.to(torch.int64)
    elif pad_token_id is not None:
        keep = (input_ids != pad_token_id).to(torch.int64)
    else:
        return torch.full(
            (input_ids.shape[0],), input_ids.shape[1] - 1, dtype=torch.long, device=input_ids.device
        )
    if (keep.sum(dim=1) == 0).any():
        bad = int(torch.nonzero(keep.sum(dim=1) == 0)[0, 0])
        raise ValueError(f"input_ids의 {bad} 번째 행이 모두 채움 토큰입니다")
    positions = torch.arange(input_ids.shape[1], device=input_ids.device)
    return (positions * keep).argmax(dim=1)  # argmax_t (t · keep_t) = 가장 오른쪽의 유지 위치


class GPTClassifier(nn.Module):
    """HF GPT-2 몸통(backbone) + 마지막 토큰 풀링 + 선형 분류 머리.

    Args:
        backbone: ``GPT2Model`` 또는 ``GPT2LMHeadModel`` (후자면 ``.transformer`` 만 쓴다). LoRA 를 주입한 모델도 된다.
        num_labels: 클래스 수 K (2 이상).
        pad_token_id: 채움 토큰 id (``attention_mask`` 없이 부를 때 풀링 위치를 찾는 데 쓴다).
        bias: 분류 머리에 편향을 둘지 (HF 와 같게 하려면 ``False``).
        dropout: 풀링한 표현에 거는 드롭아웃 확률.
    """

    def __init__(
        self,
        backbone: nn.Module,
        num_labels: int,
        pad_token_id: int | None = None,
        bias: bool = False,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if not isinstance(num_labels, int) or isinstance(num_labels, bool) or num_labels < 2:
            raise ValueError(f"num_labels는 2 이상의 정수여야 합니다: {num_labels!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout은 0 이상 1 미만이어야 합니다: {dropout!r}")
        self.backbone = getattr(backbone, "transformer", backbone)
        n_embd = self.backbone.config.n_embd
        self.num_labels = num_labels
        self.pad_token_id = pad_token_id
        self.dropout = nn.Dropout(dropout)
        self.score = nn.Linear(n_embd, num_labels, bias=bias)
        nn.init.normal_(self.score.weight, std=0.02)  # GPT-2 초기화와 같은 표준편차

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """마지막 non-pad 토큰의 은닉 상태 ``(B, C)``."""
        h = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # (B, T, C)
        idx = last_token_index(input_ids, attention_mask, self.pad_token_id)
        return h[torch.arange(h.shape[0], device=h.device), idx]  # h_last

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """로짓 ``(B, K)``."""
        return self.score(self.dropout(self.pooled(input_ids, attention_mask)))  # z = W h_last


def check_labels(labels: Sequence[int], num_labels: int) -> list[int]:
    """레이블이 모두 ``0 … num_labels−1`` 의 정수인지 확인한다. 벗어나면 그 값을 알려 주는 ``ValueError``.

    Args:
        labels: 정수 레이블들.
        num_labels: 클래스 수.
    """
    out = []
    for i, y in enumerate(labels):
        y_int = int(y) if isinstance(y, torch.Tensor) else y
        if not isinstance(y_int, int) or isinstance(y_int, bool) or not 0 <= y_int < num_labels:
            raise ValueError(f"labels[{i}]가 레이블 집합 0…{num_labels - 1} 밖에 있습니다: {y!r}")
        out.append(y_int)
    return out


def encode_dataset(
    texts: Sequence[str],
    labels: Sequence[int],
    tokenizer,
    num_labels: int = 2,
    max_length: int | None = None,
    padding_side: str = "right",
) -> dict[str, torch.Tensor]:
    """문장과 레이블을 채우기(padding)한 배치 텐서로 만든다. 텍스트는 NFC 로 정규화한다.

    Args:
        texts: 문장들 (비어 있으면 ``ValueError``).
        labels: 정수 레이블들 (``0 … num_labels−1``).
        tokenizer: ``pad_token_id`` 가 있는 HF 토크나이저.
        num_labels: 클래스 수.
        max_length: 최대 토큰 수. 넘는 문장이 있으면 자르지 않고 ``ValueError``.
        padding_side: ``"right"`` (기본) 또는 ``"left"``. ``peft`` 의 프롬프트 튜닝처럼 입력 앞에 가상 토큰을 붙이고
            마지막 위치를 풀링하는 모델에는 왼쪽 채우기가 필요하다.

    Returns:
        ``{"input_ids", "attention_mask", "labels"}``.
    """
    if padding_side not in ("right", "left"):
        raise ValueError(f"padding_side는 'right' 또는 'left'여야 합니다: {padding_side!r}")
    if isinstance(texts, str):
        raise TypeError("texts는 문자열 목록이어야 합니다: str 하나가 들어왔습니다")
    if len(texts) == 0:
        raise ValueError(f"texts가 비어 있습니다: {list(texts)!r}")
    if len(texts) != len(labels):
        raise ValueError(f"texts와 labels의 길이가 다릅니다: {len(texts)} != {len(labels)}")
    ys = check_labels(labels, num_labels)
    pad = tokenizer.pad_token_id
    if pad is None:
        raise ValueError(f"tokenizer에 pad_token_id가 없습니다: {pad!r}")
    seqs = [list(tokenizer(nfc(t), add_special_tokens=False)["input_ids"]) for t in texts]
    for i, s in enumerate(seqs):
        if not s:
            raise ValueError(f"texts[{i}]가 토큰 0 개입니다: {texts[i]!r}")
        if max_length is not None and len(s) > max_length:
            raise ValueError(f"texts[{i}]의 토큰 수({len(s)})가 max_length를 넘습니다: {max_length!r}")
    t_max = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), t_max), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), t_max), dtype=torch.long)
    for i, s in enumerate(seqs):
        span = slice(0, len(s)) if padding_side == "right" else slice(t_max - len(s), t_max)
        ids[i, span] = torch.tensor(s)
        mask[i, span] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": torch.tensor(ys, dtype=torch.long)}


def _check_data(data: Mapping[str, torch.Tensor]) -> int:
    for key in ("input_ids", "attention_mask", "labels"):
        if key not in data:
            raise ValueError(f"data에 없는 키: {key!r} (있는 키 {sorted(data)})")
    n = data["input_ids"].shape[0]
    if n == 0:
        raise ValueError(f"data가 비어 있습니다: input_ids {tuple(data['input_ids'].shape)}")
    return n


@dataclass
class ClassifierTrainConfig:
    """분류 미세조정 설정.

    Args:
        lr: AdamW 학습률.
        epochs: 에폭 수.
        batch_size: 배치 크기.
        weight_decay: 가중치 감쇠.
        max_grad_norm: 기울기 노름 자르기 한계 (``None`` 이면 안 자름).
        seed: 섞기·드롭아웃 시드.
        progress: tqdm 진행 표시 여부.
    """

    lr: float = 1e-3
    epochs: int = 3
    batch_size: int = 16
    weight_decay: float = 0.0
    max_grad_norm: float | None = 1.0
    seed: int = 0
    progress: bool = False

    def __post_init__(self) -> None:
        check_fields(
            self, lr=POSITIVE, weight_decay=NON_NEGATIVE, max_grad_norm=CLIP_NORM
        )  # NaN·inf·범위 밖 값은 이름과 함께 거부
        check_train_config(self)


def train_classifier(
    model: nn.Module, data: Mapping[str, torch.Tensor], config: ClassifierTrainConfig | None = None
) -> list[float]:
    """교차 엔트로피로 분류기를 학습한다 (AdamW, 기울기 자르기, 시드 고정). ``requires_grad`` 인 파라미터만 갱신.

    몸통을 얼리면 선형 탐사(linear probe), LoRA 를 주입하면 LoRA + 머리만, 아무것도 안 얼리면 전체 미세조정이다.

    Args:
        model: ``model(input_ids, attention_mask)`` 가 ``(B, K)`` 로짓을 내는 분류기 (:class:`GPTClassifier`).
        data: :func:`encode_dataset` 결과.
        config: 학습 설정.

    Returns:
        단계별 손실.
    """
    cfg = config or ClassifierTrainConfig()
    n = _check_data(data)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("학습할 파라미터가 없습니다 (requires_grad=True인 파라미터 0 개)")
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    device = next(model.parameters()).device
    bar = None
    if cfg.progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=cfg.epochs * math.ceil(n / cfg.batch_size), desc="분류 학습")
    losses: list[float] = []
    order = list(range(n))
    model.train()
    for _ in range(cfg.epochs):
        rng.shuffle(order)
        for start in range(0, n, cfg.batch_size):
            idx = torch.tensor(order[start : start + cfg.batch_size])
            ids = data["input_ids"][idx].to(device)
            mask = data["attention_mask"][idx].to(device)
            y = data["labels"][idx].to(device)
            loss = F.cross_entropy(model(ids, mask), y)  # −log softmax(z)_y 의 평균
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.max_grad_norm is not None:
                torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm)
            opt.step()
            losses.append(float(loss.detach()))
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    model.eval()
    return losses


@torch.no_grad()
def predict(model: nn.Module, data: Mapping[str, torch.Tensor], batch_size: int = 64) -> torch.Tensor:
    """예측 클래스 ``(N,)`` (로짓의 argmax).

    Args:
        model: 분류기.
        data: :func:`encode_dataset` 결과 (``labels`` 는 없어도 된다).
        batch_size: 한 번에 계산할 문장 수.
    """
    if "input_ids" not in data or data["input_ids"].shape[0] == 0:
        raise ValueError("data가 비어 있습니다: input_ids가 없거나 0 행")
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    out = []
    for start in range(0, data["input_ids"].shape[0], batch_size):
        ids = data["input_ids"][start : start + batch_size].to(device)
        mask = data["attention_mask"][start : start + batch_size].to(device)
        out.append(model(ids, mask).argmax(dim=-1).cpu())
    model.train(was_training)
    return torch.cat(out)


def _as_long(x) -> torch.Tensor:
    return (
        x.to(torch.long).reshape(-1)
        if isinstance(x, torch.Tensor)
        else torch.tensor(list(x), dtype=torch.long)
    )


def accuracy(y_true, y_pred) -> float:
    """정확도 = 맞힌 수 / 전체 수.

    Args:
        y_true: 정답 레이블 (텐서 또는 목록).
        y_pred: 예측 레이블.
    """
    t, p = _as_long(y_true), _as_long(y_pred)
    if t.numel() == 0:
        raise ValueError("y_true가 비어 있습니다: []")
    if t.shape != p.shape:
        raise ValueError(f"y_true와 y_pred의 길이가 다릅니다: {t.numel()} != {p.numel()}")
    return float((t == p).float().mean())


def confusion_matrix(y_true, y_pred, num_labels: int) -> torch.Tensor:
    """혼동 행렬 ``(K, K)``: 행 = 정답, 열 = 예측 (scikit-learn 과 같은 방향).

    Args:
        y_true: 정답 레이블.
        y_pred: 예측 레이블.
        num_labels: 클래스 수 K.
    """
    t, p = _as_long(y_true), _as_long(y_pred)
    if t.numel() == 0:
        raise ValueError("y_true가 비어 있습니다: []")
    if t.shape != p.shape:
        raise ValueError(f"y_true와 y_pred의 길이가 다릅니다: {t.numel()} != {p.numel()}")
    check_labels(t.tolist(), num_labels)
    check_labels(p.tolist(), num_labels)
    # 칸 (i, j) 의 번호 = i·K + j 로 펴서 센다
    return torch.bincount(t * num_labels + p, minlength=num_labels * num_labels).view(num_labels, num_labels)


def to_hf_sequence_classifier(clf: GPTClassifier):
    """같은 가중치의 ``transformers.GPT2ForSequenceClassification`` 을 만든다 (비교·내보내기용).

    HF 는 ``attention_mask`` 가 아니라 ``config.pad_token_id`` 로 풀링 위치를 찾으므로 ``clf.pad_token_id`` 를
    설정에 넣는다. 분류 머리에 편향이 있으면 HF 구조와 다르므로 ``ValueError``.

    Args:
        clf: :class:`GPTClassifier`.
    """
    from transformers import GPT2Config, GPT2ForSequenceClassification

    if clf.score.bias is not None:
        raise ValueError(f"HF GPT2ForSequenceClassification의 score 층에는 편향이 없습니다: bias={True!r}")
    cfg = GPT2Config(
        **{**clf.backbone.config.to_dict(), "num_labels": clf.num_labels, "pad_token_id": clf.pad_token_id}
    )
    hf = GPT2ForSequenceClassification(cfg).to(clf.score.weight.dtype)
    hf.transformer.load_state_dict(clf.backbone.state_dict())
    with torch.no_grad():
        hf.score.weight.copy_(clf.score.weight)
    return hf.eval()
