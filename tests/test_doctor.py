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
