"""Assignment records as read from the database, and which one is a learner's current one.

Apart from ``elearn.store.assignments`` (which checks who may assign) so that the running
standings (``elearn.store.standings``), which the assignment writes refresh, can read them too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.engine import Connection

from elearn.store.tables import AssignmentRow


@dataclass(frozen=True)
class Assignment:
    """What was asked of a team or a learner. ``modules`` are lesson ids; empty means the whole course."""

    id: int
    team_id: int | None
    user_id: int | None
    modules: tuple[str, ...]
    assigned_by: int
    assigned_at: datetime
    due_at: datetime
    recertify_days: int | None
    revoked_at: datetime | None
    remind_days_before: tuple[int, ...] | None = None
    """Days before the due date to send a due-soon reminder; None: the default schedule."""
    overdue_every_days: int | None = None
    """Days between overdue reminders; None: the default, 0: none."""

    @property
    def whole_course(self) -> bool:
        return not self.modules


_COLUMNS = (
    AssignmentRow.id, AssignmentRow.team_id, AssignmentRow.user_id, AssignmentRow.modules, AssignmentRow.assigned_by,
    AssignmentRow.assigned_at, AssignmentRow.due_at, AssignmentRow.recertify_days, AssignmentRow.revoked_at,
    AssignmentRow.remind_days_before, AssignmentRow.overdue_every_days,
)


def current_assignments(assignments: Iterable[Assignment], people: Iterable[tuple[int, int | None]]
                        ) -> dict[int, Assignment]:
    """Each person's current assignment, from ``(user id, team id)`` pairs: the most recent one
    not revoked, addressed to them or to their team. People with none are left out."""
    latest_for_user: dict[int, Assignment] = {}
    latest_for_team: dict[int, Assignment] = {}
    for assignment in assignments:
        if assignment.revoked_at is not None:
            continue
        if assignment.user_id is not None:
            _keep_latest(latest_for_user, assignment.user_id, assignment)
        elif assignment.team_id is not None:
            _keep_latest(latest_for_team, assignment.team_id, assignment)
    current: dict[int, Assignment] = {}
    for user_id, team_id in people:
        mine = [a for a in (latest_for_user.get(user_id), latest_for_team.get(team_id or -1)) if a is not None]
        if mine:
            current[user_id] = max(mine, key=_recency)
    return current


def fetch_assignments(conn: Connection, condition: ColumnElement[bool]) -> tuple[Assignment, ...]:
    rows = conn.execute(select(*_COLUMNS).where(condition).order_by(AssignmentRow.assigned_at.desc(),
                                                                     AssignmentRow.id.desc()))
    return tuple(_assignment(row) for row in rows)


def _assignment(row: Sequence[Any]) -> Assignment:
    return Assignment(id=row[0], team_id=row[1], user_id=row[2], modules=tuple(row[3] or ()), assigned_by=row[4],
                      assigned_at=row[5], due_at=row[6], recertify_days=row[7], revoked_at=row[8],
                      remind_days_before=tuple(row[9]) if row[9] is not None else None, overdue_every_days=row[10])


def _keep_latest(latest: dict[int, Assignment], key: int, assignment: Assignment) -> None:
    held = latest.get(key)
    if held is None or _recency(assignment) > _recency(held):
        latest[key] = assignment


def _recency(assignment: Assignment) -> tuple[datetime, int]:
    return assignment.assigned_at, assignment.id
