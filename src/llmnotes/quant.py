"""가중치 양자화(quantization)를 처음부터: absmax/영점(zero-point) int8, 그룹별 int4, QLoRA 의 NF4.

모든 방식은 텐서를 "행(row) 묶음" 으로 나눈 뒤 행마다 배율(scale)을 하나씩 둔다.

- ``granularity="tensor"``: 텐서 전체가 한 행 (배율 1개).
- ``granularity="channel"``: 첫 번째 축마다 한 행. ``nn.Linear`` 가중치 ``(out, in)`` 이면 출력 채널마다 배율 1개.
- ``granularity="group"``: 평평하게 편 뒤 ``group_size`` 개씩 (int4, NF4 의 블록별 방식). 나누어떨어지지 않으면
  0 으로 채워(padding) 양자화하고, 되돌릴 때 원래 원소 수만큼만 쓴다 (버리는 값 없음; 채운 몫도 메모리에 센다).

방식별 식 (b = 비트 수):

- absmax (대칭): :math:`s = \\max|w| / (2^{b-1}-1)`, :math:`q = \\mathrm{round}(w/s)`, :math:`\\hat w = s q`.
- 영점 (비대칭): :math:`s = (\\max w - \\min w)/(2^b-1)`, :math:`z = \\mathrm{round}(-\\min w / s)`,
  :math:`q = \\mathrm{clamp}(\\mathrm{round}(w/s) + z, 0, 2^b-1)`, :math:`\\hat w = s (q - z)`.
  (범위에 0 을 넣어 0 이 정확히 표현되게 한다.)
- NF4: 블록마다 :math:`s = \\max|w|`, :math:`q = \\arg\\min_i |w/s - c_i|` (코드북 :math:`c` 는 정규분포 분위수로 만든
  16개 값, :func:`nf4_codebook`), :math:`\\hat w = s\\, c_q`.

4비트 코드는 바이트 하나에 두 개씩 채워(packing) 저장하므로 메모리 계산이 실제 저장량과 같다.
:class:`QuantLinear` 는 코드와 배율만 들고 있다가 순전파 때 가중치를 복원(dequantize)해서 곱한다
(계산 자체는 float32 — "가중치만 양자화(weight-only)" 방식).

PyTorch 의 ``torch.ao.quantization.quantize_dynamic`` (동적 int8) 은 torch 2.13 에도 있지만 사용 중단 경고
(DeprecationWarning, torchao 로 옮기라는 안내)를 낸다. 벤치마크와 테스트에서 비교 대상으로만 쓴다.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = [
    "SUPPORTED_BITS",
    "METHODS",
    "GRANULARITIES",
    "NF4_BITSANDBYTES",
    "nf4_codebook",
    "QuantizedTensor",
    "quantize_tensor",
    "quantize_absmax",
    "quantize_zeropoint",
    "quantize_nf4",
    "pack_int4",
    "unpack_int4",
    "QuantLinear",
    "quantize_model",
    "MemoryReport",
    "model_memory",
]

SUPPORTED_BITS = (4, 8)
METHODS = ("absmax", "zeropoint", "nf4")
GRANULARITIES = ("tensor", "channel", "group")

# bitsandbytes 소스(functional.py 의 NF4 표, create_normal_map(offset=0.9677083) 결과)에 적힌 16개 값.
# nf4_codebook() 이 분위수로 계산한 값과 1e-7 안에서 같다 (테스트로 확인; 차이는 float32 반올림뿐).
NF4_BITSANDBYTES = (
    -1.0,
    -0.6961928009986877,
    -0.5250730514526367,
    -0.39491748809814453,
    -0.28444138169288635,
    -0.18477343022823334,
    -0.09105003625154495,
    0.0,
    0.07958029955625534,
    0.16093020141124725,
    0.24611230194568634,
    0.33791524171829224,
    0.44070982933044434,
    0.5626170039176941,
    0.7229568362236023,
    1.0,
)


def _norm_ppf(p: torch.Tensor) -> torch.Tensor:
    """표준정규분포의 분위수 함수 Φ⁻¹(p) = √2 · erfinv(2p − 1)."""
    return math.sqrt(2.0) * torch.erfinv(2.0 * p - 1.0)


def nf4_codebook(offset: float = 0.9677083) -> torch.Tensor:
    """QLoRA 의 NF4 코드북 16개 값을 정규분포 분위수로 계산한다 (오름차순, [-1, 1]).

    QLoRA (Dettmers et al., 2023) 와 bitsandbytes 의 ``create_normal_map`` 과 같은 절차다:
    양수 쪽은 확률 ``offset`` 부터 0.5 까지 9개 등간격 점 가운데 앞 8개의 분위수, 음수 쪽은 8개 점 가운데 앞
    7개의 분위수에 부호를 바꾼 것, 그리고 0 을 정확히 넣는다 (8 + 7 + 1 = 16). 최댓값으로 나눠 [-1, 1] 로 맞춘다.
    양쪽 개수가 다른(비대칭) 까닭은 0 을 정확히 표현하면서 4비트 16칸을 모두 쓰기 위해서다.
    ``offset = 0.9677083`` 은 양 끝 분위수가 무한대가 되지 않도록 고른 값으로 논문 구현을 따른다.

    Args:
        offset: 가장 바깥 분위수의 확률 (0.5 < offset < 1).
    """
    if not 0.5 < offset < 1.0:
        raise ValueError(f"offset은 0.5와 1 사이여야 합니다: {offset!r}")
    # bitsandbytes 와 똑같이 float32 linspace 로 확률 점을 만든 뒤 float64 로 분위수를 계산한다
    pos = _norm_ppf(torch.linspace(offset, 0.5, 9)[:-1].double())  # 8개 양수
    neg = -_norm_ppf(torch.linspace(offset, 0.5, 8)[:-1].double())  # 7개 음수
    values = torch.cat([neg, torch.zeros(1, dtype=torch.float64), pos]).sort().values
    return (values / values.max()).float()  # c_i ∈ [-1, 1], c_0 = -1, c_15 = 1


def _check_bits(bits: int) -> None:
    if bits not in SUPPORTED_BITS or isinstance(bits, bool):
        raise ValueError(f"bits는 {SUPPORTED_BITS} 가운데 하나여야 합니다: {bits!r}")


def pack_int4(codes: torch.Tensor) -> torch.Tensor:
    """0–15 범위의 코드를 바이트 하나에 두 개씩 채운다 (앞 코드 = 아래 4비트). 길이가 홀수면 0 을 하나 덧붙인다.

    Args:
        codes: 0 이상 15 이하의 정수 텐서 (아무 모양; 평평하게 펴서 채운다).
    """
    flat = codes.reshape(-1).to(torch.int16)
    if flat.numel() and (flat.min() < 0 or flat.max() > 15):
        raise ValueError(f"codes는 0–15 범위여야 합니다: 최소 {int(flat.min())}, 최대 {int(flat.max())}")
    if flat.numel() % 2:
        flat = torch.cat([flat, flat.new_zeros(1)])
    pairs = flat.view(-1, 2)
    return (pairs[:, 0] | (pairs[:, 1] << 4)).to(torch.uint8)  # byte = lo + 16·hi


def unpack_int4(packed: torch.Tensor, numel: int) -> torch.Tensor:
    """:func:`pack_int4` 의 역. 앞의 ``numel`` 개 코드를 ``uint8`` 로 돌려준다.

    Args:
        packed: ``uint8`` 바이트 텐서.
        numel: 원래 코드 개수.
    """
    if numel > 2 * packed.numel() or numel < 0:
        raise ValueError(f"numel이 채운 바이트 수({packed.numel()})의 두 배를 넘습니다: {numel!r}")
    p = packed.reshape(-1).to(torch.int16)
    both = torch.stack([p & 0xF, p >> 4], dim=1).reshape(-1)  # lo, hi 순서
    return both[:numel].to(torch.uint8)


@dataclass
class QuantizedTensor:
    """양자화한 텐서: 정수 코드 + 행별 배율 (+ 영점).

    Attributes:
        codes: 저장된 코드. 8비트는 행 모양 ``(G, n)`` (absmax 는 int8, 영점은 uint8), 4비트는 두 개씩 채운
            1차원 uint8.
        scale: 행별 배율 ``(G, 1)`` float32.
        zero_point: 영점 방식의 행별 영점 ``(G, 1)`` uint8 (그 밖에는 ``None``).
        shape: 원래 텐서 모양.
        method: ``"absmax"``, ``"zeropoint"``, ``"nf4"``.
        bits: 4 또는 8.
        granularity: ``"tensor"``, ``"channel"``, ``"group"``.
        row_len: 한 행의 원소 수 n (채운 몫 포함).
        dtype: 복원할 때의 자료형.
    """

    codes: torch.Tensor
    scale: torch.Tensor
    zero_point: torch.Tensor | None
    shape: tuple[int, ...]
    method: str
    bits: int
    granularity: str
    row_len: int
    dtype: torch.dtype = torch.float32

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    @property
    def n_rows(self) -> int:
        return self.scale.shape[0]

    def int_codes(self) -> torch.Tensor:
        """행 모양 ``(G, n)`` 의 정수 코드 (4비트면 풀어서). absmax 는 부호 있는 값, 그 밖에는 0 이상."""
        if self.bits == 8:
            return self.codes.to(torch.int16)
        raw = (
            unpack_int4(self.codes, self.n_rows * self.row_len)
            .to(torch.int16)
            .view(self.n_rows, self.row_len)
        )
        return raw - 8 if self.method == "absmax" else raw  # absmax int4 는 +8 해서 저장했다

    def dequantize(self) -> torch.Tensor:
        """원래 모양의 근삿값 ŵ 를 돌려준다."""
        q = self.int_codes()
        if self.method == "nf4":
            rows = nf4_codebook().to(self.scale.device)[q.long()] * self.scale  # ŵ = s · c_q
        elif self.method == "zeropoint":
            rows = (q - self.zero_point.to(torch.int16)).float() * self.scale  # ŵ = s (q − z)
        else:
            rows = q.float() * self.scale  # ŵ = s q
        return rows.reshape(-1)[: self.numel].view(self.shape).to(self.dtype)

    def nbytes(self) -> int:
        """저장에 드는 바이트 수: 코드 + 배율(float32) + 영점."""
        total = (
            self.codes.numel() * self.codes.element_size() + self.scale.numel() * self.scale.element_size()
        )
        if self.zero_point is not None:
            total += self.zero_point.numel() * self.zero_point.element_size()
        return total

    def bits_per_param(self) -> float:
        """원래 원소 하나당 비트 수 (배율·영점 포함)."""
        return 8.0 * self.nbytes() / self.numel


def _rows(w: torch.Tensor, granularity: str, group_size: int) -> tuple[torch.Tensor, int]:
    """텐서를 ``(G, n)`` 행 묶음으로 바꾼다 (group 이면 0 으로 채움). 채운 뒤의 행 길이 n 도 돌려준다."""
    x = w.detach().float()
    if granularity == "tensor":
        rows = x.reshape(1, -1)
    elif granularity == "channel":
        rows = x.reshape(x.shape[0], -1) if x.dim() >= 1 else x.reshape(1, -1)
    else:
        flat = x.reshape(-1)
        pad = (-flat.numel()) % group_size  # 마지막 그룹을 채울 0 의 개수
        rows = torch.cat([flat, flat.new_zeros(pad)]).view(-1, group_size)
    return rows, rows.shape[1]


def quantize_tensor(
    w: torch.Tensor,
    method: str = "absmax",
    bits: int = 8,
    granularity: str = "tensor",
    group_size: int = 64,
) -> QuantizedTensor:
    """텐서 하나를 양자화한다.

    Args:
        w: 실수 텐서 (비어 있으면 ``ValueError``).
        method: ``"absmax"`` (대칭), ``"zeropoint"`` (비대칭), ``"nf4"`` (4비트 정규분포 코드북).
        bits: 4 또는 8 (``nf4`` 는 4 만).
        granularity: ``"tensor"``, ``"channel"`` (첫 축마다), ``"group"`` (``group_size`` 개씩).
        group_size: 그룹(블록) 크기. ``granularity="group"`` 일 때만 쓴다.
    """
    if not isinstance(w, torch.Tensor) or not w.is_floating_point():
        raise TypeError(f"w는 실수 torch.Tensor여야 합니다: {type(w).__name__}")
    if w.numel() == 0:
        raise ValueError(f"w가 비어 있습니다: shape={tuple(w.shape)}")
    if method not in METHODS:
        raise ValueError(f"method는 {METHODS} 가운데 하나여야 합니다: {method!r}")
    _check_bits(bits)
    if method == "nf4" and bits != 4:
        raise ValueError(f"nf4는 bits=4만 됩니다: {bits!r}")
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity는 {GRANULARITIES} 가운데 하나여야 합니다: {granularity!r}")
    if not isinstance(group_size, int) or isinstance(group_size, bool) or group_size < 1:
        raise ValueError(f"group_size는 1 이상의 정수여야 합니다: {group_size!r}")
    if not torch.isfinite(w).all():
        raise ValueError("w에 inf 또는 nan이 있습니다")
    rows, n = _rows(w, granularity, group_size)
    zero_point = None
    if method == "nf4":
        absmax = rows.abs().amax(dim=1, keepdim=True)
        scale = torch.where(absmax > 0, absmax, torch.ones_like(absmax))  # s = max|w| (0 이면 1)
        code = nf4_codebook().to(rows.device)
        q = (rows / scale).unsqueeze(-1).sub(code).abs().argmin(dim=-1)  # q = argminᵢ |w/s − cᵢ|
        codes = pack_int4(q)
    elif method == "absmax":
        qmax = 2 ** (bits - 1) - 1  # 8비트: 127, 4비트: 7
        absmax = rows.abs().amax(dim=1, keepdim=True)
        scale = torch.where(absmax > 0, absmax / qmax, torch.ones_like(absmax))  # s = max|w| / qmax
        q = torch.clamp(torch.round(rows / scale), -qmax, qmax)  # q = round(w/s) ∈ [−qmax, qmax]
        codes = q.to(torch.int8) if bits == 8 else pack_int4((q + 8).to(torch.int16))
    else:
        qmax = 2**bits - 1  # 8비트: 255, 4비트: 15
        lo = rows.amin(dim=1, keepdim=True).clamp(max=0.0)  # 범위에 0 을 넣는다
        hi = rows.amax(dim=1, keepdim=True).clamp(min=0.0)
        span = hi - lo
        scale = torch.where(span > 0, span / qmax, torch.ones_like(span))  # s = (max − min) / (2^b − 1)
        zp = torch.clamp(torch.round(-lo / scale), 0, qmax)  # z = round(−min / s)
        q = torch.clamp(torch.round(rows / scale) + zp, 0, qmax)  # q = clamp(round(w/s) + z, 0, 2^b − 1)
        zero_point = zp.to(torch.uint8)
        codes = q.to(torch.uint8) if bits == 8 else pack_int4(q.to(torch.int16))
    return QuantizedTensor(
        codes=codes,
        scale=scale.float(),
        zero_point=zero_point,
        shape=tuple(w.shape),
        method=method,
        bits=bits,
        granularity=granularity,
        row_len=n,
        dtype=w.dtype,
    )


def quantize_absmax(w: torch.Tensor, bits: int = 8, granularity: str = "tensor", group_size: int = 64):
    """absmax(대칭) 양자화. :func:`quantize_tensor` 의 줄임.

    Args:
        w: 실수 텐서.
        bits: 4 또는 8.
        granularity: ``"tensor"``, ``"channel"``, ``"group"``.
        group_size: 그룹 크기.
    """
    return quantize_tensor(w, "absmax", bits, granularity, group_size)


def quantize_zeropoint(w: torch.Tensor, bits: int = 8, granularity: str = "tensor", group_size: int = 64):
    """영점(비대칭) 양자화. :func:`quantize_tensor` 의 줄임.

    Args:
        w: 실수 텐서.
        bits: 4 또는 8.
        granularity: ``"tensor"``, ``"channel"``, ``"group"``.
        group_size: 그룹 크기.
    """
    return quantize_tensor(w, "zeropoint", bits, granularity, group_size)


def quantize_nf4(w: torch.Tensor, block_size: int = 64) -> QuantizedTensor:
    """NF4 블록별 양자화 (블록마다 absmax 배율 하나). :func:`quantize_tensor` 의 줄임.

    Args:
        w: 실수 텐서.
        block_size: 블록 크기 (QLoRA 기본 64).
    """
    return quantize_tensor(w, "nf4", 4, "group", block_size)


def _is_conv1d(module: nn.Module) -> bool:
    try:
        from transformers.pytorch_utils import Conv1D
    except ImportError:  # pragma: no cover
        return False
    return isinstance(module, Conv1D)


class QuantLinear(nn.Module):
    """정수 코드와 배율만 저장하고 순전파 때 가중치를 복원해 곱하는 선형층 (가중치만 양자화).

    ``nn.Linear`` 와 GPT-2 ``Conv1D`` 를 받는다. Conv1D 의 ``(in, out)`` 가중치는 전치해서 ``(out, in)`` 으로
    저장하므로 ``granularity="channel"`` 은 언제나 출력 채널별 배율이다.

    Args:
        base: 양자화할 층.
        method: ``"absmax"``, ``"zeropoint"``, ``"nf4"``.
        bits: 4 또는 8.
        granularity: ``"tensor"``, ``"channel"``, ``"group"``.
        group_size: 그룹 크기.
    """

    def __init__(
        self,
        base: nn.Module,
        method: str = "absmax",
        bits: int = 8,
        granularity: str = "channel",
        group_size: int = 64,
    ) -> None:
        super().__init__()
        if isinstance(base, nn.Linear):
            weight = base.weight.detach()  # (out, in)
        elif _is_conv1d(base):
            weight = base.weight.detach().T  # Conv1D: (in, out) → (out, in)
        else:
            raise TypeError(f"base는 nn.Linear 또는 GPT-2 Conv1D여야 합니다: {type(base).__name__}")
        self.out_features, self.in_features = weight.shape
        self.qweight = quantize_tensor(weight.contiguous(), method, bits, granularity, group_size)
        # 버퍼로 등록해 .to(device) 와 state_dict 를 따라가게 한다
        self.register_buffer("codes", self.qweight.codes)
        self.register_buffer("scale", self.qweight.scale)
        self.register_buffer("zero_point", self.qweight.zero_point)
        bias = base.bias.detach().clone() if getattr(base, "bias", None) is not None else None
        self.register_buffer("bias", bias)

    def dequantized_weight(self) -> torch.Tensor:
        """복원한 가중치 ŵ ``(out, in)``."""
        self.qweight.codes, self.qweight.scale, self.qweight.zero_point = (
            self.codes,
            self.scale,
            self.zero_point,
        )
        return self.qweight.dequantize()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.dequantized_weight().to(x.dtype)
        return F.linear(x, w, None if self.bias is None else self.bias.to(x.dtype))  # y = x ŵᵀ + b

    def nbytes(self) -> int:
        """이 층이 차지하는 바이트 (코드 + 배율 + 영점 + 편향)."""
        b = 0 if self.bias is None else self.bias.numel() * self.bias.element_size()
        return self.qweight.nbytes() + b

    def extra_repr(self) -> str:
        q = self.qweight
        return (
            f"in={self.in_features}, out={self.out_features}, {q.method}, bits={q.bits}, {q.granularity}"
            + (f"({q.row_len})" if q.granularity == "group" else "")
        )


def quantize_model(
    model: nn.Module,
    method: str = "absmax",
    bits: int = 8,
    granularity: str = "channel",
    group_size: int = 64,
    skip: tuple[str, ...] = ("lm_head",),
) -> list[str]:
    """모델의 ``nn.Linear``/``Conv1D`` 층을 :class:`QuantLinear` 로 바꾼다 (제자리 수정).

    Args:
        model: 대상 모델.
        method: ``"absmax"``, ``"zeropoint"``, ``"nf4"``.
        bits: 4 또는 8.
        granularity: ``"tensor"``, ``"channel"``, ``"group"``.
        group_size: 그룹 크기.
        skip: 이 접미사로 끝나는 이름의 층은 그대로 둔다 (기본: 임베딩과 가중치를 공유하는 ``lm_head``).

    Returns:
        바꾼 층 이름 목록 (모델 순서).
    """
    _check_bits(bits)
    targets = [
        (n, m)
        for n, m in model.named_modules()
        if (isinstance(m, nn.Linear) or _is_conv1d(m))
        and n
        and not any(n == s or n.endswith("." + s) for s in skip)
    ]
    if not targets:
        raise ValueError(f"model에 양자화할 선형층이 없습니다 (skip={skip!r})")
    for name, module in targets:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, QuantLinear(module, method, bits, granularity, group_size))
    return [n for n, _ in targets]


@dataclass(frozen=True)
class MemoryReport:
    """모델 메모리 집계.

    Attributes:
        n_params: 원래 파라미터 원소 수 (양자화한 가중치 포함; 공유 가중치는 한 번).
        float_bytes: 실수로 남은 파라미터·버퍼의 바이트.
        quant_bytes: 양자화한 층의 코드 + 배율 + 영점 바이트 (편향은 float_bytes 에).
        n_quantized: 양자화한 가중치 원소 수.
    """

    n_params: int
    float_bytes: int
    quant_bytes: int
    n_quantized: int

    @property
    def total_bytes(self) -> int:
        return self.float_bytes + self.quant_bytes

    @property
    def bytes_per_param(self) -> float:
        return self.total_bytes / self.n_params


def model_memory(model: nn.Module) -> MemoryReport:
    """모델이 가중치를 저장하는 데 드는 바이트를 센다 (양자화 층은 실제 저장량: 코드 + 배율 + 영점).

    Args:
        model: 아무 ``nn.Module`` (양자화 여부 상관없이).
    """
    seen: set[int] = set()
    n_params = float_bytes = quant_bytes = n_quant = 0
    for p in model.parameters():
        if id(p) in seen:
            continue
        seen.add(id(p))
        n_params += p.numel()
        float_bytes += p.numel() * p.element_size()
    for m in model.modules():
        if isinstance(m, QuantLinear):
            quant_bytes += m.qweight.nbytes()
            n_quant += m.qweight.numel
            n_params += m.qweight.numel
            if m.bias is not None:
                n_params += m.bias.numel()
                float_bytes += m.bias.numel() * m.bias.element_size()
    return MemoryReport(n_params, float_bytes, quant_bytes, n_quant)
