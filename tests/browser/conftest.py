"""Real-browser fixtures: the app served by `streamlit run serve.py` on a free loopback port, with
its own database, and Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.harness.servers import APP, spawn_streamlit, stop, wait_healthy
from tests.conftest import REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts" / "screenshots"
# Flags from the machine's notes: no background traffic, no sandbox as root, no GPU.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass
class Server:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path


def start_server(data_dir: Path, log: Path, env: dict[str, str] | None = None, *, port: int | None = None,
                 extra_args: tuple[str, ...] = ()) -> Server:
    """The app on ``port`` (else a free one) with the load harness's own settings, once it answers."""
    started = spawn_streamlit(APP, {"ELEARN_DATA_DIR": str(data_dir), **(env or {})}, log, list(extra_args), port)
    try:
        wait_healthy(started.url, started.process, log, timeout=60)
    except RuntimeError:
        stop(started.process)
        raise
    return Server(started.url, data_dir, started.process, log)


def stop_server(server: Server) -> None:
    stop(server.process)


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
        pytest.fail("Debian's chromium is not installed: run `make test-packages` (apt-get install chromium).")
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
