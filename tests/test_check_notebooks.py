"""노트북 위생 검사 도구(tools/check_notebooks.py)가 문제를 실제로 잡아내는지 확인한다."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("check_notebooks", ROOT / "tools" / "check_notebooks.py")
check_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_notebooks)

FIRST = "# 99. 시험\n\n## 학습 목표\n- 하나\n\n**선수 노트북**: 없음 · **예상 실행 시간**: 1초"
LAST = "## 요약\n- 끝\n\n## 연습문제\n1. 없음\n\n## 더 읽을거리\n- 없음"


def _nb(cells: list[dict], kernel: str = "python3") -> dict:
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"name": kernel, "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _md(src: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": src}


def _code(src: str, count: int | None, outputs: list | None = None, tags: list | None = None) -> dict:
    meta = {"tags": tags} if tags else {}
    return {
        "cell_type": "code",
        "metadata": meta,
        "source": src,
        "execution_count": count,
        "outputs": outputs or [],
    }


def _write(tmp_path: Path, nb: dict, name: str = "99_test_nb.ipynb") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    return path


def _good_cells() -> list[dict]:
    return [
        _md(FIRST),
        _code("from llmnotes.nb import setup\nsetup()", 1),
        _code("print(1)", 2, [{"output_type": "stream", "name": "stdout", "text": "1\n"}]),
        _md(LAST),
    ]


def test_clean_notebook_passes(tmp_path):
    assert check_notebooks.check(_write(tmp_path, _nb(_good_cells()))) == []


def test_execution_counts_must_run_1_to_n(tmp_path):
    cells = _good_cells()
    cells[2]["execution_count"] = 5
    problems = check_notebooks.check(_write(tmp_path, _nb(cells)))
    assert any("실행 번호 5, 기대 2" in p for p in problems)


def test_untagged_error_output_is_flagged_and_tagged_is_allowed(tmp_path):
    err = {"output_type": "error", "ename": "ValueError", "evalue": "x", "traceback": []}
    cells = _good_cells()
    cells[2]["outputs"] = [err]
    assert any("raises-exception" in p for p in check_notebooks.check(_write(tmp_path, _nb(cells))))
    cells[2]["metadata"] = {"tags": ["raises-exception"]}
    assert check_notebooks.check(_write(tmp_path, _nb(cells))) == []


@pytest.mark.parametrize(
    "text", ["/home/kim/llm/x.py", "C:\\\\Users\\\\kim", "/tmp/abc123", "lib/site-packages/torch"]
)
def test_machine_paths_are_flagged(tmp_path, text):
    cells = _good_cells()
    cells[2]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": text}]
    assert any("기계별 경로" in p for p in check_notebooks.check(_write(tmp_path, _nb(cells))))


def test_kernelspec_size_timing_and_structure(tmp_path):
    cells = _good_cells()
    cells[2]["metadata"] = {"execution": {"iopub.execute_input": "2026-01-01"}}
    cells[2]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "가" * 200_000}]
    problems = check_notebooks.check(_write(tmp_path, _nb(cells, kernel="julia")))
    joined = "\n".join(problems)
    assert "kernelspec" in joined and "실행 시간 메타데이터" in joined and "출력 전체" in joined


def test_missing_sections_and_bad_title(tmp_path):
    cells = [_md("# 제목 없음"), _code("print(1)", 1)]
    joined = "\n".join(check_notebooks.check(_write(tmp_path, _nb(cells), name="Bad Name.ipynb")))
    for needle in ("파일 이름", "'# NN. 제목'", "setup()", "'요약'", "'연습문제'", "'더 읽을거리'"):
        assert needle in joined


def test_pip_install_cell_is_flagged(tmp_path):
    cells = _good_cells()
    cells[2]["source"] = "!pip install torch"
    assert any("pip install" in p for p in check_notebooks.check(_write(tmp_path, _nb(cells))))


def test_main_exit_code(tmp_path, capsys):
    good = _write(tmp_path, _nb(_good_cells()))
    assert check_notebooks.main([str(good)]) == 0
    bad = _write(tmp_path, _nb([_md("x")]), name="98_bad.ipynb")
    assert check_notebooks.main([str(good), str(bad)]) == 1
    assert "문제 있는 노트북 1개" in capsys.readouterr().out


@pytest.mark.parametrize(
    "src, ok",
    [
        ("loss = 1.0\nprint(loss)", False),
        ("loss = 1.0\n# assert loss < 2\nprint('assert')", False),
        ("loss = 1.0\nassert 0.5 < loss < 2.0", True),
        ("import torch\ntorch.testing.assert_close(torch.ones(1), torch.ones(1))", True),
        ("%time x = 1\nassert x == 1", True),
        ("def f(:\n  assert True", False),
    ],
)
def test_ignored_output_needs_an_assertion(tmp_path, src, ok):
    cells = _good_cells()
    cells[2] = _code(src, 2, [], tags=["nbval-ignore-output"])
    problems = check_notebooks.check(_write(tmp_path, _nb(cells)))
    flagged = any("nbval-ignore-output" in p and "assert" in p for p in problems)
    assert flagged is not ok, problems


def test_timing_cells_are_exempt_only_when_they_measure_time(tmp_path):
    cells = _good_cells()
    cells[2] = _code(
        "import time\nt0 = time.perf_counter()\nprint(1)", 2, [], tags=["nbval-ignore-output", "timing"]
    )
    assert check_notebooks.check(_write(tmp_path, _nb(cells))) == []
    cells[2] = _code("print(1)", 2, [], tags=["nbval-ignore-output", "timing"])
    problems = check_notebooks.check(_write(tmp_path, _nb(cells)))
    assert any("시간을 재는 코드가 없음" in p for p in problems)
    assert any("assert" in p for p in problems) is False
