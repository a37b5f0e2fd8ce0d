"""Bounded retries: a write waits out a lock held longer than SQLite's busy timeout, and gives
up with a clear error once the deadline passes."""

from __future__ import annotations

import sqlite3
import threading

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from elearn.store import RetryPolicy, StoreUnavailable, complete_lesson, open_store, progress_for, upgrade
from elearn.store.db import is_transient

from .helpers import NOW, POSTGRESQL, Target, World, wait_for

SHORT_BUSY = RetryPolicy(deadline_seconds=20, sqlite_busy_timeout_ms=20)


def _hold_write_lock(target: Target, release: threading.Event, held: threading.Event) -> None:
    blocker = sqlite3.connect(target.sqlite_file, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    held.set()
    release.wait(timeout=30)
    blocker.execute("COMMIT")
    blocker.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_write_outlasts_a_lock_longer_than_the_busy_timeout(target: Target, world: World) -> None:
    store = target.open(retry=SHORT_BUSY)
    upgrade(store)
    release, held = threading.Event(), threading.Event()
    blocker = threading.Thread(target=_hold_write_lock, args=(target, release, held))
    blocker.start()
    wait_for(held.is_set, 10, "the blocking connection to take the write lock")
    writer = threading.Thread(target=complete_lesson, args=(store, world.ana, "empathy-not-agreement", NOW))
    writer.start()
    writer.join(timeout=0.5)  # far past the 20 ms busy timeout: only the retry loop keeps it alive
    assert writer.is_alive()
    release.set()
    writer.join(timeout=20)
    blocker.join(timeout=20)
    assert progress_for(store, world.ana, world.ana.id).completed_lessons == {"empathy-not-agreement"}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_write_gives_up_at_the_deadline_with_a_clear_error(target: Target, world: World) -> None:
    store = target.open(retry=RetryPolicy(deadline_seconds=0.3, sqlite_busy_timeout_ms=20))
    release, held = threading.Event(), threading.Event()
    blocker = threading.Thread(target=_hold_write_lock, args=(target, release, held))
    blocker.start()
    wait_for(held.is_set, 10, "the blocking connection to take the write lock")
    try:
        with pytest.raises(StoreUnavailable, match="stayed busy or unreachable"):
            complete_lesson(store, world.ana, "empathy-not-agreement", NOW)
    finally:
        release.set()
        blocker.join(timeout=20)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (sqlite3.OperationalError("database is locked"), True),
        (sqlite3.OperationalError("no such table: users"), False),
        (sqlite3.IntegrityError("UNIQUE constraint failed: users.username"), False),
        (psycopg.errors.SerializationFailure(), True),
        (psycopg.errors.DeadlockDetected(), True),
        (psycopg.errors.ConnectionFailure(), True),
        (psycopg.errors.UniqueViolation(), False),
        (psycopg.errors.UndefinedTable(), False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_which_failures_are_retried(error: Exception, transient: bool) -> None:
    assert is_transient(DBAPIError("SELECT 1", None, error)) is transient


@pytest.mark.parametrize("backend", [POSTGRESQL])
def test_a_store_survives_its_connections_being_killed(target: Target, world: World) -> None:
    name = f"elearn-kill-{id(target)}"
    store = open_store(target.url + f"&application_name={name}", target.data_dir)
    target.opened.append(store)
    assert progress_for(store, world.admin, world.ana.id).user.username == "ana"
    killer = create_engine(target.url, isolation_level="AUTOCOMMIT")
    with killer.connect() as conn:
        killed = conn.execute(
            text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :name"),
            {"name": name},
        ).scalar_one()
    killer.dispose()
    assert killed >= 1
    complete_lesson(store, world.ana, "empathy-not-agreement", NOW)
    assert progress_for(store, world.admin, world.ana.id).completed_lessons == {"empathy-not-agreement"}
