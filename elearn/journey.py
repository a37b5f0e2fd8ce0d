"""A learner's way through the course: module statuses, what to continue, what to do next.

Pure functions over the course and the learner's progress from the store; the home page only
lays out what these return.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from elearn.catalogue import Course
from elearn.lessons import Lesson
from elearn.mastery import Observation, SkillMastery, mastery_by_skill, to_improve
from elearn.schema import SUCCESSFUL_OUTCOMES, Scenario
from elearn.store.records import Attempt, Progress

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


def scenario_status(scenario: Scenario, attempts: Iterable[Attempt], progress: Progress) -> ScenarioStatus:
    mine = [a for a in attempts if a.scenario_id == scenario.id]
    finished = [a for a in mine if not a.in_progress]
    best = max(finished, key=lambda a: (a.score or 0.0, a.outcome in SUCCESSFUL_OUTCOMES), default=None)
    resumable = progress.resumable.get(scenario.id)
    status = DONE if finished else IN_PROGRESS if resumable else NOT_STARTED
    return ScenarioStatus(scenario, status, best.score if best else None, best.outcome if best else None, len(mine),
                          resumable)


def modules(course: Course, progress: Progress) -> list[Module]:
    """The course in order: each lesson with its practice scenarios, then the capstones."""
    done = progress.completed_lessons
    result = [
        Module(lesson.title, lesson, lesson.id in done,
               tuple(scenario_status(s, progress.attempts, progress) for s in course.practice_for(lesson)))
        for lesson in course.lessons
    ]
    if course.capstones:
        result.append(Module("Capstone scenarios", None, True,
                             tuple(scenario_status(s, progress.attempts, progress) for s in course.capstones)))
    return result


def completion(course_modules: Iterable[Module]) -> float:
    """Share of lessons read and scenarios finished, 0 to 1."""
    items = [m.lesson_done for m in course_modules if m.lesson is not None]
    items += [s.status == DONE for m in course_modules for s in m.scenarios]
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
    for module in modules(course, progress):
        if module.lesson is not None and not module.lesson_done:
            return NextStep(f"Next in the course: '{module.lesson.title}'.", lesson=module.lesson)
        for status in module.scenarios:
            if status.status != DONE:
                return NextStep(f"Next in the course: practise '{status.scenario.title}'.", scenario=status.scenario)
    return None


def recommended(course: Course, progress: Progress, masteries: Mapping[str, SkillMastery]) -> NextStep | None:
    """A step aimed at the learner's weakest skill: its lesson and the scenario that practises it best."""
    ranked = to_improve(masteries.values())
    if not ranked:
        return None
    weakest = ranked[0]
    skill = course.skills[weakest.skill]
    lesson = course.lesson(skill.lesson)
    played = {a.scenario_id for a in progress.attempts if not a.in_progress}
    exercising = [s for s in course.scenarios if skill.id in s.skills]
    exercising.sort(key=lambda s: (s.id in played, s.capstone, -sum(skill.id in c.evidence for n in s.nodes
                                                                    for c in n.choices)))
    if weakest.enough_evidence:
        reason = f"{skill.name} is your weakest skill so far ({weakest.mastery:.0%})."
    else:
        reason = f"We don't have enough evidence about your {skill.name.lower()} yet."
    return NextStep(reason, lesson=lesson, scenario=exercising[0] if exercising else None)
