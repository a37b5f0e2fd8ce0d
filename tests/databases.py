"""A database per test on SQLite and on PostgreSQL: the ``backend``, ``target`` and ``store``
fixtures, for every suite that talks to the store (loaded as a plugin by tests/conftest.py).

A test that asks for ``backend`` (directly or through ``target`` or ``store``) runs once per
backend, unless it parametrizes ``backend`` itself. PostgreSQL comes from ``TEST_DATABASE_URL``;
each test gets a schema of its own (named in the URL's ``search_path``, so subprocesses opened
from the URL land in it too), dropped afterwards. Without the variable the PostgreSQL cases
skip, except under CI=true, where they fail: CI must never pass by silently skipping PostgreSQL.

A test that asks for ``store`` on PostgreSQL gets a schema at head from its process's pool
(``_HeadSchemas``): building the forty tables costs PostgreSQL about 0.35 s and dropping them
0.08 s, per test, while emptying them costs a few hundredths. A schema goes back to the pool only
if it is exactly as built (the same tables, columns, indexes and constraints, stamped at head),
emptied and with its sequences restarted, so the next test cannot tell it from a new one; else it
is dropped.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError

from elearn.store import Store
from elearn.store.migrate import head_revision
from elearn.store.tables import Base
from tests.store.helpers import POSTGRESQL, SQLITE, Target


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    chosen = any("backend" in str(mark.args[0]) for mark in metafunc.definition.iter_markers("parametrize"))
    if "backend" in metafunc.fixturenames and not chosen:
        # Module scope lets module-scoped fixtures (a shared read-only world) use it too.
        metafunc.parametrize("backend", [SQLITE, POSTGRESQL], scope="module")


def _base_url() -> str:
    base_url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not base_url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL store tests must run in CI.")
        pytest.skip("TEST_DATABASE_URL is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    return base_url


def _schema_url(base_url: str, schema: str) -> str:
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@contextmanager
def make_target(backend: str, directory: Path) -> Iterator[Target]:
    """A fresh, empty database of ``backend``, removed afterwards."""
    if backend == "sqlite":
        found = Target(backend, f"sqlite:///{directory / 'elearn.db'}", directory)
        try:
            yield found
        finally:
            for store in found.opened:
                store.dispose()
        return
    base_url = _base_url()
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    found = Target(backend, _schema_url(base_url, schema), directory)
    try:
        yield found
    finally:
        for store in found.opened:
            store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# What a schema's shape is made of: every column, index and constraint, and the stamped revision.
_SHAPE = text("""
    SELECT coalesce(string_agg(part, E'\n' ORDER BY part), '') FROM (
        SELECT concat_ws(' ', table_name, column_name, data_type, is_nullable, column_default) AS part
          FROM information_schema.columns WHERE table_schema = :schema
        UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = :schema
        UNION ALL SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
          FROM pg_constraint WHERE connamespace = CAST(:schema AS regnamespace)
    ) AS parts
""")


class _HeadSchemas:
    """This process's PostgreSQL schemas at head that no test is using, each with its shape as built."""

    def __init__(self) -> None:
        self.idle: list[str] = []
        self.shapes: dict[str, str] = {}
        self.engines: dict[str, Engine] = {}

    def _engine(self, base_url: str) -> Engine:
        if base_url not in self.engines:
            self.engines[base_url] = create_engine(base_url)
        return self.engines[base_url]

    def take(self, base_url: str) -> str:
        """A schema at head with no rows in it: an idle one, else a new one."""
        if self.idle:
            return self.idle.pop()
        schema = f"test_{uuid.uuid4().hex[:16]}"
        with self._engine(base_url).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            conn.execute(text(f'SET LOCAL search_path TO "{schema}"'))
            _build_at_head(conn)
        with self._engine(base_url).begin() as conn:  # the search path back as _emptied sees it: names qualified alike
            self.shapes[schema] = conn.execute(_SHAPE, {"schema": schema}).scalar_one()
        return schema

    def give_back(self, base_url: str, schema: str) -> None:
        """Empty ``schema`` and keep it for the next test if it is still as built; else drop it."""
        if self._emptied(self._engine(base_url), schema):
            self.idle.append(schema)
            return
        self.shapes.pop(schema, None)
        with self._engine(base_url).begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

    def _emptied(self, engine: Engine, schema: str) -> bool:
        try:
            with engine.begin() as conn:
                # A session the test left holding a lock must not hang the run: then the schema is dropped.
                conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                if conn.execute(_SHAPE, {"schema": schema}).scalar_one() != self.shapes.get(schema):
                    return False
                versions = conn.execute(text(f'SELECT version_num FROM "{schema}".alembic_version')).scalars().all()
                if versions != [_head()]:
                    return False
                for table in reversed(Base.metadata.sorted_tables):
                    conn.execute(text(f'DELETE FROM "{schema}"."{table.name}"'))
                conn.execute(text("SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, "
                                  "false) FROM pg_sequences WHERE schemaname = :schema"), {"schema": schema})
        except DBAPIError:
            return False
        return True

    def drop_all(self) -> None:
        """Drop every schema this pool built and still holds, idle or not (one a test kept on failing)."""
        for engine in self.engines.values():
            with engine.begin() as conn:
                for schema in self.shapes:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            engine.dispose()
        self.idle.clear()
        self.shapes.clear()


@pytest.fixture(scope="session")
def _head_schemas() -> Iterator[_HeadSchemas]:
    schemas = _HeadSchemas()
    yield schemas
    schemas.drop_all()


@pytest.fixture
def target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Target]:
    """An empty database of ``backend`` for this test; on PostgreSQL, at head already (from the
    pool, see the module docstring) when the test asks for ``store`` too."""
    if backend != "postgresql" or "store" not in request.fixturenames:
        with make_target(backend, tmp_path) as found:
            yield found
        return
    base_url = _base_url()
    schemas: _HeadSchemas = request.getfixturevalue("_head_schemas")
    schema = schemas.take(base_url)
    found = Target(backend, _schema_url(base_url, schema), tmp_path, at_head=True)
    try:
        yield found
    finally:
        for opened in found.opened:
            opened.dispose()
        schemas.give_back(base_url, schema)


@pytest.fixture
def store(target: Target) -> Store:
    """The test's database, opened (with a fast hasher) and at the newest schema (``at_head``)."""
    opened = target.open()
    if not target.at_head:
        at_head(opened)
    return opened


def at_head(store: Store) -> None:
    """Give an empty database the newest schema, as ``upgrade`` would, without replaying every revision.

    ``tables.py`` is what the newest revision builds (``tests/store/test_migrations.py`` compares
    the two, and runs the revisions themselves from an empty database and from the first
    schema), so the tables are created from it and the database is stamped at head. On
    PostgreSQL that is a tenth of the second ``upgrade`` takes per test.
    """

    store.write(_build_at_head)


def _build_at_head(conn: Connection) -> None:
    Base.metadata.create_all(conn)
    conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                      "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"))
    conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": _head()})


@functools.cache
def _head() -> str:
    return head_revision()
