"""오프라인 HTML 책 (make book): 바깥 요청 0개, 수식 조판, 그림, 한글 글꼴, 한국어 검색, 이전·다음 링크."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, korean_fonts_used

NOTEBOOK = "05_attention"  # 수식과 그림이 모두 있는 노트북


@pytest.fixture(scope="module")
def book_dir(tmp_path_factory) -> Path:
    """``LLMNOTES_BOOK_DIR`` (make test-browser 가 make book 의 결과 build/book 을 준다) 또는 임시 폴더에 만든 작은 책."""
    env_dir = os.environ.get("LLMNOTES_BOOK_DIR")
    if env_dir:
        path = Path(env_dir)
        assert (path / "index.html").is_file(), f"{path} 에 책이 없습니다: make book 을 먼저 하세요"
        return path
    out = tmp_path_factory.mktemp("book")
    env = dict(os.environ, LLMNOTES_BOOK_ONLY=f"00_getting_started {NOTEBOOK}")
    cmd = [sys.executable, "-m", "sphinx", "-q", "-b", "html", "-c", str(ROOT / "book"),
           "-d", str(out / ".doctrees"), str(ROOT), str(out / "html")]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out / "html"


def _wait_for_math(page) -> None:
    page.wait_for_function(
        "window.MathJax && MathJax.Hub && MathJax.isReady && MathJax.Hub.queue.pending === 0"
        " && document.querySelectorAll('.MathJax, .MathJax_Display').length > 0",
        timeout=60_000,
    )


def test_notebook_page_math_figures_korean_offline(page, serve, book_dir, shot_dir):
    base = serve(book_dir)
    page.goto(f"{base}/index.html")
    page.wait_for_url("**/book/index.html")
    assert "llmnotes" in page.title()

    page.goto(f"{base}/notebooks/{NOTEBOOK}.html")
    _wait_for_math(page)
    n_source = page.locator("span.math, div.math").count()
    n_typeset = page.locator(".MathJax, .MathJax_Display").count()
    assert n_source > 10 and n_typeset >= n_source // 2, (n_source, n_typeset)
    assert page.locator(".MathJax_Error, .merror").count() == 0
    assert "Math Processing Error" not in page.inner_text("body")

    # 그림: 모든 출력 이미지가 실제로 디코딩되었다 (naturalWidth > 0)
    widths = page.eval_on_selector_all("article img", "els => els.map(e => e.naturalWidth)")
    assert len(widths) >= 1 and all(w > 0 for w in widths), widths

    # 한글: 제목의 한글 글자를 책이 싣는 나눔고딕 웹 글꼴이 그렸다 (빈 네모가 아님)
    fonts = korean_fonts_used(page, "article h1")
    hangul = [
        f for f in fonts if f["familyName"].startswith("NanumGothic") or "llmnotes-hangul" in f["familyName"]
    ]
    assert hangul and hangul[0]["glyphCount"] > 0, fonts

    # 이전·다음 링크
    assert page.locator(".prev-next-area a.left-prev").count() == 1
    assert page.locator(".prev-next-area a.right-next").count() == 1

    page.locator("div.math").first.scroll_into_view_if_needed()  # 가운데 정렬된 수식이 보이게
    page.screenshot(path=str(shot_dir / "book-math.png"))
    assert page.guard.outside == [], page.guard.outside
    assert page.guard.failed == [], page.guard.failed


def test_korean_search_finds_words_without_particles(page, serve, book_dir):
    base = serve(book_dir)
    page.goto(f"{base}/search.html?q=어텐션")
    page.wait_for_selector("#search-results ul.search li", timeout=60_000)
    hits = page.locator("#search-results ul.search li a").all_inner_texts()
    assert any("어텐션" in h for h in hits), hits
    # 조사가 붙은 꼴("어텐션은")만 있는 문장도 형태소 색인 덕에 "어텐션" 으로 찾힌다: 검색 결과 수로 확인
    page.goto(f"{base}/search.html?q=말뭉치")
    page.wait_for_selector("#search-results ul.search li", timeout=60_000)
    assert page.guard.outside == [], page.guard.outside


def test_glossary_datasheets_and_curriculum_are_in_the_book(page, serve, book_dir):
    base = serve(book_dir)
    page.goto(f"{base}/book/curriculum.html")
    rows = page.locator("article table tbody tr").count()
    assert rows >= 2
    assert "05" in page.inner_text("article table")
    for rel in ("notebooks/GLOSSARY.html", "data/README.html", "data/models/tiny-ko-gpt/README.html"):
        resp = page.goto(f"{base}/{rel}")
        assert resp is not None and resp.status == 200, rel
    assert page.guard.outside == [], page.guard.outside


def test_every_page_loads_offline_with_math_and_images(page, serve, book_dir):
    """책의 모든 노트북·참고 페이지: 바깥 요청 0개, 깨진 로컬 요청 0개, 수식 오류 0개, 모든 그림이 디코딩됨."""
    base = serve(book_dir)
    pages = sorted(p.relative_to(book_dir).as_posix() for p in (book_dir / "notebooks").glob("*.html"))
    pages += sorted(p.relative_to(book_dir).as_posix() for p in (book_dir / "data").rglob("*.html"))
    assert len(pages) >= 3, pages
    problems = []
    for rel in pages:
        page.goto(f"{base}/{rel}")
        if page.locator("span.math, div.math").count():  # Sphinx 는 수식이 있는 페이지에만 MathJax 를 싣는다
            try:
                page.wait_for_function(
                    "window.MathJax && MathJax.Hub && MathJax.isReady && MathJax.Hub.queue.pending === 0",
                    timeout=120_000,
                )
            except Exception as exc:  # noqa: BLE001 - 어느 페이지인지 적고 다음 페이지를 본다
                problems.append(f"{rel}: 수식 조판이 끝나지 않음 ({type(exc).__name__})")
                continue
        body = page.inner_text("body")
        if page.locator(".MathJax_Error, .merror").count() or "Math Processing Error" in body:
            problems.append(f"{rel}: 수식 오류")
        js = "els => els.map(e => e.complete ? e.naturalWidth : -1)"
        widths = page.eval_on_selector_all("article img", js)
        if any(w <= 0 for w in widths):
            problems.append(f"{rel}: 그림 {sum(w <= 0 for w in widths)}개가 보이지 않음")
    assert problems == [], problems
    assert page.guard.outside == [], page.guard.outside
    # jupyter-server-mathjax 는 STIX-Web 글꼴만 싣는다. MathJax 2 는 STIX-Web 에 없는 몇몇 기호에서 TeX 글꼴(otf)을 한 번
    # 찾아보고(로컬 404) 다른 글꼴로 그린다: 그 요청만 예외로 두고, 수식 오류가 없다는 것은 위에서 확인했다.
    failed = [f for f in page.guard.failed if "/_static/mathjax/fonts/HTML-CSS/TeX/" not in f]
    assert failed == [], failed
