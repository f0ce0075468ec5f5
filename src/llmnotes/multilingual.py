"""다국어와 교차언어(cross-lingual) LLM: 토큰 세금, 어휘 확장, 임베딩 정렬.

노트북 19 가 쓰는 부품을 위에서 아래로 읽히게 모았다.

1. 병렬 말뭉치 (``data/multilingual/parallel.jsonl``) 와 씨앗 사전(seed dictionary) 읽기.
2. 토큰 세금(token tax): 토크나이저마다 문장당 토큰 수, 토큰당 바이트 수.
3. 단어 벡터: 한 언어 안의 동시 출현 PPMI 행렬을 SVD 로 줄인 정적 벡터 (:func:`ppmi_svd_vectors`).
4. 직교 프로크루스테스(orthogonal Procrustes): 씨앗 사전으로 두 언어 벡터 공간을 회전 하나로 맞춘다.
5. 새 토큰 임베딩 초기화 세 가지: 무작위, 옛 하위 조각의 평균, WECHSEL 식 (정렬된 공간에서 가까운 원본 단어들의
   임베딩을 유사도로 가중 평균).
6. 어휘 확장: 옛 BPE 앞에 새 단어 토큰을 얹는 :class:`ExtendedTokenizer`, 임베딩 행을 늘리는 :func:`extend_gpt`
   (``transformers`` 의 ``resize_token_embeddings`` 와 옛 행이 같다), 짧은 추가 사전학습 루프.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .bpe import BPETokenizer, pretokenize
from .gpt import GPT, GPTConfig
from .paths import data_dir
from .word2vec import WordVectors

__all__ = [
    "LANGS",
    "LANG_NAMES",
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
    "dictionary_matrices",
    "translation_accuracy",
    "init_random",
    "init_mean",
    "init_wechsel",
    "ExtendedTokenizer",
    "extend_gpt",
    "extend_hf",
    "lm_loss",
    "further_pretrain",
    "steps_to_reach",
]

LANGS = ("ko", "en", "ja", "zh", "es")
LANG_NAMES = {"ko": "한국어", "en": "영어", "ja": "일본어", "zh": "중국어", "es": "스페인어"}
SPLITS = ("train", "test")


def check_lang(lang: object) -> str:
    """언어 코드를 확인한다. 모르는 코드면 ``ValueError``.

    Args:
        lang: ``LANGS`` 중 하나 (``"ko"``, ``"en"``, ``"ja"``, ``"zh"``, ``"es"``).
    """
    if lang not in LANGS:
        raise ValueError(f"lang 은 {LANGS} 중 하나여야 합니다: {lang!r}")
    return str(lang)


# ---------------------------------------------------------------------------------------------------------------
# 1. 데이터
# ---------------------------------------------------------------------------------------------------------------


def load_parallel(split: str | None = None, path: str | Path | None = None) -> list[dict[str, str]]:
    """병렬 말뭉치를 읽는다. 한 레코드 = ``id``, ``topic``, ``split`` 과 언어마다 한 문장.

    Args:
        split: ``"train"``, ``"test"`` 또는 ``None`` (전부).
        path: JSONL 파일. 기본은 ``data/multilingual/parallel.jsonl``.
    """
    if split is not None and split not in SPLITS:
        raise ValueError(f"split 은 {SPLITS} 또는 None 이어야 합니다: {split!r}")
    path = Path(path) if path is not None else data_dir() / "multilingual" / "parallel.jsonl"
    records = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        rec = json.loads(line)
        missing = [k for k in ("id", "topic", "split", *LANGS) if not rec.get(k)]
        if missing:
            raise ValueError(f"{path.name}:{lineno}: 필드가 없거나 비었습니다: {missing}")
        for lang in LANGS:
            rec[lang] = unicodedata.normalize("NFC", rec[lang])
        if split is None or rec["split"] == split:
            records.append(rec)
    if not records:
        raise ValueError(f"{path.name} 에 split={split!r} 레코드가 없습니다")
    return records


def load_seed_dictionary(path: str | Path | None = None) -> list[tuple[str, str]]:
    """한국어–영어 씨앗 사전 (한 줄 ``한국어<TAB>영어``, ``#`` 줄은 주석)을 (ko, en) 쌍 목록으로 읽는다.

    Args:
        path: TSV 파일. 기본은 ``data/multilingual/seed_dictionary_ko_en.tsv``.
    """
    path = Path(path) if path is not None else data_dir() / "multilingual" / "seed_dictionary_ko_en.tsv"
    pairs = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 2 or not all(c.strip() for c in cols):
            raise ValueError(f"{path.name}:{lineno}: '한국어<TAB>영어' 두 칸이어야 합니다: {line!r}")
        pairs.append((unicodedata.normalize("NFC", cols[0].strip()), cols[1].strip().lower()))
    return pairs


# ---------------------------------------------------------------------------------------------------------------
# 2. 토큰 세금
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenStats:
    """한 언어의 문장들을 한 토크나이저로 자른 집계.

    Attributes:
        n_sentences: 문장 수.
        n_tokens: 토큰 수의 합.
        n_bytes: UTF-8 바이트 수의 합.
        n_chars: 글자(코드 포인트) 수의 합.
    """

    n_sentences: int
    n_tokens: int
    n_bytes: int
    n_chars: int

    @property
    def tokens_per_sentence(self) -> float:
        return self.n_tokens / self.n_sentences

    @property
    def bytes_per_token(self) -> float:
        """압축률: 토큰 하나가 평균 몇 바이트를 싣는가 (클수록 같은 문맥 창에 더 많은 글이 들어간다)."""
        return self.n_bytes / self.n_tokens


def token_stats(texts: Sequence[str], tokenize: Callable[[str], Sequence[Any]]) -> TokenStats:
    """문장들을 ``tokenize`` 로 잘라 :class:`TokenStats` 를 만든다.

    Args:
        texts: 문장 목록 (비어 있으면 ``ValueError``).
        tokenize: 문장 → 토큰 목록 함수.
    """
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise TypeError(f"texts 는 문장 목록이어야 합니다: {type(texts).__name__}")
    if not texts:
        raise ValueError("texts 가 비었습니다")
    n_tokens = n_bytes = n_chars = 0
    for t in texts:
        t = unicodedata.normalize("NFC", t)
        n_tokens += len(tokenize(t))
        n_bytes += len(t.encode("utf-8"))
        n_chars += len(t)
    return TokenStats(len(texts), n_tokens, n_bytes, n_chars)


def char_tokens(text: str) -> list[str]:
    """글자(유니코드 코드 포인트) 단위 토큰."""
    return list(text)


def byte_tokens(text: str) -> list[int]:
    """UTF-8 바이트 단위 토큰. 한글 한 음절 = 3바이트, 라틴 문자 한 글자 = 1바이트."""
    return list(text.encode("utf-8"))


def load_hf_bpe(path: str | Path) -> BPETokenizer:
    """HF ``tokenizer.json`` (바이트 수준 BPE) 을 우리 :class:`BPETokenizer` 로 읽는다.

    ``BPETokenizer.save_hf`` 로 저장한 파일(예: ``data/models/tiny-ko-gpt/tokenizer.json``)을 되읽는 용도다.

    Args:
        path: ``tokenizer.json`` 또는 그것이 든 폴더.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "tokenizer.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    model = data["model"]
    if model.get("type") != "BPE":
        raise ValueError(f"path 의 모델이 BPE 가 아닙니다: {model.get('type')!r}")
    vocab = [t for t, _ in sorted(model["vocab"].items(), key=lambda kv: kv[1])]
    t2i = {t: i for i, t in enumerate(vocab)}
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ", 1)) for m in model["merges"]]
    specials = [a["content"] for a in data.get("added_tokens", []) if a.get("special")]
    pattern = data["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"]
    return BPETokenizer(vocab, [(t2i[a], t2i[b]) for a, b in merges], specials, pattern)


# ---------------------------------------------------------------------------------------------------------------
# 3. 정적 단어 벡터 (PPMI + SVD)
# ---------------------------------------------------------------------------------------------------------------

_WORD_RE = re.compile(r"[^\W\d_]+")


def english_words(text: str) -> list[str]:
    """영어(라틴 문자) 문장을 소문자 단어로 자른다. 숫자·문장부호는 뺀다."""
    return _WORD_RE.findall(text.lower())


KO_CONTENT_TAGS = ("NNG", "NNP", "NP", "NR", "VV", "VA", "MAG", "XR")


def korean_words(text: str) -> list[str]:
    """한국어 문장을 Kiwi 로 형태소 분석해 내용어(명사·동사·형용사 어간·부사) 원형만 남긴다."""
    from .morph import tokenize

    return [m.form for m in tokenize(text) if m.tag.split("-")[0] in KO_CONTENT_TAGS]


def new_word_tokens(base: BPETokenizer, texts: Sequence[str], min_count: int = 2) -> list[str]:
    """어휘 확장 후보: 정규식 조각 가운데 글자로만 된 것, ``min_count`` 번 이상, 옛 BPE 로 2조각 이상.

    빈도 내림차순(같으면 문자열 순)으로 돌려준다.

    Args:
        base: 옛 토크나이저.
        texts: 새 언어(또는 새 분야)의 학습 문장들.
        min_count: 최소 빈도.
    """
    if not texts:
        raise ValueError("texts 가 비었습니다")
    counts = Counter(p for t in texts for p in pretokenize(unicodedata.normalize("NFC", t)))
    keep = [
        p
        for p, c in counts.items()
        if c >= min_count and p.strip().isalpha() and len(base.encode(p, allow_special=False)) >= 2
    ]
    return sorted(keep, key=lambda p: (-counts[p], p))


def ppmi_svd_vectors(sentences: Sequence[Sequence[str]], dim: int, min_count: int = 2) -> WordVectors:
    """문장 안 동시 출현(co-occurrence)으로 PPMI 행렬을 만들고 SVD 로 ``dim`` 차원 벡터를 얻는다.

    PPMI(w, c) = max(0, log P(w, c) / (P(w) P(c))),  벡터 = U_d · √Σ_d  (Levy & Goldberg 2014).

    Args:
        sentences: 단어 목록들. 같은 문장 안의 서로 다른 두 단어를 한 번 동시 출현으로 센다.
        dim: 벡터 차원 (어휘 크기보다 작아야 한다).
        min_count: 이보다 드문 단어는 어휘에서 뺀다.
    """
    counts = Counter(w for s in sentences for w in s)
    vocab = sorted(w for w, c in counts.items() if c >= min_count)
    if len(vocab) <= dim:
        raise ValueError(f"어휘 {len(vocab)}개가 dim={dim} 보다 많아야 합니다 (min_count={min_count})")
    index = {w: i for i, w in enumerate(vocab)}
    C = np.zeros((len(vocab), len(vocab)))
    for s in sentences:
        ids = sorted({index[w] for w in s if w in index})
        for a in ids:
            for b in ids:
                if a != b:
                    C[a, b] += 1.0
    total = C.sum()
    pw = C.sum(axis=1, keepdims=True) / total
    pc = C.sum(axis=0, keepdims=True) / total
    with np.errstate(divide="ignore"):
        pmi = np.log((C / total) / (pw * pc + 1e-300))
    ppmi = np.where(C > 0, np.maximum(pmi, 0.0), 0.0)
    U, S, _ = np.linalg.svd(ppmi)
    vectors = U[:, :dim] * np.sqrt(S[:dim])  # 대칭 행렬이라 U√Σ 로 충분하다
    # 부호를 정해 둔다: 각 열에서 절댓값이 가장 큰 원소가 양수가 되게 (SVD 부호는 BLAS 마다 다를 수 있다)
    signs = np.sign(vectors[np.abs(vectors).argmax(axis=0), np.arange(dim)])
    return WordVectors(vocab, (vectors * signs).astype(np.float32))


def normalize_vectors(X: np.ndarray) -> np.ndarray:
    """길이 1 → 평균 빼기 → 길이 1 (Artetxe et al. 2018 의 정규화). 두 공간의 모양을 비슷하게 맞춘다."""
    X = np.asarray(X, dtype=np.float64)
    X = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
    X = X - X.mean(axis=0, keepdims=True)
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)


# ---------------------------------------------------------------------------------------------------------------
# 4. 직교 프로크루스테스
# ---------------------------------------------------------------------------------------------------------------


def procrustes(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """‖XW − Y‖_F 를 최소로 하는 직교 행렬 W (WᵀW = I) 를 닫힌 꼴로 구한다.

    XᵀY = UΣVᵀ (SVD) 이면 W* = UVᵀ (Schönemann 1966). ``scipy.linalg.orthogonal_procrustes(X, Y)`` 와 같다.

    Args:
        X: ``(n, d)`` 원본 공간의 사전 단어 벡터들.
        Y: ``(n, d)`` 목표 공간의 짝 단어 벡터들 (같은 순서).
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if X.ndim != 2 or X.shape != Y.shape:
        raise ValueError(f"X 와 Y 는 같은 모양의 2차원 배열이어야 합니다: X={X.shape}, Y={Y.shape}")
    if X.shape[0] == 0:
        raise ValueError("X 와 Y 가 비었습니다 (사전 쌍이 0개)")
    U, _, Vt = np.linalg.svd(X.T @ Y)  # XᵀY = UΣVᵀ
    return U @ Vt  # W* = UVᵀ


def dictionary_matrices(
    src: WordVectors, tgt: WordVectors, pairs: Sequence[tuple[str, str]]
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, str]], list[tuple[str, str]]]:
    """씨앗 사전 쌍 (원본 단어, 목표 단어) 에서 두 벡터 행렬을 만든다.

    한쪽 어휘에 없는 쌍은 조용히 버리지 않고 ``missing`` 으로 돌려준다. 쓸 수 있는 쌍이 없거나 차원이 다르면
    ``ValueError``.

    Returns:
        ``(X (n, d), Y (n, d), kept, missing)``.
    """
    if not pairs:
        raise ValueError("pairs 가 비었습니다")
    bad = [p for p in pairs if not (isinstance(p, (tuple, list)) and len(p) == 2)]
    if bad:
        raise ValueError(f"pairs 의 항목은 (원본 단어, 목표 단어) 두 칸이어야 합니다: {bad[0]!r}")
    if src.vector_size != tgt.vector_size:
        raise ValueError(f"두 공간의 차원이 다릅니다: src={src.vector_size}, tgt={tgt.vector_size}")
    kept = [(a, b) for a, b in pairs if a in src and b in tgt]
    missing = [(a, b) for a, b in pairs if not (a in src and b in tgt)]
    if not kept:
        raise ValueError(f"pairs 의 어느 쌍도 두 어휘에 함께 있지 않습니다 (첫 쌍: {pairs[0]!r})")
    X = np.stack([src[a] for a, _ in kept])
    Y = np.stack([tgt[b] for _, b in kept])
    return X, Y, kept, missing


def translation_accuracy(
    mapped: np.ndarray, src_words: Sequence[str], tgt: np.ndarray, tgt_words: Sequence[str], pairs
) -> float:
    """정렬된 원본 벡터에서 코사인 최근접 목표 단어가 사전의 짝과 같은 비율 (precision@1).

    Args:
        mapped: ``(n_src, d)`` 목표 공간으로 옮긴 원본 벡터.
        src_words: ``mapped`` 의 행 순서 단어.
        tgt: ``(n_tgt, d)`` 목표 벡터.
        tgt_words: ``tgt`` 의 행 순서 단어.
        pairs: 평가할 (원본, 목표) 쌍. 둘 다 어휘에 있어야 한다.
    """
    si = {w: i for i, w in enumerate(src_words)}
    ti = {w: i for i, w in enumerate(tgt_words)}
    pairs = list(pairs)
    if not pairs:
        raise ValueError("pairs 가 비었습니다")
    unknown = [p for p in pairs if p[0] not in si or p[1] not in ti]
    if unknown:
        raise ValueError(f"pairs 에 어휘 밖 단어가 있습니다: {unknown[0]!r}")
    A = normalize_vectors(mapped)[[si[a] for a, _ in pairs]]
    B = normalize_vectors(tgt)
    best = (A @ B.T).argmax(axis=1)
    return float(np.mean([tgt_words[j] == b for j, (_, b) in zip(best, pairs)]))


# ---------------------------------------------------------------------------------------------------------------
# 5. 새 토큰 임베딩 초기화
# ---------------------------------------------------------------------------------------------------------------


def init_random(n_new: int, dim: int, std: float = 0.02, seed: int = 0) -> torch.Tensor:
    """새 행 ``n_new`` 개를 N(0, std²) 로 뽑는다 (GPT-2 의 처음 초기화와 같은 분포)."""
    if n_new < 1 or dim < 1:
        raise ValueError(f"n_new, dim 은 1 이상이어야 합니다: n_new={n_new}, dim={dim}")
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n_new, dim, generator=g) * std


def _check_pieces(pieces: Sequence[Sequence[int]], n_rows: int, name: str) -> None:
    if not pieces:
        raise ValueError(f"{name} 가 비었습니다")
    for i, p in enumerate(pieces):
        if len(p) == 0:
            raise ValueError(f"{name}[{i}] 가 비었습니다 (하위 조각이 하나도 없음)")
        bad = [t for t in p if not 0 <= int(t) < n_rows]
        if bad:
            raise ValueError(f"{name}[{i}] 에 옛 어휘 밖 id 가 있습니다: {bad[0]} (옛 어휘 {n_rows}개)")


def init_mean(old_emb: torch.Tensor, pieces: Sequence[Sequence[int]]) -> torch.Tensor:
    """새 토큰마다 옛 토크나이저가 자른 하위 조각(sub-piece) 임베딩의 평균: e_new = (1/|P|) Σ_{p∈P} E[p].

    Args:
        old_emb: ``(V_old, d)`` 옛 임베딩 행렬.
        pieces: 새 토큰마다 옛 토큰 id 목록.
    """
    _check_pieces(pieces, old_emb.shape[0], "pieces")
    return torch.stack([old_emb[list(p)].mean(dim=0) for p in pieces])


def init_wechsel(
    old_emb: torch.Tensor,
    new_vectors: np.ndarray,
    src_vectors: np.ndarray,
    src_pieces: Sequence[Sequence[int]],
    k: int = 10,
    temperature: float = 0.1,
) -> torch.Tensor:
    """WECHSEL 식 초기화 (Minixhofer et al. 2022).

    새 토큰 t 의 정렬된 정적 벡터 v_t 와 원본 언어 단어 s 의 정적 벡터 u_s 의 코사인 유사도 sim(t, s) 를 재고,
    가장 가까운 k 개 N_k(t) 에 대해

        w_s = softmax_{s ∈ N_k(t)}(sim(t, s) / τ),   e_t = Σ_s w_s · E_src(s)

    로 둔다. 여기서 E_src(s) 는 원본 단어 s 를 모델의 옛 임베딩으로 나타낸 것 (옛 하위 조각 평균).

    Args:
        old_emb: ``(V_old, d_model)`` 옛 임베딩.
        new_vectors: ``(n_new, d_static)`` 원본 공간으로 정렬한 새 토큰의 정적 벡터.
        src_vectors: ``(n_src, d_static)`` 원본 언어 단어의 정적 벡터.
        src_pieces: 원본 단어마다 옛 토큰 id 목록 (``src_vectors`` 의 행 순서).
        k: 섞을 이웃 수.
        temperature: 소프트맥스 온도 τ (작을수록 가장 가까운 이웃에 몰린다).
    """
    new_vectors = np.asarray(new_vectors, dtype=np.float64)
    src_vectors = np.asarray(src_vectors, dtype=np.float64)
    if new_vectors.ndim != 2 or src_vectors.ndim != 2 or new_vectors.shape[1] != src_vectors.shape[1]:
        raise ValueError(f"정적 벡터 차원이 맞지 않습니다: new={new_vectors.shape}, src={src_vectors.shape}")
    if len(src_pieces) != src_vectors.shape[0]:
        raise ValueError(
            f"src_pieces {len(src_pieces)}개가 src_vectors 행 {src_vectors.shape[0]}개와 다릅니다"
        )
    if not 1 <= k <= src_vectors.shape[0]:
        raise ValueError(f"k 는 1 이상 원본 단어 수({src_vectors.shape[0]}) 이하여야 합니다: {k!r}")
    if not temperature > 0:
        raise ValueError(f"temperature 는 양수여야 합니다: {temperature!r}")
    src_emb = init_mean(old_emb, src_pieces)  # (n_src, d_model): 원본 단어의 모델 임베딩
    a = new_vectors / np.maximum(np.linalg.norm(new_vectors, axis=1, keepdims=True), 1e-12)
    b = src_vectors / np.maximum(np.linalg.norm(src_vectors, axis=1, keepdims=True), 1e-12)
    sim = torch.from_numpy(a @ b.T).float()  # (n_new, n_src) 코사인 유사도
    top, idx = sim.topk(k, dim=1)
    w = torch.softmax(top / temperature, dim=1)  # (n_new, k)
    return torch.einsum("nk,nkd->nd", w, src_emb[idx])


# ---------------------------------------------------------------------------------------------------------------
# 6. 어휘 확장과 추가 사전학습
# ---------------------------------------------------------------------------------------------------------------


class ExtendedTokenizer:
    """옛 BPE 에 새 단어 토큰을 얹은 토크나이저.

    GPT-2 정규식으로 자른 조각(예: ``" coffee"``)이 새 토큰 목록에 있으면 새 id (``V_old + i``) 하나로,
    없으면 옛 BPE 로 자른다. 새 토큰이 하나도 쓰이지 않는 글은 옛 토크나이저와 똑같이 잘린다.

    Args:
        base: 옛 토크나이저.
        new_tokens: 새 토큰 문자열들 (앞 공백 포함, 예: ``" coffee"``). 중복·빈 문자열이면 ``ValueError``.
    """

    def __init__(self, base: BPETokenizer, new_tokens: Sequence[str]) -> None:
        if not new_tokens:
            raise ValueError("new_tokens 가 비었습니다")
        if len(set(new_tokens)) != len(new_tokens) or any(not t for t in new_tokens):
            raise ValueError("new_tokens 에 중복이나 빈 문자열이 있습니다")
        self.base = base
        self.new_tokens = list(new_tokens)
        self.new_ids = {t: base.vocab_size + i for i, t in enumerate(self.new_tokens)}

    @property
    def vocab_size(self) -> int:
        return self.base.vocab_size + len(self.new_tokens)

    def encode(self, text: str) -> list[int]:
        """글 → 토큰 id (새 토큰 우선)."""
        out: list[int] = []
        for piece in pretokenize(unicodedata.normalize("NFC", text)):
            if piece in self.new_ids:
                out.append(self.new_ids[piece])
            else:
                out.extend(self.base.encode(piece, allow_special=False))
        return out

    def decode(self, ids: Iterable[int]) -> str:
        """토큰 id → 글."""
        parts, run = [], []
        for i in ids:
            if i >= self.base.vocab_size:
                parts.append(self.base.decode(run))
                run = []
                parts.append(self.new_tokens[i - self.base.vocab_size])
            else:
                run.append(i)
        parts.append(self.base.decode(run))
        return "".join(parts)

    def old_pieces(self) -> list[list[int]]:
        """새 토큰마다 옛 토크나이저가 자른 id 목록 (평균 초기화에 쓴다)."""
        return [self.base.encode(t, allow_special=False) for t in self.new_tokens]


def _check_rows(new_rows: torch.Tensor, dim: int) -> None:
    if not isinstance(new_rows, torch.Tensor):
        raise TypeError(f"new_rows 는 torch.Tensor 여야 합니다: {type(new_rows).__name__}")
    if new_rows.dim() != 2 or new_rows.shape[1] != dim or new_rows.shape[0] < 1:
        raise ValueError(f"new_rows 모양은 (n_new ≥ 1, {dim}) 이어야 합니다: {tuple(new_rows.shape)}")


def extend_gpt(model: GPT, new_rows: torch.Tensor) -> GPT:
    """우리 :class:`GPT` 의 어휘를 늘린 새 모델을 만든다: 옛 행은 그대로, 새 행은 ``new_rows``.

    임베딩과 출력층이 가중치를 공유하므로 (weight tying) 새 행은 입력과 출력 양쪽에서 쓰인다.

    Args:
        model: 옛 모델 (바뀌지 않는다).
        new_rows: ``(n_new, n_embd)`` 새 임베딩 행.
    """
    _check_rows(new_rows, model.config.n_embd)
    cfg = GPTConfig.from_dict(
        {**model.config.to_dict(), "vocab_size": model.config.vocab_size + len(new_rows)}
    )
    new = GPT(cfg)
    sd = {
        k: v for k, v in model.state_dict().items() if k not in ("transformer.wte.weight", "lm_head.weight")
    }
    wte = torch.cat([model.transformer.wte.weight.detach(), new_rows.to(model.transformer.wte.weight)])
    new.load_state_dict({**sd, "transformer.wte.weight": wte, "lm_head.weight": wte}, strict=True)
    return new.train(model.training)


@torch.no_grad()
def extend_hf(model: Any, new_rows: torch.Tensor) -> Any:
    """``transformers`` 인과 LM 의 어휘를 제자리에서 늘린다 (``resize_token_embeddings`` 뒤 새 행을 덮어쓴다).

    가중치를 공유하지 않는 모델(예: ``tie_word_embeddings=False`` 인 Llama)은 출력층 새 행도 ``new_rows`` 로 둔다.

    Args:
        model: ``PreTrainedModel``.
        new_rows: ``(n_new, hidden_size)`` 새 임베딩 행.
    """
    emb = model.get_input_embeddings()
    n_old = emb.weight.shape[0]
    _check_rows(new_rows, emb.weight.shape[1])
    model.resize_token_embeddings(n_old + len(new_rows), mean_resizing=False)
    model.get_input_embeddings().weight[n_old:] = new_rows.to(emb.weight)
    out = model.get_output_embeddings()
    if out is not None and out.weight.data_ptr() != model.get_input_embeddings().weight.data_ptr():
        out.weight[n_old:] = new_rows.to(out.weight)
    return model


def lm_loss(model: GPT, ids: torch.Tensor, block_size: int) -> float:
    """토큰열의 평균 NLL (nats/토큰). 겹치지 않는 창으로 모든 다음 토큰을 한 번씩 평가한다."""
    from .pretrain import evaluate

    return evaluate(model, ids, block_size)[0]


def further_pretrain(
    model: GPT,
    train_ids: torch.Tensor,
    eval_ids: torch.Tensor,
    steps: int,
    lr: float,
    batch_size: int = 16,
    block_size: int = 64,
    eval_every: int = 10,
    seed: int = 0,
    eval_steps: Sequence[int] | None = None,
) -> dict[str, list[float]]:
    """추가 사전학습(further pre-training): 학습 가능한(``requires_grad``) 파라미터만 AdamW 로 고친다.

    Args:
        model: 학습할 모델 (제자리에서 바뀐다).
        train_ids: 1차원 학습 토큰열.
        eval_ids: 1차원 평가 토큰열.
        steps: 학습 단계 수.
        lr: 학습률 (상수).
        batch_size: 배치 크기.
        block_size: 창 길이.
        eval_every: 몇 단계마다 평가 손실을 기록할지.
        seed: 배치 뽑기 시드.
        eval_steps: 평가할 단계 목록 (주면 ``eval_every`` 대신 쓴다. 초기화 차이는 처음 몇 단계에 크게 보인다).

    Returns:
        ``{"step": [...], "eval_loss": [...]}`` (0 단계 = 학습 전).
    """
    if steps < 1 or eval_every < 1:
        raise ValueError(f"steps, eval_every 는 1 이상이어야 합니다: steps={steps}, eval_every={eval_every}")
    if train_ids.numel() <= block_size + 1:
        raise ValueError(
            f"train_ids 가 block_size+1={block_size + 1} 보다 길어야 합니다: {train_ids.numel()}"
        )
    at = set(range(eval_every, steps + 1, eval_every)) | {steps} if eval_steps is None else set(eval_steps)
    bad = [s for s in at if not 0 <= s <= steps]
    if bad:
        raise ValueError(f"eval_steps 는 0..steps={steps} 안이어야 합니다: {sorted(bad)[:3]}")
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("학습 가능한 파라미터가 없습니다")
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    g = torch.Generator().manual_seed(seed)
    hist: dict[str, list[float]] = {"step": [0], "eval_loss": [lm_loss(model, eval_ids, block_size)]}
    model.train()
    for step in range(1, steps + 1):
        starts = torch.randint(0, train_ids.numel() - block_size - 1, (batch_size,), generator=g).tolist()
        x = torch.stack([train_ids[s : s + block_size] for s in starts])
        y = torch.stack([train_ids[s + 1 : s + 1 + block_size] for s in starts])
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step in at:
            hist["step"].append(step)
            hist["eval_loss"].append(lm_loss(model, eval_ids, block_size))
            model.train()
    model.eval()
    return hist


def steps_to_reach(hist: dict[str, list[float]], target: float) -> int | None:
    """평가 손실이 처음으로 ``target`` 이하가 된 단계 (끝까지 못 가면 ``None``)."""
    for s, v in zip(hist["step"], hist["eval_loss"]):
        if v <= target + 1e-12 and not math.isnan(v):
            return s
    return None
