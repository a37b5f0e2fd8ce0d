"""Assignments: the course, or chosen modules, assigned to a team or one learner by a due date.

An administrator may assign to anyone; a manager only to the teams they manage and to those
teams' members. Every call checks this on the server, against the database, in the same
transaction as the change. A learner's *current* assignment is the most recent one that is not
revoked, addressed to them or to their team (``current_assignments``); assignments are never
deleted, only revoked, so the history of what was asked of whom stays readable.

Making an assignment queues the notice e-mail to each learner it reaches in the same
transaction (``elearn.store.outbox``): no assignment without its notices, no notice without it.
Each assignment carries its reminder schedule (``remind_days_before``, ``overdue_every_days``;
None: the defaults of ``elearn.mail.schedule``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from elearn.store.access import scope_of
from elearn.store.assignment_rows import Assignment as Assignment  # re-exported
from elearn.store.assignment_rows import current_assignments as current_assignments  # re-exported
from elearn.store.assignment_rows import fetch_assignments
from elearn.store.db import Store, casefolded
from elearn.store.errors import AccessDenied, NotFound, StoreError
from elearn.store.outbox import ASSIGNED, NewJob, queue_in
from elearn.store.records import Viewer
from elearn.store.standings import refresh_standings
from elearn.store.tables import AssignmentRow, TeamManagerRow, TeamRow, UserRoleRow, UserRow

MAX_RECERTIFY_DAYS = 3650
MAX_REMINDER_DAYS = 365
NOT_YOURS = "You can only assign training to the teams you manage and to their members."


class AssignmentError(StoreError):
    """An assignment could not be made or changed; the message says why and what to do."""


@dataclass(frozen=True)
class Person:
    """A learner as the assignment form lists them."""

    id: int
    username: str
    display_name: str
    team_id: int | None


def assign(
    store: Store,
    actor: Viewer,
    *,
    due_at: datetime,
    now: datetime,
    team_id: int | None = None,
    user_id: int | None = None,
    modules: Iterable[str] = (),
    recertify_days: int | None = None,
    remind_days_before: Iterable[int] | None = None,
    overdue_every_days: int | None = None,
) -> Assignment:
    """Assign the course (or ``modules``) to ``team_id`` or to ``user_id`` (exactly one), due by ``due_at``.

    Raises ``AssignmentError`` for a bad request, ``AccessDenied`` if ``actor`` may not assign
    to that target, ``NotFound`` (admins only) if the target does not exist.
    """
    chosen = _clean_modules(modules)
    if (team_id is None) == (user_id is None):
        raise AssignmentError("Choose either a team or a learner to assign the training to.")
    if due_at <= now:
        raise AssignmentError("The due date has already passed. Choose a date in the future.")
    if recertify_days is not None and not 1 <= recertify_days <= MAX_RECERTIFY_DAYS:
        raise AssignmentError(f"A recertification period is 1 to {MAX_RECERTIFY_DAYS} days (or none).")
    before = None if remind_days_before is None else tuple(sorted(set(remind_days_before), reverse=True))
    if before is not None and any(not 1 <= days <= MAX_REMINDER_DAYS for days in before):
        raise AssignmentError(f"Due-soon reminders go 1 to {MAX_REMINDER_DAYS} days before the due date.")
    if overdue_every_days is not None and not 0 <= overdue_every_days <= MAX_REMINDER_DAYS:
        raise AssignmentError(f"Overdue reminders repeat every 1 to {MAX_REMINDER_DAYS} days (0: none).")

    def work(conn: Connection) -> Assignment:
        _require_may_assign(conn, actor, team_id, user_id)
        new_id = conn.execute(
            insert(AssignmentRow)
            .values(team_id=team_id, user_id=user_id, modules=list(chosen), assigned_by=actor.id, assigned_at=now,
                    due_at=due_at, recertify_days=recertify_days,
                    remind_days_before=list(before) if before is not None else None,
                    overdue_every_days=overdue_every_days)
            .returning(AssignmentRow.id)
        ).scalar_one()
        queue_in(conn, [NewJob(ASSIGNED, learner, assignment_id=new_id)
                        for learner in _learners_reached(conn, team_id, user_id)], now)
        refresh_standings(conn, _people_addressed(conn, team_id, user_id))
        return fetch_assignments(conn, AssignmentRow.id == new_id)[0]

    return store.write(work)


def revoke(store: Store, actor: Viewer, assignment_id: int, now: datetime) -> None:
    """Withdraw an assignment (kept, marked revoked). Revoking it again changes nothing."""

    def work(conn: Connection) -> None:
        found = fetch_assignments(conn, AssignmentRow.id == assignment_id)
        if not found:
            if scope_of(conn, actor).everything:
                raise NotFound(f"There is no assignment with id {assignment_id}.")
            raise AccessDenied(NOT_YOURS)
        _require_may_assign(conn, actor, found[0].team_id, found[0].user_id)
        conn.execute(
            update(AssignmentRow)
            .where(AssignmentRow.id == assignment_id, AssignmentRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        refresh_standings(conn, _people_addressed(conn, found[0].team_id, found[0].user_id))

    store.write(work)


def visible_assignments(store: Store, viewer: Viewer) -> tuple[Assignment, ...]:
    """The assignments in force that concern people ``viewer`` may see, newest first.

    An administrator sees all; a manager those for their teams and their teams' members; anyone
    else those addressed to themselves or their own team.
    """

    def work(conn: Connection) -> tuple[Assignment, ...]:
        return fetch_assignments(conn, AssignmentRow.revoked_at.is_(None) & _assignment_scope(conn, viewer))

    return store.read(work)


def assignments_in_force(store: Store) -> tuple[Assignment, ...]:
    """Every assignment not revoked, newest first: for the app itself (the mail sender), not a viewer."""
    return store.read(lambda conn: fetch_assignments(conn, AssignmentRow.revoked_at.is_(None)))


def assignable_learners(store: Store, viewer: Viewer, search: str = "", limit: int = 50) -> tuple[Person, ...]:
    """Learners ``viewer`` may assign training to whose name or username contains ``search``."""
    pattern = f"%{_escape_like(search.strip().casefold())}%"

    def work(conn: Connection) -> tuple[Person, ...]:
        scope = scope_of(conn, viewer)
        learners = select(UserRoleRow.user_id).where(UserRoleRow.role == "learner")
        query = (
            select(UserRow.id, UserRow.username, UserRow.display_name, UserRow.team_id)
            .where(UserRow.id.in_(learners), UserRow.id != viewer.id, scope.covers(UserRow.id))
            .where(or_(casefolded(conn, UserRow.display_name).like(pattern, escape="\\"),
                       UserRow.username.like(pattern, escape="\\")))
            .order_by(UserRow.display_name, UserRow.username)
            .limit(limit)
        )
        return tuple(Person(id=row[0], username=row[1], display_name=row[2], team_id=row[3])
                     for row in conn.execute(query))

    return store.read(work)


def assignable_team_ids(store: Store, viewer: Viewer) -> frozenset[int]:
    """The teams ``viewer`` may assign training to: every team for an admin, else those they manage."""

    def work(conn: Connection) -> frozenset[int]:
        scope = scope_of(conn, viewer)
        if scope.everything:
            return frozenset(conn.scalars(select(TeamRow.id)))
        if not scope.manages_teams:
            return frozenset()
        return frozenset(conn.scalars(select(TeamManagerRow.team_id).where(TeamManagerRow.user_id == viewer.id)))

    return store.read(work)


def _require_may_assign(conn: Connection, actor: Viewer, team_id: int | None, user_id: int | None) -> None:
    scope = scope_of(conn, actor)
    if team_id is not None and conn.scalar(select(TeamRow.id).where(TeamRow.id == team_id)) is None:
        if scope.everything:
            raise NotFound(f"There is no team with id {team_id}.")
        raise AccessDenied(NOT_YOURS)
    if user_id is not None and conn.scalar(select(UserRow.id).where(UserRow.id == user_id)) is None:
        if scope.everything:
            raise NotFound(f"There is no user with id {user_id}.")
        raise AccessDenied(NOT_YOURS)
    if scope.everything:
        return
    if not scope.manages_teams:
        raise AccessDenied(NOT_YOURS)
    managed = select(TeamManagerRow.team_id).where(TeamManagerRow.user_id == actor.id)
    if team_id is not None:
        allowed = conn.scalar(select(TeamRow.id).where(TeamRow.id == team_id, TeamRow.id.in_(managed)))
    else:
        allowed = conn.scalar(select(UserRow.id).where(UserRow.id == user_id, UserRow.team_id.in_(managed)))
    if allowed is None:
        raise AccessDenied(NOT_YOURS)


def _learners_reached(conn: Connection, team_id: int | None, user_id: int | None) -> list[int]:
    learners = select(UserRoleRow.user_id).where(UserRoleRow.role == "learner")
    addressed = UserRow.id == user_id if user_id is not None else UserRow.team_id == team_id
    return list(conn.scalars(select(UserRow.id).where(addressed, UserRow.id.in_(learners)).order_by(UserRow.id)))


def _people_addressed(conn: Connection, team_id: int | None, user_id: int | None) -> list[int]:
    """Everyone an assignment concerns, whatever their roles (standings are kept for all)."""
    if user_id is not None:
        return [user_id]
    return list(conn.scalars(select(UserRow.id).where(UserRow.team_id == team_id)))


def _assignment_scope(conn: Connection, viewer: Viewer) -> ColumnElement[bool]:
    scope = scope_of(conn, viewer)
    if scope.everything:
        return AssignmentRow.id.is_not(None)
    own_team = AssignmentRow.team_id.in_(select(UserRow.team_id).where(UserRow.id == viewer.id))
    managed = AssignmentRow.team_id.in_(select(TeamManagerRow.team_id).where(TeamManagerRow.user_id == viewer.id))
    for_person = AssignmentRow.user_id.is_not(None) & scope.covers(func.coalesce(AssignmentRow.user_id, 0))
    return or_(own_team, managed, for_person) if scope.manages_teams else or_(own_team, for_person)


def _clean_modules(modules: Iterable[str]) -> tuple[str, ...]:
    chosen: dict[str, None] = {}
    for module in modules:
        if not isinstance(module, str) or not module.strip():
            raise AssignmentError("A module is named by its lesson id, which cannot be empty.")
        chosen[module.strip()] = None
    return tuple(chosen)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

