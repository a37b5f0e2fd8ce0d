"""The completion table's reads, in SQL over the kept standings (``learner_standings``).

Each learner's status (``elearn.store.standing_rules``) is a ``CASE`` over their standing and the
clock, so the summary figures are one grouped count, the filters are ``WHERE`` clauses and a page
of the table is ``LIMIT``/``OFFSET`` in the table's order (name, then id). The rows themselves
are built only for the page shown (``elearn.manage.dashboard.completion_rows``). Only people with
the learner role are rows; a learner without a standing row (none is written before the app
stored a course outline) counts as not started with no assignment.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, false, func, or_, select, tuple_
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from elearn.store.analytics import audience_of
from elearn.store.db import Store, casefolded
from elearn.store.records import Role, Viewer
from elearn.store.standing_rules import (
    AT_RISK_DAYS,
    COMPLETED,
    DEACTIVATED,
    EXPIRED,
    IN_PROGRESS,
    NOT_STARTED,
    OVERDUE,
    STATUSES,
)
from elearn.store.tables import LearnerStandingRow, TeamRow, UserRoleRow, UserRow, UtcDateTime


@dataclass(frozen=True)
class Narrowing:
    """The table's filters (empty or None: all): teams, statuses, due dates (UTC days, both ends
    included; a learner with no due date fails any bound), overdue only, and a search on the
    name or username."""

    team_ids: frozenset[int] = field(default_factory=frozenset)
    statuses: frozenset[str] = field(default_factory=frozenset)
    due_from: date | None = None
    due_to: date | None = None
    overdue_only: bool = False
    search: str = ""


@dataclass(frozen=True)
class StandingCounts:
    """How many learners match, in all (deactivated included) and by status, at risk, and passed
    (completed, in date, and every scenario asked passed under the threshold)."""

    rows: int
    by_status: dict[str, int]
    at_risk: int
    passed: int


def standing_counts(store: Store, viewer: Viewer, narrowing: Narrowing, now: datetime,
                    threshold: float) -> StandingCounts:
    """The summary of the learners ``viewer`` may see that pass ``narrowing``, at ``now``."""

    def work(conn: Connection) -> StandingCounts:
        matching = _matching(conn, viewer, narrowing, now, threshold).subquery()
        found = conn.execute(select(matching.c.status, func.count(), func.sum(matching.c.at_risk),
                                    func.sum(matching.c.passed)).group_by(matching.c.status))
        by_status = dict.fromkeys(STATUSES, 0)
        at_risk = passed = 0
        for status, count, risky, passing in found:
            by_status[status] = count
            at_risk += int(risky or 0)
            passed += int(passing or 0)
        return StandingCounts(rows=sum(by_status.values()), by_status=by_status, at_risk=at_risk, passed=passed)

    return store.read(work)


def standing_team_names(store: Store, viewer: Viewer, narrowing: Narrowing, now: datetime) -> tuple[str | None, ...]:
    """The teams the matching learners are in (None: in no team), for an export's file name."""

    def work(conn: Connection) -> tuple[str | None, ...]:
        matching = _matching(conn, viewer, narrowing, now, 0.0).subquery()
        return tuple(conn.scalars(select(TeamRow.name).select_from(UserRow)
                                  .outerjoin(TeamRow, TeamRow.id == UserRow.team_id)
                                  .where(UserRow.id.in_(select(matching.c.id))).distinct()))

    return store.read(work)


def standing_page(store: Store, viewer: Viewer, narrowing: Narrowing, now: datetime, *, offset: int,
                  limit: int) -> tuple[int, ...]:
    """The ids of one page of the matching learners, in the table's order (name, then id)."""

    def work(conn: Connection) -> tuple[int, ...]:
        query = _matching(conn, viewer, narrowing, now, 0.0).order_by(UserRow.display_name, UserRow.id)
        return tuple(row[0] for row in conn.execute(query.offset(offset).limit(limit)))

    return store.read(work)


def standing_pages(store: Store, viewer: Viewer, narrowing: Narrowing, now: datetime, *, size: int = 2_000
                   ) -> Iterator[tuple[int, ...]]:
    """Every matching learner's id, in the table's order, ``size`` at a time (keyset paging on
    name and id: each page its own short read), for the exports."""
    after: tuple[str, int] | None = None
    while True:

        def work(conn: Connection, after: tuple[str, int] | None = after) -> list[tuple[int, str]]:
            query = _matching(conn, viewer, narrowing, now, 0.0).add_columns(UserRow.display_name)
            if after is not None:  # a row value, which both databases compare in the (name, id) index
                query = query.where(tuple_(UserRow.display_name, UserRow.id) > tuple_(after[0], after[1]))
            return [(row[0], row[-1]) for row in conn.execute(query.order_by(UserRow.display_name, UserRow.id)
                                                              .limit(size))]

        found = store.read(work)
        if found:
            yield tuple(user_id for user_id, _ in found)
        if len(found) < size:
            return
        after = (found[-1][1], found[-1][0])


def status_of(now: datetime) -> ColumnElement[str]:
    """A learner's status at ``now``, from their user and standing rows (the rule of
    ``elearn.store.standing_rules``; no standing row: not started)."""
    s = LearnerStandingRow
    moment = bindparam("status_now", now, type_=UtcDateTime())
    return case(
        (UserRow.deactivated_at.is_not(None), DEACTIVATED),
        (s.completed_at.is_not(None), case((and_(s.expires_at.is_not(None), s.expires_at <= moment), EXPIRED),
                                           else_=COMPLETED)),
        (and_(s.due_at.is_not(None), s.due_at < moment), OVERDUE),
        (s.started.is_(True), IN_PROGRESS),
        else_=NOT_STARTED,
    )


def _matching(conn: Connection, viewer: Viewer, narrowing: Narrowing, now: datetime, threshold: float
              ) -> Select[Any]:
    """The learners ``viewer`` may see that pass ``narrowing``: their id, status, at risk, passed."""
    s = LearnerStandingRow
    status = status_of(now)
    soon = bindparam("risk_by", now + timedelta(days=AT_RISK_DAYS), type_=UtcDateTime())
    at_risk = case((and_(status.in_([NOT_STARTED, IN_PROGRESS]), s.due_at.is_not(None), s.due_at <= soon), 1),
                   else_=0)
    cleared = or_(s.scenarios_asked == 0, s.passing_floor >= bindparam("threshold", threshold))
    passed = case((and_(status == COMPLETED, cleared), 1), else_=0)
    audience = audience_of(conn, viewer, sorted(narrowing.team_ids) or None)
    query = (
        select(UserRow.id, status.label("status"), at_risk.label("at_risk"), passed.label("passed"))
        .join(UserRoleRow, and_(UserRoleRow.user_id == UserRow.id, UserRoleRow.role == Role.LEARNER.value))
        .outerjoin(s, s.user_id == UserRow.id)
        .where(audience(UserRow.id))
    )
    wanted = set(narrowing.statuses)
    if narrowing.overdue_only:
        wanted = wanted & {OVERDUE} if wanted else {OVERDUE}
    if narrowing.statuses or narrowing.overdue_only:
        query = query.where(status.in_(sorted(wanted)) if wanted else false())
    if narrowing.due_from is not None:
        query = query.where(s.due_at >= bindparam("due_from", _day(narrowing.due_from), type_=UtcDateTime()))
    if narrowing.due_to is not None:
        query = query.where(s.due_at < bindparam("due_to", _day(narrowing.due_to + timedelta(days=1)),
                                                 type_=UtcDateTime()))
    needle = narrowing.search.strip().casefold()
    if needle:
        query = query.where(or_(casefolded(conn, UserRow.display_name).contains(needle, autoescape=True),
                                UserRow.username.contains(needle, autoescape=True)))
    return query


def _day(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)
