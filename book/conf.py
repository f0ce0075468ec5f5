"""오프라인 HTML 책 (``make book``) 의 Sphinx 설정.

- 원본 폴더는 저장소 루트이고, 책에 들어가는 것은 ``include_patterns`` 에 적은 것뿐이다: 노트북, 용어집, 데이터시트,
  이 폴더의 첫 페이지와 교육과정 지도.
- 노트북은 다시 실행하지 않는다 (``nb_execution_mode = "off"``): 커밋된 출력이 그대로 책에 들어간다.
- 수식은 pip 패키지 ``jupyter-server-mathjax`` 에 들어 있는 MathJax 2.7 을 ``_static/mathjax`` 로 복사해 쓴다 (CDN 없음).
- 검색: Sphinx 에는 한국어 검색 언어가 없어, Kiwi 형태소 분석으로 "어텐션은" → "어텐션" 처럼 조사를 떼어 색인한다.
- 출력은 ``build/book`` 에만 쓴다. 저장소의 추적되는 파일에는 아무것도 쓰지 않는다.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from sphinx.search import SearchLanguage

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book"))

import bookassets as assets  # noqa: E402  (book/bookassets.py: MathJax, 한글 웹 글꼴)

project = "llmnotes: 한국어로 배우는 LLM"
author = "llmnotes developers"
copyright = "llmnotes developers"
language = "ko"

extensions = ["myst_nb"]
root_doc = "book/index"
# LLMNOTES_BOOK_ONLY="05_attention 07_pretraining" 처럼 주면 그 노트북만 넣는다 (개발·테스트용 작은 책).
_ONLY = os.environ.get("LLMNOTES_BOOK_ONLY", "").split()
include_patterns = [
    "book/index.md",
    "book/curriculum.md",
    *([f"notebooks/{name}.ipynb" for name in _ONLY] if _ONLY else ["notebooks/[0-9][0-9]_*.ipynb"]),
    "notebooks/GLOSSARY.md",
    "data/README.md",
    "data/**/README.md",
]
exclude_patterns = [".venv", "build", "**/.ipynb_checkpoints", "src", "tests", "benchmarks", "tools"]

# 노트북: 저장된 출력 그대로 (실행하지 않는다)
nb_execution_mode = "off"
nb_output_stderr = "show"
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
# MathJax 2 를 쓰므로 myst 가 MathJax 3·4 용 설정(window.MathJax = {options: ...})을 넣지 않게 한다.
myst_update_mathjax = False
# 데이터시트가 저장소의 코드 파일(책 밖)을 가리키는 링크는 책에서 따라갈 수 없다: 경고로 빌드를 멈추지 않는다.
suppress_warnings = ["myst.xref_missing", "myst.header", "misc.highlighting_failure", "toc.not_included"]

# 수식: 로컬 MathJax 2.7 (jupyter-server-mathjax 패키지). HTML-CSS 출력 + STIX-Web 글꼴이 그 패키지에 들어 있다.
mathjax_path = "mathjax/" + assets.MATHJAX_QUERY
mathjax2_config = {
    "tex2jax": {
        "inlineMath": [["\\(", "\\)"]],
        "displayMath": [["\\[", "\\]"]],
        "processEscapes": True,
        "processEnvironments": True,
    },
    "HTML-CSS": {"availableFonts": [], "webFont": "STIX-Web", "imageFont": None, "preferredFont": None},
    "messageStyle": "none",
    "menuSettings": {"zoom": "None"},
}
mathjax3_config = None

html_theme = "sphinx_book_theme"
html_title = "llmnotes"
html_theme_options = {
    "show_prev_next": True,
    "use_download_button": True,
    "use_fullscreen_button": True,
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "navigation_with_keys": True,
}
html_static_path = ["_static"]
html_css_files = ["llmnotes.css"]
html_copy_source = False
html_last_updated_fmt = None
html_search_language = "ko"


class SearchKorean(SearchLanguage):
    """한국어 검색 색인: 단어 그대로와 함께 Kiwi 형태소(체언·어근·외국어)를 색인해 조사가 붙은 말도 찾게 한다."""

    lang = "ko"
    language_name = "Korean"
    _KEEP = ("NNG", "NNP", "NR", "XR", "SL", "SH", "VV", "VA")

    _kiwi = None

    def split(self, input: str) -> list[str]:
        words = re.findall(r"\w+", input)
        extra: list[str] = []
        if re.search(r"[가-힣]", input):
            if SearchKorean._kiwi is None:
                from kiwipiepy import Kiwi

                SearchKorean._kiwi = Kiwi()
            for tok in SearchKorean._kiwi.tokenize(input):
                if tok.tag in self._KEEP:
                    extra.append(tok.form)
        return words + extra

    def word_filter(self, word: str) -> bool:
        return len(word) > 1 and not word.isdigit()

    def stem(self, word: str) -> str:
        return word.lower()


# ---------------------------------------------------------------- 교육과정 지도: 노트북 첫 셀에서 만든다
_PREREQ_RE = re.compile(r"\*\*선수 노트북\*\*:\s*(.*?)(?:&nbsp;|$)", re.M)
_TIME_RE = re.compile(r"\*\*예상 실행 시간\*\*:\s*([^\n]*)")


def curriculum_table() -> str:
    """노트북마다 번호·제목·선수 노트북·예상 실행 시간·학습 목표 수를 마크다운 표로 만든다."""
    rows = ["| 번호 | 노트북 | 선수 노트북 | 예상 실행 시간 |", "|---|---|---|---|"]
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        first = "".join(nb["cells"][0]["source"])
        title = first.split("\n", 1)[0].lstrip("# ").strip()
        prereq = _PREREQ_RE.search(first)
        secs = _TIME_RE.search(first)
        rows.append(
            f"| {path.name[:2]} | [{title}](/notebooks/{path.stem}.ipynb) "
            f"| {prereq.group(1).strip() if prereq else '-'} | {secs.group(1).strip() if secs else '-'} |"
        )
    return "\n".join(rows) + "\n"


def _source_read(app, docname: str, source: list[str]) -> None:
    if docname == "book/curriculum":
        source[0] = source[0].replace("<!-- CURRICULUM_TABLE -->", curriculum_table())


def _build_finished(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    assets.copy_mathjax(out / "_static" / "mathjax")
    assets.write_webfonts(out / "_static" / "fonts")
    (out / "index.html").write_text(
        '<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8">'
        '<meta http-equiv="refresh" content="0; url=book/index.html"><title>llmnotes</title></head>'
        '<body><a href="book/index.html">llmnotes 책으로 가기</a></body></html>\n',
        encoding="utf-8",
    )


def setup(app):
    app.add_search_language(SearchKorean)
    app.connect("source-read", _source_read)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True}
