"""A learner's way through the course: module statuses, their best results, what to continue.

Pure functions over the course and the learner's progress from the store; the home page only
lays out what these return. What to do next for one's skills is ``elearn.learner.recommend``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from elearn.course.catalogue import Course
from elearn.course.lessons import Lesson
from elearn.course.passing import PassRule
from elearn.course.schema import SUCCESSFUL_OUTCOMES, Scenario
from elearn.learner.mastery import Observation, SkillMastery, mastery_by_skill
from elearn.store.records import Attempt, ChoiceEvent, Progress

NOT_STARTED, IN_PROGRESS, DONE = "not started", "in progress", "done"


@dataclass(frozen=True)
class ScenarioStatus:
    scenario: Scenario
    status: str
    best_score: float | None
    best_outcome: str | None
    attempts: int
    resumable: Attempt | None


@dataclass(frozen=True)
class Module:
    """A lesson with its practice scenarios, or (``lesson`` None) the capstones."""

    title: str
    lesson: Lesson | None
    lesson_done: bool
    scenarios: tuple[ScenarioStatus, ...]

    @property
    def status(self) -> str:
        items = [self.lesson_done] if self.lesson is not None else []
        items += [s.status == DONE for s in self.scenarios]
        if all(items):
            return DONE
        if any(items) or any(s.status != NOT_STARTED for s in self.scenarios):
            return IN_PROGRESS
        return NOT_STARTED


@dataclass(frozen=True)
class NextStep:
    """Where to send the learner: a lesson or a scenario, and why."""

    reason: str
    lesson: Lesson | None = None
    scenario: Scenario | None = None


def scenario_status(scenario: Scenario, attempts: Iterable[Attempt], progress: Progress, *,
                    rule: PassRule) -> ScenarioStatus:
    """Where the learner stands with ``scenario``. The best attempt is the best under ``rule``: a
    passed attempt before a success with costly mistakes before an ending that failed, then the
    higher score, then the later attempt."""
    mine = [a for a in attempts if a.scenario_id == scenario.id]
    finished = [a for a in mine if not a.in_progress]
    best = max(finished, key=lambda a: (rule.passed(a.outcome, a.score), a.outcome in SUCCESSFUL_OUTCOMES,
                                        a.score or 0.0, a.attempt_number), default=None)
    resumable = progress.resumable.get(scenario.id)
    status = DONE if finished else IN_PROGRESS if resumable else NOT_STARTED
    return ScenarioStatus(scenario, status, best.score if best else None, best.outcome if best else None, len(mine),
                          resumable)


def best_result(status: ScenarioStatus, rule: PassRule) -> str | None:
    """The best attempt in words, e.g. "best 85% (Resolved)" or "best 55% (Resolved, with costly
    mistakes)" (``rule.label``); None before any finished attempt.

    The score is a whole percent, unless rounding would put it on the other side of the pass
    threshold: then it has one decimal ("best 69.6% (Resolved, with costly mistakes)"), so the
    figure never looks like a pass the label denies, or the other way round.
    """
    if status.best_score is None:
        return None
    score = status.best_score
    crosses = (round(score) >= rule.threshold) != (score >= rule.threshold)
    figure = f"{score:.1f}" if crosses else f"{score:.0f}"
    return f"best {figure}% ({rule.label(status.best_outcome, score)})"


def modules(course: Course, progress: Progress, *, rule: PassRule) -> list[Module]:
    """The course in order: each lesson with its practice scenarios, then the capstones; each
    scenario's best attempt is picked under the pass ``rule``."""
    done = progress.completed_lessons

    def statuses(scenarios: Iterable[Scenario]) -> tuple[ScenarioStatus, ...]:
        return tuple(scenario_status(s, progress.attempts, progress, rule=rule) for s in scenarios)

    result = [Module(lesson.title, lesson, lesson.id in done, statuses(course.practice_for(lesson)))
              for lesson in course.lessons]
    if course.capstones:
        result.append(Module("Capstone scenarios", None, True, statuses(course.capstones)))
    return result


def completion(course_modules: Iterable[Module]) -> float:
    """Share of lessons read and scenarios finished, 0 to 1."""
    items = [m.lesson_done for m in course_modules if m.lesson is not None]
    # A scenario paired with two lessons is listed under both, but counts once.
    scenarios = {s.scenario.id: s.status == DONE for m in course_modules for s in m.scenarios}
    items += scenarios.values()
    return sum(items) / len(items) if items else 0.0


def skill_masteries(course: Course, progress: Progress) -> dict[str, SkillMastery]:
    observations = [Observation(e.skill, e.rating, e.occurred_at) for e in progress.evidence]
    return mastery_by_skill(course.skills, observations)


def continue_where_left_off(course: Course, progress: Progress) -> NextStep | None:
    """The scenario in progress that the learner touched last, else the first unfinished item."""
    in_progress = sorted(progress.resumable.values(), key=lambda a: a.updated_at, reverse=True)
    for attempt in in_progress:
        scenario = course.scenario(attempt.scenario_id)
        if scenario is not None:
            return NextStep(f"You were in the middle of '{scenario.title}'.", scenario=scenario)
    for module in modules(course, progress, rule=PassRule()):  # statuses only: no best attempt
        if module.lesson is not None and not module.lesson_done:
            return NextStep(f"Next in the course: '{module.lesson.title}'.", lesson=module.lesson)
        for status in module.scenarios:
            if status.status != DONE:
                return NextStep(f"Next in the course: practise '{status.scenario.title}'.", scenario=status.scenario)
    return None


def decision_numbers(events: Iterable[ChoiceEvent]) -> list[int]:
    """Each event's decision number in its attempt, in the order the decisions were played (events
    oldest first): the first decision met is 1, the next new one 2, and an answer given again after
    a rewind keeps the number of the decision it answers, whatever the scenario file's node order."""
    seen: dict[int, dict[str, int]] = {}
    numbers = []
    for event in events:
        in_attempt = seen.setdefault(event.attempt_id, {})
        numbers.append(in_attempt.setdefault(event.node_id, len(in_attempt) + 1))
    return numbers
