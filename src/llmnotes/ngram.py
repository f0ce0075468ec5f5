"""엔그램 언어 모델: 개수 세기, 최대우도(MLE), add-k(라플라스) 평활화, 보간 Kneser-Ney, 퍼플렉서티, 샘플링.

언어 모델은 앞 토큰들(문맥)이 주어졌을 때 다음 토큰의 확률 :math:`P(w_t \\mid w_{<t})` 를 주는 모델이다.
엔그램 모델은 문맥을 바로 앞 n-1 개 토큰으로 자른다 (마르코프 가정).

패딩과 개수 세기는 ``nltk.lm`` 의 ``padded_everygram_pipeline`` 과 똑같이 한다: 문장 양쪽에 ``<s>`` 와
``</s>`` 를 n-1 개씩 붙이고, 길이 1..n 의 모든 엔그램을 센다. 어휘에는 본 토큰 전부(``<s>``, ``</s>`` 포함)와
미등록 단어 ``<UNK>`` 하나가 들어간다. 그래서 같은 문장으로 학습하면 nltk 와 같은 확률이 나온다
(``tests/test_ngram.py`` 가 MLE, 라플라스, Kneser-Ney 퍼플렉서티를 상대오차 1e-9 로 비교한다).

평가할 때는 문장마다 실제 토큰 하나하나와 첫 ``</s>`` 하나를 예측한다. 두 번째 이후의 ``</s>`` 는
패딩일 뿐이라 예측 대상에서 뺀다 (``</s>`` 다음 ``</s>`` 는 거의 확률 1 이라 퍼플렉서티를 부풀린다).

nltk ``KneserNeyInterpolated`` 에서 확인한 특이점 (이 모듈은 nltk 와 같은 식을 쓰되 아래를 문서로 남긴다):

1. 기본 할인값이 ``discount=0.1`` 이다. 문헌의 관례(Chen & Goodman 1998)는 0.75 안팎이다.
   이 모듈의 기본값은 0.75 이고, nltk 와 비교할 때는 같은 값을 넘긴다.
2. 가장 낮은 차수(유니그램)가 '이어짐 확률' :math:`N_{1+}(\\bullet w) / N_{1+}(\\bullet\\bullet)` 로 끝나고
   균등분포와 보간하지 않는다. 그래서 학습 때 어떤 토큰 뒤에도 나온 적이 없는 단어(미등록 단어 ``<UNK>``)의
   확률이 0 이 되어 퍼플렉서티가 무한대가 된다.
3. 중간 차수의 보간 가중치 :math:`\\gamma` 를 '이어짐 개수'가 아니라 원래 개수로 센 다음 단어 종류 수
   :math:`N_{1+}(c\\,\\bullet)` 로 계산한다. 왼쪽 이웃이 없는 엔그램(패딩 ``<s> <s>`` 처럼 문장 맨 앞에서만 생기는 것)
   이 있으면 두 수가 달라져, 그 문맥의 확률 합이 1 보다 조금 커진다 (예: 트라이그램에서 문맥 ``<s> <s>`` 와
   ``<s>``). :meth:`NGramLM.distribution_sum` 으로 합을 직접 확인할 수 있다.

기본 설정(``kn_proper=False``)은 nltk 와 같은 식을 써서 값이 일치한다. ``NGramConfig(kn_proper=True)`` 로 켜면
위 2와 3을 고친 교과서식 보간 Kneser-Ney 가 된다: 유니그램 단계도 할인하고 남은 질량을 균등분포 :math:`1/|V|` 에
나눠 주며 (미등록 단어도 유한한 확률), 중간 차수의 γ 는 이어짐 개수의 종류 수로 센다. 그러면 모든 문맥에서 확률 합이
정확히 1 이다 (이때는 nltk 와 값이 달라진다).
4. nltk 는 확률 하나를 구할 때마다 상위 차수 엔그램 전체를 훑어 이어짐 개수를 센다 (느리다).
   여기서는 학습할 때 한 번 세어 사전에 담아 둔다.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .checks import check_number
from .hangul import nfc

__all__ = ["NGramConfig", "NGramLM", "pad_sentence", "everygrams"]

SMOOTHINGS = ("mle", "add_k", "kneser_ney")


@dataclass(frozen=True)
class NGramConfig:
    """엔그램 언어 모델 설정.

    Args:
        order: n (1 = 유니그램, 2 = 바이그램, 3 = 트라이그램 ...).
        smoothing: 'mle'(평활화 없음), 'add_k'(더하기 k, k=1 이면 라플라스), 'kneser_ney'(보간 Kneser-Ney).
        k: add-k 에서 모든 개수에 더하는 값 (> 0).
        discount: Kneser-Ney 할인값 D (0 ≤ D ≤ 1).
        kn_proper: ``True`` 면 nltk 의 특이점(모듈 설명 2, 3)을 고친 교과서식 Kneser-Ney (nltk 와 값이 달라짐).
        bos, eos, unk: 문장 시작, 문장 끝, 미등록 단어 기호.
    """

    order: int = 2
    smoothing: str = "mle"
    k: float = 1.0
    discount: float = 0.75
    kn_proper: bool = False
    bos: str = "<s>"
    eos: str = "</s>"
    unk: str = "<UNK>"

    def __post_init__(self) -> None:
        if not isinstance(self.order, int) or isinstance(self.order, bool) or self.order < 1:
            raise ValueError(f"order는 1 이상의 정수여야 합니다: {self.order!r}")
        if self.smoothing not in SMOOTHINGS:
            raise ValueError(f"smoothing은 {list(SMOOTHINGS)} 중 하나여야 합니다: {self.smoothing!r}")
        check_number(self.k, "k", low=0, low_open=True)  # NaN·inf 도 거부한다
        check_number(self.discount, "discount", low=0, high=1)
        if self.smoothing == "kneser_ney" and self.order < 2:
            raise ValueError(f"kneser_ney는 order ≥ 2에서만 정의됩니다: order={self.order!r}")
        if len({self.bos, self.eos, self.unk}) != 3:
            raise ValueError(f"bos, eos, unk는 서로 달라야 합니다: {(self.bos, self.eos, self.unk)!r}")


def _check_sentence(sentence: object, name: str = "sentence") -> list[str]:
    """토큰 목록을 검사하고 NFC 로 정규화해 돌려준다."""
    if isinstance(sentence, str) or not isinstance(sentence, Sequence):
        raise TypeError(f"{name}: 토큰(str)의 리스트여야 합니다 (받은 타입 {type(sentence).__name__})")
    out = []
    for tok in sentence:
        if not isinstance(tok, str):
            raise TypeError(f"{name}의 토큰은 str이어야 합니다: {tok!r} ({type(tok).__name__})")
        out.append(nfc(tok))
    return out


def pad_sentence(tokens: Sequence[str], order: int, bos: str = "<s>", eos: str = "</s>") -> list[str]:
    """문장 양쪽에 ``<s>``, ``</s>`` 를 n-1 개씩 붙인다 (``nltk.lm.preprocessing.pad_both_ends`` 와 같음).

    Args:
        tokens: 토큰 목록.
        order: n.
        bos, eos: 시작·끝 기호.
    """
    tokens = _check_sentence(tokens, "tokens")
    return [bos] * (order - 1) + tokens + [eos] * (order - 1)


def everygrams(tokens: Sequence[str], max_len: int) -> list[tuple[str, ...]]:
    """길이 1..max_len 의 모든 엔그램 (``nltk.util.everygrams`` 와 같은 집합, 순서는 길이 우선)."""
    return [tuple(tokens[i : i + n]) for n in range(1, max_len + 1) for i in range(len(tokens) - n + 1)]


class NGramLM:
    """엔그램 언어 모델.

    Args:
        config: :class:`NGramConfig`. ``None`` 이면 기본값(바이그램 MLE).
    """

    def __init__(self, config: NGramConfig | None = None) -> None:
        self.config = config or NGramConfig()
        n = self.config.order
        # counts[m][문맥(길이 m)][다음 단어] = c(문맥, 단어)
        self.counts: list[dict[tuple[str, ...], Counter[str]]] = [{} for _ in range(n)]
        self.vocab: list[str] = []
        self._vocab_index: dict[str, int] = {}
        self._fitted = False

    # ------------------------------------------------------------------ 학습
    def fit(self, sentences: Iterable[Sequence[str]]) -> NGramLM:
        """토큰화된 문장들로 개수를 센다.

        Args:
            sentences: 문장마다 토큰(str) 리스트. 비어 있으면 ``ValueError``.
        """
        if sentences is None or isinstance(sentences, (str, bytes)):
            raise TypeError(f"sentences는 토큰 리스트들의 iterable이어야 합니다: {type(sentences).__name__}")
        cfg = self.config
        n = cfg.order
        if isinstance(sentences, str):
            raise TypeError("sentences는 토큰 리스트들의 리스트여야 합니다: str을 받았습니다")
        sents = [_check_sentence(s, f"sentences[{i}]") for i, s in enumerate(sentences)]
        if not sents:
            raise ValueError("sentences가 비어 있습니다: 문장이 하나 이상 필요합니다")
        if all(len(s) == 0 for s in sents):
            raise ValueError(f"sentences의 문장 {len(sents)}개가 모두 비어 있습니다")
        for i, s in enumerate(sents):
            if cfg.unk in s:
                raise ValueError(f"sentences[{i}]에 예약어가 들어 있습니다: {cfg.unk!r}")
        self.counts = [{} for _ in range(n)]
        seen: set[str] = set()
        for s in sents:
            padded = pad_sentence(s, n, cfg.bos, cfg.eos)
            seen.update(padded)
            for m in range(n):  # m = 문맥 길이, 엔그램 길이는 m+1
                level = self.counts[m]
                for i in range(len(padded) - m):
                    ctx = tuple(padded[i : i + m])
                    level.setdefault(ctx, Counter())[padded[i + m]] += 1
        # 어휘 = 본 토큰 전부 + <UNK> (nltk Vocabulary(unk_cutoff=1) 와 같은 크기)
        self.vocab = sorted(seen) + [cfg.unk]
        self._vocab_index = {w: i for i, w in enumerate(self.vocab)}
        self._ctx_totals = [{c: sum(ctr.values()) for c, ctr in level.items()} for level in self.counts]
        if cfg.smoothing == "kneser_ney":
            self._fit_continuations()
        self._fitted = True
        return self

    def _fit_continuations(self) -> None:
        """Kneser-Ney 이어짐 개수: cont[m][c][w] = N1+(• c w) = c w 앞에 올 수 있었던 서로 다른 단어 수."""
        n = self.config.order
        self.cont: list[dict[tuple[str, ...], Counter[str]]] = [{} for _ in range(n - 1)]
        for m in range(n - 1):
            for ctx, ctr in self.counts[m + 1].items():  # 길이 m+2 엔그램 (v, *c, w)
                lower = self.cont[m].setdefault(ctx[1:], Counter())
                for w in ctr:
                    lower[w] += 1  # 서로 다른 v 하나당 1
        # N1+(• c •) = Σ_w N1+(• c w)
        self._cont_totals = [{c: sum(ctr.values()) for c, ctr in level.items()} for level in self.cont]

    def _check_fitted(self) -> None:
        if not self._fitted:
            raise ValueError("모델이 아직 학습되지 않았습니다: 먼저 fit(sentences)를 부르세요")

    # ------------------------------------------------------------------ 확률
    def lookup(self, token: str) -> str:
        """어휘에 있으면 그대로, 없으면 ``<UNK>``."""
        token = nfc(token)
        return token if token in self._vocab_index else self.config.unk

    def prob(self, word: str, context: Sequence[str] = ()) -> float:
        """:math:`P(w \\mid \\text{문맥})`. 문맥은 마지막 n-1 개만 쓴다.

        Args:
            word: 예측할 토큰.
            context: 앞 토큰들 (미등록 단어는 ``<UNK>`` 로 바뀐다).
        """
        self._check_fitted()
        if not isinstance(word, str):
            raise TypeError(f"word는 str이어야 합니다: {word!r}")
        context = _check_sentence(list(context), "context")
        w = self.lookup(word)
        ctx = tuple(self.lookup(t) for t in context)
        n = self.config.order
        ctx = ctx[len(ctx) - (n - 1) :] if n > 1 else ()
        s = self.config.smoothing
        if s == "mle":
            return self._mle(w, ctx)
        if s == "add_k":
            return self._add_k(w, ctx)
        return self._kn(w, ctx)

    def _mle(self, w: str, ctx: tuple[str, ...]) -> float:
        m = len(ctx)
        total = self._ctx_totals[m].get(ctx, 0)
        if total == 0:
            return 0.0
        return self.counts[m][ctx][w] / total  # P(w|c) = c(c,w) / c(c,•)

    def _add_k(self, w: str, ctx: tuple[str, ...]) -> float:
        k = self.config.k
        m = len(ctx)
        total = self._ctx_totals[m].get(ctx, 0)
        c = self.counts[m][ctx][w] if total else 0
        return (c + k) / (total + k * len(self.vocab))  # P(w|c) = (c(c,w)+k) / (c(c,•)+k|V|)

    def _kn(self, w: str, ctx: tuple[str, ...]) -> float:
        """보간 Kneser-Ney (재귀). 최고 차수는 원래 개수, 낮은 차수는 이어짐 개수를 쓴다."""
        d = self.config.discount
        n = self.config.order
        m = len(ctx)
        if m == 0:
            # P_KN(w) = N1+(•w) / N1+(••)
            total = self._cont_totals[0].get((), 0)
            cw = self.cont[0].get((), Counter())[w]
            if not self.config.kn_proper:
                return cw / total
            # 균등분포와 보간: max(N1+(•w)-D,0)/N1+(••) + D·|{w: N1+(•w)>0}|/N1+(••) · 1/|V|
            n_types = len(self.cont[0].get((), ()))
            return max(cw - d, 0.0) / total + d * n_types / total / len(self.vocab)
        if m + 1 == n:
            ctr = self.counts[m].get(ctx)
            total = self._ctx_totals[m].get(ctx, 0)
        else:
            ctr = self.cont[m].get(ctx)
            total = self._cont_totals[m].get(ctx, 0)
        raw = self.counts[m].get(ctx)
        if not raw or total == 0:
            # 처음 보는 문맥: α=0, γ=1 (한 단계 낮은 차수로 그대로 넘긴다)
            return self._kn(w, ctx[1:])
        c = ctr[w] if ctr else 0
        alpha = max(c - d, 0.0) / total  # α = max(c - D, 0) / Σc
        if self.config.kn_proper or m + 1 == n:
            n_types = len(ctr) if ctr else 0  # 최고 차수: N1+(c •), 낮은 차수: |{w: N1+(• c w) > 0}|
        else:
            n_types = len(raw)  # nltk: 낮은 차수에서도 원래 개수의 종류 수 N1+(c •) 를 쓴다 (특이점 3)
        gamma = d * n_types / total  # γ = D · (종류 수) / Σc
        return alpha + gamma * self._kn(w, ctx[1:])

    def distribution(self, context: Sequence[str] = ()) -> dict[str, float]:
        """문맥 뒤에 올 모든 어휘의 확률 (어휘 순서대로)."""
        return {w: self.prob(w, context) for w in self.vocab}

    def distribution_sum(self, context: Sequence[str] = ()) -> float:
        """어휘 전체에 대한 확률 합 (올바른 분포라면 1)."""
        return math.fsum(self.distribution(context).values())

    # ------------------------------------------------------------------ 평가
    def sentence_ngrams(self, sentence: Sequence[str]) -> list[tuple[str, ...]]:
        """평가할 엔그램: 실제 토큰 각각과 첫 ``</s>`` 를 예측하는 엔그램들 (문장 길이 + 1 개, order=1 이면 문장 길이)."""
        n = self.config.order
        padded = pad_sentence(sentence, n, self.config.bos, self.config.eos)
        n_targets = len(padded) - 2 * (n - 1) + (1 if n > 1 else 0)
        return [tuple(padded[i : i + n]) for i in range(n_targets)]

    def logprob_ngrams(self, ngrams: Iterable[Sequence[str]]) -> np.ndarray:
        """엔그램마다 자연로그 확률 :math:`\\ln P(w \\mid c)` (확률 0 이면 -inf)."""
        out = []
        for g in ngrams:
            g = list(g)
            if not g:
                raise ValueError("ngrams에 빈 엔그램이 있습니다")
            p = self.prob(g[-1], g[:-1])
            out.append(math.log(p) if p > 0 else -math.inf)
        return np.asarray(out, dtype=np.float64)

    def perplexity_ngrams(self, ngrams: Iterable[Sequence[str]]) -> float:
        """주어진 엔그램들의 퍼플렉서티 :math:`\\exp(-\\frac{1}{N}\\sum \\ln P)` (확률 0 이 하나라도 있으면 inf)."""
        lp = self.logprob_ngrams(ngrams)
        if lp.size == 0:
            raise ValueError("ngrams가 비어 있습니다")
        if np.isneginf(lp).any():
            return math.inf
        return math.exp(-math.fsum(lp) / lp.size)  # PPL = exp(-(1/N) Σ ln P(w_i | c_i))

    def perplexity(self, sentences: Iterable[Sequence[str]]) -> float:
        """문장들의 퍼플렉서티. 문장마다 :meth:`sentence_ngrams` 를 모아 한꺼번에 평균한다."""
        self._check_fitted()
        if isinstance(sentences, str):
            raise TypeError("sentences는 토큰 리스트들의 리스트여야 합니다: str을 받았습니다")
        grams = [
            g
            for i, s in enumerate(sentences)
            for g in self.sentence_ngrams(_check_sentence(s, f"sentences[{i}]"))
        ]
        if not grams:
            raise ValueError("sentences가 비어 있습니다")
        return self.perplexity_ngrams(grams)

    # ------------------------------------------------------------------ 생성
    def generate(self, max_tokens: int = 30, seed: int = 0, prefix: Sequence[str] = ()) -> list[str]:
        """다음 토큰을 확률대로 뽑아 문장을 만든다 (``</s>`` 가 나오거나 max_tokens 개가 되면 멈춤).

        ``<s>`` 와 ``<UNK>`` 는 뽑지 않는다 (남은 확률로 다시 정규화).

        Args:
            max_tokens: 최대 생성 토큰 수 (prefix 제외).
            seed: 난수 시드 (같은 시드 → 같은 문장).
            prefix: 이어 쓸 앞부분 토큰.
        """
        self._check_fitted()
        if not isinstance(max_tokens, int) or max_tokens < 1:
            raise ValueError(f"max_tokens는 1 이상의 정수여야 합니다: {max_tokens!r}")
        cfg = self.config
        rng = np.random.default_rng(seed)
        out = _check_sentence(list(prefix), "prefix")
        history = [cfg.bos] * (cfg.order - 1) + out
        candidates = [w for w in self.vocab if w not in (cfg.bos, cfg.unk)]
        for _ in range(max_tokens):
            ctx = history[len(history) - (cfg.order - 1) :] if cfg.order > 1 else []
            if cfg.smoothing == "mle":
                # MLE 는 본 다음 토큰만 확률이 있으므로 그 개수에서 바로 뽑는다 (어휘 전체를 훑지 않음)
                ctr = self.counts[len(ctx)].get(tuple(self.lookup(t) for t in ctx), {})
                words = sorted(w for w in ctr if w not in (cfg.bos, cfg.unk))
                if not words:
                    break
                p = np.array([ctr[w] for w in words], dtype=np.float64)
                w = words[int(rng.choice(len(words), p=p / p.sum()))]
                if w == cfg.eos:
                    break
                out.append(w)
                history.append(w)
                continue
            p = np.array([self.prob(w, ctx) for w in candidates], dtype=np.float64)
            if p.sum() <= 0:
                break  # 이 문맥 뒤로는 확률이 있는 토큰이 없다 (MLE 에서 처음 보는 문맥)
            w = candidates[int(rng.choice(len(candidates), p=p / p.sum()))]
            if w == cfg.eos:
                break
            out.append(w)
            history.append(w)
        return out
