"""작은 Llama식 모델(:mod:`llmnotes.llama`)과 ``transformers`` ``LlamaForCausalLM`` 사이의 변환, HF 형식 저장·불러오기.

모듈 이름이 HF 와 같으므로 가중치 변환은 이름 앞의 ``model.`` 을 붙이거나 떼는 일뿐이다. 같은 가중치면 두 모델의
로짓이 1e-5 안에서 같다 (``tests/test_llama.py``).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import torch

from .llama import Llama, LlamaConfig

__all__ = ["to_hf_config", "to_hf", "from_hf", "save_pretrained", "load_pretrained"]


def to_hf_config(config: LlamaConfig, **extra: Any):
    """:class:`LlamaConfig` 를 ``transformers.LlamaConfig`` 로 바꾼다.

    Args:
        config: 우리 설정.
        extra: ``transformers.LlamaConfig`` 에 더 넘길 값 (예: ``bos_token_id``, ``eos_token_id``).
    """
    from transformers import LlamaConfig as HFLlamaConfig

    extra = {
        "bos_token_id": None,
        "eos_token_id": None,
        "pad_token_id": None,
        **extra,
    }  # HF 기본값 1, 2 를 쓰지 않는다
    return HFLlamaConfig(
        vocab_size=config.vocab_size,
        hidden_size=config.n_embd,
        intermediate_size=config.intermediate_size,
        num_hidden_layers=config.n_layer,
        num_attention_heads=config.n_head,
        num_key_value_heads=config.n_kv_head,
        head_dim=config.head_dim,
        max_position_embeddings=config.max_seq_len,
        rms_norm_eps=config.rms_norm_eps,
        rope_parameters={"rope_type": "default", "rope_theta": float(config.rope_theta)},
        tie_word_embeddings=config.tie_embeddings,
        hidden_act="silu",
        attention_bias=False,
        mlp_bias=False,
        **extra,
    )


def _hf_config_to_ours(hf_config) -> LlamaConfig:
    rope = getattr(hf_config, "rope_parameters", None) or {"rope_type": "default", "rope_theta": 10000.0}
    checks = {
        "hidden_act": (hf_config.hidden_act, "silu"),
        "attention_bias": (bool(hf_config.attention_bias), False),
        "mlp_bias": (bool(getattr(hf_config, "mlp_bias", False)), False),
        "rope_type": (rope.get("rope_type", "default"), "default"),
        "head_dim": (
            getattr(hf_config, "head_dim", None),
            hf_config.hidden_size // hf_config.num_attention_heads,
        ),
    }
    for name, (value, want) in checks.items():
        if value != want:
            raise ValueError(f"지원하지 않는 설정: {name}={value!r} ({want!r}만 지원)")
    return LlamaConfig(
        vocab_size=hf_config.vocab_size,
        n_layer=hf_config.num_hidden_layers,
        n_head=hf_config.num_attention_heads,
        n_kv_head=hf_config.num_key_value_heads,
        n_embd=hf_config.hidden_size,
        intermediate_size=hf_config.intermediate_size,
        max_seq_len=hf_config.max_position_embeddings,
        rope_theta=float(rope["rope_theta"]),
        rms_norm_eps=float(hf_config.rms_norm_eps),
        tie_embeddings=bool(hf_config.tie_word_embeddings),
    )


def to_hf(model: Llama, **extra: Any):
    """우리 :class:`Llama` 를 같은 가중치의 ``transformers.LlamaForCausalLM`` 으로 바꾼다.

    이름이 같으므로 ``lm_head`` 를 뺀 모든 가중치 이름 앞에 ``model.`` 을 붙이기만 하면 된다.

    Args:
        model: 우리 모델.
        extra: :func:`to_hf_config` 에 넘길 값.
    """
    from transformers import LlamaForCausalLM

    hf = LlamaForCausalLM(to_hf_config(model.config, **extra)).to(model.embed_tokens.weight.dtype)
    sd = {(k if k == "lm_head.weight" else "model." + k): v.clone() for k, v in model.state_dict().items()}
    hf.load_state_dict(sd, strict=True)
    return hf.train(model.training)


def from_hf(hf_model) -> Llama:
    """``transformers.LlamaForCausalLM`` 의 가중치로 우리 :class:`Llama` 를 만든다.

    Args:
        hf_model: ``LlamaForCausalLM``.
    """
    model = Llama(_hf_config_to_ours(hf_model.config)).to(hf_model.dtype)
    sd = {k.removeprefix("model."): v.clone() for k, v in hf_model.state_dict().items()}
    if model.config.tie_embeddings:
        sd["lm_head.weight"] = sd["embed_tokens.weight"]
    model.load_state_dict(sd, strict=True)
    return model.train(hf_model.training)


def save_pretrained(model: Llama, path: str | Path, dtype: torch.dtype | None = None, **extra: Any) -> Path:
    """우리 모델을 HF 형식(``config.json`` + ``model.safetensors``)으로 저장한다.

    ``transformers.LlamaForCausalLM.from_pretrained(path)`` (또는 ``AutoModelForCausalLM``)으로 불러올 수 있다.

    Args:
        model: 우리 모델.
        path: 저장할 폴더.
        dtype: 저장할 자료형 (예: ``torch.float16`` 이면 파일이 절반 크기). ``None`` 이면 모델 그대로.
        extra: :func:`to_hf_config` 에 넘길 값 (예: ``bos_token_id``, ``eos_token_id``).
    """
    hf = to_hf(model, **extra)
    if dtype is not None:
        hf = hf.to(dtype)
    hf.save_pretrained(str(path))
    return Path(path)


def load_pretrained(path: str | Path, dtype: torch.dtype = torch.float32) -> Llama:
    """HF 형식 폴더에서 Llama 를 읽어 우리 :class:`Llama` 로 바꾼다 (네트워크를 쓰지 않는다).

    Args:
        path: ``config.json`` 과 ``model.safetensors`` 가 있는 폴더.
        dtype: 불러올 자료형 (fp16 으로 저장한 것도 기본값이면 float32 로 올려 계산한다).
    """
    from transformers import LlamaForCausalLM

    path = Path(path)
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"config.json이 없습니다: {path.name}/config.json")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hf = LlamaForCausalLM.from_pretrained(str(path), local_files_only=True, dtype=dtype)
    return from_hf(hf).eval()
