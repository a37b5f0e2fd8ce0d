"""CI's short run of the load harness: a few simulated learners for a few seconds against a real
server, over Streamlit's own websocket protocol. No user may see an error, and every choice a
learner clicked must be in the database exactly once. Timings are printed by bench/, never
asserted here; the full runs (bench/bench_load.py) are not part of CI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bench.harness.load import Options
from bench.harness.runs import Setup, run_learners, run_twin

# The phase starts with one whole journey (the warm-up) and then runs the users for a few seconds.
SMOKE = Options(users=3, think=0.2, duration=5.0, visits=2, ramp=0.6, grace=45.0, seed=7)


def _postgres_available() -> None:
    if not os.environ.get("TEST_DATABASE_URL", "").strip():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL load smoke test must run in CI.")
        pytest.skip("TEST_DATABASE_URL is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")


@pytest.mark.parametrize("setup", [
    pytest.param(Setup(db="sqlite"), id="sqlite-one-process"),
    pytest.param(Setup(db="postgres"), id="postgresql-one-process", marks=pytest.mark.postgres),
])
def test_learners_under_load_see_no_error_and_every_choice_is_stored_once(setup: Setup, tmp_path: Path) -> None:
    if setup.db == "postgres":
        _postgres_available()
    phase, checked = run_learners(SMOKE, setup, tmp_path)
    assert phase.errors == []
    assert phase.interactions >= SMOKE.users, "the simulated learners hardly did anything"
    assert checked.checked > 0, "no choice was clicked, so nothing was checked"
    assert checked.missing == []
    assert checked.unexpected == []
    assert checked.wrong_choice == []
    assert checked.stored_once == checked.checked
    assert checked.endings_stored >= checked.endings_expected >= 1


def test_two_processes_behind_the_shipped_nginx_config(tmp_path: Path) -> None:
    """deploy/nginx.conf in front of two app processes sharing one database: websockets pass through
    the proxy, each browser sticks to one process, and no choice is lost or doubled."""
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        missing = "nginx is not installed (Debian: apt-get install -y nginx-light; make test installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {missing}: the two-process smoke test must run in CI.")
        pytest.skip(missing)
    phase, checked = run_learners(SMOKE, Setup(db="sqlite", processes=2), tmp_path)
    assert phase.errors == []
    assert checked.checked > 0
    assert checked.ok
    assert checked.stored_once == checked.checked


def test_the_static_twin_takes_the_whole_learner_journey(tmp_path: Path) -> None:
    """The twin baseline is only a fair baseline if the same journey runs on it to its end: signed
    up, a lesson marked done, a scenario played to "Try again", My skills. Any page it lacked or
    drew differently would be a JourneyError here."""
    phase = run_twin(SMOKE, Setup(db="sqlite"), tmp_path)
    assert phase.errors == []
    assert phase.completed_visits >= 1
    assert {"sign up", "lesson", "mark done", "scenario", "start scenario", "choice", "my skills"} <= set(phase.by_step)
