"""GloVe (동시 출현 행렬의 가중 최소제곱) 를 작게 구현하고, gensim Word2Vec/FastText 를 같은 토큰으로 학습하는 도우미.

GloVe (Pennington 외, 2014) 의 목적 함수:

.. math:: J = \\sum_{i,j:\\,X_{ij}>0} f(X_{ij})\\,(w_i^\\top \\tilde w_j + b_i + \\tilde b_j - \\log X_{ij})^2,
   \\qquad f(x) = \\min(1, (x/x_{max})^{\\alpha})

:math:`X_{ij}` 는 단어 j 가 단어 i 의 창 안에 나온 횟수 (거리 d 면 1/d 만큼 센다). AdaGrad 로 최적화하고,
최종 벡터는 원 논문처럼 :math:`w_i + \\tilde w_i` 를 쓴다.

FastText 는 gensim 구현을 그대로 쓴다. 어휘에 없는 단어도 글자 n-그램 벡터의 합으로 벡터를 만들어 주므로
:class:`~llmnotes.word2vec.WordVectors` 와 달리 ``KeyError`` 가 나지 않는다 (n-그램이 하나도 없을 때만 0 벡터).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch

from .checks import NON_NEGATIVE, POSITIVE, check_fields
from .word2vec import Vocabulary, Word2VecConfig, WordVectors, _prepare, _vocab_from_counts

__all__ = [
    "GloVeConfig",
    "cooccurrence_matrix",
    "glove_weight",
    "GloVe",
    "train_gensim_word2vec",
    "train_gensim_fasttext",
]


@dataclass
class GloVeConfig:
    """GloVe 설정 (기본값은 원 논문과 공개 C 구현을 따른다).

    Args:
        vector_size: 임베딩 차원.
        window: 대칭 창 크기 (양쪽으로 몇 단어).
        min_count: 이 빈도 미만 단어는 뺀다.
        x_max: 가중 함수의 문턱 :math:`x_{max}`.
        alpha: 가중 함수의 지수 :math:`\\alpha`.
        learning_rate: AdaGrad 학습률.
        epochs: 동시 출현 항목 전체를 몇 번 돌지.
        batch_size: 한 번에 갱신하는 (i, j) 항목 수.
        seed: 난수 시드.
    """

    vector_size: int = 50
    window: int = 5
    min_count: int = 5
    x_max: float = 100.0
    alpha: float = 0.75
    learning_rate: float = 0.05
    epochs: int = 25
    batch_size: int = 1024
    seed: int = 0

    def __post_init__(self) -> None:
        check_fields(
            self, x_max=POSITIVE, alpha=NON_NEGATIVE, learning_rate=POSITIVE
        )  # NaN·inf·범위 밖 값은 이름과 함께 거부
        for name in ("vector_size", "window", "min_count", "epochs", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name}: 1 이상의 정수여야 합니다 (받은 값 {value!r})")
        for name in ("x_max", "alpha", "learning_rate"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}: 양수여야 합니다 (받은 값 {getattr(self, name)!r})")


def cooccurrence_matrix(
    sentences: Sequence[Sequence[str]], vocab: Vocabulary, window: int = 5
) -> sp.csr_matrix:
    """대칭 창 안의 동시 출현을 거리로 나눠 센 희소 행렬 :math:`X` (V × V).

    거리 d 에 있는 쌍은 :math:`1/d` 를 더한다 (GloVe C 구현과 같다). 어휘 밖 단어는 창을 세기 전에 뺀다.

    Args:
        sentences: 토큰 목록들의 목록.
        vocab: 어휘.
        window: 창 크기 (1 이상).
    """
    if not isinstance(window, int) or window < 1:
        raise ValueError(f"window는 1 이상의 정수여야 합니다: {window!r}")
    k2i = vocab.key_to_index
    ids_l, sid_l = [], []
    for si, s in enumerate(sentences):
        row = [k2i[t] for t in s if t in k2i]
        ids_l.append(np.array(row, dtype=np.int64))
        sid_l.append(np.full(len(row), si, dtype=np.int64))
    ids, sid = np.concatenate(ids_l), np.concatenate(sid_l)
    rows, cols, vals = [], [], []
    for d in range(1, window + 1):
        same = sid[:-d] == sid[d:]  # 같은 문장 안에서 거리 d 인 쌍
        a, b = ids[:-d][same], ids[d:][same]
        w = np.full(len(a), 1.0 / d)  # X_ij += 1/d
        rows += [a, b]  # 대칭: (i, j) 와 (j, i) 모두
        cols += [b, a]
        vals += [w, w]
    v = len(vocab)
    if not rows or sum(len(r) for r in rows) == 0:
        return sp.csr_matrix((v, v))
    coo = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(v, v))
    return coo.tocsr()  # 같은 (i, j) 는 더해진다


def glove_weight(x: np.ndarray | torch.Tensor, x_max: float = 100.0, alpha: float = 0.75):
    """GloVe 가중 함수 :math:`f(x) = (x/x_{max})^\\alpha` (x < x_max), 그 위로는 1.

    Args:
        x: 동시 출현 값.
        x_max: 문턱.
        alpha: 지수.
    """
    if isinstance(x, torch.Tensor):
        return torch.clamp(x / x_max, max=1.0) ** alpha
    return np.minimum(np.asarray(x, dtype=np.float64) / x_max, 1.0) ** alpha


class GloVe:
    """GloVe 모델. ``GloVe(sentences, config)`` 로 바로 학습한다.

    Args:
        sentences: 토큰 목록들의 목록 (``None`` 이면 학습하지 않음).
        config: 설정.
    """

    def __init__(
        self, sentences: Iterable[Sequence[str]] | None = None, config: GloVeConfig | None = None
    ) -> None:
        self.config = config or GloVeConfig()
        self.vocab: Vocabulary | None = None
        self.losses: list[float] = []
        self._vectors: np.ndarray | None = None
        if sentences is not None:
            self.train(sentences)

    @property
    def wv(self) -> WordVectors:
        """학습된 :math:`w + \\tilde w` 벡터."""
        if self._vectors is None or self.vocab is None:
            raise RuntimeError("아직 학습하지 않았습니다: train(sentences)를 먼저 부르세요")
        return WordVectors(self.vocab.index_to_key, self._vectors)

    def train(self, sentences: Iterable[Sequence[str]]) -> GloVe:
        """동시 출현 행렬을 만들고 AdaGrad 로 가중 최소제곱을 푼다.

        Args:
            sentences: 토큰 목록들의 목록 (비어 있으면 ``ValueError``).
        """
        cfg = self.config
        sents, counts = _prepare(sentences)
        self.vocab = vocab = _vocab_from_counts(counts, cfg.min_count)
        x = cooccurrence_matrix(sents, vocab, cfg.window).tocoo()
        if x.nnz == 0:
            raise ValueError("동시 출현이 하나도 없습니다 (문장마다 어휘 안 단어가 2개 이상 필요)")
        i_all = torch.from_numpy(x.row.astype(np.int64))
        j_all = torch.from_numpy(x.col.astype(np.int64))
        x_all = torch.from_numpy(x.data.astype(np.float32))
        log_x = torch.log(x_all)  # log X_ij
        f_all = glove_weight(x_all, cfg.x_max, cfg.alpha)  # f(X_ij)

        gen = torch.Generator().manual_seed(cfg.seed)
        v, d = len(vocab), cfg.vector_size
        # GloVe C 구현의 초기화: U(-0.5/d, 0.5/d), 편향도 같은 범위
        params = [
            torch.empty(v, d).uniform_(-0.5 / d, 0.5 / d, generator=gen),  # w_i
            torch.empty(v, d).uniform_(-0.5 / d, 0.5 / d, generator=gen),  # w~_j
            torch.empty(v).uniform_(-0.5 / d, 0.5 / d, generator=gen),  # b_i
            torch.empty(v).uniform_(-0.5 / d, 0.5 / d, generator=gen),  # b~_j
        ]
        for p in params:
            p.requires_grad_(True)
        w, wc, b, bc = params
        opt = torch.optim.Adagrad(params, lr=cfg.learning_rate, initial_accumulator_value=1.0)
        self.losses = []
        n = x.nnz
        for _ in range(cfg.epochs):
            perm = torch.randperm(n, generator=gen)
            total = 0.0
            for s0 in range(0, n, cfg.batch_size):
                idx = perm[s0 : s0 + cfg.batch_size]
                i, j = i_all[idx], j_all[idx]
                diff = (w[i] * wc[j]).sum(1) + b[i] + bc[j] - log_x[idx]  # w_i·w~_j + b_i + b~_j - log X_ij
                loss = 0.5 * (f_all[idx] * diff**2).sum()  # ½ Σ f(X_ij)·diff²  (C 구현처럼 ½)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += float(loss.detach())
            self.losses.append(total / n)
        self._vectors = (w + wc).detach().numpy().copy()  # 최종 벡터: w + w~
        return self


def _gensim_sentences(sentences: Iterable[Sequence[str]]) -> list[list[str]]:
    sents, _ = _prepare(sentences)
    return sents


def train_gensim_word2vec(
    sentences: Iterable[Sequence[str]], config: Word2VecConfig | None = None, workers: int = 1
):
    """같은 설정으로 gensim ``Word2Vec`` (스킵그램 + 네거티브 샘플링) 을 학습한다.

    Args:
        sentences: 토큰 목록들의 목록 (NFC 로 정규화한다).
        config: :class:`~llmnotes.word2vec.Word2VecConfig` (배치 크기 등 gensim 에 없는 항목은 쓰지 않는다).
        workers: gensim 작업 스레드 수. 1 이면 같은 시드에서 결과가 늘 같다 (``PYTHONHASHSEED`` 고정 필요).
    """
    from gensim.models import Word2Vec as GensimWord2Vec

    cfg = config or Word2VecConfig()
    return GensimWord2Vec(
        _gensim_sentences(sentences),
        vector_size=cfg.vector_size,
        window=cfg.window,
        min_count=cfg.min_count,
        sample=cfg.sample,
        negative=cfg.negative,
        ns_exponent=cfg.ns_exponent,
        alpha=cfg.alpha,
        min_alpha=cfg.min_alpha,
        epochs=cfg.epochs,
        shrink_windows=cfg.shrink_windows,
        seed=cfg.seed,
        sg=1,
        hs=0,
        workers=workers,
    )


def train_gensim_fasttext(
    sentences: Iterable[Sequence[str]],
    vector_size: int = 100,
    window: int = 5,
    min_count: int = 5,
    min_n: int = 1,
    max_n: int = 4,
    epochs: int = 5,
    seed: int = 0,
    workers: int = 1,
):
    """gensim ``FastText`` (스킵그램) 을 학습한다. 한국어 단어는 짧으므로 글자 n-그램 길이를 1..4 로 둔다.

    단어 w 의 벡터는 :math:`v_w = \\frac{1}{|G_w|+1}(z_w + \\sum_{g \\in G_w} z_g)` (어휘 안 단어) 이고, 어휘에 없는 단어는
    n-그램 벡터 :math:`z_g` 의 평균만으로 만든다. 그래서 처음 보는 조사·어미 조합도 벡터를 얻는다.

    Args:
        sentences: 토큰 목록들의 목록 (예: 어절 단위).
        vector_size: 차원.
        window: 창 크기.
        min_count: 최소 빈도.
        min_n: 가장 짧은 글자 n-그램 (단어 경계 ``<``, ``>`` 포함해 센다).
        max_n: 가장 긴 글자 n-그램.
        epochs: 에포크 수.
        seed: 시드.
        workers: 작업 스레드 수 (1 이면 결정적).
    """
    from gensim.models import FastText

    if not (isinstance(min_n, int) and isinstance(max_n, int) and 1 <= min_n <= max_n):
        raise ValueError(f"1 <= min_n <= max_n이어야 합니다: min_n={min_n!r}, max_n={max_n!r}")
    if not isinstance(window, int) or window < 1:
        raise ValueError(f"window는 1 이상의 정수여야 합니다: {window!r}")
    return FastText(
        _gensim_sentences(sentences),
        vector_size=vector_size,
        window=window,
        min_count=min_count,
        min_n=min_n,
        max_n=max_n,
        epochs=epochs,
        seed=seed,
        sg=1,
        workers=workers,
    )
