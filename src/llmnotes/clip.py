"""작은 CLIP: 그림 인코더(CNN), 글 인코더(트랜스포머), 대조 학습(InfoNCE)과 FILIP 의 토큰 단위 유사도.

CLIP (Radford et al., 2021) 은 그림 i 와 글 j 를 같은 공간의 단위 벡터로 보내고, 짝이 맞는 (i, i) 의 점곱이
짝이 아닌 (i, j) 보다 크도록 학습한다. 배치 B 개의 유사도 행렬 L_ij = exp(t)·<u_i, v_j> 에 대해

    loss = ½ [ CE(L, 정답=대각선) + CE(Lᵀ, 정답=대각선) ]

이고 t (= logit_scale, 온도의 역수의 로그)도 함께 학습한다. FILIP (Yao et al., 2021) 은 전체 벡터 하나 대신
그림 조각 토큰과 글 토큰끼리 비교해 각 토큰의 가장 비슷한 짝을 평균한다 (``token_wise_similarity``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .checks import check_int, check_number
from .hangul import nfc

__all__ = [
    "SPECIALS",
    "WordTokenizer",
    "images_to_tensor",
    "ClipConfig",
    "ImageEncoder",
    "TextEncoder",
    "TinyClip",
    "clip_loss",
    "token_wise_similarity",
    "filip_loss",
    "class_embeddings",
    "recall_at_k",
    "fit_clip",
]

SPECIALS = ("<pad>", "<bos>", "<eos>", "<sep>")


class WordTokenizer:
    """공백으로 나눈 낱말 하나가 토큰 하나인 토크나이저. 어휘 밖 낱말은 조용히 버리지 않고 오류를 낸다."""

    def __init__(self, words: list[str]):
        if len(words) == 0:
            raise ValueError("words가 비어 있습니다")
        self.itos = list(SPECIALS) + [nfc(w) for w in words]
        if len(set(self.itos)) != len(self.itos):
            raise ValueError("words에 중복되거나 특수 토큰과 같은 낱말이 있습니다")
        self.stoi = {w: i for i, w in enumerate(self.itos)}
        self.pad_id, self.bos_id, self.eos_id, self.sep_id = range(4)

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        """문장을 토큰 id 목록으로. 빈 문장과 어휘 밖 낱말은 ValueError."""
        if not isinstance(text, str):
            raise TypeError(f"text는 str이어야 합니다: {type(text).__name__}")
        words = nfc(text).split()
        if not words:
            raise ValueError(f"text가 비어 있습니다: {text!r}")
        unknown = [w for w in words if w not in self.stoi]
        if unknown:
            raise ValueError(f"어휘에 없는 낱말입니다: {unknown!r} (text={text!r})")
        return [self.stoi[w] for w in words]

    def decode(self, ids) -> str:
        return " ".join(self.itos[int(i)] for i in ids if int(i) >= len(SPECIALS))

    def batch(self, texts: list[str], max_len: int) -> tuple[torch.Tensor, torch.Tensor]:
        """문장들을 (B, max_len) id 와 마스크(진짜 토큰 = True)로. max_len 보다 긴 문장은 자르지 않고 오류."""
        if len(texts) == 0:
            raise ValueError("texts가 비어 있습니다")
        ids = torch.full((len(texts), max_len), self.pad_id, dtype=torch.long)
        for b, t in enumerate(texts):
            toks = self.encode(t)
            if len(toks) > max_len:
                raise ValueError(f"문장이 max_len={max_len}보다 깁니다 ({len(toks)} 토큰): {t!r}")
            ids[b, : len(toks)] = torch.tensor(toks)
        return ids, ids != self.pad_id


def images_to_tensor(images: np.ndarray, image_size: int = 32) -> torch.Tensor:
    """(N, H, W, 3) uint8 그림을 (N, 3, H, W) float 텐서로 (0–255 → 평균 0 근처).

    잘못된 dtype 은 TypeError, 잘못된 모양은 ValueError.
    """
    if not isinstance(images, np.ndarray):
        raise TypeError(f"images는 numpy 배열이어야 합니다: {type(images).__name__}")
    if images.dtype != np.uint8:
        raise TypeError(f"images의 dtype은 uint8이어야 합니다: {images.dtype}")
    if images.ndim != 4 or images.shape[1:] != (image_size, image_size, 3):
        raise ValueError(f"images의 모양은 (N, {image_size}, {image_size}, 3)이어야 합니다: {images.shape}")
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float()
    return (x - 127.5) / 64.0


@dataclass(frozen=True)
class ClipConfig:
    """작은 CLIP 의 크기.

    Args:
        vocab_size: 글 토크나이저의 어휘 크기.
        image_size: 그림 한 변 (4 의 배수... 합성곱 3번마다 절반이 되어 grid = image_size / 8).
        channels: 합성곱 세 층의 채널 수.
        width: 그림·글 인코더의 토큰 차원.
        embed_dim: 공통 임베딩 공간의 차원.
        text_layers, heads: 글 트랜스포머 층 수와 헤드 수.
        max_len: 글의 최대 토큰 수.
        init_temperature: 처음 온도 τ (logit_scale = log(1/τ)).
    """

    vocab_size: int = 50
    image_size: int = 32
    channels: tuple[int, int, int] = (32, 64, 64)
    width: int = 64
    embed_dim: int = 64
    text_layers: int = 2
    heads: int = 4
    max_len: int = 16
    init_temperature: float = 0.07

    def __post_init__(self) -> None:
        for name in ("image_size", "width", "embed_dim", "text_layers", "heads", "max_len"):
            if hasattr(self, name):
                check_int(getattr(self, name), name, low=1)
        check_number(self.init_temperature, "init_temperature", low=0, low_open=True)  # τ > 0, 유한

    @property
    def grid(self) -> int:
        return self.image_size // 8


class ImageEncoder(nn.Module):
    """합성곱 3층(각각 3×3 합성곱 → GELU → 2×2 최대 풀링) → grid×grid 개의 조각 토큰 (B, grid², width)."""

    def __init__(self, cfg: ClipConfig):
        super().__init__()
        c1, c2, c3 = cfg.channels
        layers: list[nn.Module] = []
        for cin, cout in ((3, c1), (c1, c2), (c2, c3)):
            layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.GELU(), nn.MaxPool2d(2)]
        self.conv = nn.Sequential(*layers)
        self.to_width = nn.Linear(c3, cfg.width)
        self.pos = nn.Parameter(
            torch.zeros(cfg.grid * cfg.grid, cfg.width)
        )  # 조각 위치 임베딩 (왼쪽/오른쪽을 구분)
        self.norm = nn.LayerNorm(cfg.width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv(x)  # (B, C, g, g)
        h = h.flatten(2).transpose(1, 2)  # (B, g², C): 조각 하나가 토큰 하나
        return self.norm(self.to_width(h) + self.pos)


class TextEncoder(nn.Module):
    """낱말 임베딩 + 위치 임베딩 → 트랜스포머 인코더 층들 → 토큰 상태 (B, T, width)."""

    def __init__(self, cfg: ClipConfig):
        super().__init__()
        self.tok = nn.Embedding(cfg.vocab_size, cfg.width)
        self.pos = nn.Parameter(torch.zeros(cfg.max_len, cfg.width))
        layer = nn.TransformerEncoderLayer(
            cfg.width,
            cfg.heads,
            4 * cfg.width,
            dropout=0.0,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.layers = nn.TransformerEncoder(layer, cfg.text_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(cfg.width)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.tok(ids) + self.pos[: ids.shape[1]]
        h = self.layers(h, src_key_padding_mask=~mask)
        return self.norm(h)


class TinyClip(nn.Module):
    """그림 인코더 + 글 인코더 + 두 투영 + 학습되는 logit_scale."""

    def __init__(self, cfg: ClipConfig):
        super().__init__()
        self.cfg = cfg
        self.image_encoder = ImageEncoder(cfg)
        self.text_encoder = TextEncoder(cfg)
        # 전체 벡터: 그림은 조각 토큰을 이어 붙여(위치 정보를 살려) 투영, 글은 진짜 토큰 평균을 투영
        self.image_proj = nn.Linear(cfg.grid * cfg.grid * cfg.width, cfg.embed_dim)
        self.text_proj = nn.Linear(cfg.width, cfg.embed_dim)
        # FILIP 용 토큰 투영
        self.image_token_proj = nn.Linear(cfg.width, cfg.embed_dim)
        self.text_token_proj = nn.Linear(cfg.width, cfg.embed_dim)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1.0 / cfg.init_temperature)))

    def image_tokens(self, x: torch.Tensor) -> torch.Tensor:
        """그림 인코더의 조각 토큰 (B, grid², width). 브리지가 언어 모델에 넘기는 특징이다."""
        return self.image_encoder(x)

    def encode_image(self, x: torch.Tensor) -> torch.Tensor:
        """단위 길이 그림 임베딩 (B, embed_dim)."""
        return F.normalize(self.image_proj(self.image_encoder(x).flatten(1)), dim=-1)

    def encode_text(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """단위 길이 글 임베딩 (B, embed_dim): 진짜 토큰 상태의 평균을 투영."""
        h = self.text_encoder(ids, mask)
        m = mask.unsqueeze(-1).float()
        pooled = (h * m).sum(1) / m.sum(1)  # 평균 풀링 (패딩 제외)
        return F.normalize(self.text_proj(pooled), dim=-1)

    def image_token_embeddings(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.image_token_proj(self.image_encoder(x)), dim=-1)

    def text_token_embeddings(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.text_token_proj(self.text_encoder(ids, mask)), dim=-1)

    def scale(self) -> torch.Tensor:
        """exp(logit_scale), CLIP 처럼 100 을 넘지 않게 자른다."""
        return self.logit_scale.clamp(max=math.log(100.0)).exp()


def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    """대칭 InfoNCE. image_emb, text_emb: (B, D) 단위 벡터, logit_scale: exp 를 취하기 전 스칼라."""
    if image_emb.shape != text_emb.shape or image_emb.ndim != 2:
        raise ValueError(
            f"image_emb와 text_emb는 같은 (B, D) 모양이어야 합니다: {image_emb.shape}, {text_emb.shape}"
        )
    logits = logit_scale.exp() * image_emb @ text_emb.T  # L_ij = e^t <u_i, v_j>, (B, B)
    target = torch.arange(len(logits), device=logits.device)  # 짝은 대각선
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


def token_wise_similarity(
    img_tok: torch.Tensor, txt_tok: torch.Tensor, txt_mask: torch.Tensor
) -> torch.Tensor:
    """FILIP 의 토큰 단위 유사도 (Bi, Bt).

    그림→글: 그림 토큰 k 마다 글 j 의 토큰 중 최대 유사도를 고르고 k 에 대해 평균,
    글→그림: 글 토큰 l 마다 그림 i 의 토큰 중 최대 유사도를 고르고 (진짜 토큰만) 평균. 둘의 평균을 쓴다.
    """
    s = torch.einsum("ikd,jld->ijkl", img_tok, txt_tok)  # s_ijkl = <x_ik, y_jl>
    m = txt_mask[None, :, None, :]  # 패딩 글 토큰은 최대에서 뺀다
    i2t = s.masked_fill(~m, -1e4).amax(dim=3).mean(dim=2)  # (Bi, Bt)
    t2i_tok = s.amax(dim=2)  # (Bi, Bt, L)
    tm = txt_mask[None].float()
    t2i = (t2i_tok * tm).sum(-1) / tm.sum(-1)
    return (i2t + t2i) / 2


def filip_loss(model: TinyClip, x: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """토큰 단위 유사도로 만든 로짓의 대칭 교차 엔트로피."""
    sim = token_wise_similarity(model.image_token_embeddings(x), model.text_token_embeddings(ids, mask), mask)
    logits = model.scale() * sim
    target = torch.arange(len(logits))
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


@torch.no_grad()
def class_embeddings(model: TinyClip, tok: WordTokenizer, prompts_per_class: list[list[str]]) -> torch.Tensor:
    """제로샷 분류기: 클래스마다 여러 프롬프트 임베딩을 평균하고 다시 단위 길이로 (C, D)."""
    out = []
    for prompts in prompts_per_class:
        if not prompts:
            raise ValueError("클래스마다 프롬프트가 하나 이상 있어야 합니다")
        ids, mask = tok.batch(prompts, model.cfg.max_len)
        out.append(F.normalize(model.encode_text(ids, mask).mean(0), dim=-1))
    return torch.stack(out)


def recall_at_k(sim: torch.Tensor, relevant: torch.Tensor, k: int) -> float:
    """질의(행)마다 점수 상위 k 개 안에 relevant[q, j] 가 참인 j 가 있는 비율."""
    if sim.shape != relevant.shape:
        raise ValueError(f"sim과 relevant의 모양이 다릅니다: {sim.shape}, {relevant.shape}")
    if not 1 <= k <= sim.shape[1]:
        raise ValueError(f"k는 1 이상 {sim.shape[1]} 이하여야 합니다: {k!r}")
    top = sim.topk(k, dim=1).indices
    return relevant.gather(1, top).any(dim=1).float().mean().item()


def fit_clip(
    model: TinyClip,
    x: torch.Tensor,
    ids: torch.Tensor,
    mask: torch.Tensor,
    steps: int,
    batch_size: int = 128,
    lr: float = 2e-3,
    objective: str = "clip",
    seed: int = 0,
    log_every: int = 0,
) -> list[float]:
    """(그림, 글) 짝으로 CLIP 을 학습하고 스텝별 손실 목록을 돌려준다.

    Args:
        objective: 'clip' (전체 벡터 InfoNCE) 또는 'filip' (토큰 단위 유사도).
        log_every: 0 보다 크면 그 스텝마다 손실을 출력한다.
    """
    if objective not in ("clip", "filip"):
        raise ValueError(f"objective는 'clip' 또는 'filip'이어야 합니다: {objective!r}")
    if not len(x) == len(ids) == len(mask):
        raise ValueError(f"x, ids, mask의 개수가 다릅니다: {len(x)}, {len(ids)}, {len(mask)}")
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    losses = []
    model.train()
    for step in range(steps):
        b = torch.randint(len(x), (batch_size,), generator=g)
        if objective == "clip":
            loss = clip_loss(model.encode_image(x[b]), model.encode_text(ids[b], mask[b]), model.logit_scale)
        else:
            loss = filip_loss(model, x[b], ids[b], mask[b])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        with torch.no_grad():
            model.logit_scale.clamp_(max=math.log(100.0))
        losses.append(loss.item())
        if log_every and (step + 1) % log_every == 0:
            print(
                f"step {step + 1}/{steps} loss {np.mean(losses[-log_every:]):.4f} scale {model.scale().item():.1f}"
            )
    model.eval()
    return losses
