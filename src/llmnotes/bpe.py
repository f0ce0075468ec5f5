"""바이트 수준 BPE(byte-level byte-pair encoding) 토크나이저: 학습, 인코딩, 디코딩, 저장, HF 내보내기.

흐름 (GPT-2 와 같다):

1. 입력을 NFC 로 정규화하고, 특수 토큰(예: ``<|endoftext|>``)을 먼저 잘라 낸다.
2. 정규식 사전 토큰화(pre-tokenization)로 어절 비슷한 조각(pre-token)으로 나눈다 (``PRETOKENIZE_PATTERN``).
3. 조각을 UTF-8 바이트로 바꾸고, 각 바이트를 눈에 보이는 유니코드 글자 하나로 옮긴다 (``bytes_to_unicode``).
   한글 음절 하나는 3바이트라 처음에는 글자 3개가 된다.
4. 가장 자주 붙어 나오는 쌍을 하나의 새 토큰으로 합치는 일(merge)을 어휘 크기가 찰 때까지 되풀이한다.

어휘 번호(id)는 HF ``tokenizers`` 의 ``BpeTrainer`` 와 같은 순서로 매긴다: 특수 토큰, 바이트 256개(바이트를 옮긴 글자의
코드 포인트 순), 그 뒤로 합쳐진 토큰이 생긴 순서. 같은 빈도의 쌍이 여럿이면 (왼쪽 id, 오른쪽 id) 가 가장 작은 쌍을
고른다. 그래서 교육용 학습기 ``train_naive``, 빠른 학습기 ``train``, HF ``BpeTrainer`` 가 같은 병합을 배운다.
"""

from __future__ import annotations

import heapq
import json
import operator
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import regex

__all__ = [
    "PRETOKENIZE_PATTERN",
    "DEFAULT_SPECIAL_TOKENS",
    "bytes_to_unicode",
    "pretokenize",
    "MergeStep",
    "BPETokenizer",
    "train_naive",
    "train",
    "count_pretokens",
    "train_hf_reference",
    "hf_merges",
]

# 한국어에 맞춘 GPT-2 식 사전 토큰화 정규식 (``regex`` 모듈과 HF 의 Oniguruma 가 똑같이 해석한다).
#   ` ?[\p{L}\p{M}]+`      앞 공백 하나 + 글자(한글·한자·로마자 …)와 결합 부호의 연속: '학교에서', ' 학교에서'
#   ` ?\p{N}+`             앞 공백 하나 + 숫자 연속: '2024년' → '2024' + '년'
#   ` ?[^\s\p{L}\p{M}\p{N}]+`  앞 공백 하나 + 기호·문장부호·이모지 연속 (ZWJ 이모지 열도 한 덩어리)
#   `\s+(?!\S)`            공백 연속 (마지막 공백 하나는 다음 단어에 붙도록 남긴다)
#   `\s+`                  나머지 공백 (줄 끝 공백, 줄바꿈)
# GPT-2 와 다른 점: 영어 축약형('s, 're …) 규칙을 뺐고(한국어 따옴표와 충돌), 결합 부호 \p{M} 을 글자에 붙였다.
# 공백은 단어 앞에 붙이므로 ' 학교' 와 '학교' 는 다른 토큰이다 (디코딩이 공백을 정확히 되살린다).
PRETOKENIZE_PATTERN = r" ?[\p{L}\p{M}]+| ?\p{N}+| ?[^\s\p{L}\p{M}\p{N}]+|\s+(?!\S)|\s+"
_PRETOKENIZE_RE = regex.compile(PRETOKENIZE_PATTERN)

DEFAULT_SPECIAL_TOKENS: tuple[str, ...] = ("<|endoftext|>", "<pad>", "<unk>")

_FORMAT_VERSION = 1


@lru_cache(maxsize=1)
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2 의 바이트 → 유니코드 글자 대응표 (256개).

    출력 가능한 바이트(``!``~``~``, ``¡``~``¬``, ``®``~``ÿ``)는 같은 코드 포인트의 글자로, 나머지 68개(공백, 제어 문자
    …)는 U+0100 부터 차례로 옮긴다. 그래서 공백 ' ' (0x20) 은 'Ġ' (U+0120) 로 보인다.
    """
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    keep += list(range(ord("®"), ord("ÿ") + 1))
    table = {b: chr(b) for b in keep}
    n = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + n)  # 출력 불가 바이트 → U+0100 + n
            n += 1
    return table


_B2U = bytes_to_unicode()
_U2B = {u: b for b, u in _B2U.items()}
# 바이트 글자를 코드 포인트 순으로 늘어놓은 것 = HF BpeTrainer(initial_alphabet=ByteLevel.alphabet()) 의 id 순서
_BYTE_ALPHABET: tuple[str, ...] = tuple(sorted(_B2U.values(), key=ord))


def _check_str(text: object, name: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"{name}: str이어야 합니다 (받은 타입 {type(text).__name__})")
    return unicodedata.normalize("NFC", text)


def pretokenize(text: str) -> list[str]:
    """NFC 정규화 뒤 정규식으로 자른 조각들. 예: '나는 학교에 간다' → ['나는', ' 학교에', ' 간다'].

    Args:
        text: 입력 문자열.
    """
    return _PRETOKENIZE_RE.findall(_check_str(text, "text"))


def _to_byte_chars(piece: str) -> str:
    """조각을 UTF-8 바이트로 바꾸고 바이트마다 대응 글자로 옮긴다. 예: ' 가' → 'Ġê°Ģ'."""
    try:
        data = piece.encode("utf-8")
    except UnicodeEncodeError as exc:  # 짝 없는 서로게이트(U+D800~DFFF)
        raise ValueError(f"UTF-8로 바꿀 수 없는 글자가 있습니다: {piece!r}") from exc
    return "".join(_B2U[b] for b in data)


@dataclass(frozen=True)
class MergeStep:
    """학습 중 병합 한 번의 기록 (교육용 표에 쓴다).

    Args:
        rank: 병합 순서 (0부터).
        left: 왼쪽 토큰 문자열 (바이트 글자 표기).
        right: 오른쪽 토큰 문자열.
        new_id: 합친 토큰의 id.
        count: 병합 직전 이 쌍의 빈도.
    """

    rank: int
    left: str
    right: str
    new_id: int
    count: int


class BPETokenizer:
    """학습된 바이트 수준 BPE 토크나이저.

    ``train`` 또는 ``train_naive`` 로 만들고, ``encode``/``decode`` 로 쓰고, ``save``/``load`` 로 JSON 저장,
    ``save_hf`` 로 HF ``tokenizers`` 형식(``tokenizer.json``)으로 내보낸다.

    Args:
        vocab: id 순서의 토큰 문자열 목록 (특수 토큰 + 바이트 글자 표기의 토큰).
        merges: 병합 순서대로의 (왼쪽 id, 오른쪽 id) 쌍.
        special_tokens: 특수 토큰 문자열들 (``vocab`` 안에 있어야 한다).
        pattern: 사전 토큰화 정규식.
    """

    def __init__(
        self,
        vocab: list[str],
        merges: list[tuple[int, int]],
        special_tokens: Iterable[str] = (),
        pattern: str = PRETOKENIZE_PATTERN,
    ) -> None:
        self.vocab: list[str] = list(vocab)
        self.token_to_id: dict[str, int] = {}
        for i, tok in enumerate(self.vocab):
            if tok in self.token_to_id:
                raise ValueError(
                    f"vocab에 같은 토큰이 두 번 있습니다: {tok!r} (id {self.token_to_id[tok]}, {i})"
                )
            self.token_to_id[tok] = i
        self.special_tokens: list[str] = list(special_tokens)
        for tok in self.special_tokens:
            if tok not in self.token_to_id:
                raise ValueError(f"special_tokens의 {tok!r}: vocab에 없습니다")
        missing = [c for c in _BYTE_ALPHABET if c not in self.token_to_id]
        if missing:
            raise ValueError(f"vocab에 바이트 글자 {len(missing)}개가 없습니다: {missing[:5]!r}")
        self.merges: list[tuple[int, int]] = [(int(a), int(b)) for a, b in merges]
        # (왼쪽, 오른쪽) → (순위, 새 id). 새 id 는 두 문자열을 이은 토큰의 id.
        self.merge_ranks: dict[tuple[int, int], tuple[int, int]] = {}
        for rank, (a, b) in enumerate(self.merges):
            new = self.vocab[a] + self.vocab[b]
            if new not in self.token_to_id:
                raise ValueError(f"merges[{rank}]의 결과 {new!r}: vocab에 없습니다")
            self.merge_ranks.setdefault((a, b), (rank, self.token_to_id[new]))
        self.pattern = pattern
        self._pre_re = regex.compile(pattern)
        self._special_ids = {self.token_to_id[t] for t in self.special_tokens}
        self._special_re = (
            regex.compile(
                "|".join(regex.escape(t) for t in sorted(self.special_tokens, key=len, reverse=True))
            )
            if self.special_tokens
            else None
        )
        # 디코딩용: id → 바이트열 (특수 토큰은 그 문자열의 UTF-8)
        self._id_bytes: list[bytes] = [
            t.encode("utf-8") if i in self._special_ids else bytes(_U2B[c] for c in t)
            for i, t in enumerate(self.vocab)
        ]
        self._cache: dict[str, tuple[int, ...]] = {}

    # ------------------------------------------------------------------ 기본 정보
    @property
    def vocab_size(self) -> int:
        """어휘 크기 (특수 토큰 포함)."""
        return len(self.vocab)

    def __len__(self) -> int:
        return len(self.vocab)

    def __repr__(self) -> str:
        return f"BPETokenizer(vocab_size={self.vocab_size}, merges={len(self.merges)})"

    def id_to_token(self, idx: int) -> str:
        """id 의 토큰 문자열 (바이트 글자 표기)."""
        if not isinstance(idx, int) or not 0 <= idx < len(self.vocab):
            raise ValueError(f"idx는 0 이상 {len(self.vocab)} 미만의 정수여야 합니다: {idx!r}")
        return self.vocab[idx]

    def token_bytes(self, idx: int) -> bytes:
        """id 의 토큰이 나타내는 원래 바이트열."""
        self.id_to_token(idx)
        return self._id_bytes[idx]

    def token_text(self, idx: int) -> str:
        """id 의 토큰을 사람이 읽을 수 있게 (UTF-8 로 풀리지 않는 조각은 바이트 표기 그대로)."""
        data = self.token_bytes(idx)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return self.vocab[idx]

    # ------------------------------------------------------------------ 인코딩
    def _bpe(self, word: str) -> tuple[int, ...]:
        """바이트 글자 표기의 조각 하나에 병합을 적용한다 (HF ``Word::merge_all`` 과 같은 순서).

        남은 쌍 중 순위가 가장 낮은(가장 먼저 배운) 병합을, 같은 순위면 가장 왼쪽 것을 먼저 적용한다.
        """
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        ids = [self.token_to_id[c] for c in word]
        ranks = self.merge_ranks
        n = len(ids)
        nxt = list(range(1, n + 1))  # 연결 리스트: 다음 기호의 위치 (n = 끝)
        prv = list(range(-1, n - 1))
        alive = [True] * n
        heap: list[tuple[int, int, int]] = []  # (순위, 위치, 새 id)
        for i in range(n - 1):
            m = ranks.get((ids[i], ids[i + 1]))
            if m is not None:
                heap.append((m[0], i, m[1]))
        heapq.heapify(heap)
        while heap:
            _rank, pos, new_id = heapq.heappop(heap)
            if not alive[pos] or nxt[pos] >= n:
                continue
            right = nxt[pos]
            m = ranks.get((ids[pos], ids[right]))
            if m is None or m[1] != new_id:  # 이미 바뀐 자리의 낡은 항목
                continue
            ids[pos] = new_id
            alive[right] = False
            nxt[pos] = nxt[right]
            if nxt[right] < n:
                prv[nxt[right]] = pos
            if prv[pos] >= 0:
                m = ranks.get((ids[prv[pos]], new_id))
                if m is not None:
                    heapq.heappush(heap, (m[0], prv[pos], m[1]))
            if nxt[pos] < n:
                m = ranks.get((new_id, ids[nxt[pos]]))
                if m is not None:
                    heapq.heappush(heap, (m[0], pos, m[1]))
        out = tuple(ids[i] for i in range(n) if alive[i])
        if len(self._cache) < 500_000:
            self._cache[word] = out
        return out

    def _encode_ordinary(self, text: str, out: list[int]) -> None:
        for piece in self._pre_re.findall(text):
            out.extend(self._bpe(_to_byte_chars(piece)))

    def encode(self, text: str, allow_special: bool = True) -> list[int]:
        """문자열을 토큰 id 목록으로 바꾼다.

        Args:
            text: 입력 문자열 (NFC 로 정규화한다).
            allow_special: ``True`` 면 본문 속 특수 토큰 문자열(예: '<|endoftext|>')을 특수 토큰 id 하나로 바꾼다.
                ``False`` 면 보통 글자로 다룬다.
        """
        text = _check_str(text, "text")
        out: list[int] = []
        if allow_special and self._special_re is not None:
            start = 0
            for m in self._special_re.finditer(text):
                self._encode_ordinary(text[start : m.start()], out)
                out.append(self.token_to_id[m.group()])
                start = m.end()
            self._encode_ordinary(text[start:], out)
        else:
            self._encode_ordinary(text, out)
        return out

    def encode_batch(self, texts: Iterable[str], allow_special: bool = True) -> list[list[int]]:
        """여러 문자열을 인코딩한다."""
        if isinstance(texts, str):
            raise TypeError("texts는 문자열 하나가 아니라 문자열들의 모음이어야 합니다 (encode를 쓰세요)")
        return [self.encode(t, allow_special=allow_special) for t in texts]

    def tokenize(self, text: str) -> list[str]:
        """문자열을 토큰 문자열(바이트 글자 표기) 목록으로 바꾼다."""
        return [self.vocab[i] for i in self.encode(text)]

    def decode(self, ids: Iterable[int], skip_special_tokens: bool = False) -> str:
        """토큰 id 목록을 문자열로 되돌린다. 바이트를 모두 이은 뒤 UTF-8 로 푼다 (깨진 바이트는 U+FFFD).

        Args:
            ids: 토큰 id 들.
            skip_special_tokens: ``True`` 면 특수 토큰을 빼고 잇는다.
        """
        if ids is None or isinstance(ids, str | bytes) or not hasattr(ids, "__iter__"):
            raise TypeError(f"ids는 정수들의 모음이어야 합니다: {type(ids).__name__}")
        parts = []
        n = len(self.vocab)
        for raw in ids:
            try:
                i = operator.index(raw)  # int, numpy 정수, 0차원 정수 텐서를 받는다
            except TypeError:
                raise TypeError(f"ids의 원소는 정수여야 합니다: {raw!r}") from None
            if isinstance(raw, bool) or not 0 <= i < n:
                raise ValueError(f"ids에 어휘 밖의 값이 있습니다: {raw!r} (어휘 크기 {n})")
            if skip_special_tokens and i in self._special_ids:
                continue
            parts.append(self._id_bytes[i])
        return b"".join(parts).decode("utf-8", errors="replace")

    def special_token_id(self, token: str) -> int:
        """특수 토큰의 id. 없는 토큰이면 ``ValueError``."""
        if token not in self.special_tokens:
            raise ValueError(f"token은 특수 토큰이 아닙니다: {token!r} (특수 토큰: {self.special_tokens})")
        return self.token_to_id[token]

    # ------------------------------------------------------------------ 저장
    def to_dict(self) -> dict:
        """JSON 으로 저장할 수 있는 사전."""
        return {
            "format": "llmnotes-bpe",
            "version": _FORMAT_VERSION,
            "pattern": self.pattern,
            "special_tokens": self.special_tokens,
            "vocab": self.vocab,
            "merges": [[self.vocab[a], self.vocab[b]] for a, b in self.merges],
        }

    def save(self, path: str | Path) -> Path:
        """우리 형식의 JSON 파일로 저장한다."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> BPETokenizer:
        """``save`` 로 저장한 JSON 파일을 읽는다."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:  # 잘린 파일 등: 어느 파일의 어디가 깨졌는지 알려 준다
            raise ValueError(
                f"토크나이저 파일 {path.name!r}의 JSON이 깨졌습니다 (줄 {exc.lineno}, 열 {exc.colno}: {exc.msg})"
            ) from None
        if not isinstance(data, dict) or data.get("format") != "llmnotes-bpe":
            raise ValueError(f"path는 llmnotes-bpe 형식이 아닙니다: {str(path)!r}")
        missing = [k for k in ("vocab", "merges", "special_tokens", "pattern") if k not in data]
        if missing:
            raise ValueError(f"토크나이저 파일 {path.name!r}에 {missing} 항목이 없습니다")
        vocab = data["vocab"]
        t2i = {t: i for i, t in enumerate(vocab)}
        try:
            merges = [(t2i[a], t2i[b]) for a, b in data["merges"]]
        except KeyError as exc:
            raise ValueError(
                f"토크나이저 파일 {path.name!r}의 병합 규칙에 어휘 밖 토큰이 있습니다: {exc}"
            ) from None
        return cls(vocab, merges, data["special_tokens"], data["pattern"])

    def to_hf(self):
        """HF ``tokenizers.Tokenizer`` 로 바꾼다.

        구성: NFC 정규화 → Split(우리 정규식, isolated) → ByteLevel(use_regex=False) → BPE(vocab, merges) →
        ByteLevel 디코더. 특수 토큰은 정규화 전 원문에서 먼저 잘라 내는 added token 으로 넣는다.
        """
        from tokenizers import AddedToken, models

        vocab = {t: i for i, t in enumerate(self.vocab)}
        merges = [(self.vocab[a], self.vocab[b]) for a, b in self.merges]
        tok = _hf_pipeline(self.pattern)
        tok.model = models.BPE(vocab=vocab, merges=merges, fuse_unk=False, byte_fallback=False)
        if self.special_tokens:
            tok.add_special_tokens(
                [AddedToken(t, special=True, normalized=False) for t in self.special_tokens]
            )
        return tok

    def save_hf(self, path: str | Path) -> Path:
        """HF ``tokenizers`` 형식의 ``tokenizer.json`` 으로 저장한다.

        ``tokenizers.Tokenizer.from_file(path)`` 와 ``transformers.PreTrainedTokenizerFast(tokenizer_file=path)``
        가 읽을 수 있다.

        Args:
            path: 저장할 파일 경로 (보통 ``.../tokenizer.json``). 폴더를 주면 그 안에 ``tokenizer.json`` 을 쓴다.
        """
        path = Path(path)
        if path.is_dir():
            path = path / "tokenizer.json"
        self.to_hf().save(str(path))
        return path

    def to_transformers(self, **kwargs):
        """``transformers.PreTrainedTokenizerFast`` 로 감싼다.

        ``<|endoftext|>`` 는 bos/eos, ``<pad>`` 는 pad, ``<unk>`` 는 unk 로 (있을 때) 지정한다.

        Args:
            **kwargs: ``PreTrainedTokenizerFast`` 에 그대로 넘길 인자 (위 기본값을 덮어쓴다).
        """
        from transformers import PreTrainedTokenizerFast

        roles: dict[str, str] = {}
        if "<|endoftext|>" in self.special_tokens:
            roles.update(bos_token="<|endoftext|>", eos_token="<|endoftext|>")
        if "<pad>" in self.special_tokens:
            roles["pad_token"] = "<pad>"
        if "<unk>" in self.special_tokens:
            roles["unk_token"] = "<unk>"
        roles.update(kwargs)
        return PreTrainedTokenizerFast(tokenizer_object=self.to_hf(), **roles)

    def save_pretrained(self, directory: str | Path, **kwargs) -> Path:
        """``transformers`` 폴더 형식(``tokenizer.json`` + ``tokenizer_config.json`` …)으로 저장한다.

        ``transformers.AutoTokenizer.from_pretrained(directory)`` 로 읽을 수 있다.

        Args:
            directory: 저장할 폴더 (없으면 만든다).
            **kwargs: ``to_transformers`` 에 넘길 특수 토큰 역할 지정.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.to_transformers(**kwargs).save_pretrained(str(directory))
        return directory


# ---------------------------------------------------------------------- 학습 공통
def _check_train_args(
    texts: Iterable[str], vocab_size: int, special_tokens: Iterable[str], min_frequency: int
) -> tuple[list[str], list[str]]:
    if isinstance(texts, str):
        texts = [texts]
    if texts is None or isinstance(texts, bytes) or not hasattr(texts, "__iter__"):
        raise TypeError(f"texts는 문자열들의 모음이어야 합니다: {type(texts).__name__}")
    if isinstance(special_tokens, str):
        raise TypeError(
            f"special_tokens는 문자열들의 모음이어야 합니다 (문자열 하나가 아님): {special_tokens!r}"
        )
    specials = list(special_tokens)
    for t in specials:
        if not isinstance(t, str):
            raise TypeError(f"special_tokens의 원소는 str이어야 합니다: {t!r}")
        if not t:
            raise ValueError("special_tokens에 빈 문자열이 있습니다")
        if t in _BYTE_ALPHABET:
            raise ValueError(f"special_tokens의 {t!r}: 바이트 글자와 겹칩니다")
        if unicodedata.normalize("NFC", t) != t:
            raise ValueError(f"special_tokens의 {t!r}: NFC가 아닙니다")
    if len(set(specials)) != len(specials):
        raise ValueError(f"special_tokens에 중복이 있습니다: {specials!r}")
    if not isinstance(vocab_size, int) or isinstance(vocab_size, bool):
        raise TypeError(f"vocab_size는 정수여야 합니다: {vocab_size!r}")
    floor = 256 + len(specials)
    if vocab_size < floor:
        raise ValueError(
            f"vocab_size는 바이트 256개 + 특수 토큰 {len(specials)}개 = {floor} 이상이어야 합니다: {vocab_size}"
        )
    if not isinstance(min_frequency, int) or min_frequency < 1:
        raise ValueError(f"min_frequency는 1 이상의 정수여야 합니다: {min_frequency!r}")
    docs = []
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"texts[{i}]는 str이어야 합니다: {type(t).__name__}")
        docs.append(t if unicodedata.is_normalized("NFC", t) else unicodedata.normalize("NFC", t))
    if not any(docs):
        raise ValueError("texts가 비어 있습니다 (학습할 글자가 하나도 없음)")
    return docs, specials


def _iter_pieces(docs: list[str], specials: list[str], pattern: str) -> Iterable[str]:
    """학습용 조각들. 특수 토큰 문자열은 본문에서 잘라 내어 세지 않는다."""
    pre = regex.compile(pattern)
    sp = (
        regex.compile("|".join(regex.escape(t) for t in sorted(specials, key=len, reverse=True)))
        if specials
        else None
    )
    for doc in docs:
        for part in sp.split(doc) if sp is not None else (doc,):
            yield from pre.findall(part)


def _initial_vocab(specials: list[str]) -> tuple[list[str], dict[str, int]]:
    vocab = list(specials) + list(_BYTE_ALPHABET)  # HF BpeTrainer 와 같은 순서
    return vocab, {t: i for i, t in enumerate(vocab)}


def _add_token(vocab: list[str], t2i: dict[str, int], a: int, b: int) -> int:
    """쌍 (a, b) 를 이은 토큰의 id. 이미 있는 문자열이면 그 id 를 다시 쓴다 (HF 와 같다)."""
    new = vocab[a] + vocab[b]
    idx = t2i.get(new)
    if idx is None:
        idx = len(vocab)
        vocab.append(new)
        t2i[new] = idx
    return idx


def _merge_word(word: list[int], a: int, b: int, new: int) -> list[int]:
    """단어 안의 (a, b) 를 왼쪽부터 겹치지 않게 모두 new 로 바꾼다. 'aaa' 에 (a,a) → 'aa' 'a'."""
    out = []
    i, n = 0, len(word)
    while i < n:
        if i + 1 < n and word[i] == a and word[i + 1] == b:
            out.append(new)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


# ---------------------------------------------------------------------- 교육용 학습기
def train_naive(
    texts: Iterable[str] | str,
    vocab_size: int,
    special_tokens: Iterable[str] = DEFAULT_SPECIAL_TOKENS,
    min_frequency: int = 1,
    pattern: str = PRETOKENIZE_PATTERN,
    history: list[MergeStep] | None = None,
) -> BPETokenizer:
    """교육용 BPE 학습기: 병합할 때마다 말뭉치 전체의 쌍을 처음부터 다시 센다.

    조각(pre-token)을 중복 제거하지도 않으므로 매우 느리다 (병합 수 × 말뭉치 바이트 수). 원리를 보이는 용도.
    ``train`` 과 똑같은 병합을 배운다.

    Args:
        texts: 학습 문서들 (문자열 하나도 받는다).
        vocab_size: 목표 어휘 크기 (특수 토큰 포함). 256 + 특수 토큰 수 이상.
        special_tokens: 특수 토큰들. id 0 부터 차례로 받는다.
        min_frequency: 이보다 드문 쌍은 합치지 않고 멈춘다.
        pattern: 사전 토큰화 정규식.
        history: 리스트를 주면 병합 기록(``MergeStep``)을 차례로 덧붙인다.
    """
    docs, specials = _check_train_args(texts, vocab_size, special_tokens, min_frequency)
    vocab, t2i = _initial_vocab(specials)
    words = [[t2i[c] for c in _to_byte_chars(p)] for p in _iter_pieces(docs, specials, pattern)]
    merges: list[tuple[int, int]] = []
    while len(vocab) < vocab_size:
        counts: Counter[tuple[int, int]] = Counter()
        for w in words:  # 모든 조각의 이웃한 쌍을 센다 (겹치는 쌍도: 'aaa' 의 (a,a) 는 2번)
            counts.update(zip(w, w[1:]))
        if not counts:
            break
        # 빈도가 가장 큰 쌍, 같으면 (왼쪽 id, 오른쪽 id) 가 가장 작은 쌍
        (a, b), c = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if c < min_frequency:
            break
        new = _add_token(vocab, t2i, a, b)
        if history is not None:
            history.append(MergeStep(len(merges), vocab[a], vocab[b], new, c))
        merges.append((a, b))
        words = [_merge_word(w, a, b, new) for w in words]
    return BPETokenizer(vocab, merges, specials, pattern)


# ---------------------------------------------------------------------- 빠른 학습기
def count_pretokens(
    texts: Iterable[str] | str,
    special_tokens: Iterable[str] = DEFAULT_SPECIAL_TOKENS,
    pattern: str = PRETOKENIZE_PATTERN,
) -> Counter[str]:
    """조각(pre-token)별 빈도. 빠른 학습은 말뭉치 대신 이 (고유 조각, 빈도) 표 위에서 한다.

    Args:
        texts: 문서들.
        special_tokens: 본문에서 잘라 내 세지 않을 특수 토큰들.
        pattern: 사전 토큰화 정규식.
    """
    if isinstance(texts, str):
        texts = [texts]
    specials = list(special_tokens)
    pre = regex.compile(pattern)
    sp = (
        regex.compile("|".join(regex.escape(t) for t in sorted(specials, key=len, reverse=True)))
        if specials
        else None
    )
    counts: Counter[str] = Counter()
    pieces: list[str] = []  # 조각을 모아 두었다가 한 번에 센다 (Counter.update 는 긴 리스트에서 빠르다)
    for i, doc in enumerate(texts):
        if not isinstance(doc, str):
            raise TypeError(f"texts[{i}]는 str이어야 합니다: {type(doc).__name__}")
        if not unicodedata.is_normalized("NFC", doc):
            doc = unicodedata.normalize("NFC", doc)
        if sp is not None and sp.search(doc):
            for part in sp.split(doc):
                pieces.extend(pre.findall(part))
        else:
            pieces.extend(pre.findall(doc))
        if len(pieces) > 1_000_000:
            counts.update(pieces)
            pieces.clear()
    counts.update(pieces)
    return counts


def train(
    texts: Iterable[str] | str,
    vocab_size: int,
    special_tokens: Iterable[str] = DEFAULT_SPECIAL_TOKENS,
    min_frequency: int = 1,
    pattern: str = PRETOKENIZE_PATTERN,
    history: list[MergeStep] | None = None,
    word_counts: Counter[str] | None = None,
) -> BPETokenizer:
    """빠른 BPE 학습기: 고유 조각의 빈도표 위에서, 쌍 빈도를 병합마다 바뀐 단어만 고쳐 센다.

    자료 구조 (HF ``BpeTrainer`` 와 같은 생각):

    - ``pair_counts[(a, b)]`` = Σ_단어 (단어 안 (a,b) 개수 × 단어 빈도)
    - ``where[(a, b)]`` = (a, b) 가 나온 적 있는 단어 번호들의 집합
    - 최대 힙 ``(-빈도, a, b)``: 꺼낸 항목의 빈도가 현재 값과 다르면 고쳐서 다시 넣는다 (게으른 갱신).

    병합 (a, b) → n 을 할 때 ``where[(a, b)]`` 의 단어만 다시 쓰고, 그 단어에서 생긴 변화(±빈도)만 반영한다.
    ``train_naive`` 와 똑같은 병합을 배운다.

    Args:
        texts: 학습 문서들 (문자열 하나도 받는다).
        vocab_size: 목표 어휘 크기 (특수 토큰 포함). 256 + 특수 토큰 수 이상. 더 합칠 쌍이 없으면 일찍 멈춘다.
        special_tokens: 특수 토큰들. id 0 부터 차례로 받는다. 본문에 나온 특수 토큰 문자열은 학습에서 뺀다
            (문서를 그 자리에서 나눈다). HF ``BpeTrainer`` 는 그 글자들을 보통 글자처럼 세므로 이런 본문에서는 병합이
            달라질 수 있다. 부호화할 때 특수 토큰은 먼저 잘려 나가 그런 병합은 쓰이지 않으므로 우리 쪽이 낭비가 없다.
            HF 와 비교하려면 특수 토큰에서 나눈 조각들로 HF 를 학습한다 (``tests/test_bpe.py``).
        min_frequency: 이보다 드문 쌍은 합치지 않고 멈춘다.
        pattern: 사전 토큰화 정규식.
        history: 리스트를 주면 병합 기록(``MergeStep``)을 차례로 덧붙인다.
        word_counts: 이미 센 조각 빈도표(``count_pretokens``)가 있으면 넘긴다. 그러면 ``texts`` 는 무시한다.
    """
    if word_counts is None:
        docs, specials = _check_train_args(texts, vocab_size, special_tokens, min_frequency)
        word_counts = count_pretokens(docs, specials, pattern)
    else:
        _, specials = _check_train_args(["x"], vocab_size, special_tokens, min_frequency)
        if not word_counts:
            raise ValueError("word_counts가 비어 있습니다")
    vocab, t2i = _initial_vocab(specials)

    words: list[list[int]] = []
    freqs: list[int] = []
    for piece, c in word_counts.items():
        words.append([t2i[ch] for ch in _to_byte_chars(piece)])
        freqs.append(c)

    pair_counts: dict[tuple[int, int], int] = {}
    where: dict[tuple[int, int], set[int]] = {}
    for wi, w in enumerate(words):
        f = freqs[wi]
        for p in zip(w, w[1:]):
            pair_counts[p] = pair_counts.get(p, 0) + f
            s = where.get(p)
            if s is None:
                where[p] = {wi}
            else:
                s.add(wi)
    heap = [(-c, p[0], p[1]) for p, c in pair_counts.items()]
    heapq.heapify(heap)

    merges: list[tuple[int, int]] = []
    while len(vocab) < vocab_size and heap:
        negc, a, b = heapq.heappop(heap)
        pair = (a, b)
        cur = pair_counts.get(pair, 0)
        if -negc != cur:  # 낡은 항목: 현재 빈도로 고쳐 다시 넣는다
            if cur > 0:
                heapq.heappush(heap, (-cur, a, b))
            continue
        if cur < min_frequency:
            break
        new = _add_token(vocab, t2i, a, b)
        if history is not None:
            history.append(MergeStep(len(merges), vocab[a], vocab[b], new, cur))
        merges.append(pair)

        touched: set[tuple[int, int]] = set()
        for wi in where.pop(pair):
            w = words[wi]
            out = _merge_word(w, a, b, new)
            if len(out) == len(w):  # 이 단어에서는 이미 사라진 쌍 (where 는 지우지 않고 쌓아 두기만 한다)
                continue
            f = freqs[wi]
            # 바뀐 단어의 쌍 빈도를 '옛 쌍을 모두 빼고 새 쌍을 모두 더하는' 방식으로 정확히 고친다 (단어는 짧다).
            # Δcount(p) = f × (새 단어 안 p 의 개수 − 옛 단어 안 p 의 개수)
            for p in zip(w, w[1:]):
                pair_counts[p] -= f
            for p in zip(out, out[1:]):
                pair_counts[p] = pair_counts.get(p, 0) + f
                if p[0] == new or p[1] == new:  # 빈도가 늘 수 있는 쌍은 새 토큰이 든 쌍뿐이다
                    s = where.get(p)
                    if s is None:
                        where[p] = {wi}
                    else:
                        s.add(wi)
                    touched.add(p)
            words[wi] = out
        for p in touched:
            c = pair_counts[p]
            if c > 0:
                heapq.heappush(heap, (-c, p[0], p[1]))
    return BPETokenizer(vocab, merges, specials, pattern)


# ---------------------------------------------------------------------- 참조 구현 (HF tokenizers)
def _hf_pipeline(pattern: str):
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers

    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(pattern), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    return tok


def train_hf_reference(
    texts: Iterable[str] | str,
    vocab_size: int,
    special_tokens: Iterable[str] = DEFAULT_SPECIAL_TOKENS,
    min_frequency: int = 1,
    pattern: str = PRETOKENIZE_PATTERN,
):
    """같은 정규화·사전 토큰화로 HF ``tokenizers`` 의 ``BpeTrainer`` 를 학습한다 (비교·벤치마크용).

    Args:
        texts: 학습 문서들.
        vocab_size: 목표 어휘 크기 (특수 토큰 포함).
        special_tokens: 특수 토큰들.
        min_frequency: 최소 쌍 빈도.
        pattern: 사전 토큰화 정규식.

    Returns:
        학습된 ``tokenizers.Tokenizer``.
    """
    from tokenizers import pre_tokenizers, trainers

    docs, specials = _check_train_args(texts, vocab_size, special_tokens, min_frequency)
    tok = _hf_pipeline(pattern)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        min_frequency=min_frequency,
        show_progress=False,
    )
    tok.train_from_iterator(docs, trainer)
    return tok


def hf_merges(tokenizer) -> list[tuple[str, str]]:
    """HF ``tokenizers.Tokenizer`` (BPE 모델) 의 병합 목록을 (왼쪽, 오른쪽) 문자열 쌍으로 꺼낸다."""
    model = json.loads(tokenizer.to_str())["model"]
    if model.get("type") != "BPE":
        raise ValueError(f"tokenizer는 BPE 모델이어야 합니다: {model.get('type')!r}")
    return [tuple(m) if isinstance(m, list) else tuple(m.split(" ", 1)) for m in model["merges"]]
