"""Fixtures for the store suite: a small world of teams, managers and learners, in the database
of ``tests/databases.py`` (every test runs on SQLite and on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from elearn.store import Role, Store, Team, User, create_user
from tests.databases import at_head, make_target

from .helpers import NOW, PASSWORD, World, seed_team


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)


@pytest.fixture(scope="module")
def shared_world(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, World]]:
    """One world per module and backend, for tests that only read (the privacy matrix)."""
    with make_target(backend, tmp_path_factory.mktemp("shared")) as found:
        store = found.open()
        at_head(store)
        yield store, build_world(store)


def build_world(store: Store) -> World:
    """Seeded as demo data is, by nobody: the world itself leaves the audit log empty."""
    admin = create_user(store, username="admin", display_name="", password=PASSWORD, now=NOW,
                        roles=(Role.ADMIN, Role.LEARNER))
    team_a = seed_team(store, "Team A")
    team_b = seed_team(store, "Team B")

    def learner(name: str, team: Team | None) -> User:
        return create_user(
            store, username=name, display_name=name.title(), password=PASSWORD, now=NOW,
            team_id=team.id if team else None,
        )

    manager = create_user(
        store, username="manny", display_name="Manny", password=PASSWORD, now=NOW, roles=(Role.MANAGER,),
        manages=(team_a.id,),
    )
    return World(
        admin=admin, manager=manager, team_a=team_a, team_b=team_b,
        ana=learner("ana", team_a), abe=learner("abe", team_a), bea=learner("bea", team_b),
        loner=learner("loner", None),
    )
