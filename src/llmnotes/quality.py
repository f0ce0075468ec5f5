"""품질 필터(quality filtering): 규칙(휴리스틱)과 작은 언어 모델의 퍼플렉서티로 나쁜 문서를 거른다.

휴리스틱은 Gopher(Rae et al. 2021), C4(Raffel et al. 2020) 류의 규칙을 한국어에 맞춘 것이다.

- 길이: 글자 수가 ``min_chars`` 미만이거나 ``max_chars`` 초과.
- 한글 비율: 공백·숫자·문장부호를 뺀 글자 중 한글(음절 + 자모)의 비율이 ``min_hangul`` 미만.
- 반복: 줄 중복 비율(같은 줄이 되풀이된 비율) 또는 어절 2-그램 중복 비율이 상한 초과.
- 기호: 글자·숫자·공백·보통 문장부호가 아닌 기호의 비율이 ``max_symbol`` 초과.

모델 기반 필터는 CCNet(Wenzek et al. 2020) 처럼 "믿을 만한 참조 텍스트"로 학습한 글자 n-그램 언어 모델의
글자당 퍼플렉서티가 높은 문서를 거른다 (:class:`PerplexityFilter`). 같은 일을 사전학습한 트랜스포머 언어 모델
(spine 모델 ``tiny-ko-llama``)로 하는 것이 :func:`lm_char_nll` 이다: 토큰 수는 토크나이저마다 다르므로 글자 수로
나눈 값을 쓴다.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .checks import POSITIVE, PROBABILITY, check_fields, check_int
from .dedup import check_documents

__all__ = [
    "HeuristicConfig",
    "DocStats",
    "doc_stats",
    "heuristic_flags",
    "RULES",
    "PerplexityFilter",
    "lm_char_nll",
]

RULES = ("length", "hangul", "repetition", "symbols")
_PLAIN_PUNCT = set(".,?!'\"()·:;-~%/…“”‘’「」『』<>[]①②③④⑤⑥⑦⑧⑨⑩")


@dataclass(frozen=True)
class HeuristicConfig:
    """휴리스틱 필터의 문턱값.

    Args:
        min_chars, max_chars: 허용 글자 수 범위 (공백 정규화 뒤).
        min_hangul: 최소 한글 비율.
        max_dup_lines: 줄 중복 비율 상한.
        max_dup_bigrams: 어절 2-그램 중복 비율 상한.
        max_symbol: 기호 비율 상한.
    """

    min_chars: int = 20
    max_chars: int = 3000
    min_hangul: float = 0.5
    max_dup_lines: float = 0.3
    max_dup_bigrams: float = 0.3
    max_symbol: float = 0.1

    def __post_init__(self) -> None:
        for name in ("min_chars", "max_chars"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ValueError(f"{name}: 0 이상의 정수여야 합니다 (받은 값 {v!r})")
        if self.min_chars > self.max_chars:
            raise ValueError(f"min_chars({self.min_chars})가 max_chars({self.max_chars})보다 큽니다")
        for name in ("min_hangul", "max_dup_lines", "max_dup_bigrams", "max_symbol"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
                raise ValueError(f"{name}: 0 이상 1 이하여야 합니다 (받은 값 {v!r})")


@dataclass(frozen=True)
class DocStats:
    """문서 하나의 품질 통계."""

    n_chars: int
    hangul_ratio: float
    dup_line_ratio: float
    dup_bigram_ratio: float
    symbol_ratio: float


def _is_hangul(ch: str) -> bool:
    o = ord(ch)
    return 0xAC00 <= o <= 0xD7A3 or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F


def doc_stats(text: str) -> DocStats:
    """문서의 품질 통계를 계산한다 (NFC 로 바꾼 뒤).

    Args:
        text: 문서 텍스트.
    """
    if not isinstance(text, str):
        raise TypeError(f"text는 str이어야 합니다: {type(text).__name__} {text!r}")
    text = unicodedata.normalize("NFC", text)
    chars = [c for c in text if not c.isspace()]
    n_chars = len(" ".join(text.split()))
    # 한글 비율 = 한글 글자 / 글자(letter) 수. 숫자·문장부호·기호는 분모에서 뺀다.
    letters = [c for c in chars if unicodedata.category(c).startswith("L")]
    hangul = sum(_is_hangul(c) for c in letters) / len(letters) if letters else 0.0
    # 기호 비율 = (글자도 숫자도 보통 문장부호도 아닌 것) / 공백 아닌 글자
    symbols = sum(1 for c in chars if not c.isalnum() and c not in _PLAIN_PUNCT)
    symbol_ratio = symbols / len(chars) if chars else 0.0
    # 중복 비율 = 1 − (서로 다른 것 수 / 전체 수)
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    dup_lines = 1 - len(set(lines)) / len(lines) if lines else 0.0
    words = text.split()
    bigrams = list(zip(words, words[1:]))
    dup_bigrams = 1 - len(set(bigrams)) / len(bigrams) if bigrams else 0.0
    return DocStats(n_chars, hangul, dup_lines, dup_bigrams, symbol_ratio)


def heuristic_flags(docs: Sequence[str], config: HeuristicConfig | None = None) -> dict[str, list[bool]]:
    """규칙마다 문서별 '걸림' 여부. 키는 :data:`RULES`.

    Args:
        docs: 문서 텍스트 목록.
        config: 문턱값.
    """
    docs = check_documents(docs)
    cfg = config or HeuristicConfig()
    out: dict[str, list[bool]] = {r: [] for r in RULES}
    for d in docs:
        s = doc_stats(d)
        out["length"].append(not cfg.min_chars <= s.n_chars <= cfg.max_chars)
        out["hangul"].append(s.hangul_ratio < cfg.min_hangul)
        out["repetition"].append(
            s.dup_line_ratio > cfg.max_dup_lines or s.dup_bigram_ratio > cfg.max_dup_bigrams
        )
        out["symbols"].append(s.symbol_ratio > cfg.max_symbol)
    return out


class PerplexityFilter:
    """참조 텍스트로 학습한 글자 바이그램 언어 모델의 퍼플렉서티로 거르는 필터 (CCNet 방식의 축소판).

    P(c | p) = (N(p, c) + k) / (N(p) + k·V) (add-k 평활화, V = 참조 글자 수 + 1(<unk>)),
    글자당 퍼플렉서티 PPL(d) = exp(−(1/|d|) Σ_i ln P(c_i | c_{i−1})).
    참조 텍스트와 닮지 않은 글(외국어, 깨진 글, 광고 문구)은 PPL 이 높다.
    :class:`llmnotes.ngram.NGramLM` (order=2, add_k) 과 같은 값을 낸다 (``tests/test_quality.py``); 여기서는 사전
    조회만 하는 짧은 구현으로 문서 천여 개를 1초 안에 채점한다.

    Args:
        k: add-k 평활화 상수 (> 0, 못 본 글자 쌍에도 0 이 아닌 확률을 준다).
    """

    BOS, EOS, UNK = "<s>", "</s>", "<UNK>"

    def __init__(self, k: float = 0.01) -> None:
        if not isinstance(k, (int, float)) or isinstance(k, bool) or not k > 0:
            raise ValueError(f"k는 양수여야 합니다: {k!r}")
        self.k = float(k)
        self.fitted = False

    def _lines(self, text: str) -> list[list[str]]:
        return [list(" ".join(ln.split())) for ln in text.split("\n") if ln.strip()]

    def fit(self, reference: Sequence[str]) -> PerplexityFilter:
        """참조 문서들로 글자 바이그램 개수를 센다 (줄마다 한 '문장', 앞뒤에 <s>, </s>)."""
        reference = check_documents(reference, "reference")
        self.pair: Counter[tuple[str, str]] = Counter()
        self.prev: Counter[str] = Counter()
        vocab = {self.BOS, self.EOS}
        for d in reference:
            for chars in self._lines(d):
                seq = [self.BOS, *chars, self.EOS]
                vocab.update(chars)
                for p, c in zip(seq, seq[1:]):
                    self.pair[(p, c)] += 1  # N(p, c)
                    self.prev[p] += 1  # N(p) = Σ_c N(p, c)
        self.vocab = vocab
        self.V = len(vocab) + 1  # +1 = <UNK>
        self.fitted = True
        return self

    def score(self, text: str) -> float:
        """문서의 글자당 퍼플렉서티 (공백 정규화 뒤 줄마다 평가해 모두 평균). 빈 문서는 inf."""
        if not self.fitted:
            raise ValueError("PerplexityFilter가 아직 학습되지 않았습니다: 먼저 fit(reference)를 부르세요")
        if not isinstance(text, str):
            raise TypeError(f"text는 str이어야 합니다: {type(text).__name__} {text!r}")
        total, n = 0.0, 0
        k, kv = self.k, self.k * self.V
        for chars in self._lines(unicodedata.normalize("NFC", text)):
            seq = [self.BOS] + [c if c in self.vocab else self.UNK for c in chars] + [self.EOS]
            for p, c in zip(seq, seq[1:]):
                total += math.log((self.pair[(p, c)] + k) / (self.prev[p] + kv))  # ln P(c | p)
                n += 1
        return math.exp(-total / n) if n else math.inf

    def scores(self, docs: Sequence[str]) -> list[float]:
        """문서마다 :meth:`score`."""
        return [self.score(d) for d in check_documents(docs)]


def lm_char_nll(model, tokenizer, text: str, context: int | None = None) -> float:
    """인과 언어 모델로 잰 문서의 글자당 음의 로그 가능도 (nats/글자). 글자당 퍼플렉서티는 ``exp`` 를 취한 값.

    문서 앞에 문서 경계 토큰(``tokenizer.bos_token``, 없으면 ``eos_token``)을 붙여 토큰 x_0 … x_T 로 만들고,
    ``context`` 토큰 창을 한 토큰씩 겹치게 옮기며 모든 토큰을 한 번씩 예측한다:

        NLL(d) = −Σ_{t=1..T} ln p(x_t | 창 안의 앞 토큰들),   글자당 값 = NLL(d) / |d| (|d| = NFC 글자 수).

    Args:
        model: ``model(input_ids=...)`` 가 ``.logits`` 를 돌려주는 HF 식 인과 언어 모델.
        tokenizer: HF 토크나이저.
        text: 문서 (NFC 로 정규화해 잰다). 비어 있으면 ``ValueError``.
        context: 창 길이 (토큰). ``None`` 이면 ``model.config.max_position_embeddings``.
    """
    import torch
    import torch.nn.functional as F

    if not isinstance(text, str):
        raise TypeError(f"text는 str이어야 합니다: {type(text).__name__} {text!r}")
    text = unicodedata.normalize("NFC", text)
    if not text:
        raise ValueError("text가 비어 있습니다: ''")
    context = context or model.config.max_position_embeddings
    if context < 2:
        raise ValueError(f"context는 2 이상이어야 합니다: {context!r}")
    boundary = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
    ids = [boundary] + list(tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(ids) - 1, context - 1):  # 창의 첫 토큰은 앞 창의 마지막 토큰 (한 토큰 겹침)
            window = torch.tensor([ids[start : start + context]])
            logits = model(input_ids=window).logits[0, :-1].float()
            total += float(F.cross_entropy(logits, window[0, 1:], reduction="sum"))  # Σ −ln p(x_t | x_<t)
    return total / len(text)


@dataclass(frozen=True)
class PipelineConfig:
    """정제 파이프라인 설정: 완전 중복 → 휴리스틱 → 퍼플렉서티 → 유사 중복 순서.

    Args:
        heuristics: 휴리스틱 문턱값.
        max_ppl: 글자당 퍼플렉서티 상한 (개발용 말뭉치에서 고른 값).
        k: 퍼플렉서티 모델의 add-k 상수.
        near_threshold: 유사 중복 자카드 하한.
        shingle: 글자 n-그램 길이.
        bands, rows: LSH 밴드 수와 밴드당 행 수 (num_perm = bands × rows).

    ``max_ppl``, ``near_threshold``, ``bands``/``rows`` 는 개발 말뭉치(``DirtyConfig(seed=1)``)에서 전체 파이프라인의
    F1 이 가장 큰 값을 골랐다 ((b, r) ∈ {(64, 2), (32, 4), (16, 8), (8, 16)} × t ∈ {0.5, 0.6, 0.7, 0.8}:
    (32, 4) 와 t = 0.6 이 F1 0.927, 다음이 (64, 2) 0.926, (16, 8) 0.919; ``data/README.md``).
    """

    heuristics: HeuristicConfig = HeuristicConfig()
    max_ppl: float = 200.0
    k: float = 0.1
    near_threshold: float = 0.6
    shingle: int = 5
    bands: int = 32
    rows: int = 4

    def __post_init__(self) -> None:
        check_fields(self, max_ppl=POSITIVE, k=POSITIVE, near_threshold=PROBABILITY)  # NaN·inf 거부
        for name in ("shingle", "bands", "rows"):
            check_int(getattr(self, name), name, low=1)


def clean_pipeline(
    docs: Sequence[str], reference: Sequence[str], config: PipelineConfig | None = None
) -> dict[str, list[int]]:
    """문서 목록을 정제한다. 단계마다 그 단계가 새로 지운 문서 번호(원래 목록 기준)를 돌려준다.

    단계: 'exact'(정규화 해시), 'heuristic'(규칙 하나라도 걸림), 'perplexity'(PPL > max_ppl),
    'near'(MinHash + LSH, 남은 문서끼리). 남길 문서 = 어느 단계에서도 지워지지 않은 문서.

    Args:
        docs: 문서 텍스트.
        reference: 퍼플렉서티 모델의 참조 텍스트 (믿을 만한 깨끗한 글).
        config: 설정.
    """
    from .dedup import LSHConfig, exact_duplicates, near_duplicates

    docs = check_documents(docs)
    cfg = config or PipelineConfig()
    removed: dict[str, list[int]] = {}
    alive = list(range(len(docs)))
    removed["exact"] = [alive[i] for i in exact_duplicates([docs[i] for i in alive])]
    alive = [i for i in alive if i not in set(removed["exact"])]
    flags = heuristic_flags([docs[i] for i in alive], cfg.heuristics)
    removed["heuristic"] = [i for j, i in enumerate(alive) if any(flags[r][j] for r in RULES)]
    alive = [i for i in alive if i not in set(removed["heuristic"])]
    pf = PerplexityFilter(k=cfg.k).fit(reference)
    removed["perplexity"] = [i for i in alive if pf.score(docs[i]) > cfg.max_ppl]
    alive = [i for i in alive if i not in set(removed["perplexity"])]
    lsh = LSHConfig(cfg.bands, cfg.rows, cfg.bands * cfg.rows)
    near, _ = near_duplicates([docs[i] for i in alive], cfg.near_threshold, cfg.shingle, lsh)
    removed["near"] = [alive[j] for j in near]
    return removed
