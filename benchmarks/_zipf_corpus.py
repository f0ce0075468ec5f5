"""검색 벤치마크용 '현실적인 어휘' 말뭉치: 지프(Zipf) 빈도의 한국어 모양 토큰으로 만든 문서와 질의 (시드 고정).

생성 문장 말뭉치(``_bench_corpus.py``)는 틀에서 나와 형태소 종류가 300개쯤뿐이라 게시 목록(posting list)이 실제
말뭉치보다 훨씬 길다. 실제 텍스트의 어휘는 크고 빈도가 지프 법칙을 따른다 (r 번째로 흔한 낱말의 빈도 ∝ 1/r^s).
여기서는 그 모양만 흉내 낸다:

- 어휘: 서로 다른 토큰 ``n_types`` 개 (기본 60,000). 토큰은 무작위 한글 음절 1–4개 (흔한 순위일수록 짧다).
- 빈도: 지프–만델브로트 p(r) ∝ 1/(r + 2.7)^1.0 (r = 0, 1, …).
- 문서: 길이 ~ 로그정규 (중앙값 60 토큰, 최소 5), 토큰은 위 분포에서 독립으로 뽑는다.
- 질의: 무작위 문서 하나에서 토큰 2–6개를 뽑는다 (흔한 토큰도 섞인다: 한국어 형태소 질의의 조사·어미처럼).

문장 구조나 주제는 없으므로 검색 '품질' 이 아니라 속도(게시 목록 길이의 분포)를 재는 데만 쓴다.
"""

from __future__ import annotations

import numpy as np

__all__ = ["zipf_corpus", "describe"]


def _types(n_types: int, rng: np.random.Generator) -> list[str]:
    """서로 다른 한국어 모양 토큰 n_types 개 (순위가 높을수록 짧다)."""
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n_types:
        r = len(out)
        length = 1 + min(3, int(np.log10(r + 1) * 0.9 + rng.random() * 1.2))  # 1–4 음절
        tok = "".join(chr(0xAC00 + int(c)) for c in rng.integers(0, 11172, size=length))
        if tok not in seen:
            seen.add(tok)
            out.append(tok)
    return out


def zipf_corpus(
    n_docs: int = 100_000, n_queries: int = 1000, n_types: int = 60_000, seed: int = 0
) -> tuple[list[list[str]], list[list[str]]]:
    """(문서들, 질의들). 같은 인자는 언제나 같은 결과."""
    rng = np.random.default_rng(seed)
    types = _types(n_types, rng)
    p = 1.0 / (np.arange(n_types) + 2.7) ** 1.0  # 지프–만델브로트
    p /= p.sum()
    lengths = np.maximum(5, rng.lognormal(np.log(60), 0.6, size=n_docs).astype(np.int64))
    ids = rng.choice(n_types, size=int(lengths.sum()), p=p)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    toks = [types[i] for i in ids.tolist()]
    docs = [toks[offsets[i] : offsets[i + 1]] for i in range(n_docs)]
    queries = []
    for _ in range(n_queries):
        d = docs[int(rng.integers(n_docs))]
        m = int(rng.integers(2, 7))
        queries.append([d[int(j)] for j in rng.choice(len(d), size=min(m, len(d)), replace=False)])
    return docs, queries


def describe(docs: list[list[str]], queries: list[list[str]]) -> str:
    """말뭉치 요약 한 줄: 문서 수, 토큰 수, 실제로 나온 토큰 종류 수, 문서 길이, 질의 길이, 최대 게시 목록 비율."""
    from collections import Counter

    df: Counter[str] = Counter()
    for d in docs:
        df.update(set(d))
    n_tok = sum(map(len, docs))
    top = df.most_common(1)[0][1] / len(docs)
    return (
        f"문서 {len(docs):,}개, 토큰 {n_tok:,}개, 토큰 종류 {len(df):,}개, 문서 길이 평균 {n_tok / len(docs):.1f}, "
        f"질의 {len(queries):,}개 (평균 {np.mean([len(q) for q in queries]):.1f} 토큰), "
        f"가장 흔한 토큰이 나오는 문서 비율 {top:.2f}"
    )


if __name__ == "__main__":
    import time

    t = time.perf_counter()
    d, q = zipf_corpus()
    print(describe(d, q), f"({time.perf_counter() - t:.1f} s)")
