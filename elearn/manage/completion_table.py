"""The completion table at any size: the summary and the filters in SQL over the kept standings
(``elearn.store.completion``), and ``CompletionRow``s built only for the learners shown (a page of
the table, or an export's batch), with the same rules as ``elearn.manage.dashboard``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from elearn.course.catalogue import Course
from elearn.course.passing import PassRule
from elearn.learner.mastery import DEVELOPING_BELOW, MIN_OBSERVATIONS
from elearn.manage.dashboard import (
    COMPLETED,
    DEACTIVATED,
    EXPIRED,
    IN_PROGRESS,
    NOT_STARTED,
    OVERDUE,
    CompletionRow,
    Filters,
    Summary,
    completion_rows,
    masteries_from,
)
from elearn.store.analytics import learner_facts, skill_evidence
from elearn.store.assignments import current_assignments, visible_assignments
from elearn.store.completion import (
    Narrowing,
    StandingCounts,
    standing_counts,
    standing_page,
    standing_pages,
    standing_team_names,
)
from elearn.store.db import Store
from elearn.store.records import Viewer

WEAK_MARGIN = 0.01
"""Tallies up to this much above the proficient bound are read too: the band is decided in Python
on the rounded percent, the bound in SQL only narrows what is read."""


def narrowing(filters: Filters) -> Narrowing:
    """The store's form of the table's filters."""
    return Narrowing(team_ids=filters.team_ids, statuses=filters.statuses, due_from=filters.due_from,
                     due_to=filters.due_to, overdue_only=filters.overdue_only, search=filters.search)


def counts(store: Store, viewer: Viewer, filters: Filters, now: datetime, rule: PassRule) -> StandingCounts:
    """How many learners the filters keep, by status (at ``now``; "passed" as ``rule`` says)."""
    return standing_counts(store, viewer, narrowing(filters), now, rule.threshold)


def summary_of(found: StandingCounts) -> Summary:
    """The summary figures (``elearn.manage.dashboard.summary``'s, deactivated learners left out)."""
    by = found.by_status
    return Summary(learners=found.rows - by[DEACTIVATED], completed=by[COMPLETED], passed=found.passed,
                   in_progress=by[IN_PROGRESS], not_started=by[NOT_STARTED], overdue=by[OVERDUE],
                   expired=by[EXPIRED], at_risk=found.at_risk)


def rows_for(store: Store, viewer: Viewer, course: Course, user_ids: Sequence[int], now: datetime,
             rule: PassRule) -> list[CompletionRow]:
    """The completion rows of ``user_ids`` (those ``viewer`` may see), in the table's order."""
    if not user_ids:
        return []
    facts = learner_facts(store, viewer, [lesson.id for lesson in course.lessons], [s.id for s in course.scenarios],
                          user_ids=user_ids)
    # Only the weakest skills are shown: read the measured tallies below proficient (with a margin).
    weak = skill_evidence(store, viewer, user_ids=user_ids, observed=MIN_OBSERVATIONS,
                          mastery_below=DEVELOPING_BELOW + WEAK_MARGIN)
    masteries = masteries_from(weak, course.skills)
    assigned = current_assignments(visible_assignments(store, viewer), ((f.user_id, f.team_id) for f in facts))
    return completion_rows(course, facts, assigned, masteries, now, pass_rule=rule)


def page_rows(store: Store, viewer: Viewer, course: Course, filters: Filters, now: datetime, rule: PassRule, *,
              offset: int, limit: int) -> list[CompletionRow]:
    """One page of the table: the ``limit`` matching learners from ``offset``, in the table's order."""
    ids = standing_page(store, viewer, narrowing(filters), now, offset=offset, limit=limit)
    return rows_for(store, viewer, course, ids, now, rule)


def every_row(store: Store, viewer: Viewer, course: Course, filters: Filters, now: datetime, rule: PassRule,
              *, batch: int = 2_000) -> Iterator[CompletionRow]:
    """Every matching learner's row, in the table's order, built ``batch`` learners at a time (the
    exports: memory stays bounded by a batch)."""
    for ids in standing_pages(store, viewer, narrowing(filters), now, size=batch):
        yield from rows_for(store, viewer, course, ids, now, rule)


def team_names(store: Store, viewer: Viewer, filters: Filters, now: datetime) -> tuple[str | None, ...]:
    """The teams of the matching learners (None: in no team)."""
    return standing_team_names(store, viewer, narrowing(filters), now)


def matching_ids(store: Store, viewer: Viewer, filters: Filters, now: datetime) -> list[int]:
    """The ids of every matching learner, in the table's order."""
    return [user_id for ids in standing_pages(store, viewer, narrowing(filters), now, size=5_000) for user_id in ids]
