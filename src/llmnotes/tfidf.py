"""BoW(단어 주머니) 문서-단어 행렬(DTM)과 TF-IDF. 입력은 이미 토큰화된 문서(토큰 str 의 리스트)다.

scikit-learn ``TfidfVectorizer(analyzer=lambda doc: doc, ...)`` 와 같은 값을 낸다 (``tests/test_tfidf.py`` 가
여러 옵션 조합에서 오차 1e-12 로 비교한다). 식은 다음과 같다 (n = 문서 수, df(t) = t 가 나온 문서 수).

- ``smooth_idf=True``:  :math:`\\mathrm{idf}(t) = \\ln\\frac{1+n}{1+\\mathrm{df}(t)} + 1`
- ``smooth_idf=False``: :math:`\\mathrm{idf}(t) = \\ln\\frac{n}{\\mathrm{df}(t)} + 1`
- ``sublinear_tf=True`` 면 tf 대신 :math:`1 + \\ln \\mathrm{tf}`
- 마지막에 행(문서)마다 L2 또는 L1 정규화 (``norm=None`` 이면 안 함).

어휘는 sklearn 처럼 토큰 문자열의 정렬 순서(유니코드 코드 포인트 순)로 번호를 매긴다.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp

from .hangul import nfc

__all__ = ["TfidfConfig", "TfidfVectorizer", "count_matrix", "check_documents"]


def check_documents(documents: object, name: str = "documents", allow_empty: bool = False) -> list:
    """토큰화된 문서 목록을 검사한다: 리스트(또는 튜플)의 리스트여야 하고 문서 자체가 str 이면 안 된다.

    Args:
        documents: 문서 목록.
        name: 오류 메시지에 쓸 인자 이름.
        allow_empty: ``False`` 면 문서가 하나도 없을 때 ``ValueError``.
    """
    if isinstance(documents, (str, bytes)) or not isinstance(documents, Sequence):
        raise TypeError(f"{name}: 토큰 리스트들의 리스트여야 합니다 (받은 타입 {type(documents).__name__})")
    docs = list(documents)
    if not docs and not allow_empty:
        raise ValueError(f"{name}: 비어 있습니다 (문서가 하나 이상 필요합니다)")
    for i, d in enumerate(docs):
        if isinstance(d, (str, bytes)) or not isinstance(d, (list, tuple)):
            raise TypeError(
                f"{name}[{i}]는 토큰(str)의 리스트여야 합니다 (문자열이면 먼저 토큰화하세요): {type(d).__name__}"
            )
    return docs


def _check_token_types(tokens: Sequence[object], name: str) -> None:
    bad = [t for t in tokens if not isinstance(t, str)]
    if bad:
        raise TypeError(f"{name}의 토큰은 str이어야 합니다: {bad[0]!r} ({type(bad[0]).__name__})")


def count_matrix(
    documents: Sequence[Sequence[str]],
    vocabulary: dict[str, int] | None = None,
    name: str = "documents",
    first_seen: list[int] | None = None,
) -> tuple[sp.csr_matrix, dict[str, int]]:
    """문서-단어 개수 행렬(DTM)을 만든다.

    토큰을 먼저 원래 문자열 그대로 번호로 바꾸고, NFC 정규화와 자료형 검사는 서로 다른 토큰(어휘)에만 한 번씩 한다.
    NFC 로 바꾸면 같아지는 토큰(NFD '한' 과 NFC '한')은 한 열로 합친다.

    Args:
        documents: 토큰화된 문서 목록.
        vocabulary: ``None`` 이면 어휘를 새로 만들고 정렬 순서로 번호를 매긴다. 주면 그 어휘에 없는 토큰은 세지 않는다.
        name: 오류 메시지에 쓸 인자 이름.
        first_seen: 리스트를 주면, 어휘 번호들을 말뭉치에 처음 나온 순서대로 채워 준다 (rank-bm25 의 사전 순서).

    Returns:
        (CSR 개수 행렬 [문서 수 × 어휘 수], 어휘 {토큰: 열 번호}).
    """
    docs = check_documents(documents, name, allow_empty=vocabulary is not None)
    flat_tokens = list(itertools.chain.from_iterable(docs))
    try:
        # 서로 다른 토큰 → 임시 번호 (처음 나온 순서). dict.fromkeys 는 C 안에서 중복을 없앤다.
        raw_ids = {t: i for i, t in enumerate(dict.fromkeys(flat_tokens))}
    except TypeError as e:  # 리스트처럼 해시가 안 되는 토큰
        raise TypeError(f"{name}의 토큰은 str이어야 합니다: {e}") from None
    raw_tokens = list(raw_ids)
    _check_token_types(raw_tokens, name)
    flat = np.fromiter(map(raw_ids.__getitem__, flat_tokens), dtype=np.int64, count=len(flat_tokens))
    normed = [nfc(t) for t in raw_tokens]
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    if vocabulary is None:
        types = sorted(set(normed))
        vocab = {t: i for i, t in enumerate(types)}
        remap = np.fromiter((vocab[t] for t in normed), dtype=np.int64, count=len(normed))
    else:
        vocab = vocabulary
        remap = np.fromiter((vocab.get(t, -1) for t in normed), dtype=np.int64, count=len(normed))
    cols = remap[flat] if flat.size else flat
    if first_seen is not None:
        first_seen.extend(dict.fromkeys(int(j) for j in remap if j >= 0))
    if vocabulary is not None and np.any(cols < 0):
        keep = cols >= 0  # 어휘에 없는 토큰은 세지 않는다 (sklearn transform 과 같음)
        rows = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)[keep]
        lengths = np.bincount(rows, minlength=len(docs))
        cols = cols[keep]
    indptr = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    # 토큰이 이미 문서 순서로 놓여 있으므로 CSR 을 바로 만든다. 같은 (문서, 토큰) 칸의 1 들을 더하면 개수가 된다.
    mat = sp.csr_matrix((np.ones(cols.size, dtype=np.int64), cols, indptr), shape=(len(docs), len(vocab)))
    mat.sum_duplicates()
    return mat, vocab


@dataclass(frozen=True)
class TfidfConfig:
    """TF-IDF 설정 (scikit-learn 과 같은 이름과 뜻).

    Args:
        norm: 'l2', 'l1' 또는 ``None``.
        use_idf: ``False`` 면 idf 를 곱하지 않는다 (tf 와 정규화만).
        smooth_idf: 문서 수와 df 에 1 을 더해 0 으로 나누기를 막는다.
        sublinear_tf: tf 대신 1 + ln(tf).
        min_df, max_df: 정수면 문서 수, 실수(0~1)면 비율. 이 범위를 벗어난 df 의 토큰은 어휘에서 뺀다.
    """

    norm: str | None = "l2"
    use_idf: bool = True
    smooth_idf: bool = True
    sublinear_tf: bool = False
    min_df: int | float = 1
    max_df: int | float = 1.0

    def __post_init__(self) -> None:
        if self.norm not in ("l2", "l1", None):
            raise ValueError(f"norm은 'l2', 'l1', None 중 하나여야 합니다: {self.norm!r}")
        for name in ("use_idf", "smooth_idf", "sublinear_tf"):
            v = getattr(self, name)
            if not isinstance(v, bool):  # "no" 같은 문자열은 참으로 읽혀 조용히 뜻이 뒤집힌다
                raise TypeError(f"{name}: True 또는 False여야 합니다 (받은 값 {v!r})")
        for name in ("min_df", "max_df"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, Real):
                raise TypeError(f"{name}: 정수 또는 실수여야 합니다 (받은 값 {v!r})")
            if isinstance(v, Integral):
                # scikit-learn 과 같게 정수 0 은 거부한다 (정수는 문서 수이고, 0 개 문서에 나오는 토큰은 어휘에 없다).
                # 비율로 '제한 없음' 을 뜻하려면 실수 0.0 을 쓴다.
                if v < 1:
                    raise ValueError(
                        f"{name}: 정수면 1 이상이어야 합니다 (받은 값 {v!r}; scikit-learn과 같음)"
                    )
            elif not 0.0 <= v <= 1.0:
                raise ValueError(f"{name}: 실수면 0 이상 1 이하여야 합니다 (받은 값 {v!r})")


class TfidfVectorizer:
    """토큰화된 문서용 TF-IDF 벡터라이저 (scikit-learn ``TfidfVectorizer`` 와 같은 결과).

    Args:
        config: :class:`TfidfConfig`. ``None`` 이면 기본값 (sklearn 기본값과 같음).
    """

    def __init__(self, config: TfidfConfig | None = None) -> None:
        self.config = config or TfidfConfig()
        self.vocabulary_: dict[str, int] | None = None
        self.idf_: np.ndarray | None = None

    def fit(self, documents: Sequence[Sequence[str]]) -> TfidfVectorizer:
        """어휘와 idf 를 학습한다."""
        self.fit_transform(documents)
        return self

    def fit_transform(self, documents: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """어휘와 idf 를 학습하고 문서들의 TF-IDF 행렬(CSR, float64)을 돌려준다.

        Args:
            documents: 토큰화된 문서 목록 (비어 있으면 ``ValueError``).
        """
        cfg = self.config
        counts, vocab = count_matrix(documents)
        n_docs = counts.shape[0]
        if not vocab:
            raise ValueError("documents에 토큰이 하나도 없습니다: 어휘가 비어 있습니다")
        # min_df/max_df: 정수면 문서 수, 실수면 비율 × 문서 수 (sklearn 과 같은 규칙)
        high = cfg.max_df if isinstance(cfg.max_df, Integral) else cfg.max_df * n_docs
        low = cfg.min_df if isinstance(cfg.min_df, Integral) else cfg.min_df * n_docs
        if high < low:
            raise ValueError(f"max_df={cfg.max_df!r}: min_df={cfg.min_df!r}보다 적은 문서 수에 해당합니다")
        df = np.bincount(counts.indices, minlength=counts.shape[1])  # df(t) = t 가 나온 문서 수
        mask = (df <= high) & (df >= low)
        if not mask.any():
            raise ValueError(
                f"min_df={cfg.min_df!r}, max_df={cfg.max_df!r}: 거르고 나니 남은 토큰이 없습니다"
            )
        if not mask.all():
            kept = np.flatnonzero(mask)
            counts = counts[:, kept]
            terms = sorted(vocab, key=vocab.__getitem__)
            vocab = {terms[j]: i for i, j in enumerate(kept)}
            df = df[kept]
        self.vocabulary_ = vocab
        if cfg.use_idf:
            n = float(n_docs + int(cfg.smooth_idf))
            dfs = df.astype(np.float64) + float(cfg.smooth_idf)
            self.idf_ = np.log(n / dfs) + 1.0  # idf = ln((1+n)/(1+df)) + 1  또는 ln(n/df) + 1
        else:
            self.idf_ = None
        return self._weight(counts)

    def transform(self, documents: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """학습한 어휘와 idf 로 새 문서들을 변환한다. 어휘에 없는 토큰은 (sklearn 처럼) 세지 않는다."""
        if self.vocabulary_ is None:
            raise ValueError("벡터라이저가 아직 학습되지 않았습니다: 먼저 fit(documents)를 부르세요")
        counts, _ = count_matrix(documents, self.vocabulary_)
        return self._weight(counts)

    def _weight(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        cfg = self.config
        x = sp.csr_matrix(counts, dtype=np.float64, copy=True)
        if cfg.sublinear_tf:
            x.data = np.log(x.data) + 1.0  # tf ← 1 + ln(tf)
        if self.idf_ is not None:
            x.data *= self.idf_[x.indices]  # w(d,t) = tf(d,t) · idf(t)
        if cfg.norm is not None:
            row = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
            if cfg.norm == "l2":
                norms = np.sqrt(np.bincount(row, weights=x.data * x.data, minlength=x.shape[0]))  # ‖x‖₂
            else:
                norms = np.bincount(row, weights=np.abs(x.data), minlength=x.shape[0])  # ‖x‖₁
            norms[norms == 0.0] = 1.0  # 빈 문서는 0 벡터 그대로
            x.data /= norms[row]
        return x

    def get_feature_names_out(self) -> np.ndarray:
        """열 번호 순서의 어휘 (sklearn 과 같은 이름)."""
        if self.vocabulary_ is None:
            raise ValueError("벡터라이저가 아직 학습되지 않았습니다: 먼저 fit(documents)를 부르세요")
        return np.array(sorted(self.vocabulary_, key=self.vocabulary_.__getitem__), dtype=object)
