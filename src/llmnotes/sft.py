"""지도 미세조정(SFT, supervised fine-tuning): 대화 템플릿, 프롬프트 마스킹, 마스킹된 손실, 작은 학습 루프.

대화 형식 (한국어 본문이 그대로 들어가는 단순한 형식)::

    <|system|>
    {시스템 지시}            ← 있을 때만
    <|user|>
    {사용자 메시지}
    <|assistant|>
    {응답}<|endoftext|>

턴이 여러 개면 이 꼴이 이어진다. ``<|user|>``, ``<|assistant|>``, ``<|system|>`` 은 특수 토큰으로 어휘에 넣는 것이
좋다 (:func:`add_chat_tokens`). 넣지 않아도 템플릿은 그대로 동작한다 (표식이 바이트 조각 여러 개로 쪼개질 뿐).
같은 형식이 Jinja 문자열 :data:`CHAT_TEMPLATE` 으로도 있어 ``tokenizer.chat_template = CHAT_TEMPLATE`` 로 HF
``apply_chat_template`` 과 ``trl`` 에서 쓸 수 있다 (``{% generation %}`` 표시가 있어 ``assistant_only_loss`` 도 된다).

프롬프트 마스킹: 학습 예제의 ``labels`` 는 ``input_ids`` 를 복사하되 프롬프트 부분(응답 앞까지)을 ``-100`` 으로 바꾼다.
손실은 다음 토큰 예측의 교차 엔트로피를 응답 토큰에 대해서만 평균한다:

.. math:: \\mathcal{L} = -\\frac{1}{|\\mathcal{C}|} \\sum_{t \\in \\mathcal{C}} \\log p_\\theta(x_{t} \\mid x_{<t}),

:math:`\\mathcal{C}` 는 레이블이 ``-100`` 이 아닌 위치들. ``trl`` 의 ``SFTTrainer`` (``completion_only_loss``,
``assistant_only_loss``) 와 같은 수를 낸다 (테스트로 확인).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from llmnotes.checks import CLIP_NORM, NON_NEGATIVE, POSITIVE, check_fields
from llmnotes.hangul import nfc
from llmnotes.training import check_train_config

__all__ = [
    "USER",
    "ASSISTANT",
    "SYSTEM",
    "EOS",
    "CHAT_TOKENS",
    "IGNORE_INDEX",
    "CHAT_TEMPLATE",
    "render_chat",
    "instruction_to_messages",
    "add_chat_tokens",
    "tokenize_chat",
    "tokenize_instruction",
    "collate",
    "masked_lm_loss",
    "SFTConfig",
    "train_sft",
]

USER = "<|user|>"
ASSISTANT = "<|assistant|>"
SYSTEM = "<|system|>"
EOS = "<|endoftext|>"
CHAT_TOKENS = (USER, ASSISTANT, SYSTEM)
IGNORE_INDEX = -100  # 손실에서 빼는 위치 (PyTorch cross_entropy 의 ignore_index 기본값)
ROLES = ("system", "user", "assistant")

# render_chat() 과 글자 하나까지 같은 결과를 내는 Jinja 템플릿 (테스트로 확인).
# {% generation %} … {% endgeneration %} 은 HF 가 assistant 토큰 마스크(return_assistant_tokens_mask)를 만들 때 쓴다.
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'system' -%}"
    "{{ '<|system|>\\n' + message['content'] + '\\n' }}"
    "{%- elif message['role'] == 'user' -%}"
    "{{ '<|user|>\\n' + message['content'] + '\\n' }}"
    "{%- elif message['role'] == 'assistant' -%}"
    "{{ '<|assistant|>\\n' }}"
    "{%- generation -%}"
    "{{ message['content'] + '<|endoftext|>' }}"
    "{%- endgeneration -%}"
    "{%- else -%}"
    "{{ raise_exception('unknown role: ' + message['role']) }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}"
    "{{ '<|assistant|>\\n' }}"
    "{%- endif -%}"
)


def _check_messages(messages: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
        raise TypeError(
            f"messages는 {{'role', 'content'}} 사전의 목록이어야 합니다: {type(messages).__name__}"
        )
    if not messages:
        raise ValueError("messages가 비어 있습니다: []")
    out = []
    for i, m in enumerate(messages):
        if not isinstance(m, Mapping) or "role" not in m or "content" not in m:
            raise ValueError(f"messages[{i}]에 'role'과 'content'가 있어야 합니다: {m!r}")
        if m["role"] not in ROLES:
            raise ValueError(f"messages[{i}]['role']은 {ROLES} 가운데 하나여야 합니다: {m['role']!r}")
        if not isinstance(m["content"], str):
            raise TypeError(f"messages[{i}]['content']는 str이어야 합니다: {type(m['content']).__name__}")
        out.append({"role": m["role"], "content": nfc(m["content"])})
    return out


def render_chat(messages: Sequence[Mapping[str, str]], add_generation_prompt: bool = False) -> str:
    """대화를 템플릿 문자열로 만든다 (:data:`CHAT_TEMPLATE` 과 같은 결과). 내용은 NFC 로 정규화한다.

    Args:
        messages: ``[{"role": "user"|"assistant"|"system", "content": str}, ...]``.
        add_generation_prompt: ``True`` 면 끝에 ``<|assistant|>\\n`` 을 붙여 모델이 응답을 이어 쓰게 한다.
    """
    parts = []
    for m in _check_messages(messages):
        if m["role"] == "system":
            parts.append(f"{SYSTEM}\n{m['content']}\n")
        elif m["role"] == "user":
            parts.append(f"{USER}\n{m['content']}\n")
        else:
            parts.append(f"{ASSISTANT}\n{m['content']}{EOS}")
    if add_generation_prompt:
        parts.append(f"{ASSISTANT}\n")
    return "".join(parts)


def instruction_to_messages(example: Any, system: str | None = None) -> list[dict[str, str]]:
    """지시–응답 예제 하나(:class:`llmnotes.loaders.Instruction` 또는 같은 키의 사전)를 대화로 바꾼다.

    사용자 메시지 = 지시문 (입력이 있으면 빈 줄 하나 띄우고 입력), 응답 = ``output``.

    Args:
        example: ``instruction``, ``input``, ``output`` 속성 또는 키를 가진 객체.
        system: 앞에 붙일 시스템 메시지 (없으면 ``None``).
    """

    def get(key: str) -> str:
        value = example.get(key, "") if isinstance(example, Mapping) else getattr(example, key, None)
        if value is None or not isinstance(value, str):
            raise ValueError(f"example의 {key!r}: 문자열이어야 합니다 (받은 값 {value!r})")
        return nfc(value)

    instruction, inp, output = get("instruction"), get("input"), get("output")
    if not instruction.strip():
        raise ValueError(f"example의 'instruction'이 비어 있습니다: {instruction!r}")
    user = instruction if not inp else f"{instruction}\n\n{inp}"
    messages = [{"role": "user", "content": user}, {"role": "assistant", "content": output}]
    if system is not None:
        messages.insert(0, {"role": "system", "content": nfc(system)})
    return messages


def add_chat_tokens(tokenizer: Any, model: nn.Module | None = None) -> list[int]:
    """토크나이저에 대화 특수 토큰을 넣고 ``chat_template`` 을 설정한다. 모델을 주면 임베딩도 늘린다.

    새 임베딩 행은 기존 임베딩의 평균으로 채운다 (무작위보다 처음 손실이 안정적이다).

    Args:
        tokenizer: HF ``PreTrainedTokenizerFast``.
        model: ``resize_token_embeddings`` 가 있는 HF 모델 (없으면 토크나이저만 바꾼다).

    Returns:
        :data:`CHAT_TOKENS` 의 토큰 id.
    """
    missing = [t for t in CHAT_TOKENS if t not in tokenizer.get_vocab()]
    if missing:
        tokenizer.add_special_tokens({"additional_special_tokens": missing})
    tokenizer.chat_template = CHAT_TEMPLATE
    if model is not None:
        old = model.get_input_embeddings().weight.shape[0]
        new = len(tokenizer)
        if new > old:
            model.resize_token_embeddings(new, mean_resizing=False)
            with torch.no_grad():
                emb = model.get_input_embeddings().weight
                emb[old:] = emb[:old].mean(dim=0)
    return [tokenizer.convert_tokens_to_ids(t) for t in CHAT_TOKENS]


def _encode(tokenizer: Any, text: str) -> list[int]:
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def tokenize_chat(
    messages: Sequence[Mapping[str, str]],
    tokenizer: Any,
    max_length: int | None = None,
) -> dict[str, list[int]]:
    """대화 하나를 토큰화하고 마지막 assistant 응답만 손실에 넣는 ``labels`` 를 만든다.

    프롬프트 = 마지막 assistant 메시지 앞까지 + ``<|assistant|>\\n``. 프롬프트 토큰과 전체 토큰이 갈라지는 곳부터가
    응답이다 (``trl`` 의 ``common_prefix_length`` 와 같은 규칙; 템플릿이 줄바꿈에서 끊기므로 보통 프롬프트 길이와 같다).

    Args:
        messages: 마지막 메시지가 ``assistant`` 인 대화.
        tokenizer: HF 토크나이저.
        max_length: 최대 토큰 수. 넘으면 자르지 않고 ``ValueError``.

    Returns:
        ``{"input_ids", "labels", "attention_mask"}`` (파이썬 정수 목록).
    """
    msgs = _check_messages(messages)
    if msgs[-1]["role"] != "assistant":
        raise ValueError(f"마지막 메시지의 role이 'assistant'여야 합니다: {msgs[-1]['role']!r}")
    prompt_ids = _encode(tokenizer, render_chat(msgs[:-1], add_generation_prompt=True))
    ids = _encode(tokenizer, render_chat(msgs))
    n_prompt = 0
    while n_prompt < min(len(prompt_ids), len(ids)) and prompt_ids[n_prompt] == ids[n_prompt]:
        n_prompt += 1  # 공통 접두사 길이
    if max_length is not None and len(ids) > max_length:
        raise ValueError(f"토큰 수 {len(ids)}: max_length {max_length!r}보다 많습니다")
    labels = [IGNORE_INDEX] * n_prompt + ids[n_prompt:]  # 프롬프트 위치는 -100
    return {"input_ids": ids, "labels": labels, "attention_mask": [1] * len(ids)}


def tokenize_instruction(
    example: Any, tokenizer: Any, system: str | None = None, max_length: int | None = None
) -> dict[str, list[int]]:
    """지시–응답 예제 하나를 :func:`tokenize_chat` 으로 토큰화한다.

    Args:
        example: :class:`llmnotes.loaders.Instruction` 또는 같은 키의 사전.
        tokenizer: HF 토크나이저.
        system: 시스템 메시지 (선택).
        max_length: 최대 토큰 수 (넘으면 ``ValueError``).
    """
    return tokenize_chat(instruction_to_messages(example, system), tokenizer, max_length)


def collate(examples: Sequence[Mapping[str, Sequence[int]]], pad_token_id: int) -> dict[str, torch.Tensor]:
    """오른쪽 채우기(right padding)로 배치를 만든다. ``labels`` 의 채운 자리는 ``-100``.

    ``trl`` 의 ``DataCollatorForLanguageModeling`` (padding_free=False) 과 같은 텐서를 만든다.

    Args:
        examples: :func:`tokenize_chat` 결과들 (``labels`` 가 없으면 ``input_ids`` 를 복사).
        pad_token_id: 채울 토큰 id.
    """
    if not examples:
        raise ValueError("examples가 비어 있습니다: []")
    t_max = max(len(e["input_ids"]) for e in examples)
    n = len(examples)
    input_ids = torch.full((n, t_max), pad_token_id, dtype=torch.long)
    labels = torch.full((n, t_max), IGNORE_INDEX, dtype=torch.long)
    attention = torch.zeros((n, t_max), dtype=torch.long)
    for i, e in enumerate(examples):
        ids = list(e["input_ids"])
        lab = list(e.get("labels", ids))
        if len(lab) != len(ids):
            raise ValueError(
                f"examples[{i}]의 labels 길이({len(lab)})가 input_ids 길이와 다릅니다: {len(ids)}"
            )
        if not ids:
            raise ValueError(f"examples[{i}]의 input_ids가 비어 있습니다")
        input_ids[i, : len(ids)] = torch.tensor(ids)
        labels[i, : len(ids)] = torch.tensor(lab)
        attention[i, : len(ids)] = 1
    return {"input_ids": input_ids, "attention_mask": attention, "labels": labels}


def masked_lm_loss(
    logits: torch.Tensor, labels: torch.Tensor, num_items: int | torch.Tensor | None = None
) -> torch.Tensor:
    """다음 토큰 교차 엔트로피를 ``-100`` 이 아닌 위치에 대해서만 평균한다.

    Args:
        logits: ``(B, T, V)`` 로짓. 위치 t 의 로짓이 토큰 t+1 을 예측한다.
        labels: ``(B, T)`` 레이블 (무시할 위치는 -100). 안에서 한 칸 민다(shift).
        num_items: 나눌 토큰 수 (기울기 누적 때 전체 배치의 토큰 수). ``None`` 이면 이 배치의 유효 토큰 수.
    """
    if logits.dim() != 3 or labels.shape != logits.shape[:2]:
        raise ValueError(
            f"logits (B,T,V)와 labels (B,T)의 모양이 맞지 않습니다: {tuple(logits.shape)}, {tuple(labels.shape)}"
        )
    if logits.dtype in (torch.float16, torch.bfloat16):
        logits = logits.float()  # 반정밀도 로짓은 float32 로 올려 log-softmax 를 계산한다
    shift_logits = logits[:, :-1].reshape(-1, logits.shape[-1])  # 위치 t 의 로짓 → 토큰 t+1
    shift_labels = labels[:, 1:].reshape(-1)
    nll = F.cross_entropy(shift_logits, shift_labels, ignore_index=IGNORE_INDEX, reduction="sum")  # Σ −log p
    n = (shift_labels != IGNORE_INDEX).sum() if num_items is None else torch.as_tensor(num_items)
    return nll / n.clamp(min=1)  # 유효 토큰이 없으면 0 (0/0 대신)


@dataclass
class SFTConfig:
    """SFT 학습 루프 설정.

    Args:
        lr: AdamW 학습률.
        epochs: 에폭 수.
        batch_size: 배치 크기.
        weight_decay: AdamW 가중치 감쇠.
        max_grad_norm: 기울기 노름 자르기 한계 (``None`` 이면 자르지 않음).
        seed: 섞기와 드롭아웃의 시드.
        warmup_steps: 학습률을 0 에서 선형으로 올리는 단계 수.
        progress: tqdm 진행 표시 여부.
    """

    lr: float = 1e-3
    epochs: int = 1
    batch_size: int = 8
    weight_decay: float = 0.0
    max_grad_norm: float | None = 1.0
    seed: int = 0
    warmup_steps: int = 0
    progress: bool = False

    def __post_init__(self) -> None:
        check_fields(
            self, lr=POSITIVE, weight_decay=NON_NEGATIVE, max_grad_norm=CLIP_NORM
        )  # NaN·inf·범위 밖 값은 이름과 함께 거부
        check_train_config(self)
        if not isinstance(self.warmup_steps, int) or self.warmup_steps < 0:
            raise ValueError(f"warmup_steps는 0 이상의 정수여야 합니다: {self.warmup_steps!r}")


def train_sft(
    model: nn.Module,
    examples: Sequence[Mapping[str, Sequence[int]]],
    pad_token_id: int,
    config: SFTConfig | None = None,
) -> list[float]:
    """토큰화한 예제들로 모델을 학습한다 (AdamW, 기울기 자르기, 시드 고정). ``requires_grad`` 인 파라미터만 갱신.

    LoRA 를 주입한 모델을 넘기면 LoRA 파라미터만 학습된다.

    Args:
        model: ``model(input_ids=..., attention_mask=...)`` 가 ``.logits`` 를 돌려주는 HF 식 인과 언어 모델.
        examples: :func:`tokenize_chat` 결과들.
        pad_token_id: 채울 토큰 id.
        config: 학습 설정.

    Returns:
        단계별 손실 목록.
    """
    cfg = config or SFTConfig()
    if not examples:
        raise ValueError("examples가 비어 있습니다: []")
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("학습할 파라미터가 없습니다 (requires_grad=True인 파라미터 0 개)")
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps_per_epoch = math.ceil(len(examples) / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / cfg.warmup_steps) if cfg.warmup_steps else 1.0
    )
    device = next(model.parameters()).device
    bar = _progress(total, cfg.progress)
    losses: list[float] = []
    model.train()
    order = list(range(len(examples)))
    for _ in range(cfg.epochs):
        rng.shuffle(order)
        for start in range(0, len(order), cfg.batch_size):
            batch = collate([examples[i] for i in order[start : start + cfg.batch_size]], pad_token_id)
            batch = {k: v.to(device) for k, v in batch.items()}
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
            loss = masked_lm_loss(logits, batch["labels"])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.max_grad_norm is not None:
                torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm)  # ‖g‖ > c 이면 g ← g·c/‖g‖
            opt.step()
            sched.step()
            losses.append(float(loss.detach()))
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{losses[-1]:.4f}")
    if bar is not None:
        bar.close()
    model.eval()
    return losses


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="SFT")
