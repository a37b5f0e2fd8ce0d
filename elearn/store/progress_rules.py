"""The running aggregates' rules, as pure functions: what a learner's progress row and skill tallies
hold, computed from their lessons, attempts and ratings.

The write path (``elearn.store.aggregates``), the rebuild (``elearn.store.rebuild``) and the
backfill of migration 0009 all compute with these, so an aggregate kept on write and one
recomputed from the event log are the same values, bit for bit. Times are whole Unix seconds
(floored), as the completion table has always compared them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from elearn.course.schema import SUCCESSFUL_OUTCOMES, fold_rating

ATTEMPT_TIME_CAP_SECONDS = 3600
"""An attempt counts for at most an hour of time spent: a tab left open overnight is not study."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch(moment: datetime) -> int:
    """``moment`` as whole Unix seconds, floored (exact: no float on the way)."""
    return (moment - _EPOCH) // timedelta(seconds=1)


@dataclass(frozen=True)
class AttemptFacts:
    """What the progress row needs of one attempt."""

    scenario_id: str
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    outcome: str | None
    score: float | None


@dataclass(frozen=True)
class ProgressValues:
    """One ``learner_progress`` row's values (see ``elearn.store.tables.LearnerProgressRow``)."""

    lessons: dict[str, int]
    scenarios: dict[str, list[float | None]]
    scenarios_finished: int
    mean_best_score: float | None
    seconds_in_scenarios: int
    last_activity: datetime | None

    def as_row(self, user_id: int) -> dict[str, Any]:
        return {"user_id": user_id, "lessons": self.lessons, "scenarios": self.scenarios,
                "scenarios_finished": self.scenarios_finished, "mean_best_score": self.mean_best_score,
                "seconds_in_scenarios": self.seconds_in_scenarios, "last_activity": self.last_activity}


def progress_values(attempts: Iterable[AttemptFacts], lessons: Iterable[tuple[str, datetime]]) -> ProgressValues:
    """A learner's progress row from all their attempts and lesson completions (any order).

    Per scenario: the latest finish, the best score, the best score among attempts ending in a
    successful outcome. Over all: scenarios finished, the mean of the best scores, time spent
    (each attempt from start to last save, capped at ``ATTEMPT_TIME_CAP_SECONDS``), and the last
    activity (the latest attempt save or lesson completion)."""
    per: dict[str, list[float | None]] = {}
    seconds = 0
    last: datetime | None = None
    for attempt in attempts:
        entry = per.setdefault(attempt.scenario_id, [None, None, None])
        if attempt.finished_at is not None:
            finished = epoch(attempt.finished_at)
            entry[0] = finished if entry[0] is None else max(entry[0], finished)
        if attempt.score is not None:
            entry[1] = attempt.score if entry[1] is None else max(entry[1], attempt.score)
            if attempt.outcome in SUCCESSFUL_OUTCOMES:
                entry[2] = attempt.score if entry[2] is None else max(entry[2], attempt.score)
        seconds += min(epoch(attempt.updated_at) - epoch(attempt.started_at), ATTEMPT_TIME_CAP_SECONDS)
        last = attempt.updated_at if last is None else max(last, attempt.updated_at)
    done: dict[str, int] = {}
    for lesson_id, completed_at in lessons:
        done[lesson_id] = epoch(completed_at)
        last = completed_at if last is None else max(last, completed_at)
    bests = [entry[1] for entry in per.values() if entry[1] is not None]
    return ProgressValues(
        lessons=dict(sorted(done.items())), scenarios=dict(sorted(per.items())),
        scenarios_finished=sum(entry[0] is not None for entry in per.values()),
        # fsum: correctly rounded whatever the order, so the demo's batches, the write path and the
        # rebuild (each reading attempts in its own order) store the same last digit.
        mean_best_score=math.fsum(bests) / len(bests) if bests else None, seconds_in_scenarios=seconds,
        last_activity=datetime.fromtimestamp(epoch(last), UTC) if last is not None else None,
    )


@dataclass(frozen=True)
class Tally:
    """One ``skill_tallies`` row's values: the fold of a learner's ratings of one skill."""

    successes: float
    failures: float
    observations: int
    last_at: datetime
    last_event_id: int


def fold_ratings(ratings: Iterable[tuple[datetime, int, str]]) -> Tally | None:
    """The tally of (time, event id, rating) triples, folded in (time, event id) order."""
    successes = failures = 0.0
    count = 0
    last: tuple[datetime, int] | None = None
    for at, event_id, rating in sorted(ratings, key=lambda r: (r[0], r[1])):
        successes, failures = fold_rating(successes, failures, rating)
        count += 1
        last = (at, event_id)
    if last is None:
        return None
    return Tally(successes, failures, count, last[0], last[1])
