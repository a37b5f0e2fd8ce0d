"""Running aggregates for the manager dashboard: skill ratings, skill tallies, learner progress.

- ``skill_ratings``: one row per skill rated by a first-attempt choice (event, user, skill,
  rating, time), indexed on (user, skill, time).
- ``skill_tallies``: per learner and skill, the mastery model's recency-weighted fold.
- ``learner_progress``: per learner, lessons done, scenarios finished, best scores, time spent
  and last activity.

The upgrade backfills all three from the event log, learner by learner, with the same rules as
the write path (``elearn.store.progress_rules``, pure functions: this revision imports no table
declaration). Only new tables: the downgrade drops them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from alembic import op

from elearn.store.progress_rules import AttemptFacts, fold_ratings, progress_values

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

Time = sa.DateTime(timezone=True)
EventId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CHUNK = 500


def upgrade() -> None:
    op.create_table(
        "skill_ratings",
        sa.Column("event_id", EventId, nullable=False),
        sa.Column("skill", sa.String(100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.String(10), nullable=False),
        sa.Column("occurred_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["choice_events.id"], name="fk_skill_ratings_event_id_choice_events"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_skill_ratings_user_id_users"),
        sa.PrimaryKeyConstraint("event_id", "skill", name="pk_skill_ratings"),
    )
    op.create_index("ix_skill_ratings_user_id_skill_occurred_at", "skill_ratings", ["user_id", "skill", "occurred_at"])
    op.create_table(
        "skill_tallies",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(100), nullable=False),
        sa.Column("successes", sa.Float(), nullable=False),
        sa.Column("failures", sa.Float(), nullable=False),
        sa.Column("observations", sa.Integer(), nullable=False),
        sa.Column("last_at", Time, nullable=False),
        sa.Column("last_event_id", EventId, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_skill_tallies_user_id_users"),
        sa.PrimaryKeyConstraint("user_id", "skill", name="pk_skill_tallies"),
    )
    op.create_table(
        "learner_progress",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lessons", sa.JSON(), nullable=False),
        sa.Column("scenarios", sa.JSON(), nullable=False),
        sa.Column("scenarios_finished", sa.Integer(), nullable=False),
        sa.Column("mean_best_score", sa.Float(), nullable=True),
        sa.Column("seconds_in_scenarios", sa.Integer(), nullable=False),
        sa.Column("last_activity", Time, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_learner_progress_user_id_users"),
        sa.PrimaryKeyConstraint("user_id", name="pk_learner_progress"),
    )
    _backfill(op.get_bind())


def downgrade() -> None:
    op.drop_table("learner_progress")
    op.drop_table("skill_tallies")
    op.drop_index("ix_skill_ratings_user_id_skill_occurred_at", table_name="skill_ratings")
    op.drop_table("skill_ratings")


def _table(name: str, *columns: str, types: dict[str, Any] | None = None) -> sa.TableClause:
    given = types or {}
    return sa.table(name, *(sa.column(column, given.get(column)) for column in columns))


def _backfill(conn: sa.engine.Connection) -> None:
    # SQLite keeps naive UTC text; declaring the time columns as DateTime reads them as datetimes,
    # made aware here as UtcDateTime would.
    times = {"occurred_at": sa.DateTime(), "started_at": sa.DateTime(), "updated_at": sa.DateTime(),
             "finished_at": sa.DateTime(), "completed_at": sa.DateTime(), "evidence": sa.JSON()}
    events = _table("choice_events", "id", "user_id", "occurred_at", "evidence", "first_attempt", types=times)
    attempts = _table("scenario_attempts", "user_id", "scenario_id", "started_at", "updated_at", "finished_at",
                      "outcome", "score", types=times)
    lessons = _table("lesson_completions", "user_id", "lesson_id", "completed_at", types=times)
    ratings_t = sa.table("skill_ratings", *(sa.column(c) for c in ("event_id", "skill", "user_id", "rating")),
                         sa.column("occurred_at", Time))
    tallies_t = sa.table("skill_tallies", *(sa.column(c) for c in ("user_id", "skill", "successes", "failures",
                                                                     "observations", "last_event_id")),
                         sa.column("last_at", Time))
    progress_t = sa.table("learner_progress", sa.column("user_id"), sa.column("lessons", sa.JSON()),
                          sa.column("scenarios", sa.JSON()), sa.column("scenarios_finished"),
                          sa.column("mean_best_score"), sa.column("seconds_in_scenarios"),
                          sa.column("last_activity", Time))
    learners = sorted(conn.scalars(sa.union(sa.select(attempts.c.user_id), sa.select(lessons.c.user_id),
                                            sa.select(events.c.user_id))))
    for start in range(0, len(learners), CHUNK):
        chunk = learners[start:start + CHUNK]
        ratings: list[dict[str, Any]] = []
        per_skill: dict[tuple[int, str], list[Any]] = defaultdict(list)
        for user_id, event_id, occurred_at, evidence in conn.execute(
                sa.select(events.c.user_id, events.c.id, events.c.occurred_at, events.c.evidence)
                .where(events.c.user_id.in_(chunk), events.c.first_attempt.is_(True))):
            at = _aware(occurred_at)
            for skill, rating in evidence.items():
                ratings.append({"event_id": event_id, "skill": skill, "user_id": user_id, "rating": rating,
                                "occurred_at": at})
                per_skill[(user_id, skill)].append((at, event_id, rating))
        tallies = []
        for (user_id, skill), found in per_skill.items():
            tally = fold_ratings(found)
            assert tally is not None
            tallies.append({"user_id": user_id, "skill": skill, "successes": tally.successes,
                            "failures": tally.failures, "observations": tally.observations,
                            "last_at": tally.last_at, "last_event_id": tally.last_event_id})
        played: dict[int, list[AttemptFacts]] = defaultdict(list)
        for row in conn.execute(sa.select(attempts).where(attempts.c.user_id.in_(chunk))):
            played[row[0]].append(AttemptFacts(row[1], _aware(row[2]), _aware(row[3]),
                                               _aware(row[4]) if row[4] is not None else None, row[5], row[6]))
        read: dict[int, list[Any]] = defaultdict(list)
        for user_id, lesson_id, completed_at in conn.execute(sa.select(lessons).where(lessons.c.user_id.in_(chunk))):
            read[user_id].append((lesson_id, _aware(completed_at)))
        progress = [progress_values(played.get(user_id, ()), read.get(user_id, ())).as_row(user_id)
                    for user_id in sorted(set(played) | set(read))]
        for table, rows in ((ratings_t, ratings), (tallies_t, tallies), (progress_t, progress)):
            for part in range(0, len(rows), 5_000):
                conn.execute(table.insert(), rows[part:part + 5_000])


def _aware(moment: Any) -> Any:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
