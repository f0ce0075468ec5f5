"""노트북 하나를 인터넷 없이 열리는 정적 reveal.js 슬라이드로 내보낸다 (``make slides NB=...``).

사용법: python tools/slides.py notebooks/NN_slug.ipynb [--out build/slides]

- 노트북을 다시 실행하지 않는다: 저장된 출력이 그대로 슬라이드에 들어간다.
- 슬라이드 나누기는 ``tools/nbmeta.py`` 의 규칙(``##`` 제목마다 새 슬라이드, 코드는 한 단계씩)을 메모리에서 적용해 쓴다.
  노트북 파일은 바꾸지 않는다.
- reveal.js 는 저장소의 ``book/vendor/reveal.js`` (npm reveal.js 5.2.1), MathJax 는 pip 패키지 ``jupyter-server-mathjax``,
  한글 글꼴은 ``koreanize-matplotlib`` 의 나눔고딕을 덱 옆에 복사한다. 그래서 폴더째 다른 컴퓨터로 옮겨도 된다.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "book"))

import bookassets as assets  # noqa: E402  (book/bookassets.py)
from nbmeta import normalise  # noqa: E402

TEMPLATE_DIR = ROOT / "book" / "slides_template"


def export(notebook: Path, out_dir: Path) -> Path:
    """``notebook`` 을 ``out_dir/NN_slug.slides.html`` 로 내보내고 필요한 파일을 옆에 복사한다. 만든 파일 경로를 돌려준다."""
    import nbformat
    from nbconvert import SlidesExporter

    notebook = Path(notebook)
    if notebook.suffix != ".ipynb" or not notebook.is_file():
        raise ValueError(f"notebook 은 있는 .ipynb 파일이어야 합니다: {str(notebook)!r}")
    nb = nbformat.reads(json.dumps(normalise(json.loads(notebook.read_text(encoding="utf-8")))), as_version=4)
    exporter = SlidesExporter(
        template_name="llmnotes-reveal",
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        reveal_url_prefix="reveal.js",
        reveal_theme="white",
        reveal_scroll=True,
        reveal_number="c/t",
        mathjax_url="mathjax/" + assets.MATHJAX_QUERY,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": notebook.stem}})
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{notebook.stem}.slides.html"
    target.write_text(body, encoding="utf-8")
    assets.copy_reveal(out_dir / "reveal.js")
    assets.copy_mathjax(out_dir / "mathjax")
    assets.write_webfonts(out_dir / "fonts")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "slides")
    args = parser.parse_args(argv)
    for nb in args.notebooks:
        target = export(nb, args.out)
        print(f"{nb.name} → {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
