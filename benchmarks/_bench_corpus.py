"""BM25/TF-IDF 벤치마크용 한국어 말뭉치: 생성 문장(llmnotes.textgen)으로 문서를 만들고 Kiwi 형태소로 토큰화한다.

- 문서: 생성 문장 2–5개를 이어 붙인 것. 같은 (n_docs, seed) 는 언제나 같은 말뭉치.
- 질의: 다른 시드로 만든 생성 문장 하나를 형태소로 토큰화한 것 (조사·어미까지 모두 포함).
- 토큰화 결과는 ``llmnotes.paths.cache_dir()/bench_corpus/`` 에 npz 로 캐시한다 (pickle 없음).
  생성 문장은 틀에서 나오므로 같은 문장이 많다: 서로 다른 문장만 한 번씩 Kiwi 로 분석한다.

생성기의 어휘가 작아서 (어절 약 350종, 형태소 약 300종) 형태소마다 등장 문서 수가 크다. 실제 검색 말뭉치보다
게시 목록(posting list)이 훨씬 길어 희소 행렬 방식에는 불리한 조건이다.
"""

from __future__ import annotations

import json
import random
import sys
import time

import numpy as np

from llmnotes.morph import tokenize_batch
from llmnotes.paths import cache_dir
from llmnotes.textgen import generate

__all__ = ["load_corpus", "load_queries", "load_texts"]

_VERSION = 1


def _kiwi_version() -> str:
    import kiwipiepy

    return str(getattr(kiwipiepy, "__version__", "unknown"))


def _doc_sizes(n_docs: int, seed: int) -> list[int]:
    r = random.Random(seed)
    return [r.randint(2, 5) for _ in range(n_docs)]


def load_texts(n_docs: int, seed: int = 0) -> list[str]:
    """문서 원문 n_docs 개 (문장 2–5개씩)."""
    sizes = _doc_sizes(n_docs, seed)
    sents = generate(sum(sizes), seed=seed)
    out, i = [], 0
    for s in sizes:
        out.append(" ".join(sents[i : i + s]))
        i += s
    return out


def _tokenize_sentences(sents: list[str]) -> list[list[str]]:
    """서로 다른 문장만 Kiwi 로 분석하고 결과를 재사용한다."""
    uniq = sorted(set(sents))
    t0 = time.perf_counter()
    analysed = tokenize_batch(uniq)
    print(
        f"  Kiwi: 서로 다른 문장 {len(uniq):,}개 분석 ({time.perf_counter() - t0:.1f} s)",
        file=sys.stderr,
    )
    table = {s: [m.form for m in a] for s, a in zip(uniq, analysed, strict=True)}
    return [table[s] for s in sents]


def _cached(name: str, build) -> list[list[str]]:
    path = cache_dir() / "bench_corpus" / f"{name}_v{_VERSION}_kiwi{_kiwi_version()}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as z:
            vocab = json.loads(str(z["vocab"]))
            ids, offsets = z["ids"], z["offsets"]
        toks = [vocab[i] for i in ids.tolist()]
        return [toks[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]
    docs = build()
    vocab_index: dict[str, int] = {}
    ids = np.array([vocab_index.setdefault(t, len(vocab_index)) for d in docs for t in d], dtype=np.int32)
    offsets = np.zeros(len(docs) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(d) for d in docs])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, ids=ids, offsets=offsets, vocab=np.array(json.dumps(list(vocab_index), ensure_ascii=False)))
    tmp.replace(path)
    return docs


def load_corpus(n_docs: int, seed: int = 0) -> list[list[str]]:
    """형태소로 토큰화한 문서 n_docs 개 (캐시 사용)."""

    def build() -> list[list[str]]:
        sizes = _doc_sizes(n_docs, seed)
        sents = generate(sum(sizes), seed=seed)
        toks = _tokenize_sentences(sents)
        out, i = [], 0
        for s in sizes:
            out.append([t for sent in toks[i : i + s] for t in sent])
            i += s
        return out

    return _cached(f"docs_{n_docs}_seed{seed}", build)


def load_queries(n_queries: int = 1000, seed: int = 12345) -> list[list[str]]:
    """형태소로 토큰화한 질의 n_queries 개 (생성 문장 하나씩, 캐시 사용)."""
    return _cached(
        f"queries_{n_queries}_seed{seed}", lambda: _tokenize_sentences(generate(n_queries, seed=seed))
    )


if __name__ == "__main__":
    for n in (10_000, 100_000):
        t = time.perf_counter()
        docs = load_corpus(n)
        n_tok = sum(map(len, docs))
        n_types = len({t for d in docs for t in d})
        print(f"{n:,} 문서: 토큰 {n_tok:,}, 형태소 종류 {n_types:,} ({time.perf_counter() - t:.1f} s)")
    print(f"질의 {len(load_queries()):,}개")
