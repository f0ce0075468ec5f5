"""``make lab``: JupyterLab 을 어디서나(root 계정, 화면 없는 서버, Docker, WSL) 같은 방법으로 띄운다.

- 브라우저를 스스로 열지 않는다(``--no-browser``). 대신 열 주소(토큰 포함)와, 원격 서버라면 내 컴퓨터에서 실행할
  SSH 터널 명령을 먼저 출력한다. 주소는 127.0.0.1 에만 열어 같은 망의 다른 사람이 들어올 수 없다.
- root 로 실행하면 ``--allow-root`` 를 붙인다 (Docker·클라우드 VM 은 흔히 root 다).
- JupyterLab 설정 기본값(한국어 화면, 뉴스·업데이트 알림 끄기)은 ``tools/jupyterlab/settings/overrides.json``.

환경 변수: ``LAB_PORT`` (기본 8888, 쓰이고 있으면 다음 빈 포트), ``JUPYTER_TOKEN`` (기본: 실행마다 새 무작위 토큰),
``LAB_IP`` (기본 127.0.0.1; Docker 컨테이너 밖에서 접속하려면 0.0.0.0).
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_DIR = ROOT / "tools" / "jupyterlab" / "settings"


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_port(start: int) -> int:
    """``start`` 부터 20개 안에서 비어 있는 첫 포트."""
    if not 1 <= start <= 65535:
        raise ValueError(f"LAB_PORT 는 1–65535 의 정수여야 합니다: {start!r}")
    for port in range(start, min(start + 20, 65536)):
        if port_is_free(port):
            return port
    raise RuntimeError(f"{start}–{start + 19} 포트가 모두 쓰이고 있습니다: LAB_PORT 로 다른 포트를 주세요")


def command(
    root_dir: Path, port: int, token: str, is_root: bool | None = None, ip: str = "127.0.0.1"
) -> list[str]:
    """JupyterLab 을 띄우는 명령줄."""
    if is_root is None:
        is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    cmd = [
        sys.executable, "-m", "jupyter", "lab",
        "--no-browser",
        f"--ServerApp.ip={ip}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root_dir}",
        f"--IdentityProvider.token={token}",
        f"--LabApp.app_settings_dir={SETTINGS_DIR}",
    ]  # fmt: skip
    if is_root:
        cmd.append("--allow-root")
    return cmd


def banner(port: int, token: str) -> str:
    url = f"http://127.0.0.1:{port}/lab?token={token}"
    user = os.environ.get("USER") or "사용자"
    return "\n".join(
        [
            "JupyterLab 을 시작합니다. 끝내려면 이 창에서 Ctrl+C 를 두 번 누릅니다.",
            f"  이 컴퓨터의 브라우저에서 열기:  {url}",
            "  원격 서버·클라우드 VM·Docker 안에서 실행 중이라면, 내 컴퓨터의 터미널에서 먼저:",
            f"      ssh -N -L {port}:127.0.0.1:{port} {user}@서버주소",
            "    를 실행해 두고 내 컴퓨터의 브라우저에서 위 주소를 엽니다.",
            "  (Docker 라면 docker run -p 8888:8888 으로 포트를 열고 컨테이너 안에서 LAB_IP=0.0.0.0 make lab.)",
        ]
    )


def main() -> int:
    port = pick_port(int(os.environ.get("LAB_PORT", "8888")))
    token = os.environ.get("JUPYTER_TOKEN") or secrets.token_hex(16)
    print(banner(port, token), flush=True)
    cmd = command(ROOT / "notebooks", port, token, ip=os.environ.get("LAB_IP", "127.0.0.1"))
    os.execv(sys.executable, cmd)
    return 0  # pragma: no cover - execv 는 돌아오지 않는다


if __name__ == "__main__":
    raise SystemExit(main())
