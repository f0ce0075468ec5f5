"""책(book/conf.py)과 슬라이드(tools/slides.py)가 함께 쓰는 오프라인 자산: MathJax, 한글 웹 글꼴, reveal.js.

모두 이미 설치된 패키지나 저장소 안의 파일에서 가져온다. 인터넷에서 받는 것은 없다.
"""

from __future__ import annotations

import shutil
from pathlib import Path

BOOK_DIR = Path(__file__).resolve().parent
REVEAL_DIR = BOOK_DIR / "vendor" / "reveal.js"
# jupyter-server-mathjax 에는 MathJax 2.7 의 이 설정과 HTML-CSS 출력, STIX-Web 글꼴이 들어 있다.
MATHJAX_QUERY = "MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
WEBFONTS = {"NanumGothic.ttf": 400, "NanumGothicBold.ttf": 700}


def mathjax_dir() -> Path:
    """pip 패키지 ``jupyter-server-mathjax`` 가 담고 있는 MathJax 2.7 폴더."""
    import jupyter_server_mathjax

    return Path(jupyter_server_mathjax.__file__).resolve().parent / "static"


def copy_mathjax(dest: Path) -> None:
    """MathJax 를 ``dest`` 에 복사한다 (이미 있으면 덮어쓴다)."""
    shutil.copytree(mathjax_dir(), dest, dirs_exist_ok=True)


def write_webfonts(dest: Path) -> list[Path]:
    """koreanize-matplotlib 의 나눔고딕을 브라우저가 읽는 TTF 로 ``dest`` 에 쓴다.

    원본 파일에는 길이 0 인 글꼴 힌팅 원본 표(TSI0–TSI5, VTT 도구용)가 있어 Chrome 의 글꼴 검사기(OTS)가 파일 전체를
    거부한다. 화면에 그리는 데 쓰이지 않는 그 표들만 빼고 저장한다 (글리프는 그대로).
    """
    import koreanize_matplotlib
    from fontTools.ttLib import TTFont

    src_dir = Path(koreanize_matplotlib.__file__).resolve().parent / "fonts"
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name in WEBFONTS:
        target = dest / name
        if not target.is_file():
            font = TTFont(src_dir / name)
            for tag in [t for t in font.keys() if t.startswith("TSI")]:
                del font[tag]
            font.save(target)
        written.append(target)
    return written


def copy_reveal(dest: Path) -> None:
    """저장소에 함께 둔 reveal.js 5.2.1 을 ``dest`` 에 복사한다."""
    shutil.copytree(REVEAL_DIR, dest, dirs_exist_ok=True)
