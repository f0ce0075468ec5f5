"""생성된 한국어 세계 말뭉치 (spine 모델의 사전학습 데이터).

사람·도시·회사·대학·제품 ≥ 1,000 개의 일관된 세계, 관계마다 여러 말투, 값이 바뀌는 시간표와 지식 마감일,
여섯 장르(백과사전, 뉴스, 이야기, 대화, 리뷰, 사용법), 평가용으로 남겨 둔 개체와 말투, 규칙 기반 문법 검사기.

    >>> from llmnotes.world import build_world, generate_documents
    >>> w = build_world(seed=0)
    >>> docs = generate_documents(w, 10, seed=0)
"""

from .corpus import (
    GENRE_WEIGHTS,
    SPLITS,
    generate_documents,
    pretraining_corpus,
    real_texts,
    train_validation_split,
)
from .entities import KINDS, Entity
from .facts import CUTOFF, RELATIONS, TIMELINE_RELATIONS, Fact, World, build_world
from .genres import GENRES, Document
from .grammar import check_sentence, check_sentences, check_text, kiwi_sanity, render, text_sentences
from .questions import QUESTION_SPLITS, FactQuestion, fact_questions, heldout_fact_questions

__all__ = [
    "CUTOFF",
    "GENRES",
    "GENRE_WEIGHTS",
    "KINDS",
    "QUESTION_SPLITS",
    "RELATIONS",
    "SPLITS",
    "TIMELINE_RELATIONS",
    "Document",
    "Entity",
    "Fact",
    "FactQuestion",
    "World",
    "build_world",
    "check_sentence",
    "check_sentences",
    "check_text",
    "fact_questions",
    "generate_documents",
    "heldout_fact_questions",
    "kiwi_sanity",
    "pretraining_corpus",
    "real_texts",
    "render",
    "text_sentences",
    "train_validation_split",
]
