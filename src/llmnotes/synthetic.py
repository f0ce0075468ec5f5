"""합성 데이터와 모델 레이블링: 생성기가 만든 지시 데이터를 거르고(self-instruct 발상), 레이블 일치도를 잰다.

- :func:`generate_qa`: 세계(:mod:`llmnotes.world`)의 사실로 '글을 읽고 물음에 답하기' 지시 데이터를 만든다.
  LLM 생성기처럼 실수를 섞는다: 글의 다른 값을 답한 예(``wrong_span``), 글에 없는 값을 지어낸 예
  (``hallucination``), 되풀이한 퇴화 출력(``degenerate``), 형식을 어긴 출력(``format``), 거의 같은 예(``near_copy``).
- :func:`qa_format_ok`, :func:`grounded`, :func:`answer_of`: 형식 검사, 근거 검사(답이 글에 있는가), 답 추출.
- :func:`filter_qa`: 형식 → 유사 중복 → 근거 순서의 거르기.
- :func:`generate_instructions`: 감성 분류 지시 데이터를 틀(template)로 만든다. 진짜 LLM 생성기처럼 실수도
  섞는다: 레이블이 틀린 예(``label_ok=False``), 같은 말을 되풀이한 퇴화 출력, 형식이 어긋난 출력, 거의 같은 예.
  무엇이 실수인지는 기록해 두어 거르기의 정밀도·재현율을 잴 수 있다.
- :func:`format_ok`: 형식 검사 (출력이 '긍정'/'부정' 중 하나인지, 입력이 있는지).
- :func:`lexicon_label`: 감성 낱말 목록으로 붙이는 값싼 규칙 레이블러.
- :func:`cohen_kappa`: 두 레이블러의 우연을 보정한 일치도 κ = (p_o − p_e) / (1 − p_e).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "QA_INSTRUCTION",
    "QA_DEFECTS",
    "QA_SPLITS",
    "QAExample",
    "generate_qa",
    "answer_of",
    "qa_format_ok",
    "grounded",
    "filter_qa",
    "LABELS",
    "INSTRUCTION",
    "SyntheticExample",
    "generate_instructions",
    "format_ok",
    "lexicon_label",
    "cohen_kappa",
]

LABELS = ("부정", "긍정")  # 번호 0 = 부정, 1 = 긍정 (data/sentiment 와 같다)
INSTRUCTION = "다음 리뷰의 감성을 긍정 또는 부정으로 분류하세요."

ASPECTS = {
    "영화": ["연기", "줄거리", "음악", "결말", "영상미", "배우들"],
    "식당": ["음식 맛", "서비스", "가격", "분위기", "양", "직원 응대"],
    "제품": ["배송", "품질", "디자인", "마감", "포장", "가성비"],
    "여행": ["숙소", "경치", "일정", "가이드", "교통", "날씨 운"],
    "앱": ["속도", "화면 구성", "업데이트", "알림", "로그인", "고객센터"],
}
POSITIVE = ["정말 좋았어요", "최고였어요", "만족스러웠어요", "기대 이상이었어요", "훌륭했어요", "마음에 들어요",
            "괜찮았어요", "추천합니다", "감동이었어요", "편했어요"]  # fmt: skip
NEGATIVE = ["별로였어요", "실망스러웠어요", "최악이었어요", "기대 이하였어요", "아쉬웠어요", "마음에 안 들어요",
            "불편했어요", "비추천합니다", "짜증났어요", "엉망이었어요"]  # fmt: skip
OPENERS = ["", "솔직히 ", "전체적으로 ", "처음엔 몰랐는데 ", "다시 생각해도 ", "오랜만에 "]
CLOSERS = ["", " 다음에도 올게요.", " 다시는 안 갈 듯.", " ㅎㅎ", " ㅠㅠ", " 참고하세요."]
LEXICON_POS = [
    "좋",
    "최고",
    "만족",
    "훌륭",
    "추천",
    "감동",
    "편하",
    "편했",
    "재밌",
    "맛있",
    "친절",
    "기대 이상",
    "괜찮",
]
LEXICON_NEG = [
    "별로",
    "실망",
    "최악",
    "아쉬",
    "불편",
    "비추",
    "짜증",
    "엉망",
    "없",
    "안 ",
    "않",
    "못",
    "기대 이하",
]


@dataclass(frozen=True)
class SyntheticExample:
    """생성된 지시 데이터 하나와 그 정답.

    Attributes:
        instruction, input, output: 지시, 입력(리뷰), 출력(레이블 글자).
        domain: 리뷰 도메인.
        true_label: 입력 문장이 실제로 담은 감성 (0/1). 생성기가 실수하면 ``output`` 과 다르다.
        defect: '' (정상), 'label_noise', 'degenerate', 'format', 'near_copy'.
    """

    instruction: str
    input: str
    output: str
    domain: str
    true_label: int
    defect: str = ""

    @property
    def label(self) -> int | None:
        """출력이 형식에 맞으면 레이블 번호, 아니면 ``None``."""
        return LABELS.index(self.output) if self.output in LABELS else None


def _review(rng: random.Random, domain: str, label: int) -> str:
    a1, a2 = rng.sample(ASPECTS[domain], 2)
    pred = POSITIVE if label else NEGATIVE
    first = f"{rng.choice(OPENERS)}{a1}{'은' if _has_batchim(a1) else '는'} {rng.choice(pred)}."
    if rng.random() < 0.5:
        return first + rng.choice(CLOSERS)
    return f"{first} {a2}도 {rng.choice(pred)}.{rng.choice(CLOSERS)}"


def _has_batchim(word: str) -> bool:
    ch = word[-1]
    return 0xAC00 <= ord(ch) <= 0xD7A3 and (ord(ch) - 0xAC00) % 28 != 0


def generate_instructions(
    n: int,
    seed: int = 0,
    noise: float = 0.2,
    defect_weights: tuple[float, float, float, float] = (4, 2, 1, 3),
) -> list[SyntheticExample]:
    """감성 분류 지시 데이터 ``n`` 개를 만든다. 비율 ``noise`` 만큼은 실수가 섞인 예다.

    Args:
        n: 만들 예 수 (1 이상).
        seed: 난수 시드.
        noise: 실수 비율 (0 이상 1 이하).
        defect_weights: 실수 종류 (label_noise, degenerate, format, near_copy) 의 상대 빈도.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n은 1 이상의 정수여야 합니다: {n!r}")
    if not isinstance(noise, (int, float)) or not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise는 0 이상 1 이하여야 합니다: {noise!r}")
    rng = random.Random(seed)
    out: list[SyntheticExample] = []
    normal: list[SyntheticExample] = []  # 실수 없는 예 (거의 같은 사본의 원본 후보)
    kinds = ("label_noise", "degenerate", "format", "near_copy")
    for _ in range(n):
        domain = rng.choice(list(ASPECTS))
        label = rng.randint(0, 1)
        text = _review(rng, domain, label)
        defect = rng.choices(kinds, weights=defect_weights)[0] if rng.random() < noise else ""
        if defect == "near_copy" and not normal:
            defect = ""
        output = LABELS[label]
        if defect == "label_noise":  # 문장은 긍정인데 부정이라고 답하는 식의 실수
            output = LABELS[1 - label]
        elif defect == "degenerate":  # 같은 구절을 되풀이하는 퇴화 출력
            text = " ".join([text.split(".")[0]] * rng.randint(4, 8))
        elif defect == "format":  # 지시를 따르지 않은 출력
            output = rng.choice(("이 리뷰는 아마도 긍정적인 것 같습니다.", "Positive", "", "중립"))
        elif defect == "near_copy":  # 앞서 만든 예를 거의 그대로 다시 만든다
            src = rng.choice(normal)
            text, label, domain, output = (
                src.input + rng.choice((" ", "!", "~", " ㅎ")),
                src.true_label,
                src.domain,
                src.output,
            )
        out.append(SyntheticExample(INSTRUCTION, text, output, domain, label, defect))
        if not defect:
            normal.append(out[-1])
    return out


def format_ok(ex: SyntheticExample) -> bool:
    """형식 검사: 출력이 '긍정' 또는 '부정'이고 입력이 비어 있지 않다."""
    return ex.label is not None and bool(ex.input.strip())


def lexicon_label(text: str) -> int:
    """감성 낱말 수로 붙이는 규칙 레이블: 긍정 낱말 수 > 부정 낱말 수이면 1, 아니면 0."""
    if not isinstance(text, str):
        raise TypeError(f"text는 str이어야 합니다: {type(text).__name__} {text!r}")
    pos = sum(text.count(w) for w in LEXICON_POS)
    neg = sum(text.count(w) for w in LEXICON_NEG)
    return int(pos > neg)


def cohen_kappa(a: Sequence, b: Sequence) -> float:
    """코언의 카파(Cohen's kappa): 우연히 일치할 확률을 뺀 일치도.

    p_o = (1/N) Σ_i [a_i = b_i] (관측 일치), p_e = Σ_k p_a(k) · p_b(k) (두 레이블러가 독립일 때의 일치),
    κ = (p_o − p_e) / (1 − p_e). κ = 1 은 완전 일치, 0 은 우연 수준. (p_e = 1 이면 정의되지 않아 오류)

    Args:
        a, b: 같은 길이의 레이블 목록.
    """
    if len(a) != len(b):
        raise ValueError(f"a({len(a)})와 b({len(b)})의 길이가 다릅니다")
    if len(a) == 0:
        raise ValueError("a, b가 비어 있습니다")
    n = len(a)
    p_o = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    p_e = sum(ca[k] * cb[k] for k in ca) / (n * n)
    if p_e == 1.0:
        raise ValueError("두 레이블러가 모두 한 가지 레이블만 써서 κ 가 정의되지 않습니다 (p_e = 1)")
    return (p_o - p_e) / (1 - p_e)


# ---------------------------------------------------------------------------
# 글을 읽고 답하기: 세계의 사실로 만드는 지시 데이터 (노트북 18 의 SFT 실험)

QA_INSTRUCTION = "다음 글을 읽고 물음에 답하세요."
QA_DEFECTS = ("wrong_span", "hallucination", "degenerate", "format", "near_copy")
QA_SPLITS = ("train", "heldout_entities", "heldout_dev", "heldout_test")
_ENDING = "입니다."


@dataclass(frozen=True)
class QAExample:
    """글 읽기 지시 데이터 하나와 그 정답.

    Attributes:
        instruction: 지시 (:data:`QA_INSTRUCTION`).
        input: 글 (문장 몇 개) + 빈 줄 + '질문: …'.
        output: 생성기가 쓴 응답 ('1967년입니다.'). 실수가 있으면 정답과 다르다.
        answer: 참 답 (세계의 사실 값).
        relation: 묻는 관계 ('birth_year' 등).
        subject: 묻는 개체의 이름.
        defect: '' (정상) 또는 :data:`QA_DEFECTS` 가운데 하나.
    """

    instruction: str
    input: str
    output: str
    answer: str
    relation: str
    subject: str
    defect: str = ""

    def __getitem__(self, key: str) -> str:  # sft.instruction_to_messages 가 사전처럼도 읽을 수 있게
        return getattr(self, key)


def answer_of(output: str) -> str:
    """응답에서 답 부분을 꺼낸다: 첫 줄의 '입니다' 앞 (없으면 첫 줄 전체), 앞뒤 공백 제거."""
    if not isinstance(output, str):
        raise TypeError(f"output은 str이어야 합니다: {type(output).__name__} {output!r}")
    line = output.strip().split("\n")[0]
    k = line.find("입니다")
    return (line[:k] if k >= 0 else line).strip()


def qa_format_ok(ex: QAExample, max_chars: int = 24) -> bool:
    """형식 검사: 응답이 '…입니다.' 한 문장이고 ``max_chars`` 글자 이하, 답에 같은 말이 되풀이되지 않고,
    입력에 '질문:' 이 있다."""
    out = ex.output.strip()
    words = [w for w in re.split(r"[ ,]+", answer_of(out)) if w]
    return (
        0 < len(out) <= max_chars
        and out.endswith(_ENDING)
        and "\n" not in out
        and len(words) > 0
        and len(set(words)) == len(words)  # 'X, X, X입니다' 같은 되풀이
        and "질문:" in ex.input
    )


def grounded(ex: QAExample) -> bool:
    """근거 검사: 응답의 답이 글(질문 앞부분)에 그대로 나오는가. 지어낸 답을 거른다."""
    passage = ex.input.split("질문:")[0]
    ans = answer_of(ex.output)
    return bool(ans) and ans in passage


def _facts_by_entity(world: Any, split: str) -> dict[str, list[Any]]:
    from .world import fact_questions

    groups: dict[str, list[Any]] = {}
    for q in fact_questions(world, split):
        groups.setdefault(q.entity_id, []).append(q)
    # 같은 관계가 두 번(값이 바뀐 사실) 나오면 처음 것만: 글 안에서 한 관계에 값 하나
    return {
        e: list({q.relation: q for q in reversed(qs)}.values())[::-1]
        for e, qs in groups.items()
        if len({q.relation for q in qs}) >= 3
    }


def generate_qa(
    n: int,
    seed: int = 0,
    noise: float = 0.4,
    split: str = "train",
    world_seed: int = 0,
    defect_weights: tuple[float, ...] = (3, 3, 2, 2, 2),
    counterfactual: bool = False,
) -> list[QAExample]:
    """세계의 사실로 '글을 읽고 답하기' 예 ``n`` 개를 만든다. 비율 ``noise`` 만큼은 실수가 섞인 예다.

    글 = 한 개체의 사실 3개 (관계마다 사전학습 말투 가운데 하나, 섞은 순서). 질문은 그 가운데 하나를 묻고,
    정답 응답은 '{값}입니다.'.

    Args:
        n: 만들 예 수 (1 이상).
        seed: 난수 시드.
        noise: 실수 비율 (0 이상 1 이하).
        split: 'train' (사전학습에 나온 개체), 'heldout_entities' (사전학습에 없는 개체 전부, 평가용),
            'heldout_dev' / 'heldout_test' (그 개체들을 id 순서로 번갈아 둘로 나눈 개발용 / 시험용 절반: 서로 겹치지 않는다).
        world_seed: :func:`llmnotes.world.build_world` 시드.
        defect_weights: :data:`QA_DEFECTS` 순서의 상대 빈도.
        counterfactual: 참이면 글의 값을 모두 같은 관계의 **다른** 개체 값으로 바꾼다 (정답도 글의 값). 사전학습 개체라도
            기억으로는 답할 수 없어 글을 읽어야 한다. 거짓(기본)이면 세계의 참 값을 쓴다.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n은 1 이상의 정수여야 합니다: {n!r}")
    if not isinstance(noise, (int, float)) or not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise는 0 이상 1 이하여야 합니다: {noise!r}")
    if split not in QA_SPLITS:
        raise ValueError(f"split은 {QA_SPLITS} 가운데 하나여야 합니다: {split!r}")
    if len(defect_weights) != len(QA_DEFECTS) or any(w < 0 for w in defect_weights):
        raise ValueError(f"defect_weights는 0 이상의 수 {len(QA_DEFECTS)}개여야 합니다: {defect_weights!r}")
    from .world import build_world, render
    from .world.phrasings import QUESTIONS, STATEMENTS, train_templates

    world = build_world(seed=world_seed)
    groups = _facts_by_entity(world, "train" if split == "train" else "heldout_entities")
    entities = sorted(groups)
    if split in ("heldout_dev", "heldout_test"):  # 번갈아 나누기: 짝수 번째는 개발, 홀수 번째는 시험
        entities = entities[split == "heldout_test" :: 2]
        groups = {e: groups[e] for e in entities}
    by_relation: dict[str, list[tuple[str, Any]]] = {}
    for e in entities:
        for q in groups[e]:
            by_relation.setdefault(q.relation, []).append((e, q))
    rng = random.Random(seed)
    out: list[QAExample] = []
    normal: list[QAExample] = []
    for _ in range(n):
        e = rng.choice(entities)
        name = world.entities[e].name
        facts = rng.sample(groups[e], 3)
        asked = facts[0]
        value = {f.relation: f.answer for f in facts}  # 글에 쓰는 값
        if counterfactual:  # 기억과 다른 값: 같은 관계의 다른 개체 값으로 바꾼다 → 글을 읽어야만 답할 수 있다
            for f in facts:
                value[f.relation] = rng.choice(
                    sorted({q.answer for _, q in by_relation[f.relation]} - {f.answer})
                )
        lines = [
            render(rng.choice(train_templates(STATEMENTS, f.relation)), {"S": name, "O": value[f.relation]})
            for f in facts
        ]
        rng.shuffle(lines)
        question = render(QUESTIONS[asked.relation], {"S": name})
        text = " ".join(lines) + "\n\n질문: " + question
        gold = value[asked.relation]
        output = gold + _ENDING
        defect = rng.choices(QA_DEFECTS, weights=defect_weights)[0] if rng.random() < noise else ""
        if defect == "near_copy" and not normal:
            defect = ""
        if defect == "wrong_span":  # 글에 있는 다른 값(다른 관계의 값)을 답한다
            output = rng.choice([value[f.relation] for f in facts[1:]]) + _ENDING
        elif defect == "hallucination":  # 글에 없는, 같은 관계의 다른 값을 지어낸다
            pool = [q.answer for _, q in by_relation[asked.relation]]
            pool = [v for v in pool if v not in text]
            output = rng.choice(pool) + _ENDING
        elif defect == "degenerate":  # 답을 되풀이한다
            output = ", ".join([gold] * rng.randint(4, 7)) + _ENDING
        elif defect == "format":  # 지시를 따르지 않은 출력
            output = rng.choice(
                (
                    f"The answer is {gold}.",
                    "",
                    lines[0],
                    f"{question} {gold}",
                    "잘 모르겠습니다",
                )
            )
        elif defect == "near_copy":  # 앞서 만든 예를 거의 그대로 다시 만든다
            src = rng.choice(normal)
            suffix = rng.choice((" ", "?", " 알려 주세요."))
            out.append(
                QAExample(
                    QA_INSTRUCTION,
                    src.input + suffix,
                    src.output,
                    src.answer,
                    src.relation,
                    src.subject,
                    defect,
                )
            )
            continue
        out.append(QAExample(QA_INSTRUCTION, text, output, gold, asked.relation, name, defect))
        if not defect:
            normal.append(out[-1])
    return out


def filter_qa(examples: Sequence[QAExample], near_threshold: float = 0.8) -> dict[str, list[int]]:
    """self-instruct 식 거르기. 단계마다 그 단계가 새로 지운 예의 번호(원래 목록 기준)를 돌려준다.

    단계: 'format' (:func:`qa_format_ok`), 'near_dup' (입력+응답의 글자 5-그램 MinHash + LSH, 자카드 ≥
    ``near_threshold`` 인 무리에서 첫 예만 남김), 'grounding' (:func:`grounded`: 답이 글에 없으면 지움).

    Args:
        examples: 거를 예들.
        near_threshold: 유사 중복으로 볼 자카드 하한.
    """
    from .dedup import LSHConfig, near_duplicates

    if not examples:
        raise ValueError("examples가 비어 있습니다: []")
    for i, ex in enumerate(examples):
        if not isinstance(ex, QAExample):
            raise TypeError(f"examples[{i}]는 QAExample 객체여야 합니다: {type(ex).__name__}")
    removed: dict[str, list[int]] = {}
    alive = list(range(len(examples)))
    removed["format"] = [i for i in alive if not qa_format_ok(examples[i])]
    alive = [i for i in alive if i not in set(removed["format"])]
    texts = [examples[i].input + "\n" + examples[i].output for i in alive]
    near, _ = near_duplicates(texts, near_threshold, 5, LSHConfig(32, 4, 128))
    removed["near_dup"] = [alive[j] for j in near]
    alive = [i for i in alive if i not in set(removed["near_dup"])]
    removed["grounding"] = [i for i in alive if not grounded(examples[i])]
    return removed
