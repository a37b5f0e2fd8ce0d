"""Real-browser fixtures: the app served by `streamlit run serve.py` on a free loopback port, with
its own database, and Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts" / "screenshots"
# Flags from the machine's notes: no background traffic, no sandbox as root, no GPU.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path


def start_server(data_dir: Path, log: Path, env: dict[str, str] | None = None, *, port: int | None = None,
                 extra_args: tuple[str, ...] = ()) -> Server:
    port = port or free_port()
    environment = {**os.environ, "ELEARN_DATA_DIR": str(data_dir)}
    environment.pop("ELEARN_DATABASE_URL", None)
    environment.update(env or {})
    handle = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         *extra_args],
        cwd=REPO, env=environment, stdout=handle, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return Server(url, data_dir, process, log)
        except OSError:
            time.sleep(0.3)
        if process.poll() is not None:
            break
    process.kill()
    raise RuntimeError(f"the app did not start within 60 s; its log:\n{log.read_text(errors='replace')}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = start_server(tmp_path / "data", tmp_path / "server.log")
    yield running
    stop_server(running)


# One Chromium per test module, not per session: Playwright's sync API keeps an asyncio loop
# running while it is open, which would break later tests that run their own loop (tests/load)
# and any other folder's browser tests.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make chromium` (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def shot(page: object, name: str) -> None:
    """Save a screenshot of the current step (kept by CI as an artifact, and for the README)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def fill_sign_up(page: object, username: str, name: str, password: str = "correct horse battery") -> None:
    """Open the app's Create account tab and fill it in (the caller submits, by click or by Enter)."""
    page.get_by_role("tab", name="Create account").click()  # type: ignore[attr-defined]
    page.locator(".st-key-reg-username input").fill(username)  # type: ignore[attr-defined]
    page.locator(".st-key-reg-name input").fill(name)  # type: ignore[attr-defined]
    page.locator(".st-key-reg-password input").fill(password)  # type: ignore[attr-defined]
    page.locator(".st-key-reg-repeat input").fill(password)  # type: ignore[attr-defined]
