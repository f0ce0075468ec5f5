"""tools/nbmeta.py (슬라이드 메타데이터, 접힌 풀이, 노트북 메타데이터)와 tools/lab.py (make lab), tools/slides.py."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str):
    sys.path.insert(0, str(ROOT / "tools"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


nbmeta = _load("nbmeta")
lab = _load("lab")


def _cell(kind: str, src: str, tags=None, **meta) -> dict:
    cell = {"cell_type": kind, "id": f"c{abs(hash(src)) % 10**6}", "metadata": dict(meta), "source": src}
    if tags:
        cell["metadata"]["tags"] = tags
    if kind == "code":
        cell.update(execution_count=1, outputs=[])
    return cell


def _nb() -> dict:
    return {
        "cells": [
            _cell("markdown", "# 99. 시험\n\n## 학습 목표"),
            _cell("code", "from llmnotes.nb import setup\nsetup()"),
            _cell("markdown", "## 1. 첫 절\n설명"),
            _cell("markdown", "이어지는 설명"),
            _cell("code", "x = 1", tags=["nbval-ignore-output"]),
            _cell("markdown", "### 1.1 작은 절"),
            _cell("code", "print(42)", tags=["solution"], jupyter={"source_hidden": True}),
            _cell("markdown", "풀이 설명", tags=["solution"]),
        ],
        "metadata": {"kernelspec": {"name": "python3"}, "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_slide_types_follow_headings_and_code_is_fragments():
    out = nbmeta.normalise(_nb())
    kinds = [c["metadata"]["slideshow"]["slide_type"] for c in out["cells"]]
    assert kinds == ["slide", "skip", "slide", "-", "fragment", "subslide", "skip", "-"]
    assert out["cells"][4]["metadata"]["tags"] == ["nbval-ignore-output"]  # 다른 메타데이터는 그대로


def test_solutions_are_folded_with_their_outputs():
    out = nbmeta.normalise(_nb())
    code_sol, md_sol = out["cells"][6]["metadata"], out["cells"][7]["metadata"]
    assert code_sol["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
    assert code_sol["collapsed"] is True  # JupyterLab 이 출력을 접은 셀에 함께 적는 키
    assert md_sol["jupyter"] == {"source_hidden": True}
    assert "collapsed" not in md_sol


def test_notebook_metadata_is_what_jupyterlab_writes():
    md = nbmeta.normalise(_nb())["metadata"]
    assert md["kernelspec"] == {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    from ipykernel.ipkernel import IPythonKernel

    assert md["language_info"] == IPythonKernel.language_info  # 커널이 kernel_info 로 알려 주는 값과 같다


def test_normalise_is_idempotent_and_does_not_touch_sources_or_outputs():
    nb = _nb()
    once = nbmeta.normalise(nb)
    assert nbmeta.normalise(once) == once
    assert [c["source"] for c in once["cells"]] == [c["source"] for c in nb["cells"]]
    assert nb["cells"][0]["metadata"] == {}  # 입력은 바꾸지 않는다


def test_check_mode_reports_and_apply_writes(tmp_path, capsys):
    path = tmp_path / "99_test.ipynb"
    path.write_text(json.dumps(_nb(), ensure_ascii=False), encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    assert nbmeta.main([str(path)]) == 1
    assert path.read_text(encoding="utf-8") == before  # 점검만: 쓰지 않는다
    assert "슬라이드 메타데이터 8개 셀" in capsys.readouterr().out
    assert nbmeta.main(["--apply", str(path)]) == 0
    text = path.read_text(encoding="utf-8")
    assert text == nbmeta.dumps(json.loads(text))  # nbformat 과 같은 직렬화
    assert nbmeta.main([str(path)]) == 0


def test_nbmeta_rejects_non_notebook(tmp_path):
    with pytest.raises(SystemExit, match="노트북 파일이 아닌"):
        nbmeta.main([str(tmp_path / "nothing.txt")])
    with pytest.raises(ValueError, match="nb"):
        nbmeta.normalise({"metadata": {}})


def test_serialisation_matches_nbformat_on_a_real_notebook():
    import nbformat

    path = ROOT / "notebooks" / "00_getting_started.ipynb"
    text = path.read_text(encoding="utf-8")
    assert nbmeta.dumps(json.loads(text)) == nbformat.writes(nbformat.reads(text, as_version=4)) + "\n"


def test_lab_command_works_as_root_and_headless(tmp_path):
    cmd = lab.command(tmp_path, 8899, "tok", is_root=True)
    assert "--no-browser" in cmd and "--allow-root" in cmd
    assert "--ServerApp.ip=127.0.0.1" in cmd and "--ServerApp.port=8899" in cmd
    assert "--IdentityProvider.token=tok" in cmd
    settings = Path(next(a for a in cmd if a.startswith("--LabApp.app_settings_dir=")).split("=", 1)[1])
    overrides = json.loads((settings / "overrides.json").read_text(encoding="utf-8"))
    assert overrides["@jupyterlab/translation-extension:plugin"]["locale"] == "ko_KR"
    assert overrides["@jupyterlab/apputils-extension:notification"] == {
        "checkForUpdates": False,
        "fetchNews": "false",
    }
    assert "--allow-root" not in lab.command(tmp_path, 8899, "tok", is_root=False)


def test_lab_banner_prints_url_and_tunnel():
    text = lab.banner(8890, "abc")
    assert "http://127.0.0.1:8890/lab?token=abc" in text
    assert "ssh -N -L 8890:127.0.0.1:8890" in text


def test_lab_pick_port_skips_busy_ports():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert lab.pick_port(port) != port
    with pytest.raises(ValueError, match="LAB_PORT"):
        lab.pick_port(0)


def test_slides_export_is_offline_and_split_by_headings(tmp_path):
    slides = _load("slides")
    deck = slides.export(ROOT / "notebooks" / "00_getting_started.ipynb", tmp_path)
    html = deck.read_text(encoding="utf-8")
    assert "https://" not in "".join(
        line for line in html.splitlines() if "<script" in line or "<link" in line
    )
    assert (
        'src="reveal.js/dist/reveal.js"' in html and (tmp_path / "reveal.js" / "dist" / "reveal.js").is_file()
    )
    assert (tmp_path / "mathjax" / "MathJax.js").is_file()
    n_headings = sum(
        1
        for c in json.loads((ROOT / "notebooks" / "00_getting_started.ipynb").read_text(encoding="utf-8"))[
            "cells"
        ]
        if c["cell_type"] == "markdown" and "".join(c["source"]).startswith(("# ", "## "))
    )
    assert html.count("<section") >= n_headings
    with pytest.raises(ValueError, match="notebook"):
        slides.export(tmp_path / "none.ipynb", tmp_path)
