"""Fixtures for the store suite: every test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``TEST_DATABASE_URL``; each test gets a schema of its own (named in the
URL's ``search_path``, so subprocesses opened from the URL land in it too) and the schema is
dropped afterwards. Without the variable the PostgreSQL cases skip, except under CI=true, where
they fail: CI must never pass by silently skipping PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from elearn.store import Role, Store, Team, User, add_team_manager, create_admin, create_team, create_user, upgrade

from .helpers import NOW, PASSWORD, POSTGRESQL, SQLITE, Target, World


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Every test that touches a database runs on both, unless it names its backend itself.
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
    with make_target(backend, tmp_path) as found:
        yield found


@pytest.fixture
def store(target: Target) -> Store:
    opened = target.open()
    upgrade(opened)
    return opened


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)


@pytest.fixture(scope="module")
def shared_world(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, World]]:
    """One world per module and backend, for tests that only read (the privacy matrix)."""
    with make_target(backend, tmp_path_factory.mktemp("shared")) as found:
        store = found.open()
        upgrade(store)
        yield store, build_world(store)


def build_world(store: Store) -> World:
    admin = create_admin(store, "admin", PASSWORD, NOW)
    team_a = create_team(store, admin, "Team A", NOW)
    team_b = create_team(store, admin, "Team B", NOW)

    def learner(name: str, team: Team | None) -> User:
        return create_user(
            store, username=name, display_name=name.title(), password=PASSWORD, now=NOW,
            team_id=team.id if team else None,
        )

    manager = create_user(
        store, username="manny", display_name="Manny", password=PASSWORD, now=NOW, roles=(Role.MANAGER,)
    )
    add_team_manager(store, admin, manager.id, team_a.id)
    return World(
        admin=admin, manager=manager, team_a=team_a, team_b=team_b,
        ana=learner("ana", team_a), abe=learner("abe", team_a), bea=learner("bea", team_b),
        loner=learner("loner", None),
    )
