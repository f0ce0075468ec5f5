"""정적 슬라이드 (make slides): 인터넷 없이 reveal.js 가 뜨고, 다음 슬라이드로 넘어가며, 수식이 조판된다."""

from __future__ import annotations

import sys
from pathlib import Path

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import slides  # noqa: E402

NOTEBOOK = ROOT / "notebooks" / "05_attention.ipynb"


def test_slide_deck_advances_offline(page, serve, tmp_path, shot_dir):
    deck = slides.export(NOTEBOOK, tmp_path / "slides")
    base = serve(deck.parent)
    page.goto(f"{base}/{deck.name}")
    page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=60_000)
    total = page.evaluate("Reveal.getTotalSlides()")
    assert total >= 5, total
    assert page.evaluate("Reveal.getIndices().h") == 0
    assert "05. 어텐션" in page.inner_text(".reveal .slides section.present")

    # 키보드로 넘긴다: 조각(fragment)을 다 보이면 다음 가로 슬라이드로 간다
    for _ in range(40):
        page.keyboard.press("ArrowRight")
        if page.evaluate("Reveal.getIndices().h") >= 2:
            break
    assert page.evaluate("Reveal.getIndices().h") >= 2
    page.wait_for_timeout(800)  # 전환 애니메이션
    assert page.evaluate("Reveal.isLastSlide()") is False

    # 첫 슬라이드가 아닌, 가운데 정렬 수식($$…$$)이 있는 슬라이드로 가서 MathJax 가 오류 없이 조판했는지 본다
    idx = page.evaluate(
        """() => { const s = [...document.querySelectorAll('.reveal .slides > section')];
                   return s.findIndex((x, i) => i > 0 && x.textContent.includes('$$')); }"""
    )
    assert idx > 0, "가운데 정렬 수식이 있는 슬라이드가 없음"
    page.evaluate(f"Reveal.slide({idx})")
    page.wait_for_function(
        "MathJax.Hub.queue.pending === 0 && Reveal.getCurrentSlide().querySelectorAll('math').length > 0",
        timeout=60_000,
    )
    page.wait_for_timeout(800)  # 전환 애니메이션
    current = page.locator(".reveal .slides > section.present")
    assert current.locator("math[display='block']").count() > 0
    assert "Math Processing Error" not in current.inner_text()
    assert "$$" not in current.inner_text()  # 조판되지 않은 TeX 원문이 남지 않았다
    page.screenshot(path=str(shot_dir / "slide.png"))
    assert page.guard.outside == [], page.guard.outside
    assert page.guard.failed == [], page.guard.failed


# 강의 덱으로 쓰는 노트북: 가운데 정렬 수식이 있는 모든 슬라이드에서 수식이 슬라이드 밖으로 넘치지 않아야 한다 (이슈 22).
MATH_DECKS = ("04_rnn_seq2seq.ipynb", "05_attention.ipynb")

# 슬라이드(가로 section) 안 가운데 정렬 수식의 오른쪽·왼쪽 끝과 슬라이드 영역의 끝 (CSS 픽셀, 화면 좌표).
# MathML 의 <math> 상자는 넘친 내용보다 작을 수 있어, 수식 안 모든 요소의 상자를 합쳐서 잰다.
_MATH_EXTENT_JS = """() => {
  const slide = Reveal.getCurrentSlide();
  const area = document.querySelector('.reveal .slides').getBoundingClientRect();
  return [...slide.querySelectorAll("math[display='block']")].map(m => {
    let left = Infinity, right = -Infinity;
    for (const el of [m, ...m.querySelectorAll('*')]) {
      const r = el.getBoundingClientRect();
      if (r.width === 0) continue;
      left = Math.min(left, r.left); right = Math.max(right, r.right);
    }
    return {left, right, areaLeft: area.left, areaRight: area.right, text: m.textContent.slice(0, 60)};
  });
}"""


def test_display_math_fits_on_every_slide(page, serve, tmp_path, shot_dir):
    for name in MATH_DECKS:
        deck = slides.export(ROOT / "notebooks" / name, tmp_path / "slides")
        base = serve(deck.parent)
        page.goto(f"{base}/{deck.name}")
        page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=60_000)
        indices = page.evaluate(
            """() => [...document.querySelectorAll('.reveal .slides > section')]
                     .map((s, i) => s.textContent.includes('$$') ? i : -1).filter(i => i >= 0)"""
        )
        assert indices, f"{name}: 가운데 정렬 수식이 있는 슬라이드가 없음"
        overflow = []
        widest = (-1.0, indices[0])
        for idx in indices:
            page.evaluate(f"Reveal.slide({idx})")
            page.wait_for_function(
                "MathJax.Hub.queue.pending === 0 && "
                "Reveal.getCurrentSlide().querySelectorAll(\"math[display='block']\").length > 0",
                timeout=60_000,
            )
            page.wait_for_timeout(900)  # 전환 애니메이션이 끝난 뒤에 잰다
            for m in page.evaluate(_MATH_EXTENT_JS):
                widest = max(widest, (m["right"] - m["left"], idx))
                if m["right"] > m["areaRight"] + 1 or m["left"] < m["areaLeft"] - 1:
                    overflow.append(
                        (idx, round(m["left"]), round(m["right"]), round(m["areaRight"]), m["text"])
                    )
                    page.screenshot(path=str(shot_dir / f"overflow-{Path(name).stem}-{idx}.png"))
        page.evaluate(f"Reveal.slide({widest[1]})")  # 가장 넓은 수식이 있는 슬라이드를 스크린숏으로 남긴다
        page.wait_for_timeout(900)
        page.screenshot(path=str(shot_dir / f"slide-widest-math-{Path(name).stem}.png"))
        assert overflow == [], (
            f"{name}: 슬라이드 밖으로 넘친 수식 (슬라이드, 왼쪽, 오른쪽, 영역 오른쪽, 글자) {overflow}"
        )
        assert page.guard.outside == [], page.guard.outside
