"""프로젝트가 직접 쓴 데이터 세트(JSONL)와 공개 데이터 형식(NSMC)을 읽는 함수.

- :func:`load_jsonl` 은 한 줄에 JSON 객체 하나인 파일을 읽으면서 스키마를 검사한다: 빠진 필드, 틀린 자료형,
  빈 문자열, 중복 ``id`` 는 모두 파일 이름·줄 번호·필드 이름을 담은 ``ValueError`` 가 된다.
  모든 문자열(리스트 안의 문자열 포함)은 NFC 로 정규화한다. 조용히 버리는 줄은 없다 (빈 줄만 건너뛴다).
- 자료형이 정해진 로더(:func:`load_reviews`, :func:`load_instructions`, :func:`load_preferences`,
  :func:`load_constitution_qa`)는 :func:`llmnotes.paths.data_dir` 아래 파일을 읽어 dataclass 목록을 돌려준다.
- :func:`load_nsmc` 는 공개 데이터 NSMC(네이버 영화 리뷰 감성 말뭉치)의 탭 구분 형식을 읽는다.
  파일은 사용자가 직접 가져와야 하며, 이 함수는 아무것도 내려받지 않는다.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .hangul import nfc
from .paths import data_dir

__all__ = [
    "REVIEW_DOMAINS",
    "REVIEW_PHENOMENA",
    "INSTRUCTION_TASKS",
    "Review",
    "Instruction",
    "NsmcExample",
    "Preference",
    "ConstitutionQA",
    "load_jsonl",
    "load_jsonl_numbered",
    "load_reviews",
    "load_instructions",
    "load_nsmc",
    "load_preferences",
    "load_constitution_qa",
]

REVIEW_DOMAINS = ("영화", "식당", "제품", "여행", "앱")
# 어려운 사례 표시: 부정 표현, 반어, 대조(…지만), 긍·부정 혼합, 이모티콘, 일부러 틀린 맞춤법, 구어체.
REVIEW_PHENOMENA = ("negation", "sarcasm", "contrast", "mixed", "emoticon", "typo", "colloquial")
INSTRUCTION_TASKS = ("요약", "분류", "변환", "질의응답", "짧은 글쓰기")
TRAIN_TEST = ("train", "test")
DEV_TEST = ("dev", "test")
N_CONSTITUTION_ARTICLES = 130  # 헌법 본문 제1조–제130조

FieldTypes = Mapping[str, type | tuple[type, ...]]


@dataclass(frozen=True)
class Review:
    """감성 분류용 짧은 리뷰 하나 (``data/sentiment/reviews.jsonl``).

    Attributes:
        id: 'rev-0001' 꼴 식별자.
        text: 리뷰 본문 (NFC).
        label: 1 = 긍정, 0 = 부정.
        domain: '영화', '식당', '제품', '여행', '앱' 가운데 하나.
        split: 'train' 또는 'test'.
        phenomena: 어려운 사례 표시 (:data:`REVIEW_PHENOMENA` 의 값들, 없으면 빈 튜플).
    """

    id: str
    text: str
    label: int
    domain: str
    split: str
    phenomena: tuple[str, ...]


@dataclass(frozen=True)
class Instruction:
    """지시–응답 쌍 하나 (``data/instructions/instructions.jsonl``).

    Attributes:
        id: 'ins-0001' 꼴 식별자.
        task: '요약', '분류', '변환', '질의응답', '짧은 글쓰기' 가운데 하나.
        instruction: 지시문.
        input: 입력 (없으면 빈 문자열).
        output: 기대하는 응답.
        split: 'train' 또는 'test'.
    """

    id: str
    task: str
    instruction: str
    input: str
    output: str
    split: str


@dataclass(frozen=True)
class NsmcExample:
    """NSMC 형식의 리뷰 한 줄.

    Attributes:
        id: 원본 파일의 id 열 (문자열 그대로).
        document: 리뷰 본문 (NFC). 원본에 빈 리뷰가 있으면 빈 문자열로 그대로 둔다.
        label: 1 = 긍정, 0 = 부정.
    """

    id: str
    document: str
    label: int


@dataclass(frozen=True)
class Preference:
    """선호 쌍 하나 (``data/preferences/preferences.jsonl``): 같은 프롬프트에 대한 더 나은 답과 덜 나은 답.

    Attributes:
        id: 식별자.
        prompt: 프롬프트.
        chosen: 선호하는 응답.
        rejected: 덜 선호하는 응답 (``chosen`` 과 달라야 한다).
        signal: 어떤 기준으로 골랐는지 (예: 정확성, 공손함).
        split: 'train' 또는 'test'.
    """

    id: str
    prompt: str
    chosen: str
    rejected: str
    signal: str
    split: str


@dataclass(frozen=True)
class ConstitutionQA:
    """헌법 질의응답 하나 (``data/qa/constitution_qa.jsonl``).

    Attributes:
        id: 식별자.
        question: 질문.
        articles: 답의 근거 조문 번호들 (본문 1–130).
        answer: 정답.
        split: 'dev' 또는 'test'.
    """

    id: str
    question: str
    articles: tuple[int, ...]
    answer: str
    split: str


def _type_name(expected: type | tuple[type, ...]) -> str:
    if isinstance(expected, tuple):
        return " | ".join(t.__name__ for t in expected)
    return expected.__name__


def _is_instance(value: Any, expected: type | tuple[type, ...]) -> bool:
    types = expected if isinstance(expected, tuple) else (expected,)
    if isinstance(value, bool) and bool not in types:
        return False  # JSON 의 true/false 는 int 자리에 올 수 없다 (파이썬에서 bool 은 int 의 하위 형)
    return isinstance(value, types)


def _nfc_deep(value: Any) -> Any:
    """문자열은 NFC 로, 리스트·딕셔너리는 안쪽까지 정규화한다."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, list):
        return [_nfc_deep(v) for v in value]
    if isinstance(value, dict):
        return {nfc(k): _nfc_deep(v) for k, v in value.items()}
    return value


class _NonStandardJSON(json.JSONDecodeError):
    pass


def _reject_constant(name: str) -> float:
    raise _NonStandardJSON(f"JSON 표준이 아닌 값 {name}", name, 0)


def load_jsonl(
    path: str | Path,
    required_fields: FieldTypes,
    allow_empty: Collection[str] = (),
) -> list[dict[str, Any]]:
    """JSONL 파일을 읽어 스키마를 검사하고, 문자열을 NFC 로 바꾼 레코드 목록을 돌려준다.

    Args:
        path: 파일 경로 (UTF-8, 한 줄에 JSON 객체 하나). 빈 줄은 건너뛴다.
        required_fields: 필드 이름 → 자료형 (예: ``{"id": str, "label": int, "phenomena": list}``).
            모든 레코드에 있어야 한다. ``int`` 자리에 ``true``/``false`` 는 받지 않는다. 다른 필드는 그대로 둔다.
        allow_empty: 빈 문자열(공백만 있는 문자열 포함)을 허용할 필드 이름들. 나머지 문자열 필드는 비면 오류.

    Returns:
        레코드(dict) 목록, 파일 순서 그대로.

    Raises:
        ValueError: JSON 이 깨졌거나, 객체가 아니거나, 필드가 빠졌거나, 자료형이 틀렸거나, 문자열이 비었거나,
            ``id`` 가 중복될 때. 메시지에 '파일이름:줄번호' 와 필드 이름이 들어간다.
    """
    return [rec for _, rec in load_jsonl_numbered(path, required_fields, allow_empty)]


def load_jsonl_numbered(
    path: str | Path, required_fields: FieldTypes, allow_empty: Collection[str] = ()
) -> list[tuple[int, dict[str, Any]]]:
    """:func:`load_jsonl` 과 같되 (줄 번호, 레코드) 쌍을 돌려준다 (레코드를 더 검사할 때 오류에 줄 번호를 넣도록)."""
    if not isinstance(required_fields, Mapping) or not required_fields:
        raise ValueError(
            f"required_fields는 비어 있지 않은 {{필드: 자료형}} 사전이어야 합니다: {required_fields!r}"
        )
    unknown = [f for f in allow_empty if f not in required_fields]
    if unknown:
        raise ValueError(f"allow_empty의 필드가 required_fields에 없습니다: {unknown!r}")
    path = Path(path)
    name = path.name  # 절대 경로는 노트북 출력에 남기지 않는다
    records: list[tuple[int, dict[str, Any]]] = []
    seen_ids: dict[str, int] = {}
    with path.open(encoding="utf-8-sig") as fh:  # BOM 이 있어도 읽는다
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = f"{name}:{lineno}"
            try:
                # JSON 표준에 없는 NaN, Infinity, -Infinity 는 파이썬 json 이 기본으로 받아들인다: 거부한다.
                obj = json.loads(line, parse_constant=_reject_constant)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{where}: JSON을 읽을 수 없습니다 ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise ValueError(f"{where}: 한 줄은 JSON 객체여야 합니다: {type(obj).__name__}")
            obj = _nfc_deep(obj)
            for field, expected in required_fields.items():
                if field not in obj:
                    raise ValueError(f"{where}: 필수 필드가 빠졌습니다: {field!r}")
                value = obj[field]
                if not _is_instance(value, expected):
                    raise ValueError(
                        f"{where}: 필드 {field!r}의 값은 {_type_name(expected)} 타입이어야 합니다 (받은 값 {value!r})"
                    )
                if isinstance(value, str) and not value.strip() and field not in allow_empty:
                    raise ValueError(f"{where}: 필드 {field!r}의 값이 빈 문자열입니다")
            rid = obj.get("id")
            if isinstance(rid, str):
                if rid in seen_ids:
                    raise ValueError(f"{where}: 필드 'id'의 값 {rid!r}: {seen_ids[rid]}번째 줄과 중복됩니다")
                seen_ids[rid] = lineno
            records.append((lineno, obj))
    return records


def _check_split_arg(split: str | None, allowed: tuple[str, ...]) -> None:
    if split is not None and split not in allowed:
        raise ValueError(f"split은 None 또는 {allowed} 가운데 하나여야 합니다: {split!r}")


def _check_choice(rec: dict[str, Any], field: str, allowed: Collection[str], where: str) -> None:
    if rec[field] not in allowed:
        raise ValueError(
            f"{where}: 필드 {field!r}의 값이 {tuple(allowed)} 가운데 하나가 아닙니다: {rec[field]!r}"
        )


def load_reviews(split: str | None = None, path: str | Path | None = None) -> list[Review]:
    """감성 리뷰 데이터 (``data/sentiment/reviews.jsonl``) 를 읽는다.

    Args:
        split: ``None`` (전부), ``"train"`` 또는 ``"test"``.
        path: 다른 파일을 읽을 때 (기본: ``data_dir()/sentiment/reviews.jsonl``).
    """
    _check_split_arg(split, TRAIN_TEST)
    p = Path(path) if path is not None else data_dir() / "sentiment" / "reviews.jsonl"
    fields = {"id": str, "text": str, "label": int, "domain": str, "split": str, "phenomena": list}
    out: list[Review] = []
    for lineno, rec in load_jsonl_numbered(p, fields):
        where = f"{p.name}:{lineno}"
        if rec["label"] not in (0, 1):
            raise ValueError(f"{where}: 필드 'label'은 0 또는 1이어야 합니다: {rec['label']!r}")
        _check_choice(rec, "domain", REVIEW_DOMAINS, where)
        _check_choice(rec, "split", TRAIN_TEST, where)
        for tag in rec["phenomena"]:
            if tag not in REVIEW_PHENOMENA:
                raise ValueError(
                    f"{where}: 필드 'phenomena'에 알 수 없는 값 {tag!r}. 가능한 값: {REVIEW_PHENOMENA}"
                )
        if split is None or rec["split"] == split:
            out.append(
                Review(
                    rec["id"], rec["text"], rec["label"], rec["domain"], rec["split"], tuple(rec["phenomena"])
                )
            )
    return out


def load_instructions(split: str | None = None, path: str | Path | None = None) -> list[Instruction]:
    """지시–응답 데이터 (``data/instructions/instructions.jsonl``) 를 읽는다.

    Args:
        split: ``None`` (전부), ``"train"`` 또는 ``"test"``.
        path: 다른 파일을 읽을 때 (기본: ``data_dir()/instructions/instructions.jsonl``).
    """
    _check_split_arg(split, TRAIN_TEST)
    p = Path(path) if path is not None else data_dir() / "instructions" / "instructions.jsonl"
    fields = {"id": str, "task": str, "instruction": str, "input": str, "output": str, "split": str}
    out: list[Instruction] = []
    for lineno, rec in load_jsonl_numbered(p, fields, allow_empty=("input",)):
        where = f"{p.name}:{lineno}"
        _check_choice(rec, "task", INSTRUCTION_TASKS, where)
        _check_choice(rec, "split", TRAIN_TEST, where)
        if split is None or rec["split"] == split:
            out.append(
                Instruction(
                    rec["id"], rec["task"], rec["instruction"], rec["input"], rec["output"], rec["split"]
                )
            )
    return out


def load_preferences(split: str | None = None, path: str | Path | None = None) -> list[Preference]:
    """선호 쌍 데이터 (``data/preferences/preferences.jsonl``) 를 읽는다.

    Args:
        split: ``None`` (전부), ``"train"`` 또는 ``"test"``.
        path: 다른 파일을 읽을 때 (기본: ``data_dir()/preferences/preferences.jsonl``).

    Raises:
        ValueError: 필드가 비었거나 ``chosen == rejected`` 일 때 (줄 번호와 id 를 알려 준다).
    """
    _check_split_arg(split, TRAIN_TEST)
    p = Path(path) if path is not None else data_dir() / "preferences" / "preferences.jsonl"
    fields = {"id": str, "prompt": str, "chosen": str, "rejected": str, "signal": str, "split": str}
    out: list[Preference] = []
    for lineno, rec in load_jsonl_numbered(p, fields):
        where = f"{p.name}:{lineno}"
        if rec["chosen"] == rec["rejected"]:
            raise ValueError(f"{where}: 필드 'chosen'과 'rejected'가 같습니다: {rec['chosen']!r}")
        _check_choice(rec, "split", TRAIN_TEST, where)
        if split is None or rec["split"] == split:
            out.append(
                Preference(
                    rec["id"], rec["prompt"], rec["chosen"], rec["rejected"], rec["signal"], rec["split"]
                )
            )
    return out


def load_constitution_qa(split: str | None = None, path: str | Path | None = None) -> list[ConstitutionQA]:
    """헌법 질의응답 데이터 (``data/qa/constitution_qa.jsonl``) 를 읽는다.

    Args:
        split: ``None`` (전부), ``"dev"`` 또는 ``"test"``.
        path: 다른 파일을 읽을 때 (기본: ``data_dir()/qa/constitution_qa.jsonl``).

    Raises:
        ValueError: ``articles`` 가 비었거나 1–130 밖의 정수가 있을 때.
    """
    _check_split_arg(split, DEV_TEST)
    p = Path(path) if path is not None else data_dir() / "qa" / "constitution_qa.jsonl"
    fields = {"id": str, "question": str, "articles": list, "answer": str, "split": str}
    out: list[ConstitutionQA] = []
    for lineno, rec in load_jsonl_numbered(p, fields):
        where = f"{p.name}:{lineno}"
        arts = rec["articles"]
        if not arts:
            raise ValueError(f"{where}: 필드 'articles'가 비어 있습니다")
        for a in arts:
            # 조문 번호는 본문 1 ≤ a ≤ 130 인 정수 (bool 은 받지 않는다)
            if isinstance(a, bool) or not isinstance(a, int) or not 1 <= a <= N_CONSTITUTION_ARTICLES:
                raise ValueError(
                    f"{where}: 필드 'articles'의 값은 1–{N_CONSTITUTION_ARTICLES} 사이 정수여야 합니다: {a!r}"
                )
        _check_choice(rec, "split", DEV_TEST, where)
        if split is None or rec["split"] == split:
            out.append(ConstitutionQA(rec["id"], rec["question"], tuple(arts), rec["answer"], rec["split"]))
    return out


NSMC_HEADER = "id\tdocument\tlabel"


def load_nsmc(path: str | Path) -> list[NsmcExample]:
    """NSMC 형식(탭 구분, 머리줄 ``id\\tdocument\\tlabel``)의 파일을 읽는다. 내려받지 않는다.

    NSMC 원본(ratings_train.txt, ratings_test.txt)은 사용자가 직접 받아 둔 경로를 넘겨야 한다.
    원본에는 본문이 빈 줄이 몇 개 있는데, 버리지 않고 ``document=''`` 로 그대로 돌려준다.

    Args:
        path: 파일 경로 (UTF-8).

    Raises:
        ValueError: 머리줄이 다르거나, 열이 셋이 아니거나, id 가 비었거나 중복되거나, label 이 0/1 이 아닐 때
            (파일 이름과 줄 번호를 알려 준다).
    """
    path = Path(path)
    name = path.name
    out: list[NsmcExample] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8-sig") as fh:  # BOM 이 있어도 읽는다
        header = fh.readline().rstrip("\r\n")
        if header != NSMC_HEADER:
            raise ValueError(f"{name}:1: 머리줄이 다릅니다: {header!r} (기대 {NSMC_HEADER!r})")
        for lineno, line in enumerate(fh, start=2):
            line = line.rstrip("\r\n")
            if not line:
                raise ValueError(f"{name}:{lineno}: 빈 줄입니다")
            cols = line.split("\t")
            if len(cols) != 3:
                raise ValueError(
                    f"{name}:{lineno}: 탭으로 나눈 열이 3개여야 합니다 ({len(cols)}개): {line!r}"
                )
            rid, doc, label = cols
            if not rid.strip():
                raise ValueError(f"{name}:{lineno}: id가 비어 있습니다")
            if rid in seen:
                raise ValueError(f"{name}:{lineno}: {seen[rid]}번째 줄과 중복된 id {rid!r}")
            if label not in ("0", "1"):
                raise ValueError(f"{name}:{lineno}: label은 0 또는 1이어야 합니다: {label!r}")
            seen[rid] = lineno
            out.append(NsmcExample(id=rid, document=nfc(doc), label=int(label)))
    return out
