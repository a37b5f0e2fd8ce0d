"""The reminder schedule with a fixed clock: which reminder is due, for which period, and when none is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from elearn.mail.schedule import iso_week, reminder_due
from elearn.manage.dashboard import COMPLETED, EXPIRED, IN_PROGRESS, NOT_STARTED, OVERDUE, CompletionRow
from elearn.store.assignments import Assignment

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _row(status: str) -> CompletionRow:
    return CompletionRow(user_id=7, name="Ana", username="ana", team_id=1, team="A", status=status, share_done=0.0,
                         assigned_at=None, due_at=None, days_overdue=0, at_risk=False, last_activity=None,
                         minutes_spent=0, scenarios_completed=0, scenarios_passed=0, course_passed=False,
                         mean_best_score=None, weakest=(), completed_at=None, expires_at=None)


def _assignment(due_in: timedelta, before: tuple[int, ...] | None = None, every: int | None = None) -> Assignment:
    return Assignment(id=3, team_id=None, user_id=7, modules=(), assigned_by=1, assigned_at=NOW - timedelta(days=30),
                      due_at=NOW + due_in, recertify_days=None, revoked_at=None, remind_days_before=before,
                      overdue_every_days=every)


@pytest.mark.parametrize(("status", "due_in", "before", "every", "expected"), [
    (NOT_STARTED, timedelta(days=8), None, None, None),  # not within 7 days yet
    (NOT_STARTED, timedelta(days=7), None, None, "due-soon:7d:user:7:assignment:3"),
    (IN_PROGRESS, timedelta(days=3), None, None, "due-soon:7d:user:7:assignment:3"),
    (IN_PROGRESS, timedelta(hours=20), None, None, "due-soon:1d:user:7:assignment:3"),  # the nearest day crossed
    (IN_PROGRESS, timedelta(days=13), (14, 2), None, "due-soon:14d:user:7:assignment:3"),
    (IN_PROGRESS, timedelta(days=3), (), None, None),  # no due-soon reminders for this assignment
    (COMPLETED, timedelta(days=1), None, None, None),
    (EXPIRED, timedelta(days=-1), None, None, None),
    (OVERDUE, timedelta(hours=-1), None, None, "overdue:1:user:7:assignment:3"),
    (OVERDUE, timedelta(days=-7), None, None, "overdue:2:user:7:assignment:3"),
    (OVERDUE, timedelta(days=-5), None, 2, "overdue:3:user:7:assignment:3"),
    (OVERDUE, timedelta(days=-28), None, None, None),  # the fifth would be one too many
    (OVERDUE, timedelta(days=-3), None, 0, None),  # no overdue reminders for this assignment
])
def test_the_reminder_due_now(status: str, due_in: timedelta, before: tuple[int, ...] | None, every: int | None,
                              expected: str | None) -> None:
    due = reminder_due(_row(status), _assignment(due_in, before, every), NOW)
    assert (due.job_key if due else None) == expected


def test_a_digest_period_is_the_iso_week() -> None:
    assert iso_week(NOW) == "2026-W49"
    assert iso_week(datetime(2027, 1, 1, tzinfo=UTC)) == "2026-W53"
