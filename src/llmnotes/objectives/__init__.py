"""사전학습 목표(pre-training objectives): 같은 토큰열에서 서로 다른 학습 문제를 만드는 방법들.

- 인과적 언어 모델링(causal LM, GPT): 다음 토큰 맞히기. :func:`causal_lm_loss`
- 마스크 언어 모델링(masked LM, BERT): 15% 를 골라 80% ``[MASK]``, 10% 무작위 토큰, 10% 그대로. :func:`mask_tokens`
- 스팬 오염(span corruption, T5): 평균 길이 3 의 구간들(전체의 15%)을 센티널로 바꾸고, 출력에서 구간을 복원.
  :func:`span_corruption`, :func:`span_corruption_restore`
- 다음 문장 예측(NSP, BERT) 과 문장 순서 예측(SOP, ALBERT): :func:`nsp_pairs`, :func:`sop_pairs`
- 바뀐 토큰 찾기(replaced token detection, ELECTRA): :func:`replaced_token_detection`
- 번역 언어 모델링(TLM, XLM): 평행 문장 쌍을 이어 붙이고 언어 번호를 붙인 뒤 MLM. :func:`tlm_example`
- 스팬 경계 목표(span boundary objective, SBO, SpanBERT): 기하분포 길이의 구간을 가리고, 구간 안 토큰을 구간 바로
  바깥 두 경계 토큰의 표현과 구간 안 상대 위치만으로 맞힌다. :func:`span_mask`, :func:`mask_spans`,
  :func:`span_boundary_targets`, :class:`SpanBoundaryHead`

모든 무작위 함수는 시드(또는 생성기)를 받아, 같은 시드면 언제나 같은 결과를 낸다.

모듈: :mod:`.language_modeling` (인과적 LM, MLM, TLM), :mod:`.spans` (스팬 오염, SBO),
:mod:`.discriminative` (NSP, SOP, ELECTRA). 모두 이 패키지에서 바로 가져올 수 있다.
"""

from __future__ import annotations

from ._checks import IGNORE_INDEX
from .discriminative import SentencePair, nsp_pairs, replaced_token_detection, sample_from_logits, sop_pairs
from .language_modeling import TLMExample, causal_lm_loss, mask_tokens, tlm_example
from .spans import (
    SpanBoundaryHead,
    SpanBoundaryTargets,
    mask_spans,
    random_spans_noise_mask,
    span_boundary_targets,
    span_corruption,
    span_corruption_restore,
    span_mask,
)

__all__ = [
    "IGNORE_INDEX",
    "causal_lm_loss",
    "mask_tokens",
    "random_spans_noise_mask",
    "span_corruption",
    "span_corruption_restore",
    "SentencePair",
    "nsp_pairs",
    "sop_pairs",
    "sample_from_logits",
    "replaced_token_detection",
    "TLMExample",
    "tlm_example",
    "span_mask",
    "mask_spans",
    "SpanBoundaryTargets",
    "span_boundary_targets",
    "SpanBoundaryHead",
]
