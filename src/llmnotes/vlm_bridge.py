"""그림을 언어 모델에 넣는 두 가지 다리: LLaVA 식 MLP 투영기와 BLIP-2 식 Q-Former(간소판).

둘 다 얼린(frozen) CLIP 그림 인코더의 조각 토큰 (B, N, d_img) 을 받아 언어 모델의 임베딩 공간 (B, P, d_lm) 으로
옮긴다. 옮긴 벡터는 글 토큰 임베딩 앞에 붙는 '그림 토큰' 이 되고, 언어 모델은 그것을 낱말처럼 읽는다.

- LLaVA (Liu et al., 2023): 조각 토큰마다 같은 2층 MLP → P = N 개의 그림 토큰.
- Q-Former (BLIP-2, Li et al., 2023): 학습되는 질의(query) K 개가 교차 어텐션으로 조각 토큰을 읽고
  → P = K 개의 그림 토큰 (조각 수와 무관하게 고정).

조각 토큰 대신 CLIP 의 **공통 임베딩** 하나 (B, 1, D) 를 다리에 넣을 수도 있다 (``EmbeddingToken``; ClipCap 처럼 벡터 하나를
그림 토큰 여러 개로 펼친다). 공통 공간에서는 그림 임베딩과 글 임베딩이 가까우므로, 다리를 **글** 임베딩에 가우스 잡음을 더한
입력으로 학습하고 시험에서 그림 임베딩을 넣을 수 있다 (CapDec, Nukrai et al., 2022; ``modality_noise``).

언어 모델은 ``inputs_embeds`` 를 받는 Hugging Face 인과 언어 모델이면 된다 (노트북 20 은 척추 모델
``tiny-ko-llama`` = ``LlamaForCausalLM``). 언어 모델은 ``lm_mode`` 로 얼리거나('frozen'), 얼린 가중치 옆에 LoRA 만
학습하거나('lora'), 전부 학습한다('full').
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import torch
import torch.nn.functional as F
from torch import nn

from .checks import check_number
from .lora import inject_lora

__all__ = [
    "TextCodec",
    "HFTokenizerCodec",
    "MLPProjector",
    "QFormerLite",
    "EmbeddingToken",
    "modality_noise",
    "VisionLanguageModel",
    "BridgeBatch",
    "make_batch",
    "count_trainable",
    "LM_MODES",
]

LM_MODES = ("frozen", "lora", "full")


class TextCodec(Protocol):
    """다리가 쓰는 토크나이저의 모양: ``encode``/``decode`` 와 특수 토큰 id 넷."""

    bos_id: int
    eos_id: int
    sep_id: int
    pad_id: int

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids) -> str: ...


class HFTokenizerCodec:
    """Hugging Face 토크나이저(척추 모델의 바이트 수준 BPE)를 :class:`TextCodec` 으로 감싼다.

    글의 시작과 끝은 모두 ``<|endoftext|>`` (척추 모델이 문서 경계로 배운 토큰), 질문과 답 사이는 줄바꿈 "\\n".
    """

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        eos = tokenizer.eos_token_id
        if eos is None:
            raise ValueError("tokenizer에 eos_token이 없습니다")
        self.bos_id = self.eos_id = int(eos)
        pad = tokenizer.pad_token_id
        self.pad_id = int(pad) if pad is not None else int(eos)
        sep = tokenizer("\n", add_special_tokens=False)["input_ids"]
        if len(sep) != 1:
            raise ValueError(f"줄바꿈이 토큰 하나가 아닙니다: {sep!r}")
        self.sep_id = int(sep[0])

    def encode(self, text: str) -> list[int]:
        if not isinstance(text, str):
            raise TypeError(f"text는 str이어야 합니다: {type(text).__name__}")
        if not text.strip():
            raise ValueError(f"text가 비어 있습니다: {text!r}")
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def decode(self, ids) -> str:
        return self.tokenizer.decode([int(i) for i in ids], skip_special_tokens=True)


class MLPProjector(nn.Module):
    """LLaVA-1.5 의 투영기: Linear → GELU → Linear 를 입력 토큰마다 적용. (B, N, d_img) → (B, N·n_tokens, d_lm).

    ``n_tokens`` = 입력 토큰 하나가 펼쳐지는 그림 토큰 수. LLaVA 는 1 (조각 하나 = 그림 토큰 하나), 공통 임베딩 하나를
    넣을 때는 ClipCap (Mokady et al., 2021) 처럼 여러 개로 펼친다.
    """

    def __init__(self, d_img: int, d_lm: int, hidden: int = 128, n_tokens: int = 1):
        super().__init__()
        if not isinstance(n_tokens, int) or n_tokens < 1:
            raise ValueError(f"n_tokens는 1 이상의 정수여야 합니다: {n_tokens!r}")
        self.n_tokens, self.d_lm = n_tokens, d_lm
        self.net = nn.Sequential(nn.Linear(d_img, hidden), nn.GELU(), nn.Linear(hidden, n_tokens * d_lm))

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        B, N = feats.shape[:2]
        return self.net(feats).reshape(B, N * self.n_tokens, self.d_lm)


class QFormerLite(nn.Module):
    """학습되는 질의 K 개 + [교차 어텐션 → 자기 어텐션 → FFN] 층 → 언어 모델 차원으로 선형 투영.

    교차 어텐션: Q = 질의, K = V = 그림 조각 토큰.  softmax(Q Kᵀ / √d) V 로 질의마다 그림의 필요한 부분을 모은다.

    ``norm`` 은 크기 맞추기 (노트북 20 의 진단: 정규화 없이 학습한 Q-Former 의 그림 토큰 노름은 척추 모델 낱말
    임베딩 노름의 약 30배였다):

    - 'none': 정규화 없음 (처음 내보낸 판).
    - 'in': 그림 특징에 층 정규화를 먼저 건다 (BLIP-2 의 ``ln_vision``): z ← LN(z).
    - 'out': 마지막 질의에 층 정규화를 걸고(사전 정규화 트랜스포머의 마지막 LN), 선형 투영 뒤 토큰마다 RMS 를
      ``out_rms`` 로 맞춘다: y ← out_rms · y / RMS(y),  RMS(y) = √(mean_j y_j²).
    - 'both': 'in' 과 'out' 을 함께.
    """

    NORMS = ("none", "in", "out", "both")

    def __init__(
        self,
        d_img: int,
        d_lm: int,
        n_queries: int = 8,
        width: int = 64,
        heads: int = 4,
        layers: int = 1,
        norm: str = "none",
        out_rms: float = 0.05,
    ):
        super().__init__()
        if isinstance(n_queries, bool) or not isinstance(n_queries, int) or n_queries < 1:
            raise ValueError(f"n_queries는 1 이상의 정수여야 합니다: {n_queries!r}")
        if norm not in self.NORMS:
            raise ValueError(f"norm은 {self.NORMS} 중 하나여야 합니다: {norm!r}")
        if (
            isinstance(out_rms, bool)
            or not isinstance(out_rms, int | float)
            or not 0 < out_rms < float("inf")
        ):
            raise ValueError(f"out_rms는 양의 유한한 수여야 합니다: {out_rms!r}")
        self.norm, self.out_rms = norm, float(out_rms)
        self.in_norm = nn.LayerNorm(d_img) if norm in ("in", "both") else nn.Identity()
        self.out_norm = nn.LayerNorm(width) if norm in ("out", "both") else nn.Identity()
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
        kv = self.kv(self.in_norm(feats))  # (B, N, w)
        q = self.queries.expand(len(feats), -1, -1)  # (B, K, w)
        for i, (cross, self_attn, ffn) in enumerate(zip(self.cross, self.self_attn, self.ffn, strict=True)):
            n1, n2, n3 = self.norms[3 * i : 3 * i + 3]
            q = q + cross(n1(q), kv, kv, need_weights=False)[0]  # 질의가 그림을 읽는다
            h = n2(q)
            q = q + self_attn(h, h, h, need_weights=False)[0]  # 질의끼리 정보를 나눈다
            q = q + ffn(n3(q))
        y = self.out(self.out_norm(q))  # (B, K, d_lm)
        if self.norm in ("out", "both"):  # 토큰마다 RMS 를 척추 모델 낱말 임베딩 크기로
            y = self.out_rms * F.rms_norm(y, (y.shape[-1],), eps=1e-6)  # y / √(mean(y²) + ε)
        return y


class EmbeddingToken(nn.Module):
    """CLIP 의 단위 그림 임베딩을 길이 1 의 토큰열로: 그림 (B, 3, H, W) → (B, 1, D).

    ``model`` 은 ``encode_image`` 를 가진 모델 (``TinyClip``). 다리는 이 토큰 하나를 읽는다.
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.model.encode_image(images).unsqueeze(1)


def modality_noise(emb: torch.Tensor, sigma: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """CapDec 의 잡음: 단위 글 임베딩 v 에 ε ~ N(0, σ²I) 를 더하고 다시 단위 길이로, (v + ε) / ‖v + ε‖.

    글 임베딩과 짝 그림 임베딩 사이의 틈(modality gap)을 잡음으로 덮어, 글로 학습한 다리가 그림 임베딩도 읽게 한다.
    """
    sigma = check_number(sigma, "sigma", low=0)  # 유한한 0 이상의 수 (bool 은 거절)
    if sigma == 0:
        return emb
    eps = torch.randn(emb.shape, generator=generator, dtype=emb.dtype, device=emb.device) * sigma
    return F.normalize(emb + eps, dim=-1)


@dataclass
class BridgeBatch:
    """언어 모델 입력: 글 토큰 id (B, T), 손실 표시(답 토큰 = 학습 대상, 나머지 -100) (B, T), 패딩 마스크 (B, T)."""

    ids: torch.Tensor
    labels: torch.Tensor
    mask: torch.Tensor


def make_batch(tok: TextCodec, questions: list[str], answers: list[str | None]) -> BridgeBatch:
    """'<bos> 질문 <sep> 답 <eos>' 를 오른쪽 패딩으로 묶는다. 답이 None 이면 '<bos> 질문 <sep>' 까지만 (생성용)."""
    if len(questions) == 0 or len(questions) != len(answers):
        raise ValueError(
            f"questions와 answers는 길이가 같고 비어 있지 않아야 합니다: {len(questions)}, {len(answers)}"
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
    mask = torch.zeros((len(seqs), T), dtype=torch.bool)
    for b, (s, lab) in enumerate(zip(seqs, labs, strict=True)):
        ids[b, : len(s)] = torch.tensor(s)
        labels[b, : len(lab)] = torch.tensor(lab)
        mask[b, : len(s)] = True  # pad 와 eos 가 같은 id 일 수 있어 id 로 마스크를 만들지 않는다
    return BridgeBatch(ids, labels, mask)


class VisionLanguageModel(nn.Module):
    """얼린 그림 인코더 → 다리(bridge) → 언어 모델. 다리는 늘 학습한다.

    Args:
        image_encoder: 그림 (B, 3, H, W) → 토큰 (B, N, d_img) 인 모듈. 조각 토큰이면 ``TinyClip.image_encoder``,
            공통 임베딩 하나면 ``EmbeddingToken(clip)``. 늘 얼린다.
        bridge: ``MLPProjector`` 또는 ``QFormerLite``.
        image_size: 받을 그림 한 변의 픽셀 수 (다르면 ``prefix`` 가 ValueError).
        lm: ``inputs_embeds`` 를 받는 Hugging Face 인과 언어 모델 (예: ``LlamaForCausalLM``).
        lm_mode: 'frozen' (언어 모델을 얼림; LLaVA 1단계, BLIP-2), 'lora' (얼린 가중치 옆 LoRA 만 학습),
            'full' (언어 모델 전부 학습; LLaVA 2단계).
        lora_targets, lora_r, lora_alpha: 'lora' 일 때 LoRA 를 붙일 선형층 이름과 랭크, 스케일 분자.
    """

    def __init__(
        self,
        image_encoder: nn.Module,
        bridge: nn.Module,
        lm: nn.Module,
        lm_mode: str = "frozen",
        lora_targets: tuple[str, ...] = ("q_proj", "v_proj"),
        lora_r: int = 8,
        lora_alpha: float = 16.0,
        image_size: int = 32,
    ):
        super().__init__()
        self.image_size = image_size
        if lm_mode not in LM_MODES:
            raise ValueError(f"lm_mode는 {LM_MODES} 중 하나여야 합니다: {lm_mode!r}")
        self.image_encoder, self.bridge, self.lm, self.lm_mode = image_encoder, bridge, lm, lm_mode
        for p in image_encoder.parameters():
            p.requires_grad_(False)
        for p in lm.parameters():
            p.requires_grad_(lm_mode == "full")
        if lm_mode == "lora":  # 얼린 W 옆에 ΔW = (α/r)·BA 만 학습 (노트북 12)
            inject_lora(lm, target_modules=lora_targets, r=lora_r, alpha=lora_alpha)

    def prefix(self, images: torch.Tensor) -> torch.Tensor:
        """그림 → 언어 모델 임베딩 공간의 그림 토큰 (B, P, d_lm)."""
        S = self.image_size
        if not isinstance(images, torch.Tensor):
            raise TypeError(f"images는 torch.Tensor여야 합니다: {type(images).__name__}")
        if images.ndim != 4 or tuple(images.shape[1:]) != (3, S, S) or len(images) == 0:
            raise ValueError(f"images는 (B≥1, 3, {S}, {S})여야 합니다: {tuple(images.shape)}")
        with torch.no_grad():
            feats = self.image_encoder(images)
        return self.bridge(feats)

    def loss_from_prefix(self, pre: torch.Tensor, batch: BridgeBatch) -> torch.Tensor:
        """그림 토큰 (B, P, d_lm) 과 글 배치로 답 토큰의 평균 교차 엔트로피를 계산한다."""
        B, P = pre.shape[:2]
        if batch.ids.shape[0] != B:
            raise ValueError(f"그림 {B}개와 글 {batch.ids.shape[0]}개의 배치 크기가 다릅니다")
        emb = torch.cat([pre, self.lm.get_input_embeddings()(batch.ids)], dim=1)  # [그림 토큰 | 글 토큰]
        attn = torch.cat([torch.ones(B, P, dtype=torch.long), batch.mask.long()], dim=1)
        h = self.lm.base_model(inputs_embeds=emb, attention_mask=attn).last_hidden_state[:, P:]
        # 위치 t 의 출력이 t+1 번째 토큰을 맞힌다. 답 토큰 자리만 어휘 로짓을 계산한다 (어휘가 커서 아낀다).
        target = batch.labels[:, 1:]
        keep = target != -100
        logits = self.lm.get_output_embeddings()(h[:, :-1][keep])
        return F.cross_entropy(logits, target[keep])

    def forward(self, images: torch.Tensor, batch: BridgeBatch) -> torch.Tensor:
        """답 토큰의 평균 교차 엔트로피."""
        return self.loss_from_prefix(self.prefix(images), batch)

    @torch.no_grad()
    def generate(
        self, images: torch.Tensor, tok: TextCodec, questions: list[str], max_new: int = 40
    ) -> list[str]:
        """탐욕적 디코딩으로 질문마다 답을 만든다 (<eos> 에서 멈춤, 키·값 캐시 사용)."""
        if len(questions) != len(images):
            raise ValueError(f"그림 {len(images)}개와 질문 {len(questions)}개의 수가 다릅니다")
        pre = self.prefix(images)
        out: list[str] = []
        for b in range(len(images)):  # 질문 길이가 달라 한 장씩
            ids = make_batch(tok, [questions[b]], [None]).ids
            emb = torch.cat([pre[b : b + 1], self.lm.get_input_embeddings()(ids)], dim=1)
            res = self.lm(inputs_embeds=emb, use_cache=True)
            new: list[int] = []
            for _ in range(max_new):
                nxt = int(res.logits[0, -1].argmax())
                if nxt == tok.eos_id:
                    break
                new.append(nxt)
                res = self.lm(input_ids=torch.tensor([[nxt]]), cache=res.cache, use_cache=True)
            out.append(tok.decode(new))
        return out


def count_trainable(module: nn.Module) -> int:
    """requires_grad 인 파라미터 수."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
