"""seq2seq 실험용 장난감 한국어 과제: 숫자를 한국어로 읽기 (``35020`` → ``삼만 오천이십``).

입력은 숫자 문자열, 출력은 그 수를 한국어(한자어 수사)로 읽은 문자열이다. 규칙은 다음과 같다.

- 네 자리 묶음 안에서는 ``천 백 십 (일)`` 자리를 쓴다. 자리 값이 0 이면 읽지 않는다 (``1001`` → ``천일``).
- 십·백·천 앞의 '일'은 읽지 않는다: ``10`` → ``십``, ``100`` → ``백``, ``1000`` → ``천`` (``일십`` 이 아니다).
- 네 자리 묶음 단위는 ``만``(10^4)과 ``억``(10^8)이다. 묶음 사이는 띄어 쓴다 (``35020`` → ``삼만 오천이십``).
  값이 0 인 묶음은 통째로 건너뛴다 (``100000001`` → ``일억 일``).
- '만' 앞의 '일'은 그 수가 만으로 시작할 때(10,000 ~ 19,999)만 뺀다: ``10000`` → ``만``,
  ``15000`` → ``만 오천``. 흔히 쓰는 읽기를 골랐다 (``만 원``). 억 뒤에 올 때는 ``일억 일만`` 처럼 '일'을 읽는다.
- '억' 앞의 '일'은 읽는다: ``100000000`` → ``일억`` (돈을 읽을 때의 일반적인 관례).
- ``0`` 은 ``영``. 범위는 ``0 <= n < 10**12`` (최대 12자리, ``구천구백구십구억 …``).

입력 숫자가 길어질수록 출력도 길어지고, 출력의 각 글자가 입력의 어느 자리에서 왔는지 (자릿수를 세어야
알 수 있는) 대응 관계가 복잡해진다. 그래서 고정 크기 문맥 벡터 하나에 입력을 모두 담는 seq2seq 는 긴
입력에서 정확도가 눈에 띄게 떨어지고, 어텐션이 이를 고친다 (노트북 04, 05).

같은 ``seed`` 는 언제나 같은 데이터를 만든다 (``random.Random`` 만 쓴다).
"""

from __future__ import annotations

import numbers
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .hangul import nfc

__all__ = [
    "MAX_NUMBER",
    "DIGIT_NAMES",
    "PAD",
    "BOS",
    "EOS",
    "UNK",
    "SPECIALS",
    "read_number",
    "parse_reading",
    "Vocab",
    "digit_vocab",
    "reading_vocab",
    "make_pairs",
    "Batch",
    "encode_batch",
    "make_batch",
    "iter_batches",
    "exact_match",
    "accuracy_by_length",
]

MAX_NUMBER = 10**12  # 읽을 수 있는 수의 상한 (이 값은 포함하지 않는다)
DIGIT_NAMES = "영일이삼사오육칠팔구"  # 0..9 의 한자어 수사
_PLACE_NAMES = ["", "십", "백", "천"]  # 네 자리 묶음 안의 자리: 10^0, 10^1, 10^2, 10^3
_GROUP_NAMES = ["", "만", "억"]  # 묶음 단위: 10^0, 10^4, 10^8

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)  # id 0, 1, 2, 3


def _read_group(g: int) -> str:
    """0 < g < 10000 인 네 자리 묶음을 읽는다 ('일' 은 십·백·천 앞에서 뺀다)."""
    parts = []
    for place in (3, 2, 1, 0):
        d = (g // 10**place) % 10  # 10^place 자리의 숫자
        if d == 0:
            continue
        if place == 0:
            parts.append(DIGIT_NAMES[d])
        else:
            parts.append(("" if d == 1 else DIGIT_NAMES[d]) + _PLACE_NAMES[place])
    return "".join(parts)


def read_number(n: int) -> str:
    """정수를 한국어로 읽는다 (``35020`` → ``'삼만 오천이십'``).

    Args:
        n: ``0 <= n < 10**12`` 인 정수 (numpy 정수 포함). 범위를 벗어나면 ``ValueError``, 정수가 아니면 ``TypeError``.

    Returns:
        한국어 읽기 문자열 (NFC). 만·억 묶음 사이는 한 칸 띄운다.
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"n은 정수여야 합니다: {n!r}")
    n = int(n)  # numpy 정수도 받는다
    if not 0 <= n < MAX_NUMBER:
        raise ValueError(f"n은 0 이상 10**12 미만이어야 합니다: {n!r}")
    if n == 0:
        return DIGIT_NAMES[0]
    words = []
    for k in (2, 1, 0):  # 억, 만, 일 묶음 순서
        g = (n // 10 ** (4 * k)) % 10**4  # k 번째 네 자리 묶음 = floor(n / 10^{4k}) mod 10^4
        if g == 0:
            continue
        text = _read_group(g)
        if k == 1 and g == 1 and not words:
            text = ""  # 만으로 시작하는 수: '일만' 이 아니라 '만'
        words.append(text + _GROUP_NAMES[k])
    return " ".join(words)


def parse_reading(text: str) -> int:
    """:func:`read_number` 의 역함수: 한국어 읽기를 정수로 바꾼다 (``'삼만 오천이십'`` → ``35020``).

    Args:
        text: :func:`read_number` 형식의 읽기. 형식이 다르면 ``ValueError``.
    """
    text = nfc(text)
    total, group, pending = 0, 0, None  # pending: 아직 자리가 정해지지 않은 숫자
    for ch in text.replace(" ", ""):
        if ch in DIGIT_NAMES:
            if pending is not None:
                raise ValueError(f"text에 숫자가 연달아 나옵니다: {text!r}")
            pending = DIGIT_NAMES.index(ch)
        elif ch in "십백천":
            group += (1 if pending is None else pending) * 10 ** _PLACE_NAMES.index(ch)
            pending = None
        elif ch in "만억":
            group += pending or 0
            total += (group or 1) * 10 ** (4 * _GROUP_NAMES.index(ch))
            group, pending = 0, None
        else:
            raise ValueError(f"text에 읽을 수 없는 글자가 있습니다: {ch!r} (text={text!r})")
    n = total + group + (pending or 0)
    if read_number(n) != text:
        raise ValueError(f"text가 표준 읽기가 아닙니다: {text!r} (표준: {read_number(n)!r})")
    return n


class Vocab:
    """글자 단위 어휘: 특수 토큰 ``<pad>=0, <bos>=1, <eos>=2, <unk>=3`` 다음에 글자들을 둔다.

    Args:
        chars: 어휘에 넣을 글자들 (순서대로 id 4 부터). 중복이나 두 글자 이상의 항목은 ``ValueError``.
    """

    def __init__(self, chars: Sequence[str]):
        chars = [nfc(c) for c in chars]
        for c in chars:
            if len(c) != 1:
                raise ValueError(f"chars의 항목은 한 글자여야 합니다: {c!r}")
        if len(set(chars)) != len(chars):
            raise ValueError(f"chars에 중복된 글자가 있습니다: {''.join(chars)!r}")
        self.itos: list[str] = [*SPECIALS, *chars]
        self.stoi: dict[str, int] = {s: i for i, s in enumerate(self.itos)}

    pad_id, bos_id, eos_id, unk_id = 0, 1, 2, 3

    def __len__(self) -> int:
        return len(self.itos)

    def __repr__(self) -> str:
        return f"Vocab(size={len(self)}, chars={''.join(self.itos[len(SPECIALS) :])!r})"

    def encode(
        self, text: str, add_bos: bool = False, add_eos: bool = False, strict: bool = True
    ) -> list[int]:
        """문자열을 id 목록으로 바꾼다.

        Args:
            text: 입력 문자열 (NFC 로 정규화한다).
            add_bos: 앞에 ``<bos>`` 를 붙일지.
            add_eos: 뒤에 ``<eos>`` 를 붙일지.
            strict: ``True`` 면 어휘에 없는 글자에서 ``ValueError``, ``False`` 면 ``<unk>`` 로 바꾼다.
        """
        ids = []
        for ch in nfc(text):
            if ch not in self.stoi:
                if strict:
                    raise ValueError(f"text의 글자 {ch!r}: 어휘에 없습니다 (text={text!r})")
                ids.append(self.unk_id)
            else:
                ids.append(self.stoi[ch])
        return ([self.bos_id] if add_bos else []) + ids + ([self.eos_id] if add_eos else [])

    def decode(self, ids: Sequence[int], stop_at_eos: bool = True) -> str:
        """id 목록을 문자열로 되돌린다. ``<pad>``/``<bos>`` 는 건너뛰고, ``<eos>`` 에서 멈춘다.

        Args:
            ids: 정수 id 들 (리스트나 1차원 텐서).
            stop_at_eos: ``True`` 면 첫 ``<eos>`` 에서 멈춘다.
        """
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self.itos):
                raise ValueError(f"ids에 범위를 벗어난 id가 있습니다: {i} (어휘 크기 {len(self)})")
            if i == self.eos_id and stop_at_eos:
                break
            if i in (self.pad_id, self.bos_id, self.eos_id):
                continue
            out.append(self.itos[i])
        return "".join(out)


def digit_vocab() -> Vocab:
    """숫자 10개 어휘 (크기 14)."""
    return Vocab("0123456789")


def reading_vocab() -> Vocab:
    """숫자 읽기에 쓰이는 한글 15자와 공백 어휘 (크기 20)."""
    return Vocab([*DIGIT_NAMES, *"십백천만억", " "])


def _random_number(rng: random.Random, digits: int) -> int:
    if digits == 1:
        return rng.randrange(10)
    return rng.randrange(10 ** (digits - 1), 10**digits)  # 정확히 digits 자리 (첫 자리는 0 이 아님)


def make_pairs(
    n: int, min_digits: int = 1, max_digits: int = 12, seed: int = 0, reverse: bool = False
) -> list[tuple[str, str]]:
    """숫자 읽기 과제의 (입력, 정답) 쌍을 만든다.

    자릿수를 ``[min_digits, max_digits]`` 에서 고르게 뽑은 다음, 그 자릿수의 수를 고르게 뽑는다.
    그래서 길이별 정확도를 잴 때 모든 길이가 비슷한 수만큼 나온다.

    Args:
        n: 만들 쌍의 수 (0 이상).
        min_digits: 최소 자릿수 (1 이상).
        max_digits: 최대 자릿수 (``min_digits`` 이상 12 이하).
        seed: 난수 시드. 같은 시드는 같은 목록을 만든다.
        reverse: ``False`` 면 ``('35020', '삼만 오천이십')``, ``True`` 면 ``('삼만 오천이십', '35020')``.

    Returns:
        ``(source, target)`` 문자열 쌍의 목록.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n은 0 이상의 정수여야 합니다: {n!r}")
    if not isinstance(min_digits, int) or min_digits < 1:
        raise ValueError(f"min_digits는 1 이상의 정수여야 합니다: {min_digits!r}")
    if not isinstance(max_digits, int) or not min_digits <= max_digits <= 12:
        raise ValueError(f"max_digits는 min_digits({min_digits}) 이상 12 이하여야 합니다: {max_digits!r}")
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        digits = rng.randint(min_digits, max_digits)
        x = _random_number(rng, digits)
        src, tgt = str(x), read_number(x)
        pairs.append((tgt, src) if reverse else (src, tgt))
    return pairs


@dataclass
class Batch:
    """패딩한 배치 하나.

    Attributes:
        src: (B, S) 입력 id, 뒤쪽은 ``<pad>``.
        src_mask: (B, S) bool, 실제 글자 자리가 ``True``.
        src_lengths: (B,) 입력 길이.
        tgt_in: (B, T) 디코더 입력 ``<bos> y_1 … y_n`` (교사 강요용).
        tgt_out: (B, T) 디코더 정답 ``y_1 … y_n <eos>``.
        tgt_mask: (B, T) bool, 손실을 셀 자리가 ``True``.
    """

    src: object
    src_mask: object
    src_lengths: object
    tgt_in: object
    tgt_out: object
    tgt_mask: object

    def to(self, device) -> Batch:
        """모든 텐서를 ``device`` 로 옮긴 새 배치."""
        return Batch(**{k: getattr(self, k).to(device) for k in self.__dataclass_fields__})


def encode_batch(texts: Sequence[str], vocab: Vocab, add_bos: bool = False, add_eos: bool = False):
    """문자열 목록을 패딩한 id 텐서로 바꾼다.

    Args:
        texts: 문자열 목록 (비어 있으면 ``ValueError``).
        vocab: 사용할 어휘.
        add_bos: 각 줄 앞에 ``<bos>``.
        add_eos: 각 줄 뒤에 ``<eos>``.

    Returns:
        ``(ids, mask)``: (B, L) ``torch.long`` 과 (B, L) ``torch.bool`` (실제 토큰이 ``True``).
    """
    import torch

    if len(texts) == 0:
        raise ValueError("texts가 비어 있습니다")
    seqs = [vocab.encode(t, add_bos=add_bos, add_eos=add_eos) for t in texts]
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), vocab.pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.bool)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
        mask[i, : len(s)] = True
    return ids, mask


def make_batch(pairs: Sequence[tuple[str, str]], src_vocab: Vocab, tgt_vocab: Vocab) -> Batch:
    """(입력, 정답) 쌍 목록을 :class:`Batch` 로 만든다.

    Args:
        pairs: :func:`make_pairs` 가 만든 쌍들.
        src_vocab: 입력 어휘.
        tgt_vocab: 출력 어휘.
    """
    if len(pairs) == 0:
        raise ValueError("pairs가 비어 있습니다")
    src, src_mask = encode_batch([s for s, _ in pairs], src_vocab)
    tgt_full, full_mask = encode_batch([t for _, t in pairs], tgt_vocab, add_bos=True, add_eos=True)
    # tgt_full = <bos> y_1 … y_n <eos>: 입력은 마지막을 뺀 것, 정답은 처음을 뺀 것 (한 칸 밀기)
    return Batch(
        src=src,
        src_mask=src_mask,
        src_lengths=src_mask.sum(dim=1),
        tgt_in=tgt_full[:, :-1].clone(),
        tgt_out=tgt_full[:, 1:].clone(),
        tgt_mask=full_mask[:, 1:].clone(),
    )


def iter_batches(
    pairs: Sequence[tuple[str, str]],
    src_vocab: Vocab,
    tgt_vocab: Vocab,
    batch_size: int,
    shuffle: bool = False,
    seed: int = 0,
):
    """쌍 목록을 ``batch_size`` 개씩 :class:`Batch` 로 내준다 (마지막 배치는 작을 수 있다, 버리지 않는다).

    Args:
        pairs: (입력, 정답) 쌍들.
        src_vocab: 입력 어휘.
        tgt_vocab: 출력 어휘.
        batch_size: 배치 크기 (1 이상).
        shuffle: ``True`` 면 ``seed`` 로 순서를 섞는다.
        seed: 섞기 시드.
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size는 1 이상의 정수여야 합니다: {batch_size!r}")
    order = list(range(len(pairs)))
    if shuffle:
        random.Random(seed).shuffle(order)
    for start in range(0, len(order), batch_size):
        yield make_batch([pairs[i] for i in order[start : start + batch_size]], src_vocab, tgt_vocab)


def exact_match(predictions: Sequence[str], targets: Sequence[str]) -> float:
    """완전 일치 정확도: 예측 문자열이 정답과 글자 하나까지 같은 비율.

    Args:
        predictions: 예측 문자열들.
        targets: 정답 문자열들 (길이가 ``predictions`` 와 같아야 한다).
    """
    if len(predictions) != len(targets):
        raise ValueError(f"predictions와 targets의 길이가 다릅니다: {len(predictions)} != {len(targets)}")
    if len(targets) == 0:
        raise ValueError("targets가 비어 있습니다")
    return sum(nfc(p) == nfc(t) for p, t in zip(predictions, targets)) / len(targets)


def accuracy_by_length(
    sources: Sequence[str],
    predictions: Sequence[str],
    targets: Sequence[str],
    key: Callable[[str], int] = len,
) -> dict[int, float]:
    """입력 길이별 완전 일치 정확도.

    Args:
        sources: 입력 문자열들 (길이를 재는 대상).
        predictions: 예측 문자열들.
        targets: 정답 문자열들.
        key: 입력에서 길이를 재는 함수. 기본은 글자 수 (숫자 입력이면 자릿수).
            ``reverse=True`` 과제에서 자릿수로 묶으려면 ``key=lambda s: len(str(parse_reading(s)))``.

    Returns:
        ``{길이: 정확도}`` (길이 오름차순).
    """
    if not len(sources) == len(predictions) == len(targets):
        raise ValueError(
            f"sources, predictions, targets의 길이가 다릅니다: {len(sources)}, {len(predictions)}, {len(targets)}"
        )
    groups: dict[int, list[bool]] = defaultdict(list)
    for s, p, t in zip(sources, predictions, targets):
        groups[key(s)].append(nfc(p) == nfc(t))
    return {k: sum(v) / len(v) for k, v in sorted(groups.items())}
