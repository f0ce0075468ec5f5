"""감성 리뷰 데이터 ``data/sentiment/reviews.jsonl`` 을 손으로 쓴 원본 파일에서 만든다.

원본: ``data/scripts/reviews_src/{movie,restaurant,product,travel,app}.tsv`` (이 프로젝트가 직접 쓴 리뷰).
한 줄은 ``label<TAB>phenomena<TAB>text`` 이고 ``#`` 로 시작하는 줄은 주석이다.
phenomena 는 쉼표로 구분한 어려운 사례 표시(negation, sarcasm, contrast, mixed, emoticon, typo, colloquial),
없으면 ``-`` 이다.

만드는 규칙 (결정적, 난수 없음):
- id 는 도메인 순서(영화, 식당, 제품, 여행, 앱) → 파일 안 순서대로 rev-0001 부터 매긴다.
- 평가 분할: (도메인, 레이블)마다 파일에 나온 순서로 0, 1, 2, … 번호를 매겨 5로 나눈 나머지가 4 인 항목
  (다섯 번째마다 하나)을 ``test`` 로, 나머지를 ``train`` 으로 둔다. 그래서 test 는 도메인·레이블별로 층화된 20% 이다.
- 검사: 본문 80자 이하, 빈 본문 없음, 본문 중복 없음, 알려진 phenomena 만, 레이블 0/1.

실행: ``python data/scripts/build_reviews.py`` (파일을 씀), ``--check`` (저장된 파일과 같은지만 확인).
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "reviews_src"
OUT = HERE.parent / "sentiment" / "reviews.jsonl"
DOMAINS = (("영화", "movie"), ("식당", "restaurant"), ("제품", "product"), ("여행", "travel"), ("앱", "app"))
PHENOMENA = ("negation", "sarcasm", "contrast", "mixed", "emoticon", "typo", "colloquial")
MAX_CHARS = 80
TEST_EVERY = 5  # (도메인, 레이블)마다 다섯 번째 항목 → test


def read_source(path: Path) -> list[tuple[int, list[str], str]]:
    """원본 TSV 한 파일을 (label, phenomena, text) 목록으로 읽는다."""
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 3:
            raise ValueError(f"{path.name}:{lineno}: 열이 3개가 아닙니다: {line!r}")
        label_s, tags_s, text = cols
        if label_s not in ("0", "1"):
            raise ValueError(f"{path.name}:{lineno}: label 이 0/1 이 아닙니다: {label_s!r}")
        tags = [] if tags_s == "-" else tags_s.split(",")
        bad = [t for t in tags if t not in PHENOMENA]
        if bad:
            raise ValueError(f"{path.name}:{lineno}: 알 수 없는 phenomena {bad!r}")
        text = unicodedata.normalize("NFC", text.strip())
        if not text or len(text) > MAX_CHARS:
            raise ValueError(f"{path.name}:{lineno}: 본문 길이 {len(text)} 는 1–{MAX_CHARS} 여야 합니다")
        rows.append((int(label_s), tags, text))
    return rows


def build_records() -> list[dict]:
    """모든 원본을 읽어 JSONL 레코드 목록을 만든다."""
    records = []
    seen: dict[str, str] = {}
    for domain, stem in DOMAINS:
        counters = {0: 0, 1: 0}
        for label, tags, text in read_source(SRC / f"{stem}.tsv"):
            if text in seen:
                raise ValueError(f"본문이 중복됩니다 ({seen[text]}, {stem}): {text!r}")
            rid = f"rev-{len(records) + 1:04d}"
            seen[text] = rid
            k = counters[label]
            counters[label] += 1
            split = "test" if k % TEST_EVERY == TEST_EVERY - 1 else "train"
            records.append(
                {"id": rid, "text": text, "label": label, "domain": domain, "split": split, "phenomena": tags}
            )
    return records


def to_jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="저장된 파일이 원본에서 만든 것과 같은지만 확인")
    args = ap.parse_args(argv)
    text = to_jsonl(build_records())
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("같음" if same else "다름: build_reviews.py 를 다시 실행하세요")
        return 0 if same else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT.name}: {text.count(chr(10))}개 리뷰")
    return 0


if __name__ == "__main__":
    sys.exit(main())
