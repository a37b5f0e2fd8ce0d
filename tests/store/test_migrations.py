"""Migrations: a database made at the first revision upgrades in place and keeps its data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, Table, func, inspect, select, text
from sqlalchemy.engine import Connection

from elearn.store import (
    Role,
    Store,
    User,
    authenticate,
    current_revision,
    events_for,
    head_revision,
    progress_for,
    upgrade,
    user_by_email,
)
from elearn.store.analytics import learner_facts
from elearn.store.rebuild import rebuild_aggregates
from elearn.store.tables import Base

from .helpers import FAST_HASHER, NOW, PASSWORD, Target

FIRST = "0001"


def _fill_first_revision(conn: Connection) -> None:
    """Data as the first revision's code would have written it (its own columns, no later ones)."""
    tables = MetaData()
    tables.reflect(conn)

    def put(table_name: str, **values: Any) -> int:
        table: Table = tables.tables[table_name]
        inserted = conn.execute(table.insert().values(**values).returning(*table.primary_key.columns))
        return int(inserted.first()[0])  # type: ignore[index]

    # SQLite stores naive UTC (see UtcDateTime); PostgreSQL has real time zones.
    at: datetime = NOW if conn.dialect.name == "postgresql" else NOW.replace(tzinfo=None)
    team = put("teams", name="Support", created_at=at)
    user = put(
        "users", username="olga", display_name="Olga", email="olga@example.org", team_id=team,
        password_hash=FAST_HASHER.hash(PASSWORD), created_at=at,
    )
    put("user_roles", user_id=user, role="learner")
    sso_only = put("users", username="sso-sam", display_name="Sam", email="sam@example.org", created_at=at)
    put("user_roles", user_id=sso_only, role="learner")
    put("lesson_completions", user_id=user, lesson_id="empathy-not-agreement", completed_at=at)
    attempt = put(
        "scenario_attempts", user_id=user, scenario_id="refund-call", scenario_version=2, attempt_number=1,
        started_at=at, updated_at=at, run_json='{"node": "greet"}',
    )
    put(
        "choice_events", event_key="olga-1", user_id=user, attempt_id=attempt, scenario_id="refund-call",
        scenario_version=2, node_id="greet", choice_id="acknowledge", evidence={"empathy": "good"},
        anger_before=60, anger_after=45, attempt_number=1, first_attempt=True, occurred_at=at,
    )


def test_database_at_first_revision_upgrades_with_its_data(store: Store) -> None:
    fresh = Store(engine=store.engine, hasher=store.hasher)  # same database, nothing cached
    # The store fixture upgraded to head; start again from an empty schema at the first revision.
    store.write(Base.metadata.drop_all)
    store.write(lambda conn: conn.execute(text("DROP TABLE alembic_version")))
    upgrade(fresh, FIRST)
    assert current_revision(fresh) == FIRST
    assert "last_seen_at" not in {c["name"] for c in store.read(lambda conn: inspect(conn).get_columns("users"))}
    fresh.write(_fill_first_revision)

    upgrade(fresh)

    assert current_revision(fresh) == head_revision() != FIRST
    olga = authenticate(fresh, "olga", PASSWORD, NOW, client="test")
    assert isinstance(olga, User)
    assert olga.roles == frozenset({Role.LEARNER})
    # 0005: a password account may have been self-registered, so its e-mail starts unverified; an
    # account without a password was made by an administrator or the identity provider.
    assert not olga.email_verified
    assert user_by_email(fresh, "sam@example.org").email_verified  # type: ignore[union-attr]
    progress = progress_for(fresh, olga, olga.id)
    assert progress.user.last_seen_at is None
    assert progress.user.created_at == NOW
    assert progress.completed_lessons == {"empathy-not-agreement"}
    assert [(a.scenario_id, a.run_json, a.in_progress) for a in progress.attempts] == [
        ("refund-call", '{"node": "greet"}', True)
    ]
    assert [(e.skill, e.rating, e.occurred_at) for e in progress.evidence] == [("empathy", "good", NOW)]
    [event] = events_for(fresh, olga, olga.id)
    assert (event.event_key, event.anger_before, event.anger_after, dict(event.evidence)) == (
        "olga-1", 60, 45, {"empathy": "good"},
    )
    # 0010 backfilled the running aggregates from the log: exactly what a rebuild computes.
    report = rebuild_aggregates(fresh, verify=True)
    assert (report.learners, report.ratings, report.tallies, report.differences) == (1, 1, 1, 0)
    [facts] = list(learner_facts(fresh, olga, ["empathy-not-agreement"], ["refund-call"]))
    assert (facts.lessons_done.keys(), facts.scenario_finished) == ({"empathy-not-agreement"}, {"refund-call": 0})


def _snapshot(conn: Connection) -> dict[str, Any]:
    inspector = inspect(conn)
    return {
        name: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)],
            sorted((i["name"] or "", tuple(i["column_names"])) for i in inspector.get_indexes(name)),
            conn.scalar(select(func.count()).select_from(Table(name, MetaData(), autoload_with=conn))),
        )
        for name in sorted(inspector.get_table_names())
    }


def test_upgrading_an_up_to_date_database_changes_nothing(store: Store) -> None:
    before = store.read(_snapshot)
    upgrade(store)
    upgrade(store)
    assert store.read(_snapshot) == before
    assert current_revision(store) == head_revision()


def test_migrations_build_exactly_the_declared_tables(store: Store) -> None:
    def differences(conn: Connection) -> list[Any]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    assert store.read(differences) == []


def test_upgrade_creates_a_missing_database_from_nothing(target: Target) -> None:
    store = target.open()
    assert current_revision(store) is None
    upgrade(store)
    assert current_revision(store) == head_revision()
