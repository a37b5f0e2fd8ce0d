"""Each learner's standing against their current assignment (``learner_standings``), kept on write.

A standing (``elearn.store.standing_rules``) follows from the learner's progress row, their
current assignment and the course outline. ``refresh_standings`` recomputes it, in the caller's
transaction, for every write that can change one of those:

- a lesson completed or an attempt started or finished (``elearn.store.aggregates.refresh_progress``);
- an assignment made or withdrawn (the learners it reaches);
- a learner created in a team, or moved between teams;
- a new course outline (``sync_outline``: everyone).

On PostgreSQL the learners' progress advisory locks (``elearn.store.locks.PROGRESS_LOCK``)
are taken first, in id order, so a refresh never computes from what a concurrent writer is about
to change and two refreshes of one learner run one after the other; SQLite write transactions
are serial already. Rows are written by an atomic upsert. ``elearn.store.rebuild`` recomputes
and verifies them with the same rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ARRAY, Executable, Integer, Table, bindparam, or_, select, text
from sqlalchemy.engine import Connection

from elearn.store.assignment_rows import Assignment, current_assignments, fetch_assignments
from elearn.store.db import Store, one_of
from elearn.store.locks import PROGRESS_LOCK, dialect_insert
from elearn.store.standing_rules import AssignmentTerms, Outline, standing_values
from elearn.store.tables import AssignmentRow, CourseOutlineRow, LearnerProgressRow, LearnerStandingRow, UserRow

OUTLINE_ROW = 1
CHUNK = 1_000


def sync_outline(store: Store, outline: Outline, now: datetime) -> int:
    """Store ``outline`` if it differs from the stored one, then recompute every standing; returns
    how many learners were recomputed (0 when the outline was already stored)."""

    if store.read(stored_outline) == outline:  # the usual case: no write transaction at all
        return 0

    def work(conn: Connection) -> int:
        if stored_outline(conn) == outline:
            return 0
        conn.execute(_dialect_upsert(conn.dialect.name, CourseOutlineRow, ("id",)),
                     {"id": OUTLINE_ROW, "outline": outline.as_json(), "updated_at": now})
        everyone = list(conn.scalars(select(UserRow.id).order_by(UserRow.id)))
        refresh_standings(conn, everyone)
        return len(everyone)

    return store.write(work)


def stored_outline(conn: Connection) -> Outline | None:
    """The course outline the app last stored, or None before the first ``sync_outline``."""
    found = conn.scalar(select(CourseOutlineRow.outline).where(CourseOutlineRow.id == OUTLINE_ROW))
    return Outline.from_json(found) if found is not None else None


def refresh_standings(conn: Connection, user_ids: Sequence[int],
                      progress: dict[int, dict[str, Any]] | None = None) -> None:
    """Recompute the standings of ``user_ids`` (nothing before an outline is stored); ``progress``:
    their progress rows' values if the caller has just computed them (else they are read)."""
    outline = stored_outline(conn)
    if outline is None or not user_ids:
        return
    for chunk in _chunks(sorted(set(user_ids)), CHUNK):
        if conn.dialect.name == "postgresql":
            conn.execute(_LOCKS, {"key": PROGRESS_LOCK, "ids": chunk})
        rows = expected_standings(conn, outline, chunk, progress)
        if rows:
            conn.execute(_dialect_upsert(conn.dialect.name, LearnerStandingRow, ("user_id",)), rows)


def refresh_standing_of(conn: Connection, user_id: int, progress: dict[str, Any]) -> None:
    """``refresh_standings`` for one learner whose progress row was just computed (``progress``),
    by the caller that holds their advisory lock already (``refresh_progress``): the outline, the
    learner's team and current assignment in one read, then the upsert. This runs on every
    attempt start and finish and every lesson, so it costs two statements."""
    found = conn.execute(_ONE_LEARNER, {"user_id": user_id, "outline_id": OUTLINE_ROW}).one_or_none()
    if found is None or found.outline is None:
        return
    assignment = None if found.id is None else Assignment(
        id=found.id, team_id=found.team_id, user_id=found.user_id, modules=tuple(found.modules or ()),
        assigned_by=found.assigned_by, assigned_at=found.assigned_at, due_at=found.due_at,
        recertify_days=found.recertify_days, revoked_at=None)
    row = standings_row(user_id, Outline.from_json(found.outline), progress, assignment)
    conn.execute(_dialect_upsert(conn.dialect.name, LearnerStandingRow, ("user_id",)), row)


def expected_standings(conn: Connection, outline: Outline, user_ids: Sequence[int],
                       progress: dict[int, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The standings ``user_ids`` should have: from their stored progress rows, or from
    ``progress`` (user id -> progress row values) when given (the rebuild's from-scratch ones)."""
    people = [(row[0], row[1]) for row in conn.execute(
        select(UserRow.id, UserRow.team_id).where(one_of(conn, UserRow.id, user_ids)).order_by(UserRow.id))]
    if progress is None or not set(user_ids) <= set(progress):
        progress = {row[0]: {"lessons": row[1], "scenarios": row[2]} for row in conn.execute(
            select(LearnerProgressRow.user_id, LearnerProgressRow.lessons, LearnerProgressRow.scenarios)
            .where(one_of(conn, LearnerProgressRow.user_id, user_ids)))}
    current = current_assignments(_assignments_of(conn, people), people)
    return [standings_row(user_id, outline, progress.get(user_id), current.get(user_id)) for user_id, _ in people]


def standings_row(user_id: int, outline: Outline, progress: dict[str, Any] | None,
                  assignment: Assignment | None) -> dict[str, Any]:
    """One learner's ``learner_standings`` row from their progress row's values (None: no activity)."""
    terms = None if assignment is None else AssignmentTerms(
        assignment.id, assignment.modules, assignment.assigned_at, assignment.due_at, assignment.recertify_days)
    return standing_values(user_id, outline, (progress or {}).get("lessons") or {},
                           (progress or {}).get("scenarios") or {}, terms)


def _assignments_of(conn: Connection, people: Sequence[tuple[int, int | None]]) -> tuple[Assignment, ...]:
    users = [user_id for user_id, _ in people]
    teams = sorted({team_id for _, team_id in people if team_id is not None})
    to_user: Any = AssignmentRow.user_id  # nullable columns: one_of's annotation wants a plain id column
    to_team: Any = AssignmentRow.team_id
    addressed = one_of(conn, to_user, users)
    if teams:
        addressed = or_(addressed, one_of(conn, to_team, teams))
    return fetch_assignments(conn, AssignmentRow.revoked_at.is_(None) & addressed)


def _one_learner() -> Any:
    """The stored outline, and the learner's current assignment (``current_assignments``' rule:
    the newest, by time then id, of those not revoked addressed to them or to their team)."""
    a, newest = AssignmentRow, AssignmentRow.__table__.alias("newest")
    current = (select(newest.c.id)
               .where(newest.c.revoked_at.is_(None),
                      or_(newest.c.user_id == UserRow.id, newest.c.team_id == UserRow.team_id))
               .order_by(newest.c.assigned_at.desc(), newest.c.id.desc()).limit(1).scalar_subquery())
    return (select(CourseOutlineRow.outline, a.id, a.team_id, a.user_id, a.modules, a.assigned_by, a.assigned_at,
                   a.due_at, a.recertify_days)
            .select_from(UserRow)
            .outerjoin(CourseOutlineRow, CourseOutlineRow.id == bindparam("outline_id"))
            .outerjoin(a, a.id == current)
            .where(UserRow.id == bindparam("user_id")))


_ONE_LEARNER = _one_learner()
_LOCKS = text("SELECT pg_advisory_xact_lock(:key, learner) FROM unnest(:ids) AS learner ORDER BY learner"
              ).bindparams(bindparam("ids", type_=ARRAY(Integer)))


@lru_cache(maxsize=8)
def _dialect_upsert(dialect: str, table_class: type[Any], keys: tuple[str, ...]) -> Executable:
    table: Table = table_class.__table__
    statement = dialect_insert(dialect)(table)
    upsert: Executable = statement.on_conflict_do_update(
        index_elements=[table.c[key] for key in keys],
        set_={column.name: statement.excluded[column.name] for column in table.c if column.name not in keys},
    )
    return upsert


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
