"""노트북 위생 검사: 실행 번호 1..N, 태그 없는 오류 출력 금지, 기계별 경로 금지, 크기 제한, kernelspec, 메타데이터,
출력 비교를 끈 셀(nbval-ignore-output)에는 그 셀의 의미를 확인하는 assert 가 있어야 한다 (tools/OUTPUT_POLICY.md).

사용법: python tools/check_notebooks.py [노트북 ...]   (인자가 없으면 notebooks/ 의 모든 노트북)
문제가 있으면 노트북과 셀 번호를 적어 출력하고 1 로 끝난다.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_OUTPUT_BYTES = 300_000  # 셀 출력 전체
MAX_FILE_BYTES = 2_000_000
NAME_RE = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")
TITLE_RE = re.compile(r"^# (\d\d)\. \S")
# 기계마다 다른 경로: 홈 폴더, 임시 폴더, 가상환경, site-packages, 윈도 사용자 폴더
PATH_RE = re.compile(
    r"(/home/[\w.-]+|/root/|/Users/[\w.-]+|/tmp/[\w.-]+|/work/|/private/var/|site-packages|\.venv/|[A-Za-z]:\\\\Users)"
)
# 한국어 문체(조사 띄어쓰기, 용어집 용어) 검사: tools/korean_style.py, 고치기는 그 파일의 --fix
_ks_spec = importlib.util.spec_from_file_location("korean_style", Path(__file__).with_name("korean_style.py"))
korean_style = importlib.util.module_from_spec(_ks_spec)
_ks_spec.loader.exec_module(korean_style)
TIMING_KEYS = {"execution", "ExecuteTime", "collapsed_timing"}
REQUIRED_SECTIONS = ("학습 목표", "요약", "연습문제", "더 읽을거리")
IGNORE_TAG = "nbval-ignore-output"
# 시간을 재는 셀은 결과를 assert 할 수 없다 (타이밍은 검사에 넣지 않는다). 그런 셀은 'timing' 태그를 함께 달고,
# 실제로 시간을 재는 코드(perf_counter, timeit 등)가 셀에 있어야 한다.
TIMING_TAG = "timing"
TIMING_SRC_RE = re.compile(r"perf_counter|process_time|timeit|time\.time\(|monotonic")
# assert 문 말고도 이 이름으로 끝나는 함수 호출은 '의미를 확인하는 검사'로 인정한다
# (torch.testing.assert_close, np.testing.assert_allclose, check_shape 는 실패하면 예외를 낸다).
ASSERT_CALL_RE = re.compile(r"^(assert_\w*|check_shape)$")


def has_assertion(src: str) -> bool:
    """셀 소스에 실제로 실행되는 검사(assert 문, assert_* 호출)가 있는지 본다. 주석·문자열 속 assert 는 세지 않는다."""
    # IPython 매직(%time, !cmd)은 파이썬 문법이 아니므로 빼고 파싱한다.
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in src.splitlines()]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if ASSERT_CALL_RE.match(name):
                return True
    return False


def _text_of(output: dict) -> str:
    parts = []
    if "text" in output:
        parts.append("".join(output["text"]) if isinstance(output["text"], list) else output["text"])
    for mime, val in output.get("data", {}).items():
        if mime.startswith("text/") or mime == "application/json":
            parts.append("".join(val) if isinstance(val, list) else str(val))
    if output.get("output_type") == "error":
        parts.append("\n".join(output.get("traceback", [])))
    return "\n".join(parts)


def check(path: Path) -> list[str]:
    problems: list[str] = []
    name = path.name
    if not NAME_RE.match(name):
        problems.append(f"파일 이름이 NN_slug.ipynb (ASCII 소문자) 형식이 아님: {name}")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        problems.append(f"파일 크기 {size} B > {MAX_FILE_BYTES} B")
    nb = json.loads(path.read_text(encoding="utf-8"))
    ks = nb.get("metadata", {}).get("kernelspec", {})
    if ks.get("name") != "python3":
        problems.append(f"kernelspec 이름이 python3 가 아님: {ks.get('name')!r}")
    if "widgets" in nb.get("metadata", {}):
        problems.append("노트북 메타데이터에 widgets 상태가 남아 있음")
    cells = nb.get("cells", [])
    if not cells or cells[0].get("cell_type") != "markdown":
        problems.append("첫 셀이 마크다운이 아님")
    else:
        first = "".join(cells[0]["source"])
        m = TITLE_RE.match(first)
        if not m:
            problems.append("첫 셀이 '# NN. 제목' 으로 시작하지 않음")
        elif m.group(1) != name[:2]:
            problems.append(f"제목 번호 {m.group(1)} 가 파일 번호 {name[:2]} 와 다름")
        for word in ("학습 목표", "선수 노트북", "예상 실행 시간"):
            if word not in first:
                problems.append(f"첫 셀에 '{word}' 가 없음")
    code_cells = [c for c in cells if c.get("cell_type") == "code"]
    if code_cells and "setup()" not in "".join(code_cells[0]["source"]):
        problems.append("첫 코드 셀이 llmnotes.nb.setup() 을 부르지 않음")
    all_md = "\n".join("".join(c["source"]) for c in cells if c.get("cell_type") == "markdown")
    for word in REQUIRED_SECTIONS[1:]:
        if word not in all_md:
            problems.append(f"'{word}' 절이 없음")
    expected = 1
    out_bytes = 0
    for idx, cell in enumerate(cells):
        meta = cell.get("metadata", {})
        for key in TIMING_KEYS & set(meta):
            problems.append(f"셀 {idx}: 실행 시간 메타데이터 '{key}' 가 남아 있음")
        if cell.get("cell_type") != "code":
            continue
        tags = set(meta.get("tags", []))
        if "skip-execution" in tags:
            continue
        count = cell.get("execution_count")
        if count != expected:
            problems.append(
                f"셀 {idx}: 실행 번호 {count}, 기대 {expected} (tools/regen.py 로 다시 실행하세요)"
            )
        expected = (count or expected) + 1
        for out in cell.get("outputs", []):
            out_bytes += len(json.dumps(out, ensure_ascii=False).encode("utf-8"))
            if out.get("output_type") == "error" and "raises-exception" not in tags:
                problems.append(f"셀 {idx}: 오류 출력 ({out.get('ename')}) 인데 raises-exception 태그가 없음")
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = _text_of(out)
                if "Warning" in text and "nbval-ignore-output" not in tags:
                    problems.append(f"셀 {idx}: 경고가 출력됨: {text.strip().splitlines()[0][:100]}")
            m = PATH_RE.search(_text_of(out))
            if m:
                problems.append(f"셀 {idx}: 기계별 경로가 출력에 있음: {m.group(0)!r}")
        src = "".join(cell["source"])
        if TIMING_TAG in tags and not TIMING_SRC_RE.search(src):
            problems.append(f"셀 {idx}: '{TIMING_TAG}' 태그가 있는데 시간을 재는 코드가 없음")
        if IGNORE_TAG in tags and TIMING_TAG not in tags and not has_assertion(src):
            problems.append(
                f"셀 {idx}: 출력 비교를 끈 셀({IGNORE_TAG})인데 의미를 확인하는 assert 가 없음 (tools/OUTPUT_POLICY.md)"
            )
        if re.search(r"^\s*[!%]pip install", src, re.M):
            problems.append(f"셀 {idx}: 노트북 안에서 pip install 을 하지 않는다")
    problems += [f"문체: {msg}" for msg in korean_style.check_file(path)]
    if out_bytes > MAX_OUTPUT_BYTES:
        problems.append(f"출력 전체 {out_bytes} B > {MAX_OUTPUT_BYTES} B")
    return problems


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    failed = 0
    for p in paths:
        problems = check(p)
        if problems:
            failed += 1
            for msg in problems:
                print(f"{p.name}: {msg}")
    print(f"노트북 {len(paths)}개 검사, 문제 있는 노트북 {failed}개")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
