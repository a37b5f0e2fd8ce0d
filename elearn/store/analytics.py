"""The manager dashboard's aggregates, computed in the database: one query per view.

Every function takes the acting ``viewer`` and restricts its rows to the viewer's scope from
``elearn.store.access`` (a manager sees the members of their teams, an admin everyone), decided
in the same transaction as the aggregate. ``team_ids`` narrows further to some teams; it never
widens the scope. The completion table and the skills read the running aggregates
(``learner_progress``, ``skill_tallies``: one stored row per learner, per learner and skill, kept
on write by ``elearn.store.aggregates``); the answers count per decision and choice; the
exports page through the event log in batches.

Times inside ``learner_progress`` are Unix seconds (``elearn.store.progress_rules.epoch``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.orm import InstrumentedAttribute

from elearn.store.access import Scope, scope_of
from elearn.store.db import Store, one_of
from elearn.store.progress_rules import ATTEMPT_TIME_CAP_SECONDS as ATTEMPT_TIME_CAP_SECONDS  # re-exported
from elearn.store.records import Role, Viewer
from elearn.store.tables import (
    AttemptRow,
    ChoiceEventRow,
    LearnerProgressRow,
    SkillTallyRow,
    TeamManagerRow,
    TeamRow,
    UserRoleRow,
    UserRow,
)

STARTED_ONLY = 0
"""In ``LearnerFacts.scenario_finished``: attempted but never finished."""


@dataclass(frozen=True)
class LearnerFacts:
    """One learner's progress, aggregated: the input of one row of the completion table.

    ``lessons_done`` maps a lesson id to when it was first marked done; ``scenario_finished``
    maps each attempted scenario to the Unix time of its latest finish (``STARTED_ONLY`` if it
    was started but never finished); ``best_success_score`` maps each scenario that some
    attempt finished at a successful ending to the best first-attempt score among those
    attempts (the pass rule, ``elearn.course.passing``, decides from it whether the scenario was passed:
    the store holds no threshold).
    """

    user_id: int
    username: str
    display_name: str
    team_id: int | None
    team_name: str | None
    lessons_done: dict[str, int]
    scenario_finished: dict[str, int]
    best_success_score: dict[str, float]
    scenarios_finished: int
    mean_best_score: float | None
    last_activity: datetime | None
    seconds_in_scenarios: int
    deactivated: bool = False
    """An administrator deactivated the account: its progress stays, reported as such."""


class SkillEvidence(NamedTuple):
    """Recency-weighted first-attempt evidence of one learner for one skill (``elearn.learner.mastery``'s tally).

    A named tuple, not a dataclass: the dashboard reads one per learner and skill (100,000 at
    10,000 learners), and a tuple is built several times faster."""

    user_id: int
    skill: str
    successes: float
    failures: float
    observations: int


@dataclass(frozen=True)
class ChoiceFlow:
    """How many first answers on first attempts took ``choice_id`` at ``node_id`` and left the
    customer at ``anger_after`` (which decides where a branching choice leads)."""

    node_id: str
    choice_id: str
    anger_after: int
    count: int


@dataclass(frozen=True)
class ExportEvent:
    """A choice event with its learner's username: one xAPI "answered" statement."""

    id: int
    event_key: str
    username: str
    attempt_id: int
    scenario_id: str
    scenario_version: int
    node_id: str
    choice_id: str
    anger_before: int
    anger_after: int
    attempt_number: int
    first_attempt: bool
    occurred_at: datetime


@dataclass(frozen=True)
class FinishedAttempt:
    """A finished scenario attempt with its learner's username: xAPI "completed" (and "passed")."""

    id: int
    username: str
    scenario_id: str
    scenario_version: int
    attempt_number: int
    started_at: datetime
    finished_at: datetime
    ending_id: str
    outcome: str
    score: float


def learner_facts(
    store: Store,
    viewer: Viewer | None,
    lessons: Sequence[str],
    scenarios: Sequence[str],
    team_ids: Collection[int] | None = None,
    user_ids: Sequence[int] | None = None,
) -> tuple[LearnerFacts, ...]:
    """Every learner ``viewer`` may see (optionally only in ``team_ids``, or only ``user_ids``: a page
    of the table), by name, with their
    lessons done and scenario finishes: one row each from ``learner_progress`` (kept on write,
    ``elearn.store.aggregates``), nothing aggregated at read time. Only ``lessons`` and
    ``scenarios`` (the course's) are read out of the stored maps; the totals count everything.
    ``viewer`` None is the app itself (the mail sender, ``elearn.mail``), which sees everyone."""

    def work(conn: Connection) -> tuple[LearnerFacts, ...]:
        audience = audience_of(conn, viewer, team_ids)
        p = LearnerProgressRow
        query = (
            select(UserRow.id, UserRow.username, UserRow.display_name, UserRow.team_id, TeamRow.name,
                   p.lessons, p.scenarios, p.scenarios_finished, p.mean_best_score, p.seconds_in_scenarios,
                   p.last_activity, UserRow.deactivated_at)
            .join(UserRoleRow, and_(UserRoleRow.user_id == UserRow.id, UserRoleRow.role == Role.LEARNER.value))
            .outerjoin(TeamRow, TeamRow.id == UserRow.team_id)
            .outerjoin(p, p.user_id == UserRow.id)
            .where(audience(UserRow.id))
            .order_by(UserRow.display_name, UserRow.id)
        )
        if user_ids is not None:
            query = query.where(one_of(conn, UserRow.id, user_ids))
        return tuple(_facts(row, lessons, scenarios) for row in conn.execute(query))

    return store.read(work)


def skill_evidence(store: Store, viewer: Viewer | None, team_ids: Collection[int] | None = None,
                   user_ids: Sequence[int] | None = None, *, observed: int = 0,
                   mastery_below: float | None = None) -> tuple[SkillEvidence, ...]:
    """Per learner and skill, the recency-weighted tally of first-attempt ratings: the rows of
    ``skill_tallies``, folded on write with ``elearn.learner.mastery``'s own rule, so a cell of the
    heatmap equals the learner's own skills chart exactly. ``viewer`` None: the app itself.

    ``observed`` and ``mastery_below`` leave out tallies of fewer observations, or whose estimate
    (1 + S) / (2 + S + F) is not below that figure: for the weakest skills, which only need the
    measured, not-yet-proficient ones (give a bound with a margin: the database's rounding is not
    the chart's)."""

    def work(conn: Connection) -> tuple[SkillEvidence, ...]:
        audience = audience_of(conn, viewer, team_ids)
        t = SkillTallyRow
        query = select(t.user_id, t.skill, t.successes, t.failures, t.observations).where(audience(t.user_id))
        if user_ids is not None:
            query = query.where(one_of(conn, t.user_id, user_ids))
        if observed:
            query = query.where(t.observations >= observed)
        if mastery_below is not None:
            query = query.where((1 + t.successes) / (2 + t.successes + t.failures) < mastery_below)
        return tuple(SkillEvidence._make(row) for row in conn.execute(query))

    return store.read(work)


def choice_flows(
    store: Store, viewer: Viewer, scenario_id: str, team_ids: Collection[int] | None = None
) -> tuple[ChoiceFlow, ...]:
    """First answers on first attempts at ``scenario_id``, counted per decision, choice and anger
    after: the bars (sum over anger) and the Sankey links (anger decides a branch) in one query."""

    def work(conn: Connection) -> tuple[ChoiceFlow, ...]:
        audience = audience_of(conn, viewer, team_ids)
        query = (
            select(ChoiceEventRow.node_id, ChoiceEventRow.choice_id, ChoiceEventRow.anger_after, func.count())
            .where(ChoiceEventRow.scenario_id == scenario_id, ChoiceEventRow.attempt_number == 1,
                   ChoiceEventRow.first_attempt.is_(True), audience(ChoiceEventRow.user_id))
            .group_by(ChoiceEventRow.node_id, ChoiceEventRow.choice_id, ChoiceEventRow.anger_after)
            .order_by(ChoiceEventRow.node_id, ChoiceEventRow.choice_id, ChoiceEventRow.anger_after)
        )
        return tuple(ChoiceFlow(node_id=row[0], choice_id=row[1], anger_after=row[2], count=row[3])
                     for row in conn.execute(query))

    return store.read(work)


def export_events(
    store: Store, viewer: Viewer, user_ids: Collection[int], *, batch: int = 20_000
) -> Iterator[list[ExportEvent]]:
    """The choice events of ``user_ids`` that ``viewer`` may see, in batches, in the order they were
    recorded (by event id, 5,000 learners at a time). Each batch is its own short read (keyset
    paging on the event id), so a large export never holds a transaction open while the file is
    written."""

    def page(conn: Connection, chunk: list[int], after: int, scope: Scope) -> list[ExportEvent]:
        query = (
            select(ChoiceEventRow.id, ChoiceEventRow.event_key, UserRow.username, ChoiceEventRow.attempt_id,
                   ChoiceEventRow.scenario_id, ChoiceEventRow.scenario_version, ChoiceEventRow.node_id,
                   ChoiceEventRow.choice_id, ChoiceEventRow.anger_before, ChoiceEventRow.anger_after,
                   ChoiceEventRow.attempt_number, ChoiceEventRow.first_attempt, ChoiceEventRow.occurred_at)
            .join(UserRow, UserRow.id == ChoiceEventRow.user_id)
            .where(one_of(conn, ChoiceEventRow.user_id, chunk), ChoiceEventRow.id > after,
                   scope.covers(ChoiceEventRow.user_id))
            .order_by(ChoiceEventRow.id)
            .limit(batch)
        )
        return [ExportEvent(**row._mapping) for row in conn.execute(query)]

    return _keyset_pages(store, viewer, user_ids, page, batch)


def finished_attempts(store: Store, viewer: Viewer, user_ids: Collection[int]) -> tuple[FinishedAttempt, ...]:
    """The finished scenario attempts of ``user_ids`` that ``viewer`` may see, oldest first (all at once:
    ``finished_attempt_batches`` for an export of any size)."""
    found = [attempt for batch in finished_attempt_batches(store, viewer, user_ids) for attempt in batch]
    return tuple(sorted(found, key=lambda attempt: (attempt.finished_at, attempt.id)))


def finished_attempt_batches(store: Store, viewer: Viewer, user_ids: Collection[int], *,
                             batch: int = 20_000) -> Iterator[list[FinishedAttempt]]:
    """``finished_attempts`` in batches, by attempt id (keyset paging, each batch its own short read),
    so an export of any size holds one batch at a time."""

    def page(conn: Connection, chunk: list[int], after: int, scope: Scope) -> list[FinishedAttempt]:
        query = (
            select(AttemptRow.id, UserRow.username, AttemptRow.scenario_id, AttemptRow.scenario_version,
                   AttemptRow.attempt_number, AttemptRow.started_at, AttemptRow.finished_at,
                   AttemptRow.ending_id, AttemptRow.outcome, AttemptRow.score)
            .join(UserRow, UserRow.id == AttemptRow.user_id)
            .where(one_of(conn, AttemptRow.user_id, chunk), AttemptRow.finished_at.is_not(None),
                   AttemptRow.id > after, scope.covers(AttemptRow.user_id))
            .order_by(AttemptRow.id)
            .limit(batch)
        )
        return [FinishedAttempt(**row._mapping) for row in conn.execute(query)]

    return _keyset_pages(store, viewer, user_ids, page, batch)


class _Identified(Protocol):
    @property
    def id(self) -> int: ...


RowT = TypeVar("RowT", bound=_Identified)


def _keyset_pages(store: Store, viewer: Viewer, user_ids: Collection[int],
                  page: Callable[[Connection, list[int], int, Scope], list[RowT]], batch: int) -> Iterator[list[RowT]]:
    """Rows of ``user_ids`` 5,000 learners at a time, each chunk paged by row id: ``page`` reads the
    rows after an id, at most ``batch`` of them, in a short read of its own (the scope is decided
    again in each)."""
    for chunk in _chunks(sorted(set(user_ids)), 5_000):
        after = 0
        while True:

            def work(conn: Connection, chunk: list[int] = chunk, after: int = after) -> list[RowT]:
                return page(conn, chunk, after, scope_of(conn, viewer))

            rows = store.read(work)
            if rows:
                yield rows
            if len(rows) < batch:
                break
            after = rows[-1].id


def count_events(store: Store, viewer: Viewer, user_ids: Collection[int]) -> int:
    """How many choice events of ``user_ids`` ``viewer`` may see (to size an export before making it)."""

    def work(conn: Connection) -> int:
        scope = scope_of(conn, viewer)
        total = 0
        for chunk in _chunks(sorted(set(user_ids)), 5_000):
            total += conn.scalar(select(func.count()).select_from(ChoiceEventRow).where(
                one_of(conn, ChoiceEventRow.user_id, chunk), scope.covers(ChoiceEventRow.user_id))) or 0
        return total

    return store.read(work)


def scope_fingerprint(store: Store, viewer: Viewer) -> tuple[int, ...]:
    """A cheap summary of who ``viewer`` may see right now, for keying cached results: a role
    taken away, a team given or removed, a learner moved in or out all change it."""

    def work(conn: Connection) -> tuple[int, ...]:
        scope = scope_of(conn, viewer)
        managed = sorted(conn.scalars(select(TeamManagerRow.team_id).where(TeamManagerRow.user_id == viewer.id)))
        row = conn.execute(
            select(func.count(), func.coalesce(func.sum(UserRow.id), 0), func.coalesce(func.sum(UserRow.team_id), 0))
            .where(scope.covers(UserRow.id))
        ).one()
        return (viewer.id, int(scope.everything), int(scope.manages_teams), *managed, -1, *(int(v or 0) for v in row))

    return store.read(work)


def _facts(row: Sequence[Any], lessons: Sequence[str], scenarios: Sequence[str]) -> LearnerFacts:
    done: dict[str, int] = row[5] or {}
    played: dict[str, list[Any]] = row[6] or {}
    return LearnerFacts(
        user_id=row[0], username=row[1], display_name=row[2], team_id=row[3], team_name=row[4],
        scenario_finished={sid: int(played[sid][0]) if played[sid][0] is not None else STARTED_ONLY
                           for sid in scenarios if sid in played},
        best_success_score={sid: float(played[sid][2]) for sid in scenarios
                            if sid in played and played[sid][2] is not None},
        lessons_done={lid: int(done[lid]) for lid in lessons if lid in done},
        scenarios_finished=row[7] or 0, mean_best_score=row[8], last_activity=row[10],
        seconds_in_scenarios=row[9] or 0, deactivated=row[11] is not None,
    )


Audience = Callable[[InstrumentedAttribute[int]], ColumnElement[bool]]
"""A condition on a user-id column: the learners a query may aggregate."""
LISTED_AUDIENCE_MAX = 5_000
"""Up to this many people, the audience is spelled out as a list of ids: the planner then looks
each one up in the per-user indexes instead of scanning every event and testing a subquery."""


def audience_of(conn: Connection, viewer: Viewer | None, team_ids: Collection[int] | None) -> Audience:
    """Who ``viewer`` may see (in ``team_ids`` if given), decided now, in this transaction; None: everyone.
    (Also the audience of ``elearn.store.completion``'s reads.)"""
    scope = scope_of(conn, viewer) if viewer is not None else None
    if (scope is None or scope.everything) and team_ids is None:
        return lambda column: true()
    who = select(UserRow.id).where(scope.covers(UserRow.id) if scope is not None else true())
    if team_ids is not None:
        who = who.where(UserRow.team_id.in_(sorted(team_ids)))
    ids = list(conn.scalars(who.limit(LISTED_AUDIENCE_MAX + 1)))
    if len(ids) > LISTED_AUDIENCE_MAX:
        return lambda column: column.in_(who)
    return lambda column: one_of(conn, column, ids)


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
