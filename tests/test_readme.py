"""The README's steps, followed as written: its "First start" commands run in order on a new data
folder, and every ``python -m elearn`` command it shows is one the command line accepts.

``make run`` is run as the Makefile's own ``run`` recipe (read from the Makefile, with ``$(PY)`` the
venv's Python and a free ``$(PORT)``), without its install step: the test suite runs in that venv.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.harness.servers import free_port, stop
from elearn.cli.main import build_parser
from elearn.store import Role, User, authenticate, open_store, visible_users
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
PASSWORD = "a long and private passphrase"
FIRST_START = ["make run",
               ".venv/bin/python -m elearn admin create --username you",
               ".venv/bin/python -m elearn demo --learners 200 --seed 1"]


def section(title: str) -> str:
    """The README's text under ``## title``, up to the next second-level heading."""
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, flags=re.MULTILINE | re.DOTALL)
    assert found, f"the README has no section '{title}'"
    return found.group(1)


def commands(text: str) -> list[str]:
    """The commands of every ```bash block in ``text``, in order, without their comments."""
    lines = []
    for block in re.findall(r"^```bash\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL):
        for line in block.splitlines():
            command = line.split("  #", 1)[0].split(" #", 1)[0].strip() if "#" in line else line.strip()
            if command:
                lines.append(command)
    return lines


def test_the_first_start_section_says_what_this_test_follows() -> None:
    assert commands(section("First start")) == FIRST_START
    assert "--username you" in (REPO / "ui" / "store.py").read_text(encoding="utf-8")  # what the server prints


def run_recipe(port: int) -> list[str]:
    """The Makefile's ``run`` recipe as a command line, with the venv's Python and ``port``."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^run:.*\n\t(.+)$", makefile, flags=re.MULTILINE)
    assert recipe, "the Makefile has no run recipe"
    line = recipe.group(1).replace("$(PY)", str(python())).replace("$(PORT)", str(port))
    return ["/bin/sh", "-c", line]


def stop_session(server: subprocess.Popen[bytes]) -> None:
    """End the recipe's whole session: ``/bin/sh`` runs the server as its child, so a signal to the
    shell alone left a server running after every test run."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    stop(server)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.killpg(server.pid, 0)  # anyone left in the session?
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.killpg(server.pid, signal.SIGKILL)


def python() -> Path:
    venv = REPO / ".venv" / "bin" / "python"
    return venv if venv.exists() else Path(sys.executable)


@pytest.mark.system
def test_the_first_start_steps_work_in_the_order_written(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "ELEARN_DATA_DIR": str(data)}
    env.pop("ELEARN_DATABASE_URL", None)
    log = tmp_path / "server.log"
    port = free_port()
    steps = commands(section("First start"))
    assert steps[0] == "make run"
    with log.open("wb") as out:
        server = subprocess.Popen(run_recipe(port), cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        # The token is printed when the server starts: nobody has opened a page.
        deadline = time.monotonic() + 90
        while "one-time token" not in log.read_text(errors="replace"):
            assert server.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "no set-up token in the log:\n" + log.read_text(errors="replace")
            time.sleep(0.2)
        printed = log.read_text(errors="replace")
        assert "python -m elearn admin create --username you" in printed
        for step in steps[1:]:
            argv = shlex.split(step)
            argv[0] = str(python()) if argv[0] == ".venv/bin/python" else argv[0]
            # No terminal (a new session): getpass reads the password, twice, from standard input.
            done = subprocess.run(argv, cwd=REPO, env=env, input=f"{PASSWORD}\n{PASSWORD}\n", capture_output=True,
                                  text=True, timeout=300, check=False, start_new_session=True)
            assert done.returncode == 0, f"{step}\n{done.stdout}\n{done.stderr}"
            assert "Traceback" not in done.stderr
    finally:
        stop_session(server)
    store = open_store(None, data)
    try:
        you = authenticate(store, "you", PASSWORD, datetime.now(UTC), client="test")
        assert isinstance(you, User)
        assert you.roles == {Role.ADMIN, Role.LEARNER, Role.FACILITATOR, Role.MANAGER}
        assert len(visible_users(store, you)) > 200  # the demo's learners and managers, beside "you"
    finally:
        store.dispose()


@pytest.mark.parametrize("command", [c for c in commands(README) if " -m elearn " in c])
def test_every_elearn_command_in_the_readme_is_accepted(command: str) -> None:
    argv = shlex.split(command.split(" -m elearn ", 1)[1])
    try:
        build_parser().parse_args(argv)
    except SystemExit as refused:
        pytest.fail(f"the README's `{command}` is not a valid command line (exit {refused.code})")
