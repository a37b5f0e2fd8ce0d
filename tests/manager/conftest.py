"""Fixtures for the manager dashboard: the store world of tests/store, with scenarios played in it.

Store-level tests run on SQLite and PostgreSQL (``backend``, as in tests/store); AppTest tests
get a SQLite database of their own in a temporary data directory, as in tests/app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from elearn.course.catalogue import Course
from elearn.course.schema import Scenario
from elearn.play.engine import choose, rewind, start
from elearn.store import (
    NewChoice,
    Store,
    User,
    complete_lesson,
    finish_attempt,
    record_choice,
    save_run,
    start_attempt,
)
from tests.conftest import shipped_course
from tests.store.conftest import build_world
from tests.store.helpers import NOW, World

COURSE = shipped_course()


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)


@dataclass
class Clock:
    """Hands out strictly increasing times, a minute apart, from ``NOW``."""

    moment: datetime = NOW

    def tick(self, minutes: float = 1) -> datetime:
        self.moment += timedelta(minutes=minutes)
        return self.moment


def play(store: Store, user: User, scenario: Scenario, picks: list[int], clock: Clock, *, finish: bool = True,
         rewind_after: int | None = None) -> int:
    """Play ``scenario`` as ``user`` through the engine and the store, as the player page does:
    at each decision take the choice at index ``picks[i] % choices`` (the last pick repeats).
    With ``rewind_after=n`` the learner rewinds once after their n-th answer and answers again."""
    run = start(scenario)
    attempt = start_attempt(store, user, scenario.id, scenario.version, run_json=run.to_json(), now=clock.tick())
    answers = 0
    rewound = False
    while run.node is not None:
        if not finish and answers >= 2:
            return attempt.id
        pick = picks[min(answers, len(picks) - 1)]
        run = choose(run, run.node.choices[pick % len(run.node.choices)].id)
        step = run.log[-1]
        moment = clock.tick()
        if run.node is not None:
            save_run(store, user, attempt.id, run.to_json(), moment)
        record_choice(store, user, NewChoice(
            event_key=f"{attempt.id}-{len(run.log) - 1}", attempt_id=attempt.id, node_id=step.node_id,
            choice_id=step.choice_id, evidence=dict(step.evidence), anger_before=step.anger_before,
            anger_after=step.anger_after, first_attempt=step.first_attempt, occurred_at=moment))
        answers += 1
        if rewind_after is not None and answers == rewind_after and not rewound and run.node is not None:
            run = rewind(run)
            rewound = True
            picks = [p + 1 for p in picks]
    assert run.ending is not None
    finish_attempt(store, user, attempt.id, ending_id=run.ending.id, outcome=run.ending.outcome, score=run.score,
                   run_json=run.to_json(), now=clock.moment)
    return attempt.id


def finish_at(store: Store, user: User, scenario: Scenario, score: float, clock: Clock, *,
              outcome: str | None = None) -> int:
    """An attempt at ``scenario`` finished with first-attempt ``score`` at its first ending with
    ``outcome`` (default: its first successful ending): the two inputs of the pass rule, set
    exactly (``play`` takes whatever score a path gives)."""
    ending = next(e for e in scenario.endings if e.outcome == outcome or (outcome is None and e.successful))
    run = start(scenario)
    attempt = start_attempt(store, user, scenario.id, scenario.version, run_json=run.to_json(), now=clock.tick())
    finish_attempt(store, user, attempt.id, ending_id=ending.id, outcome=ending.outcome, score=score,
                   run_json=run.to_json(), now=clock.tick())
    return attempt.id


def read_everything(store: Store, user: User, course: Course, clock: Clock) -> None:
    """Mark every lesson done and finish every scenario of ``course`` (the best path)."""
    for lesson in course.lessons:
        complete_lesson(store, user, lesson.id, clock.tick())
    for scenario in course.scenarios:
        run = start(scenario)
        picks = []
        for step in course.analyses[scenario.id].best.steps:
            node = run.node
            assert node is not None
            picks.append([c.id for c in node.choices].index(step.choice_id))
            run = choose(run, step.choice_id)
        play(store, user, scenario, picks, clock)


@dataclass(frozen=True)
class Played:
    """The world after some play: Ana and Abe (team A) and Bea (team B) have answered."""

    store: Store
    world: World
    clock: Clock


@pytest.fixture
def played(store: Store, world: World) -> Played:
    clock = Clock()
    first, second = COURSE.scenarios[0], COURSE.scenarios[1]
    play(store, world.ana, first, [0], clock)
    play(store, world.ana, first, [1], clock)  # a second attempt: not in the answer counts
    play(store, world.abe, first, [1], clock, rewind_after=1)
    play(store, world.bea, first, [2], clock)
    play(store, world.ana, second, [0], clock, finish=False)
    complete_lesson(store, world.ana, COURSE.lessons[0].id, clock.tick())
    return Played(store, world, clock)
