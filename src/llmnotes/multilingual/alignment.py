"""정적 단어 벡터(PPMI + SVD)와 직교 프로크루스테스(orthogonal Procrustes) 정렬.

1. 한 언어 안의 동시 출현 PPMI 행렬을 SVD 로 줄인 정적 벡터 (:func:`ppmi_svd_vectors`).
2. 씨앗 사전으로 두 언어 벡터 공간을 회전 하나로 맞추기 (:func:`procrustes`), 맞춘 정도 재기 (:func:`translation_accuracy`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from ..word2vec import WordVectors

_WORD_RE = re.compile(r"[^\W\d_]+")


def english_words(text: str) -> list[str]:
    """영어(라틴 문자) 문장을 소문자 단어로 자른다. 숫자·문장부호는 뺀다."""
    return _WORD_RE.findall(text.lower())


KO_CONTENT_TAGS = ("NNG", "NNP", "NP", "NR", "VV", "VA", "MAG", "XR")


def korean_words(text: str) -> list[str]:
    """한국어 문장을 Kiwi 로 형태소 분석해 내용어(명사·동사·형용사 어간·부사) 원형만 남긴다."""
    from ..morph import tokenize

    return [m.form for m in tokenize(text) if m.tag.split("-")[0] in KO_CONTENT_TAGS]


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
        raise ValueError(f"어휘 {len(vocab)}개가 dim보다 많아야 합니다 (dim={dim}, min_count={min_count})")
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
        raise ValueError(f"X와 Y는 같은 모양의 2차원 배열이어야 합니다: X={X.shape}, Y={Y.shape}")
    if X.shape[0] == 0:
        raise ValueError("X와 Y가 비었습니다 (사전 쌍이 0개)")
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
        raise ValueError("pairs가 비었습니다")
    bad = [p for p in pairs if not (isinstance(p, (tuple, list)) and len(p) == 2)]
    if bad:
        raise ValueError(f"pairs의 항목은 (원본 단어, 목표 단어) 두 칸이어야 합니다: {bad[0]!r}")
    if src.vector_size != tgt.vector_size:
        raise ValueError(f"두 공간의 차원이 다릅니다: src={src.vector_size}, tgt={tgt.vector_size}")
    kept = [(a, b) for a, b in pairs if a in src and b in tgt]
    missing = [(a, b) for a, b in pairs if not (a in src and b in tgt)]
    if not kept:
        raise ValueError(f"pairs의 어느 쌍도 두 어휘에 함께 있지 않습니다 (첫 쌍: {pairs[0]!r})")
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
        raise ValueError("pairs가 비었습니다")
    unknown = [p for p in pairs if p[0] not in si or p[1] not in ti]
    if unknown:
        raise ValueError(f"pairs에 어휘 밖 단어가 있습니다: {unknown[0]!r}")
    A = normalize_vectors(mapped)[[si[a] for a, _ in pairs]]
    B = normalize_vectors(tgt)
    best = (A @ B.T).argmax(axis=1)
    return float(np.mean([tgt_words[j] == b for j, (_, b) in zip(best, pairs)]))


# ---------------------------------------------------------------------------------------------------------------
# 토큰 단위 정적 벡터 (가짜 한국어 실험): 창 안 동시 출현 → PPMI → 절단 SVD
# ---------------------------------------------------------------------------------------------------------------


def token_ppmi_vectors(
    streams: Sequence[Sequence[int]],
    names: Sequence[str],
    dim: int,
    window: int = 2,
    min_count: int = 5,
    skip: Sequence[int] = (),
    alpha: float = 0.75,
) -> WordVectors:
    """토큰 id 열들에서 좌우 ``window`` 칸 안의 동시 출현으로 PPMI 를 만들고 절단 SVD 로 ``dim`` 차원 벡터를 얻는다.

    문맥 분포는 α 제곱으로 눅인다 (Levy, Goldberg, Dagan 2015):

        PPMI(w, c) = max(0, log( P(w, c) / (P(w) · P_α(c)) )),  P_α(c) = #(c)^α / Σ_c' #(c')^α

    벡터 = U_d √Σ_d (``scipy.sparse.linalg.svds``, 시작 벡터를 고정해 결정적).

    Args:
        streams: 문서마다 토큰 id 목록. 창은 문서 경계를 넘지 않는다.
        names: id → 토큰 이름 (돌려주는 ``WordVectors`` 의 키).
        dim: 벡터 차원.
        window: 좌우 창 크기 (1 이상).
        min_count: 이보다 드문 토큰은 뺀다.
        skip: 뺄 id (특수 토큰 등).
        alpha: 문맥 분포 눅이기 지수 (0 < α ≤ 1).
    """
    import scipy.sparse as sp
    from scipy.sparse.linalg import svds

    if window < 1 or dim < 1:
        raise ValueError(f"window, dim은 1 이상이어야 합니다: window={window}, dim={dim}")
    if not 0 < alpha <= 1:
        raise ValueError(f"alpha는 0 초과 1 이하여야 합니다: {alpha!r}")
    arrays = [np.asarray(s, dtype=np.int64) for s in streams if len(s)]
    if not arrays:
        raise ValueError("streams가 비었습니다")
    allids = np.concatenate(arrays)
    if allids.min() < 0 or allids.max() >= len(names):
        raise ValueError(
            f"streams에 names 범위 [0, {len(names)}) 밖의 id가 있습니다: "
            f"최소 {int(allids.min())}, 최대 {int(allids.max())}"
        )
    counts = np.bincount(allids, minlength=len(names))
    counts[list(skip)] = 0
    keep = np.flatnonzero(counts >= min_count)
    if len(keep) <= dim + 1:
        raise ValueError(
            f"min_count 이상인 토큰 {len(keep)}개가 dim+1보다 많아야 합니다 (min_count={min_count}, dim={dim})"
        )
    index = np.full(len(names), -1, dtype=np.int64)
    index[keep] = np.arange(len(keep))
    rows, cols = [], []
    for a in arrays:
        m = index[a]
        for off in range(1, window + 1):
            x, y = m[:-off], m[off:]
            ok = (x >= 0) & (y >= 0)
            rows += [x[ok], y[ok]]
            cols += [y[ok], x[ok]]
    r, c = np.concatenate(rows), np.concatenate(cols)
    n = len(keep)
    C = sp.coo_matrix((np.ones(len(r)), (r, c)), shape=(n, n)).tocsr()  # 같은 칸은 더해진다
    total = C.sum()
    pw = np.asarray(C.sum(axis=1)).ravel() / total
    cc = np.asarray(C.sum(axis=0)).ravel() ** alpha
    pc = cc / cc.sum()
    C = C.tocoo()
    pmi = np.log(C.data / total / (pw[C.row] * pc[C.col]))
    ok = pmi > 0
    P = sp.csr_matrix((pmi[ok], (C.row[ok], C.col[ok])), shape=(n, n))
    v0 = np.full(n, 1.0 / np.sqrt(n))
    U, S, _ = svds(P, k=dim, v0=v0)
    order = np.argsort(-S)
    vectors = U[:, order] * np.sqrt(S[order])
    signs = np.sign(vectors[np.abs(vectors).argmax(axis=0), np.arange(dim)])
    return WordVectors([names[i] for i in keep], (vectors * signs).astype(np.float32))


def refine_procrustes(X: np.ndarray, Y: np.ndarray, W: np.ndarray, iterations: int = 3) -> np.ndarray:
    """자기 학습(self-learning) 다듬기 (Artetxe et al. 2018): 지금의 W 로 옮긴 공간에서 서로 가장 가까운 짝
    (mutual nearest neighbours)을 새 사전으로 삼아 W 를 다시 구하기를 ``iterations`` 번 되풀이한다.

    Args:
        X: ``(n_x, d)`` 원본 공간의 모든 벡터 (정규화된 것).
        Y: ``(n_y, d)`` 목표 공간의 모든 벡터.
        W: 씨앗 사전으로 구한 처음 회전.
        iterations: 되풀이 수 (0 이면 ``W`` 그대로).
    """
    if iterations < 0:
        raise ValueError(f"iterations는 0 이상이어야 합니다: {iterations!r}")
    for _ in range(iterations):
        sim = (X @ W) @ Y.T
        fwd, bwd = sim.argmax(axis=1), sim.argmax(axis=0)
        src = np.flatnonzero(bwd[fwd] == np.arange(len(X)))  # x → y → 다시 x 인 짝
        W = procrustes(X[src], Y[fwd[src]])
    return W
