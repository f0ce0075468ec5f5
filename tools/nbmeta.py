"""노트북 메타데이터를 정해진 규칙대로 맞춘다: 슬라이드 종류, 접힌 풀이, JupyterLab 이 저장할 때 쓰는 노트북 메타데이터.

사용법:
    python tools/nbmeta.py [--apply] [노트북 ...]   (인자가 없으면 notebooks/ 의 모든 NN_*.ipynb)

``--apply`` 가 없으면 아무것도 쓰지 않고 바뀔 노트북과 이유만 출력한 뒤, 바뀔 것이 있으면 1 로 끝난다 (CI 점검용).
셀의 소스와 출력은 건드리지 않는다: 메타데이터만 바꾸므로 다시 실행(regen)할 필요가 없다.

규칙 (결정적이며, 두 번 적용해도 결과가 같다):
1. 슬라이드 (RISE, ``make slides``): ``slideshow.slide_type`` 을 모든 셀에 적는다.
   - ``#`` 또는 ``##`` 제목으로 시작하는 마크다운 셀은 새 슬라이드(``slide``), ``###`` 는 아래 방향 슬라이드(``subslide``),
     그 밖의 마크다운은 앞 슬라이드에 이어 붙는다(``-``).
   - 코드 셀은 한 단계씩 나타나는 조각(``fragment``). 첫 코드 셀(``setup()``)과 ``solution`` 태그가 붙은 셀은 강의 화면에서
     뺀다(``skip``).
2. 풀이 셀: ``solution`` 태그가 붙은 코드 셀은 ``jupyter.source_hidden`` 과 ``jupyter.outputs_hidden`` 을 모두 ``true`` 로
   (답이 출력으로 보이지 않게), 그리고 JupyterLab 이 출력을 접은 셀에 함께 적는 ``collapsed: true`` 도 적는다.
   마크다운 풀이 셀은 ``source_hidden`` 만 ``true`` 로.
3. 노트북 메타데이터: JupyterLab 이 ipykernel 커널에 연결하면 적어 넣는 ``kernelspec`` 과 ``language_info`` 전체를 미리
   같은 값으로 적어 둔다. 그래서 노트북을 열고 저장해도 파일이 바뀌지 않는다. (``language_info.version`` 은 이 도구를
   실행한 Python 의 버전이다: 다른 버전의 Python 으로 열면 그 한 줄은 바뀐다.)
파일은 nbformat 과 JupyterLab(jupyter_server)이 쓰는 형식 그대로(들여쓰기 1, 키 정렬, ASCII 이스케이프 없음) 저장한다.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def language_info() -> dict:
    """ipykernel 이 kernel_info 응답으로 보내는 language_info (JupyterLab 이 저장할 때 그대로 적는다)."""
    return {
        "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": f"ipython{sys.version_info[0]}",
        "version": sys.version.split()[0],
    }


def slide_type(cell: dict, is_first_code: bool) -> str:
    """셀 하나의 ``slideshow.slide_type`` (규칙 1)."""
    src = "".join(cell.get("source", []))
    first = src.lstrip("\n").split("\n", 1)[0]
    if cell.get("cell_type") == "markdown":
        if first.startswith(("# ", "## ")):
            return "slide"
        if first.startswith("### "):
            return "subslide"
        return "-"
    if cell.get("cell_type") == "code":
        if is_first_code or "solution" in cell.get("metadata", {}).get("tags", []):
            return "skip"
        return "fragment"
    return "skip"


def normalise(nb: dict) -> dict:
    """규칙 1–3 을 적용한 새 노트북 dict 를 돌려준다 (입력은 바꾸지 않는다)."""
    if not isinstance(nb, dict) or "cells" not in nb:
        raise ValueError(f"nb 는 nbformat 4 노트북 dict 여야 합니다: {type(nb).__name__}")
    out = copy.deepcopy(nb)
    seen_code = False
    for cell in out["cells"]:
        meta = cell.setdefault("metadata", {})
        is_first_code = cell.get("cell_type") == "code" and not seen_code
        seen_code = seen_code or cell.get("cell_type") == "code"
        meta["slideshow"] = {"slide_type": slide_type(cell, is_first_code)}
        if "solution" in meta.get("tags", []):
            jup = meta.setdefault("jupyter", {})
            jup["source_hidden"] = True
            if cell.get("cell_type") == "code":
                jup["outputs_hidden"] = True
                meta["collapsed"] = True  # JupyterLab 은 출력을 접은 셀에 이 옛 키도 함께 적어 저장한다
    md = out.setdefault("metadata", {})
    md["kernelspec"] = dict(KERNELSPEC)
    md["language_info"] = language_info()
    return out


def dumps(nb: dict) -> str:
    """nbformat.writes 와 같은 직렬화 (jupyter_server 도 이것으로 저장한다)."""
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False, separators=(",", ": ")) + "\n"


def describe(old: dict, new: dict) -> list[str]:
    """무엇이 바뀌는지 사람이 읽는 설명."""
    notes = []
    if old.get("metadata") != new.get("metadata"):
        notes.append("노트북 메타데이터(kernelspec/language_info)")
    n_slide = sum(
        o.get("metadata", {}).get("slideshow") != c["metadata"]["slideshow"]
        for o, c in zip(old["cells"], new["cells"])
    )
    if n_slide:
        notes.append(f"슬라이드 메타데이터 {n_slide}개 셀")
    n_sol = sum(
        o.get("metadata", {}).get("jupyter") != c["metadata"].get("jupyter")
        for o, c in zip(old["cells"], new["cells"])
    )
    if n_sol:
        notes.append(f"풀이 셀 접기 {n_sol}개 셀")
    return notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--apply", action="store_true", help="바꾼 내용을 파일에 쓴다 (없으면 점검만)")
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.paths or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    changed = 0
    for path in paths:
        if path.suffix != ".ipynb" or not path.is_file():
            raise SystemExit(f"paths 에 노트북 파일이 아닌 것이 있습니다: {str(path)!r}")
        text = path.read_text(encoding="utf-8")
        old = json.loads(text)
        new = normalise(old)
        new_text = dumps(new)
        if new_text == text:
            continue
        changed += 1
        notes = describe(old, new) or ["직렬화 형식"]
        verb = "고침" if args.apply else "바뀔 것"
        print(f"{path.name}: {verb}: {', '.join(notes)}")
        if args.apply:
            path.write_text(new_text, encoding="utf-8")
    print(f"노트북 {len(paths)}개 중 {changed}개 {'고침' if args.apply else '바뀔 것이 있음'}")
    return 0 if (args.apply or changed == 0) else 1


if __name__ == "__main__":
    raise SystemExit(main())
