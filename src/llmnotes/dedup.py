"""중복 제거(deduplication): 정규화 해시로 완전 중복을, MinHash + LSH 로 유사 중복을 찾는다.

1. **완전 중복(exact duplicate)**: 텍스트를 정규화(NFC, 공백 한 칸, 앞뒤 공백 제거)한 뒤 SHA-1 해시가 같으면
   같은 문서로 본다. NFD 로 저장된 한글("한" = ᄒ+ᅡ+ᆫ)이나 공백만 다른 사본도 같은 해시가 된다.
2. **유사 중복(near duplicate)**: 문서를 글자 n-그램 집합(shingles)으로 보고 자카드 유사도
   J(A, B) = |A ∩ B| / |A ∪ B| 가 임계값 이상인 쌍을 찾는다. 모든 쌍을 비교하면 O(N²) 이므로
   MinHash 서명(signature)으로 J 를 추정하고, LSH 밴딩(banding)으로 후보 쌍만 비교한다.

MinHash 는 ``datasketch`` 2.x 의 기본 방식(``scheme="affine32"``)과 옛 방식(``"legacy"``, 메르센 소수)을 그대로
따라 만들었다: 같은 ``seed`` 와 ``num_perm`` 이면 서명이 비트까지 같다 (``tests/test_dedup.py``).
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "MERSENNE_PRIME",
    "SCHEMES",
    "normalize",
    "exact_hash",
    "exact_duplicates",
    "shingles",
    "jaccard",
    "sha1_hash32",
    "permutations",
    "minhash_signature",
    "minhash_signatures",
    "estimate_jaccard",
    "LSHConfig",
    "lsh_candidates",
    "candidate_probability",
    "near_duplicates",
    "remove_from_pairs",
    "check_documents",
]

MERSENNE_PRIME = (1 << 61) - 1  # p = 2⁶¹ − 1 (legacy 방식의 모듈러)
MAX_HASH32 = (1 << 32) - 1
SCHEMES = ("affine32", "legacy")
_SPACES = re.compile(r"\s+")


def check_documents(docs: object, name: str = "docs") -> list[str]:
    """문서 목록을 검사해 NFC 문자열 리스트로 돌려준다. 비었거나 문자열이 아닌 원소가 있으면 오류."""
    if isinstance(docs, str) or not isinstance(docs, Iterable):
        raise TypeError(f"{name}: 문자열의 리스트여야 합니다 (받은 형식 {type(docs).__name__})")
    docs = list(docs)
    if not docs:
        raise ValueError(f"{name}: 비어 있습니다 (문서 0개)")
    for i, d in enumerate(docs):
        if not isinstance(d, str):
            raise TypeError(f"{name}[{i}]가 str이 아닙니다: {type(d).__name__} {d!r}")
    return [unicodedata.normalize("NFC", d) for d in docs]


def normalize(text: str) -> str:
    """완전 중복 비교용 정규화: NFC, 모든 공백 덩어리를 한 칸으로, 앞뒤 공백 제거.

    Args:
        text: 문서 텍스트.
    """
    if not isinstance(text, str):
        raise TypeError(f"text는 str이어야 합니다: {type(text).__name__} {text!r}")
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def exact_hash(text: str) -> str:
    """정규화한 텍스트의 SHA-1 16진 해시."""
    return hashlib.sha1(normalize(text).encode("utf-8")).hexdigest()


def exact_duplicates(docs: Sequence[str]) -> list[int]:
    """완전 중복 문서의 번호. 같은 해시가 여러 번 나오면 첫 문서만 남기고 나머지 번호를 돌려준다.

    Args:
        docs: 문서 텍스트 목록 (비어 있으면 ``ValueError``, 문자열이 아니면 ``TypeError``).
    """
    docs = check_documents(docs)
    seen: set[str] = set()
    dup: list[int] = []
    for i, d in enumerate(docs):
        h = exact_hash(d)
        if h in seen:
            dup.append(i)
        else:
            seen.add(h)
    return dup


def shingles(text: str, n: int = 5) -> set[str]:
    """글자 n-그램 집합 (정규화한 텍스트에서). 텍스트가 n 보다 짧으면 텍스트 전체 하나.

    Args:
        text: 문서 텍스트.
        n: n-그램 길이 (1 이상).
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n (n-그램 크기)은 1 이상의 정수여야 합니다: {n!r}")
    t = normalize(text)
    if len(t) <= n:
        return {t} if t else set()
    return {t[i : i + n] for i in range(len(t) - n + 1)}


def jaccard(a: set, b: set) -> float:
    """자카드 유사도 J(A, B) = |A ∩ B| / |A ∪ B| (둘 다 비면 1)."""
    union = len(a | b)
    return 1.0 if union == 0 else len(a & b) / union


def sha1_hash32(data: bytes) -> int:
    """SHA-1 다이제스트의 앞 4바이트를 리틀 엔디언 부호 없는 32비트 정수로 읽는다 (datasketch 와 같다)."""
    return struct.unpack("<I", hashlib.sha1(data).digest()[:4])[0]


def permutations(num_perm: int = 128, seed: int = 1, scheme: str = "affine32") -> np.ndarray:
    """MinHash 의 무작위 순열 파라미터 (a, b), 모양 ``(2, num_perm)``.

    ``np.random.RandomState(seed)`` 에서 datasketch 와 같은 순서로 뽑는다.

    - affine32: a = 2·U[0, 2³¹) + 1 (홀수), b = U[0, 2³²). 모두 uint32.
    - legacy: 순열마다 (a, b) = (U[1, p), U[0, p)), p = 2⁶¹ − 1. uint64.
    """
    if not isinstance(num_perm, int) or isinstance(num_perm, bool) or num_perm < 1:
        raise ValueError(f"num_perm은 1 이상의 정수여야 합니다: {num_perm!r}")
    if scheme not in SCHEMES:
        raise ValueError(f"scheme은 {SCHEMES} 중 하나여야 합니다: {scheme!r}")
    gen = np.random.RandomState(seed)
    if scheme == "legacy":
        p = np.uint64(MERSENNE_PRIME)
        pairs = [
            (gen.randint(1, p, dtype=np.uint64), gen.randint(0, p, dtype=np.uint64)) for _ in range(num_perm)
        ]
        return np.array(pairs, dtype=np.uint64).T
    # 홀수 a 는 2³² 와 서로소라서 h ↦ a·h + b (mod 2³²) 가 [0, 2³²) 위의 전단사(순열)가 된다.
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return np.array([a, b])


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3 의 32비트 마무리 섞기(finalizer): [0, 2³²) 위의 고정된 전단사. uint32 곱은 mod 2³² 로 넘친다."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def minhash_signature(shingle_set: Iterable[str], perms: np.ndarray, scheme: str = "affine32") -> np.ndarray:
    """집합 하나의 MinHash 서명: 순열 k 마다 sig[k] = min_{x ∈ A} π_k(h(x)).

    Pr[sig_A[k] = sig_B[k]] = J(A, B) 이므로 (최솟값을 갖는 원소가 A ∪ B 에서 고르게 뽑히고, 그 원소가
    A ∩ B 에 있을 확률이 J), 서명의 일치 비율이 자카드 유사도의 불편 추정량이다.

    Args:
        shingle_set: 문자열 집합 (UTF-8 바이트로 해시한다).
        perms: :func:`permutations` 의 결과.
        scheme: 'affine32' 또는 'legacy'.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme은 {SCHEMES} 중 하나여야 합니다: {scheme!r}")
    a, b = perms
    hv_list = [sha1_hash32(s.encode("utf-8")) for s in shingle_set]  # h(x): 32비트 해시
    if scheme == "legacy":
        if not hv_list:
            return np.full(a.shape[0], MAX_HASH32, dtype=np.uint64)
        hv = np.array(hv_list, dtype=np.uint64)[:, None]
        # π_k(h) = ((a_k·h + b_k) mod p) & (2³² − 1): a·h < 2⁶¹·2³² 이 uint64 에서 넘칠 수 있는데, datasketch 도
        # 같은 uint64 산술(넘침 포함)을 하므로 값이 같다.
        phv = np.bitwise_and((hv * a + b) % np.uint64(MERSENNE_PRIME), np.uint64(MAX_HASH32))
        return phv.min(axis=0)
    if not hv_list:
        return np.full(a.shape[0], MAX_HASH32, dtype=np.uint32)
    hv = _fmix32(np.array(hv_list, dtype=np.uint32))[:, None]
    phv = hv * a + b  # π_k(h) = a_k·fmix(h) + b_k mod 2³² (uint32 넘침이 곧 mod 2³²)
    return phv.min(axis=0)


def minhash_signatures(
    docs: Sequence[str], n: int = 5, num_perm: int = 128, seed: int = 1, scheme: str = "affine32"
) -> np.ndarray:
    """문서마다 글자 n-그램 MinHash 서명, 모양 ``(문서 수, num_perm)``.

    Args:
        docs: 문서 텍스트 목록.
        n: 글자 n-그램 길이.
        num_perm: 순열(해시 함수) 수.
        seed: 순열 시드 (datasketch 의 ``MinHash(seed=...)`` 와 같은 뜻).
        scheme: 'affine32' (datasketch 2.x 기본) 또는 'legacy'.
    """
    docs = check_documents(docs)
    perms = permutations(num_perm, seed, scheme)
    return np.stack([minhash_signature(shingles(d, n), perms, scheme) for d in docs])


def estimate_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """서명 두 개로 자카드 추정: Ĵ = (1/K) Σ_k [sig_a[k] = sig_b[k]]. 표준오차 ≈ √(J(1−J)/K)."""
    if sig_a.shape != sig_b.shape:
        raise ValueError(f"서명 모양이 다릅니다: {sig_a.shape} vs {sig_b.shape}")
    return float(np.count_nonzero(sig_a == sig_b)) / sig_a.shape[0]


@dataclass(frozen=True)
class LSHConfig:
    """LSH 밴딩 설정: 서명 K = bands × rows 를 밴드 b 개(각 r 행)로 자른다.

    Args:
        bands: 밴드 수 b.
        rows: 밴드당 행 수 r.
        num_perm: 서명 길이 K. ``bands * rows`` 와 같아야 한다.
    """

    bands: int = 16
    rows: int = 8
    num_perm: int = 128

    def __post_init__(self) -> None:
        for name in ("bands", "rows", "num_perm"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name}: 1 이상의 정수여야 합니다 (받은 값 {v!r})")
        if self.bands * self.rows != self.num_perm:
            raise ValueError(
                f"bands × rows ({self.bands} × {self.rows} = {self.bands * self.rows})가 "
                f"num_perm({self.num_perm})과 같아야 합니다 (서명을 남김없이 밴드로 나눈다)"
            )

    @property
    def threshold(self) -> float:
        """S 곡선이 가장 가파른 곳의 근사 임계값 (1/b)^(1/r)."""
        return (1 / self.bands) ** (1 / self.rows)


def candidate_probability(s: float | np.ndarray, bands: int, rows: int) -> float | np.ndarray:
    """자카드 s 인 두 문서가 후보가 될 확률 (S 곡선).

    한 밴드(r 행)가 통째로 같을 확률 s^r, b 개 밴드가 모두 다를 확률 (1 − s^r)^b 이므로
    P(후보) = 1 − (1 − s^r)^b.
    """
    s = np.asarray(s, dtype=float)
    return 1.0 - (1.0 - s**rows) ** bands


def lsh_candidates(signatures: np.ndarray, config: LSHConfig) -> set[tuple[int, int]]:
    """LSH 밴딩으로 후보 쌍 (i < j) 을 찾는다: 어떤 밴드 하나에서라도 r 행이 모두 같으면 같은 버킷에 들어간다.

    Args:
        signatures: ``(문서 수, num_perm)`` 서명.
        config: :class:`LSHConfig`.
    """
    if not isinstance(config, LSHConfig):
        raise TypeError(f"config는 LSHConfig여야 합니다: {type(config).__name__}")
    if signatures.ndim != 2 or signatures.shape[1] != config.num_perm:
        raise ValueError(
            f"signatures의 모양이 (문서 수, num_perm={config.num_perm})이 아닙니다: {signatures.shape}"
        )
    pairs: set[tuple[int, int]] = set()
    for band in range(config.bands):
        buckets: dict[bytes, list[int]] = defaultdict(list)
        rows = signatures[:, band * config.rows : (band + 1) * config.rows]
        for i, row in enumerate(rows):
            buckets[row.tobytes()].append(i)  # 밴드의 r 개 값 전체가 버킷 열쇠
        for members in buckets.values():
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    pairs.add((members[x], members[y]))
    return pairs


def near_duplicates(
    docs: Sequence[str],
    threshold: float = 0.7,
    n: int = 5,
    config: LSHConfig | None = None,
    seed: int = 1,
    verify: bool = True,
) -> tuple[list[int], set[tuple[int, int]]]:
    """MinHash + LSH 로 유사 중복을 찾아, 무리(연결 성분)마다 가장 앞 문서만 남기고 나머지 번호를 돌려준다.

    Args:
        docs: 문서 텍스트 목록.
        threshold: 후보 쌍을 중복으로 인정할 자카드 하한.
        n: 글자 n-그램 길이.
        config: LSH 밴딩 설정 (기본 16 × 8 = 128).
        seed: MinHash 순열 시드.
        verify: ``True`` 면 후보 쌍의 실제 자카드로 확인, ``False`` 면 서명 추정 Ĵ 로 확인.

    Returns:
        ``(지울 문서 번호 목록, 중복으로 인정된 쌍 집합)``.
    """
    docs = check_documents(docs)
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold는 0 이상 1 이하여야 합니다: {threshold!r}")
    cfg = config or LSHConfig()
    sets = [shingles(d, n) for d in docs]
    perms = permutations(cfg.num_perm, seed)
    sigs = np.stack([minhash_signature(s, perms) for s in sets])
    accepted = set()
    for i, j in sorted(lsh_candidates(sigs, cfg)):
        sim = jaccard(sets[i], sets[j]) if verify else estimate_jaccard(sigs[i], sigs[j])
        if sim >= threshold:
            accepted.add((i, j))
    return remove_from_pairs(len(docs), accepted), accepted


def remove_from_pairs(n_docs: int, pairs: Iterable[tuple[int, int]]) -> list[int]:
    """중복 쌍들을 유니온–파인드(union–find)로 무리(연결 성분)로 묶고, 무리마다 가장 작은 번호만 남긴다.

    Args:
        n_docs: 문서 수.
        pairs: 중복으로 인정된 (i, j) 쌍들.

    Returns:
        지울 문서 번호 (오름차순).
    """
    parent = list(range(n_docs))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # 경로 압축
            x = parent[x]
        return x

    for i, j in pairs:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)  # 대표 = 더 앞 문서
    return [i for i in range(n_docs) if find(i) != i]
