"""절차적 한국어 문장 생성기: 어휘 목록과 문장 틀로 문법에 맞는 문장을 끝없이 만든다.

- 조사는 받침 규칙(:mod:`llmnotes.josa`)으로 고른다: 은/는, 이/가, 을/를, 와/과, 으로/로(ㄹ 예외).
- 어휘에는 일부러 의미 구조를 심어 두었다 (나라–수도, 직업–일터, 동물–소리, 동물–먹이, 과일–맛).
  그래서 작은 말뭉치로도 단어 임베딩이 이웃과 유추를 배울 수 있고, 스케일링 실험의 데이터 양을 마음대로 늘릴 수 있다.
- 같은 ``seed`` 는 언제나 같은 문장열을 만든다 (``random.Random`` 만 쓴다).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .josa import attach

__all__ = [
    "LEXICON",
    "RELATIONS",
    "TEMPLATES",
    "GeneratorConfig",
    "iter_sentences",
    "generate",
    "generate_text",
]

PEOPLE = ["민수", "지영", "철수", "영희", "서연", "준호", "하린", "도윤", "수빈", "지훈", "은정", "태민"]
COUNTRY_CAPITAL = {
    "한국": "서울", "일본": "도쿄", "중국": "베이징", "프랑스": "파리", "영국": "런던", "독일": "베를린",
    "미국": "워싱턴", "이탈리아": "로마", "러시아": "모스크바", "이집트": "카이로", "캐나다": "오타와", "스페인": "마드리드",
}  # fmt: skip
JOB_WORKPLACE = {
    "의사": "병원", "교사": "학교", "요리사": "식당", "기자": "신문사", "경찰관": "경찰서", "농부": "농장",
    "사서": "도서관", "소방관": "소방서", "은행원": "은행", "약사": "약국", "우체부": "우체국", "판사": "법원",
}  # fmt: skip
ANIMAL_SOUND = {
    "강아지": "멍멍", "고양이": "야옹", "소": "음메", "닭": "꼬끼오", "오리": "꽥꽥", "돼지": "꿀꿀",
    "개구리": "개굴개굴", "병아리": "삐악삐악", "양": "매애", "참새": "짹짹",
}  # fmt: skip
ANIMAL_FOOD = {
    "토끼": "당근", "곰": "꿀", "원숭이": "바나나", "다람쥐": "도토리", "판다": "대나무", "고양이": "생선",
    "강아지": "뼈다귀", "소": "풀", "닭": "모이", "코끼리": "땅콩",
}  # fmt: skip
FRUIT_TASTE = {
    "사과": "달다", "레몬": "시다", "수박": "시원하다", "딸기": "달콤하다", "귤": "새콤하다", "포도": "달다",
    "자몽": "쌉쌀하다", "복숭아": "부드럽다", "감": "달다", "매실": "시다", "배": "시원하다",
}  # fmt: skip
FOODS = ["밥", "김치", "라면", "빵", "떡볶이", "비빔밥", "국수", "만두", "김밥", "불고기", "냉면", "된장국"]
PLACES = [
    "공원",
    "시장",
    "도서관",
    "바다",
    "산",
    "카페",
    "역",
    "운동장",
    "박물관",
    "미술관",
    "놀이터",
    "호수",
]
OBJECTS = ["책", "가방", "우산", "시계", "모자", "공", "연필", "공책", "사진기", "자전거", "편지", "꽃"]
COLORS = ["빨간", "파란", "노란", "하얀", "검은", "초록색", "보라색"]
TIMES = ["아침", "저녁", "주말", "오늘", "어제", "점심", "밤", "새벽"]
TOOL_ACTION = [
    ("칼", "사과를 깎았다"), ("연필", "편지를 썼다"), ("숟가락", "밥을 먹었다"), ("젓가락", "국수를 먹었다"),
    ("붓", "그림을 그렸다"), ("망치", "못을 박았다"), ("가위", "종이를 잘랐다"), ("전화", "친구와 이야기했다"),
]  # fmt: skip
EAT_VERBS = ["먹었다", "먹는다", "좋아한다", "샀다", "만들었다", "나누어 먹었다"]
# '배' 는 과일(배), 탈것(배), 몸(배) 세 뜻으로 모두 나온다: 동음이의어의 한계를 보여 주려고 일부러 심었다.
VEHICLES = ["배", "기차", "버스", "비행기", "자전거", "택시", "지하철"]
BODY_PARTS = ["배", "머리", "다리", "허리", "목", "어깨", "이"]
WEATHER = [("하늘", "맑다"), ("바람", "시원하다"), ("눈", "내린다"), ("비", "온다"), ("햇살", "따뜻하다")]
# '어제' 는 지난 일이므로 서술어도 과거형이어야 한다 ("어제는 햇살이 따뜻했다").
WEATHER_PAST = {
    "맑다": "맑았다",
    "시원하다": "시원했다",
    "내린다": "내렸다",
    "온다": "왔다",
    "따뜻하다": "따뜻했다",
}

LEXICON: dict[str, list[str]] = {
    "사람": PEOPLE,
    "나라": list(COUNTRY_CAPITAL),
    "수도": list(COUNTRY_CAPITAL.values()),
    "직업": list(JOB_WORKPLACE),
    "일터": list(JOB_WORKPLACE.values()),
    "동물": sorted(set(ANIMAL_SOUND) | set(ANIMAL_FOOD)),
    "과일": list(FRUIT_TASTE),
    "음식": FOODS,
    "장소": PLACES,
    "물건": OBJECTS,
    "탈것": VEHICLES,
    "몸": BODY_PARTS,
}
RELATIONS: dict[str, dict[str, str]] = {
    "나라-수도": COUNTRY_CAPITAL,
    "직업-일터": JOB_WORKPLACE,
    "동물-소리": ANIMAL_SOUND,
    "동물-먹이": ANIMAL_FOOD,
    "과일-맛": FRUIT_TASTE,
}


def _t_eat(r: random.Random) -> str:
    p, place, food, verb = r.choice(PEOPLE), r.choice(PLACES), r.choice(FOODS), r.choice(EAT_VERBS)
    return f"{attach(p, '은/는')} {place}에서 {attach(food, '을/를')} {verb}."


def _t_job(r: random.Random) -> str:
    job = r.choice(list(JOB_WORKPLACE))
    return f"{attach(job, '은/는')} {JOB_WORKPLACE[job]}에서 일한다."


def _t_become(r: random.Random) -> str:
    p, job = r.choice(PEOPLE), r.choice(list(JOB_WORKPLACE))
    return f"{attach(p, '이/가')} {attach(job, '이/가')} 되어 {JOB_WORKPLACE[job]}에서 일한다."


def _t_capital(r: random.Random) -> str:
    c = r.choice(list(COUNTRY_CAPITAL))
    cap = COUNTRY_CAPITAL[c]
    if r.random() < 0.5:
        return f"{c}의 수도는 {attach(cap, '이다/다')}."
    return f"{attach(cap, '은/는')} {c}의 수도이다."


def _t_travel(r: random.Random) -> str:
    p, c = r.choice(PEOPLE), r.choice(list(COUNTRY_CAPITAL))
    return f"{attach(p, '은/는')} {c}의 수도인 {attach(COUNTRY_CAPITAL[c], '으로/로')} 여행을 갔다."


def _t_sound(r: random.Random) -> str:
    a = r.choice(list(ANIMAL_SOUND))
    return f"{attach(a, '이/가')} {ANIMAL_SOUND[a]} 하고 운다."


def _t_animal_food(r: random.Random) -> str:
    a = r.choice(list(ANIMAL_FOOD))
    return f"{attach(a, '은/는')} {attach(ANIMAL_FOOD[a], '을/를')} 좋아한다."


def _t_fruit(r: random.Random) -> str:
    f = r.choice(list(FRUIT_TASTE))
    return f"{attach(f, '은/는')} 맛이 {FRUIT_TASTE[f]}."


def _t_go(r: random.Random) -> str:
    p, obj, place = r.choice(PEOPLE), r.choice(OBJECTS), r.choice(PLACES)
    return f"{attach(p, '은/는')} {attach(obj, '을/를')} 들고 {attach(place, '으로/로')} 갔다."


def _t_meet(r: random.Random) -> str:
    p1, p2 = r.sample(PEOPLE, 2)
    t, place = r.choice(TIMES), r.choice(PLACES)
    return f"{attach(p1, '와/과')} {attach(p2, '은/는')} {t}에 {place}에서 만났다."


def _t_tool(r: random.Random) -> str:
    p, (tool, action) = r.choice(PEOPLE), r.choice(TOOL_ACTION)
    return f"{attach(p, '은/는')} {attach(tool, '으로/로')} {action}."


def _t_color(r: random.Random) -> str:
    color, obj, place = r.choice(COLORS), r.choice(OBJECTS), r.choice(PLACES)
    return f"{color} {attach(obj, '이/가')} {place}에 있다."


def _t_weather(r: random.Random) -> str:
    t, (noun, pred) = r.choice(TIMES), r.choice(WEATHER)
    if t == "어제":  # 과거 부사 → 과거 서술어 (난수 호출 순서는 그대로라 다른 문장은 바뀌지 않는다)
        return f"어제는 {attach(noun, '이/가')} {WEATHER_PAST[pred]}."
    if t == "오늘":
        return f"오늘은 {attach(noun, '이/가')} {pred}."
    return f"{t}에는 {attach(noun, '이/가')} {pred}."


def _t_ride(r: random.Random) -> str:
    p, v, place = r.choice(PEOPLE), r.choice(VEHICLES), r.choice(PLACES + list(COUNTRY_CAPITAL.values()))
    return f"{attach(p, '은/는')} {attach(v, '을/를')} 타고 {attach(place, '으로/로')} 갔다."


def _t_sick(r: random.Random) -> str:
    p, part = r.choice(PEOPLE), r.choice(BODY_PARTS)
    return f"{p}의 {attach(part, '이/가')} 아파서 {attach('병원', '으로/로')} 갔다."


TEMPLATES = {
    "먹기": _t_eat,
    "직업": _t_job,
    "되기": _t_become,
    "수도": _t_capital,
    "여행": _t_travel,
    "소리": _t_sound,
    "먹이": _t_animal_food,
    "과일": _t_fruit,
    "이동": _t_go,
    "만남": _t_meet,
    "도구": _t_tool,
    "색": _t_color,
    "날씨": _t_weather,
    "탈것": _t_ride,
    "아픔": _t_sick,
}


@dataclass
class GeneratorConfig:
    """생성기 설정.

    Args:
        seed: 난수 시드.
        templates: 쓸 문장 틀 이름들 (기본: 전부). :data:`TEMPLATES` 의 키.
        weights: 틀마다의 상대 빈도 (``None`` 이면 균등).
    """

    seed: int = 0
    templates: tuple[str, ...] = field(default_factory=lambda: tuple(TEMPLATES))
    weights: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            raise ValueError(f"seed는 정수여야 합니다: {self.seed!r}")
        if not self.templates:
            raise ValueError("templates가 비어 있습니다")
        unknown = [t for t in self.templates if t not in TEMPLATES]
        if unknown:
            raise ValueError(f"알 수 없는 문장 틀: {unknown}. 가능한 값: {list(TEMPLATES)}")
        if self.weights is not None:
            if len(self.weights) != len(self.templates):
                raise ValueError(
                    f"weights 길이({len(self.weights)})가 templates 길이({len(self.templates)})와 다릅니다"
                )
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError(f"weights는 음수가 아니고 합이 양수여야 합니다: {self.weights!r}")


def iter_sentences(config: GeneratorConfig | None = None) -> Iterator[str]:
    """문장을 끝없이 만들어 내는 반복자."""
    cfg = config or GeneratorConfig()
    r = random.Random(cfg.seed)
    funcs = [TEMPLATES[name] for name in cfg.templates]
    while True:
        f = r.choices(funcs, weights=cfg.weights)[0] if cfg.weights else r.choice(funcs)
        yield f(r)


# 시제를 고치기 전의 '어제' 날씨 문장으로 되돌리는 규칙 (legacy_tense=True 일 때만 쓴다).
_LEGACY_WEATHER_RE = re.compile(r"^어제는 (\S+) (" + "|".join(WEATHER_PAST.values()) + r")\.$")
_PRESENT_OF = {past: present for present, past in WEATHER_PAST.items()}


def _legacy_tense(sentence: str) -> str:
    m = _LEGACY_WEATHER_RE.match(sentence)
    return f"어제에는 {m.group(1)} {_PRESENT_OF[m.group(2)]}." if m else sentence


def generate(
    n: int, seed: int = 0, templates: tuple[str, ...] | None = None, *, legacy_tense: bool = False
) -> list[str]:
    """문장 ``n`` 개를 만든다.

    Args:
        n: 만들 문장 수 (0 이상).
        seed: 난수 시드.
        templates: 쓸 문장 틀 이름 (기본: 전부).
        legacy_tense: ``True`` 면 시제를 고치기 전의 문장("어제에는 햇살이 따뜻하다.")을 그대로 만든다. 배포된
            ``tiny-ko-gpt`` 와 노트북 18 의 기록은 이 문장으로 만들어졌으므로, 그 데이터 해시를 다시 확인할 때만 쓴다
            (``llmnotes.pretrain``, ``llmnotes.dirty``). 새 데이터에는 쓰지 않는다. 난수 흐름이 같아서 다른 문장은 똑같다.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ValueError(f"n은 0 이상의 정수여야 합니다: {n!r}")
    cfg = (
        GeneratorConfig(seed=seed)
        if templates is None
        else GeneratorConfig(seed=seed, templates=tuple(templates))
    )
    it = iter_sentences(cfg)
    sents = [next(it) for _ in range(n)]
    return [_legacy_tense(s) for s in sents] if legacy_tense else sents


def generate_text(n_sentences: int, seed: int = 0, sentences_per_line: int = 1) -> str:
    """문장들을 줄바꿈으로 이어 붙인 텍스트. 사전학습/스케일링 실험용."""
    if not isinstance(sentences_per_line, int) or sentences_per_line < 1:
        raise ValueError(f"sentences_per_line은 1 이상의 정수여야 합니다: {sentences_per_line!r}")
    sents = generate(n_sentences, seed=seed)
    lines = [" ".join(sents[i : i + sentences_per_line]) for i in range(0, len(sents), sentences_per_line)]
    return "\n".join(lines)
