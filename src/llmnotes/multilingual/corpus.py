"""병렬 말뭉치와 씨앗 사전 읽기 (노트북 19 의 데이터)."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from ..paths import data_dir

LANGS = ("ko", "en", "ja", "zh", "es")
LANG_NAMES = {"ko": "한국어", "en": "영어", "ja": "일본어", "zh": "중국어", "es": "스페인어"}
SPLITS = ("train", "test")


def check_lang(lang: object) -> str:
    """언어 코드를 확인한다. 모르는 코드면 ``ValueError``.

    Args:
        lang: ``LANGS`` 중 하나 (``"ko"``, ``"en"``, ``"ja"``, ``"zh"``, ``"es"``).
    """
    if lang not in LANGS:
        raise ValueError(f"lang은 {LANGS} 중 하나여야 합니다: {lang!r}")
    return str(lang)


def load_parallel(split: str | None = None, path: str | Path | None = None) -> list[dict[str, str]]:
    """병렬 말뭉치를 읽는다. 한 레코드 = ``id``, ``topic``, ``split`` 과 언어마다 한 문장.

    Args:
        split: ``"train"``, ``"test"`` 또는 ``None`` (전부).
        path: JSONL 파일. 기본은 ``data/multilingual/parallel.jsonl``.
    """
    if split is not None and split not in SPLITS:
        raise ValueError(f"split은 {SPLITS} 또는 None이어야 합니다: {split!r}")
    path = Path(path) if path is not None else data_dir() / "multilingual" / "parallel.jsonl"
    records = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        rec = json.loads(line)
        missing = [k for k in ("id", "topic", "split", *LANGS) if not rec.get(k)]
        if missing:
            raise ValueError(f"{path.name}:{lineno}: 필드가 없거나 비었습니다: {missing}")
        for lang in LANGS:
            rec[lang] = unicodedata.normalize("NFC", rec[lang])
        if split is None or rec["split"] == split:
            records.append(rec)
    if not records:
        raise ValueError(f"split={split!r} 레코드가 없습니다: {path.name}")
    return records


def load_seed_dictionary(path: str | Path | None = None) -> list[tuple[str, str]]:
    """한국어–영어 씨앗 사전 (한 줄 ``한국어<TAB>영어``, ``#`` 줄은 주석)을 (ko, en) 쌍 목록으로 읽는다.

    Args:
        path: TSV 파일. 기본은 ``data/multilingual/seed_dictionary_ko_en.tsv``.
    """
    path = Path(path) if path is not None else data_dir() / "multilingual" / "seed_dictionary_ko_en.tsv"
    pairs = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 2 or not all(c.strip() for c in cols):
            raise ValueError(f"{path.name}:{lineno}: '한국어<TAB>영어' 두 칸이어야 합니다: {line!r}")
        pairs.append((unicodedata.normalize("NFC", cols[0].strip()), cols[1].strip().lower()))
    return pairs
