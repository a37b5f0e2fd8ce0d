"""The SQLite file deleted, moved or replaced under a running store (a real file in a temporary
folder): every later transaction is refused with a clear message and one error in the log, no
empty database appears in its place, and nothing is written where it would be lost."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from elearn.store import Store, StoreMoved, create_user, upgrade
from elearn.store.db import MOVED_MESSAGE

from .helpers import NOW, SQLITE, Target

only_sqlite = pytest.mark.parametrize("backend", [SQLITE])  # a file of its own: what these tests are about


def usernames(store: Store) -> list[str]:
    return list(store.read(lambda conn: conn.scalars(text("SELECT username FROM users ORDER BY username"))))


def learner(store: Store, name: str) -> None:
    create_user(store, username=name, display_name=name.title(), password=None, now=NOW)


def refused(store: Store) -> list[str]:
    """Try a write and a read; both must be refused with the message. Returns the messages."""
    messages = []
    with pytest.raises(StoreMoved) as write:
        learner(store, "after")
    messages.append(str(write.value))
    with pytest.raises(StoreMoved) as read:
        usernames(store)
    messages.append(str(read.value))
    return messages


def open_file(target: Target, path: Path) -> Store:
    store = target.open() if path == target.sqlite_file else _open_at(target, path)
    upgrade(store)
    return store


def _open_at(target: Target, path: Path) -> Store:
    other = Target("sqlite", f"sqlite:///{path}", path.parent)
    store = other.open()
    target.opened.append(store)
    return store


def moved_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records
            if record.levelno == logging.ERROR and "SQLite database" in record.getMessage()]


def test_the_message_says_what_happened_and_what_to_do() -> None:
    assert MOVED_MESSAGE == ("The progress database file has been moved or deleted; nothing more is saved. Ask your "
                             "administrator to restart the app.")


@only_sqlite
def test_a_deleted_file_refuses_every_transaction_and_is_not_recreated(
        target: Target, caplog: pytest.LogCaptureFixture) -> None:
    store = open_file(target, target.sqlite_file)
    learner(store, "before")
    os.remove(target.sqlite_file)
    assert refused(store) == [MOVED_MESSAGE, MOVED_MESSAGE]
    assert refused(store) == [MOVED_MESSAGE, MOVED_MESSAGE]  # it stays refused
    assert not target.sqlite_file.exists()  # no empty database made in its place
    [logged] = moved_errors(caplog)  # said once, not on every refusal
    assert f"The SQLite database {target.sqlite_file} was deleted while the app ran" in logged


@only_sqlite
def test_a_moved_file_keeps_everything_written_before_and_nothing_after(target: Target, tmp_path: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    store = open_file(target, target.sqlite_file)
    learner(store, "before")
    elsewhere = tmp_path / "moved.db"
    os.rename(target.sqlite_file, elsewhere)
    assert refused(store) == [MOVED_MESSAGE, MOVED_MESSAGE]
    store.dispose()
    # The last commits may still be in the write-ahead log beside the old name (SQLite itself no
    # longer writes into a moved file): moved back together, they hold everything up to the move.
    os.rename(f"{target.sqlite_file}-wal", f"{elsewhere}-wal")
    assert usernames(open_file(target, elsewhere)) == ["before"]
    assert moved_errors(caplog)


@only_sqlite
def test_a_replaced_file_is_not_written_to(target: Target, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = open_file(target, target.sqlite_file)
    learner(store, "before")
    replacement = tmp_path / "replacement" / "elearn.db"
    replacement.parent.mkdir()
    other = open_file(target, replacement)
    learner(other, "someone.else")
    other.dispose()
    os.replace(replacement, target.sqlite_file)  # e.g. a backup restored over the running app's file
    restored = target.sqlite_file.read_bytes()
    assert refused(store) == [MOVED_MESSAGE, MOVED_MESSAGE]
    [logged] = moved_errors(caplog)
    assert "was replaced (now device" in logged
    assert "remove elearn.db-wal and elearn.db-shm" in logged
    store.dispose()
    assert target.sqlite_file.read_bytes() == restored  # not a byte written by the old store
    # The old file's write-ahead log is still beside it; as the log says, it goes before a restart
    # (SQLite would read its pages over the restored file's).
    for leftover in ("-wal", "-shm"):
        Path(f"{target.sqlite_file}{leftover}").unlink(missing_ok=True)
    assert usernames(open_file(target, target.sqlite_file)) == ["someone.else"]


@only_sqlite
def test_the_file_kept_in_place_works_as_before(target: Target, caplog: pytest.LogCaptureFixture) -> None:
    store = open_file(target, target.sqlite_file)
    learner(store, "before")
    maintenance = sqlite3.connect(target.sqlite_file, isolation_level=None)  # an administrator's sqlite3 shell
    maintenance.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    maintenance.execute("VACUUM")  # rewrites the database, in the same file
    maintenance.close()
    learner(store, "between")
    store.dispose()  # every connection closed and opened again
    learner(store, "after")
    assert usernames(store) == ["after", "before", "between"]
    assert not moved_errors(caplog)
