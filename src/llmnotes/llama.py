"""작은 Llama식 디코더: GPT-2(``llmnotes.gpt``) 블록에서 네 가지를 바꾼 현대적 언어 모델을 위에서 아래로 읽히게 구현한다.

GPT-2와 다른 점 (하나씩 아래 클래스에 있다):

1. **RMSNorm** (:class:`RMSNorm`): 평균을 빼지 않고 제곱평균제곱근(RMS)으로만 나눈다. 편향도 없다.
2. **RoPE** (:func:`rope_tables`, :func:`apply_rope`): 학습하는 위치 임베딩 대신, 쿼리와 키 벡터를 위치에 비례한
   각도만큼 회전시킨다. 그래서 두 토큰의 점수 q·k가 상대 거리에만 의존한다.
3. **SwiGLU** (:class:`SwiGLU`): ``Linear → GELU → Linear`` 대신 ``down(SiLU(gate(x)) ⊙ up(x))``.
4. **GQA** (grouped-query attention, :class:`Attention`): 키·값 헤드를 쿼리 헤드보다 적게 두고, 여러 쿼리 헤드가
   한 키·값 헤드를 나눠 쓴다. KV 캐시가 그만큼 작아진다. ``n_kv_head == n_head`` 면 보통의 멀티헤드 어텐션(MHA).

선형층에는 편향이 없고, 출력층은 (기본값으로) 토큰 임베딩과 가중치를 공유한다. 드롭아웃은 두지 않는다.

생성할 때는 KV 캐시(:class:`KVCache`)를 쓴다: 이미 본 토큰의 키·값을 저장해 두고, 새 토큰 하나의 쿼리만 계산한다.
캐시를 쓴 결과는 쓰지 않은 결과와 같다 (``tests/test_llama.py``).

모듈 이름은 ``transformers`` 의 ``LlamaForCausalLM`` 과 같게 지었다 (``embed_tokens``, ``layers.i.self_attn.q_proj``
…). 그래서 가중치를 주고받는 변환(:mod:`llmnotes.llama_hf` 의 ``to_hf``, ``from_hf``)은 이름 앞에 ``model.`` 을 붙이거나 떼는 일뿐이고,
같은 가중치면 두 모델의 로짓이 1e-5 안에서 같다.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from .gpt import check_token_ids, filter_logits

__all__ = [
    "LlamaConfig",
    "RMSNorm",
    "rope_tables",
    "rotate_half",
    "apply_rope",
    "KVCache",
    "Attention",
    "SwiGLU",
    "Block",
    "Llama",
]


@dataclass
class LlamaConfig:
    """Llama식 모델 설정.

    Args:
        vocab_size: 어휘 크기 V.
        n_layer: 블록 수 L.
        n_head: 쿼리 헤드 수 H (``n_embd`` 를 나누어떨어지게 해야 한다).
        n_kv_head: 키·값 헤드 수 H_kv (``n_head`` 를 나누어떨어지게 해야 한다). ``n_head`` 와 같으면 MHA.
        n_embd: 은닉 차원 C. 헤드 차원은 d = C / H (RoPE 때문에 짝수여야 한다).
        intermediate_size: SwiGLU 안쪽 차원 F (보통 약 8C/3).
        max_seq_len: 최대 문맥 길이 (RoPE 표의 길이).
        rope_theta: RoPE 주파수의 밑 θ.
        rms_norm_eps: RMSNorm 의 ε.
        tie_embeddings: 출력층이 토큰 임베딩과 가중치를 공유할지.
    """

    vocab_size: int = 4096
    n_layer: int = 4
    n_head: int = 4
    n_kv_head: int = 2
    n_embd: int = 128
    intermediate_size: int = 352
    max_seq_len: int = 256
    rope_theta: float = 10000.0
    rms_norm_eps: float = 1e-5
    tie_embeddings: bool = True

    def __post_init__(self) -> None:
        sizes = ("vocab_size", "n_layer", "n_head", "n_kv_head", "n_embd", "intermediate_size", "max_seq_len")
        for name in sizes:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name}: 1 이상의 정수여야 합니다 (받은 값 {value!r})")
        if self.n_embd % self.n_head != 0:
            raise ValueError(f"n_embd({self.n_embd})가 n_head({self.n_head})로 나누어떨어지지 않습니다")
        if self.n_head % self.n_kv_head != 0:
            raise ValueError(f"n_head({self.n_head})가 n_kv_head({self.n_kv_head})로 나누어떨어지지 않습니다")
        if (self.n_embd // self.n_head) % 2 != 0:
            raise ValueError(
                f"헤드 차원 n_embd/n_head={self.n_embd // self.n_head}: RoPE 때문에 짝수여야 합니다"
            )
        for name in ("rope_theta", "rms_norm_eps"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value < math.inf:
                raise ValueError(f"{name}: 0보다 큰 유한한 수여야 합니다 (받은 값 {value!r})")
        if not isinstance(self.tie_embeddings, bool):
            raise ValueError(f"tie_embeddings는 bool이어야 합니다: {self.tie_embeddings!r}")

    @property
    def head_dim(self) -> int:
        """헤드 하나의 차원 d = C / H."""
        return self.n_embd // self.n_head

    def to_dict(self) -> dict[str, Any]:
        """JSON으로 저장할 수 있는 사전."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LlamaConfig:
        """사전에서 설정을 만든다. 모르는 키가 있으면 조용히 버리지 않고 ``ValueError``.

        Args:
            d: :meth:`to_dict` 가 만든 것과 같은 모양의 사전.
        """
        if not isinstance(d, dict):
            raise TypeError(f"d는 dict여야 합니다: {type(d).__name__}")
        unknown = sorted(set(d) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"LlamaConfig에 없는 키입니다: {unknown}")
        return cls(**d)


class RMSNorm(nn.Module):
    """RMSNorm: ``y = g ⊙ x / √(mean(x²) + ε)``. LayerNorm 과 달리 평균을 빼지 않고 편향도 없다.

    Args:
        dim: 정규화할 마지막 차원 C.
        eps: 0으로 나누지 않게 더하는 ε.
    """

    def __init__(self, dim: int, eps: float) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))  # g: 처음에는 1 (아무것도 바꾸지 않는다)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        x = x.float()  # 제곱의 평균은 float32로 계산한다 (fp16 넘침 방지)
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)  # x / RMS(x)
        return self.weight * x.to(dtype)  # g ⊙ x̂


def rope_tables(head_dim: int, max_len: int, theta: float) -> tuple[torch.Tensor, torch.Tensor]:
    """RoPE 의 cos, sin 표 ``(max_len, head_dim)`` 를 만든다.

    주파수 ω_i = θ^(−2i/d) (i = 0 … d/2−1), 위치 m 의 각도 m·ω_i. 표는 ``[mω_0 … mω_{d/2−1}, mω_0 … mω_{d/2−1}]`` 처럼
    같은 각도를 두 번 잇는다: 벡터의 앞 절반과 뒤 절반을 짝지어 회전하기 때문이다 (:func:`rotate_half`).

    Args:
        head_dim: 헤드 차원 d (짝수).
        max_len: 위치 개수.
        theta: 밑 θ.
    """
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float) / head_dim))  # ω_i, (d/2,)
    angles = torch.arange(max_len, dtype=torch.float)[:, None] * inv_freq[None, :]  # m·ω_i, (T, d/2)
    angles = torch.cat([angles, angles], dim=-1)  # (T, d)
    return angles.cos(), angles.sin()


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """``[x₁, x₂] → [−x₂, x₁]`` (앞 절반 x₁, 뒤 절반 x₂). 2차원 회전의 '90도 돌린 벡터' 부분."""
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([-x2, x1], dim=-1)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """위치마다 각도 m·ω_i 만큼 회전한다: ``x' = x cos + rotate_half(x) sin``.

    쌍 (x_i, x_{i+d/2}) 마다 ``[x_i cos − x_{i+d/2} sin, x_{i+d/2} cos + x_i sin]``: 2차원 회전 행렬을 곱한 것과 같다.
    회전한 q_m 과 k_n 의 내적은 각도 차 (m − n)ω 에만 의존한다 → 어텐션 점수가 상대 위치를 본다.

    Args:
        x: ``(B, H, T, d)`` 쿼리 또는 키.
        cos: ``(T, d)`` 이 T 개 위치의 cos 표.
        sin: ``(T, d)`` sin 표.
    """
    return x * cos + rotate_half(x) * sin


class KVCache:
    """층마다 지금까지 본 토큰의 키·값 ``(B, H_kv, S, d)`` 를 모아 두는 캐시.

    생성할 때 새 토큰 하나마다 앞 토큰들의 키·값을 다시 계산하지 않도록 저장한다. 모델의 ``forward`` 에 넘기면
    제자리에서 늘어난다.
    """

    def __init__(self) -> None:
        self.keys: list[torch.Tensor] = []
        self.values: list[torch.Tensor] = []

    @property
    def length(self) -> int:
        """캐시에 든 위치 수 S (비었으면 0)."""
        return self.keys[0].size(2) if self.keys else 0

    def update(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``layer`` 층의 새 키·값을 뒤에 이어 붙이고, 지금까지의 전체 키·값을 돌려준다."""
        if layer == len(self.keys):  # 이 층은 처음
            self.keys.append(k)
            self.values.append(v)
        else:
            self.keys[layer] = torch.cat([self.keys[layer], k], dim=2)
            self.values[layer] = torch.cat([self.values[layer], v], dim=2)
        return self.keys[layer], self.values[layer]


class Attention(nn.Module):
    """인과적 grouped-query 어텐션 + RoPE.

    Args:
        config: 모델 설정.
        layer: 이 층의 번호 (KV 캐시에서 자기 자리를 찾는다).
    """

    def __init__(self, config: LlamaConfig, layer: int) -> None:
        super().__init__()
        self.layer = layer
        self.n_head, self.n_kv_head, self.head_dim = config.n_head, config.n_kv_head, config.head_dim
        C, d = config.n_embd, config.head_dim
        self.q_proj = nn.Linear(C, config.n_head * d, bias=False)  # Q = x W_q : H 개 헤드
        self.k_proj = nn.Linear(C, config.n_kv_head * d, bias=False)  # K = x W_k : H_kv 개 (GQA 라 더 적다)
        self.v_proj = nn.Linear(C, config.n_kv_head * d, bias=False)  # V = x W_v
        self.o_proj = nn.Linear(config.n_head * d, C, bias=False)  # 헤드를 이어 붙인 뒤 W_o

    def forward(
        self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, cache: KVCache | None = None
    ) -> torch.Tensor:
        B, T, _ = x.shape
        # (B, T, H·d) → (B, H, T, d)
        q = self.q_proj(x).view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.n_kv_head, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.n_kv_head, self.head_dim).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)  # 값 v 는 회전하지 않는다
        if cache is not None:
            k, v = cache.update(self.layer, k, v)  # 앞 토큰들의 키·값 뒤에 이어 붙인다: (B, H_kv, S, d)
        # GQA: 키·값 헤드 하나를 쿼리 헤드 H/H_kv 개가 함께 쓴다 → 헤드 축으로 반복해 H 개로 맞춘다
        group = self.n_head // self.n_kv_head
        k = k.repeat_interleave(group, dim=1)  # (B, H, S, d)
        v = v.repeat_interleave(group, dim=1)
        S = k.size(2)
        past = S - T  # 캐시에 이미 있던 위치 수
        if past == 0:
            # softmax(Q Kᵀ / √d + M) V, M 은 미래(j > i)를 −∞ 로 가리는 인과 마스크
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            # 새 쿼리 i 의 실제 위치는 past + i: 키 j ≤ past + i 만 본다 (True = 본다)
            allowed = (
                torch.arange(S, device=x.device)[None, :] <= past + torch.arange(T, device=x.device)[:, None]
            )
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
        y = y.transpose(1, 2).reshape(B, T, self.n_head * self.head_dim)  # 헤드를 다시 이어 붙인다
        return self.o_proj(y)


class SwiGLU(nn.Module):
    """SwiGLU 피드포워드: ``down(SiLU(gate(x)) ⊙ up(x))``, SiLU(z) = z·σ(z).

    ``gate`` 쪽이 0 과 1 사이의 '문'처럼 ``up`` 쪽 값을 얼마나 통과시킬지 정한다 (gated linear unit).

    Args:
        config: 모델 설정.
    """

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(config.n_embd, config.intermediate_size, bias=False)
        self.up_proj = nn.Linear(config.n_embd, config.intermediate_size, bias=False)
        self.down_proj = nn.Linear(config.intermediate_size, config.n_embd, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    """블록 하나 (사전 정규화): ``x ← x + Attn(RMSNorm(x))``, ``x ← x + SwiGLU(RMSNorm(x))``.

    Args:
        config: 모델 설정.
        layer: 층 번호.
    """

    def __init__(self, config: LlamaConfig, layer: int) -> None:
        super().__init__()
        self.input_layernorm = RMSNorm(config.n_embd, config.rms_norm_eps)
        self.self_attn = Attention(config, layer)
        self.post_attention_layernorm = RMSNorm(config.n_embd, config.rms_norm_eps)
        self.mlp = SwiGLU(config)

    def forward(
        self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, cache: KVCache | None
    ) -> torch.Tensor:
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, cache)
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x


class Llama(nn.Module):
    """Llama식 디코더 전용 언어 모델.

    Args:
        config: :class:`LlamaConfig`.
    """

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__()
        if not isinstance(config, LlamaConfig):
            raise TypeError(f"config는 LlamaConfig여야 합니다: {type(config).__name__}")
        self.config = config
        self.embed_tokens = nn.Embedding(config.vocab_size, config.n_embd)
        self.layers = nn.ModuleList([Block(config, i) for i in range(config.n_layer)])
        self.norm = RMSNorm(config.n_embd, config.rms_norm_eps)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        cos, sin = rope_tables(config.head_dim, config.max_seq_len, config.rope_theta)
        self.register_buffer("rope_cos", cos, persistent=False)  # 학습하지 않는 표 (저장하지 않는다)
        self.register_buffer("rope_sin", sin, persistent=False)
        # 초기화: 모든 Linear·Embedding 은 N(0, 0.02²), 잔차로 들어가는 투영은 층이 깊을수록 작게 0.02/√(2L)
        for name, p in self.named_parameters():
            if p.dim() == 2:
                residual = name.endswith(("o_proj.weight", "down_proj.weight"))
                std = 0.02 / math.sqrt(2 * config.n_layer) if residual else 0.02
                nn.init.normal_(p, mean=0.0, std=std)
        if config.tie_embeddings:
            self.lm_head.weight = self.embed_tokens.weight  # 가중치 공유: W_out = W_emb

    def num_parameters(self) -> int:
        """파라미터 수 (공유된 출력층은 한 번만 센다)."""
        return sum(p.numel() for p in self.parameters())

    def forward(
        self,
        idx: torch.Tensor,
        targets: torch.Tensor | None = None,
        *,
        cache: KVCache | None = None,
        ignore_index: int = -100,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """로짓과 (목표가 주어지면) 교차 엔트로피 손실.

        Args:
            idx: ``(B, T)`` 토큰 번호.
            targets: ``(B, T)`` 다음 토큰 번호 (이미 한 칸 민 것). ``ignore_index`` 자리는 손실에서 뺀다.
            cache: :class:`KVCache`. 주면 ``idx`` 를 캐시에 든 위치 뒤에 이어지는 토큰으로 보고, 캐시를 늘린다.
            ignore_index: 손실에서 뺄 목표 값.

        Returns:
            ``(logits (B, T, V), loss 또는 None)``.
        """
        check_token_ids(idx, self.config.vocab_size, "idx")
        if idx.dim() != 2 or idx.size(1) == 0:
            raise ValueError(f"idx는 비어 있지 않은 (B, T) 2차원이어야 합니다: shape={tuple(idx.shape)}")
        B, T = idx.shape
        start = cache.length if cache is not None else 0  # 이 토큰들의 첫 위치
        if start + T > self.config.max_seq_len:
            raise ValueError(
                f"위치 {start}+{T}={start + T}: max_seq_len={self.config.max_seq_len}보다 깁니다 (조용히 자르지 않습니다)"
            )
        # 이 토큰들의 위치 start … start+T−1 에 해당하는 회전표
        cos, sin = self.rope_cos[start : start + T], self.rope_sin[start : start + T]
        x = self.embed_tokens(idx)  # h₀ = E[x]: 위치 정보는 더하지 않는다 (RoPE 가 어텐션 안에서 넣는다)
        for block in self.layers:
            x = block(x, cos, sin, cache)
        logits = self.lm_head(self.norm(x))  # (B, T, V)
        if targets is None:
            return logits, None
        if not isinstance(targets, torch.Tensor) or targets.shape != idx.shape:
            shape = tuple(targets.shape) if isinstance(targets, torch.Tensor) else type(targets).__name__
            raise ValueError(f"targets 모양이 idx 모양과 다릅니다: {shape} ≠ {tuple(idx.shape)}")
        flat = targets.reshape(-1)
        bad = (flat != ignore_index) & ((flat < 0) | (flat >= self.config.vocab_size))
        if bool(bad.any()):
            raise ValueError(
                f"targets에 어휘 범위 [0, {self.config.vocab_size}) 밖의 값이 있습니다: {flat[bad][0].item()} "
                f"(ignore_index={ignore_index}만 예외)"
            )
        # L = −1/N Σ_t log p(y_t | x_{≤t})
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), flat, ignore_index=ignore_index)
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
        seed: int | None = None,
        generator: torch.Generator | None = None,
        use_cache: bool = True,
    ) -> torch.Tensor:
        """토큰을 하나씩 이어 만든다 (자기회귀 생성).

        ``use_cache=True`` 면 프롬프트를 한 번 통과시켜 KV 캐시를 채운 뒤(prefill) 새 토큰 하나씩만 넣는다.
        ``False`` 면 스텝마다 지금까지의 전체 열을 다시 계산한다 (결과는 같고 느리다).

        Args:
            idx: ``(B, T)`` 또는 ``(T,)`` 프롬프트 토큰 (torch.long).
            max_new_tokens: 새로 만들 최대 토큰 수 (0 이상). 프롬프트 + 새 토큰 ≤ ``max_seq_len``.
            do_sample: ``False`` 면 탐욕적 디코딩(argmax), ``True`` 면 ``softmax(logits / temperature)`` 에서 뽑는다.
            temperature: 온도 τ > 0.
            top_k: top-k 거르기.
            top_p: top-p(nucleus) 거르기, 0 < p ≤ 1.
            eos_token_id: 이 토큰이 나오면 그 행은 멈추고 이후 자리를 같은 토큰으로 채운다. 모든 행이 멈추면 끝.
            seed: ``generator`` 가 없을 때 새 생성기의 시드 (같은 시드 → 같은 결과).
            generator: 샘플링에 쓸 ``torch.Generator``.
            use_cache: KV 캐시를 쓸지.
        """
        if not isinstance(max_new_tokens, int) or isinstance(max_new_tokens, bool) or max_new_tokens < 0:
            raise ValueError(f"max_new_tokens는 0 이상의 정수여야 합니다: {max_new_tokens!r}")
        if not isinstance(temperature, (int, float)) or isinstance(temperature, bool) or temperature <= 0:
            raise ValueError(
                f"temperature는 0보다 커야 합니다: {temperature!r} (탐욕적 디코딩은 do_sample=False)"
            )
        if not isinstance(idx, torch.Tensor) or idx.dtype != torch.long:
            raise TypeError(f"idx는 torch.long 텐서여야 합니다: {getattr(idx, 'dtype', type(idx).__name__)}")
        squeeze = idx.dim() == 1
        idx = idx.unsqueeze(0) if squeeze else idx
        check_token_ids(idx, self.config.vocab_size, "idx")
        if idx.dim() != 2 or idx.size(1) == 0:
            raise ValueError(f"idx는 비어 있지 않은 (B, T) 또는 (T,)여야 합니다: shape={tuple(idx.shape)}")
        if idx.size(1) + max_new_tokens > self.config.max_seq_len:
            raise ValueError(
                f"프롬프트 {idx.size(1)} + max_new_tokens {max_new_tokens}: max_seq_len={self.config.max_seq_len}"
                "보다 깁니다 (조용히 자르지 않습니다)"
            )
        if do_sample and generator is None:
            generator = torch.Generator(device=idx.device).manual_seed(0 if seed is None else seed)
        was_training = self.training
        self.eval()
        cache = KVCache() if use_cache else None
        finished = torch.zeros(idx.size(0), dtype=torch.bool, device=idx.device)
        new_input = idx  # 처음에는 프롬프트 전체 (캐시를 채운다)
        for _ in range(max_new_tokens):
            logits, _ = self(new_input if use_cache else idx, cache=cache)
            logits = logits[:, -1, :]  # 마지막 위치의 다음 토큰 분포
            if do_sample:
                logits = filter_logits(logits / temperature, top_k=top_k, top_p=top_p)  # p ∝ exp(z/τ)
                probs = F.softmax(logits, dim=-1)
                nxt = torch.multinomial(probs, num_samples=1, generator=generator)
            else:
                nxt = logits.argmax(dim=-1, keepdim=True)
            if eos_token_id is not None:
                nxt = torch.where(finished[:, None], torch.full_like(nxt, eos_token_id), nxt)
                finished |= nxt[:, 0] == eos_token_id
            idx = torch.cat([idx, nxt], dim=1)
            new_input = nxt  # 캐시를 쓰면 다음에는 새 토큰 하나만 넣는다
            if eos_token_id is not None and bool(finished.all()):
                break
        self.train(was_training)
        return idx[0] if squeeze else idx
