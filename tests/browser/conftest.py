"""브라우저 테스트 공통 준비: 시스템 Chromium(Playwright 로 조종), 바깥 요청 차단·기록, 스크린숏 폴더, 로컬 웹 서버.

- Chromium 은 Debian 패키지(``/usr/bin/chromium``)를 ``executable_path`` 로 띄운다. ``playwright install`` 은 쓰지 않는다.
  다른 위치는 환경 변수 ``LLMNOTES_CHROMIUM`` 으로 준다. 없으면 이 폴더의 테스트는 이유를 말하고 건너뛴다.
- 바깥 요청은 Chromium 자체가 막는다 (``--host-resolver-rules``: localhost 말고는 어떤 호스트 이름도 풀리지 않는다).
  그리고 페이지가 보낸 모든 요청을 지켜보며 localhost(127.0.0.1)·file·data·blob 이 아닌 것을 ``outside`` 에 적는다.
  각 테스트는 그 목록이 비었음을 확인한다. (요청을 하나하나 가로채는 page.route 는 JupyterLab 처럼 파일이 수백 개인 앱을
  크게 느리게 해서 쓰지 않는다.)
- 스크린숏은 ``$LLMNOTES_CACHE/browser/`` (기본 ``~/.cache/llmnotes/browser``) 에만 저장한다. 저장소에는 쓰지 않는다.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from llmnotes.paths import cache_dir

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def pytest_collection_modifyitems(config, items):
    """브라우저 테스트는 느리고 Chromium 이 필요하다: ``make test-browser`` (LLMNOTES_BROWSER=1) 로만 돈다."""
    if os.environ.get("LLMNOTES_BROWSER") == "1":
        return
    skip = pytest.mark.skip(reason="브라우저 테스트는 make test-browser 로 돌린다 (LLMNOTES_BROWSER=1)")
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(skip)


def chromium_path() -> str | None:
    env = os.environ.get("LLMNOTES_CHROMIUM")
    if env:
        return env
    for name in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(name).is_file():
            return name
    return shutil.which("chromium")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# 모듈을 읽을 때(테스트마다 LLMNOTES_CACHE 를 임시 폴더로 돌리는 tests/conftest.py 의 fixture 보다 먼저) 정한다.
SHOT_DIR = cache_dir(create=False) / "browser"


@pytest.fixture(scope="session")
def shot_dir() -> Path:
    path = SHOT_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


class Guard:
    """바깥으로 나가려던 요청과, 실패한 로컬 요청(404 등)을 적어 둔다."""

    def __init__(self) -> None:
        self.outside: list[str] = []
        self.failed: list[str] = []

    def on_request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("file", "data", "blob", "about") and parts.hostname not in LOCAL_HOSTS:
            self.outside.append(request.url)

    def on_response(self, response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.failed.append(f"{response.status} {response.url}")


@pytest.fixture(scope="session")
def playwright():
    exe = chromium_path()
    if exe is None:
        pytest.skip("Chromium 이 없습니다: apt-get install -y chromium (또는 LLMNOTES_CHROMIUM=경로)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright 파이썬 패키지가 없습니다 (pip install -e '.[dev]')"
    )
    with sync_api.sync_playwright() as pw:
        yield pw, exe


@pytest.fixture
def page(playwright, tmp_path):
    """테스트마다 새 프로필(--user-data-dir)로 띄운 Chromium 의 1280×720 (강의 화면 크기) 페이지.

    ``page.guard`` 에 바깥 요청·실패 요청 기록이 있다.
    """
    pw, exe = playwright
    context = pw.chromium.launch_persistent_context(
        user_data_dir=str(tmp_path / "chromium-profile"),
        executable_path=exe,
        headless=True,
        args=CHROMIUM_FLAGS,
        viewport={"width": 1280, "height": 720},
        locale="ko-KR",
    )
    guard = Guard()
    context.on("request", guard.on_request)
    pg = context.pages[0] if context.pages else context.new_page()
    pg.on("response", guard.on_response)
    pg.guard = guard
    yield pg
    context.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - 표준 라이브러리의 이름
        pass


@pytest.fixture(scope="session")
def serve():
    """폴더를 127.0.0.1 의 빈 포트로 내보내는 함수. 세션이 끝나면 서버를 모두 닫는다."""
    servers = []

    def _serve(directory: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield _serve
    for server in servers:
        server.shutdown()
        server.server_close()


def korean_fonts_used(page, selector: str) -> list[dict]:
    """``selector`` 첫 요소의 글자를 실제로 그린 글꼴 (Chrome DevTools 의 CSS.getPlatformFontsForNode)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    doc = cdp.send("DOM.getDocument", {"depth": -1})
    node = cdp.send("DOM.querySelector", {"nodeId": doc["root"]["nodeId"], "selector": selector})
    assert node["nodeId"], f"{selector} 를 찾지 못함"
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    cdp.detach()
    return fonts
