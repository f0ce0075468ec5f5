"""밀집 검색(dense retrieval) 인코더: LSA 기준선과, 이 프로젝트가 직접 학습하는 작은 바이-인코더(bi-encoder).

두 인코더 모두 글 → L2 정규화된 벡터를 주므로 내적 = 코사인 유사도이고, :class:`llmnotes.rag.DenseRetriever`
가 :class:`llmnotes.vectorstore.VectorStore` 에 넣어 검색한다. 허브에서 받은 것은 하나도 없다.

(a) LSA (잠재 의미 분석, Deerwester 외 1990): 청크의 TF-IDF 행렬 X [n × V] 를 절단 SVD X ≈ U_r S_r V_rᵀ 로
    줄이고, 글 x 의 벡터는 x V_r (문서는 U_r S_r 과 같다) 을 정규화한 것.

(b) 바이-인코더: 글의 특징(내용 형태소 + 어절 안 글자 2·3-그램)의 임베딩을 평균한 뒤 정규화한다.
    질문과 청크에 같은 인코더를 쓴다 (가중치 공유). 학습 데이터는 헌법 자신에서 만든 (가짜 질문, 청크) 쌍이다:
    청크의 한 문장에서 어절 일부를 지우고 순서를 섞은 것, 내용 형태소 몇 개, 또는 사람이 조문만 보고 쓴
    쉬운 말 노트(``data/rag/article_notes.jsonl``)의 구절 몇 개. 노트 구절 더미에는 두 번째 사람이 평가 질문을 보지
    않고 쓴 조문별 질문(``data/rag/article_questions.jsonl``)도 들어간다 (질의응답 데이터의 질문은 쓰지 않는다).
    배치 안의 다른 청크를 음성(in-batch negatives)으로 쓰는 InfoNCE 손실로 학습한다:

    .. math::

        \\mathcal{L} = -\\frac{1}{B} \\sum_i \\log \\frac{\\exp(q_i \\cdot p_i / \\tau)}
            {\\sum_j \\exp(q_i \\cdot p_j / \\tau)}

    학습 스크립트: ``python -m llmnotes.dense --out data/models/dense-retriever`` (설정·시드·해시를
    ``recipe.json`` 에 적는다). 추론은 NumPy 만으로 한다 (임베딩 행의 평균).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from .checks import POSITIVE, PROBABILITY, check_fields
from .hangul import nfc
from .morph import CONTENT_TAGS, tokenize_batch
from .tfidf import TfidfConfig, TfidfVectorizer

__all__ = [
    "tokenize_cached",
    "LSAEncoder",
    "BiEncoderConfig",
    "BiEncoder",
    "featurize",
    "pseudo_queries",
    "note_queries",
    "train",
    "main",
]


def _check_texts(texts: Sequence[str], name: str = "texts") -> list[str]:
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise TypeError(f"{name}: 문자열의 리스트여야 합니다 (받은 타입 {type(texts).__name__})")
    out = []
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"{name}[{i}]는 str이어야 합니다: {type(t).__name__}")
        out.append(nfc(t))
    return out


_TOKEN_CACHE: dict[str, list] = {}
_TOKEN_CACHE_MAX = 200_000


def tokenize_cached(texts: Sequence[str]) -> list[list]:
    """Kiwi 형태소 분석 (:func:`llmnotes.morph.tokenize_batch`) 을 글마다 한 번만 한다 (프로세스 메모리 캐시).

    같은 청크를 BM25, LSA, 바이-인코더가 각각 분석하지 않도록 결과를 나눠 쓴다. 디스크에는 쓰지 않는다.
    캐시가 ``_TOKEN_CACHE_MAX`` 개를 넘으면 비운다.

    Args:
        texts: NFC 로 정규화된 글들.
    """
    missing = [t for t in dict.fromkeys(texts) if t not in _TOKEN_CACHE]
    if missing:
        if len(_TOKEN_CACHE) + len(missing) > _TOKEN_CACHE_MAX:
            _TOKEN_CACHE.clear()
        for t, ms in zip(missing, tokenize_batch(missing), strict=True):
            _TOKEN_CACHE[t] = ms
    return [_TOKEN_CACHE[t] for t in texts]


def _content_batch(texts: list[str]) -> list[list[str]]:
    return [[m.form for m in ms if m.tag.split("-")[0] in CONTENT_TAGS] for ms in tokenize_cached(texts)]


def _normalize_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)  # ‖x‖₂, 0 벡터는 그대로 둔다
    return (x / np.where(norms == 0, 1.0, norms)).astype(np.float32)


# ---------------------------------------------------------------------------------------------- (a) LSA
class LSAEncoder:
    """LSA 인코더: 내용 형태소 TF-IDF → 절단 SVD (차원 ``dim``).

    Args:
        texts: 학습(색인)할 글들 (보통 청크 본문).
        dim: 줄일 차원 r (1 ≤ r ≤ min(글 수, 어휘 수)).
    """

    def __init__(self, texts: Sequence[str], dim: int = 64) -> None:
        texts = _check_texts(texts)
        if not texts:
            raise ValueError("texts가 비어 있습니다")
        self.vectorizer = TfidfVectorizer(TfidfConfig(sublinear_tf=True))
        x = self.vectorizer.fit_transform(_content_batch(texts)).toarray()
        r_max = min(x.shape)
        if not isinstance(dim, int) or not 1 <= dim <= r_max:
            raise ValueError(f"dim은 1 이상 {r_max} 이하의 정수여야 합니다: {dim!r}")
        _, s, vt = np.linalg.svd(x, full_matrices=False)  # X = U S Vᵀ
        self.components = vt[:dim]  # V_rᵀ [r × V]
        self.singular_values = s[:dim]
        self.dim = dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """글 → 정규화된 x V_r [n × dim] (float32). 어휘에 없는 토큰만 있으면 0 벡터."""
        x = self.vectorizer.transform(_content_batch(_check_texts(texts)))
        return _normalize_rows(np.asarray(x @ self.components.T))  # x V_r


# ---------------------------------------------------------------------------------------------- (b) 바이-인코더
def _char_feats(eojeol: str, ngrams: tuple[int, ...]) -> list[str]:
    """어절 하나의 글자 n-그램 특징 (앞뒤에 경계 표시 '<', '>')."""
    e = "<" + "".join(ch for ch in eojeol if ch.isalnum()) + ">"
    return [f"c:{e[i : i + n]}" for n in ngrams for i in range(len(e) - n + 1)]


def _eojeol_features(texts: list[str], ngrams: tuple[int, ...]) -> list[list[list[str]]]:
    """글마다, 어절마다 특징 목록: 그 어절 안의 내용 형태소 'm:형태' + 글자 n-그램."""
    out = []
    for t, morphs in zip(texts, tokenize_cached(texts), strict=True):
        spans = [m.span() for m in re.finditer(r"\S+", t)]
        feats: list[list[str]] = [[] for _ in spans]
        j = 0
        for m in morphs:
            while j + 1 < len(spans) and m.start >= spans[j][1]:
                j += 1
            if m.tag.split("-")[0] in CONTENT_TAGS and spans:
                feats[j].append(f"m:{m.form}")
        for k, (s, e) in enumerate(spans):
            feats[k].extend(_char_feats(t[s:e], ngrams))
        out.append(feats)
    return out


def featurize(texts: Sequence[str], ngrams: tuple[int, ...] = (2, 3)) -> list[list[str]]:
    """글 → 특징 문자열들: 내용 형태소 'm:형태' 와 어절 안 글자 n-그램 'c:..' (어절 앞뒤에 '<', '>' 를 붙인다).

    글자 n-그램은 '나랏일'·'나라' 처럼 형태가 조금 다른 낱말도 일부 특징을 나누게 해 준다.

    Args:
        texts: 글들.
        ngrams: 글자 n-그램의 n 들.
    """
    texts = _check_texts(texts)
    return [[f for ej in doc for f in ej] for doc in _eojeol_features(texts, tuple(ngrams))]


@dataclass(frozen=True)
class BiEncoderConfig:
    """바이-인코더 학습 설정.

    Args:
        dim: 임베딩 차원.
        ngrams: 글자 n-그램의 n 들.
        min_count: 학습 글에서 이 횟수보다 적게 나온 특징은 어휘에서 뺀다.
        steps: 학습 스텝 수.
        batch_size: 배치 크기 B (서로 다른 조문의 청크 B 개).
        lr: Adam 학습률.
        temperature: InfoNCE 온도 τ.
        drop: 가짜 질문을 만들 때 어절을 지울 확률.
        note_prob: 청크에 쉬운 말 노트(:func:`llmnotes.rag.load_article_notes`)가 있을 때, 가짜 질문을
            노트에서 만들 확률 (:func:`note_queries`).
        seed: 난수 시드.
    """

    dim: int = 64
    ngrams: tuple[int, ...] = (2, 3)
    min_count: int = 1
    steps: int = 2000
    batch_size: int = 64
    lr: float = 0.01
    temperature: float = 0.05
    drop: float = 0.5
    note_prob: float = 0.5
    seed: int = 0

    def __post_init__(self) -> None:
        check_fields(
            self, lr=POSITIVE, temperature=POSITIVE, drop=PROBABILITY, note_prob=PROBABILITY
        )  # NaN·inf·범위 밖 값은 이름과 함께 거부
        for name in ("dim", "steps", "batch_size", "min_count"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name}: 1 이상의 정수여야 합니다 (받은 값 {v!r})")
        if not self.ngrams or any(not isinstance(n, int) or n < 1 for n in self.ngrams):
            raise ValueError(f"ngrams는 1 이상의 정수들이어야 합니다: {self.ngrams!r}")
        if not self.lr > 0 or not self.temperature > 0:
            raise ValueError(
                f"lr과 temperature는 양수여야 합니다: lr={self.lr!r}, temperature={self.temperature!r}"
            )
        if not 0 <= self.drop < 1:
            raise ValueError(f"drop은 0 이상 1 미만이어야 합니다: {self.drop!r}")
        if not 0 <= self.note_prob <= 1:
            raise ValueError(f"note_prob은 0 이상 1 이하여야 합니다: {self.note_prob!r}")


class BiEncoder:
    """평균 풀링 바이-인코더 (추론은 NumPy): 벡터 = 정규화(특징 임베딩들의 평균).

    Args:
        vocab: 특징 문자열 → 행 번호.
        embeddings: [어휘 수 × dim] 실수 배열.
        config: 학습 설정 (특징 만드는 방법 ``ngrams`` 를 여기서 읽는다).
    """

    def __init__(self, vocab: dict[str, int], embeddings: np.ndarray, config: BiEncoderConfig) -> None:
        if embeddings.ndim != 2 or embeddings.shape[0] != len(vocab):
            raise ValueError(
                f"embeddings의 행 수가 어휘 수와 맞지 않습니다: 모양 {embeddings.shape}, 어휘 {len(vocab)}개"
            )
        self.vocab = vocab
        self.embeddings = np.asarray(embeddings, dtype=np.float32)
        self.config = config
        self.dim = int(embeddings.shape[1])

    def ids(self, texts: Sequence[str]) -> list[list[int]]:
        """글 → 어휘 안 특징 번호들 (어휘 밖 특징은 학습된 임베딩이 없으므로 세지 않는다)."""
        return [[self.vocab[f] for f in fs if f in self.vocab] for fs in featurize(texts, self.config.ngrams)]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """글 → 정규화된 평균 임베딩 [n × dim] (float32). 특징이 하나도 없으면 0 벡터."""
        rows = self.ids(texts)
        out = np.zeros((len(rows), self.dim), dtype=np.float32)
        for i, r in enumerate(rows):
            if r:
                out[i] = self.embeddings[r].mean(axis=0)  # v = (1/|F|) Σ_{f ∈ F} E[f]
        return _normalize_rows(out)

    def save(self, path: str | Path, recipe: dict[str, Any] | None = None) -> None:
        """``embeddings.npz`` (float16 로 저장해 크기를 줄인다), ``vocab.json``, ``config.json``, ``recipe.json``."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path / "embeddings.npz", embeddings=self.embeddings.astype(np.float16))
        terms = sorted(self.vocab, key=self.vocab.__getitem__)
        (path / "vocab.json").write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")
        cfg = asdict(self.config)
        (path / "config.json").write_text(
            json.dumps(cfg, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        if recipe is not None:
            text = json.dumps(recipe, ensure_ascii=False, indent=1) + "\n"
            (path / "recipe.json").write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path | None = None) -> BiEncoder:
        """저장된 바이-인코더를 불러온다 (기본: ``data/models/dense-retriever``)."""
        from .paths import models_dir

        path = Path(path) if path is not None else models_dir() / "dense-retriever"
        if not (path / "config.json").is_file():
            raise FileNotFoundError(
                f"바이-인코더 체크포인트가 없습니다: {path.name}/config.json "
                "(python -m llmnotes.dense --out data/models/dense-retriever로 만드세요)"
            )
        raw = json.loads((path / "config.json").read_text(encoding="utf-8"))
        names = {f.name for f in fields(BiEncoderConfig)}
        raw = {k: (tuple(v) if isinstance(v, list) else v) for k, v in raw.items() if k in names}
        terms = json.loads((path / "vocab.json").read_text(encoding="utf-8"))
        with np.load(path / "embeddings.npz", allow_pickle=False) as z:
            emb = z["embeddings"].astype(np.float32)
        return cls({t: i for i, t in enumerate(terms)}, emb, BiEncoderConfig(**raw))


def pseudo_queries(
    eojeols: list[list[str]], rng: random.Random, drop: float = 0.5, ngrams: tuple[int, ...] = (2, 3)
) -> list[str]:
    """청크 하나에서 가짜 질문 하나의 특징을 만든다 (시험 질문을 보지 않는다).

    반반의 확률로 (1) 연속한 어절 4–12 개 구간에서 어절을 확률 ``drop`` 으로 지운 나머지의 특징, 또는
    (2) 청크의 내용 형태소 2–5 개와 그 글자 n-그램 (질문이 조문과 다른 어미·조사를 쓰는 경우를 흉내 낸다).

    Args:
        eojeols: 청크의 어절마다 특징 목록 (:func:`_eojeol_features`).
        rng: 난수 생성기.
        drop: 어절을 지울 확률.
        ngrams: 글자 n-그램의 n 들.
    """
    words = [f for ej in eojeols for f in ej if f.startswith("m:")]
    if len(words) >= 2 and rng.random() < 0.5:
        picked = rng.sample(words, rng.randint(2, min(5, len(words))))
        return [f for w in picked for f in [w, *_char_feats(w[2:], ngrams)]]
    n = len(eojeols)
    width = min(n, rng.randint(4, 12))
    s = rng.randrange(0, n - width + 1)
    span = eojeols[s : s + width]
    kept = [ej for ej in span if rng.random() >= drop] or [rng.choice(span)]
    return [f for ej in kept for f in ej]


def note_queries(
    phrases: list[list[str]], eojeols: list[list[str]], rng: random.Random, ngrams: tuple[int, ...] = (2, 3)
) -> list[str]:
    """쉬운 말 노트에서 가짜 질문 하나의 특징을 만든다 (doc2query 를 사람이 쓴 노트로 흉내 낸다).

    노트의 구절 1–3 개를 고르고, 반반의 확률로 청크 원문의 내용 형태소 1–2 개를 섞는다 (질문은 쉬운 말과
    법률 용어를 섞어 쓰기도 한다). 질의응답 데이터의 질문은 쓰지 않는다.

    Args:
        phrases: 노트 구절마다 특징 목록 (:func:`featurize`).
        eojeols: 청크의 어절마다 특징 목록.
        rng: 난수 생성기.
        ngrams: 글자 n-그램의 n 들.
    """
    if not phrases:
        raise ValueError("phrases가 비어 있습니다: 노트 구절이 하나 이상 필요합니다")
    picked = rng.sample(phrases, min(len(phrases), rng.randint(1, 3)))
    feats = [f for ph in picked for f in ph]
    words = [f for ej in eojeols for f in ej if f.startswith("m:")]
    if words and rng.random() < 0.5:
        for w in rng.sample(words, min(len(words), rng.randint(1, 2))):
            feats.extend([w, *_char_feats(w[2:], ngrams)])
    return feats


def train(
    texts: Sequence[str],
    groups: Sequence[str],
    config: BiEncoderConfig | None = None,
    progress: bool = False,
    phrases: Sequence[Sequence[str]] | None = None,
) -> tuple[BiEncoder, list[float]]:
    """바이-인코더를 InfoNCE(배치 안 음성)로 학습한다.

    Args:
        texts: 청크 글들 (색인할 글과 같은 꼴, 예: 제목 + 본문 + 확장 글).
        groups: 청크마다 출처 (같은 출처의 청크는 한 배치에 함께 넣지 않는다: 거짓 음성 방지).
        config: 학습 설정.
        progress: 진행 표시.
        phrases: 청크마다 쉬운 말 노트 구절들 (없으면 ``None``; 있으면 확률 ``note_prob`` 로
            :func:`note_queries` 가 가짜 질문을 만든다).

    Returns:
        (학습된 인코더, 스텝별 손실).
    """
    import torch
    import torch.nn.functional as F

    cfg = config or BiEncoderConfig()
    texts = _check_texts(texts)
    if len(texts) != len(groups):
        raise ValueError(f"texts({len(texts)})와 groups({len(groups)})의 개수가 다릅니다")
    by_group: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        by_group.setdefault(g, []).append(i)
    if len(by_group) < 2:
        raise ValueError(f"groups에 서로 다른 출처가 2개 이상 있어야 합니다: {len(by_group)}개")
    if phrases is not None and len(phrases) != len(texts):
        raise ValueError(f"phrases({len(phrases)})와 texts({len(texts)})의 개수가 다릅니다")
    rng = random.Random(cfg.seed)
    torch.manual_seed(cfg.seed)
    eojeols = _eojeol_features(texts, cfg.ngrams)
    phrase_feats: list[list[list[str]]] = [[] for _ in texts]
    if phrases is not None:
        flat = [_check_texts(list(ps), f"phrases[{i}]") for i, ps in enumerate(phrases)]
        allf = featurize([p for ps in flat for p in ps], cfg.ngrams) if any(flat) else []
        pos = 0
        for i, ps in enumerate(flat):
            phrase_feats[i] = allf[pos : pos + len(ps)]
            pos += len(ps)
    feats = [[f for ej in doc for f in ej] for doc in eojeols]
    counts: dict[str, int] = {}
    for fs in feats:
        for f in fs:
            counts[f] = counts.get(f, 0) + 1
    vocab = {f: i for i, f in enumerate(sorted(f for f, c in counts.items() if c >= cfg.min_count))}
    emb = torch.nn.EmbeddingBag(len(vocab), cfg.dim, mode="mean")
    torch.nn.init.normal_(emb.weight, std=0.1)
    opt = torch.optim.Adam(emb.parameters(), lr=cfg.lr)
    passage_ids = [[vocab[f] for f in fs if f in vocab] for fs in feats]
    keys = sorted(by_group)
    bsz = min(cfg.batch_size, len(keys))

    def bag(rows: list[list[int]]) -> torch.Tensor:
        flat = torch.tensor([j for r in rows for j in r], dtype=torch.long)
        offsets = torch.tensor(np.cumsum([0] + [len(r) for r in rows[:-1]]), dtype=torch.long)
        return F.normalize(emb(flat, offsets), dim=-1)

    losses: list[float] = []
    from tqdm.auto import tqdm

    for _ in tqdm(range(cfg.steps), disable=not progress):
        chosen = [rng.choice(by_group[g]) for g in rng.sample(keys, bsz)]
        queries = [
            note_queries(phrase_feats[i], eojeols[i], rng, cfg.ngrams)
            if phrase_feats[i] and rng.random() < cfg.note_prob
            else pseudo_queries(eojeols[i], rng, cfg.drop, cfg.ngrams)
            for i in chosen
        ]
        q_ids = [
            [vocab[f] for f in fs if f in vocab] or passage_ids[i][:1]
            for fs, i in zip(queries, chosen, strict=True)
        ]
        q = bag(q_ids)
        p = bag([passage_ids[i] for i in chosen])
        logits = q @ p.T / cfg.temperature  # s_ij = q_i · p_j / τ
        target = torch.arange(bsz)
        loss = 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))  # 대칭 InfoNCE
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    return BiEncoder(vocab, emb.weight.detach().numpy().copy(), cfg), losses


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """명령줄: 헌법 항 단위 청크로 바이-인코더를 학습해 ``--out`` 에 저장한다."""
    import torch

    from .rag import (
        chunk_by_structure,
        constitution_documents,
        expand_chunks,
        load_article_notes,
        load_article_questions,
    )

    ap = argparse.ArgumentParser(description="헌법 바이-인코더 학습 (가짜 질문 + InfoNCE)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=BiEncoderConfig.steps)
    ap.add_argument("--dim", type=int, default=BiEncoderConfig.dim)
    ap.add_argument("--seed", type=int, default=BiEncoderConfig.seed)
    ap.add_argument("--note-prob", type=float, default=BiEncoderConfig.note_prob)
    ap.add_argument("--no-notes", action="store_true", help="쉬운 말 노트 없이 조문 글만으로 학습")
    ap.add_argument(
        "--no-questions",
        action="store_true",
        help="조문별 시민 말투 질문(data/rag/article_questions.jsonl)을 노트 구절과 가짜 질문에 넣지 않음",
    )
    args = ap.parse_args(argv)
    cfg = BiEncoderConfig(
        steps=args.steps, dim=args.dim, seed=args.seed, note_prob=0.0 if args.no_notes else args.note_prob
    )
    chunks = chunk_by_structure(constitution_documents(), "paragraph")
    phrases = None
    notes_hash = questions_hash = None
    if not args.no_notes:
        from .rag import _notes_path, _questions_path

        notes = load_article_notes()
        notes_hash = _sha256(_notes_path())
        questions = None
        if not args.no_questions:
            questions = load_article_questions()
            questions_hash = _sha256(_questions_path())
        chunks = expand_chunks(chunks, notes, questions=questions)
        # 청크마다 가짜 질문의 재료: 노트 제목 + 노트 구절 (+ 사람이 쓴 질문들). note_queries 가 1–3 개를 고른다.
        phrases = [
            [notes[c.source].title, *notes[c.source].keywords, *(questions or {}).get(c.source, ())]
            for c in chunks
        ]
    texts = [c.index_text(True, True) for c in chunks]
    start = time.perf_counter()
    torch.set_num_threads(1)
    model, losses = train(texts, [c.source for c in chunks], cfg, progress=True, phrases=phrases)
    out = Path(args.out)
    model.save(out)
    data_hash = hashlib.sha256("\n\0".join(texts).encode("utf-8")).hexdigest()
    source = "헌법 본문 항 단위 청크 (제목 포함)"
    if phrases is not None:
        source += " + 사람이 조문만 보고 쓴 쉬운 말 노트 (data/rag/article_notes.jsonl)"
    if questions_hash is not None:
        source += " + 두 번째 사람이 평가 질문을 보지 않고 쓴 조문별 질문 (data/rag/article_questions.jsonl)"
    recipe = {
        "command": "PYTHONHASHSEED=0 OMP_NUM_THREADS=1 python -m llmnotes.dense "
        + " ".join(argv or sys.argv[1:]),
        "seed": cfg.seed,
        "config": asdict(cfg),
        "training_data": f"{source}에서 만든 가짜 질문; 질의응답 데이터는 쓰지 않음",
        "notes_sha256": notes_hash,
        "questions_sha256": questions_hash,
        "n_chunks": len(chunks),
        "vocab_size": len(model.vocab),
        "data_sha256": data_hash,
        "loss_first_100": float(np.mean(losses[:100])),
        "loss_last_100": float(np.mean(losses[-100:])),
        "train_seconds": round(time.perf_counter() - start, 1),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "files_sha256": {n: _sha256(out / n) for n in ("embeddings.npz", "vocab.json", "config.json")},
    }
    model.save(out, recipe)
    print(
        json.dumps(
            {k: recipe[k] for k in ("vocab_size", "loss_first_100", "loss_last_100")}, ensure_ascii=False
        )
    )
    return recipe


if __name__ == "__main__":  # pragma: no cover
    main()
