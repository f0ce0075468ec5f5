"""Word2Vec 스킵그램 + 네거티브 샘플링(SGNS)을 PyTorch 로 처음부터 구현한다.

gensim 의 ``Word2Vec(sg=1, hs=0, negative=k)`` 와 같은 알고리즘을 같은 기본값으로 따른다.

- 어휘: ``min_count`` 미만 단어는 버린다 (gensim 과 같다. 버린 단어 수는 :attr:`Vocabulary.n_dropped_types` 에 남긴다).
- 빈출 단어 솎아내기(subsampling): gensim 의 식 :math:`p_{keep}(w) = (\\sqrt{c_w / t} + 1)\\, t / c_w`,
  :math:`t = \\text{sample} \\times N`.
- 네거티브 표: 유니그램 빈도의 0.75 제곱에 비례하는 표 (Mikolov 의 C 구현과 같은 방식).
- 동적 창(dynamic window): 중심 단어마다 창 크기를 1..window 에서 고르게 뽑는다 (gensim 의 ``shrink_windows``).
- (입력, 출력) 쌍은 NumPy 로 한 덩어리씩 벡터화해 만든다 (``update="pair"`` 는 gensim 처럼 중심 단어 순서로,
  ``update="batch"`` 는 덩어리 안에서 섞어서 쓴다).
- 최적화: 학습률을 ``alpha`` 에서 ``min_alpha`` 까지 선형으로 줄이는 SGD (gensim 과 같다). 갱신 방식은 둘이다.

  * ``update="pair"`` (기본): gensim ``word2vec_inner.pyx`` 와 같은 갱신 의미. 쌍 하나마다 출력 벡터들은 곧바로
    갱신하고, 입력 벡터의 기울기는 1+K 개 출력에 걸쳐 모았다가 한 번에 더한다. 반복문을 numba 로 컴파일한다.
  * ``update="batch"``: PyTorch 미니배치 (``batch_size`` 쌍의 기울기를 같은 시점의 파라미터로 계산해 한꺼번에 더한다;
    GPU 에서도 돈다). ``grad="manual"`` 은 손으로 쓴 SGNS 기울기를 ``scatter_add_`` 로 희소하게 더하고,
    ``grad="autograd"`` 는 ``nn.Embedding(sparse=True)`` + ``torch.optim.SGD`` 로 같은 계산을 한다.

  두 방식은 ``batch_size=1`` 이면 같은 계산이다 (테스트가 확인한다). 어휘가 작으면 미니배치 안에 같은 단어가 수백 번
  나와 오래된 파라미터로 계산한 기울기가 한꺼번에 더해지므로, 유추 품질은 ``"pair"`` 가 더 좋다.

학습된 입력 임베딩은 word2vec 텍스트/이진 형식으로 저장해 gensim ``KeyedVectors.load_word2vec_format``
으로 읽을 수 있고, 다시 :func:`load_word2vec_format` 으로 불러올 수 있다.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .checks import check_number
from .hangul import nfc

__all__ = [
    "Word2VecConfig",
    "Vocabulary",
    "WordVectors",
    "Word2Vec",
    "build_vocab",
    "keep_probabilities",
    "negative_table",
    "make_pairs",
    "sgns_loss_and_grads",
    "sgns_loss_autograd",
    "sgd_pairs",
    "load_word2vec_format",
    "TokenCorpus",
    "korean_corpus",
    "relation_analogies",
    "analogy_answer",
    "count_solved",
    "neighbour_overlap",
]


@dataclass
class Word2VecConfig:
    """SGNS 학습 설정 (이름과 기본값은 gensim ``Word2Vec`` 을 따른다).

    Args:
        vector_size: 임베딩 차원 :math:`d`.
        window: 최대 창 크기 (중심 단어 양쪽으로 몇 단어까지 볼지). 1 이상.
        negative: 양성 쌍 하나에 뽑는 네거티브 단어 수 :math:`k`. 1 이상.
        min_count: 이보다 적게 나온 단어는 어휘에서 뺀다.
        sample: 빈출 단어 솎아내기 문턱값 (0 이면 솎아내지 않음).
        ns_exponent: 네거티브 분포의 지수 (유니그램^0.75).
        alpha: 시작 학습률.
        min_alpha: 마지막 학습률 (선형으로 줄인다).
        epochs: 말뭉치를 몇 번 돌지.
        batch_size: ``update="batch"`` 에서 한 번에 갱신하는 (입력, 출력) 쌍의 수.
        shrink_windows: ``True`` 면 중심 단어마다 창 크기를 1..window 에서 무작위로 줄인다.
        shuffle: ``True`` 면 덩어리 안의 쌍을 섞어 학습하고, ``False`` 면 gensim 처럼 중심 단어 순서대로 학습한다.
            ``None`` (기본) 이면 ``update="pair"`` 는 ``False`` (gensim 과 같은 순서), ``update="batch"`` 는 ``True``
            (한 문장에서 나온 닮은 쌍들이 한 미니배치에 몰리지 않게).
        seed: 난수 시드 (초기화, 솎아내기, 창, 네거티브, 섞기 모두).
        update: ``"pair"`` (쌍마다 곧바로 갱신하는 SGD, gensim 과 같은 의미, numba) 또는 ``"batch"``
            (PyTorch 미니배치 SGD).
        grad: ``update="batch"`` 의 기울기 계산. ``"manual"`` (손으로 쓴 기울기 + ``scatter_add_``) 또는
            ``"autograd"`` (희소 임베딩 + SGD).
        chunk_tokens: 쌍을 한꺼번에 만드는 토큰 덩어리 크기 (메모리와 속도의 균형).
        max_exp: 점수 :math:`|u^\\top v|` 가 이 값 이상인 항은 갱신하지 않는다 (gensim 과 같은 6). ``None`` 이면 끈다.
    """

    vector_size: int = 100
    window: int = 5
    negative: int = 5
    min_count: int = 5
    sample: float = 1e-3
    ns_exponent: float = 0.75
    alpha: float = 0.025
    min_alpha: float = 0.0001
    epochs: int = 5
    batch_size: int = 1024
    shrink_windows: bool = True
    shuffle: bool | None = None
    seed: int = 0
    update: str = "pair"
    grad: str = "manual"
    chunk_tokens: int = 200_000
    max_exp: float | None = 6.0

    def __post_init__(self) -> None:
        for name in ("vector_size", "window", "negative", "epochs", "batch_size", "chunk_tokens"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name}: 1 이상의 정수여야 합니다 (받은 값 {value!r})")
        if not isinstance(self.min_count, int) or self.min_count < 1:
            raise ValueError(f"min_count는 1 이상의 정수여야 합니다: {self.min_count!r}")
        check_number(self.sample, "sample", low=0)
        # ns_exponent 는 음수도 뜻이 있다 (드문 단어를 더 자주 뽑는다). NaN·inf 만 거부한다.
        check_number(self.ns_exponent, "ns_exponent")
        check_number(self.alpha, "alpha", low=0, low_open=True)
        check_number(self.min_alpha, "min_alpha", low=0)
        if self.max_exp is not None:
            # max_exp ≤ 0 이면 |s| < max_exp 인 항이 하나도 없어 아무것도 학습하지 않는다.
            check_number(self.max_exp, "max_exp", low=0, low_open=True)
        if not (self.alpha > 0 and 0 <= self.min_alpha <= self.alpha):
            raise ValueError(
                f"0 <= min_alpha <= alpha, alpha > 0이어야 합니다: alpha={self.alpha!r}, min_alpha={self.min_alpha!r}"
            )
        if self.shuffle not in (None, True, False):
            raise ValueError(f"shuffle은 None, True, False 중 하나여야 합니다: {self.shuffle!r}")
        if self.update not in ("pair", "batch"):
            raise ValueError(f"update는 'pair' 또는 'batch'여야 합니다: {self.update!r}")
        if self.grad not in ("manual", "autograd"):
            raise ValueError(f"grad는 'manual' 또는 'autograd'여야 합니다: {self.grad!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed는 0 이상의 정수여야 합니다: {self.seed!r}")


# ---------------------------------------------------------------------------------------------------------------
# 어휘, 솎아내기, 네거티브 표
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Vocabulary:
    """빈도순 어휘.

    Attributes:
        index_to_key: 단어 목록 (빈도 내림차순, 같은 빈도는 처음 나온 순서).
        counts: 단어별 빈도 (``index_to_key`` 와 같은 순서).
        n_dropped_types: ``min_count`` 에 못 미쳐 뺀 단어 종류 수.
        n_dropped_tokens: 그 단어들이 차지하던 토큰 수.
    """

    index_to_key: list[str]
    counts: np.ndarray
    n_dropped_types: int = 0
    n_dropped_tokens: int = 0

    def __post_init__(self) -> None:
        self.key_to_index = {w: i for i, w in enumerate(self.index_to_key)}

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and nfc(word) in self.key_to_index


def _prepare(sentences: Iterable[Sequence[str]]) -> tuple[list[list[str]], Counter[str]]:
    """문장 목록을 검사하고 NFC 로 정규화한 뒤 빈도를 센다. 비었거나 형식이 틀리면 오류.

    정규화는 서로 다른 토큰 종류마다 한 번만 한다 (토큰마다 하면 느리다).
    """
    if isinstance(sentences, str):
        raise TypeError("sentences는 토큰 목록들의 목록이어야 합니다 (문자열 하나가 아님)")
    sents = list(sentences)
    counts: Counter[str] = Counter()
    for i, sent in enumerate(sents):
        if isinstance(sent, str) or not isinstance(sent, Sequence):
            raise TypeError(f"sentences[{i}]는 토큰 목록이어야 합니다: {str(sent)[:20]!r}")
        counts.update(sent)
    bad = [t for t in counts if not isinstance(t, str)]
    if bad:
        raise TypeError(f"sentences에 문자열이 아닌 토큰이 있습니다: {bad[0]!r}")
    if not counts:
        raise ValueError(f"sentences가 비어 있습니다 (문장 {len(sents)}개, 토큰 0개)")
    norm = {t: nfc(t) for t in counts}
    if any(t != n for t, n in norm.items()):  # NFD 등이 섞여 있으면 토큰을 바꾸고 다시 센다
        sents = [[norm[t] for t in sent] for sent in sents]
        merged: Counter[str] = Counter()
        for t, c in counts.items():
            merged[norm[t]] += c
        counts = merged
    return [list(s) for s in sents], counts


def build_vocab(sentences: Iterable[Sequence[str]], min_count: int = 5) -> Vocabulary:
    """토큰 문장들에서 빈도순 어휘를 만든다.

    Args:
        sentences: 토큰 목록들의 목록.
        min_count: 이 빈도 미만 단어는 뺀다.
    """
    return _vocab_from_counts(_prepare(sentences)[1], min_count)


def _vocab_from_counts(counts: Counter[str], min_count: int) -> Vocabulary:
    if not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"min_count는 1 이상의 정수여야 합니다: {min_count!r}")
    # Counter 는 처음 나온 순서를 지키므로, 안정 정렬이면 같은 빈도는 처음 나온 순서가 된다.
    kept = sorted(((w, c) for w, c in counts.items() if c >= min_count), key=lambda wc: -wc[1])
    if not kept:
        raise ValueError(
            f"min_count={min_count} 이상 나온 단어가 없습니다 (가장 많이 나온 빈도: {max(counts.values())})"
        )
    dropped = [c for c in counts.values() if c < min_count]
    return Vocabulary(
        index_to_key=[w for w, _ in kept],
        counts=np.array([c for _, c in kept], dtype=np.int64),
        n_dropped_types=len(dropped),
        n_dropped_tokens=int(sum(dropped)),
    )


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """빈출 단어 솎아내기에서 각 단어를 남길 확률 (gensim 의 식).

    Args:
        counts: 단어별 빈도.
        sample: 문턱값 비율 (0 이면 모두 남긴다).
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones_like(counts)
    total = counts.sum()
    threshold = (
        sample * total if sample < 1.0 else sample
    )  # t = sample * N  (gensim: sample>=1 이면 개수로 해석)
    p = (np.sqrt(counts / threshold) + 1.0) * (threshold / counts)  # p = (sqrt(c/t) + 1) * t/c
    return np.minimum(p, 1.0)


def negative_table(counts: np.ndarray, exponent: float = 0.75) -> np.ndarray:
    """네거티브 샘플링 누적 분포표 (gensim 의 ``cum_table`` 과 같은 생각).

    단어 w 를 :math:`P_n(w) = c_w^{0.75} / \\sum_v c_v^{0.75}` 로 뽑는다. 균등 난수 :math:`r \\in [0,1)` 가
    누적 분포의 몇 번째 구간에 드는지(``searchsorted``)가 곧 뽑힌 단어다. 길이 1억짜리 표를 만드는
    Mikolov 의 C 구현과 같은 분포를, 어휘 크기만 한 표로 정확히 얻는다.

    Args:
        counts: 단어별 빈도.
        exponent: 빈도의 지수.
    """
    w = np.asarray(counts, dtype=np.float64) ** exponent  # c_w^0.75
    cum = np.cumsum(w)
    return cum / cum[-1]  # 누적 분포, 마지막 값 = 1


def make_pairs(
    ids: np.ndarray,
    sent_ids: np.ndarray,
    window: int,
    rng: np.random.Generator,
    shrink_windows: bool = True,
    by_center: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """스킵그램 (입력, 출력) 쌍을 반복문 없이 만든다 (창 거리 d 마다 배열 연산 한 번).

    gensim 처럼 중심 위치 i 마다 창 크기 :math:`b_i \\in \\{1..window\\}` 를 뽑고, 같은 문장 안에서
    :math:`0 < |i-j| \\le b_i` 인 j 마다 (입력=문맥 단어 j, 출력=중심 단어 i) 쌍을 만든다.

    Args:
        ids: 토큰 번호 배열 (솎아낸 뒤).
        sent_ids: 각 토큰이 속한 문장 번호 (같은 길이). 창은 문장 경계를 넘지 않는다.
        window: 최대 창 크기.
        rng: NumPy 난수 생성기.
        shrink_windows: ``False`` 면 모든 중심에서 창 크기 = window.
        by_center: ``True`` 면 쌍을 중심 위치 순서로 늘어놓는다 (gensim 이 문장을 훑는 순서). ``False`` 면 창 거리 순서.
    """
    n = len(ids)
    if shrink_windows:
        b = rng.integers(1, window + 1, size=n)  # b_i ~ U{1..window}
    else:
        b = np.full(n, window)
    inputs, outputs, centers = [], [], []
    pos = np.arange(n)
    for d in range(1, min(window, n - 1) + 1):
        same = sent_ids[:-d] == sent_ids[d:]
        # 중심 i, 문맥 i+d (오른쪽): d <= b_i
        m = same & (b[:-d] >= d)
        outputs.append(ids[:-d][m])
        inputs.append(ids[d:][m])
        centers.append(pos[:-d][m])
        # 중심 i+d, 문맥 i (왼쪽): d <= b_{i+d}
        m = same & (b[d:] >= d)
        outputs.append(ids[d:][m])
        inputs.append(ids[:-d][m])
        centers.append(pos[d:][m])
    if not inputs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    inp, out = np.concatenate(inputs).astype(np.int64), np.concatenate(outputs).astype(np.int64)
    if by_center:
        order = np.argsort(np.concatenate(centers), kind="stable")
        inp, out = inp[order], out[order]
    return inp, out


# ---------------------------------------------------------------------------------------------------------------
# SGNS 손실과 기울기 (가르치는 버전: 식을 그대로 옮김)
# ---------------------------------------------------------------------------------------------------------------


def sgns_loss_and_grads(
    v: torch.Tensor, u: torch.Tensor, mask: torch.Tensor | None = None, max_exp: float | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """SGNS 손실과 그 기울기를 손으로 계산한다 (자동 미분 없이).

    쌍 하나의 손실은 :math:`L = -\\log\\sigma(u_0^\\top v) - \\sum_{k=1}^{K} \\log\\sigma(-u_k^\\top v)`
    (:math:`u_0` 는 실제 문맥 단어, :math:`u_1..u_K` 는 네거티브). 점수 :math:`s_j = u_j^\\top v`,
    정답 :math:`y = (1, 0, \\dots, 0)` 로 쓰면 :math:`\\partial L/\\partial s_j = \\sigma(s_j) - y_j` 이고
    (:math:`\\sigma'(x) = \\sigma(x)(1-\\sigma(x))` 에서), 연쇄 법칙으로
    :math:`\\partial L/\\partial v = \\sum_j (\\sigma(s_j) - y_j)\\, u_j`,
    :math:`\\partial L/\\partial u_j = (\\sigma(s_j) - y_j)\\, v`.

    Args:
        v: 입력 단어 벡터 ``(B, d)``.
        u: 출력 벡터 ``(B, 1+K, d)``. 0번 열이 양성(실제 문맥), 1..K 열이 네거티브.
        mask: 네거티브 가중치 ``(B, K)`` (0 이면 그 네거티브는 무시; gensim 은 양성과 같은 단어가 뽑히면 건너뛴다).
        max_exp: 주어지면 :math:`|s_j| \\ge` ``max_exp`` 인 항은 손실과 기울기에서 뺀다. gensim(과 원래 C 구현)은 시그모이드
            표의 범위(±6) 밖 점수에서 갱신을 건너뛴다: 이미 포화된 쌍은 더 밀지 않는 효과가 있다.

    Returns:
        ``(loss, grad_v, grad_u)``: 손실은 배치 합, 기울기는 ``v``, ``u`` 와 같은 모양.
    """
    s = (u * v.unsqueeze(1)).sum(-1)  # s_j = u_j·v                             (B, 1+K)
    y = torch.zeros_like(s)
    y[:, 0] = 1.0  # 정답: 0번 열만 1
    w = torch.ones_like(s)
    if mask is not None:
        w[:, 1:] = mask
    if max_exp is not None:
        w = w * (s.abs() < max_exp)  # |s| ≥ max_exp 인 항은 건너뛴다 (gensim)
    # -log σ(s_0) = softplus(-s_0),  -log σ(-s_k) = softplus(s_k)   (수치적으로 안정)
    loss = (torch.nn.functional.softplus(torch.where(y > 0, -s, s)) * w).sum()
    g = (torch.sigmoid(s) - y) * w  # ∂L/∂s_j = σ(s_j) - y_j                    (B, 1+K)
    grad_v = torch.bmm(g.unsqueeze(1), u).squeeze(1)  # ∂L/∂v = Σ_j g_j u_j      (B, d)
    grad_u = g.unsqueeze(2) * v.unsqueeze(1)  # ∂L/∂u_j = g_j v                  (B, 1+K, d)
    return loss, grad_v, grad_u


def sgns_loss_autograd(
    v: torch.Tensor, u: torch.Tensor, mask: torch.Tensor | None = None, max_exp: float | None = None
) -> torch.Tensor:
    """같은 SGNS 손실을 자동 미분용으로 (기울기 검산과 ``grad="autograd"`` 학습에 쓴다).

    Args:
        v: 입력 단어 벡터 ``(B, d)``.
        u: 출력 벡터 ``(B, 1+K, d)`` (0번 열이 양성).
        mask: 네거티브 가중치 ``(B, K)`` 또는 ``None``.
        max_exp: :func:`sgns_loss_and_grads` 와 같다.
    """
    s = torch.einsum("bjd,bd->bj", u, v)
    pos = torch.nn.functional.logsigmoid(s[:, 0])  # log σ(s_0)
    neg = torch.nn.functional.logsigmoid(-s[:, 1:])  # log σ(-s_k)
    if mask is not None:
        neg = neg * mask
    if max_exp is not None:
        keep = (s.abs() < max_exp).to(s.dtype).detach()  # 포화된 항은 뺀다 (gensim)
        pos, neg = pos * keep[:, 0], neg * keep[:, 1:]
    return -(pos.sum() + neg.sum())


# ---------------------------------------------------------------------------------------------------------------
# 쌍마다 갱신하는 SGD (gensim word2vec_inner.pyx 의 w2v_fast_sentence_sg_neg 와 같은 갱신 의미)
# ---------------------------------------------------------------------------------------------------------------


def _pair_sgd_loop(
    w_in: np.ndarray,
    w_out: np.ndarray,
    inp: np.ndarray,
    out: np.ndarray,
    neg: np.ndarray,
    lr: np.ndarray,
    max_exp: float,
) -> float:
    """쌍 하나씩 차례로 SGD 갱신을 한다 (numba 로 컴파일해 쓴다; 인자는 :func:`sgd_pairs` 참고)."""
    n_neg = neg.shape[1]
    dim = w_in.shape[1]
    work = np.zeros(dim, dtype=np.float32)  # 입력 벡터의 기울기를 모으는 곳 (gensim 의 work = neu1e)
    loss = 0.0
    for p in range(inp.shape[0]):
        a = inp[p]
        work[:] = 0.0
        for k in range(n_neg + 1):
            if k == 0:
                t, y = out[p], 1.0  # 0번: 양성 (실제 중심 단어), y = 1
            else:
                t, y = neg[p, k - 1], 0.0  # 1..K: 네거티브, y = 0
                if t == out[p]:
                    continue  # 양성과 같은 단어가 뽑히면 건너뛴다 (gensim)
            s = 0.0
            for x in range(dim):
                s += w_in[a, x] * w_out[t, x]  # s = u_t·v_a
            if s <= -max_exp or s >= max_exp:
                continue  # 포화된 항은 건너뛴다 (gensim 의 MAX_EXP)
            z = -s if y > 0 else s  # 항의 손실 = softplus(z): -log σ(s) 또는 -log σ(-s)
            loss += max(z, 0.0) + np.log1p(np.exp(-abs(z)))
            g = lr[p] * (y - 1.0 / (1.0 + np.exp(-s)))  # g = -lr·∂L/∂s = lr·(y - σ(s))
            for x in range(dim):
                work[x] += g * w_out[t, x]  # -lr·∂L/∂v 를 모은다 (갱신 전의 u_t 로)
                w_out[t, x] += g * w_in[a, x]  # u_t ← u_t - lr·∂L/∂u_t = u_t + g·v_a  (곧바로)
        for x in range(dim):
            w_in[a, x] += work[x]  # v_a ← v_a - lr·Σ_t ∂L/∂v  (1+K 개 출력을 다 본 뒤 한 번에)
    return loss


_PAIR_SGD_JIT = None


def _compile_pair_sgd():
    """:func:`_pair_sgd_loop` 을 numba 로 컴파일한다. 컴파일 결과는 ``cache_dir()/numba`` 에만 캐시한다 (저장소 밖).

    numba 는 기본으로 소스 옆 ``__pycache__`` 에 캐시하므로, 이 함수를 만들 때만 ``numba.config.CACHE_DIR`` 를
    잠시 바꿨다가 되돌린다 (캐시 위치는 함수를 만들 때 정해진다).
    """
    import numba
    from numba.core import config as numba_config

    from .paths import cache_dir

    previous = numba_config.CACHE_DIR
    numba_config.CACHE_DIR = str(cache_dir() / "numba")
    try:
        return numba.njit(nogil=True, cache=True, fastmath={"reassoc", "contract"})(_pair_sgd_loop)
    finally:
        numba_config.CACHE_DIR = previous


def sgd_pairs(
    w_in: np.ndarray,
    w_out: np.ndarray,
    inp: np.ndarray,
    out: np.ndarray,
    neg: np.ndarray,
    lr: np.ndarray,
    max_exp: float | None = 6.0,
) -> float:
    """(입력, 출력) 쌍을 차례로 하나씩 SGD 갱신한다 (``w_in``, ``w_out`` 을 제자리에서 바꾼다).

    쌍 :math:`(a, o)` 와 네거티브 :math:`n_1..n_K` 마다 :func:`sgns_loss_and_grads` 와 같은 기울기로
    :math:`u_t \\leftarrow u_t - \\eta\\,\\partial L/\\partial u_t` 를 출력마다 곧바로 하고, 입력 벡터는
    :math:`v_a \\leftarrow v_a - \\eta \\sum_t \\partial L/\\partial v_a` 를 마지막에 한 번 한다 (gensim 과 같은 순서).
    처음 부를 때 numba 로 컴파일한다 (1–2 초).

    Args:
        w_in: 입력 임베딩 ``(V, d)`` float32 (C 연속).
        w_out: 출력 임베딩 ``(V, d)`` float32 (C 연속).
        inp: 입력 단어 번호 ``(P,)``.
        out: 출력(양성) 단어 번호 ``(P,)``.
        neg: 네거티브 단어 번호 ``(P, K)``.
        lr: 쌍마다의 학습률 ``(P,)``.
        max_exp: :func:`sgns_loss_and_grads` 와 같다 (``None`` 이면 끈다).

    Returns:
        처리한 쌍들의 손실 합 (각 쌍을 갱신하기 직전의 값).
    """
    global _PAIR_SGD_JIT
    for name, arr in (("w_in", w_in), ("w_out", w_out)):
        if not (isinstance(arr, np.ndarray) and arr.dtype == np.float32 and arr.flags.c_contiguous):
            raise TypeError(
                f"{name}: C 연속 float32 NumPy 배열이어야 합니다 (받은 타입 {type(arr).__name__})"
            )
    n = len(inp)
    if w_in.shape != w_out.shape or w_in.ndim != 2:
        raise ValueError(f"w_in과 w_out은 같은 (V, d) 모양이어야 합니다: {w_in.shape} ≠ {w_out.shape}")
    if len(out) != n or len(lr) != n or neg.ndim != 2 or len(neg) != n:
        raise ValueError(
            f"inp {np.shape(inp)}, out {np.shape(out)}, neg {np.shape(neg)}, lr {np.shape(lr)}의 쌍 수가 맞지 않습니다"
        )
    if n == 0:
        return 0.0
    for name, arr in (("inp", inp), ("out", out), ("neg", neg)):
        if arr.min() < 0 or arr.max() >= len(w_in):
            raise ValueError(f"{name}에 어휘 범위 [0, {len(w_in)}) 밖의 번호가 있습니다: {int(arr.max())}")
    if _PAIR_SGD_JIT is None:
        _PAIR_SGD_JIT = _compile_pair_sgd()
    return float(
        _PAIR_SGD_JIT(
            w_in,
            w_out,
            np.ascontiguousarray(inp, dtype=np.int64),
            np.ascontiguousarray(out, dtype=np.int64),
            np.ascontiguousarray(neg, dtype=np.int64),
            np.ascontiguousarray(lr, dtype=np.float32),
            float("inf") if max_exp is None else float(max_exp),
        )
    )


# ---------------------------------------------------------------------------------------------------------------
# 단어 벡터 (질의와 저장)
# ---------------------------------------------------------------------------------------------------------------


class WordVectors:
    """단어 → 벡터 표. gensim ``KeyedVectors`` 의 작은 부분집합 (이웃, 유사도, 유추, 저장).

    Args:
        index_to_key: 단어 목록.
        vectors: ``(len(index_to_key), d)`` float32 배열.
    """

    def __init__(self, index_to_key: Sequence[str], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(index_to_key):
            raise ValueError(
                f"vectors 모양이 단어 수와 맞지 않습니다: 모양 {vectors.shape}, 단어 {len(index_to_key)}개 (기대: (V, d))"
            )
        bad = np.flatnonzero(~np.isfinite(vectors).all(axis=1))
        if bad.size:
            raise ValueError(
                f"vectors에 NaN이나 inf가 있는 행이 {bad.size}개 있습니다 (처음: {int(bad[0])}번 "
                f"{index_to_key[int(bad[0])]!r}): 유사도를 계산할 수 없습니다"
            )
        self.index_to_key = [nfc(w) for w in index_to_key]
        if len(set(self.index_to_key)) != len(self.index_to_key):
            raise ValueError("index_to_key에 중복된 단어가 있습니다")
        self.key_to_index = {w: i for i, w in enumerate(self.index_to_key)}
        self.vectors = vectors
        self._norm: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and nfc(word) in self.key_to_index

    @property
    def vector_size(self) -> int:
        return int(self.vectors.shape[1])

    def index(self, word: str) -> int:
        """단어의 번호. 어휘에 없으면 단어를 밝힌 ``KeyError``."""
        if not isinstance(word, str):
            raise TypeError(f"word는 str이어야 합니다: {word!r}")
        w = nfc(word)
        if w not in self.key_to_index:
            raise KeyError(f"어휘에 없는 단어입니다: {w!r} (어휘 크기 {len(self)})")
        return self.key_to_index[w]

    def __getitem__(self, word: str) -> np.ndarray:
        return self.vectors[self.index(word)]

    def unit_vectors(self) -> np.ndarray:
        """길이 1 로 맞춘 벡터들 (코사인 유사도용). 영벡터는 그대로 0."""
        if self._norm is None:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            self._norm = self.vectors / np.maximum(norms, 1e-12)
        return self._norm

    def similarity(self, w1: str, w2: str) -> float:
        """두 단어의 코사인 유사도 :math:`\\cos(a,b) = a\\cdot b / (\\|a\\|\\|b\\|)`."""
        n = self.unit_vectors()
        return float(n[self.index(w1)] @ n[self.index(w2)])

    def _rank(self, query: np.ndarray, exclude: Sequence[int], topn: int) -> list[tuple[str, float]]:
        if not isinstance(topn, int) or topn < 1:
            raise ValueError(f"topn은 1 이상의 정수여야 합니다: {topn!r}")
        q = query / max(float(np.linalg.norm(query)), 1e-12)
        sims = self.unit_vectors() @ q  # 모든 단어와의 코사인
        sims[list(exclude)] = -np.inf
        order = np.argsort(-sims, kind="stable")[: min(topn, len(self) - len(set(exclude)))]
        return [(self.index_to_key[i], float(sims[i])) for i in order]

    def most_similar(self, word: str, topn: int = 10) -> list[tuple[str, float]]:
        """코사인 유사도가 가장 큰 이웃 ``topn`` 개 (자기 자신 제외).

        Args:
            word: 질의 단어 (없으면 ``KeyError``).
            topn: 돌려줄 이웃 수.
        """
        i = self.index(word)
        return self._rank(self.unit_vectors()[i], [i], topn)

    def analogy(self, a: str, b: str, c: str, topn: int = 1) -> list[tuple[str, float]]:
        """유추 a:b = c:? 를 3CosAdd 로 푼다: :math:`\\arg\\max_x \\cos(x, \\hat b - \\hat a + \\hat c)`.

        gensim ``most_similar(positive=[b, c], negative=[a])`` 와 같은 식이며, a, b, c 는 답에서 뺀다.

        Args:
            a, b, c: 유추의 세 단어 (하나라도 없으면 ``KeyError``).
            topn: 후보 수.
        """
        ia, ib, ic = self.index(a), self.index(b), self.index(c)
        n = self.unit_vectors()
        return self._rank(n[ib] - n[ia] + n[ic], [ia, ib, ic], topn)

    def doesnt_match(self, words: Sequence[str]) -> str:
        """가장 어울리지 않는 단어 (평균 방향과 코사인이 가장 작은 단어) — 이상치 찾기.

        Args:
            words: 단어 2개 이상.
        """
        if len(words) < 2:
            raise ValueError(f"words는 2개 이상이어야 합니다: {list(words)!r}")
        n = self.unit_vectors()[[self.index(w) for w in words]]
        mean = n.mean(0)
        return nfc(words[int(np.argmin(n @ mean))])

    def save_word2vec_format(self, path: str | Path, binary: bool = False) -> None:
        """word2vec 형식으로 저장한다 (gensim ``KeyedVectors.load_word2vec_format`` 으로 읽힌다).

        첫 줄 ``"V d"``, 이어서 단어마다 ``단어 값1 값2 ...`` (텍스트) 또는 ``단어 `` + float32 리틀엔디언 바이트 (이진).
        텍스트는 float32 를 정확히 되살리는 9자리 유효숫자로 쓴다.

        Args:
            path: 저장할 파일.
            binary: ``True`` 면 이진 형식.
        """
        for w in self.index_to_key:
            if not w or any(ch.isspace() for ch in w):
                raise ValueError(f"word2vec 형식에는 공백이 든 단어를 쓸 수 없습니다: {w!r}")
        path = Path(path)
        header = f"{len(self)} {self.vector_size}\n".encode()
        with path.open("wb") as f:
            f.write(header)
            if binary:
                for w, row in zip(self.index_to_key, self.vectors):
                    f.write(w.encode("utf-8") + b" " + row.astype("<f4").tobytes() + b"\n")
            else:
                for w, row in zip(self.index_to_key, self.vectors):
                    f.write((w + " " + " ".join(format(float(x), ".9g") for x in row) + "\n").encode("utf-8"))


def load_word2vec_format(path: str | Path, binary: bool = False) -> WordVectors:
    """word2vec 텍스트/이진 형식 파일을 읽는다 (gensim 이 저장한 파일도 읽는다).

    Args:
        path: 파일 경로.
        binary: 이진 형식이면 ``True``.
    """
    data = Path(path).read_bytes()
    nl = data.find(b"\n")
    header = data[:nl].decode("utf-8").split()
    if len(header) != 2:
        raise ValueError(f"word2vec 형식의 첫 줄은 'V d'여야 합니다: {data[:nl][:40]!r}")
    n_words, dim = int(header[0]), int(header[1])
    words: list[str] = []
    vecs = np.empty((n_words, dim), dtype=np.float32)
    pos = nl + 1
    if binary:
        nbytes = 4 * dim
        for i in range(n_words):
            sp = data.find(b" ", pos)
            if sp < 0 or sp + 1 + nbytes > len(data):
                raise ValueError(f"이진 파일이 {i}번째 단어에서 끝났습니다 (기대한 단어 수 {n_words})")
            words.append(data[pos:sp].decode("utf-8").lstrip("\n"))
            vecs[i] = np.frombuffer(data, dtype="<f4", count=dim, offset=sp + 1)
            pos = sp + 1 + nbytes
    else:
        lines = data[pos:].decode("utf-8").splitlines()
        lines = [ln for ln in lines if ln.strip()]
        if len(lines) != n_words:
            raise ValueError(f"단어 줄 수가 머리줄의 V와 다릅니다: {len(lines)} ≠ {n_words}")
        for i, ln in enumerate(lines):
            parts = ln.rstrip().split(" ")
            if len(parts) != dim + 1:
                raise ValueError(f"{i}번째 줄의 값 개수가 d와 다릅니다: {len(parts) - 1} ≠ {dim}")
            words.append(parts[0])
            vecs[i] = np.array(parts[1:], dtype=np.float32)
    return WordVectors(words, vecs)


# ---------------------------------------------------------------------------------------------------------------
# 모델과 학습
# ---------------------------------------------------------------------------------------------------------------


class SGNSModel(torch.nn.Module):
    """입력 임베딩 :math:`W_{in}` 과 출력 임베딩 :math:`W_{out}` (둘 다 희소 기울기)."""

    def __init__(self, vocab_size: int, dim: int, generator: torch.Generator) -> None:
        super().__init__()
        self.w_in = torch.nn.Embedding(vocab_size, dim, sparse=True)
        self.w_out = torch.nn.Embedding(vocab_size, dim, sparse=True)
        with torch.no_grad():
            # gensim 4 와 같은 초기화: 입력은 U(-1/d, 1/d), 출력은 0
            self.w_in.weight.uniform_(-1.0 / dim, 1.0 / dim, generator=generator)
            self.w_out.weight.zero_()


class Word2Vec:
    """SGNS Word2Vec. ``Word2Vec(sentences, config)`` 로 바로 학습하거나, ``config`` 만 주고 :meth:`train` 을 부른다.

    기본 ``update="pair"`` 는 gensim 처럼 (입력, 출력) 쌍 하나마다 곧바로 갱신하고, 쌍도 gensim 처럼 중심 단어 순서로
    훑는다. ``update="batch"`` 는 덩어리(``chunk_tokens``) 안의 쌍을 섞은 뒤 ``batch_size`` 개 쌍의 기울기를 모아
    한 번에 더한다 (배치에 같은 단어가 여러 번 나오면 기울기가 합쳐진다). 어휘가 아주 작고 배치가 크면 자주 나오는 단어의 갱신이 너무 커져
    발산할 수 있으므로, 손실이 유한하지 않으면 ``FloatingPointError`` 를 낸다.
    난수열이 gensim 과 다르므로 같은 시드라도 벡터 값은 다르다: 비교는 이웃 겹침과 유추 정답 수로 한다.

    Args:
        sentences: 토큰 목록들의 목록 (``None`` 이면 학습하지 않는다).
        config: 학습 설정. ``None`` 이면 기본값.
        progress: ``True`` 면 tqdm 진행 막대를 보인다.
    """

    def __init__(
        self,
        sentences: Iterable[Sequence[str]] | None = None,
        config: Word2VecConfig | None = None,
        progress: bool = False,
    ) -> None:
        self.config = config or Word2VecConfig()
        self.progress = progress
        self.vocab: Vocabulary | None = None
        self.model: SGNSModel | None = None
        self.losses: list[float] = []  # 에포크별 쌍 하나당 평균 손실
        self.n_pairs_trained = 0
        self.n_words_trained = 0  # 솎아낸 뒤 실제로 학습에 쓴 토큰 수 (gensim 의 effective words 와 같은 뜻)
        if sentences is not None:
            self.train(sentences)

    @property
    def wv(self) -> WordVectors:
        """학습된 입력 임베딩을 :class:`WordVectors` 로."""
        if self.model is None or self.vocab is None:
            raise RuntimeError("아직 학습하지 않았습니다: train(sentences)를 먼저 부르세요")
        return WordVectors(self.vocab.index_to_key, self.model.w_in.weight.detach().cpu().numpy().copy())

    def train(self, sentences: Iterable[Sequence[str]]) -> Word2Vec:
        """어휘를 만들고 SGNS 로 학습한다.

        Args:
            sentences: 토큰 목록들의 목록 (비어 있으면 ``ValueError``).
        """
        cfg = self.config
        sents, counts = _prepare(sentences)
        self.vocab = vocab = _vocab_from_counts(counts, cfg.min_count)
        rng = np.random.default_rng(cfg.seed)
        gen = torch.Generator().manual_seed(cfg.seed)
        self.model = model = SGNSModel(len(vocab), cfg.vector_size, gen)

        # 말뭉치 전체를 번호 배열 하나로 (어휘 밖 단어는 gensim 처럼 창을 세기 전에 뺀다)
        k2i = vocab.key_to_index
        ids_list, sent_list = [], []
        for si, s in enumerate(sents):
            row = [k2i[t] for t in s if t in k2i]
            ids_list.append(np.array(row, dtype=np.int64))
            sent_list.append(np.full(len(row), si, dtype=np.int64))
        all_ids = np.concatenate(ids_list)
        all_sent = np.concatenate(sent_list)
        n_total = len(all_ids)
        keep_p = keep_probabilities(vocab.counts, cfg.sample)
        cum_table = negative_table(vocab.counts, cfg.ns_exponent)
        last = len(vocab) - 1

        # 덩어리 경계는 문장 경계에 맞춘다 (창이 덩어리 사이를 넘지 않게)
        sent_starts = np.flatnonzero(np.r_[True, all_sent[1:] != all_sent[:-1]])
        bounds = [0]
        for st in sent_starts:
            if st - bounds[-1] >= cfg.chunk_tokens:
                bounds.append(int(st))
        bounds.append(n_total)

        opt = None
        if cfg.grad == "autograd":
            opt = torch.optim.SGD(model.parameters(), lr=cfg.alpha)
        total_work = cfg.epochs * n_total
        shuffle = (cfg.update == "batch") if cfg.shuffle is None else cfg.shuffle
        self.losses = []

        pbar = None
        if self.progress:
            from tqdm.auto import tqdm

            pbar = tqdm(total=total_work, unit="tok", desc="SGNS")
        for epoch in range(cfg.epochs):
            loss_sum, pair_count = 0.0, 0
            for c0, c1 in zip(bounds[:-1], bounds[1:]):
                ids, sid = all_ids[c0:c1], all_sent[c0:c1]
                keep = rng.random(len(ids)) < keep_p[ids]  # 솎아내기: p_keep 확률로 남긴다
                ids, sid = ids[keep], sid[keep]
                self.n_words_trained += len(ids)
                inp, out = make_pairs(ids, sid, cfg.window, rng, cfg.shrink_windows, by_center=not shuffle)
                if shuffle:
                    perm = rng.permutation(len(inp))  # 덩어리 안의 쌍을 섞는다
                    inp, out = inp[perm], out[perm]
                # 네거티브: 쌍마다 K 개를 P_n(w) 에서 (덩어리 전체를 한 번에 뽑는다)
                neg_all = np.searchsorted(cum_table, rng.random((len(inp), cfg.negative)), side="right")
                neg = np.minimum(neg_all, last).astype(np.int64)
                n_pairs = len(inp)
                # 학습률: 전체 진행률에 따라 alpha → min_alpha 선형 감소. 쌍 p 의 진행률은
                # (앞선 토큰 수 + 덩어리 토큰 수 × p / 쌍 수) / 전체 토큰 수 로 덩어리 안에서 보간한다.
                done0 = epoch * n_total + c0
                if cfg.update == "pair":
                    frac = (done0 + (c1 - c0) * np.arange(n_pairs) / max(n_pairs, 1)) / total_work
                    lr_p = cfg.alpha - (cfg.alpha - cfg.min_alpha) * frac  # η_p = α - (α - α_min)·frac
                    w_in, w_out = model.w_in.weight.data.numpy(), model.w_out.weight.data.numpy()
                    loss_sum += sgd_pairs(w_in, w_out, inp, out, neg, lr_p, cfg.max_exp)
                    pair_count += n_pairs
                else:
                    inp_t, out_t, neg_t = torch.from_numpy(inp), torch.from_numpy(out), torch.from_numpy(neg)
                    for b0 in range(0, n_pairs, cfg.batch_size):
                        b1 = min(b0 + cfg.batch_size, n_pairs)
                        frac = (done0 + (c1 - c0) * b0 / max(n_pairs, 1)) / total_work
                        lr = cfg.alpha - (cfg.alpha - cfg.min_alpha) * frac  # η = α - (α - α_min)·frac
                        loss_sum += self._step(inp_t[b0:b1], out_t[b0:b1], neg_t[b0:b1], lr, opt)
                        pair_count += b1 - b0
                self.n_pairs_trained += n_pairs
                if pbar is not None:
                    pbar.update(c1 - c0)
            self.losses.append(loss_sum / max(pair_count, 1))
            if not np.isfinite(self.losses[-1]):
                # 학습률이 너무 크거나 큰 배치에서 잦은 단어의 기울기가 한꺼번에 더해지면 발산할 수 있다: 조용히 넘기지 않는다.
                raise FloatingPointError(
                    f"에포크 {epoch + 1}에서 손실이 발산했습니다 (update={cfg.update!r}, "
                    f"batch_size={cfg.batch_size}, alpha={cfg.alpha}). batch_size나 alpha를 줄이세요"
                )
        if pbar is not None:
            pbar.close()
        return self

    def _step(
        self,
        inp: torch.Tensor,
        out: torch.Tensor,
        neg: torch.Tensor,
        lr: float,
        opt: torch.optim.Optimizer | None,
    ) -> float:
        """미니배치 하나의 SGD 갱신. 손실 합을 돌려준다."""
        model, cfg = self.model, self.config
        assert model is not None
        mask = (neg != out[:, None]).to(
            torch.float32
        )  # 양성과 같은 단어가 네거티브로 뽑히면 건너뛴다 (gensim)
        targets = torch.cat([out[:, None], neg], dim=1)  # (B, 1+K): 0번 열이 양성
        if opt is None:
            w_in, w_out = model.w_in.weight.data, model.w_out.weight.data
            flat = targets.reshape(-1)
            v = w_in.index_select(0, inp)  # (B, d)
            u = w_out.index_select(0, flat).view(len(inp), -1, w_out.shape[1])  # (B, 1+K, d)
            loss, g_v, g_u = sgns_loss_and_grads(v, u, mask, cfg.max_exp)
            # θ ← θ - lr·∂L/∂θ. 같은 단어가 배치에 여러 번 나오면 기울기가 더해진다 (희소 SGD 와 같다).
            # scatter_add_ 는 index_add_ 와 같은 계산이지만 CPU 에서 더 빠르다.
            d = w_in.shape[1]
            w_in.scatter_add_(0, inp.unsqueeze(1).expand(-1, d), g_v.mul_(-lr))
            w_out.scatter_add_(0, flat.unsqueeze(1).expand(-1, d), g_u.view(-1, d).mul_(-lr))
            return float(loss)
        for group in opt.param_groups:
            group["lr"] = lr
        opt.zero_grad(set_to_none=True)
        loss = sgns_loss_autograd(model.w_in(inp), model.w_out(targets), mask, cfg.max_exp)
        loss.backward()  # 희소 기울기: 배치에 나온 행만
        opt.step()
        return float(loss.detach())

    def config_dict(self) -> dict:
        """설정을 사전으로 (기록용)."""
        return asdict(self.config)


# ---------------------------------------------------------------------------------------------------------------
# 한국어 말뭉치 (형태소 토큰) 와 심어 둔 유추 문제
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class TokenCorpus:
    """형태소 토큰 말뭉치.

    Attributes:
        sentences: 문장마다 형태소 형태(form) 목록.
        tags: 형태 → 가장 자주 붙은 품사 태그 (같은 횟수면 사전순으로 앞선 태그).
        n_generated: 생성 문장 수.
        n_real: 실제 문장 수 (헌법 + 의안).
    """

    sentences: list[list[str]]
    tags: dict[str, str]
    n_generated: int
    n_real: int

    @property
    def n_tokens(self) -> int:
        return sum(len(s) for s in self.sentences)

    def content_words(self, vocab: Sequence[str], n: int, tags: Iterable[str] | None = None) -> list[str]:
        """``vocab`` (빈도순) 에서 내용어(명사·동사·형용사 어간 등) 를 앞에서부터 ``n`` 개.

        Args:
            vocab: 빈도순 단어 목록 (예: ``model.wv.index_to_key``).
            n: 몇 개.
            tags: 내용어로 볼 품사 태그 (기본: 명사 NNG/NNP, 동사 VV, 형용사 VA, 어근 XR, 부사 MAG).
        """
        keep = frozenset(tags or ("NNG", "NNP", "VV", "VA", "XR", "MAG"))
        out = [w for w in vocab if self.tags.get(w, "").split("-")[0] in keep and len(w) > 0]
        return out[:n]


def korean_corpus(
    n_generated: int = 20_000, seed: int = 0, real: bool = True, unit: str = "sentence"
) -> TokenCorpus:
    """임베딩 학습용 한국어 형태소 말뭉치: 절차 생성 문장 + (선택) 헌법·의안 문장.

    생성 문장은 같은 문장이 자주 되풀이되므로, 서로 다른 문장만 Kiwi 로 한 번씩 분석해 재사용한다.

    Args:
        n_generated: :func:`llmnotes.textgen.generate` 로 만들 문장 수 (0 이상).
        seed: 생성 시드.
        real: ``True`` 면 헌법 본문과 국회 의안 문장을 덧붙인다.
        unit: 생성 문장을 분석하는 단위. ``"sentence"`` (문장 전체, 정확) 또는 ``"eojeol"`` (서로 다른 어절을
            하나씩 따로 분석해 이어 붙임; 생성 문장의 어절은 수백 종류뿐이라 훨씬 빠르지만, 문맥이 없어
            '하린과' → 하/린/과 처럼 드물게 달리 분석된다). 실제 문장은 늘 문장 단위로 분석한다.
    """
    from . import corpora, morph, textgen

    if not isinstance(n_generated, int) or n_generated < 0:
        raise ValueError(f"n_generated는 0 이상의 정수여야 합니다: {n_generated!r}")
    if unit not in ("sentence", "eojeol"):
        raise ValueError(f"unit은 'sentence' 또는 'eojeol'이어야 합니다: {unit!r}")
    generated = textgen.generate(n_generated, seed=seed)
    real_sents: list[str] = []
    if real:
        docs = corpora.load_corpus("constitution") + corpora.load_bills()
        real_sents = [s for d in docs for s in corpora.split_sentences(d.text)]
    if not generated and not real_sents:
        raise ValueError("말뭉치가 비어 있습니다: n_generated=0이고 real=False")
    if unit == "eojeol":
        units = [s.split() for s in generated] + [[s] for s in real_sents]
    else:
        units = [[s] for s in generated + real_sents]
    unique = list(dict.fromkeys(u for us in units for u in us))  # 처음 나온 순서를 지키는 중복 제거
    analysed = dict(zip(unique, morph.tokenize_batch(unique)))
    tag_counts: dict[str, Counter[str]] = {}
    sentences = []
    for us in units:
        toks = [m for u in us for m in analysed[u]]
        sentences.append([m.form for m in toks])
        for m in toks:
            tag_counts.setdefault(m.form, Counter())[m.tag] += 1
    tags = {w: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for w, c in tag_counts.items()}
    return TokenCorpus(sentences=sentences, tags=tags, n_generated=n_generated, n_real=len(real_sents))


def relation_analogies(
    relations: dict[str, dict[str, str]] | None = None, max_per_relation: int | None = None
) -> list[tuple[str, str, str, str, str]]:
    """:data:`llmnotes.textgen.RELATIONS` 로 유추 문제 (a:b = c:d) 를 만든다.

    값이 형태소 하나로 분석되지 않는 쌍 (예: '쌉쌀하다' → 쌉쌀/하/다) 은 첫 형태소(어간)를 쓴다.
    관계 안의 서로 다른 두 쌍 (a, b), (c, d) 마다 문제 하나를 만들되, b == d 인 문제 (예: 사과:달다 = 포도:달다)
    는 답이 질문에 들어 있어 뺀다.

    Args:
        relations: 관계 이름 → {a: b} (기본: textgen.RELATIONS).
        max_per_relation: 관계마다 최대 문제 수 (``None`` 이면 전부).

    Returns:
        ``(관계, a, b, c, d)`` 목록.
    """
    from . import morph, textgen

    rels = relations if relations is not None else textgen.RELATIONS
    out = []
    for name, mapping in rels.items():
        pairs = [(morph.morphs(a)[0], morph.morphs(b)[0]) for a, b in mapping.items()]
        items = [
            (name, a, b, c, d)
            for (a, b) in pairs
            for (c, d) in pairs
            if (a, b) != (c, d) and b != d and a != c
        ]
        out += items[:max_per_relation] if max_per_relation is not None else items
    return out


# ---------------------------------------------------------------------------------------------------------------
# 우리 벡터와 gensim 벡터를 같은 잣대로 재기 (노트북 03, 테스트, 벤치마크가 함께 쓴다)
# ---------------------------------------------------------------------------------------------------------------


def analogy_answer(vectors: Any, a: str, b: str, c: str) -> str | None:
    """유추 a:b = c:? 의 3CosAdd 답 하나. 세 단어 중 하나라도 어휘에 없으면 ``None``.

    우리 :class:`WordVectors` 는 :meth:`WordVectors.analogy`, gensim ``KeyedVectors`` 는 같은 식인
    ``most_similar(positive=[b, c], negative=[a], topn=1)`` 로 푼다.

    Args:
        vectors: :class:`WordVectors` 또는 gensim ``KeyedVectors``.
        a, b, c: 유추의 세 단어.
    """
    if not all(x in vectors for x in (a, b, c)):
        return None
    if isinstance(vectors, WordVectors):
        return vectors.analogy(a, b, c)[0][0]
    if not hasattr(vectors, "most_similar"):
        raise TypeError(f"vectors는 WordVectors나 gensim KeyedVectors여야 합니다: {type(vectors).__name__}")
    return vectors.most_similar(positive=[b, c], negative=[a], topn=1)[0][0]


def count_solved(vectors: Any, problems: Sequence[tuple[str, str, str, str, str]]) -> int:
    """유추 문제 ``(관계, a, b, c, d)`` 가운데 답 d 를 맞힌 개수. 네 단어 중 하나라도 어휘 밖이면 틀린 것으로 센다.

    Args:
        vectors: :class:`WordVectors` 또는 gensim ``KeyedVectors``.
        problems: :func:`relation_analogies` 의 결과 같은 문제 목록.
    """
    return sum(d in vectors and analogy_answer(vectors, a, b, c) == d for _, a, b, c, d in problems)


def neighbour_overlap(a: Any, b: Any, words: Sequence[str], topn: int = 10) -> float:
    """두 벡터 집합의 top-``topn`` 이웃 겹침 평균: mean over w in words of |N_a(w) ∩ N_b(w)| / topn.

    벡터 값은 시드마다 달라도 이웃은 비슷해야 하므로, 두 구현(또는 두 시드)을 비교하는 잣대로 쓴다.

    Args:
        a, b: :class:`WordVectors` 또는 gensim ``KeyedVectors`` (둘 다 ``most_similar(word, topn=k)``).
        words: 비교할 단어들 (양쪽 어휘에 모두 있어야 한다; 없으면 ``KeyError``).
        topn: 이웃 수 k (≥ 1).
    """
    if isinstance(topn, bool) or not isinstance(topn, int) or topn < 1:
        raise ValueError(f"topn은 1 이상의 정수여야 합니다: {topn!r}")
    if len(words) == 0:
        raise ValueError(f"words가 비어 있습니다: {list(words)!r}")
    shared = [
        len({w for w, _ in a.most_similar(x, topn=topn)} & {w for w, _ in b.most_similar(x, topn=topn)})
        / topn
        for x in words
    ]
    return float(np.mean(shared))
