"""Many processes writing at once lose nothing; a writer killed mid-stream loses nothing it
had reported as written, and leaves a database that opens and passes its integrity check."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import func, select, text

from elearn.store import Role, Store, User, create_user, events_for, start_attempt, start_session
from elearn.store.rebuild import differences, expected_for, stored_for
from elearn.store.tables import ChoiceEventRow

from .helpers import NOW, PASSWORD, Target, World

WRITER = Path(__file__).with_name("writer.py")
REPO = Path(__file__).resolve().parents[2]
WRITERS = 20
EVENTS_EACH = 200


def _writer_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("store_test_writer", WRITER)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _spawn(target: Target, token: str, attempt_id: int, prefix: str, count: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(
        [sys.executable, str(WRITER), target.url, str(target.data_dir), token, str(attempt_id), prefix, str(count)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO,
    )


def _learner_with_attempt(store: Store, name: str) -> tuple[User, int, str]:
    user = create_user(store, username=name, display_name=name, password=PASSWORD, now=NOW, roles=(Role.LEARNER,))
    attempt = start_attempt(store, user, "refund-call", 3, run_json="{}", now=NOW)
    return user, attempt.id, start_session(store, user.id, NOW)


@pytest.mark.timeout(180)
def test_twenty_processes_writing_at_once_lose_nothing(target: Target, store: Store, world: World) -> None:
    writer = _writer_module()
    learners = [_learner_with_attempt(store, f"writer{i:02d}") for i in range(WRITERS)]
    processes = [_spawn(target, token, attempt_id, f"w{i:02d}", EVENTS_EACH) for i, (_, attempt_id, token) in
                 enumerate(learners)]
    for process in processes:  # every writer is connected before any starts writing
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line == "ready\n", process.communicate()[1]
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    outcomes = [process.communicate(timeout=150) for process in processes]

    for process, (stdout, stderr) in zip(processes, outcomes, strict=True):
        assert process.returncode == 0, stderr
        assert "database is locked" not in stderr
        assert stdout.splitlines()[-1] == "done"
    total = store.read(lambda conn: conn.scalar(select(func.count()).select_from(ChoiceEventRow)))
    assert total == WRITERS * EVENTS_EACH
    for i, (user, attempt_id, _) in enumerate(learners):
        stored = events_for(store, world.admin, user.id)
        expected = [writer.choice_for(f"w{i:02d}", attempt_id, n) for n in range(EVENTS_EACH)]
        assert [e.event_key for e in stored] == [c.event_key for c in expected]
        for event, choice in zip(stored, expected, strict=True):
            assert (event.user_id, event.attempt_id, event.scenario_id, event.scenario_version) == (
                user.id, attempt_id, "refund-call", 3,
            )
            assert (event.node_id, event.choice_id, dict(event.evidence), event.anger_before, event.anger_after) == (
                choice.node_id, choice.choice_id, dict(choice.evidence), choice.anger_before, choice.anger_after,
            )
            assert (event.first_attempt, event.occurred_at, event.attempt_number) == (
                choice.first_attempt, choice.occurred_at, 1,
            )


@pytest.mark.timeout(120)
def test_writer_killed_mid_stream_keeps_every_returned_write(target: Target, store: Store, world: World) -> None:
    user, attempt_id, token = _learner_with_attempt(store, "victim")
    # A second writer keeps the database busy, so the kill lands amid real contention.
    _, other_attempt, other_token = _learner_with_attempt(store, "bystander")
    victim = _spawn(target, token, attempt_id, "k", 0)
    bystander = _spawn(target, other_token, other_attempt, "b", 0)
    reported: list[str] = []
    try:
        for process in (victim, bystander):
            assert process.stdout is not None
            assert process.stdin is not None
            assert process.stdout.readline() == "ready\n"
            process.stdin.write("go\n")
            process.stdin.flush()
        assert victim.stdout is not None
        while len(reported) < 300:
            line = victim.stdout.readline()
            assert line, victim.communicate()[1]
            reported.append(line.strip())
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        reported.extend(line.strip() for line in victim.stdout.read().splitlines())  # written before the kill
    finally:
        bystander.kill()
        bystander.communicate()
        victim.kill()
        victim.communicate()
    assert victim.returncode == -signal.SIGKILL

    reopened = target.open()
    if target.backend == "sqlite":
        with reopened.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    stored = {event.event_key for event in events_for(reopened, world.admin, user.id)}
    missing = [key for key in reported if key not in stored]
    assert not missing, f"{len(missing)} events reported written are gone: {missing[:5]}"


@pytest.mark.timeout(180)
def test_two_processes_answering_as_one_learner_keep_exact_aggregates(target: Target, store: Store,
                                                                      world: World) -> None:
    """Two tabs of one learner answering at once, as the player records answers: every skill
    tally and the progress row still equal the from-scratch computation (PostgreSQL: real
    concurrency; SQLite takes turns)."""
    user = create_user(store, username="twotabs", display_name="Two Tabs", password=PASSWORD, now=NOW,
                       roles=(Role.LEARNER,))
    token = start_session(store, user.id, NOW)
    attempts = [start_attempt(store, user, scenario, 3, run_json="{}", now=NOW).id
                for scenario in ("refund-call", "late-delivery")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    processes = [subprocess.Popen(
        [sys.executable, str(WRITER), target.url, str(target.data_dir), token, str(attempt_id), f"tab{i}", "150",
         "answer"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        cwd=REPO) for i, attempt_id in enumerate(attempts)]
    for process in processes:
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n", process.communicate()[1]
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    for process in processes:
        stdout, stderr = process.communicate(timeout=150)
        assert process.returncode == 0, stderr
        assert stdout.splitlines()[-1] == "done"

    stored = store.read(lambda conn: stored_for(conn, [user.id]))
    expected = store.read(lambda conn: expected_for(conn, [user.id]))
    assert len(expected.ratings) == 2 * 75 * 2  # every other event is a first attempt, two skills each
    assert set(expected.tallies) == {(user.id, "empathy"), (user.id, "boundaries")}
    assert list(differences(stored, expected)) == []
