"""The append-only log of choices: recorded once per click, read back per user or per scenario.

``record_choice`` is idempotent on the caller's ``event_key`` (INSERT ... ON CONFLICT DO
NOTHING), so a retried write or a repeated click never stores a choice twice. A first-attempt
choice's ratings go into ``skill_ratings`` and the learner's skill tallies in the same
transaction (``elearn.store.aggregates``). Events are never
updated or deleted; they carry what an xAPI statement needs (who, which scenario and version,
which node and choice, the rated skills, the anger before and after, the attempt, when).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Executable, bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from elearn.store.access import require_read, scope_of
from elearn.store.aggregates import add_ratings
from elearn.store.db import Store
from elearn.store.errors import AccessDenied
from elearn.store.records import ChoiceEvent, Evidence, NewChoice, User, Viewer
from elearn.store.tables import AttemptRow, ChoiceEventRow

_EVENT_COLUMNS = (
    ChoiceEventRow.id,
    ChoiceEventRow.event_key,
    ChoiceEventRow.user_id,
    ChoiceEventRow.attempt_id,
    ChoiceEventRow.scenario_id,
    ChoiceEventRow.scenario_version,
    ChoiceEventRow.node_id,
    ChoiceEventRow.choice_id,
    ChoiceEventRow.evidence,
    ChoiceEventRow.anger_before,
    ChoiceEventRow.anger_after,
    ChoiceEventRow.attempt_number,
    ChoiceEventRow.first_attempt,
    ChoiceEventRow.occurred_at,
)

# Built once: record_choice is the hottest write, and building a statement costs more than running it.
_ATTEMPT_FACTS = select(
    AttemptRow.user_id, AttemptRow.scenario_id, AttemptRow.scenario_version, AttemptRow.attempt_number,
    AttemptRow.started_at, AttemptRow.updated_at,
).where(AttemptRow.id == bindparam("attempt_id"))
# The player's answer also moves the attempt on: on PostgreSQL its row is locked as it is read, so
# the time spent added to the learner's progress is counted from the attempt's latest save.
_ATTEMPT_FACTS_LOCKED = _ATTEMPT_FACTS.with_for_update()
# A learner's own pages read these on every rerun.
_BY_TIME = (ChoiceEventRow.occurred_at, ChoiceEventRow.id)
_EVENTS_OF = select(*_EVENT_COLUMNS).where(ChoiceEventRow.user_id == bindparam("user_id")).order_by(*_BY_TIME)
_EVENTS_AT = (select(*_EVENT_COLUMNS)
              .where(ChoiceEventRow.user_id == bindparam("user_id"),
                     ChoiceEventRow.scenario_id == bindparam("scenario_id"))
              .order_by(*_BY_TIME))
_EVIDENCE_OF = (select(ChoiceEventRow.evidence, ChoiceEventRow.occurred_at, ChoiceEventRow.scenario_id)
                .where(ChoiceEventRow.user_id == bindparam("user_id"), ChoiceEventRow.first_attempt.is_(True))
                .order_by(*_BY_TIME))


def record_choice(store: Store, user: User, choice: NewChoice) -> bool:
    """Record a choice ``user`` made in their attempt; True if stored now, False if this
    ``event_key`` was already recorded. Raises ``AccessDenied`` if the attempt is not theirs.

    The scenario player records an answer with its run in one transaction instead
    (``elearn.store.answers.record_answer``)."""
    return store.write(lambda conn: insert_choice(conn, user, choice))


def insert_choice(conn: Connection, user: User, choice: NewChoice) -> bool:
    """``record_choice`` inside the caller's transaction."""
    return insert_choice_of_attempt(conn, user, choice) is not None


def insert_choice_of_attempt(conn: Connection, user: User, choice: NewChoice, *,
                             lock: bool = False) -> tuple[datetime, datetime] | None:
    """``insert_choice``, returning the attempt's start and latest save as read before the
    choice (None if the event key was already recorded); ``lock`` holds the attempt's row."""
    facts = _ATTEMPT_FACTS_LOCKED if lock and conn.dialect.name == "postgresql" else _ATTEMPT_FACTS
    attempt = conn.execute(facts, {"attempt_id": choice.attempt_id}).first()
    if attempt is None or attempt[0] != user.id:
        raise AccessDenied("This attempt belongs to someone else.")
    values = {
        "event_key": choice.event_key,
        "user_id": user.id,
        "attempt_id": choice.attempt_id,
        "scenario_id": attempt[1],
        "scenario_version": attempt[2],
        "node_id": choice.node_id,
        "choice_id": choice.choice_id,
        "evidence": dict(choice.evidence),
        "anger_before": choice.anger_before,
        "anger_after": choice.anger_after,
        "attempt_number": attempt[3],
        "first_attempt": choice.first_attempt,
        "occurred_at": choice.occurred_at,
    }
    inserted = conn.execute(_insert_event(conn.dialect.name), values).first()
    if inserted is None:
        return None
    if choice.first_attempt:
        add_ratings(conn, user.id, inserted[0], choice.evidence, choice.occurred_at)
    return attempt[4], attempt[5]


@lru_cache(maxsize=4)
def _insert_event(dialect: str) -> Executable:
    """INSERT ... ON CONFLICT (event_key) DO NOTHING RETURNING id: a row only when stored now."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return insert(ChoiceEventRow).on_conflict_do_nothing(index_elements=["event_key"]).returning(ChoiceEventRow.id)


def events_for(store: Store, viewer: Viewer, user_id: int, scenario_id: str | None = None) -> tuple[ChoiceEvent, ...]:
    """``user_id``'s choices, oldest first (optionally of one scenario), if ``viewer`` may see them."""

    def work(conn: Connection) -> tuple[ChoiceEvent, ...]:
        require_read(conn, viewer, user_id)
        if scenario_id is None:
            rows = conn.execute(_EVENTS_OF, {"user_id": user_id})
        else:
            rows = conn.execute(_EVENTS_AT, {"user_id": user_id, "scenario_id": scenario_id})
        return tuple(_event(row) for row in rows)

    return store.read(work)


def scenario_events(store: Store, viewer: Viewer, scenario_id: str) -> tuple[ChoiceEvent, ...]:
    """Choices in ``scenario_id`` by everyone ``viewer`` may see, oldest first (for analytics)."""

    def work(conn: Connection) -> tuple[ChoiceEvent, ...]:
        scope = scope_of(conn, viewer)
        return _events(conn, (ChoiceEventRow.scenario_id == scenario_id) & scope.covers(ChoiceEventRow.user_id))

    return store.read(work)


def first_attempt_evidence(store: Store, viewer: Viewer, user_id: int) -> tuple[Evidence, ...]:
    """The skill ratings from ``user_id``'s first-attempt choices, oldest first: mastery's input."""

    def work(conn: Connection) -> tuple[Evidence, ...]:
        require_read(conn, viewer, user_id)
        return evidence_rows(conn, user_id)

    return store.read(work)


def evidence_rows(conn: Connection, user_id: int) -> tuple[Evidence, ...]:
    """First-attempt evidence of ``user_id`` (no access check: callers have done it)."""
    rows = conn.execute(_EVIDENCE_OF, {"user_id": user_id})
    return tuple(
        Evidence(skill=skill, rating=rating, occurred_at=occurred_at, scenario_id=scenario_id)
        for evidence, occurred_at, scenario_id in rows
        for skill, rating in sorted(evidence.items())
    )


def _events(conn: Connection, condition: ColumnElement[bool]) -> tuple[ChoiceEvent, ...]:
    rows = conn.execute(select(*_EVENT_COLUMNS).where(condition).order_by(*_BY_TIME))
    return tuple(_event(row) for row in rows)


def _event(row: Sequence[Any]) -> ChoiceEvent:
    return ChoiceEvent(
        id=row[0], event_key=row[1], user_id=row[2], attempt_id=row[3], scenario_id=row[4], scenario_version=row[5],
        node_id=row[6], choice_id=row[7], evidence=row[8], anger_before=row[9], anger_after=row[10],
        attempt_number=row[11], first_attempt=row[12], occurred_at=row[13],
    )
