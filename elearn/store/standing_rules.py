"""Each learner's standing against what is asked of them, as pure functions: the rule the write path
(``elearn.store.standings``), the rebuild (``elearn.store.rebuild``), the demo generator and the
dashboard's rows (``elearn.manage.dashboard``) all follow, so a standing kept on write equals one
computed from scratch and the row the table shows.

- An ``Outline`` is what the store needs of the course to know what an assignment asks: the
  lessons and scenarios in course order, and each lesson's practice scenarios. The app writes it
  (``elearn.store.standings.sync_outline``); the store never reads the course's files.
- What an assignment asks (``asked``): its modules' lessons and their practice scenarios; the
  whole course when it names no module, and for a learner with no assignment.
- A standing holds what the status needs apart from the clock: items asked and done, whether
  anything was started, when everything was done (``completed_at``), when that completion
  expires, and the lowest best successful score of the scenarios asked (the pass rule's
  threshold is a setting, so it is compared at read time, not stored).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

NOT_STARTED, IN_PROGRESS, COMPLETED, OVERDUE, EXPIRED = "not started", "in progress", "completed", "overdue", "expired"
DEACTIVATED = "deactivated"
STATUSES = (NOT_STARTED, IN_PROGRESS, COMPLETED, OVERDUE, EXPIRED, DEACTIVATED)
AT_RISK_DAYS = 14


@dataclass(frozen=True)
class Outline:
    """The course as assignments see it: lesson and scenario ids in course order, and each
    lesson's practice scenarios (in order)."""

    lessons: tuple[str, ...]
    scenarios: tuple[str, ...]
    practice: Mapping[str, tuple[str, ...]]

    def as_json(self) -> dict[str, Any]:
        return {"lessons": list(self.lessons), "scenarios": list(self.scenarios),
                "practice": {lesson: list(found) for lesson, found in sorted(self.practice.items())}}

    @classmethod
    def from_json(cls, stored: Mapping[str, Any]) -> Outline:
        return cls(tuple(stored["lessons"]), tuple(stored["scenarios"]),
                   {lesson: tuple(found) for lesson, found in stored["practice"].items()})


def asked(outline: Outline, modules: Sequence[str] = ()) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The lessons and scenarios ``modules`` (lesson ids; empty: the whole course) ask for, in
    course order. Unknown lesson ids are ignored (a lesson may have been removed since)."""
    if not modules:
        return outline.lessons, outline.scenarios
    wanted = set(modules)
    lessons = tuple(lesson for lesson in outline.lessons if lesson in wanted)
    scenarios = dict.fromkeys(s for lesson in lessons for s in outline.practice.get(lesson, ()))
    return lessons, tuple(scenarios)


@dataclass(frozen=True)
class AssignmentTerms:
    """What the standing needs of a learner's current assignment."""

    id: int
    modules: tuple[str, ...]
    assigned_at: datetime
    due_at: datetime
    recertify_days: int | None


def standing_values(user_id: int, outline: Outline, lessons_done: Mapping[str, int],
                    scenarios: Mapping[str, Sequence[float | None]], terms: AssignmentTerms | None
                    ) -> dict[str, Any]:
    """One ``learner_standings`` row: ``lessons_done`` and ``scenarios`` as ``learner_progress``
    holds them (lesson -> Unix time; scenario -> [latest finish or None, best, best successful])."""
    lessons, scenarios_asked = asked(outline, terms.modules if terms else ())
    lesson_times = [int(lessons_done[lesson]) for lesson in lessons if lesson in lessons_done]
    finished = [int(found[0]) for sid in scenarios_asked if (found := scenarios.get(sid)) is not None
                and found[0] is not None and int(found[0]) != 0]
    attempted = any(sid in scenarios for sid in scenarios_asked)
    done = len(lesson_times) + len(finished)
    items = len(lessons) + len(scenarios_asked)
    completed_at = expires_at = None
    if done == items:
        completed_at = _time(max([*lesson_times, *finished], default=0))
        if terms is not None and terms.recertify_days and finished:
            expires_at = _time(min(finished)) + timedelta(days=terms.recertify_days)
    successes = [scenarios[sid][2] if sid in scenarios else None for sid in scenarios_asked]
    floor = None if not successes or any(score is None for score in successes) \
        else min(float(score) for score in successes if score is not None)
    return {"user_id": user_id, "assignment_id": terms.id if terms else None,
            "assigned_at": terms.assigned_at if terms else None, "due_at": terms.due_at if terms else None,
            "items_asked": items, "items_done": done, "started": done > 0 or attempted,
            "completed_at": completed_at, "expires_at": expires_at, "scenarios_asked": len(scenarios_asked),
            "passing_floor": floor}


def _time(epoch_seconds: int) -> datetime:
    return datetime.fromtimestamp(epoch_seconds, UTC)
