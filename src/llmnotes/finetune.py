"""우리 Llama(:mod:`llmnotes.llama`) 위에 분류 머리를 얹어 미세조정하기: 평균 풀링 또는 마지막 토큰 풀링.

디코더 전용 모델의 은닉 상태 :math:`h_1, \\dots, h_T \\in \\mathbb{R}^{C}` (마지막 RMSNorm 뒤)에서 문장 표현 하나를
만들고, 선형층 하나로 로짓을 낸다.

- **마지막 토큰 풀링** (``pooling="last"``): 인과 마스크 때문에 마지막 실제 토큰만 문장 전체를 본다.
  :math:`u = h_{\\text{last}}`. ``transformers`` 의 ``LlamaForSequenceClassification`` 과 같은 규칙이라 가중치를
  옮기면 로짓이 같다 (:func:`to_hf_sequence_classifier`, 테스트로 확인).
- **평균 풀링** (``pooling="mean"``): 실제 토큰(마스크가 1인 자리)의 평균 :math:`u = \\frac{1}{\\sum_t m_t}\\sum_t m_t h_t`.
  모든 위치의 정보를 고르게 쓴다.

로짓은 :math:`z = W u (+ b),\\; W \\in \\mathbb{R}^{K \\times C}`. 학습 루프는 :func:`llmnotes.classify.train_classifier`
하나를 같이 쓴다 (이 모듈은 모델만 더한다). 채우기는 오른쪽으로 한다: 인과 마스크 덕분에 실제 토큰은 뒤에 오는 채움
토큰을 보지 않으므로, 채움이 있어도 실제 토큰의 은닉 상태는 채움이 없을 때와 같다.

사용 예::

    lm = load_pretrained(path)                                   # 우리 Llama
    clf = LlamaClassifier(lm, num_labels=2, pooling="mean")
    data = encode_dataset(texts, labels, tok, max_length=lm.config.max_seq_len)
    train_classifier(clf, data, ClassifierTrainConfig(lr=3e-4, epochs=5))
    pred = predict(clf, data)
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable, Mapping

import torch
import torch.nn as nn

from .classify import last_token_index
from .llama import Llama

__all__ = [
    "POOLINGS",
    "LlamaClassifier",
    "hidden_states",
    "pool",
    "pooled_features",
    "freeze",
    "to_hf_sequence_classifier",
    "strip_rating",
    "text_sha256",
    "task_sha256",
    "review_sentences",
    "review_phrasings",
    "phrasing_halves",
    "review_task",
    "balanced_subset",
    "validation_sample",
]

POOLINGS = ("mean", "last")


def hidden_states(lm: Llama, input_ids: torch.Tensor) -> torch.Tensor:
    """우리 Llama 의 마지막 은닉 상태 ``(B, T, C)`` (마지막 RMSNorm 뒤, 출력층 앞).

    :meth:`llmnotes.llama.Llama.forward` 에서 ``lm_head`` 만 뺀 것과 같다: :math:`h = \\mathrm{RMSNorm}(x_L)`.

    Args:
        lm: 우리 :class:`~llmnotes.llama.Llama`.
        input_ids: ``(B, T)`` 토큰 번호 (T ≤ ``max_seq_len``).
    """
    if input_ids.dim() != 2 or input_ids.size(1) == 0:
        raise ValueError(f"input_ids는 비어 있지 않은 (B, T)여야 합니다: shape={tuple(input_ids.shape)}")
    T = input_ids.size(1)
    if T > lm.config.max_seq_len:
        raise ValueError(f"input_ids의 길이 T={T}: max_seq_len={lm.config.max_seq_len}보다 깁니다")
    if int(input_ids.min()) < 0 or int(input_ids.max()) >= lm.config.vocab_size:
        raise ValueError(f"input_ids에 어휘 범위 [0, {lm.config.vocab_size}) 밖의 값이 있습니다")
    cos, sin = lm.rope_cos[:T], lm.rope_sin[:T]
    x = lm.embed_tokens(input_ids)  # h₀ = E[x]
    for block in lm.layers:
        x = block(x, cos, sin, None)  # 인과 어텐션 + SwiGLU, 잔차 연결
    return lm.norm(x)


def pool(h: torch.Tensor, mask: torch.Tensor, pooling: str) -> torch.Tensor:
    """은닉 상태 ``(B, T, C)`` 와 0/1 마스크 ``(B, T)`` 에서 문장 표현 ``(B, C)`` 를 만든다.

    Args:
        h: 은닉 상태.
        mask: 실제 토큰 1, 채움 0.
        pooling: ``"mean"`` 또는 ``"last"``.
    """
    if pooling not in POOLINGS:
        raise ValueError(f"pooling은 {POOLINGS} 가운데 하나여야 합니다: {pooling!r}")
    if (mask.sum(dim=1) == 0).any():
        bad = int(torch.nonzero(mask.sum(dim=1) == 0)[0, 0])
        raise ValueError(f"mask의 {bad}번째 행에 실제 토큰이 없습니다 (모두 채움)")
    if pooling == "last":
        idx = last_token_index(mask, mask)  # 가장 오른쪽의 실제 토큰
        return h[torch.arange(h.shape[0], device=h.device), idx]  # u = h_last
    m = mask.unsqueeze(-1).to(h.dtype)  # (B, T, 1)
    return (h * m).sum(dim=1) / m.sum(dim=1)  # u = Σ_t m_t h_t / Σ_t m_t


class LlamaClassifier(nn.Module):
    """우리 Llama 몸통(backbone) + 풀링 + 선형 분류 머리.

    몸통 ``lm`` 은 복사하지 않고 그대로 쓴다 (학습하면 제자리에서 바뀐다). 출력층 ``lm.lm_head`` 는 분류에 쓰지 않지만,
    토큰 임베딩과 가중치를 공유하므로 미세조정 뒤에도 ``lm`` 으로 퍼플렉서티를 잴 수 있다 (망각 측정).

    Args:
        lm: 우리 :class:`~llmnotes.llama.Llama`.
        num_labels: 클래스 수 K (2 이상).
        pooling: ``"mean"`` (실제 토큰 평균) 또는 ``"last"`` (마지막 실제 토큰).
        pad_token_id: 채움 토큰 번호 (``attention_mask`` 없이 부를 때 실제 토큰을 가리는 데 쓴다).
        bias: 분류 머리에 편향을 둘지 (HF ``LlamaForSequenceClassification`` 과 같게 하려면 ``False``).
    """

    def __init__(
        self,
        lm: Llama,
        num_labels: int,
        pooling: str = "mean",
        pad_token_id: int | None = None,
        bias: bool = False,
    ) -> None:
        super().__init__()
        if not isinstance(lm, Llama):
            raise TypeError(f"lm은 llmnotes.llama.Llama여야 합니다: {type(lm).__name__}")
        if not isinstance(num_labels, int) or isinstance(num_labels, bool) or num_labels < 2:
            raise ValueError(f"num_labels는 2 이상의 정수여야 합니다: {num_labels!r}")
        if pooling not in POOLINGS:
            raise ValueError(f"pooling은 {POOLINGS} 가운데 하나여야 합니다: {pooling!r}")
        self.lm = lm
        self.num_labels = num_labels
        self.pooling = pooling
        self.pad_token_id = pad_token_id
        self.score = nn.Linear(lm.config.n_embd, num_labels, bias=bias)
        nn.init.normal_(self.score.weight, std=0.02)  # 몸통의 초기화와 같은 표준편차
        if bias:
            nn.init.zeros_(self.score.bias)

    def _mask(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
        if attention_mask is not None:
            if attention_mask.shape != input_ids.shape:
                raise ValueError(
                    f"attention_mask 모양이 input_ids 모양과 다릅니다: {tuple(attention_mask.shape)} ≠ {tuple(input_ids.shape)}"
                )
            return attention_mask.to(torch.int64)
        if self.pad_token_id is not None:
            return (input_ids != self.pad_token_id).to(torch.int64)
        return torch.ones_like(input_ids)

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """문장 표현 ``(B, C)``: 평균 풀링 또는 마지막 토큰 풀링."""
        mask = self._mask(input_ids, attention_mask)
        return pool(hidden_states(self.lm, input_ids), mask, self.pooling)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """로짓 ``(B, K)``."""
        return self.score(self.pooled(input_ids, attention_mask))  # z = W u


def freeze(module: nn.Module) -> nn.Module:
    """모든 파라미터의 ``requires_grad`` 를 끈다 (선형 탐사: 몸통을 얼리고 머리만 학습). ``module`` 을 돌려준다."""
    for p in module.parameters():
        p.requires_grad_(False)
    return module


def to_hf_sequence_classifier(clf: LlamaClassifier):
    """같은 가중치의 ``transformers.LlamaForSequenceClassification`` 을 만든다 (마지막 토큰 풀링만, 비교용).

    HF 는 ``config.pad_token_id`` 로 마지막 실제 토큰을 찾으므로 ``clf.pad_token_id`` 가 있어야 한다.

    Args:
        clf: ``pooling="last"``, 편향 없는 :class:`LlamaClassifier`.
    """
    from transformers import LlamaForSequenceClassification

    from .llama_hf import to_hf_config

    if clf.pooling != "last":
        raise ValueError(f"HF 분류기는 마지막 토큰 풀링만 합니다: pooling={clf.pooling!r}")
    if clf.score.bias is not None:
        raise ValueError("HF LlamaForSequenceClassification의 score 층에는 편향이 없습니다: bias=True")
    if clf.pad_token_id is None:
        raise ValueError("pad_token_id가 필요합니다 (HF는 채움 토큰 번호로 마지막 위치를 찾는다): None")
    cfg = to_hf_config(clf.lm.config, pad_token_id=clf.pad_token_id)
    cfg.num_labels = clf.num_labels
    hf = LlamaForSequenceClassification(cfg).to(clf.score.weight.dtype)
    sd = {"model." + k: v.clone() for k, v in clf.lm.state_dict().items() if k != "lm_head.weight"}
    sd["score.weight"] = clf.score.weight.detach().clone()
    hf.load_state_dict(sd, strict=True)
    return hf.eval()


@torch.no_grad()
def pooled_features(
    lm: Llama, data: Mapping[str, torch.Tensor], poolings: Iterable[str] = POOLINGS, batch_size: int = 64
) -> dict[str, torch.Tensor]:
    """몸통을 얼린 채 문장 표현을 한 번만 계산해 둔다 (선형 탐사용): ``{풀링: (N, C)}``.

    몸통이 바뀌지 않으면 표현도 바뀌지 않으므로, 머리를 여러 번 학습해도 몸통의 순전파는 한 번이면 된다.

    Args:
        lm: 우리 Llama.
        data: ``input_ids`` 와 ``attention_mask`` 가 있는 사전 (:func:`llmnotes.classify.encode_dataset`).
        poolings: 계산할 풀링들.
        batch_size: 한 번에 계산할 문장 수.
    """
    poolings = tuple(poolings)
    for p in poolings:
        if p not in POOLINGS:
            raise ValueError(f"poolings에 모르는 풀링이 있습니다: {p!r} (가능: {POOLINGS})")
    was_training = lm.training
    lm.eval()
    out: dict[str, list[torch.Tensor]] = {p: [] for p in poolings}
    n = data["input_ids"].shape[0]
    for start in range(0, n, batch_size):
        mask = data["attention_mask"][start : start + batch_size].to(torch.int64)
        t = int(mask.sum(dim=1).max())  # 오른쪽 채우기: 이 묶음의 가장 긴 문장까지만 계산
        h = hidden_states(lm, data["input_ids"][start : start + batch_size, :t])
        for p in poolings:
            out[p].append(pool(h, mask[:, :t], p))
    lm.train(was_training)
    return {p: torch.cat(v) for p, v in out.items()}


# ---------------------------------------------------------------------------------------------------------------
# 과제 데이터: 세계 리뷰의 감성 (사전학습 말뭉치와 같은 분포, 하지만 그 문서들은 아닌 새 문서)
# ---------------------------------------------------------------------------------------------------------------

_RATING = re.compile(r"\s*별점은 [0-9]+점(?:이에요|이다)\.")


def strip_rating(text: str) -> str:
    """세계 리뷰에서 별점 문장('별점은 4점이다.', '별점은 1점이에요.')을 지운다. 별점은 레이블을 그대로 알려 주기 때문이다.

    Args:
        text: 리뷰 본문.
    """
    if not isinstance(text, str):
        raise TypeError(f"text는 str이어야 합니다: {type(text).__name__}")
    out = _RATING.sub("", text).strip()
    if "별점" in out:
        raise ValueError(f"별점 문장을 지우지 못했습니다 (모르는 형식): {text!r}")
    return out


def text_sha256(text: str) -> str:
    """텍스트의 SHA-256 (UTF-8). 사전학습 문서와 겹치는지 볼 때 쓴다."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def task_sha256(rows: Iterable[tuple[str, int]]) -> str:
    """``(텍스트, 레이블)`` 목록의 SHA-256 (줄마다 ``레이블\t텍스트``). 노트북이 레시피와 같은 데이터인지 확인할 때 쓴다."""
    return hashlib.sha256("\n".join(f"{y}\t{t}" for t, y in rows).encode("utf-8")).hexdigest()


def review_sentences(text: str) -> list[str]:
    """리뷰를 문장으로 나눈다 (세계 문서는 문장을 '. ' 로 잇는다). 끝의 마침표는 남긴다."""
    return [p if p.endswith(".") else p + "." for p in text.split(". ") if p]


def review_phrasings(
    world, n_docs: int = 3000, seed: int = 0, min_share: float = 0.03
) -> dict[int, list[str]]:
    """세계 리뷰의 감상 문장 목록 (레이블 → 문장들): 한 레이블의 리뷰에만, 그리고 그 레이블 리뷰의
    ``min_share`` 이상에 나오는 문장. 제품 이름·값·제조사가 들어간 문장은 리뷰마다 달라서 빠진다.

    Args:
        world: :func:`llmnotes.world.build_world` 의 결과.
        n_docs: 세어 볼 리뷰 수.
        seed: 생성 시드.
        min_share: 최소 등장 비율.
    """
    from collections import Counter

    from .world import generate_documents

    counts: dict[int, Counter] = {0: Counter(), 1: Counter()}
    n_label = Counter()
    for d in generate_documents(world, n_docs, seed=seed, genres=["review"], split="train"):
        n_label[d.label] += 1
        counts[d.label].update(set(review_sentences(strip_rating(d.text))))
    return {
        y: sorted(s for s, c in counts[y].items() if c >= min_share * n_label[y] and counts[1 - y][s] == 0)
        for y in (0, 1)
    }


def phrasing_halves(phrasings: Mapping[int, list[str]]) -> tuple[frozenset[str], frozenset[str]]:
    """감상 표현을 두 무리 A, B 로 나눈다 (레이블마다, 말투마다 비슷한 수가 되게).

    같은 뜻의 평서체·해요체 문장('정말 마음에 든다.', '정말 마음에 들어요.')은 앞 네 글자가 같으므로 한 묶음으로 보고
    같은 무리에 넣는다. 그래야 한 무리만 본 모델이 다른 무리의 문장을 어미만 바꿔 알아보는 일이 없다. 두 말투가 다 있는
    묶음은 번갈아 A, B 에 넣고, 한 말투뿐인 묶음은 B 에 넣는다.

    Returns:
        ``(A, B)``: 각각 감상 문장의 집합.
    """
    a: set[str] = set()
    b: set[str] = set()
    for y in sorted(phrasings):
        groups: dict[str, list[str]] = {}
        for t in phrasings[y]:
            groups.setdefault(t[:4], []).append(t)
        both = [k for k in sorted(groups) if len({t.endswith("요.") for t in groups[k]}) == 2]
        for i, key in enumerate(both):
            (a if i % 2 == 0 else b).update(groups[key])
        for key in sorted(set(groups) - set(both)):
            b.update(groups[key])
    return frozenset(a), frozenset(b)


def review_task(
    world,
    sizes: Mapping[str, int],
    seed: int,
    exclude_sha256: Iterable[str] = (),
    allowed: Mapping[str, frozenset[str]] | None = None,
    phrasings: Iterable[str] = (),
) -> tuple[dict[str, list[tuple[str, int]]], list[str]]:
    """세계 리뷰로 감성 분류 과제를 만든다: split 마다 긍정·부정이 반씩인 ``(별점을 지운 텍스트, 레이블)`` 목록.

    ``llmnotes.world.generate_documents(world, k, seed, genres=["review"], split="train")`` 의 앞에서부터 문서를
    읽으며, 원문의 해시가 ``exclude_sha256`` 에 있으면 (= 사전학습 말뭉치에 있던 문서면) 건너뛰고, 별점을 지운 텍스트가
    앞에서 이미 나온 것과 같아도 건너뛴다. 리뷰는 ``sizes`` 순서로, 그 레이블이 아직 모자라고 리뷰의 감상 문장
    (``phrasings`` 에 든 문장)이 모두 ``allowed[split]`` 안에 있는 첫 split 에 들어간다. 같은 인자면 언제나 같은 결과.

    Args:
        world: :func:`llmnotes.world.build_world` 의 결과.
        sizes: split 이름 → 문서 수 (짝수, 예: ``{"train": 400, "dev": 200, "test": 300}``).
        seed: 문서 생성 시드 (사전학습 말뭉치가 쓴 시드와 다르게).
        exclude_sha256: 건너뛸 원문 해시들.
        allowed: split 이름 → 허용하는 감상 문장 집합 (없는 split 은 제한 없음).
        phrasings: 감상 문장 전체 (:func:`review_phrasings`). ``allowed`` 를 쓸 때 필요하다.

    Returns:
        ``(과제, 건너뛴 원문 해시 목록)``. 과제는 split 이름 → 섞인 ``(text, label)`` 목록.
    """
    from .world import generate_documents

    for name, n in sizes.items():
        if not isinstance(n, int) or isinstance(n, bool) or n < 2 or n % 2:
            raise ValueError(f"sizes[{name!r}]는 2 이상의 짝수여야 합니다: {n!r}")
    allowed = dict(allowed or {})
    for name in allowed:
        if name not in sizes:
            raise ValueError(f"allowed에 sizes에 없는 split이 있습니다: {name!r}")
    inventory = set(phrasings)
    if allowed and not inventory:
        raise ValueError("allowed를 쓰려면 phrasings(감상 문장 전체)가 필요합니다: phrasings=()")
    exclude = set(exclude_sha256)
    k = 12 * sum(sizes.values())
    while True:
        rows: dict[str, dict[int, list[str]]] = {name: {0: [], 1: []} for name in sizes}
        seen: set[str] = set()
        skipped: list[str] = []
        for d in generate_documents(world, k, seed=seed, genres=["review"], split="train"):
            h = text_sha256(d.text)
            if h in exclude:
                skipped.append(h)
                continue
            text = strip_rating(d.text)
            if text in seen:
                continue
            seen.add(text)
            used = {s for s in review_sentences(text) if s in inventory}
            for name, n in sizes.items():
                if len(rows[name][d.label]) < n // 2 and (name not in allowed or used <= allowed[name]):
                    rows[name][d.label].append(text)
                    break
        if all(len(rows[name][y]) == n // 2 for name, n in sizes.items() for y in (0, 1)):
            break
        if k > 1000 * sum(sizes.values()):
            raise ValueError(f"조건에 맞는 리뷰를 다 모으지 못했습니다: sizes={dict(sizes)!r}")
        k *= 2  # 앞부분은 같으므로 더 많이 만들면 된다
    task: dict[str, list[tuple[str, int]]] = {}
    for name in sizes:
        out = [(t, y) for y in (0, 1) for t in rows[name][y]]
        random.Random(f"{seed}-{name}").shuffle(out)
        task[name] = out
    return task, skipped


def balanced_subset(labels: list[int], n: int, seed: int) -> list[int]:
    """레이블이 반씩인 ``n`` 개의 번호 (시드마다 다른 부분집합, 같은 시드에서 작은 집합은 큰 집합에 포함된다).

    Args:
        labels: 0/1 레이블들.
        n: 고를 개수 (1 이상, 모두 이하).
        seed: 섞기 시드.
    """
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= len(labels):
        raise ValueError(f"n은 1 이상 {len(labels)} 이하의 정수여야 합니다: {n!r}")
    r = random.Random(seed)
    per = {y: [i for i, v in enumerate(labels) if v == y] for y in (0, 1)}
    for y in (0, 1):
        r.shuffle(per[y])
    order = [i for pair in zip(per[0], per[1]) for i in pair]  # 부정, 긍정, 부정, 긍정 … 번갈아
    order += per[0][len(per[1]) :] + per[1][len(per[0]) :]
    return sorted(order[:n])


def validation_sample(data_seed: int, val_fraction: float, n_generated: int = 3000) -> list[str]:
    """spine 사전학습의 검증 문서 일부를 싸게 다시 만든다 (망각 측정용).

    ``llmnotes.world.pretraining_corpus`` 는 세계 문서를 ``generate_documents(world, k, seed=data_seed·1000, "train")``
    로 만들고, ``train_validation_split`` 이 텍스트 해시로 검증 문서를 고른다. 생성은 앞에서부터 결정적이므로 첫
    ``n_generated`` 개만 만들어 같은 해시 규칙을 적용하면 검증 문서의 일부가 정확히 나온다 (말뭉치 전체를 만들 필요가
    없다). 레시피(:mod:`llmnotes.recipes.transfer`)가 실제 검증 문서에 모두 들어 있는지 확인해 해시를 기록한다.

    Args:
        data_seed: spine 레시피의 ``data_seed``.
        val_fraction: spine 레시피의 ``val_fraction``.
        n_generated: 앞에서부터 만들 세계 문서 수.
    """
    from .world import build_world, generate_documents, train_validation_split

    docs = generate_documents(build_world(data_seed), n_generated, seed=data_seed * 1000, split="train")
    texts = list(dict.fromkeys(d.text for d in docs))  # 순서를 지키며 중복 제거 (말뭉치도 같은 문서는 한 번)
    _, val = train_validation_split(texts, val_fraction, seed=data_seed)
    return val
