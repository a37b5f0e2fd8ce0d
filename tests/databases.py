"""A database per test on SQLite and on PostgreSQL: the ``backend``, ``target`` and ``store``
fixtures, for every suite that talks to the store (loaded as a plugin by tests/conftest.py).

A test that asks for ``backend`` (directly or through ``target`` or ``store``) runs once per
backend, unless it parametrizes ``backend`` itself. PostgreSQL comes from ``TEST_DATABASE_URL``;
each test gets a schema of its own (named in the URL's ``search_path``, so subprocesses opened
from the URL land in it too), dropped afterwards. Without the variable the PostgreSQL cases
skip, except under CI=true, where they fail: CI must never pass by silently skipping PostgreSQL.
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
from sqlalchemy.engine import Connection, make_url

from elearn.store import Store
from elearn.store.migrate import head_revision
from elearn.store.tables import Base
from tests.store.helpers import POSTGRESQL, SQLITE, Target


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    chosen = any("backend" in str(mark.args[0]) for mark in metafunc.definition.iter_markers("parametrize"))
    if "backend" in metafunc.fixturenames and not chosen:
        # Module scope lets module-scoped fixtures (a shared read-only world) use it too.
        metafunc.parametrize("backend", [SQLITE, POSTGRESQL], scope="module")


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
    base_url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not base_url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL store tests must run in CI.")
        pytest.skip("TEST_DATABASE_URL is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    found = Target(backend, url.render_as_string(hide_password=False), directory)
    try:
        yield found
    finally:
        for store in found.opened:
            store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def target(backend: str, tmp_path: Path) -> Iterator[Target]:
    """An empty database of ``backend`` for this test."""
    with make_target(backend, tmp_path) as found:
        yield found


@pytest.fixture
def store(target: Target) -> Store:
    """The test's database, opened (with a fast hasher) and at the newest schema (``at_head``)."""
    opened = target.open()
    at_head(opened)
    return opened


def at_head(store: Store) -> None:
    """Give an empty database the newest schema, as ``upgrade`` would, without replaying every revision.

    ``tables.py`` is what the newest revision builds (``tests/store/test_migrations.py`` compares
    the two, and runs the revisions themselves from an empty database and from the first
    schema), so the tables are created from it and the database is stamped at head. On
    PostgreSQL that is a tenth of the second ``upgrade`` takes per test.
    """

    def work(conn: Connection) -> None:
        Base.metadata.create_all(conn)
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                          "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"))
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": _head()})

    store.write(work)


@functools.cache
def _head() -> str:
    return head_revision()
