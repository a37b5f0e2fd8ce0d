"""Course home logic: module statuses, completion, where to continue, what to recommend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from elearn.catalogue import load_course
from elearn.journey import (
    DONE,
    IN_PROGRESS,
    NOT_STARTED,
    completion,
    continue_where_left_off,
    modules,
    recommended,
    skill_masteries,
)
from elearn.store import Attempt, Evidence, LessonCompletion, Progress, Role, User

from .conftest import FIXTURES

COURSE = load_course(FIXTURES / "course")
T0 = datetime(2026, 3, 1, tzinfo=UTC)
ME = User(id=1, username="ana", display_name="Ana", email=None, team_id=None, roles=frozenset({Role.LEARNER}),
          has_password=True, created_at=T0, last_seen_at=None)


def attempt(number: int, *, finished: bool, score: float | None = None, outcome: str | None = None,
            updated: datetime = T0) -> Attempt:
    return Attempt(id=number, user_id=1, scenario_id="outage", scenario_version=1, attempt_number=number,
                   started_at=T0, updated_at=updated, finished_at=updated if finished else None, run_json="{}",
                   ending_id="fixed" if finished else None, outcome=outcome, score=score)


def progress(*attempts: Attempt, lessons: tuple[str, ...] = (), evidence: tuple[Evidence, ...] = ()) -> Progress:
    return Progress(user=ME, completions=tuple(LessonCompletion(1, lesson, T0) for lesson in lessons),
                    attempts=attempts, evidence=evidence)


def test_nothing_done() -> None:
    [module] = modules(COURSE, progress())
    assert module.status == NOT_STARTED
    assert completion([module]) == 0.0
    step = continue_where_left_off(COURSE, progress())
    assert step is not None
    assert step.lesson is not None
    assert step.lesson.id == "calm-basics"


def test_lesson_read_scenario_in_progress() -> None:
    mine = progress(attempt(1, finished=False), lessons=("calm-basics",))
    [module] = modules(COURSE, mine)
    assert module.status == IN_PROGRESS
    assert module.scenarios[0].status == IN_PROGRESS
    assert completion([module]) == 0.5
    step = continue_where_left_off(COURSE, mine)
    assert step is not None
    assert step.scenario is not None
    assert step.scenario.id == "outage"
    assert "middle of 'Third outage'" in step.reason


def test_done_with_best_result() -> None:
    mine = progress(attempt(1, finished=True, score=40.0, outcome="customer_lost"),
                    attempt(2, finished=True, score=90.0, outcome="resolved"), lessons=("calm-basics",))
    [module] = modules(COURSE, mine)
    assert module.status == DONE
    assert (module.scenarios[0].best_score, module.scenarios[0].best_outcome) == (90.0, "resolved")
    assert completion([module]) == 1.0
    assert continue_where_left_off(COURSE, mine) is None


def test_recommendation_targets_the_weakest_measured_skill() -> None:
    evidence = tuple(Evidence(skill, rating, T0 + timedelta(minutes=i), "outage")
                     for i, (skill, rating) in enumerate([("empathy", "poor")] * 3 + [("solutions", "good")] * 3))
    mine = progress(evidence=evidence)
    step = recommended(COURSE, mine, skill_masteries(COURSE, mine))
    assert step is not None
    assert step.reason.startswith("Empathy is your weakest skill so far")
    assert step.lesson is not None
    assert step.scenario is not None
    assert step.scenario.id == "outage"
