"""Course home logic: module statuses, best results under the pass rule, completion, where to continue."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from elearn.course.catalogue import load_course
from elearn.course.passing import PassRule
from elearn.learner.journey import (
    DONE,
    IN_PROGRESS,
    NOT_STARTED,
    best_result,
    completion,
    continue_where_left_off,
    modules,
)
from elearn.store import Attempt, LessonCompletion, Progress, Role, User

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


def progress(*attempts: Attempt, lessons: tuple[str, ...] = ()) -> Progress:
    return Progress(user=ME, completions=tuple(LessonCompletion(1, lesson, T0) for lesson in lessons),
                    attempts=attempts, evidence=())


RULE = PassRule()  # the default: a successful ending and a score of 70% or more


def test_nothing_done() -> None:
    [module] = modules(COURSE, progress(), rule=RULE)
    assert module.status == NOT_STARTED
    assert completion([module]) == 0.0
    step = continue_where_left_off(COURSE, progress())
    assert step is not None
    assert step.lesson is not None
    assert step.lesson.id == "calm-basics"


def test_lesson_read_scenario_in_progress() -> None:
    mine = progress(attempt(1, finished=False), lessons=("calm-basics",))
    [module] = modules(COURSE, mine, rule=RULE)
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
    [module] = modules(COURSE, mine, rule=RULE)
    assert module.status == DONE
    assert (module.scenarios[0].best_score, module.scenarios[0].best_outcome) == (90.0, "resolved")
    assert completion([module]) == 1.0
    assert continue_where_left_off(COURSE, mine) is None


@pytest.mark.parametrize(("results", "best"), [
    pytest.param([(40.0, "customer_lost"), (90.0, "resolved")], "best 90% (Resolved)", id="the higher score"),
    pytest.param([(95.0, "customer_lost"), (55.0, "resolved")], "best 55% (Resolved, with costly mistakes)",
                 id="a success with costly mistakes before a failed ending with a higher score"),
    pytest.param([(100.0, "customer_lost"), (65.0, "resolved"), (72.0, "escalated_properly")],
                 "best 72% (Escalated properly)", id="a pass before anything else"),
    pytest.param([(80.0, "resolved"), (80.0, "escalated_properly")], "best 80% (Escalated properly)",
                 id="a tie: the later attempt"),
    pytest.param([(69.6, "resolved")], "best 69.6% (Resolved, with costly mistakes)",
                 id="no rounding up to a pass the label denies"),
    pytest.param([(69.4, "resolved")], "best 69% (Resolved, with costly mistakes)", id="whole percent otherwise"),
    pytest.param([(30.0, "unsafe")], "best 30% (Unsafe situation)", id="a failed ending only"),
])
def test_the_best_attempt_under_the_pass_rule(results: list[tuple[float, str]], best: str) -> None:
    mine = progress(*(attempt(n, finished=True, score=score, outcome=outcome)
                      for n, (score, outcome) in enumerate(results, start=1)))
    [module] = modules(COURSE, mine, rule=RULE)
    assert best_result(module.scenarios[0], RULE) == best


def test_the_threshold_comes_from_the_rule() -> None:
    mine = progress(attempt(1, finished=True, score=75.0, outcome="resolved"))
    [module] = modules(COURSE, mine, rule=PassRule(80.0))
    assert best_result(module.scenarios[0], PassRule(80.0)) == "best 75% (Resolved, with costly mistakes)"
    assert best_result(module.scenarios[0], PassRule(72.5)) == "best 75% (Resolved)"
    # 72.5 rounds (half to even) to 72, which would read as under a 72.5% threshold it meets.
    [module] = modules(COURSE, progress(attempt(1, finished=True, score=72.5, outcome="resolved")),
                       rule=PassRule(72.5))
    assert best_result(module.scenarios[0], PassRule(72.5)) == "best 72.5% (Resolved)"


def test_no_result_before_a_finished_attempt() -> None:
    [module] = modules(COURSE, progress(attempt(1, finished=False)), rule=RULE)
    assert best_result(module.scenarios[0], RULE) is None
