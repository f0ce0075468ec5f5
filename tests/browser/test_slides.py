"""정적 슬라이드 (make slides): 인터넷 없이 reveal.js 가 뜨고, 다음 슬라이드로 넘어가며, 수식이 조판된다."""

from __future__ import annotations

import sys

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
