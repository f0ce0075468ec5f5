"""교차언어 전이(cross-lingual transfer): 이중언어 리뷰 생성기, 작은 이중언어 모델의 문장 특징, 선형 탐사.

한 언어(한국어)로 과제를 배우고 다른 언어(영어)로 시험하는 실험의 부품이다.

1. :func:`generate_reviews`: 다섯 분야(음식, 숙소, 서비스, 영화, 물건) 짧은 리뷰를 한국어와 영어로 함께 만든다.
   분야가 과제의 정답(주제 분류)이고, 두 언어 문장은 서로 번역이다. ``code_switch`` 를 주면 한국어 문장의
   낱말 일부를 사전에 따라 영어로 바꾼다 (코드 스위칭, code-switching: "음식은 정말 delicious했다").
2. :func:`pretraining_documents`: 조건마다 사전학습 문서 (한국어만 / 한국어 + 영어 / + 병렬 쌍 / + 코드 스위칭).
3. :func:`sentence_features`: 문장의 토큰마다 은닉 상태를 층마다 평균 내어(mean pooling) 이어 붙인 특징.
4. :class:`LinearProbe`: 특징 위의 다항 로지스틱 회귀(L2). ``sklearn.linear_model.LogisticRegression`` 과 같은
   목적 함수를 L-BFGS 로 푼다.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from ..gpt import GPT
from ..josa import attach

__all__ = [
    "TOPICS",
    "TOPIC_NAMES",
    "CONDITIONS",
    "SCRIPT_SPLIT_PATTERN",
    "Review",
    "review_lexicon",
    "generate_reviews",
    "pretraining_documents",
    "sentence_features",
    "llama_sentence_features",
    "LinearProbe",
]

# 분야마다: 대상 (한국어, 영어, 영어 복수형인가), 장소 (한국어, 영어), 그 분야에 어울리는 좋은/나쁜 평가어
# (한국어 과거형, 영어). 평가어 가운데 분야를 가리지 않는 것은 _GENERAL 에 따로 둔다.
_DOMAINS: dict[str, dict[str, list]] = {
    "food": {
        "aspects": [("음식", "food", 0), ("국물", "soup", 0), ("커피", "coffee", 0), ("빵", "bread", 0)],
        "places": [("식당", "restaurant"), ("카페", "cafe")],
        "pos": [("맛있었다", "delicious"), ("신선했다", "fresh")],
        "neg": [("싱거웠다", "bland"), ("짰다", "salty")],
    },
    "stay": {
        "aspects": [("방", "room", 0), ("침대", "bed", 0), ("화장실", "bathroom", 0)],
        "places": [("호텔", "hotel"), ("숙소", "guesthouse")],
        "pos": [("깨끗했다", "clean"), ("편안했다", "comfortable"), ("넓었다", "spacious")],
        "neg": [("더러웠다", "dirty"), ("좁았다", "cramped"), ("시끄러웠다", "noisy")],
    },
    "service": {
        "aspects": [("직원", "staff", 0), ("서비스", "service", 0), ("배달", "delivery", 0)],
        "places": [("식당", "restaurant"), ("호텔", "hotel"), ("가게", "shop")],
        "pos": [("친절했다", "friendly"), ("빨랐다", "fast")],
        "neg": [("불친절했다", "rude"), ("느렸다", "slow")],
    },
    "movie": {
        "aspects": [
            ("영화", "movie", 0),
            ("이야기", "story", 0),
            ("음악", "music", 0),
            ("결말", "ending", 0),
        ],
        "places": [("극장", "theater")],
        "pos": [("재미있었다", "fun"), ("감동적이었다", "moving")],
        "neg": [("지루했다", "boring"), ("뻔했다", "predictable")],
    },
    "goods": {
        "aspects": [("가방", "bag", 0), ("신발", "shoes", 1), ("의자", "chair", 0), ("우산", "umbrella", 0)],
        "places": [("가게", "shop"), ("시장", "market")],
        "pos": [("튼튼했다", "sturdy"), ("가벼웠다", "light")],
        "neg": [("약했다", "flimsy"), ("무거웠다", "heavy")],
    },
}
_GENERAL = {
    "pos": [("좋았다", "good"), ("훌륭했다", "impressive"), ("만족스러웠다", "satisfying")],
    "neg": [("실망스러웠다", "disappointing"), ("형편없었다", "poor"), ("엉망이었다", "terrible")],
}
_ADVERBS = [("정말", "really"), ("꽤", "quite"), ("아주", "very"), ("생각보다", "surprisingly")]
_CONTEXTS = [
    ("어제 친구와 갔다.", "I went there with a friend yesterday."),
    ("주말에 가족과 들렀다.", "I stopped by with my family on the weekend."),
    ("두 번째 방문이다.", "This is my second visit."),
    ("오랜만에 다시 갔다.", "I went back after a long time."),
]

TOPICS = tuple(sorted(_DOMAINS))
TOPIC_NAMES = {"food": "음식", "goods": "물건", "movie": "영화", "service": "서비스", "stay": "숙소"}
CONDITIONS = ("ko", "ko+en", "ko+en+parallel", "ko+en+code-switch")
# 사전 토큰화 정규식: GPT-2 식 패턴에서 한글과 라틴 문자가 이어진 조각을 나눈다 ("hotel의" → "hotel", "의").
# 그래야 코드 스위칭 문장의 영어 낱말이 영어 문장의 낱말과 같은 토큰이 된다.
SCRIPT_SPLIT_PATTERN = (
    r" ?\p{Hangul}+| ?\p{Latin}+| ?[\p{L}\p{M}]+| ?\p{N}+| ?[^\s\p{L}\p{M}\p{N}]+|\s+(?!\S)|\s+"
)


@dataclass(frozen=True)
class Review:
    """리뷰 한 편: 한국어 문장, 그 영어 번역, 분야(주제) 번호, 평가(1 = 좋음, 0 = 나쁨)."""

    ko: str
    en: str
    topic: int
    sentiment: int


def review_lexicon() -> list[tuple[str, str]]:
    """생성기가 쓰는 (한국어, 영어) 낱말 쌍 전부 (코드 스위칭 사전). 평가어는 한국어 과거형 그대로."""
    pairs: list[tuple[str, str]] = []
    for d in _DOMAINS.values():
        pairs += [(a[0], a[1]) for a in d["aspects"]] + list(d["places"]) + d["pos"] + d["neg"]
    pairs += _GENERAL["pos"] + _GENERAL["neg"]
    return sorted(set(pairs))


def _review(rng: random.Random, sentiment: int, code_switch: float) -> Review:
    topic = rng.choice(TOPICS)
    d = _DOMAINS[topic]
    a, b = rng.sample(d["aspects"], 2)
    place = rng.choice(d["places"])
    pool = d["pos"] + _GENERAL["pos"] if sentiment == 1 else d["neg"] + _GENERAL["neg"]
    j1, j2 = rng.choice(pool), rng.choice(pool)
    adv = rng.choice(_ADVERBS)
    template = rng.randrange(4)

    def switch() -> bool:
        return code_switch > 0 and rng.random() < code_switch

    def noun(w: tuple, pair: str | None) -> str:  # 조사는 한국어 낱말의 받침으로 고른다 (hotel은 → 호텔은)
        particle = attach(w[0], pair)[len(w[0]) :] if pair else ""
        return (w[1] if switch() else w[0]) + particle

    def adj(j: tuple, connect: bool = False) -> str:  # 좋았다 / 좋았고, 바꾸면 good했다 / good했고
        if switch():
            return j[1] + ("했고" if connect else "했다")
        return j[0][:-1] + "고" if connect else j[0]

    def be(w: tuple) -> str:
        return "were" if w[2] else "was"

    if template == 0:
        ko = f"{noun(a, '은/는')} {adv[0]} {adj(j1)}."
        en = f"The {a[1]} {be(a)} {adv[1]} {j1[1]}."
    elif template == 1:
        ko = f"{noun(a, '은/는')} {adj(j1, True)} {noun(b, None)}도 {adj(j2)}."
        en = f"The {a[1]} {be(a)} {j1[1]}, and the {b[1]} {be(b)} {j2[1]} too."
    elif template == 2:
        ko = f"이 {noun(place, None)}의 {noun(a, '은/는')} {adv[0]} {adj(j1)}."
        en = f"The {a[1]} at this {place[1]} {be(a)} {adv[1]} {j1[1]}."
    else:
        ctx = rng.choice(_CONTEXTS)
        ko = f"{ctx[0]} {noun(a, '은/는')} {adv[0]} {adj(j1)}."
        en = f"{ctx[1]} The {a[1]} {be(a)} {adv[1]} {j1[1]}."
    return Review(ko, en, TOPICS.index(topic), sentiment)


def generate_reviews(n: int, seed: int, code_switch: float = 0.0) -> list[Review]:
    """리뷰 ``n`` 편을 만든다. 평가는 좋음·나쁨이 번갈아 (균형), 분야는 무작위.

    Args:
        n: 리뷰 수 (1 이상).
        seed: 난수 시드 (같으면 같은 리뷰).
        code_switch: 한국어 문장의 대상·장소·평가어를 영어로 바꿀 확률 (0 이상 1 이하, 0 = 바꾸지 않음).
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n은 1 이상의 정수여야 합니다: {n!r}")
    if not 0.0 <= code_switch <= 1.0:
        raise ValueError(f"code_switch는 0 이상 1 이하여야 합니다: {code_switch!r}")
    rng = random.Random(seed)
    return [_review(rng, i % 2, code_switch) for i in range(n)]


def pretraining_documents(
    condition: str,
    n_mono: int,
    n_extra: int,
    seed: int = 0,
    exclude: Sequence[Review] = (),
) -> list[str]:
    """사전학습 조건 하나의 문서 목록. 문서마다 리뷰 한 편(병렬 쌍은 두 언어를 줄바꿈으로 이은 한 편).

    - ``"ko"``: 한국어 리뷰 ``n_mono`` 편 (단일언어 기준선).
    - ``"ko+en"``: 여기에 영어 리뷰 ``n_mono`` 편 (따로 뽑은 것, 서로 번역이 아니다). 어휘는 같이 쓴다.
    - ``"ko+en+parallel"``: 여기에 병렬 쌍 ``n_extra`` 편 (반은 한국어 → 영어, 반은 영어 → 한국어 순서).
    - ``"ko+en+code-switch"``: 병렬 쌍 대신 낱말을 반씩 영어로 바꾼 한국어 리뷰 ``n_extra`` 편.

    Args:
        condition: ``CONDITIONS`` 중 하나.
        n_mono: 언어마다 단일언어 리뷰 수.
        n_extra: 병렬 쌍 또는 코드 스위칭 리뷰 수.
        seed: 시드 (조건이 달라도 같은 시드면 한국어 부분은 같은 리뷰).
        exclude: 뺄 리뷰 (과제의 학습·시험 문장이 사전학습에 들어가지 않게).
    """
    if condition not in CONDITIONS:
        raise ValueError(f"condition은 {CONDITIONS} 중 하나여야 합니다: {condition!r}")
    if n_mono < 1 or n_extra < 0:
        raise ValueError(
            f"n_mono는 1 이상, n_extra는 0 이상이어야 합니다: n_mono={n_mono}, n_extra={n_extra}"
        )
    held = {r.ko for r in exclude} | {r.en for r in exclude}

    def fresh(reviews: list[Review]) -> list[Review]:
        return [r for r in reviews if r.ko not in held and r.en not in held]

    docs = [r.ko for r in fresh(generate_reviews(n_mono, seed * 10 + 1))]
    if condition == "ko":
        return docs
    docs += [r.en for r in fresh(generate_reviews(n_mono, seed * 10 + 2))]
    if condition == "ko+en+parallel" and n_extra:
        pairs = fresh(generate_reviews(n_extra, seed * 10 + 3))
        docs += [f"{r.ko}\n{r.en}" if i % 2 == 0 else f"{r.en}\n{r.ko}" for i, r in enumerate(pairs)]
    if condition == "ko+en+code-switch" and n_extra:
        docs += [r.ko for r in fresh(generate_reviews(n_extra, seed * 10 + 4, code_switch=0.5))]
    return docs


def _bos_batch(
    encode: Callable[[str], list[int]], texts: Sequence[str], bos_id: int, max_len: int, limit_name: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """문장마다 앞에 ``bos_id`` 를 붙이고 뒤를 채운 ``(N, T)`` 배치와, 평균에 넣을 자리의 마스크 ``(N, T, 1)``.

    마스크는 문장 토큰 자리만 1 이다 (앞의 ``bos_id`` 와 뒤의 채움은 0). 모델 한도 ``max_len`` 보다 긴 문장은
    조용히 자르지 않고 ``ValueError`` (``limit_name`` 은 그 한도를 가리키는 설정 이름).
    """
    if isinstance(texts, str) or not texts:
        raise ValueError("texts는 비어 있지 않은 문장 목록이어야 합니다")
    ids = [[bos_id, *encode(t)] for t in texts]
    longest = max(len(x) for x in ids)
    if longest > max_len:
        raise ValueError(f"문장이 너무 깁니다: 가장 긴 문장 {longest} 토큰 > {limit_name}={max_len}")
    batch = torch.tensor([x + [bos_id] * (longest - len(x)) for x in ids])
    mask = torch.tensor([[0.0] + [1.0] * (len(x) - 1) + [0.0] * (longest - len(x)) for x in ids])[..., None]
    return batch, mask


@torch.no_grad()
def sentence_features(
    model: GPT, encode: Callable[[str], list[int]], texts: Sequence[str], bos_id: int = 0
) -> torch.Tensor:
    """문장마다 층별 은닉 상태의 평균(mean pooling)을 이어 붙인 특징 ``(N, (L+1)·d)``.

    h_ℓ(s) = (1/|s|) Σ_{t∈s} h_ℓ[t]  (ℓ = 0: 토큰+위치 임베딩, ℓ = L: 마지막 LayerNorm 뒤),  f(s) = [h_0; …; h_L].
    문장 앞에 ``bos_id`` 를 붙여 넣고 그 자리는 평균에서 뺀다. 인과 마스크라 뒤에 붙인 채움(padding)은 앞 토큰의
    은닉 상태를 바꾸지 않는다.

    Args:
        model: 우리 :class:`GPT`.
        encode: 문장 → 토큰 id.
        texts: 문장들 (비어 있으면 ``ValueError``).
        bos_id: 문장 앞에 둘 토큰 (사전학습의 문서 경계 토큰).
    """
    model.eval()
    batch, mask = _bos_batch(encode, texts, bos_id, model.config.block_size, "block_size")
    longest = batch.size(1)
    tr = model.transformer
    h = tr.wte(batch) + tr.wpe(torch.arange(longest))
    layers = [h]
    for block in tr.h:
        h = block(h)
        layers.append(h)
    layers[-1] = tr.ln_f(h)
    return torch.cat([(x * mask).sum(1) / mask.sum(1) for x in layers], dim=1)


@torch.no_grad()
def llama_sentence_features(
    model, encode: Callable[[str], list[int]], texts: Sequence[str], bos_id: int = 0
) -> torch.Tensor:
    """:func:`sentence_features` 의 Llama(spine) 판: 층별 은닉 상태 평균을 이어 붙인 ``(N, (L+1)·d)``.

    ℓ = 0 은 토큰 임베딩(Llama 는 위치를 RoPE 로 어텐션 안에서 넣는다), ℓ = L 은 마지막 RMSNorm 뒤.
    """
    model.eval()
    batch, mask = _bos_batch(encode, texts, bos_id, model.config.max_seq_len, "max_seq_len")
    longest = batch.size(1)
    cos, sin = model.rope_cos[:longest], model.rope_sin[:longest]
    h = model.embed_tokens(batch)
    layers = [h]
    for block in model.layers:
        h = block(h, cos, sin, None)
        layers.append(h)
    layers[-1] = model.norm(h)
    return torch.cat([(x * mask).sum(1) / mask.sum(1) for x in layers], dim=1)


class LinearProbe:
    """표준화한 특징 위의 다항 로지스틱 회귀 (선형 탐사, linear probe).

    목적 함수 (``sklearn`` 의 ``LogisticRegression(C=C)`` 와 같다):

        min_{W,b}  C · Σ_i −log softmax(W z_i + b)[y_i]  +  ½‖W‖²,   z_i = (x_i − μ) / σ

    μ, σ 는 학습 특징의 평균과 표준편차다. L-BFGS 로 푼다.

    Args:
        C: 규제의 역수 (작을수록 가중치가 작다).
        max_iter: L-BFGS 반복 수.
    """

    def __init__(self, C: float = 0.1, max_iter: int = 500) -> None:
        if not C > 0:
            raise ValueError(f"C는 양수여야 합니다: {C!r}")
        self.C = float(C)
        self.max_iter = int(max_iter)

    def fit(self, X: torch.Tensor, y: Sequence[int]) -> LinearProbe:
        """특징 ``X (N, D)`` 와 정답 ``y`` (0..K−1) 로 학습한다."""
        X = torch.as_tensor(X, dtype=torch.float64)
        y = torch.as_tensor(list(y), dtype=torch.long)
        if X.dim() != 2 or len(X) != len(y) or len(y) == 0:
            raise ValueError(
                f"X (N, D)와 y (N,)의 길이가 맞아야 합니다: X={tuple(X.shape)}, y={tuple(y.shape)}"
            )
        self.classes = int(y.max()) + 1
        if len(torch.unique(y)) < 2:
            raise ValueError("y에 정답 종류가 둘 이상 있어야 합니다")
        self.mean = X.mean(0)
        self.std = X.std(0, unbiased=False).clamp_min(1e-12)
        Z = (X - self.mean) / self.std
        W = torch.zeros(X.shape[1], self.classes, dtype=torch.float64, requires_grad=True)
        b = torch.zeros(self.classes, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.LBFGS(
            [W, b],
            max_iter=self.max_iter,
            tolerance_grad=1e-10,
            tolerance_change=1e-14,
            line_search_fn="strong_wolfe",
        )

        def closure() -> torch.Tensor:
            opt.zero_grad()
            nll = torch.nn.functional.cross_entropy(Z @ W + b, y, reduction="sum")
            loss = self.C * nll + 0.5 * (W * W).sum()
            loss.backward()
            return loss

        opt.step(closure)
        self.W, self.b = W.detach(), b.detach()
        return self

    def predict(self, X: torch.Tensor) -> torch.Tensor:
        """가장 점수가 높은 정답 번호."""
        Z = (torch.as_tensor(X, dtype=torch.float64) - self.mean) / self.std
        return (Z @ self.W + self.b).argmax(1)

    def accuracy(self, X: torch.Tensor, y: Sequence[int]) -> float:
        """정확도."""
        return float((self.predict(X) == torch.as_tensor(list(y))).double().mean())
