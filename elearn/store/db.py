"""Opening the store and running transactions on it, with bounded retries.

One code path for SQLite and PostgreSQL: ``open_store`` builds a SQLAlchemy engine from a URL
(the SQLite file in the data directory by default), and every store function runs its work
through ``Store.read`` or ``Store.write``, which retry transient failures (a locked SQLite file,
a PostgreSQL serialization failure or dropped connection) with jittered backoff until a deadline.
The work function is re-run from the start on each try, so it must only touch the database.

A SQLite store also watches its file (``SqliteFile``): if the file at its path is deleted or
replaced while the app runs, every later transaction is refused with ``StoreMoved`` rather than
written to a file that no longer has a name (and is lost when the app restarts), or to a new
empty one.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.request import pathname2url

from argon2 import PasswordHasher
from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    Integer,
    and_,
    any_,
    create_engine,
    event,
    func,
    insert,
    literal,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.expression import Executable

from elearn.store.config import database_url
from elearn.store.errors import StoreMoved, StoreUnavailable
from elearn.store.tables import Base

T = TypeVar("T")

log = logging.getLogger(__name__)

_WRITE_OPTION = "elearn_write"


CASEFOLD = "elearn_casefold"
"""The SQL function that folds case as Python's ``str.casefold`` does: registered on every SQLite
connection; on PostgreSQL ``casefolded`` uses ``lower()``, which folds Unicode already."""


def _casefold(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


def casefolded(conn: Connection, column: ColumnExpressionArgument[Any]) -> ColumnElement[Any]:
    """``column`` folded for a case-blind search, on either database, as ``str.casefold`` folds."""
    return getattr(func, CASEFOLD)(column) if conn.dialect.name == "sqlite" else func.lower(column)
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
# PostgreSQL SQLSTATEs worth a retry: serialization_failure, deadlock_detected; class 08 is
# "connection exception" (a restart or a network blip between us and the server).
_PG_RETRY_STATES = frozenset({"40001", "40P01"})


@dataclass(frozen=True)
class RetryPolicy:
    """How long a transaction may keep retrying transient failures, and how it backs off."""

    deadline_seconds: float = 30.0
    first_delay_seconds: float = 0.005
    max_delay_seconds: float = 0.5
    # How long SQLite itself waits for the write lock before a try counts as failed.
    sqlite_busy_timeout_ms: int = 5_000


def password_hasher() -> PasswordHasher:
    """Argon2id with OWASP's recommended minimum (19 MiB of memory, 2 passes, 1 lane).

    argon2-cffi's default (RFC 9106's low-memory profile: 64 MiB, 3 passes, 4 lanes) costs about
    130 ms of CPU a hash here against 16 ms, and a roll-out signs hundreds of staff in within
    minutes (docs/performance.md). Hashes made with other parameters still verify, and are
    rehashed with these at the next successful sign-in.
    """
    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


MOVED_MESSAGE = ("The progress database file has been moved or deleted; nothing more is saved. Ask your "
                 "administrator to restart the app.")


class SqliteFile:
    """The SQLite file a store opened, checked to still be the file at its path.

    The first connection records the file's device and inode. ``check``, run before every
    transaction, compares them with the file now at the path: one ``stat`` call, about a
    microsecond. Once they differ (the file was deleted, or another moved into its place), the
    store stays refused until the process restarts, and the server log says so once. Later
    connections open the path read-write without creating, so a deleted file is never silently
    replaced by a new empty one.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._opened: tuple[int, int] | None = None
        self._moved = False
        self._lock = threading.Lock()

    @property
    def known(self) -> bool:
        """True once a connection has opened the file (from then on it must stay the same one)."""
        return self._opened is not None

    def opened(self) -> None:
        """Remember the file the first connection opened (called on every new connection)."""
        if self._opened is not None:
            return
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            return
        with self._lock:
            if self._opened is None:
                self._opened = (found.st_dev, found.st_ino)

    def check(self) -> None:
        """Raise ``StoreMoved`` unless the file at the path is still the one first opened."""
        if self._moved:
            raise StoreMoved(MOVED_MESSAGE)
        opened = self._opened
        if opened is None:
            return
        try:
            found = os.stat(self.path)
            now: tuple[int, int] | None = (found.st_dev, found.st_ino)
        except FileNotFoundError:
            now = None
        if now == opened:
            return
        with self._lock:
            first = not self._moved
            self._moved = True
        if first:
            log.error(
                "The SQLite database %s was %s while the app ran (opened: device %d, inode %d). Nothing more is "
                "saved: every transaction is refused until the app is restarted. Before restarting, stop the app; "
                "then either move the file back together with %s-wal and %s-shm (they hold its last commits), or, "
                "to use the file now at that path, remove %s-wal and %s-shm, which belong to the old file.",
                self.path, "deleted" if now is None else f"replaced (now device {now[0]}, inode {now[1]})",
                *opened, *[self.path.name] * 4,
            )
        raise StoreMoved(MOVED_MESSAGE)


@dataclass(frozen=True, eq=False)
class Store:
    """An open progress store: the engine, the password hasher and the retry policy.

    Build it with ``open_store``; pass it to the functions of ``elearn.store``.
    """

    engine: Engine
    hasher: PasswordHasher = field(default_factory=password_hasher)
    retry: RetryPolicy = RetryPolicy()
    sqlite_file: SqliteFile | None = None
    """Set for a store in a SQLite file: checked before every transaction (``StoreMoved``)."""

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @cached_property
    def dummy_hash(self) -> str:
        """A hash of a random secret with this store's parameters, verified for unknown users
        so that "no such user" costs the same time as "wrong password"."""
        return self.hasher.hash(secrets.token_hex(32))

    def read(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in a read transaction, retrying transient failures.

        A SQLite store whose file was deleted or replaced refuses reads too (``StoreMoved``): they
        would show what can no longer be saved, or another database's rows.
        """
        return self._run(work, write=False)

    def write(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in a write transaction and commit, retrying transient failures.

        On SQLite the transaction starts with BEGIN IMMEDIATE, so it waits for the write lock
        up front (under busy_timeout) instead of failing when a read turns into a write. Raises
        ``StoreMoved`` if the SQLite file was deleted or replaced since the store opened it.
        """
        return self._run(work, write=True)

    def dispose(self) -> None:
        """Close the pooled connections (tests and the CLI call this when done)."""
        self.engine.dispose()

    def _run(self, work: Callable[[Connection], T], *, write: bool) -> T:
        deadline = time.monotonic() + self.retry.deadline_seconds
        delay = self.retry.first_delay_seconds
        tries = 0
        while True:
            tries += 1
            if self.sqlite_file is not None:
                self.sqlite_file.check()
            try:
                with self.engine.connect() as conn:
                    if write:
                        conn.execution_options(**{_WRITE_OPTION: True})
                    with conn.begin():
                        return work(conn)
            except DBAPIError as error:
                if self.sqlite_file is not None:
                    self.sqlite_file.check()  # a file gone between the check and the connection
                if not is_transient(error):
                    raise
                if time.monotonic() + delay > deadline:
                    raise StoreUnavailable(
                        f"The database stayed busy or unreachable for {self.retry.deadline_seconds:g} s "
                        f"({tries} tries). Try again in a moment; if it persists, tell an administrator."
                    ) from error
                log.debug("transient database error on try %d, retrying in %.3f s: %s", tries, delay, error.orig)
                time.sleep(delay * random.uniform(0.5, 1.0))  # noqa: S311 (jitter, not a secret)
                delay = min(delay * 2, self.retry.max_delay_seconds)


def open_store(
    url: str | None,
    data_dir: Path,
    *,
    hasher: PasswordHasher | None = None,
    retry: RetryPolicy | None = None,
    echo: bool | Literal["debug"] = False,
) -> Store:
    """Open the store at ``url``, or the SQLite file ``<data_dir>/elearn.db`` when url is None.

    Nothing needs setting up for SQLite: the directory and file are created on first use. Call
    ``upgrade(store)`` before use to create or migrate the tables.
    """
    target = database_url(url, data_dir)
    policy = retry or RetryPolicy()
    options: dict[str, Any] = {"echo": echo}
    sqlite_file = None
    if target.get_backend_name() == "sqlite":
        if target.database not in (None, "", ":memory:") and not target.query.get("uri"):
            sqlite_file = SqliteFile(Path(target.database).absolute())
            sqlite_file.path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(target, **options)
        _configure_sqlite(engine, policy.sqlite_busy_timeout_ms, sqlite_file)
    else:
        # A server restart or network blip leaves dead pooled connections. They are not pinged on
        # checkout (a round trip more for every transaction): the first statement on one fails
        # as a disconnect, SQLAlchemy discards the pool's dead connections, and ``_run`` retries
        # the whole transaction on a fresh one (tests/store/test_retry.py kills them mid-run).
        engine = create_engine(target, **options)
    return Store(engine=engine, hasher=hasher or password_hasher(), retry=policy, sqlite_file=sqlite_file)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int, sqlite_file: SqliteFile | None) -> None:
    if sqlite_file is not None:
        @event.listens_for(engine, "do_connect")
        def open_existing(dialect: Any, record: ConnectionPoolEntry, cargs: list[Any], cparams: dict[str, Any]) -> None:
            # Once the file exists, open it without creating: if it was deleted, a new connection
            # fails instead of making an empty database in its place.
            if sqlite_file.known:
                cargs[0] = f"file:{pathname2url(str(sqlite_file.path))}?mode=rw"
                cparams["uri"] = True

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 module (which only BEGINs before DML)
        # so that reads are repeatable and DDL is transactional; ``on_begin`` emits BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        # NORMAL under WAL syncs the WAL at checkpoints, not at every commit. A committed
        # transaction survives the process being killed (it is in the WAL, which the OS keeps);
        # only a power cut or kernel crash can roll back the last few commits, and it can never
        # corrupt the file. That trade buys several times the write rate of FULL.
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()
        # SQLite's lower() folds ASCII only; searches by name fold as Python does (``casefold``).
        dbapi_connection.create_function(CASEFOLD, 1, _casefold, deterministic=True)
        if sqlite_file is not None:
            sqlite_file.opened()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        write = bool(conn.get_execution_options().get(_WRITE_OPTION))
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def is_transient(error: DBAPIError) -> bool:
    """True for failures that a fresh try of the same transaction can get past."""
    if error.connection_invalidated:
        return True
    orig = error.orig
    if isinstance(orig, sqlite3.OperationalError):
        code = getattr(orig, "sqlite_errorcode", 0) & 0xFF
        return code in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in str(orig)
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate in _PG_RETRY_STATES or sqlstate.startswith("08")
    return False


def one_of(conn: Connection, column: InstrumentedAttribute[int], ids: Sequence[int]) -> ColumnElement[bool]:
    """``column IN ids``, written as PostgreSQL's ``column = ANY(:ids)`` there.

    psycopg parses each statement's text on the client: an ``IN`` expanded into a parameter per
    id (the dashboard passes a manager's ~1,100 learners) is re-parsed on every statement, which
    was a tenth of the dashboard's CPU. One array parameter keeps the statement text fixed.
    """
    if conn.dialect.name == "postgresql":
        return column == any_(literal(list(ids), ARRAY(Integer)))
    return column.in_(ids)


def insert_ignoring_duplicates(
    conn: Connection, table: type[Base], values: Mapping[str, Any], keys: Sequence[str]
) -> bool:
    """Insert a row unless one with the same ``keys`` (a unique key) exists; True if inserted.

    SQLite and PostgreSQL use INSERT ... ON CONFLICT (keys) DO NOTHING, which cannot race; other
    databases fall back to a savepoint that swallows the unique violation.
    """
    statement = _insert_ignoring(conn.dialect.name, table.__tablename__, tuple(keys))
    if statement is not None:
        # RETURNING gives a row only when the insert happened; rowcount is not reliable here
        # (SQLAlchemy adds its own RETURNING for the primary key on PostgreSQL).
        return conn.execute(statement, dict(values)).first() is not None
    try:
        with conn.begin_nested():
            conn.execute(insert(Base.metadata.tables[table.__tablename__]), dict(values))
    except IntegrityError:
        return False
    return True


def upsert(conn: Connection, table: type[Base], keys: Mapping[str, Any], changed: Mapping[str, Any]) -> None:
    """Insert the row ``keys`` + ``changed``, or, if a row with those ``keys`` (a unique key)
    exists, set ``changed`` on it. SQLite and PostgreSQL use INSERT ... ON CONFLICT DO UPDATE,
    which cannot race; other databases update first and insert if nothing matched."""
    name = conn.dialect.name
    if name in ("sqlite", "postgresql"):
        build = postgresql_insert if name == "postgresql" else sqlite_insert
        conn.execute(build(table).values(**keys, **changed)
                     .on_conflict_do_update(index_elements=list(keys), set_=dict(changed)))
        return
    where = and_(*(getattr(table, key) == value for key, value in keys.items()))
    if conn.execute(update(table).where(where).values(**changed)).rowcount == 0:
        conn.execute(insert(table).values(**keys, **changed))


@lru_cache(maxsize=32)
def _insert_ignoring(dialect: str, table_name: str, keys: tuple[str, ...]) -> Executable | None:
    # Built once per table: the values arrive as parameters, so SQLAlchemy's compiled-statement
    # cache is hit on every call (building the statement afresh costs more than the insert).
    table = Base.metadata.tables[table_name]
    returned = [table.c[key] for key in keys]
    if dialect == "postgresql":
        return postgresql_insert(table).on_conflict_do_nothing(index_elements=list(keys)).returning(*returned)
    if dialect == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing(index_elements=list(keys)).returning(*returned)
    return None
