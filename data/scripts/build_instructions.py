"""지시 튜닝 데이터 ``data/instructions/instructions.jsonl`` 을 만든다.

두 부분으로 이루어진다.
1. 생성 부분: 생성 말뭉치(:mod:`llmnotes.textgen`)의 관계(나라–수도, 직업–일터, 동물–소리, 동물–먹이, 과일–맛)로
   질의응답·변환·분류·요약·짧은 글쓰기 항목을 만든다. 조사는 :func:`llmnotes.josa.attach` 로 받침에 맞게 고르고,
   용언 활용(먹는다→먹었다, 달다→달아요 …)은 아래 표에 손으로 적어 두었다. 사람·장소 고르기에는
   ``random.Random(SEED)`` 만 쓰므로 결과는 언제나 같다.
2. 손으로 쓴 부분: ``data/scripts/instructions_src/handwritten.tsv`` (열: task, instruction, input, output;
   input 이 없으면 ``-``). 헌법 사실 질의응답, 감정 분류, 맞춤법 고치기, 자유로운 짧은 글쓰기 등.

id 와 분할 규칙 (결정적): 과제 순서(요약, 분류, 변환, 질의응답, 짧은 글쓰기)대로, 과제 안에서는 생성 항목 다음에
손으로 쓴 항목 순서로 ins-0001 부터 번호를 매긴다. 과제마다 0, 1, 2, … 번호를 매겨 10으로 나눈 나머지가 9 인 항목
(열 번째마다 하나)을 ``test`` 로 둔다 → 과제별로 층화된 약 10%.
검사: 출력 60자 이하, 입력 120자 이하, 빈 지시·출력 없음, (지시, 입력) 쌍 중복 없음.

실행: ``python data/scripts/build_instructions.py`` (파일을 씀), ``--check`` (저장된 파일과 같은지만 확인).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import unicodedata
from pathlib import Path

from llmnotes.josa import attach
from llmnotes.textgen import ANIMAL_FOOD, ANIMAL_SOUND, COUNTRY_CAPITAL, FRUIT_TASTE, JOB_WORKPLACE

HERE = Path(__file__).resolve().parent
HANDWRITTEN = HERE / "instructions_src" / "handwritten.tsv"
OUT = HERE.parent / "instructions" / "instructions.jsonl"
TASKS = ("요약", "분류", "변환", "질의응답", "짧은 글쓰기")
SEED = 7
TEST_EVERY = 10  # 과제마다 열 번째 항목 → test
MAX_OUTPUT, MAX_INPUT = 60, 120

PEOPLE = ["민수", "지영", "철수", "영희", "서연", "준호", "하린", "도윤", "수빈", "지훈", "은정", "태민"]
FOODS = ["김밥", "비빔밥", "국수", "만두", "떡볶이", "냉면", "빵", "된장국"]

# 과일 맛 (기본형 → 해요체, 연결형 '-아서/-어서')
TASTE_POLITE = {"달다": "달아요", "시다": "셔요", "시원하다": "시원해요", "달콤하다": "달콤해요",
                "새콤하다": "새콤해요", "쌉쌀하다": "쌉쌀해요", "부드럽다": "부드러워요"}  # fmt: skip
TASTE_SEO = {"달다": "달아서", "시다": "시어서", "시원하다": "시원해서", "달콤하다": "달콤해서",
             "새콤하다": "새콤해서", "쌉쌀하다": "쌉쌀해서", "부드럽다": "부드러워서"}  # fmt: skip
# 직업마다 하는 일 (짧은 글쓰기용)
JOB_ACTION = {
    "의사": "아픈 사람을 치료한다", "교사": "학생들을 가르친다", "요리사": "맛있는 음식을 만든다",
    "기자": "기사를 쓴다", "경찰관": "시민의 안전을 지킨다", "농부": "곡식과 채소를 기른다",
    "사서": "책을 정리하고 빌려준다", "소방관": "불을 끄고 사람을 구한다", "은행원": "손님의 돈을 관리한다",
    "약사": "약을 지어 준다", "우체부": "편지와 소포를 배달한다", "판사": "재판을 한다",
}  # fmt: skip
# 행동 틀: (현재형 서술부, 과거형 서술부, 부정 과거형 서술부). 불규칙 활용(쓰다→썼다, 부르다→불렀다, 놀다→놀았다)도 담았다.
ACTIONS = [
    ("공원에서 김밥을 먹는다", "공원에서 김밥을 먹었다", "공원에서 김밥을 먹지 않았다"),
    ("시장에서 사과를 산다", "시장에서 사과를 샀다", "시장에서 사과를 사지 않았다"),
    ("도서관에서 책을 읽는다", "도서관에서 책을 읽었다", "도서관에서 책을 읽지 않았다"),
    ("운동장에서 공을 찬다", "운동장에서 공을 찼다", "운동장에서 공을 차지 않았다"),
    ("카페에서 친구를 만난다", "카페에서 친구를 만났다", "카페에서 친구를 만나지 않았다"),
    ("집에서 만두를 만든다", "집에서 만두를 만들었다", "집에서 만두를 만들지 않았다"),
    ("놀이터에서 동생과 논다", "놀이터에서 동생과 놀았다", "놀이터에서 동생과 놀지 않았다"),
    ("바다에서 수영을 한다", "바다에서 수영을 했다", "바다에서 수영을 하지 않았다"),
    ("박물관에서 사진을 찍는다", "박물관에서 사진을 찍었다", "박물관에서 사진을 찍지 않았다"),
    ("버스를 타고 학교에 간다", "버스를 타고 학교에 갔다", "버스를 타고 학교에 가지 않았다"),
    ("할머니께 편지를 쓴다", "할머니께 편지를 썼다", "할머니께 편지를 쓰지 않았다"),
    ("무대에서 노래를 부른다", "무대에서 노래를 불렀다", "무대에서 노래를 부르지 않았다"),
    ("붓으로 그림을 그린다", "붓으로 그림을 그렸다", "붓으로 그림을 그리지 않았다"),
    ("밤에 일찍 잔다", "밤에 일찍 잤다", "밤에 일찍 자지 않았다"),
]


def gen_qa() -> list[tuple[str, str, str]]:
    """질의응답: 관계 사실을 묻고 답한다 (지시, 입력, 출력)."""
    out = []
    for i, (c, cap) in enumerate(COUNTRY_CAPITAL.items()):
        if i % 3 == 0:
            out.append((f"{c}의 수도는 어디인가요?", "", f"{c}의 수도는 {cap}입니다."))
        elif i % 3 == 1:
            out.append((f"{c}의 수도가 어디예요?", "", f"{c}의 수도는 {attach(cap, '이에요/예요')}."))
        else:
            out.append(
                (
                    f"{attach(cap, '은/는')} 어느 나라의 수도인가요?",
                    "",
                    f"{attach(cap, '은/는')} {c}의 수도입니다.",
                )
            )
    for i, (job, place) in enumerate(JOB_WORKPLACE.items()):
        if i % 3 == 0:
            out.append(
                (
                    f"{attach(job, '은/는')} 어디에서 일하나요?",
                    "",
                    f"{attach(job, '은/는')} {place}에서 일합니다.",
                )
            )
        elif i % 3 == 1:
            out.append(
                (f"{place}에서 일하는 사람은 누구인가요?", "", f"{place}에서 일하는 사람은 {job}입니다.")
            )
        else:
            out.append(
                (
                    f"{attach(job, '이/가')} 일하는 곳은 어디인가요?",
                    "",
                    f"{attach(job, '이/가')} 일하는 곳은 {place}입니다.",
                )
            )
    for i, (a, sound) in enumerate(ANIMAL_SOUND.items()):
        if i % 2 == 0:
            out.append(
                (
                    f"{attach(a, '은/는')} 어떤 소리를 내나요?",
                    "",
                    f"{attach(a, '은/는')} {sound} 하고 웁니다.",
                )
            )
        else:
            out.append(
                (f"'{sound}' 하고 우는 동물은 무엇인가요?", "", f"{sound} 하고 우는 동물은 {a}입니다.")
            )
    for i, (a, food) in enumerate(ANIMAL_FOOD.items()):
        if i % 2 == 0:
            out.append(
                (
                    f"{attach(a, '이/가')} 좋아하는 먹이는 무엇인가요?",
                    "",
                    f"{attach(a, '은/는')} {attach(food, '을/를')} 좋아합니다.",
                )
            )
        else:
            out.append(
                (f"{a}에게 무엇을 주면 좋아할까요?", "", f"{a}에게 {attach(food, '을/를')} 주면 좋아합니다.")
            )
    for i, (f, taste) in enumerate(FRUIT_TASTE.items()):
        if i % 2 == 0:
            out.append(
                (
                    f"{attach(f, '은/는')} 맛이 어떤가요?",
                    "",
                    f"{attach(f, '은/는')} 맛이 {TASTE_POLITE[taste]}.",
                )
            )
        else:
            out.append((f"{f}의 맛을 한 낱말로 말해 주세요.", "", taste))
    return out


def gen_transform(r: random.Random) -> list[tuple[str, str, str]]:
    """변환: 존댓말·해요체·과거형·부정문·의문문으로 바꾸기."""
    out = []
    for job, place in JOB_WORKPLACE.items():
        out.append(
            ("다음 문장을 존댓말로 바꾸세요.", f"{attach(job, '은/는')} {place}에서 일한다.",
             f"{attach(job, '은/는')} {place}에서 일합니다.")
        )  # fmt: skip
    for a, sound in list(ANIMAL_SOUND.items())[:6]:
        out.append(
            (
                "다음 문장을 존댓말로 바꾸세요.",
                f"{attach(a, '이/가')} {sound} 하고 운다.",
                f"{attach(a, '이/가')} {sound} 하고 웁니다.",
            )
        )
    for f, taste in list(FRUIT_TASTE.items())[:6]:
        out.append(
            (
                "다음 문장을 해요체로 바꾸세요.",
                f"{attach(f, '은/는')} 맛이 {taste}.",
                f"{attach(f, '은/는')} 맛이 {TASTE_POLITE[taste]}.",
            )
        )
    people = r.sample(PEOPLE, len(PEOPLE))
    for i, p in enumerate(people):
        now, past, _ = ACTIONS[i]
        out.append(
            (
                "다음 문장을 과거형으로 바꾸세요.",
                f"{attach(p, '은/는')} {now}.",
                f"{attach(p, '은/는')} {past}.",
            )
        )
    people = r.sample(PEOPLE, 8)
    for i, p in enumerate(people):
        _, past, neg = ACTIONS[(i + 6) % len(ACTIONS)]
        out.append(
            (
                "다음 문장을 부정문으로 바꾸세요.",
                f"{attach(p, '은/는')} {past}.",
                f"{attach(p, '은/는')} {neg}.",
            )
        )
    for a, food in list(ANIMAL_FOOD.items())[:4]:
        out.append(
            ("다음 문장을 부정문으로 바꾸세요.", f"{attach(a, '은/는')} {attach(food, '을/를')} 좋아한다.",
             f"{attach(a, '은/는')} {attach(food, '을/를')} 좋아하지 않는다.")
        )  # fmt: skip
    for job, place in list(JOB_WORKPLACE.items())[::3]:
        out.append(
            (
                "다음 문장을 의문문으로 바꾸세요.",
                f"{attach(job, '은/는')} {place}에서 일한다.",
                f"{attach(job, '은/는')} {place}에서 일하니?",
            )
        )
    return out


def gen_classify(r: random.Random) -> list[tuple[str, str, str]]:
    """분류: 나라/도시, 낱말 범주, 문장 주제."""
    out = []
    for i, (c, cap) in enumerate(COUNTRY_CAPITAL.items()):
        word, label = (c, "나라") if i % 2 == 0 else (cap, "도시")
        out.append(("다음 낱말이 나라 이름인지 도시 이름인지 분류하세요.", word, label))
    fruits = [f for f in FRUIT_TASTE if f != "배"]  # '배' 는 과일·탈것·몸 세 뜻이라 뺀다
    animals = sorted(set(ANIMAL_SOUND) | set(ANIMAL_FOOD))
    vehicles = ["기차", "버스", "비행기", "자전거", "택시", "지하철"]
    pools = {"과일": fruits, "동물": animals, "직업": list(JOB_WORKPLACE), "탈것": vehicles}
    items = [(w, cat) for cat, pool in pools.items() for w in r.sample(pool, 4)]
    r.shuffle(items)
    for w, cat in items:
        out.append(("다음 낱말을 과일, 동물, 직업, 탈것 가운데 하나로 분류하세요.", w, cat))
    topic = "다음 문장의 주제를 동물, 음식, 직업, 나라 가운데 하나로 고르세요."
    for a, food in list(ANIMAL_FOOD.items())[6:9]:
        out.append((topic, f"{attach(a, '은/는')} {attach(food, '을/를')} 맛있게 먹었다.", "동물"))
    for i, p in enumerate(r.sample(PEOPLE, 3)):
        out.append((topic, f"{attach(p, '은/는')} 점심으로 {attach(FOODS[i + 4], '을/를')} 먹었다.", "음식"))
    for job, place in list(JOB_WORKPLACE.items())[4:7]:
        out.append((topic, f"{attach(job, '은/는')} 오늘도 {place}에서 바쁘게 일했다.", "직업"))
    for c, cap in list(COUNTRY_CAPITAL.items())[7:10]:
        out.append((topic, f"{c}의 수도는 {attach(cap, '이다/다')}.", "나라"))
    return out


def gen_summary(r: random.Random) -> list[tuple[str, str, str]]:
    """요약: 두세 문장을 한 문장으로."""
    ins = "다음 글을 한 문장으로 요약하세요."
    out = []
    people = r.sample(PEOPLE, len(PEOPLE))
    jobs = list(JOB_WORKPLACE.items())
    for i in range(10):
        p = people[i]
        job, place = jobs[(5 * i) % len(jobs)]
        src = (f"{attach(p, '은/는')} {job}이다. {attach(p, '은/는')} 매일 아침 {place}에 간다. "
               f"{attach(p, '은/는')} 그곳에서 열심히 일한다.")  # fmt: skip
        out.append((ins, src, f"{job}인 {attach(p, '은/는')} 매일 {place}에서 열심히 일한다."))
    countries = list(COUNTRY_CAPITAL.items())
    for i in range(8):
        p = people[(i + 3) % len(people)]
        c, cap = countries[(7 * i + 1) % len(countries)]
        src = (f"{attach(p, '은/는')} 지난달 {c}에 여행을 갔다. {c}의 수도는 {attach(cap, '이다/다')}. "
               f"{attach(p, '은/는')} {cap}에서 사진을 많이 찍었다.")  # fmt: skip
        out.append((ins, src, f"{attach(p, '은/는')} {c}의 수도 {cap}에서 여행하며 사진을 많이 찍었다."))
    for i, (a, food) in enumerate(ANIMAL_FOOD.items()):
        if i >= 8:
            break
        p = people[(i + 6) % len(people)]
        src = (f"{attach(a, '은/는')} {attach(food, '을/를')} 좋아한다. {attach(p, '은/는')} {a}에게 "
               f"{attach(food, '을/를')} 주었다. {attach(a, '은/는')} 맛있게 먹었다.")  # fmt: skip
        out.append((ins, src, f"{attach(p, '은/는')} {a}에게 좋아하는 {attach(food, '을/를')} 주었다."))
    for i, (f, taste) in enumerate(FRUIT_TASTE.items()):
        if i >= 8:
            break
        p = people[(i + 9) % len(people)]
        src = (f"{attach(p, '은/는')} 시장에서 {attach(f, '을/를')} 샀다. {attach(f, '은/는')} 맛이 {taste}. "
               f"{attach(p, '은/는')} 가족과 함께 {attach(f, '을/를')} 먹었다.")  # fmt: skip
        out.append((ins, src, f"{attach(p, '은/는')} 시장에서 산 {attach(f, '을/를')} 가족과 함께 먹었다."))
    return out


def gen_writing() -> list[tuple[str, str, str]]:
    """짧은 글쓰기: 동물, 직업, 과일, 나라에 대한 한 문장."""
    out = []
    animals = sorted(set(ANIMAL_SOUND) | set(ANIMAL_FOOD))
    for i, a in enumerate(animals):
        sound, food = ANIMAL_SOUND.get(a), ANIMAL_FOOD.get(a)
        if sound and food:
            text = f"{attach(a, '은/는')} {sound} 하고 울고 {attach(food, '을/를')} 좋아한다."
        elif sound:
            text = f"{attach(a, '은/는')} {sound} 하고 울며 귀여운 소리를 낸다."
        else:
            text = f"{attach(a, '은/는')} {attach(food, '을/를')} 좋아해서 {food}만 보면 신이 난다."
        if i % 3 == 0:
            ins = f"{a}에 대한 짧은 문장을 쓰세요."
        elif i % 3 == 1:
            ins = f"{attach(a, '을/를')} 소개하는 문장을 한 줄로 써 주세요."
        else:
            ins = f"{attach(a, '이/가')} 나오는 짧은 문장을 하나 지어 보세요."
        out.append((ins, "", text))
    for i, (job, place) in enumerate(JOB_WORKPLACE.items()):
        ins = (
            f"{job}에 대한 짧은 문장을 쓰세요."
            if i % 2 == 0
            else f"{attach(job, '이/가')} 하는 일을 한 문장으로 쓰세요."
        )
        out.append((ins, "", f"{attach(job, '은/는')} {place}에서 {JOB_ACTION[job]}."))
    for i, (f, taste) in enumerate(FRUIT_TASTE.items()):
        if f == "배":
            continue
        ins = (
            f"{f}에 대한 짧은 문장을 쓰세요."
            if i % 2 == 0
            else f"{attach(f, '을/를')} 먹고 난 느낌을 한 문장으로 쓰세요."
        )
        out.append((ins, "", f"{attach(f, '은/는')} 맛이 {TASTE_SEO[taste]} 먹으면 기분이 좋아진다."))
    for c, cap in list(COUNTRY_CAPITAL.items())[:6]:
        out.append(
            (f"{attach(c, '을/를')} 소개하는 짧은 문장을 쓰세요.", "",
             f"{c}의 수도는 {cap}이고, 많은 사람이 {attach(cap, '으로/로')} 여행을 간다.")
        )  # fmt: skip
    return out


def read_handwritten(path: Path = HANDWRITTEN) -> dict[str, list[tuple[str, str, str]]]:
    """손으로 쓴 항목을 과제별로 읽는다."""
    by_task: dict[str, list[tuple[str, str, str]]] = {t: [] for t in TASKS}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 4:
            raise ValueError(f"{path.name}:{lineno}: 열이 4개가 아닙니다: {line!r}")
        task, ins, inp, outp = (c.strip() for c in cols)
        if task not in by_task:
            raise ValueError(f"{path.name}:{lineno}: 알 수 없는 과제 {task!r}")
        by_task[task].append((ins, "" if inp == "-" else inp, outp))
    return by_task


def build_records() -> list[dict]:
    """생성 항목과 손으로 쓴 항목을 합쳐 JSONL 레코드 목록을 만든다."""
    r = random.Random(SEED)
    generated = {
        "요약": gen_summary(r),
        "분류": gen_classify(r),
        "변환": gen_transform(r),
        "질의응답": gen_qa(),
        "짧은 글쓰기": gen_writing(),
    }
    hand = read_handwritten()
    records: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for task in TASKS:
        for k, (ins, inp, outp) in enumerate(generated[task] + hand[task]):
            ins, inp, outp = (unicodedata.normalize("NFC", s) for s in (ins, inp, outp))
            rid = f"ins-{len(records) + 1:04d}"
            if not ins or not outp:
                raise ValueError(f"{rid}: 지시나 출력이 비었습니다")
            if len(outp) > MAX_OUTPUT or len(inp) > MAX_INPUT:
                raise ValueError(f"{rid}: 출력 {len(outp)}자 / 입력 {len(inp)}자가 너무 깁니다: {outp!r}")
            if (ins, inp) in seen:
                raise ValueError(f"{rid}: (지시, 입력) 쌍이 중복됩니다: {(ins, inp)!r}")
            seen.add((ins, inp))
            split = "test" if k % TEST_EVERY == TEST_EVERY - 1 else "train"
            records.append(
                {"id": rid, "task": task, "instruction": ins, "input": inp, "output": outp, "split": split}
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
        print("같음" if same else "다름: build_instructions.py 를 다시 실행하세요")
        return 0 if same else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT.name}: {text.count(chr(10))}개 지시–응답 쌍")
    return 0


if __name__ == "__main__":
    sys.exit(main())
