"""데이터 로더: 프로젝트 데이터 파일의 스키마·균형·분할 검사, JSONL 검증 오류, NSMC 형식 픽스처."""

from __future__ import annotations

import importlib.util
import json
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from llmnotes.loaders import (
    INSTRUCTION_TASKS,
    REVIEW_DOMAINS,
    REVIEW_PHENOMENA,
    ConstitutionQA,
    Instruction,
    NsmcExample,
    Preference,
    Review,
    load_constitution_qa,
    load_instructions,
    load_jsonl,
    load_nsmc,
    load_preferences,
    load_reviews,
)
from llmnotes.paths import data_dir

FIXTURES = Path(__file__).parent / "fixtures"
SCRIPTS = data_dir() / "scripts"


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


# ---------------------------------------------------------------- 감성 리뷰 데이터


@pytest.fixture(scope="module")
def reviews() -> list[Review]:
    return load_reviews()


def test_reviews_counts_and_balance(reviews):
    assert len(reviews) >= 600
    by_domain = Counter(r.domain for r in reviews)
    assert set(by_domain) == set(REVIEW_DOMAINS)
    assert all(n >= 100 for n in by_domain.values()), by_domain
    for d in REVIEW_DOMAINS:
        labels = Counter(r.label for r in reviews if r.domain == d)
        assert labels[0] == labels[1], (d, labels)  # 도메인마다 긍정·부정 같은 수


def test_reviews_split_is_stratified_20_percent(reviews):
    test = load_reviews("test")
    train = load_reviews("train")
    assert len(test) + len(train) == len(reviews)
    assert {r.split for r in test} == {"test"} and {r.split for r in train} == {"train"}
    for d in REVIEW_DOMAINS:
        for y in (0, 1):
            n_all = sum(r.domain == d and r.label == y for r in reviews)
            n_test = sum(r.domain == d and r.label == y for r in test)
            assert n_test == n_all // 5, (d, y, n_test, n_all)  # 다섯 번째마다 하나 → 정확히 1/5


def test_reviews_text_quality(reviews):
    texts = [r.text for r in reviews]
    assert len(set(texts)) == len(texts), "중복 본문"
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)
    assert all(0 < len(t) <= 80 for t in texts)
    assert [r.id for r in reviews] == [f"rev-{i:04d}" for i in range(1, len(reviews) + 1)]


def test_reviews_every_phenomenon_present_in_both_splits(reviews):
    for split in ("train", "test"):
        tags = Counter(t for r in reviews if r.split == split for t in r.phenomena)
        for tag in REVIEW_PHENOMENA:
            assert tags[tag] > 0, (split, tag)
    # 부정 표현은 양쪽 레이블 모두에 있어야 한다 ('나쁘지 않다' = 긍정, '맛있지는 않았다' = 부정)
    neg_labels = {r.label for r in reviews if "negation" in r.phenomena}
    assert neg_labels == {0, 1}
    assert all(r.label == 0 for r in reviews if "sarcasm" in r.phenomena)


def test_reviews_file_is_reproduced_by_script():
    mod = _load_script("build_reviews")
    expected = (data_dir() / "sentiment" / "reviews.jsonl").read_text(encoding="utf-8")
    assert mod.to_jsonl(mod.build_records()) == expected


def test_known_hard_examples(reviews):
    by_text = {r.text: r for r in reviews}
    assert by_text["참 빨리도 배송되네요. 한 달 걸렸어요."].label == 0
    assert "sarcasm" in by_text["참 빨리도 배송되네요. 한 달 걸렸어요."].phenomena
    assert by_text["좀 비싸지만 만족합니다."].label == 1
    assert by_text["가격 생각하면 나쁘지 않아요."].label == 1
    assert by_text["소문만큼 맛있지는 않았다."].label == 0


# ---------------------------------------------------------------- 지시 데이터


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return load_instructions()


def test_instructions_counts(instructions):
    assert len(instructions) >= 300
    by_task = Counter(x.task for x in instructions)
    assert set(by_task) == set(INSTRUCTION_TASKS)
    assert all(n >= 50 for n in by_task.values()), by_task


def test_instructions_split_is_about_10_percent(instructions):
    test = load_instructions("test")
    assert 0.08 <= len(test) / len(instructions) <= 0.12
    assert {x.task for x in test} == set(INSTRUCTION_TASKS)
    assert len(load_instructions("train")) + len(test) == len(instructions)


def test_instructions_quality(instructions):
    keys = [(x.instruction, x.input) for x in instructions]
    assert len(set(keys)) == len(keys), "같은 지시·입력 쌍이 두 번 나온다"
    for x in instructions:
        for s in (x.instruction, x.input, x.output):
            assert unicodedata.is_normalized("NFC", s)
        assert 0 < len(x.output) <= 60, (x.id, x.output)
        assert len(x.input) <= 120, (x.id, x.input)
    assert [x.id for x in instructions] == [f"ins-{i:04d}" for i in range(1, len(instructions) + 1)]
    # 입력 없는 지시(질의응답, 짧은 글쓰기)와 입력 있는 지시가 모두 있다
    assert any(x.input == "" for x in instructions) and any(x.input for x in instructions)


def test_instructions_known_items(instructions):
    qa = {(x.instruction, x.input): x.output for x in instructions if x.task == "질의응답"}
    assert "한국의 수도는 서울입니다." in qa.values()


def test_instructions_file_is_reproduced_by_script():
    mod = _load_script("build_instructions")
    expected = (data_dir() / "instructions" / "instructions.jsonl").read_text(encoding="utf-8")
    assert mod.to_jsonl(mod.build_records()) == expected


# ---------------------------------------------------------------- load_jsonl 검증

FIELDS = {"id": str, "text": str, "label": int, "tags": list}


def _rec(**kw):
    base = {"id": "a-1", "text": "좋아요", "label": 1, "tags": []}
    base.update(kw)
    return base


def test_load_jsonl_reads_and_normalises_nfc(tmp_path):
    nfd = unicodedata.normalize("NFD", "한국어")
    p = _write_jsonl(tmp_path / "x.jsonl", [_rec(text=nfd, tags=[nfd]), _rec(id="a-2", extra="그대로")])
    recs = load_jsonl(p, FIELDS)
    assert len(recs) == 2
    assert recs[0]["text"] == "한국어" and recs[0]["tags"] == ["한국어"]
    assert unicodedata.is_normalized("NFC", recs[0]["text"])
    assert recs[1]["extra"] == "그대로"  # 스키마에 없는 필드도 버리지 않는다


def test_load_jsonl_skips_blank_lines(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text(json.dumps(_rec()) + "\n\n" + json.dumps(_rec(id="a-2")) + "\n", encoding="utf-8")
    assert [r["id"] for r in load_jsonl(p, FIELDS)] == ["a-1", "a-2"]


@pytest.mark.parametrize(
    ("records", "match"),
    [
        ([_rec(), {"id": "a-2", "label": 1, "tags": []}], r"x\.jsonl:2: 필수 필드가 빠졌습니다: 'text'"),
        ([_rec(label="1")], r"x\.jsonl:1: 필드 'label'의 값은 int 타입"),
        ([_rec(label=True)], r"x\.jsonl:1: 필드 'label'의 값은 int 타입"),
        ([_rec(tags="a")], r"x\.jsonl:1: 필드 'tags'의 값은 list 타입"),
        ([_rec(text="")], r"x\.jsonl:1: 필드 'text'의 값이 빈 문자열"),
        ([_rec(text="   ")], r"x\.jsonl:1: 필드 'text'의 값이 빈 문자열"),
        ([_rec(), _rec(), _rec(id="a-3")], r"x\.jsonl:2: 필드 'id'의 값 'a-1': 1번째 줄과 중복"),
        ([[1, 2]], r"x\.jsonl:1: 한 줄은 JSON 객체"),
    ],
)
def test_load_jsonl_errors_name_file_line_and_field(tmp_path, records, match):
    p = _write_jsonl(tmp_path / "x.jsonl", records)
    with pytest.raises(ValueError, match=match):
        load_jsonl(p, FIELDS)


def test_load_jsonl_broken_json(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text(json.dumps(_rec()) + "\n{broken\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"x\.jsonl:2: JSON을 읽을 수 없습니다"):
        load_jsonl(p, FIELDS)


def test_load_jsonl_allow_empty_and_bad_arguments(tmp_path):
    p = _write_jsonl(tmp_path / "x.jsonl", [_rec(text="")])
    assert load_jsonl(p, FIELDS, allow_empty=("text",))[0]["text"] == ""
    with pytest.raises(ValueError, match="required_fields"):
        load_jsonl(p, {})
    with pytest.raises(ValueError, match="allow_empty"):
        load_jsonl(p, FIELDS, allow_empty=("nope",))


# ---------------------------------------------------------------- 자료형이 정해진 로더


def _review(**kw):
    base = {"id": "rev-1", "text": "좋아요", "label": 1, "domain": "영화", "split": "train", "phenomena": []}
    base.update(kw)
    return base


def test_load_reviews_from_path_and_split_filter(tmp_path):
    p = _write_jsonl(tmp_path / "r.jsonl", [_review(), _review(id="rev-2", split="test", phenomena=["typo"])])
    assert load_reviews(path=p) == [
        Review("rev-1", "좋아요", 1, "영화", "train", ()),
        Review("rev-2", "좋아요", 1, "영화", "test", ("typo",)),
    ]
    assert [r.id for r in load_reviews("test", path=p)] == ["rev-2"]


def test_loaders_follow_llmnotes_data_env(tmp_path, monkeypatch):
    (tmp_path / "sentiment").mkdir()
    _write_jsonl(tmp_path / "sentiment" / "reviews.jsonl", [_review()])
    monkeypatch.setenv("LLMNOTES_DATA", str(tmp_path))
    assert [r.id for r in load_reviews()] == ["rev-1"]


@pytest.mark.parametrize(
    ("rec", "match"),
    [
        (_review(label=2), r"r\.jsonl:1: 필드 'label'은 0 또는 1"),
        (_review(domain="음악"), r"r\.jsonl:1: 필드 'domain'.*'음악'"),
        (_review(split="dev"), r"r\.jsonl:1: 필드 'split'.*'dev'"),
        (_review(phenomena=["irony"]), r"r\.jsonl:1: 필드 'phenomena'.*'irony'"),
    ],
)
def test_load_reviews_bad_values(tmp_path, rec, match):
    p = _write_jsonl(tmp_path / "r.jsonl", [rec])
    with pytest.raises(ValueError, match=match):
        load_reviews(path=p)


@pytest.mark.parametrize("loader", [load_reviews, load_instructions, load_preferences, load_constitution_qa])
def test_unknown_split_argument(loader):
    with pytest.raises(ValueError, match="split은 None 또는"):
        loader("validation")


def test_load_instructions_allows_empty_input_only(tmp_path):
    rec = {"id": "ins-1", "task": "질의응답", "instruction": "한국의 수도는?", "input": "", "output": "서울"}
    p = _write_jsonl(tmp_path / "i.jsonl", [{**rec, "split": "train"}])
    assert load_instructions(path=p) == [
        Instruction("ins-1", "질의응답", "한국의 수도는?", "", "서울", "train")
    ]
    p = _write_jsonl(tmp_path / "i.jsonl", [{**rec, "output": "", "split": "train"}])
    with pytest.raises(ValueError, match=r"i\.jsonl:1: 필드 'output'의 값이 빈 문자열"):
        load_instructions(path=p)
    p = _write_jsonl(tmp_path / "i.jsonl", [{**rec, "task": "번역", "split": "train"}])
    with pytest.raises(ValueError, match=r"i\.jsonl:1: 필드 'task'.*'번역'"):
        load_instructions(path=p)


def _pref(**kw):
    base = {
        "id": "p-1",
        "prompt": "인사해 줘",
        "chosen": "안녕하세요!",
        "rejected": "싫어.",
        "signal": "공손함",
    }
    base.update(split="train", **kw)
    return base


def test_load_preferences(tmp_path):
    p = _write_jsonl(tmp_path / "p.jsonl", [_pref(), {**_pref(), "id": "p-2", "split": "test"}])
    assert load_preferences(path=p)[0] == Preference(
        "p-1", "인사해 줘", "안녕하세요!", "싫어.", "공손함", "train"
    )
    assert [x.id for x in load_preferences("test", path=p)] == ["p-2"]


@pytest.mark.parametrize(
    ("rec", "match"),
    [
        ({**_pref(), "rejected": "안녕하세요!"}, r"p\.jsonl:1: 필드 'chosen'과 'rejected'가 같습니다"),
        ({**_pref(), "signal": ""}, r"p\.jsonl:1: 필드 'signal'의 값이 빈 문자열"),
        ({**_pref(), "prompt": " "}, r"p\.jsonl:1: 필드 'prompt'의 값이 빈 문자열"),
        (
            {k: v for k, v in _pref().items() if k != "chosen"},
            r"p\.jsonl:1: 필수 필드가 빠졌습니다: 'chosen'",
        ),
    ],
)
def test_load_preferences_errors(tmp_path, rec, match):
    p = _write_jsonl(tmp_path / "p.jsonl", [rec])
    with pytest.raises(ValueError, match=match):
        load_preferences(path=p)


def _qa(**kw):
    base = {
        "id": "q-1",
        "question": "주권은 누구에게 있나요?",
        "articles": [1],
        "answer": "국민",
        "split": "dev",
    }
    base.update(kw)
    return base


def test_load_constitution_qa(tmp_path):
    p = _write_jsonl(tmp_path / "q.jsonl", [_qa(), _qa(id="q-2", articles=[10, 130], split="test")])
    assert load_constitution_qa(path=p)[0] == ConstitutionQA(
        "q-1", "주권은 누구에게 있나요?", (1,), "국민", "dev"
    )
    assert load_constitution_qa("test", path=p)[0].articles == (10, 130)


@pytest.mark.parametrize(
    ("rec", "match"),
    [
        (_qa(articles=[0]), r"q\.jsonl:1: 필드 'articles'.*1–130.*0"),
        (_qa(articles=[131]), r"q\.jsonl:1: 필드 'articles'.*131"),
        (_qa(articles=[True]), r"q\.jsonl:1: 필드 'articles'.*True"),
        (_qa(articles=["1"]), r"q\.jsonl:1: 필드 'articles'.*'1'"),
        (_qa(articles=[]), r"q\.jsonl:1: 필드 'articles'가 비어"),
        (_qa(articles=1), r"q\.jsonl:1: 필드 'articles'의 값은 list 타입"),
        (_qa(split="train"), r"q\.jsonl:1: 필드 'split'.*'train'"),
    ],
)
def test_load_constitution_qa_errors(tmp_path, rec, match):
    p = _write_jsonl(tmp_path / "q.jsonl", [rec])
    with pytest.raises(ValueError, match=match):
        load_constitution_qa(path=p)


@pytest.mark.parametrize(
    ("loader", "rel", "splits"),
    [
        (load_preferences, "preferences/preferences.jsonl", ("train", "test")),
        (load_constitution_qa, "qa/constitution_qa.jsonl", ("dev", "test")),
    ],
)
def test_project_preference_and_qa_files_load(loader, rel, splits):
    path = data_dir() / rel
    if not path.exists():
        pytest.skip(f"{rel} 가 아직 없습니다 (다른 데이터 작업에서 만든다)")
    n_lines = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    rows = loader()
    assert len(rows) == n_lines  # 한 줄도 버리지 않는다
    assert sum(len(loader(s)) for s in splits) == n_lines


# ---------------------------------------------------------------- NSMC 형식


def test_load_nsmc_fixture():
    rows = load_nsmc(FIXTURES / "nsmc_sample.txt")
    assert len(rows) == 10
    assert rows[0] == NsmcExample("9000001", "주인공이 너무 멋있어서 두 번 봤어요", 1)
    assert Counter(r.label for r in rows) == {1: 5, 0: 5}
    assert rows[5].document == ""  # 원본처럼 빈 리뷰도 버리지 않는다
    assert all(unicodedata.is_normalized("NFC", r.document) for r in rows)


def test_utf8_bom_is_accepted(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text("\ufeff" + json.dumps(_rec()) + "\n", encoding="utf-8")
    assert load_jsonl(p, FIELDS)[0]["id"] == "a-1"
    n = tmp_path / "n.txt"
    n.write_text("\ufeffid\tdocument\tlabel\n1\t좋다\t1\n", encoding="utf-8")
    assert load_nsmc(n) == [NsmcExample("1", "좋다", 1)]


def test_load_nsmc_normalises_nfd(tmp_path):
    p = tmp_path / "n.txt"
    p.write_text(
        "id\tdocument\tlabel\n1\t" + unicodedata.normalize("NFD", "재밌다") + "\t1\n", encoding="utf-8"
    )
    assert load_nsmc(p)[0].document == "재밌다"


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("id\tdoc\tlabel\n", r"n\.txt:1: 머리줄"),
        ("id\tdocument\tlabel\n1\t좋다\t1\n2\t별로\n", r"n\.txt:3: 탭으로 나눈 열이 3개여야"),
        ("id\tdocument\tlabel\n1\t좋다\t긍정\n", r"n\.txt:2: label은 0 또는 1"),
        ("id\tdocument\tlabel\n1\t좋다\t1\n1\t별로\t0\n", r"n\.txt:3: 2번째 줄과 중복된 id '1'"),
        ("id\tdocument\tlabel\n1\t좋다\t1\n\n2\t별로\t0\n", r"n\.txt:3: 빈 줄"),
        ("id\tdocument\tlabel\n\t좋다\t1\n", r"n\.txt:2: id가 비어"),
        ("id\tdocument\tlabel\n1\t탭\t이 있는 글\t1\n", r"n\.txt:2: 탭으로 나눈 열이 3개여야 합니다 \(4개\)"),
    ],
)
def test_load_nsmc_malformed(tmp_path, body, match):
    p = tmp_path / "n.txt"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=match):
        load_nsmc(p)
