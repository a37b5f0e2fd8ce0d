"""The running aggregates, kept up to date in the same transaction as the write they summarise.

- ``skill_ratings``: one row per skill a first-attempt choice rated (``add_ratings``).
- ``skill_tallies``: per learner and skill, the recency-weighted fold of those ratings. A new
  rating is folded in by one atomic upsert (``INSERT ... ON CONFLICT DO UPDATE``, on SQLite and
  PostgreSQL), so two processes writing at once cannot lose an update. The fold is only right
  when ratings arrive in (time, event id) order; an upsert whose rating is older than the last
  one folded does nothing, and the tally is then refolded from ``skill_ratings`` under a row lock.
- ``learner_progress``: per learner, recomputed from their (few) attempts and lesson completions
  by ``refresh_progress`` after each of them is written; an answer that only saves an attempt
  again moves the time spent and last activity on in place (``advance_progress``). On PostgreSQL
  a transaction-scoped advisory lock per learner serialises both, so a refresh always reads
  what an earlier writer committed and no increment lands between a refresh's read and its
  write; SQLite write transactions are serial already (BEGIN IMMEDIATE). Each refresh also
  recomputes the learner's standing (``elearn.store.standings``).

``elearn.store.rebuild`` recomputes all three from the event log and reports any difference.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Executable, Float, Table, and_, bindparam, case, delete, insert, or_, select, text, update
from sqlalchemy.engine import Connection

from elearn.course.schema import RATING_CREDIT, RECENCY
from elearn.store.locks import PROGRESS_LOCK as PROGRESS_LOCK  # re-exported
from elearn.store.locks import dialect_insert
from elearn.store.progress_rules import ATTEMPT_TIME_CAP_SECONDS, AttemptFacts, epoch, fold_ratings, progress_values
from elearn.store.standings import refresh_standing_of
from elearn.store.tables import AttemptRow, LearnerProgressRow, LessonCompletionRow, SkillRatingRow, SkillTallyRow


def add_ratings(conn: Connection, user_id: int, event_id: int, evidence: Mapping[str, str],
                occurred_at: datetime) -> None:
    """Store a first-attempt choice's ratings and fold each into its learner's skill tally."""
    if not evidence:
        return
    ratings = sorted(evidence.items())
    conn.execute(_insert_ratings(), [{"event_id": event_id, "skill": skill, "user_id": user_id, "rating": rating,
                                      "occurred_at": occurred_at} for skill, rating in ratings])
    # One statement folds every skill of the choice; RETURNING names those it folded.
    parameters: dict[str, Any] = {}
    for number, (skill, rating) in enumerate(ratings):
        credit = RATING_CREDIT[rating]
        parameters |= {f"skill_{number}": skill, f"successes_{number}": credit, f"failures_{number}": 1 - credit}
    folded = set(conn.scalars(_fold(conn.dialect.name, len(ratings)),
                              {"user_id": user_id, "last_at": occurred_at, "last_event_id": event_id, **parameters}))
    for skill, _ in ratings:
        if skill not in folded:  # older than the newest rating folded: fold them all again, in order
            refold_tally(conn, user_id, skill)


def refold_tally(conn: Connection, user_id: int, skill: str) -> None:
    """Recompute one tally from ``skill_ratings`` (under a row lock where the database has them)."""
    locked = select(SkillTallyRow.user_id).where(SkillTallyRow.user_id == user_id, SkillTallyRow.skill == skill)
    if conn.dialect.name == "postgresql":
        conn.execute(locked.with_for_update())
    rows = conn.execute(select(SkillRatingRow.occurred_at, SkillRatingRow.event_id, SkillRatingRow.rating)
                        .where(SkillRatingRow.user_id == user_id, SkillRatingRow.skill == skill))
    tally = fold_ratings((row[0], row[1], row[2]) for row in rows)
    conn.execute(delete(SkillTallyRow).where(SkillTallyRow.user_id == user_id, SkillTallyRow.skill == skill))
    if tally is not None:
        conn.execute(_insert_tally(), {"user_id": user_id, "skill": skill, "successes": tally.successes,
                                       "failures": tally.failures, "observations": tally.observations,
                                       "last_at": tally.last_at, "last_event_id": tally.last_event_id})


def refresh_progress(conn: Connection, user_id: int) -> None:
    """Recompute ``user_id``'s ``learner_progress`` row from their attempts and lessons."""
    if conn.dialect.name == "postgresql":
        conn.execute(_PROGRESS_LOCK, {"key": PROGRESS_LOCK, "user_id": user_id})
    attempts = [AttemptFacts(*row) for row in conn.execute(_USER_ATTEMPTS, {"user_id": user_id})]
    lessons = [(row[0], row[1]) for row in conn.execute(_USER_LESSONS, {"user_id": user_id})]
    values = progress_values(attempts, lessons).as_row(user_id)
    conn.execute(_upsert_progress(conn.dialect.name), values)
    refresh_standing_of(conn, user_id, values)


def advance_progress(conn: Connection, user_id: int, started_at: datetime, saved_at: datetime,
                     now: datetime) -> None:
    """An unfinished attempt (started ``started_at``, last saved ``saved_at``) was saved again at
    ``now``: add the time that adds to ``user_id``'s progress row and move its last activity on,
    in one atomic UPDATE (exactly ``progress_values``' sums; nothing else in the row changes)."""
    if conn.dialect.name == "postgresql":  # not between a concurrent refresh's read and its write
        conn.execute(_PROGRESS_LOCK, {"key": PROGRESS_LOCK, "user_id": user_id})
    start = epoch(started_at)
    added = (min(epoch(now) - start, ATTEMPT_TIME_CAP_SECONDS) - min(epoch(saved_at) - start, ATTEMPT_TIME_CAP_SECONDS))
    moved = conn.execute(_ADVANCE, {"learner": user_id, "added": added,
                                    "activity": datetime.fromtimestamp(epoch(now), UTC)})
    if moved.rowcount != 1:  # no row yet (written before the aggregates existed): compute it whole
        refresh_progress(conn, user_id)


_ADVANCE = (
    update(LearnerProgressRow)
    .where(LearnerProgressRow.user_id == bindparam("learner"))
    .values(seconds_in_scenarios=LearnerProgressRow.seconds_in_scenarios + bindparam("added"),
            last_activity=case((or_(LearnerProgressRow.last_activity.is_(None),
                                    LearnerProgressRow.last_activity < bindparam("activity")), bindparam("activity")),
                               else_=LearnerProgressRow.last_activity))
)
_PROGRESS_LOCK = text("SELECT pg_advisory_xact_lock(:key, :user_id)")
_USER_ATTEMPTS = select(AttemptRow.scenario_id, AttemptRow.started_at, AttemptRow.updated_at, AttemptRow.finished_at,
                        AttemptRow.outcome, AttemptRow.score).where(AttemptRow.user_id == bindparam("user_id"))
_USER_LESSONS = select(LessonCompletionRow.lesson_id, LessonCompletionRow.completed_at).where(
    LessonCompletionRow.user_id == bindparam("user_id"))


# Statements are built once each (per dialect): they run on every answer, and building one costs
# more than running it.
@lru_cache(maxsize=1)
def _insert_ratings() -> Executable:
    return insert(SkillRatingRow)


@lru_cache(maxsize=1)
def _insert_tally() -> Executable:
    return insert(SkillTallyRow)


@lru_cache(maxsize=16)
def _fold(dialect: str, skills: int) -> Executable:
    """Insert first tallies, or fold one rating each into ``skills`` tallies: ``fold_rating``'s two
    float operations, done by the database on the row it holds, and only when the rating is newer
    than the last one folded (RETURNING gives no row for a tally left as it was)."""
    table: Table = SkillTallyRow.__table__  # type: ignore[assignment]
    statement = dialect_insert(dialect)(table).values([
        {"user_id": bindparam("user_id"), "skill": bindparam(f"skill_{n}"), "successes": bindparam(f"successes_{n}"),
         "failures": bindparam(f"failures_{n}"), "observations": 1, "last_at": bindparam("last_at"),
         "last_event_id": bindparam("last_event_id")}
        for n in range(skills)])
    new, old = statement.excluded, table.c
    recency = bindparam("recency", RECENCY, type_=Float)
    folded: Executable = statement.on_conflict_do_update(
        index_elements=[old.user_id, old.skill],
        set_={"successes": recency * old.successes + new.successes, "failures": recency * old.failures + new.failures,
              "observations": old.observations + 1, "last_at": new.last_at, "last_event_id": new.last_event_id},
        where=or_(old.last_at < new.last_at, and_(old.last_at == new.last_at, old.last_event_id < new.last_event_id)),
    ).returning(old.skill)
    return folded


@lru_cache(maxsize=4)
def _upsert_progress(dialect: str) -> Executable:
    table: Table = LearnerProgressRow.__table__  # type: ignore[assignment]
    statement = dialect_insert(dialect)(table)
    new = statement.excluded
    upsert: Executable = statement.on_conflict_do_update(
        index_elements=[table.c.user_id],
        set_={column.name: new[column.name] for column in table.c if column.name != "user_id"},
    )
    return upsert
