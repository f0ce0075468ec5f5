"""작은 디코더 전용(decoder-only) GPT: GPT-2 구조를 위에서 아래로 읽히게 구현한다.

구조 (GPT-2 와 같다):

- 토큰 임베딩 ``wte`` + 학습되는 위치 임베딩 ``wpe`` (learned positional embedding)
- 블록 ``n_layer`` 개. 각 블록은 사전 정규화(pre-norm):
  ``x = x + Attn(LN1(x))``, ``x = x + MLP(LN2(x))``
- 인과적(causal) 멀티헤드 셀프 어텐션 두 가지 경로:
  ``"sdpa"`` (``F.scaled_dot_product_attention(is_causal=True)``) 와 ``"naive"`` (마스크 + softmax 를 직접 계산).
  두 경로는 1e-5 안에서 같은 값을 낸다 (테스트로 확인).
- MLP: ``Linear(C, 4C) → GELU(tanh 근사) → Linear(4C, C)``
- 마지막 LayerNorm ``ln_f`` 와 출력층 ``lm_head`` (가중치를 ``wte`` 와 공유: weight tying)
- 손실은 ``F.cross_entropy(lm_head(x), targets)`` 그대로다 (속도를 위한 특별한 경로는 없다).

``transformers`` 의 ``GPT2LMHeadModel`` 과 가중치를 주고받는 변환(:func:`to_hf`, :func:`from_hf`)이 있어,
같은 가중치면 두 모델의 로짓이 1e-5 안에서 같다. GPT-2 의 ``Conv1D`` 는 가중치를 ``(in, out)`` 으로 저장하고
``nn.Linear`` 는 ``(out, in)`` 으로 저장하므로 변환할 때 전치(transpose)한다.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = [
    "check_token_ids",
    "GPTConfig",
    "GPT",
    "CausalSelfAttention",
    "MLP",
    "Block",
    "filter_logits",
    "to_hf_config",
    "to_hf",
    "from_hf",
    "save_pretrained",
    "load_pretrained",
]

ATTENTION_IMPLS = ("sdpa", "naive")
LAYER_NORM_EPS = 1e-5  # GPT-2 의 layer_norm_epsilon 과 같다


@dataclass
class GPTConfig:
    """GPT 모델 설정.

    Args:
        vocab_size: 어휘 크기 V.
        n_layer: 트랜스포머 블록 수 L.
        n_head: 어텐션 헤드 수 H (``n_embd`` 를 나누어떨어지게 해야 한다).
        n_embd: 임베딩(은닉) 차원 C.
        block_size: 최대 문맥 길이 T_max (위치 임베딩 개수).
        dropout: 임베딩·어텐션·잔차 경로의 드롭아웃 확률 (0 이상 1 미만).
        bias: Linear 와 LayerNorm 에 편향을 둘지. GPT-2 와 변환하려면 ``True`` 여야 한다.
        attention: ``"sdpa"`` (PyTorch 융합 커널) 또는 ``"naive"`` (마스크 + softmax 직접 계산).
    """

    vocab_size: int = 4096
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    block_size: int = 128
    dropout: float = 0.0
    bias: bool = True
    attention: str = "sdpa"

    def __post_init__(self) -> None:
        for name in ("vocab_size", "n_layer", "n_head", "n_embd", "block_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name}: 1 이상의 정수여야 합니다 (받은 값 {value!r})")
        if self.n_embd % self.n_head != 0:
            raise ValueError(f"n_embd({self.n_embd})가 n_head({self.n_head})로 나누어떨어지지 않습니다")
        if not isinstance(self.dropout, (int, float)) or not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout은 0 이상 1 미만이어야 합니다: {self.dropout!r}")
        if not isinstance(self.bias, bool):
            raise ValueError(f"bias는 bool이어야 합니다: {self.bias!r}")
        if self.attention not in ATTENTION_IMPLS:
            raise ValueError(f"attention은 {ATTENTION_IMPLS} 중 하나여야 합니다: {self.attention!r}")

    def to_dict(self) -> dict[str, Any]:
        """JSON 으로 저장할 수 있는 사전."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GPTConfig:
        """사전에서 설정을 만든다. 모르는 키가 있으면 조용히 버리지 않고 ``ValueError``.

        Args:
            d: :meth:`to_dict` 가 만든 것과 같은 모양의 사전.
        """
        if not isinstance(d, dict):
            raise TypeError(f"d는 dict여야 합니다: {type(d).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"GPTConfig에 없는 키입니다: {unknown}. 가능한 키: {sorted(known)}")
        return cls(**d)


class CausalSelfAttention(nn.Module):
    """인과적 멀티헤드 셀프 어텐션. Q, K, V 를 한 번의 Linear(``c_attn``)로 계산한다.

    Args:
        config: 모델 설정.
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.head_dim = config.n_embd // config.n_head
        self.dropout = config.dropout
        self.attention = config.attention
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)  # [Q|K|V] = x W_qkv
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)  # 헤드를 이어 붙인 뒤 W_o
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        # 아래삼각 마스크: mask[i, j] = (j <= i). 미래 토큰(j > i)은 보지 못한다.
        mask = torch.tril(torch.ones(config.block_size, config.block_size, dtype=torch.bool))
        self.register_buffer("causal_mask", mask, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        # (B, T, C) → (B, H, T, d): 헤드마다 따로 어텐션을 계산한다 (d = C / H)
        q = q.view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        k = k.view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        v = v.view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        p_drop = self.dropout if self.training else 0.0
        if self.attention == "sdpa":
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=p_drop, is_causal=True)
        else:
            # 점수 S = Q Kᵀ / √d, 미래 자리는 -∞ 로 가린 뒤 softmax: A = softmax(S + M)
            att = q @ k.transpose(-2, -1)
            att.mul_(1.0 / math.sqrt(self.head_dim))  # 제자리 연산: (B, H, T, T) 텐서를 새로 만들지 않는다
            att.masked_fill_(~self.causal_mask[:T, :T], float("-inf"))
            att = F.softmax(att, dim=-1)
            att = self.attn_dropout(att)
            y = att @ v  # 출력 = A V
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # 헤드를 다시 이어 붙인다
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    """위치별 피드포워드 층: ``Linear(C, 4C) → GELU(tanh 근사) → Linear(4C, C)``.

    Args:
        config: 모델 설정.
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # GELU(x) ≈ 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))  — GPT-2 의 'gelu_new'
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x), approximate="tanh")))


class Block(nn.Module):
    """트랜스포머 블록 하나 (사전 정규화).

    Args:
        config: 모델 설정.
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, eps=LAYER_NORM_EPS, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, eps=LAYER_NORM_EPS, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))  # x ← x + Attn(LN(x))
        x = x + self.mlp(self.ln_2(x))  # x ← x + MLP(LN(x))
        return x


def filter_logits(logits: torch.Tensor, top_k: int | None = None, top_p: float | None = None) -> torch.Tensor:
    """top-k 와 top-p(nucleus) 거르기. 버릴 토큰의 로짓을 ``-inf`` 로 바꾼 새 텐서를 돌려준다.

    순서는 ``transformers`` 와 같다: 먼저 top-k, 그다음 top-p.

    Args:
        logits: ``(B, V)`` 로짓.
        top_k: 확률이 큰 토큰 k 개만 남긴다 (``None`` 이면 거르지 않는다). 1 이상의 정수.
        top_p: 확률을 큰 것부터 더해 p 에 처음 닿을 때까지의 토큰만 남긴다. 0 초과 1 이하.
    """
    if top_k is not None:
        if not isinstance(top_k, int) or isinstance(top_k, bool) or top_k < 1:
            raise ValueError(f"top_k는 1 이상의 정수여야 합니다: {top_k!r}")
        k = min(top_k, logits.size(-1))
        kth = torch.topk(logits, k, dim=-1).values[..., -1, None]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p is not None:
        if not isinstance(top_p, (int, float)) or isinstance(top_p, bool) or not 0.0 < top_p <= 1.0:
            raise ValueError(f"top_p는 0 초과 1 이하여야 합니다: {top_p!r}")
    # p = 1 이면 모두 남긴다 (누적합의 반올림 오차로 꼬리 토큰을 잘못 자르지 않도록)
    if top_p is not None and top_p < 1.0:
        sorted_logits, sorted_idx = torch.sort(logits, descending=True, dim=-1)
        probs = F.softmax(sorted_logits, dim=-1)
        # 자기 앞(더 큰 확률)까지의 누적합 c_i = Σ_{j<i} p_j 가 이미 p 이상이면 버린다 → 첫 토큰은 언제나 남는다
        exclusive_cumsum = torch.cumsum(probs, dim=-1) - probs
        remove_sorted = exclusive_cumsum >= top_p
        remove = remove_sorted.scatter(-1, sorted_idx, remove_sorted)
        logits = logits.masked_fill(remove, float("-inf"))
    return logits


def check_token_ids(idx: torch.Tensor, vocab_size: int, name: str = "idx") -> None:
    """토큰 번호 텐서가 정수형이고 ``[0, vocab_size)`` 안에 있는지 확인한다.

    torch 의 임베딩은 범위 밖 번호에 "index out of range in self" 라는 알기 어려운 오류를 내므로, 여기서 먼저
    인자 이름과 값을 밝혀 알려 준다.

    Args:
        idx: 토큰 번호 텐서.
        vocab_size: 어휘 크기 V.
        name: 오류 메시지에 쓸 인자 이름.
    """
    if not isinstance(idx, torch.Tensor):
        raise TypeError(f"{name}: torch 텐서여야 합니다 (받은 타입 {type(idx).__name__})")
    if idx.dtype.is_floating_point or idx.dtype.is_complex or idx.dtype == torch.bool:
        raise TypeError(f"{name}: 정수형(torch.long) 텐서여야 합니다 (dtype={idx.dtype})")
    if idx.numel() == 0:
        return
    lo, hi = int(idx.min()), int(idx.max())
    if lo < 0:
        raise ValueError(f"{name}에 음수 토큰 번호가 있습니다: {lo} (어휘 범위 [0, {vocab_size}))")
    if hi >= vocab_size:
        raise ValueError(f"{name}에 어휘 범위 [0, {vocab_size}) 밖의 토큰 번호가 있습니다: {hi}")


class GPT(nn.Module):
    """디코더 전용 GPT 언어 모델.

    Args:
        config: :class:`GPTConfig`.
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        if not isinstance(config, GPTConfig):
            raise TypeError(f"config는 GPTConfig여야 합니다: {type(config).__name__}")
        self.config = config
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),
                wpe=nn.Embedding(config.block_size, config.n_embd),
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
                ln_f=nn.LayerNorm(config.n_embd, eps=LAYER_NORM_EPS, bias=config.bias),
            )
        )
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # 가중치 공유(weight tying): W_out = W_emb
        self.apply(self._init_weights)
        # GPT-2 논문: 잔차 경로로 들어가는 투영은 층이 깊을수록 작게, std = 0.02 / √(2L)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_parameters(self, non_embedding: bool = False) -> int:
        """파라미터 수. 공유된 ``lm_head`` 는 한 번만 센다.

        Args:
            non_embedding: ``True`` 면 위치 임베딩을 뺀다 (스케일링 법칙에서 쓰는 N).
        """
        n = sum(p.numel() for p in self.parameters())
        if non_embedding:
            n -= self.transformer.wpe.weight.numel()
        return n

    def forward(
        self, idx: torch.Tensor, targets: torch.Tensor | None = None, ignore_index: int = -100
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """로짓과 (목표가 주어지면) 교차 엔트로피 손실을 계산한다.

        Args:
            idx: ``(B, T)`` 토큰 번호, ``T <= block_size``.
            targets: ``(B, T)`` 다음 토큰 번호 (이미 한 칸 민 것). ``ignore_index`` 자리는 손실에서 뺀다.
            ignore_index: 손실에서 뺄 목표 값.

        Returns:
            ``(logits (B, T, V), loss 또는 None)``.
        """
        check_token_ids(idx, self.config.vocab_size, "idx")
        if idx.dim() != 2:
            raise ValueError(f"idx는 (B, T) 2차원이어야 합니다: shape={tuple(idx.shape)}")
        B, T = idx.shape
        if T > self.config.block_size:
            raise ValueError(f"입력 길이 T={T}: block_size={self.config.block_size}보다 깁니다")
        pos = torch.arange(T, device=idx.device)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))  # h₀ = E[x] + P
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)
        if targets is None:
            return self.lm_head(x), None  # (B, T, V)
        if targets.shape != idx.shape:
            raise ValueError(
                f"targets 모양이 idx 모양과 다릅니다: {tuple(targets.shape)} ≠ {tuple(idx.shape)}"
            )
        V = self.config.vocab_size
        flat = targets.reshape(-1)
        bad = (flat != ignore_index) & ((flat < 0) | (flat >= V))
        if bool(bad.any()):
            raise ValueError(
                f"targets에 어휘 범위 [0, {V}) 밖의 값이 있습니다: {flat[bad][0].item()} "
                f"(ignore_index={ignore_index}만 예외)"
            )
        logits = self.lm_head(x)  # (B, T, V)
        # L = -1/N Σ log p(y_t | x_{≤t})
        loss = F.cross_entropy(logits.view(-1, V), flat, ignore_index=ignore_index)
        return logits, loss

    @torch.no_grad()
    def generate(
        self,
        idx: torch.Tensor,
        max_new_tokens: int,
        *,
        do_sample: bool = False,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        eos_token_id: int | None = None,
        generator: torch.Generator | None = None,
        seed: int | None = None,
    ) -> torch.Tensor:
        """토큰을 하나씩 이어 만든다 (자기회귀 생성).

        - ``do_sample=False`` 면 탐욕적 디코딩(greedy decoding): 언제나 argmax.
        - ``do_sample=True`` 면 ``softmax(logits / temperature)`` 에서 뽑는다. top-k, top-p 로 후보를 줄일 수 있다.
        - 프롬프트가 ``block_size`` 보다 길면 ``ValueError`` (조용히 자르지 않는다). 생성 도중 길이가
          ``block_size`` 를 넘으면 모델은 마지막 ``block_size`` 개 토큰만 본다 (미끄러지는 창, sliding window).

        Args:
            idx: ``(B, T)`` 또는 ``(T,)`` 프롬프트 토큰.
            max_new_tokens: 새로 만들 최대 토큰 수 (0 이상).
            do_sample: 샘플링 여부.
            temperature: 온도 τ > 0. 작을수록 뾰족, 클수록 평평한 분포.
            top_k: top-k 거르기.
            top_p: top-p(nucleus) 거르기, 0 < p ≤ 1.
            eos_token_id: 이 토큰이 나오면 그 행은 멈춘다 (이후 자리는 같은 토큰으로 채운다). 모든 행이 멈추면 끝.
            generator: 샘플링에 쓸 ``torch.Generator``.
            seed: ``generator`` 가 없을 때 새 생성기를 이 시드로 만든다 (같은 시드 → 같은 결과).

        Returns:
            ``(B, T + n)`` 프롬프트와 생성된 토큰 (입력이 1차원이면 1차원).
        """
        if not isinstance(max_new_tokens, int) or isinstance(max_new_tokens, bool) or max_new_tokens < 0:
            raise ValueError(f"max_new_tokens는 0 이상의 정수여야 합니다: {max_new_tokens!r}")
        if not isinstance(temperature, (int, float)) or isinstance(temperature, bool) or temperature <= 0:
            raise ValueError(
                f"temperature는 0보다 커야 합니다: {temperature!r} (탐욕적 디코딩은 do_sample=False)"
            )
        if top_p is not None and (not isinstance(top_p, (int, float)) or not 0.0 < top_p <= 1.0):
            raise ValueError(f"top_p는 0 초과 1 이하여야 합니다: {top_p!r}")
        if top_k is not None and (not isinstance(top_k, int) or isinstance(top_k, bool) or top_k < 1):
            raise ValueError(f"top_k는 1 이상의 정수여야 합니다: {top_k!r}")
        if not isinstance(idx, torch.Tensor) or idx.dtype != torch.long:
            raise TypeError(f"idx는 torch.long 텐서여야 합니다: {type(idx).__name__}")
        squeeze = idx.dim() == 1
        if squeeze:
            idx = idx.unsqueeze(0)
        if idx.dim() != 2 or idx.size(1) == 0:
            raise ValueError(f"idx는 비어 있지 않은 (B, T) 또는 (T,)여야 합니다: shape={tuple(idx.shape)}")
        if idx.size(1) > self.config.block_size:
            raise ValueError(
                f"프롬프트 길이 {idx.size(1)}: block_size={self.config.block_size}보다 깁니다. "
                "앞부분을 직접 잘라서 넣으세요 (조용히 자르지 않습니다)"
            )
        if do_sample and generator is None:
            generator = torch.Generator(device=idx.device)
            generator.manual_seed(0 if seed is None else seed)
        was_training = self.training
        self.eval()
        finished = torch.zeros(idx.size(0), dtype=torch.bool, device=idx.device)
        for _ in range(max_new_tokens):
            context = idx[:, -self.config.block_size :]
            logits, _ = self(context)
            logits = logits[:, -1, :]
            if do_sample:
                logits = filter_logits(logits / temperature, top_k=top_k, top_p=top_p)  # p ∝ exp(z / τ)
                probs = F.softmax(logits, dim=-1)
                nxt = torch.multinomial(probs, num_samples=1, generator=generator)
            else:
                nxt = logits.argmax(dim=-1, keepdim=True)
            if eos_token_id is not None:
                nxt = torch.where(finished[:, None], torch.full_like(nxt, eos_token_id), nxt)
                finished |= nxt[:, 0] == eos_token_id
            idx = torch.cat([idx, nxt], dim=1)
            if eos_token_id is not None and bool(finished.all()):
                break
        self.train(was_training)
        return idx[0] if squeeze else idx


# ---------------------------------------------------------------------------------------------------------------
# transformers GPT-2 와의 변환
# ---------------------------------------------------------------------------------------------------------------


def to_hf_config(config: GPTConfig, **extra: Any):
    """:class:`GPTConfig` 를 ``transformers.GPT2Config`` 로 바꾼다.

    Args:
        config: 우리 설정. ``bias=False`` 는 GPT-2 에 없으므로 ``ValueError``.
        extra: ``GPT2Config`` 에 더 넘길 값 (예: ``bos_token_id``, ``eos_token_id``).
    """
    from transformers import GPT2Config

    extra = {"bos_token_id": None, "eos_token_id": None, **extra}  # GPT-2 기본값 50256 은 우리 어휘 밖이다
    if not config.bias:
        raise ValueError("bias=False인 모델은 GPT-2로 바꿀 수 없습니다 (GPT-2는 언제나 편향이 있다)")
    return GPT2Config(
        vocab_size=config.vocab_size,
        n_positions=config.block_size,
        n_embd=config.n_embd,
        n_layer=config.n_layer,
        n_head=config.n_head,
        n_inner=None,  # 4 * n_embd
        activation_function="gelu_new",
        resid_pdrop=config.dropout,
        embd_pdrop=config.dropout,
        attn_pdrop=config.dropout,
        layer_norm_epsilon=LAYER_NORM_EPS,
        tie_word_embeddings=True,
        **extra,
    )


# Conv1D 가중치 (in, out) ↔ nn.Linear 가중치 (out, in): 이 이름으로 끝나는 가중치는 전치한다.
_TRANSPOSED = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")


def _hf_config_to_ours(hf_config, attention: str = "sdpa") -> GPTConfig:
    n_inner = getattr(hf_config, "n_inner", None)
    if n_inner not in (None, 4 * hf_config.n_embd):
        raise ValueError(f"지원하지 않는 설정: n_inner={n_inner} (4 * n_embd만 지원)")
    if hf_config.activation_function not in ("gelu_new", "gelu_pytorch_tanh"):
        raise ValueError(f"지원하지 않는 설정: activation_function={hf_config.activation_function!r}")
    if getattr(hf_config, "scale_attn_by_inverse_layer_idx", False):
        raise ValueError("scale_attn_by_inverse_layer_idx=True는 지원하지 않습니다")
    if abs(hf_config.layer_norm_epsilon - LAYER_NORM_EPS) > 0:
        raise ValueError(
            f"지원하지 않는 설정: layer_norm_epsilon={hf_config.layer_norm_epsilon} (1e-5만 지원)"
        )
    return GPTConfig(
        vocab_size=hf_config.vocab_size,
        n_layer=hf_config.n_layer,
        n_head=hf_config.n_head,
        n_embd=hf_config.n_embd,
        block_size=hf_config.n_positions,
        dropout=float(hf_config.resid_pdrop),
        bias=True,
        attention=attention,
    )


def to_hf(model: GPT, **extra: Any):
    """우리 :class:`GPT` 를 같은 가중치의 ``transformers.GPT2LMHeadModel`` 로 바꾼다.

    Args:
        model: 우리 모델.
        extra: :func:`to_hf_config` 에 넘길 값.
    """
    from transformers import GPT2LMHeadModel

    hf = GPT2LMHeadModel(to_hf_config(model.config, **extra))
    sd = {}
    for name, tensor in model.state_dict().items():
        if name == "lm_head.weight":
            continue  # wte 와 공유
        sd[name] = tensor.t().contiguous() if name.endswith(_TRANSPOSED) else tensor.clone()
    missing, unexpected = hf.load_state_dict(sd, strict=False)
    missing = [m for m in missing if m != "lm_head.weight" and not m.endswith(".attn.bias")]
    if missing or unexpected:
        raise RuntimeError(f"가중치 변환 실패: missing={missing}, unexpected={unexpected}")
    hf.tie_weights()
    return hf.train(model.training)


def from_hf(hf_model, attention: str = "sdpa") -> GPT:
    """``transformers.GPT2LMHeadModel`` 의 가중치로 우리 :class:`GPT` 를 만든다.

    Args:
        hf_model: ``GPT2LMHeadModel``.
        attention: 우리 모델의 어텐션 경로 (``"sdpa"`` 또는 ``"naive"``).
    """
    config = _hf_config_to_ours(hf_model.config, attention=attention)
    model = GPT(config)
    sd = {}
    for name, tensor in hf_model.state_dict().items():
        if name.endswith((".attn.bias", ".attn.masked_bias")) or name == "lm_head.weight":
            continue
        sd[name] = tensor.t().contiguous() if name.endswith(_TRANSPOSED) else tensor.clone()
    sd["lm_head.weight"] = sd["transformer.wte.weight"]
    model.load_state_dict(sd, strict=True)
    return model.train(hf_model.training)


def save_pretrained(model: GPT, path: str | Path, **extra: Any) -> None:
    """우리 모델을 HF 형식(``config.json`` + ``model.safetensors``)으로 저장한다.

    ``AutoModelForCausalLM.from_pretrained(path)`` 로 불러올 수 있다.

    Args:
        model: 우리 모델.
        path: 저장할 폴더.
        extra: :func:`to_hf_config` 에 넘길 값 (예: ``bos_token_id``, ``eos_token_id``).
    """
    hf = to_hf(model, **extra)
    hf.save_pretrained(str(path), safe_serialization=True)


def load_pretrained(path: str | Path, attention: str = "sdpa") -> GPT:
    """HF 형식 폴더에서 GPT-2 를 읽어 우리 :class:`GPT` 로 바꾼다 (네트워크를 쓰지 않는다).

    Args:
        path: ``config.json`` 과 ``model.safetensors`` 가 있는 폴더.
        attention: 어텐션 경로.
    """
    from transformers import GPT2LMHeadModel

    path = Path(path)
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"config.json이 없습니다: {path.name}/config.json")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hf = GPT2LMHeadModel.from_pretrained(str(path), local_files_only=True)
    return from_hf(hf, attention=attention).eval()
