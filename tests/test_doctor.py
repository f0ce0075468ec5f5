"""llmnotes doctor: 정상 환경 보고, 실패를 이름으로 보고, 어떤 예외에도 죽지 않음."""

from __future__ import annotations

import subprocess
import sys

from llmnotes import cli, doctor
from llmnotes.doctor import Check, report, run_checks


def test_doctor_reports_all_ok_here(capsys):
    code = doctor.main()
    out = capsys.readouterr().out
    assert code == 0, out
    assert "모두 준비되었습니다." in out
    for name in ("Python", "PyTorch", "한국어 글꼴", "Kiwi", "헌법 본문 130개 조"):
        assert name in out


def test_doctor_names_what_is_missing_and_never_crashes():
    def broken() -> Check:
        raise RuntimeError("망가짐")

    def missing() -> Check:
        return Check("가짜 글꼴", False, "없음")

    results = run_checks(
        [("망가진 점검", broken, True), ("가짜 글꼴", missing, True), ("Python", doctor._python, True)]
    )
    assert [r.ok for r in results] == [False, False, True]
    assert "RuntimeError: 망가짐" in results[0].detail
    text = report(results)
    assert "문제 있음: 망가진 점검, 가짜 글꼴" in text


def test_optional_failure_does_not_fail_exit(monkeypatch, capsys):
    monkeypatch.setattr(doctor, "CHECKS", [("선택 항목", lambda: Check("선택 항목", False, "없음"), False)])
    assert doctor.main() == 0
    assert "⚠️" in capsys.readouterr().out


def test_required_failure_gives_nonzero_exit(monkeypatch, capsys):
    monkeypatch.setattr(doctor, "CHECKS", [("필수 항목", lambda: Check("필수 항목", False, "없음"), True)])
    assert doctor.main() == 1
    assert "문제 있음: 필수 항목" in capsys.readouterr().out


def test_console_script_entry_point():
    # 설치된 콘솔 스크립트가 cli.main 을 가리키고, 명령 목록에 doctor 가 있다 (doctor 자체는 위에서 실행했다).
    proc = subprocess.run(
        [sys.executable, "-m", "llmnotes.cli", "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "doctor" in proc.stdout
    from importlib.metadata import entry_points

    eps = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert eps.get("llmnotes") == "llmnotes.cli:main"


def test_cli_rejects_unknown_command(capsys):
    import pytest

    with pytest.raises(SystemExit) as exc:
        cli.main(["없는명령"])
    assert exc.value.code == 2


def test_main_shows_progress_and_machine_checks(capsys):
    doctor.main()
    captured = capsys.readouterr()
    n = len(doctor.CHECKS) + len(doctor.MACHINE_CHECKS)
    assert f"[1/{n}] Python 점검 중" in captured.err and f"[{n}/{n}]" in captured.err
    for name in ("JupyterLab", "모델 체크포인트", "남은 디스크", "스레드"):
        assert name in captured.out
    assert "SHA-256이 recipe.json과 일치" in captured.out


def test_checkpoint_hashes_catch_changed_and_missing_files(tmp_path):
    import hashlib
    import json

    model = tmp_path / "toy"
    model.mkdir()
    (model / "w.bin").write_bytes(b"weights")
    (model / "c.json").write_text("{}")
    digests = {n: hashlib.sha256((model / n).read_bytes()).hexdigest() for n in ("w.bin", "c.json")}
    # 레시피마다 다른 키 이름(files / sha256)을 모두 읽는다
    (model / "recipe.json").write_text(
        json.dumps({"files": {"w.bin": digests["w.bin"]}, "sha256": {"c.json": digests["c.json"]}})
    )
    assert doctor.verify_checkpoints(tmp_path) == (1, 2, [])
    (model / "w.bin").write_bytes(b"weightz")
    (model / "c.json").unlink()
    n_models, n_files, problems = doctor.verify_checkpoints(tmp_path)
    assert (n_models, n_files) == (1, 2)
    assert problems == ["toy/c.json 없음", "toy/w.bin 해시 불일치"]


def test_failed_check_prints_its_fix():
    text = report([Check("가짜", False, "없음", True, fix="pip install 가짜")])
    assert "→ 고치는 법: pip install 가짜" in text
    ok_text = report([Check("가짜", True, "있음", True, fix="쓰이지 않음")])
    assert "고치는 법" not in ok_text


def test_browser_font_missing_gives_install_command(monkeypatch):
    class Empty:
        stdout = ""

    monkeypatch.setattr(doctor.platform, "system", lambda: "Linux")
    monkeypatch.setattr(doctor.shutil, "which", lambda name: "/usr/bin/fc-list")
    monkeypatch.setattr(doctor.subprocess, "run", lambda *a, **k: Empty())
    res = doctor._browser_font()
    assert not res.ok and not res.required and "fonts-nanum" in res.fix
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
    assert "fonts-nanum" in doctor._browser_font().fix


def test_low_disk_is_a_warning_with_a_fix(monkeypatch):
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(doctor.shutil, "disk_usage", lambda path: usage(10e9, 9.5e9, 0.5e9))
    res = doctor._disk()
    assert not res.ok and not res.required and "0.5 GB" in res.detail and res.fix


def test_notebook_table_uses_words_not_emoji():
    t = doctor.table([Check("A", True, "x"), Check("B", False, "y"), Check("C", False, "z", required=False)])
    assert [r[0] for r in t.rows] == ["통과", "실패", "주의"]
    assert "✅" not in t._repr_html_()
