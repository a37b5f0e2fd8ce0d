"""Which e-mails are due now: reminders from each learner's status, digests by the week.

- **due-soon**: an assignment not yet complete, due within one of its ``remind_days_before``
  (default ``DEFAULT_DAYS_BEFORE``): one reminder for the nearest of those days crossed, so a
  learner assigned two days before the due date gets the 1-day reminder, not also the 7-day one.
- **overdue**: past the due date and not complete: one at once, then one every
  ``overdue_every_days`` (default ``DEFAULT_OVERDUE_EVERY_DAYS``; 0: none), at most
  ``MAX_OVERDUE_REMINDERS``.
- **digest**: one per manager per ISO week (``2026-W49``), the first run of that week.

The period is part of each job's key (``elearn.store.outbox``), so planning again, or in two
processes at once, queues nothing twice. Completed and expired learners get no reminders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from elearn.course.catalogue import Course
from elearn.course.passing import PassRule
from elearn.learner.mastery import SkillMastery
from elearn.manage.dashboard import IN_PROGRESS, NOT_STARTED, OVERDUE, CompletionRow, completion_rows, masteries_from
from elearn.store.analytics import learner_facts, skill_evidence
from elearn.store.assignments import Assignment, assignments_in_force, current_assignments
from elearn.store.db import Store
from elearn.store.outbox import DIGEST, DUE_SOON, NewJob, managed_teams
from elearn.store.outbox import OVERDUE as OVERDUE_MAIL

DEFAULT_DAYS_BEFORE = (7, 1)
DEFAULT_OVERDUE_EVERY_DAYS = 7
MAX_OVERDUE_REMINDERS = 4


@dataclass(frozen=True)
class Situation:
    """Everyone's progress now, as the e-mails need it: read once per run."""

    now: datetime
    rows: Mapping[int, CompletionRow]
    """Each learner's completion row, by user id."""
    assignments: Mapping[int, Assignment]
    """Each learner's current assignment, by user id (learners with none are left out)."""
    masteries: Mapping[int, Mapping[str, SkillMastery]]
    teams_of_manager: Mapping[int, frozenset[int]]
    in_force: Mapping[int, Assignment]
    """Every assignment not revoked, by id."""


def situation(store: Store, course: Course, now: datetime, pass_rule: PassRule) -> Situation:
    """Read everyone's progress, assignments and skills in three aggregate queries."""
    facts = learner_facts(store, None, [lesson.id for lesson in course.lessons], [s.id for s in course.scenarios])
    in_force = assignments_in_force(store)
    current = current_assignments(in_force, [(f.user_id, f.team_id) for f in facts])
    masteries = masteries_from(skill_evidence(store, None), course.skills)
    rows = completion_rows(course, facts, current, masteries, now, pass_rule=pass_rule)
    return Situation(now=now, rows={row.user_id: row for row in rows}, assignments=current, masteries=masteries,
                     teams_of_manager=managed_teams(store), in_force={a.id: a for a in in_force})


def reminder_due(row: CompletionRow, assignment: Assignment, now: datetime) -> NewJob | None:
    """The reminder ``row``'s learner should have now for ``assignment``, or None."""
    if row.status in (NOT_STARTED, IN_PROGRESS) and now < assignment.due_at:
        days = assignment.remind_days_before if assignment.remind_days_before is not None else DEFAULT_DAYS_BEFORE
        crossed = [d for d in days if assignment.due_at - now <= timedelta(days=d)]
        if crossed:
            return NewJob(DUE_SOON, row.user_id, period=f"{min(crossed)}d", assignment_id=assignment.id)
        return None
    if row.status == OVERDUE:
        every = assignment.overdue_every_days
        every = DEFAULT_OVERDUE_EVERY_DAYS if every is None else every
        if every <= 0:
            return None
        number = (now - assignment.due_at) // timedelta(days=every) + 1
        if number <= MAX_OVERDUE_REMINDERS:
            return NewJob(OVERDUE_MAIL, row.user_id, period=str(number), assignment_id=assignment.id)
    return None


def still_due(found: Situation, kind: str, user_id: int, assignment_id: int | None) -> bool:
    """Whether a queued reminder still applies when it is sent (not completed meanwhile, not reassigned)."""
    row, assignment = found.rows.get(user_id), found.assignments.get(user_id)
    if row is None or assignment is None or assignment.id != assignment_id:
        return False
    if kind == DUE_SOON:
        return row.status in (NOT_STARTED, IN_PROGRESS)
    return row.status == OVERDUE


def iso_week(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def planned_jobs(found: Situation) -> list[NewJob]:
    """Every reminder and digest due now (some may be queued already; queueing skips those)."""
    jobs: list[NewJob] = []
    for user_id, assignment in found.assignments.items():
        row = found.rows.get(user_id)
        due = reminder_due(row, assignment, found.now) if row is not None else None
        if due is not None:
            jobs.append(due)
    week = iso_week(found.now)
    jobs += [NewJob(DIGEST, manager, period=week) for manager, teams in sorted(found.teams_of_manager.items()) if teams]
    return jobs


def team_rows(found: Situation, team_ids: Iterable[int]) -> list[CompletionRow]:
    """The rows of the learners in ``team_ids``, by name: what one manager's digest covers."""
    teams = set(team_ids)
    return sorted((row for row in found.rows.values() if row.team_id in teams), key=lambda r: (r.name.casefold(),
                                                                                                r.user_id))
