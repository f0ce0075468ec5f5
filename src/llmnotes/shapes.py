"""도형 그림과 한국어 설명을 만드는 생성기 (노트북 20 의 멀티모달 데이터).

NumPy 와 Pillow 로 작은 RGB 그림(기본 32×32)에 도형을 그리고, 그 내용을 한국어 문장으로 적는다.

- 도형 4가지(원, 사각형, 삼각형, 마름모), 색 4가지(빨간, 파란, 초록, 노란), 크기 2가지(큰, 작은),
  위치 3가지(왼쪽, 가운데, 오른쪽), 개수 1–3, 배경은 밝은 색 여러 가지에 잡음.
- 장면 세 종류: 하나('왼쪽에 큰 빨간 원'), 둘('왼쪽에 큰 빨간 원과 오른쪽에 작은 파란 삼각형'),
  여럿('노란 마름모 세 개'). 조사(과/와, 이/가, 이에요/예요)는 ``llmnotes.josa`` 가 받침을 보고 고른다.
- 조합 일반화(compositional generalisation): ``HELD_OUT`` 의 (색, 도형) 조합 4개는 'train' 분할에 한 번도
  나오지 않고 'dev'·'test' 분할에만 나온다. 각 색과 각 도형은 학습에서 다른 짝과 함께 보인다.

같은 시드는 같은 장면과 같은 픽셀을 만든다 (``numpy.random.default_rng`` 하나로 모든 무작위 선택을 한다).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from .checks import check_number
from .hangul import nfc
from .josa import attach

__all__ = [
    "COLOURS",
    "SHAPES",
    "SIZES",
    "POSITIONS",
    "COUNT_WORDS",
    "HELD_OUT",
    "QUESTIONS",
    "Obj",
    "Scene",
    "ShapesConfig",
    "sample_scenes",
    "render",
    "render_batch",
    "answer",
    "clip_texts",
    "vocabulary",
    "is_held_out",
    "fine_classes",
    "ZERO_SHOT_LEVELS",
    "ZERO_SHOT_POOL",
    "zero_shot_prompts",
    "zero_shot_label",
]

# 색 이름(관형형) → 기준 RGB. 실제 그림은 여기서 채널마다 ±jitter 만큼 흔든다.
COLOURS: dict[str, tuple[int, int, int]] = {
    "빨간": (215, 35, 35),
    "파란": (35, 70, 215),
    "초록": (30, 150, 55),
    "노란": (235, 195, 20),
}
COLOUR_NOUNS = {"빨간": "빨간색", "파란": "파란색", "초록": "초록색", "노란": "노란색"}
SHAPES: tuple[str, ...] = ("원", "사각형", "삼각형", "마름모")
SIZES: tuple[str, ...] = ("큰", "작은")
POSITIONS: tuple[str, ...] = ("왼쪽", "가운데", "오른쪽")
COUNT_WORDS: dict[int, str] = {1: "한", 2: "두", 3: "세"}
# 학습에서 빼 두는 (색, 도형) 조합: 라틴 방진처럼 색마다, 도형마다 하나씩.
HELD_OUT: frozenset[tuple[str, str]] = frozenset(
    {("빨간", "삼각형"), ("파란", "마름모"), ("초록", "원"), ("노란", "사각형")}
)
# 밝고 채도가 낮은 배경색 (도형 색과 헷갈리지 않게).
BACKGROUNDS: tuple[tuple[int, int, int], ...] = (
    (235, 235, 235),
    (215, 215, 215),
    (240, 230, 210),
    (215, 230, 235),
    (230, 220, 235),
    (200, 205, 200),
)
QUESTIONS: dict[str, str] = {
    "caption": "그림을 설명해 줘",
    "colour": "무슨 색이야?",
    "count": "몇 개야?",
    "shape": "무슨 모양이야?",
}
KINDS = ("single", "pair", "count")
SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class ShapesConfig:
    """그림 크기와 도형 크기 (픽셀, 최종 해상도 기준).

    Args:
        image_size: 정사각형 그림 한 변의 픽셀 수 (24 이상).
        big_radius: '큰' 도형의 반지름 범위 (최소, 최대).
        small_radius: '작은' 도형의 반지름 범위.
        colour_jitter: 색 채널마다 더하는 균등 잡음의 최댓값.
        noise: 배경 픽셀 잡음의 표준편차.
        supersample: 매끄러운 가장자리를 위해 몇 배 크게 그린 뒤 줄이는가.
    """

    image_size: int = 32
    big_radius: tuple[float, float] = (6.5, 7.5)
    small_radius: tuple[float, float] = (3.5, 4.2)
    colour_jitter: int = 20
    noise: float = 5.0
    supersample: int = 4

    def __post_init__(self) -> None:
        if not isinstance(self.image_size, int) or self.image_size < 24:
            raise ValueError(f"image_size는 24 이상의 정수여야 합니다: {self.image_size!r}")
        check_number(self.noise, "noise", low=0)  # 잡음의 표준편차: NaN·inf·음수 거부


@dataclass(frozen=True)
class Obj:
    """그림 속 도형 하나. x, y 는 최종 해상도의 중심 좌표(픽셀), r 은 반지름."""

    shape: str
    colour: str
    size: str
    x: float
    y: float
    r: float
    rgb: tuple[int, int, int]

    def __post_init__(self) -> None:
        if self.shape not in SHAPES:
            raise ValueError(f"shape는 {SHAPES} 중 하나여야 합니다: {self.shape!r}")
        if self.colour not in COLOURS:
            raise ValueError(f"colour는 {tuple(COLOURS)} 중 하나여야 합니다: {self.colour!r}")
        if self.size not in SIZES:
            raise ValueError(f"size는 {SIZES} 중 하나여야 합니다: {self.size!r}")


@dataclass(frozen=True)
class Scene:
    """장면: 종류, 도형들, 배경색, (하나짜리 장면의) 위치 낱말, 그림 시드."""

    kind: str
    objects: tuple[Obj, ...]
    background: tuple[int, int, int]
    position: str = ""
    seed: int = 0

    @property
    def count(self) -> int:
        return len(self.objects)

    @property
    def caption(self) -> str:
        """장면을 한국어 한 문장(명사구)으로. 조사는 받침에 맞춘다."""
        o = self.objects
        if self.kind == "single":
            return nfc(f"{self.position}에 {o[0].size} {o[0].colour} {o[0].shape}")
        if self.kind == "pair":
            left, right = o
            first = attach(left.shape, "과/와")  # '원과', '마름모와'
            return nfc(
                f"왼쪽에 {left.size} {left.colour} {first} 오른쪽에 {right.size} {right.colour} {right.shape}"
            )
        return nfc(f"{o[0].colour} {o[0].shape} {COUNT_WORDS[len(o)]} 개")


def is_held_out(colour: str, shape: str) -> bool:
    """(색, 도형) 조합이 학습에서 빠진 조합인가."""
    return (colour, shape) in HELD_OUT


def _combos(held: bool) -> list[tuple[str, str]]:
    return [(c, s) for c in COLOURS for s in SHAPES if ((c, s) in HELD_OUT) == held]


def _make_obj(
    rng: np.random.Generator, cfg: ShapesConfig, colour: str, shape: str, size: str, x: float, y: float
) -> Obj:
    lo, hi = cfg.big_radius if size == "큰" else cfg.small_radius
    r = float(rng.uniform(lo, hi))
    base = np.array(COLOURS[colour])
    rgb = np.clip(base + rng.integers(-cfg.colour_jitter, cfg.colour_jitter + 1, size=3), 0, 255)
    return Obj(shape, colour, size, float(x), float(y), r, tuple(int(v) for v in rgb))


def _sample_one(rng: np.random.Generator, cfg: ShapesConfig, kind: str, split: str, seed: int) -> Scene:
    S = cfg.image_size
    train_combos, held_combos = _combos(False), _combos(True)

    def pick(held: bool) -> tuple[str, str]:
        pool = held_combos if held else train_combos
        return pool[int(rng.integers(len(pool)))]

    background = BACKGROUNDS[int(rng.integers(len(BACKGROUNDS)))]
    held = split != "train"  # dev/test 장면은 빠진 조합을 적어도 하나 담는다
    if kind == "single":
        colour, shape = pick(held)
        size = SIZES[int(rng.integers(2))]
        pos = POSITIONS[int(rng.integers(3))]
        cx = {"왼쪽": S * 0.25, "가운데": S * 0.5, "오른쪽": S * 0.75}[pos] + rng.uniform(-1.5, 1.5)
        cy = S * 0.5 + rng.uniform(-S * 0.15, S * 0.15)
        return Scene(kind, (_make_obj(rng, cfg, colour, shape, size, cx, cy),), background, pos, seed)
    if kind == "pair":
        combos = [pick(held), pick(False)]
        if rng.integers(2):  # 빠진 조합이 왼쪽에도 오른쪽에도 오도록
            combos.reverse()
        objs = []
        for (colour, shape), cx in zip(combos, (S * 0.25, S * 0.75), strict=True):
            size = SIZES[int(rng.integers(2))]
            cy = S * 0.5 + rng.uniform(-S * 0.15, S * 0.15)
            objs.append(_make_obj(rng, cfg, colour, shape, size, cx + rng.uniform(-1.5, 1.5), cy))
        return Scene(kind, tuple(objs), background, "", seed)
    if kind == "count":
        colour, shape = pick(held)
        n = int(rng.integers(1, 4))
        objs: list[Obj] = []
        margin = cfg.small_radius[1] + 1.5
        while len(objs) < n:  # 겹치지 않게 자리를 뽑는다 (거부 표집)
            cx, cy = rng.uniform(margin, S - margin, size=2)
            if all((cx - o.x) ** 2 + (cy - o.y) ** 2 > (2 * cfg.small_radius[1] + 3) ** 2 for o in objs):
                objs.append(_make_obj(rng, cfg, colour, shape, "작은", cx, cy))
        return Scene(kind, tuple(objs), background, "", seed)
    raise ValueError(f"kind는 {KINDS} 중 하나여야 합니다: {kind!r}")


def sample_scenes(
    n: int, seed: int, split: str = "train", kinds: tuple[str, ...] = KINDS, cfg: ShapesConfig | None = None
) -> list[Scene]:
    """장면 ``n`` 개를 뽑는다 (그리지는 않는다; 그리기는 ``render``).

    Args:
        n: 장면 수 (1 이상).
        seed: 난수 시드. 같은 (n, seed, split, kinds, cfg) 는 같은 장면 목록을 만든다.
        split: 'train' 은 ``HELD_OUT`` 조합을 쓰지 않고, 'dev'/'test' 는 장면마다 빠진 조합을 하나 이상 넣는다.
        kinds: 고를 장면 종류 ('single', 'pair', 'count'); 차례로 돌아가며 쓴다.
        cfg: 그림 설정.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n은 1 이상의 정수여야 합니다: {n!r}")
    if split not in SPLITS:
        raise ValueError(f"split은 {SPLITS} 중 하나여야 합니다: {split!r}")
    if not kinds or any(k not in KINDS for k in kinds):
        raise ValueError(f"kinds는 {KINDS}의 원소들이어야 합니다: {kinds!r}")
    cfg = cfg or ShapesConfig()
    rng = np.random.default_rng([seed, SPLITS.index(split)])
    return [_sample_one(rng, cfg, kinds[i % len(kinds)], split, int(rng.integers(2**31))) for i in range(n)]


def _draw_shape(draw: ImageDraw.ImageDraw, obj: Obj, k: int) -> None:
    x, y, r = obj.x * k, obj.y * k, obj.r * k
    if obj.shape == "원":
        draw.ellipse([x - r, y - r, x + r, y + r], fill=obj.rgb)
    elif obj.shape == "사각형":
        h = r * 0.85  # 넓이가 원과 비슷하도록 한 변을 조금 줄인다
        draw.rectangle([x - h, y - h, x + h, y + h], fill=obj.rgb)
    elif obj.shape == "삼각형":  # 위를 가리키는 정삼각형, 무게중심이 (x, y)
        draw.polygon([(x, y - r), (x - r * 0.95, y + r * 0.6), (x + r * 0.95, y + r * 0.6)], fill=obj.rgb)
    else:  # 마름모: 45도 돌린 정사각형
        draw.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], fill=obj.rgb)


def render(scene: Scene, cfg: ShapesConfig | None = None) -> np.ndarray:
    """장면을 (H, W, 3) uint8 그림으로 그린다. 배경 잡음은 ``scene.seed`` 로 정해진다."""
    if not isinstance(scene, Scene):
        raise TypeError(f"scene은 Scene이어야 합니다: {type(scene).__name__}")
    cfg = cfg or ShapesConfig()
    S, k = cfg.image_size, cfg.supersample
    rng = np.random.default_rng(scene.seed)
    # 배경: 기본색 + 위에서 아래로 옅은 기울기 + 픽셀 잡음
    yy = np.linspace(-1.0, 1.0, S)[:, None, None]
    tilt = rng.uniform(-10, 10)
    bg = (
        np.asarray(scene.background, dtype=np.float64)[None, None, :]
        + tilt * yy
        + rng.normal(0, cfg.noise, (S, S, 3))
    )
    canvas = Image.new("RGBA", (S * k, S * k), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    for obj in scene.objects:
        _draw_shape(draw, obj, k)
    # 크게 그린 뒤 줄이면 가장자리가 부드러워진다 (알파 = 도형이 덮은 넓이 비율)
    small = np.asarray(canvas.resize((S, S), Image.Resampling.BOX), dtype=np.float64)
    alpha = small[..., 3:4] / 255.0
    colour = small[..., :3] / np.maximum(alpha, 1e-8)
    img = alpha * colour + (1 - alpha) * np.broadcast_to(bg, (S, S, 3))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def render_batch(scenes: list[Scene], cfg: ShapesConfig | None = None) -> np.ndarray:
    """장면 목록을 (N, H, W, 3) uint8 배열로."""
    if len(scenes) == 0:
        raise ValueError("scenes가 비어 있습니다")
    return np.stack([render(s, cfg) for s in scenes])


def answer(scene: Scene, question: str) -> str:
    """질문 종류('caption', 'colour', 'count', 'shape')에 대한 정답 문장.

    색·모양·개수 질문은 한 종류의 도형만 있는 장면('single', 'count')에만 묻는다.
    """
    if question not in QUESTIONS:
        raise ValueError(f"question은 {tuple(QUESTIONS)} 중 하나여야 합니다: {question!r}")
    if question == "caption":
        return scene.caption
    if scene.kind == "pair":
        raise ValueError(f"'{question}' 질문은 도형이 한 종류인 장면에만 묻습니다: kind={scene.kind!r}")
    o = scene.objects[0]
    if question == "colour":
        return attach(COLOUR_NOUNS[o.colour], "이에요/예요")  # '빨간색이에요'
    if question == "shape":
        return attach(o.shape, "이에요/예요")  # '원이에요', '마름모예요'
    return f"{COUNT_WORDS[scene.count]} " + attach("개", "이에요/예요")  # '세 개예요'


def clip_texts(scene: Scene, rng: np.random.Generator) -> str:
    """CLIP 학습에 쓰는 글: 설명 그대로, '… 그림', '…이/가 있는 그림' 중 하나를 고른다."""
    cap = scene.caption
    template = int(rng.integers(3))
    if template == 0:
        return cap
    if template == 1:
        return f"{cap} 그림"
    head, last = cap.rsplit(" ", 1)
    return f"{head} {attach(last, '이/가')} 있는 그림"


def vocabulary() -> list[str]:
    """생성기가 만들 수 있는 모든 낱말(공백 단위)을 정해진 순서로. 토크나이저의 어휘가 된다."""
    words: list[str] = []

    def add(*ws: str) -> None:
        for w in ws:
            for part in nfc(w).split():
                if part not in words:
                    words.append(part)

    add(
        *(f"{p}에" for p in POSITIONS), *SIZES, *COLOURS, *SHAPES, *COUNT_WORDS.values(), "개", "그림", "있는"
    )
    for shape in (*SHAPES, "개"):
        add(attach(shape, "과/와"), attach(shape, "이/가"), attach(shape, "이에요/예요"))
    add(*(attach(n, "이에요/예요") for n in COLOUR_NOUNS.values()))
    add(*QUESTIONS.values())
    return words


def fine_classes() -> list[tuple[str, str, str, str]]:
    """세밀한(fine-grained) 클래스: (위치, 크기, 색, 도형) 96가지, 정해진 순서."""
    return [(p, z, c, s) for p in POSITIONS for z in SIZES for c in COLOURS for s in SHAPES]


ZERO_SHOT_LEVELS = ("coarse", "coarse_mean", "coarse_short", "colour_shape", "fine")
# 클래스 점수 = 그 클래스 프롬프트들과의 유사도의 최댓값('max') 또는 평균('mean', 프롬프트 앙상블)
ZERO_SHOT_POOL = {
    "coarse": "max",
    "coarse_mean": "mean",
    "coarse_short": "mean",
    "colour_shape": "max",
    "fine": "max",
}


def zero_shot_prompts(level: str) -> list[list[str]]:
    """제로샷 분류용 프롬프트 (클래스마다 목록). 틀은 학습 설명과 같은 꼴 '{위치}에 {크기} {색} {모양} 그림'.

    'coarse': 도형 4가지. 클래스마다 위치·크기·색을 모두 채운 24개 프롬프트 (점수는 그중 최댓값).
    'coarse_mean': 'coarse' 와 같은 프롬프트, 점수는 평균 (프롬프트 앙상블).
    'coarse_short': 도형 4가지, 짧은 틀 '{색} {모양} 그림' 을 네 색으로 채워 평균 (학습 설명과 꼴이 다른 틀).
    'colour_shape': (색, 도형) 16가지, 위치·크기를 채운 6개 프롬프트 (점수는 최댓값).
    'fine': (위치, 크기, 색, 도형) 96가지, 클래스마다 프롬프트 하나.
    """
    full = "{p}에 {z} {c} {s} 그림"
    if level in ("coarse", "coarse_mean"):
        return [
            [full.format(p=p, z=z, c=c, s=s) for p in POSITIONS for z in SIZES for c in COLOURS]
            for s in SHAPES
        ]
    if level == "coarse_short":
        return [[f"{c} {s} 그림" for c in COLOURS] for s in SHAPES]
    if level == "colour_shape":
        return [
            [full.format(p=p, z=z, c=c, s=s) for p in POSITIONS for z in SIZES]
            for c in COLOURS
            for s in SHAPES
        ]
    if level == "fine":
        return [[full.format(p=p, z=z, c=c, s=s)] for p, z, c, s in fine_classes()]
    raise ValueError(f"level은 {ZERO_SHOT_LEVELS} 중 하나여야 합니다: {level!r}")


def zero_shot_label(scene: Scene, level: str) -> int:
    """하나짜리 장면('single')의 정답 클래스 번호 (``zero_shot_prompts(level)`` 의 순서)."""
    if scene.kind != "single":
        raise ValueError(f"제로샷 분류는 'single' 장면에만 씁니다: kind={scene.kind!r}")
    o = scene.objects[0]
    if level in ("coarse", "coarse_mean", "coarse_short"):
        return SHAPES.index(o.shape)
    if level == "colour_shape":
        return list(COLOURS).index(o.colour) * len(SHAPES) + SHAPES.index(o.shape)
    if level == "fine":
        return fine_classes().index((scene.position, o.size, o.colour, o.shape))
    raise ValueError(f"level은 {ZERO_SHOT_LEVELS} 중 하나여야 합니다: {level!r}")
