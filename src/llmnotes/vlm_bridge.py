"""그림을 언어 모델에 넣는 두 가지 다리: LLaVA 식 MLP 투영기와 BLIP-2 식 Q-Former(간소판).

둘 다 얼린(frozen) CLIP 그림 인코더의 조각 토큰 (B, N, d_img) 을 받아 언어 모델의 임베딩 공간 (B, P, d_lm) 으로
옮긴다. 옮긴 벡터는 글 토큰 임베딩 앞에 붙는 '그림 토큰' 이 되고, 언어 모델은 그것을 낱말처럼 읽는다.

- LLaVA (Liu et al., 2023): 조각 토큰마다 같은 2층 MLP → P = N 개의 그림 토큰.
- Q-Former (BLIP-2, Li et al., 2023): 학습되는 질의(query) K 개가 교차 어텐션으로 조각 토큰을 읽고
  → P = K 개의 그림 토큰 (조각 수와 무관하게 고정).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .clip import WordTokenizer

__all__ = [
    "MLPProjector",
    "QFormerLite",
    "VisionLanguageModel",
    "BridgeBatch",
    "make_batch",
    "count_trainable",
]


class MLPProjector(nn.Module):
    """LLaVA-1.5 의 투영기: Linear → GELU → Linear 를 조각 토큰마다 적용. (B, N, d_img) → (B, N, d_lm)."""

    def __init__(self, d_img: int, d_lm: int, hidden: int = 128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_img, hidden), nn.GELU(), nn.Linear(hidden, d_lm))

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return self.net(feats)


class QFormerLite(nn.Module):
    """학습되는 질의 K 개 + [교차 어텐션 → 자기 어텐션 → FFN] 층 → 언어 모델 차원으로 선형 투영.

    교차 어텐션: Q = 질의, K = V = 그림 조각 토큰.  softmax(Q Kᵀ / √d) V 로 질의마다 그림의 필요한 부분을 모은다.
    """

    def __init__(
        self, d_img: int, d_lm: int, n_queries: int = 8, width: int = 64, heads: int = 4, layers: int = 1
    ):
        super().__init__()
        self.queries = nn.Parameter(torch.randn(n_queries, width) * 0.02)
        self.kv = nn.Linear(d_img, width)
        self.cross = nn.ModuleList(
            [nn.MultiheadAttention(width, heads, batch_first=True) for _ in range(layers)]
        )
        self.self_attn = nn.ModuleList(
            [nn.MultiheadAttention(width, heads, batch_first=True) for _ in range(layers)]
        )
        self.ffn = nn.ModuleList(
            [
                nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))
                for _ in range(layers)
            ]
        )
        self.norms = nn.ModuleList([nn.LayerNorm(width) for _ in range(3 * layers)])
        self.out = nn.Linear(width, d_lm)  # BLIP-2 의 'FC 층': 질의 출력을 언어 모델 차원으로

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        kv = self.kv(feats)  # (B, N, w)
        q = self.queries.expand(len(feats), -1, -1)  # (B, K, w)
        for i, (cross, self_attn, ffn) in enumerate(zip(self.cross, self.self_attn, self.ffn, strict=True)):
            n1, n2, n3 = self.norms[3 * i : 3 * i + 3]
            q = q + cross(n1(q), kv, kv, need_weights=False)[0]  # 질의가 그림을 읽는다
            h = n2(q)
            q = q + self_attn(h, h, h, need_weights=False)[0]  # 질의끼리 정보를 나눈다
            q = q + ffn(n3(q))
        return self.out(q)  # (B, K, d_lm)


@dataclass
class BridgeBatch:
    """언어 모델 입력: 글 토큰 id (B, T), 손실 표시(답 토큰 = 학습 대상) (B, T), 패딩 마스크 (B, T)."""

    ids: torch.Tensor
    labels: torch.Tensor
    mask: torch.Tensor


def make_batch(tok: WordTokenizer, questions: list[str], answers: list[str | None]) -> BridgeBatch:
    """'<bos> 질문 <sep> 답 <eos>' 를 오른쪽 패딩으로 묶는다. 답이 None 이면 '<bos> 질문 <sep>' 까지만 (생성용)."""
    if len(questions) == 0 or len(questions) != len(answers):
        raise ValueError(
            f"questions 와 answers 는 길이가 같고 비어 있지 않아야 합니다: {len(questions)}, {len(answers)}"
        )
    seqs, labs = [], []
    for q, a in zip(questions, answers, strict=True):
        head = [tok.bos_id, *tok.encode(q), tok.sep_id]
        tail = [] if a is None else [*tok.encode(a), tok.eos_id]
        seqs.append(head + tail)
        labs.append([-100] * len(head) + tail)  # 질문 쪽은 손실에서 뺀다
    T = max(map(len, seqs))
    ids = torch.full((len(seqs), T), tok.pad_id, dtype=torch.long)
    labels = torch.full((len(seqs), T), -100, dtype=torch.long)
    for b, (s, lab) in enumerate(zip(seqs, labs, strict=True)):
        ids[b, : len(s)] = torch.tensor(s)
        labels[b, : len(lab)] = torch.tensor(lab)
    return BridgeBatch(ids, labels, ids != tok.pad_id)


class VisionLanguageModel(nn.Module):
    """얼린 그림 인코더 → 다리(bridge) → 언어 모델. 다리는 늘 학습하고, 언어 모델은 ``freeze_lm`` 이면 얼린다.

    Args:
        image_encoder: 그림 (B, 3, H, W) → 조각 토큰 (B, N, d_img) 인 모듈 (``TinyClip.image_tokens``).
        bridge: ``MLPProjector`` 또는 ``QFormerLite``.
        lm: ``inputs_embeds`` 를 받는 Hugging Face 인과 언어 모델 (예: ``GPT2LMHeadModel``).
        freeze_lm: 참이면 언어 모델을 얼린다.
    """

    def __init__(self, image_encoder: nn.Module, bridge: nn.Module, lm: nn.Module, freeze_lm: bool = True):
        super().__init__()
        self.image_encoder, self.bridge, self.lm = image_encoder, bridge, lm
        for p in image_encoder.parameters():
            p.requires_grad_(False)
        for p in lm.parameters():  # LLaVA 1단계·BLIP-2: 얼림, LLaVA 2단계: 함께 학습
            p.requires_grad_(not freeze_lm)

    def prefix(self, images: torch.Tensor) -> torch.Tensor:
        """그림 → 언어 모델 임베딩 공간의 그림 토큰 (B, P, d_lm)."""
        if images.ndim != 4:
            raise ValueError(f"images 는 (B, 3, H, W) 여야 합니다: {tuple(images.shape)}")
        with torch.no_grad():
            feats = self.image_encoder(images)
        return self.bridge(feats)

    def forward(self, images: torch.Tensor, batch: BridgeBatch) -> torch.Tensor:
        """답 토큰의 평균 교차 엔트로피."""
        pre = self.prefix(images)
        B, P = pre.shape[:2]
        if batch.ids.shape[0] != B:
            raise ValueError(f"그림 {B}개와 글 {batch.ids.shape[0]}개의 배치 크기가 다릅니다")
        emb = torch.cat([pre, self.lm.get_input_embeddings()(batch.ids)], dim=1)  # [그림 토큰 | 글 토큰]
        attn = torch.cat([torch.ones(B, P, dtype=torch.long), batch.mask.long()], dim=1)
        logits = self.lm(inputs_embeds=emb, attention_mask=attn).logits[:, P:]
        # 위치 t 의 로짓이 t+1 번째 토큰을 맞힌다
        return F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), batch.labels[:, 1:].reshape(-1))

    @torch.no_grad()
    def generate(
        self, images: torch.Tensor, tok: WordTokenizer, questions: list[str], max_new: int = 16
    ) -> list[str]:
        """탐욕적 디코딩으로 질문마다 답을 만든다 (<eos> 에서 멈춤)."""
        pre = self.prefix(images)
        B, P = pre.shape[:2]
        out: list[list[int]] = [[] for _ in range(B)]
        for b in range(B):  # 질문 길이가 달라 한 장씩 (작은 모델이라 충분히 빠르다)
            ids = make_batch(tok, [questions[b]], [None]).ids
            for _ in range(max_new):
                emb = torch.cat([pre[b : b + 1], self.lm.get_input_embeddings()(ids)], dim=1)
                nxt = int(self.lm(inputs_embeds=emb).logits[0, -1].argmax())
                if nxt == tok.eos_id:
                    break
                out[b].append(nxt)
                ids = torch.cat([ids, torch.tensor([[nxt]])], dim=1)
        return [tok.decode(o) for o in out]


def count_trainable(module: nn.Module) -> int:
    """requires_grad 인 파라미터 수."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
