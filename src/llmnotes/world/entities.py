"""가상 세계의 개체(entity): 사람, 도시, 회사, 대학, 제품의 이름과 종류.

모든 이름은 이 프로젝트가 음절을 조합해 지어낸 것이다 (실제 인물·회사와 겹치지 않게 흔하지 않은 조합을 쓴다).
같은 시드는 언제나 같은 개체를 만든다 (``random.Random`` 만 쓴다).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = [
    "KINDS",
    "Entity",
    "SURNAMES",
    "OCCUPATIONS",
    "PROVINCES",
    "SPECIALTIES",
    "INDUSTRIES",
    "CATEGORIES",
    "make_entities",
]

KINDS = ("person", "city", "company", "university", "product")

# 사람 이름: 성 + 이름 두 음절. 이름 음절은 흔한 이름 음절에서 골랐지만 조합은 무작위다.
SURNAMES = ("김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "배", "오", "남", "신", "권", "황", "문", "송", "류", "홍")  # fmt: skip
_GIVEN_1 = ("민", "서", "지", "하", "도", "수", "예", "주", "윤", "현", "태", "진", "채", "소", "유", "다", "시", "승", "재", "가", "연", "정", "혜", "규")  # fmt: skip
_GIVEN_2 = ("준", "윤", "린", "호", "연", "빈", "희", "원", "율", "담", "솔", "결", "영", "경", "우", "혁", "별", "미", "석", "민", "현", "진", "규", "찬")  # fmt: skip

# 지명·회사·제품 이름용 순우리말 느낌의 음절 (지어낸 조합).
_PLACE_1 = ("가람", "새벌", "한솔", "누리", "바다", "미르", "하늘", "솔", "해솔", "마루", "여울", "보라", "사랑", "은", "라온", "봄", "달", "별", "구름", "물빛", "산마루", "노을", "샛별", "초록")  # fmt: skip
_PLACE_2 = ("골", "들", "빛", "울", "터", "섬", "담", "재", "벌", "목", "나루", "언덕", "바위", "숲", "바람", "강", "포", "천", "원", "길")  # fmt: skip
PROVINCES = ("가온도", "새벌도", "한누리도", "청강도", "동해솔도", "마루도")
_BRAND_1 = ("누리", "한결", "새솔", "다솜", "비채", "아름", "초롱", "단비", "도담", "라온", "바오", "소담", "나래", "가비", "시온", "한빛", "새날", "큰솔", "은하", "마당", "별빛", "꽃샘", "솔향", "한울")  # fmt: skip
INDUSTRIES: dict[str, str] = {
    # 업종 → 회사 이름 끝말 (한 업종에 여러 끝말)
    "전자": "전자", "식품": "식품", "제약": "제약", "자동차": "자동차", "가구": "가구",
    "통신": "통신", "출판": "출판", "화장품": "화장품", "건설": "건설", "여행": "여행사",
}  # fmt: skip
# 업종별 제품 종류 (제품의 '종류' 사실과 사용법 글에 쓴다).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "전자": ("청소기", "선풍기", "전기밥솥", "세탁기", "냉장고"),
    "식품": ("과자", "라면", "음료수", "빵", "김치"),
    "제약": ("감기약", "소화제", "영양제", "연고", "파스"),
    "자동차": ("전기차", "승용차", "트럭", "자전거", "오토바이"),
    "가구": ("의자", "책상", "침대", "소파", "옷장"),
    "통신": ("휴대폰", "태블릿", "공유기", "이어폰", "스마트워치"),
    "출판": ("소설책", "그림책", "사전", "잡지", "문제집"),
    "화장품": ("로션", "선크림", "샴푸", "비누", "치약"),
    "건설": ("벽돌", "시멘트", "타일", "창문", "현관문"),
    "여행": ("여행 가방", "여행 안내서", "배낭", "캠핑 의자", "텐트"),
}
_PRODUCT_1 = ("반디", "두리", "포근", "새봄", "구름", "방울", "꼬마", "하양", "초록", "햇살", "보름", "여름", "겨울", "바람", "물결", "노을", "새싹", "이슬", "솜씨", "파랑")  # fmt: skip
_PRODUCT_2 = ("미", "비", "솔", "빛", "별", "결", "담", "샘", "톡", "콩", "단", "꽃")  # fmt: skip
SPECIALTIES = ("사과", "배", "인삼", "쌀", "고구마", "감자", "굴", "김", "미역", "녹차", "포도", "복숭아", "딸기", "한우", "옥수수", "버섯", "도자기", "한지", "대나무", "고등어")  # fmt: skip

# 직업: (직업 이름, 높임 대상인가). 기관장(대표, 시장, 총장)은 사실의 시간표에서 정해지고, 여기 직업은 그 밖의 사람.
OCCUPATIONS: tuple[str, ...] = ("교수", "의사", "작가", "화가", "요리사", "기자", "배우", "가수", "변호사", "연구원", "사진작가", "건축가", "약사", "회계사", "디자이너")  # fmt: skip


@dataclass(frozen=True)
class Entity:
    """세계의 개체 하나.

    Attributes:
        id: 'person-0001' 꼴 식별자 (종류-번호).
        kind: :data:`KINDS` 가운데 하나.
        name: 한국어 이름 (NFC, 세계 안에서 유일).
    """

    id: str
    kind: str
    name: str


def _unique_names(r: random.Random, n: int, make, taken: set[str], what: str) -> list[str]:
    """``make(r)`` 로 이름을 지어 서로 겹치지 않는 ``n`` 개를 모은다."""
    out: list[str] = []
    tries = 0
    while len(out) < n:
        tries += 1
        if tries > 200 * n + 1000:
            raise ValueError(f"{what} 이름을 {n}개 만들 수 없습니다 (음절 조합이 모자랍니다)")
        name = make(r)
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


def kind_counts(n_entities: int) -> dict[str, int]:
    """개체 수를 종류별로 나눈다: 사람 70%, 도시 7%, 회사 10%, 대학 3%, 제품 10% (나머지는 사람).

    기관장(대표·시장·총장)이 한 사람씩 따로 필요해서 사람이 가장 많다.
    """
    counts = {
        "city": max(6, round(n_entities * 0.07)),
        "company": max(4, round(n_entities * 0.10)),
        "university": max(2, round(n_entities * 0.03)),
        "product": max(4, round(n_entities * 0.10)),
    }
    counts["person"] = n_entities - sum(counts.values())
    if counts["person"] < 20:
        raise ValueError(f"n_entities가 너무 작습니다: {n_entities!r} (100 이상)")
    return {k: counts[k] for k in KINDS}


def make_entities(n_entities: int, r: random.Random) -> list[Entity]:
    """이름이 서로 다른 개체 ``n_entities`` 개를 만든다 (종류별 비율은 :func:`kind_counts`)."""
    counts = kind_counts(n_entities)
    taken: set[str] = set()
    persons = _unique_names(
        r,
        counts["person"],
        lambda r: r.choice(SURNAMES) + r.choice(_GIVEN_1) + r.choice(_GIVEN_2),
        taken,
        "사람",
    )
    cities = _unique_names(
        r, counts["city"], lambda r: r.choice(_PLACE_1) + r.choice(_PLACE_2) + "시", taken, "도시"
    )
    companies = _unique_names(
        r,
        counts["company"],
        lambda r: r.choice(_BRAND_1) + INDUSTRIES[r.choice(list(INDUSTRIES))],
        taken,
        "회사",
    )
    universities = _unique_names(
        r, counts["university"], lambda r: r.choice(_PLACE_1) + r.choice(_PLACE_2) + "대학교", taken, "대학"
    )
    products = _unique_names(
        r, counts["product"], lambda r: r.choice(_PRODUCT_1) + r.choice(_PRODUCT_2), taken, "제품"
    )
    out: list[Entity] = []
    for kind, names in (
        ("person", persons),
        ("city", cities),
        ("company", companies),
        ("university", universities),
        ("product", products),
    ):
        out.extend(Entity(f"{kind}-{i:04d}", kind, name) for i, name in enumerate(names))
    return out


def company_industry(name: str) -> str:
    """회사 이름의 끝말에서 업종을 읽는다 (이름을 지을 때 업종 끝말을 붙였다)."""
    for industry, suffix in INDUSTRIES.items():
        if name.endswith(suffix):
            return industry
    raise ValueError(f"회사 이름에서 업종을 알 수 없습니다: {name!r}")
