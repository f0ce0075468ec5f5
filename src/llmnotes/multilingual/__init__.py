"""다국어와 교차언어(cross-lingual) LLM: 토큰 세금, 어휘 확장, 임베딩 정렬 (노트북 19).

개념마다 모듈 하나이고, 여기서 모두 다시 내보낸다 (``from llmnotes import multilingual as ml`` 후 ``ml.procrustes``).

- :mod:`.corpus`: 병렬 말뭉치 (``data/multilingual/parallel.jsonl``)와 씨앗 사전(seed dictionary) 읽기.
- :mod:`.token_tax`: 토큰 세금(token tax). 토크나이저마다 문장당 토큰 수, 토큰당 바이트 수.
- :mod:`.alignment`: PPMI-SVD 정적 단어 벡터와 직교 프로크루스테스(orthogonal Procrustes) 정렬.
- :mod:`.extension`: 어휘 확장. 새 토큰, 새 임베딩 초기화 세 가지(무작위, 하위 조각 평균, WECHSEL 식),
  임베딩 행 늘리기, 추가 사전학습.
- :mod:`.fake`: 가짜 한국어(Fake-Korean). 한글 음절을 한자 자리로 옮긴 인공 언어와 그 글자용 토크나이저
  (``from llmnotes.multilingual import fake as fk``).
- :mod:`.transfer`: 교차언어 전이 실험. 이중언어 리뷰 생성기, 사전학습 조건, 문장 특징, 선형 탐사
  (``from llmnotes.multilingual import transfer as xl``).
"""

from .alignment import (
    KO_CONTENT_TAGS,
    dictionary_matrices,
    english_words,
    korean_words,
    normalize_vectors,
    ppmi_svd_vectors,
    procrustes,
    refine_procrustes,
    token_ppmi_vectors,
    translation_accuracy,
)
from .corpus import LANG_NAMES, LANGS, SPLITS, check_lang, load_parallel, load_seed_dictionary
from .extension import (
    ExtendedTokenizer,
    extend_gpt,
    extend_hf,
    extend_llama,
    further_pretrain,
    init_mean,
    init_random,
    init_wechsel,
    lm_loss,
    new_word_tokens,
    steps_to_reach,
)
from .token_tax import TokenStats, byte_tokens, char_tokens, load_hf_bpe, token_stats

__all__ = [
    "LANGS",
    "LANG_NAMES",
    "SPLITS",
    "KO_CONTENT_TAGS",
    "check_lang",
    "load_parallel",
    "load_seed_dictionary",
    "TokenStats",
    "token_stats",
    "char_tokens",
    "byte_tokens",
    "load_hf_bpe",
    "english_words",
    "korean_words",
    "new_word_tokens",
    "ppmi_svd_vectors",
    "normalize_vectors",
    "procrustes",
    "refine_procrustes",
    "token_ppmi_vectors",
    "dictionary_matrices",
    "translation_accuracy",
    "init_random",
    "init_mean",
    "init_wechsel",
    "ExtendedTokenizer",
    "extend_gpt",
    "extend_hf",
    "extend_llama",
    "lm_loss",
    "further_pretrain",
    "steps_to_reach",
]
