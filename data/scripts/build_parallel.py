"""다국어 병렬 말뭉치 ``data/multilingual/parallel.jsonl`` 을 손으로 쓴 원본 TSV 에서 만든다.

원본: ``data/scripts/parallel_src/part{1,2,3,4}.tsv`` (이 프로젝트가 직접 쓴 문장).
한 줄은 ``topic<TAB>ko<TAB>en<TAB>ja<TAB>zh<TAB>es`` 이고 ``#`` 로 시작하는 줄은 주석이다.

만드는 규칙 (결정적, 난수 없음):
- 모든 문장은 NFC 로 정규화하고 앞뒤 공백을 지운다.
- id 는 파일 순서대로 ``par-001`` 부터 매긴다.
- 분할: 주제마다 파일에 나온 순서로 0, 1, 2, … 번호를 매겨 5로 나눈 나머지가 4 인 문장(다섯 번째마다 하나)을
  ``test``, 나머지를 ``train`` 으로 둔다 (주제별로 층화된 20%).
- 검사: 알려진 주제만, 빈 문장 없음, 언어마다 문장 중복 없음, 주제당 20문장.

실행: ``python data/scripts/build_parallel.py`` (파일을 씀), ``--check`` (저장된 파일과 같은지만 확인).
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "parallel_src"
OUT = HERE.parent / "multilingual" / "parallel.jsonl"
LANGS = ("ko", "en", "ja", "zh", "es")
TOPICS = ("daily", "food", "weather", "travel", "shopping", "school", "work", "health", "family", "hobby")
PER_TOPIC = 20
TEST_EVERY = 5


def build_records() -> list[dict]:
    """원본 TSV 를 모두 읽어 JSONL 레코드 목록을 만든다."""
    records: list[dict] = []
    seen: dict[str, set[str]] = {lang: set() for lang in LANGS}
    per_topic: Counter[str] = Counter()
    for path in sorted(SRC.glob("part*.tsv")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 1 + len(LANGS):
                raise ValueError(f"{path.name}:{lineno}: 열이 {1 + len(LANGS)}개가 아닙니다: {line!r}")
            topic, texts = cols[0], [unicodedata.normalize("NFC", c.strip()) for c in cols[1:]]
            if topic not in TOPICS:
                raise ValueError(f"{path.name}:{lineno}: 알 수 없는 topic {topic!r}")
            rec = {"id": f"par-{len(records) + 1:03d}", "topic": topic}
            for lang, text in zip(LANGS, texts):
                if not text:
                    raise ValueError(f"{path.name}:{lineno}: {lang} 문장이 비었습니다")
                if text in seen[lang]:
                    raise ValueError(f"{path.name}:{lineno}: {lang} 문장이 중복입니다: {text!r}")
                seen[lang].add(text)
                rec[lang] = text
            rec["split"] = "test" if per_topic[topic] % TEST_EVERY == TEST_EVERY - 1 else "train"
            per_topic[topic] += 1
            records.append(rec)
    bad = {t: n for t, n in per_topic.items() if n != PER_TOPIC}
    if bad or len(per_topic) != len(TOPICS):
        raise ValueError(f"주제마다 {PER_TOPIC}문장이어야 합니다: {dict(per_topic)}")
    return records


def render(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="저장된 파일이 원본과 같은지만 확인")
    args = parser.parse_args(argv)
    text = render(build_records())
    if args.check:
        same = OUT.is_file() and OUT.read_text(encoding="utf-8") == text
        print("같음" if same else "다름: python data/scripts/build_parallel.py 로 다시 만드세요")
        return 0 if same else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT.relative_to(HERE.parent.parent)}: {text.count(chr(10))}문장")
    return 0


if __name__ == "__main__":
    sys.exit(main())
