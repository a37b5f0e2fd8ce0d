"""What the store tests share: a fixed clock, a fast hasher, the database target, a small world."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import insert

from elearn.store import Store, Team, User, open_store
from elearn.store.tables import TeamRow

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
# The PostgreSQL cases carry the ``postgres`` marker, which CI counts (tests/conftest.py).
SQLITE = pytest.param("sqlite", id="sqlite")
POSTGRESQL = pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)
# Argon2id at the cheapest settings: the suite creates many accounts, and the cost parameters
# are not what these tests are about (test_accounts checks rehashing between parameter sets).
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@dataclass
class Target:
    """Where one test's database lives, as a URL any process can open."""

    backend: str
    url: str
    data_dir: Path
    at_head: bool = False  # the tables are there already (a pooled PostgreSQL schema, tests/databases.py)
    opened: list[Store] = field(default_factory=list)

    def open(self, **options: Any) -> Store:
        options.setdefault("hasher", FAST_HASHER)
        store = open_store(self.url, self.data_dir, **options)
        self.opened.append(store)
        return store

    @property
    def sqlite_file(self) -> Path:
        return self.data_dir / "elearn.db"


@dataclass(frozen=True)
class World:
    """A small organisation: two teams, learners in each, a manager of team A, an admin."""

    admin: User
    manager: User
    team_a: Team
    team_b: Team
    ana: User  # learner, team A
    abe: User  # learner, team A
    bea: User  # learner, team B
    loner: User  # learner, no team

    def everyone(self) -> list[User]:
        return [self.admin, self.manager, self.ana, self.abe, self.bea, self.loner]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass (then fail, saying ``what``)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


def seed_team(store: Store, name: str, now: datetime = NOW) -> Team:
    """A team for a test's world, written as the demo data is: by nobody, so not audited (an
    administrator's ``create_team`` is). Keeps "nothing was audited" assertions exact."""
    team_id = store.write(lambda conn: conn.execute(
        insert(TeamRow).values(name=name, created_at=now).returning(TeamRow.id)).scalar_one())
    return Team(id=team_id, name=name, created_at=now)
