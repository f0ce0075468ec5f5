"""정렬(선호 데이터)과 RAG(헌법 질문) 데이터 파일 검사.

- ``data/preferences/preferences.jsonl``: 스키마, 신호별 개수와 분할, NFC, 빈 값·중복, 길이,
  그리고 신호가 실제로 그 뜻대로 들어 있는지 (사실: 선택 응답은 사전학습 세계의 사실과 맞고 거절 응답은 어긋남,
  간결함: 선택 응답이 더 짧음). 생성 스크립트가 같은 파일을 다시 만드는지도 본다.
- ``data/qa/constitution_qa.jsonl``: 스키마, 분할 규칙, 조 번호(본문 1..130), 정답이 그 조문에 근거하는지
  (정답의 명사·숫자가 조문에 나오는지), 질문이 조문을 그대로 베끼지 않았는지 (12자 연속 일치 없음).
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from llmnotes.corpora import constitution_article, constitution_articles
from llmnotes.textgen import ANIMAL_FOOD, ANIMAL_SOUND, COUNTRY_CAPITAL, FRUIT_TASTE, JOB_WORKPLACE

ROOT = Path(__file__).resolve().parents[1]
PREF_PATH = ROOT / "data" / "preferences" / "preferences.jsonl"
QA_PATH = ROOT / "data" / "qa" / "constitution_qa.jsonl"
SMALL_QA_PATH = ROOT / "data" / "qa" / "constitution_retrieval_small.jsonl"
SCRIPT_PATH = ROOT / "data" / "scripts" / "make_preferences.py"

SIGNALS = {"사실", "공손함", "주제", "간결함"}
PREF_KEYS = {"id", "prompt", "chosen", "rejected", "signal", "split"}
QA_KEYS = {"id", "question", "articles", "answer", "split"}


def _read_jsonl(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n"), f"{path.name}: 마지막 줄바꿈이 없습니다"
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture(scope="module")
def prefs() -> list[dict]:
    return _read_jsonl(PREF_PATH)


@pytest.fixture(scope="module")
def qa() -> list[dict]:
    return _read_jsonl(QA_PATH)


# ------------------------------------------------------------------------------------------------------
# 선호 데이터
# ------------------------------------------------------------------------------------------------------


def test_prefs_schema_and_ids(prefs):
    assert len(prefs) >= 300
    for i, r in enumerate(prefs, start=1):
        assert set(r) == PREF_KEYS, r
        assert all(isinstance(r[k], str) for k in PREF_KEYS), r
        assert r["id"] == f"pref-{i:04d}"
        assert r["signal"] in SIGNALS
        assert r["split"] in ("train", "test")


def test_prefs_counts_per_signal_and_split(prefs):
    by_signal = Counter(r["signal"] for r in prefs)
    assert set(by_signal) == SIGNALS
    assert min(by_signal.values()) >= 60, by_signal
    for signal in SIGNALS:
        rows = [r for r in prefs if r["signal"] == signal]
        # 고정 규칙: 신호 안에서 k 번째(1부터) 항목은 k % 5 == 0 일 때 test
        for k, r in enumerate(rows, start=1):
            assert r["split"] == ("test" if k % 5 == 0 else "train"), r["id"]
        frac = sum(r["split"] == "test" for r in rows) / len(rows)
        assert 0.15 <= frac <= 0.25, (signal, frac)


def test_prefs_text_fields(prefs):
    seen = set()
    for r in prefs:
        for key in ("prompt", "chosen", "rejected"):
            value = r[key]
            assert value.strip() == value and value, (r["id"], key)
            assert unicodedata.normalize("NFC", value) == value, (r["id"], key)
            assert re.search("[가-힣]", value), (r["id"], key)
        assert r["chosen"] != r["rejected"], r["id"]
        assert (r["prompt"], r["chosen"]) not in seen, r["id"]
        seen.add((r["prompt"], r["chosen"]))
        assert len(r["prompt"]) <= 80, r["id"]
        assert len(r["chosen"]) <= 60, r["id"]
        assert len(r["rejected"]) <= (120 if r["signal"] == "간결함" else 60), r["id"]


def test_prefs_concise_signal_prefers_shorter(prefs):
    rows = [r for r in prefs if r["signal"] == "간결함"]
    for r in rows:
        assert len(r["chosen"]) < len(r["rejected"]), r["id"]
    ratio = sum(len(r["rejected"]) / len(r["chosen"]) for r in rows) / len(rows)
    assert ratio > 2.5, ratio  # 장황한 답은 평균적으로 몇 배 길다


def test_prefs_polite_signal_uses_honorifics(prefs):
    """공손함: 선택 응답은 존댓말 어미(-요/-니다/-세요)로 끝나는 문장이 있고, 거절 응답에는 없다."""
    polite_end = re.compile(r"(요|니다|세요|까요|죠)[.!?]")
    for r in prefs:
        if r["signal"] != "공손함":
            continue
        assert polite_end.search(r["chosen"]), r["id"]
        assert not polite_end.search(r["rejected"]), r["id"]


# 사전학습 세계의 사실과 맞는지 검사: 어절에서 어휘 단어를 찾고, 관계 표와 어긋나는 (주어, 값) 짝이 있는지 본다.
_SUFFIXES = (
    "", "은", "는", "이", "가", "을", "를", "의", "에", "에서", "에서는", "와", "과", "도",
    "입니다", "이에요", "예요", "이야", "야", "이지", "지", "이잖아", "잖아",
)  # fmt: skip
_TASTE_WORDS = {
    "답니다": "달다", "달아요": "달다", "달아": "달다", "달지": "달다",
    "달콤합니다": "달콤하다", "달콤해요": "달콤하다", "달콤해": "달콤하다", "달콤하지": "달콤하다",
    "십니다": "시다", "셔요": "시다", "셔": "시다", "시지": "시다",
    "새콤합니다": "새콤하다", "새콤해요": "새콤하다", "새콤해": "새콤하다", "새콤하지": "새콤하다",
    "시원합니다": "시원하다", "시원해요": "시원하다", "시원해": "시원하다", "시원하지": "시원하다",
    "쌉쌀합니다": "쌉쌀하다", "쌉쌀해요": "쌉쌀하다", "쌉쌀해": "쌉쌀하다", "쌉쌀하지": "쌉쌀하다",
    "부드럽습니다": "부드럽다", "부드러워요": "부드럽다", "부드러워": "부드럽다", "부드럽지": "부드럽다",
}  # fmt: skip
_TABLES = {
    "나라-수도": COUNTRY_CAPITAL,
    "직업-일터": JOB_WORKPLACE,
    "동물-소리": ANIMAL_SOUND,
    "동물-먹이": ANIMAL_FOOD,
    "과일-맛": FRUIT_TASTE,
}


def _words(text: str) -> set[str]:
    """어절마다 조사·서술격 어미를 떼어 어휘 단어를 찾는다 (과일 맛 활용형은 기본형으로)."""
    lexicon = {w for t in _TABLES.values() for w in list(t) + list(t.values())}
    found: set[str] = set()
    for token in re.findall(r"[가-힣]+", text):
        if token in _TASTE_WORDS:
            found.add(_TASTE_WORDS[token])
        for word in lexicon:
            if token.startswith(word) and token[len(word) :] in _SUFFIXES:
                found.add(word)
    return found


def _fact_status(text: str) -> tuple[int, int]:
    """(맞는 짝 수, 어긋나는 짝 수). 짝 = 같은 관계의 주어와 값이 함께 나온 것."""
    words = _words(text)
    good = bad = 0
    for table in _TABLES.values():
        values = words & set(table.values())
        for subject in words & set(table):
            if values:
                good += table[subject] in values
                bad += table[subject] not in values
    return good, bad


def test_fact_checker_itself():
    assert _fact_status("한국의 수도는 서울입니다.") == (1, 0)
    assert _fact_status("한국의 수도는 도쿄예요.") == (0, 1)
    assert _fact_status("레몬 맛은 어때요? 맛이 셔요.") == (1, 0)
    assert _fact_status("소방관은 소방서에서 일해요.") == (1, 0)  # '소' 로 잘못 잡지 않는다
    assert _fact_status("오늘은 하늘이 맑아요.") == (0, 0)


def test_prefs_chosen_never_contradicts_world(prefs):
    for r in prefs:
        good, bad = _fact_status(f"{r['prompt']} {r['chosen']}")
        assert bad == 0, r["id"]


def test_prefs_fact_signal(prefs):
    rows = [r for r in prefs if r["signal"] == "사실"]
    n_relation = 0
    for r in rows:
        if (
            "다. " in r["prompt"]
        ):  # 문맥 문장이 있는 질문: 선택 응답의 첫 어절은 문맥에 있고, 거절 응답은 없다
            context = r["prompt"].split(". ")[0]
            first = lambda s: re.sub(r"(을|를|에서|에)$", "", s.split()[0])  # noqa: E731
            assert first(r["chosen"]) in context, r["id"]
            assert first(r["rejected"]) not in context, r["id"]
            continue
        n_relation += 1
        good, bad = _fact_status(f"{r['prompt']} {r['chosen']}")
        assert good >= 1 and bad == 0, r["id"]
        assert _fact_status(f"{r['prompt']} {r['rejected']}")[1] >= 1, r["id"]
    assert n_relation >= 50


def test_prefs_generator_reproduces_file(monkeypatch):
    spec = importlib.util.spec_from_file_location("make_preferences", SCRIPT_PATH)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_preferences", module)  # dataclass 가 모듈을 찾을 수 있게
    spec.loader.exec_module(module)
    assert module.dumps(module.build()) == PREF_PATH.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------------------
# 헌법 질문
# ------------------------------------------------------------------------------------------------------


def _gold_text(row: dict) -> str:
    return "\n".join(constitution_article(n).text for n in row["articles"])


def test_qa_schema_and_split(qa):
    assert len(qa) >= 60
    for i, r in enumerate(qa, start=1):
        assert set(r) == QA_KEYS, r
        assert r["id"] == f"cq-{i:03d}"
        assert isinstance(r["question"], str) and isinstance(r["answer"], str)
        assert r["question"].endswith("?"), r["id"]
        assert r["answer"].strip() == r["answer"] and r["answer"], r["id"]
        for key in ("question", "answer"):
            assert unicodedata.normalize("NFC", r[key]) == r[key], (r["id"], key)
        assert r["split"] == ("dev" if i % 5 in (1, 3) else "test"), r["id"]  # 고정 규칙: 40% dev
    assert len({r["question"] for r in qa}) == len(qa)


def test_qa_articles_valid(qa):
    for r in qa:
        arts = r["articles"]
        assert isinstance(arts, list) and arts, r["id"]
        assert all(type(n) is int and 1 <= n <= 130 for n in arts), r["id"]
        assert len(set(arts)) == len(arts), r["id"]
    chapters = {constitution_article(n).chapter for r in qa for n in r["articles"]}
    assert len(chapters) == 10  # 제1장–제10장 모두


_SUPPORT_TAGS = {"NNG", "NNP", "NNB", "NR", "SN", "XR", "SL"}


def _unsupported(answer: str, gold: str) -> list[str]:
    """정답의 명사·수사·숫자(형태소 분석) 가운데 조문에 없는 것들. 숫자는 앞뒤가 다른 숫자가 아니게 그대로 나와야 한다."""
    from llmnotes.morph import tokenize

    flat = re.sub(r"\s+", "", gold)
    words = [m.form for m in tokenize(answer) if m.tag in _SUPPORT_TAGS]
    missing = [w for w in words if w not in flat]
    missing += [n for n in re.findall(r"\d+", answer) if not re.search(rf"(?<!\d){n}(?!\d)", gold)]
    return missing if words else ["(내용어 없음)"]


def test_qa_answer_supported_by_article(qa):
    for r in qa:
        assert not _unsupported(r["answer"], _gold_text(r)), (
            r["id"],
            _unsupported(r["answer"], _gold_text(r)),
        )


def test_qa_support_check_rejects_wrong_article(qa):
    """근거 검사가 헐겁지 않은지: 정답을 바로 다음 조문에 붙이면 대부분 근거 없음으로 나온다."""
    failed = 0
    for r in qa:
        shifted = "\n".join(constitution_article(n % 130 + 1).text for n in r["articles"])
        failed += bool(_unsupported(r["answer"], shifted))
    assert failed / len(qa) >= 0.8, failed


def test_qa_questions_are_paraphrases(qa):
    """질문이 조문을 베끼지 않았다: 질문의 어떤 12자 연속 부분도 정답 조문(그리고 헌법 본문 어디에도)에 없다."""
    whole = "\n".join(a.text for a in constitution_articles("본문"))
    for r in qa:
        q = r["question"]
        for i in range(len(q) - 11):
            piece = q[i : i + 12]
            assert piece not in _gold_text(r), (r["id"], piece)
            assert piece not in whole, (r["id"], piece)


def _bigram_jaccard(a: str, b: str) -> float:
    """공백·문장부호를 뺀 글자 2-gram 집합의 자카드 유사도."""
    a, b = re.sub(r"[\s?,.]", "", a), re.sub(r"[\s?,.]", "", b)
    x, y = {a[i : i + 2] for i in range(len(a) - 1)}, {b[i : i + 2] for i in range(len(b) - 1)}
    return len(x & y) / len(x | y)


def test_bigram_jaccard():
    assert _bigram_jaccard("대통령 임기는?", "대통령 임기는?") == 1.0
    assert _bigram_jaccard("가나다", "라마바") == 0.0


def test_qa_no_overlap_with_small_retrieval_set(qa):
    """노트북 01용 작은 세트와 질문이 겹치지 않는다 (같은 질문도, 거의 같은 질문도 없음)."""
    if not SMALL_QA_PATH.is_file():
        pytest.skip("data/qa/constitution_retrieval_small.jsonl 이 아직 없습니다 (노트북 01용 작은 세트)")
    small = [r["question"] for r in _read_jsonl(SMALL_QA_PATH)]
    for r in qa:
        closest = max(small, key=lambda q: _bigram_jaccard(q, r["question"]))
        assert _bigram_jaccard(closest, r["question"]) < 0.4, (r["id"], closest)
