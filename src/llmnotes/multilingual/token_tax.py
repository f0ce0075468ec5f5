"""토큰 세금(token tax): 토크나이저마다 문장당 토큰 수와 토큰당 바이트 수."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..bpe import BPETokenizer


@dataclass(frozen=True)
class TokenStats:
    """한 언어의 문장들을 한 토크나이저로 자른 집계.

    Attributes:
        n_sentences: 문장 수.
        n_tokens: 토큰 수의 합.
        n_bytes: UTF-8 바이트 수의 합.
        n_chars: 글자(코드 포인트) 수의 합.
    """

    n_sentences: int
    n_tokens: int
    n_bytes: int
    n_chars: int

    @property
    def tokens_per_sentence(self) -> float:
        return self.n_tokens / self.n_sentences

    @property
    def bytes_per_token(self) -> float:
        """압축률: 토큰 하나가 평균 몇 바이트를 싣는가 (클수록 같은 문맥 창에 더 많은 글이 들어간다)."""
        return self.n_bytes / self.n_tokens


def token_stats(texts: Sequence[str], tokenize: Callable[[str], Sequence[Any]]) -> TokenStats:
    """문장들을 ``tokenize`` 로 잘라 :class:`TokenStats` 를 만든다.

    Args:
        texts: 문장 목록 (비어 있으면 ``ValueError``).
        tokenize: 문장 → 토큰 목록 함수.
    """
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise TypeError(f"texts는 문장 목록이어야 합니다: {type(texts).__name__}")
    if not texts:
        raise ValueError("texts가 비었습니다")
    n_tokens = n_bytes = n_chars = 0
    for t in texts:
        t = unicodedata.normalize("NFC", t)
        n_tokens += len(tokenize(t))
        n_bytes += len(t.encode("utf-8"))
        n_chars += len(t)
    return TokenStats(len(texts), n_tokens, n_bytes, n_chars)


def char_tokens(text: str) -> list[str]:
    """글자(유니코드 코드 포인트) 단위 토큰."""
    return list(text)


def byte_tokens(text: str) -> list[int]:
    """UTF-8 바이트 단위 토큰. 한글 한 음절 = 3바이트, 라틴 문자 한 글자 = 1바이트."""
    return list(text.encode("utf-8"))


def load_hf_bpe(path: str | Path) -> BPETokenizer:
    """HF ``tokenizer.json`` (바이트 수준 BPE) 을 우리 :class:`BPETokenizer` 로 읽는다.

    ``BPETokenizer.save_hf`` 로 저장한 파일(예: ``data/models/tiny-ko-gpt/tokenizer.json``)을 되읽는 용도다.

    Args:
        path: ``tokenizer.json`` 또는 그것이 든 폴더.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "tokenizer.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    model = data["model"]
    if model.get("type") != "BPE":
        raise ValueError(f"path의 모델이 BPE가 아닙니다: {model.get('type')!r} (path={str(path)!r})")
    vocab = [t for t, _ in sorted(model["vocab"].items(), key=lambda kv: kv[1])]
    t2i = {t: i for i, t in enumerate(vocab)}
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ", 1)) for m in model["merges"]]
    specials = [a["content"] for a in data.get("added_tokens", []) if a.get("special")]
    pattern = data["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"]
    return BPETokenizer(vocab, [(t2i[a], t2i[b]) for a, b in merges], specials, pattern)
