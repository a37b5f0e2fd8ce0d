"""Ralph (``ralph-malph`` from PyPI), a real Learning Record Store, started by the test on a free
port with its file-system backend (``run_ralph.py``: appending, as a second batch needs), in a
venv of its own (``scripts/ensure-ralph``, which ``make test`` runs and this fixture runs too
when the venv is missing)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from elearn.lrs.config import LrsSettings
from tests.conftest import REPO

VENV = Path(os.environ.get("ELEARN_RALPH_VENV", REPO / ".ralph-venv"))
KEY, SECRET = "elearn-test", "ralph-test-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Ralph:
    """One Ralph LRS on 127.0.0.1:``port``, storing into ``folder``; stop and start it at will
    (its statements stay in the folder's file, as across a real restart)."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = folder / "ralph.log"
        (folder / "statements").mkdir(parents=True, exist_ok=True)
        digest = subprocess.run([str(VENV / "bin" / "python"), "-c",
                                 "import bcrypt, sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(4))"
                                 ".decode())", SECRET], check=True, capture_output=True, text=True).stdout.strip()
        (folder / "auth.json").write_text(json.dumps([{
            "username": KEY, "hash": digest, "scopes": ["all"], "agent": {"mbox": "mailto:elearn-test@example.org"},
        }]))

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI/"

    def settings(self, **changes: Any) -> LrsSettings:
        return LrsSettings(**{"endpoint": self.endpoint, "key": KEY, "secret": SECRET, "timeout_seconds": 5.0,
                              **changes})

    def start(self, timeout: float = 60) -> None:
        environment = {**os.environ, "RALPH_RUNSERVER_BACKEND": "fs", "RALPH_APP_DIR": str(self.folder),
                       "RALPH_AUTH_FILE": str(self.folder / "auth.json"),
                       "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.folder / "statements")}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(VENV / "bin" / "python"), str(Path(__file__).with_name("run_ralph.py")), "127.0.0.1",
                 str(self.port)], env=environment, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"Ralph stopped at start:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"Ralph did not answer within {timeout}s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def statements(self) -> list[dict[str, Any]]:
        """Every statement Ralph holds, read through its xAPI GET (following its ``more`` links)."""
        found: list[dict[str, Any]] = []
        url = f"{self.endpoint}statements?limit=100"
        while url:
            request = urllib.request.Request(url, headers={"X-Experience-API-Version": "1.0.3",
                                                           "Authorization": _basic()})
            with urllib.request.urlopen(request, timeout=10) as response:
                page = json.loads(response.read())
            found.extend(page["statements"])
            more = page.get("more") or ""
            url = urllib.parse.urljoin(url, more) if more else ""
        return found


def _basic() -> str:
    import base64

    return "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()


@pytest.fixture(scope="session")
def ralph_installed() -> Path:
    if not (VENV / ".installed-requirements").exists():
        subprocess.run(["bash", str(REPO / "scripts" / "ensure-ralph"), str(VENV)], check=True)
    return VENV


@pytest.fixture
def ralph(ralph_installed: Path, tmp_path: Path) -> Iterator[Ralph]:
    lrs = Ralph(tmp_path / "ralph")
    lrs.start()
    try:
        yield lrs
    finally:
        lrs.stop()
