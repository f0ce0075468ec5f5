"""LoRA(Low-Rank Adaptation) 를 처음부터 구현한다 (``peft`` 의 LoRA 와 같은 수를 낸다).

얼린(frozen) 선형층 :math:`W_0` 옆에 낮은 랭크(rank) :math:`r` 의 두 행렬 :math:`A \\in \\mathbb{R}^{r\\times d_{in}}`,
:math:`B \\in \\mathbb{R}^{d_{out}\\times r}` 을 붙여

.. math:: h = W_0 x + \\frac{\\alpha}{r} B A\\, \\mathrm{dropout}(x)

를 계산하고 :math:`A, B` 만 학습한다 (Hu et al., 2021). 초기화는 ``peft`` 와 같다:
:math:`A` 는 ``nn.Linear`` 기본값과 같은 카이밍 균등(kaiming-uniform, ``a=√5``), :math:`B` 는 0 이라서
주입 직후의 모델은 원래 모델과 똑같이 동작한다.

``transformers`` GPT-2 의 ``Conv1D`` 는 가중치를 ``(in, out)`` 으로 저장한다 (``nn.Linear`` 는 ``(out, in)``).
:class:`LoRALinear` 는 두 경우를 모두 감싸고, 병합(merge)할 때 :math:`\\Delta W = \\frac{\\alpha}{r} BA` 를
필요하면 전치해서 더한다 (``peft`` 의 ``fan_in_fan_out=True`` 와 같은 일).

사용 예::

    model = GPT2LMHeadModel(GPT2Config(...))
    layers = inject_lora(model, target_modules=["c_attn"], r=8, alpha=16)
    print(trainable_parameters(model))   # 학습 가능 파라미터 수와 비율
    merge_lora(model)                      # 추론용: W ← W + ΔW, 추가 연산 없음
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn

from .checks import check_number

__all__ = [
    "LoRAConfig",
    "LoRALinear",
    "ParamCount",
    "inject_lora",
    "lora_layers",
    "merge_lora",
    "unmerge_lora",
    "unload_lora",
    "trainable_parameters",
    "copy_lora_from_peft",
]


def _is_conv1d(module: nn.Module) -> bool:
    """``transformers`` 의 GPT-2 ``Conv1D`` 인지 (가중치 ``(in, out)``)."""
    try:
        from transformers.pytorch_utils import Conv1D
    except ImportError:  # pragma: no cover - transformers 는 의존성이다
        return False
    return isinstance(module, Conv1D)


def _check_hparams(r: int, alpha: float, dropout: float) -> None:
    if not isinstance(r, int) or isinstance(r, bool) or r <= 0:
        raise ValueError(f"r은 1 이상의 정수여야 합니다: {r!r}")
    check_number(alpha, "alpha", low=0, low_open=True)  # NaN·inf 도 거부 (배율 alpha/r 이 가중치를 망친다)
    check_number(dropout, "dropout", low=0, high=1, high_open=True)


@dataclass
class LoRAConfig:
    """LoRA 설정.

    Args:
        r: 랭크 r (1 이상).
        alpha: 스케일 분자 α. 실제 배율은 ``alpha / r``.
        dropout: LoRA 경로 입력에만 거는 드롭아웃 확률.
        target_modules: 감쌀 모듈 이름의 접미사 (예: ``["c_attn"]``). ``peft`` 처럼 이름이 정확히 같거나
            ``".<접미사>"`` 로 끝나면 고른다.
    """

    r: int = 8
    alpha: float = 16.0
    dropout: float = 0.0
    target_modules: tuple[str, ...] = ("c_attn",)

    def __post_init__(self) -> None:
        _check_hparams(self.r, self.alpha, self.dropout)
        if isinstance(self.target_modules, str):
            self.target_modules = (self.target_modules,)
        self.target_modules = tuple(self.target_modules)
        if not self.target_modules:
            raise ValueError(f"target_modules가 비어 있습니다: {self.target_modules!r}")


class LoRALinear(nn.Module):
    """``nn.Linear`` 또는 GPT-2 ``Conv1D`` 를 감싸 저랭크 갱신 ``(α/r)·B A`` 를 더하는 층.

    Args:
        base: 감쌀 층 (``nn.Linear`` 또는 ``transformers.pytorch_utils.Conv1D``). 가중치는 얼린다.
        r: 랭크 (1 이상).
        alpha: 스케일 분자 α (``scaling = alpha / r``).
        dropout: LoRA 경로의 드롭아웃 확률.
    """

    def __init__(self, base: nn.Module, r: int = 8, alpha: float = 16.0, dropout: float = 0.0) -> None:
        super().__init__()
        _check_hparams(r, alpha, dropout)
        if isinstance(base, nn.Linear):
            self.fan_in_fan_out = False  # weight: (out, in)
            in_features, out_features = base.in_features, base.out_features
        elif _is_conv1d(base):
            self.fan_in_fan_out = True  # weight: (in, out)
            in_features, out_features = base.weight.shape
        else:
            raise TypeError(f"base는 nn.Linear 또는 GPT-2 Conv1D여야 합니다: {type(base).__name__}")
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.r = r
        self.alpha = float(alpha)
        self.scaling = self.alpha / r  # s = α / r
        w = base.weight
        self.lora_A = nn.Parameter(torch.empty(r, self.in_features, dtype=w.dtype, device=w.device))
        self.lora_B = nn.Parameter(torch.zeros(self.out_features, r, dtype=w.dtype, device=w.device))
        # peft 와 같은 초기화: A ~ kaiming_uniform(a=√5) (nn.Linear 기본값), B = 0 → 처음엔 ΔW = 0
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.merged = False

    def delta_weight(self) -> torch.Tensor:
        """기저 가중치와 같은 모양의 ΔW = (α/r)·B A (Conv1D 면 전치해서 ``(in, out)``)."""
        delta = (self.lora_B @ self.lora_A) * self.scaling  # ΔW = s · B A, (out, in)
        return delta.T if self.fan_in_fan_out else delta

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.base(x)  # W₀ x + b
        if self.merged:
            return out  # ΔW 가 이미 W₀ 에 들어가 있다
        # h = W₀x + b + s · B (A · dropout(x))   — r 차원을 거쳐 가므로 계산량 O((d_in + d_out)·r)
        return out + (self.dropout(x) @ self.lora_A.T @ self.lora_B.T) * self.scaling

    @torch.no_grad()
    def merge(self) -> None:
        """W₀ ← W₀ + ΔW. 추론 때 추가 연산이 없어진다. 이미 병합돼 있으면 ``ValueError``."""
        if self.merged:
            raise ValueError("이미 병합된 층입니다: merged=True")
        self.base.weight += self.delta_weight().to(self.base.weight.dtype)
        self.merged = True

    @torch.no_grad()
    def unmerge(self) -> None:
        """W₀ ← W₀ − ΔW 로 되돌린다. 병합돼 있지 않으면 ``ValueError``."""
        if not self.merged:
            raise ValueError("병합되지 않은 층입니다: merged=False")
        self.base.weight -= self.delta_weight().to(self.base.weight.dtype)
        self.merged = False

    def extra_repr(self) -> str:
        kind = "Conv1D" if self.fan_in_fan_out else "Linear"
        return f"{kind}({self.in_features}→{self.out_features}), r={self.r}, alpha={self.alpha:g}"


def _matches(name: str, targets: tuple[str, ...]) -> str | None:
    """peft 규칙: 이름이 접미사와 같거나 ``'.' + 접미사`` 로 끝나면 그 접미사를 돌려준다."""
    for t in targets:
        if name == t or name.endswith("." + t):
            return t
    return None


def inject_lora(
    model: nn.Module,
    target_modules: list[str] | tuple[str, ...] | str = ("c_attn",),
    r: int = 8,
    alpha: float = 16.0,
    dropout: float = 0.0,
    freeze_base: bool = True,
) -> dict[str, LoRALinear]:
    """모델의 선형층을 이름 접미사로 골라 :class:`LoRALinear` 로 바꾸고 나머지는 얼린다 (제자리 수정).

    Args:
        model: 대상 모델 (예: ``GPT2LMHeadModel``).
        target_modules: 모듈 이름 접미사 목록 (예: ``["c_attn", "c_proj"]``). 하나라도 아무 층과도 맞지 않으면
            ``ValueError`` (그 이름을 알려 준다).
        r: 랭크.
        alpha: 스케일 분자 (``scaling = alpha / r``).
        dropout: LoRA 경로 드롭아웃.
        freeze_base: ``True`` 면 LoRA 가 아닌 모든 파라미터의 ``requires_grad`` 를 끈다.

    Returns:
        ``{모듈 이름: LoRALinear}`` (주입한 층들).
    """
    cfg = LoRAConfig(r=r, alpha=alpha, dropout=dropout, target_modules=target_modules)
    if not isinstance(model, nn.Module):
        raise TypeError(f"model은 nn.Module이어야 합니다: {type(model).__name__}")
    chosen: list[tuple[str, nn.Module]] = []
    used: set[str] = set()
    for name, module in model.named_modules():
        t = _matches(name, cfg.target_modules)
        if t is None or isinstance(module, LoRALinear):
            continue
        if not (isinstance(module, nn.Linear) or _is_conv1d(module)):
            raise TypeError(
                f"target_modules의 {t!r}: 선형층이 아닌 모듈 {name!r}에도 맞습니다 (타입 {type(module).__name__})"
            )
        chosen.append((name, module))
        used.add(t)
    missing = [t for t in cfg.target_modules if t not in used]
    if missing:
        raise ValueError(
            f"target_modules 가운데 모델의 어떤 선형층과도 맞지 않는 이름이 있습니다: {missing!r}"
        )
    if freeze_base:
        for p in model.parameters():
            p.requires_grad_(False)
    injected: dict[str, LoRALinear] = {}
    for name, module in chosen:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        layer = LoRALinear(module, r=cfg.r, alpha=cfg.alpha, dropout=cfg.dropout)
        setattr(parent, child, layer)
        injected[name] = layer
    return injected


def lora_layers(model: nn.Module) -> dict[str, LoRALinear]:
    """모델 안의 :class:`LoRALinear` 들을 ``{이름: 층}`` 으로 돌려준다.

    Args:
        model: LoRA 를 주입한 모델.
    """
    return {n: m for n, m in model.named_modules() if isinstance(m, LoRALinear)}


def _require_lora(model: nn.Module) -> dict[str, LoRALinear]:
    layers = lora_layers(model)
    if not layers:
        raise ValueError(f"model에 LoRALinear가 없습니다: {type(model).__name__}")
    return layers


def merge_lora(model: nn.Module) -> None:
    """모든 LoRA 층을 병합한다 (W₀ ← W₀ + ΔW).

    Args:
        model: LoRA 를 주입한 모델.
    """
    for layer in _require_lora(model).values():
        layer.merge()


def unmerge_lora(model: nn.Module) -> None:
    """병합을 되돌린다 (W₀ ← W₀ − ΔW).

    Args:
        model: :func:`merge_lora` 를 부른 모델.
    """
    for layer in _require_lora(model).values():
        layer.unmerge()


def unload_lora(model: nn.Module, merge: bool = True) -> nn.Module:
    """LoRA 층을 원래 층으로 되돌려 놓는다 (``merge=True`` 면 ΔW 를 더한 채로). 제자리 수정 후 모델을 돌려준다.

    Args:
        model: LoRA 를 주입한 모델.
        merge: ΔW 를 기저 가중치에 합칠지.
    """
    for name, layer in _require_lora(model).items():
        if merge and not layer.merged:
            layer.merge()
        elif not merge and layer.merged:
            layer.unmerge()
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, layer.base)
    return model


@dataclass(frozen=True)
class ParamCount:
    """파라미터 수 집계.

    Attributes:
        trainable: ``requires_grad=True`` 인 파라미터 원소 수.
        total: 전체 원소 수 (공유 가중치는 한 번만 센다).
        percent: ``100 · trainable / total``.
    """

    trainable: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.trainable / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"학습 가능 {self.trainable:,} / 전체 {self.total:,} ({self.percent:.4f}%)"


def trainable_parameters(model: nn.Module) -> ParamCount:
    """학습 가능한 파라미터 수와 전체 수 (``peft`` 의 ``get_nb_trainable_parameters`` 와 같은 방식).

    Args:
        model: 아무 ``nn.Module``.
    """
    trainable = total = 0
    for p in model.parameters():  # parameters() 는 공유(tied) 가중치를 한 번만 낸다
        total += p.numel()
        if p.requires_grad:
            trainable += p.numel()
    return ParamCount(trainable, total)


@torch.no_grad()
def copy_lora_from_peft(model: nn.Module, peft_model: nn.Module, adapter: str = "default") -> int:
    """``peft`` 모델의 LoRA A/B 가중치를 같은 이름의 우리 :class:`LoRALinear` 로 복사한다 (패리티 확인용).

    Args:
        model: :func:`inject_lora` 를 부른 우리 모델.
        peft_model: ``get_peft_model`` 로 만든 모델 (같은 구조).
        adapter: peft 어댑터 이름.

    Returns:
        복사한 층 수.
    """
    ours = _require_lora(model)
    theirs = {}
    for name, m in peft_model.named_modules():
        if hasattr(m, "lora_A") and isinstance(m.lora_A, nn.ModuleDict) and adapter in m.lora_A:
            # peft 이름: base_model.model.<원래 이름>
            theirs[name.removeprefix("base_model.model.")] = m
    for name, layer in ours.items():
        if name not in theirs:
            raise ValueError(f"peft_model에 같은 이름의 LoRA 층이 없습니다: {name!r}")
        layer.lora_A.copy_(theirs[name].lora_A[adapter].weight)
        layer.lora_B.copy_(theirs[name].lora_B[adapter].weight)
    return len(ours)
