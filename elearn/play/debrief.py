"""What a finished (or ongoing) run shows a learner: their decisions, and where the conversation turned."""

from __future__ import annotations

from dataclasses import dataclass

from elearn.course.catalogue import Course
from elearn.course.graph import clamp_anger
from elearn.course.lessons import Lesson
from elearn.course.schema import Scenario, credit_of
from elearn.play.engine import ScenarioRun, Step


@dataclass(frozen=True)
class Decision:
    number: int
    customer: str
    answer: str
    evidence: tuple[tuple[str, str], ...]
    """(skill name, rating) pairs."""
    anger_change: int
    first_attempt: bool


@dataclass(frozen=True)
class TurningPoint:
    """A decision whose first answer fell short: what was said, what would have been better, and why."""

    number: int
    """The decision's place in the order the learner met it (1 = the first decision they answered)."""
    customer: str
    said: str
    evidence: tuple[tuple[str, str], ...]
    """(skill name, rating) pairs of what was said."""
    why: str
    """The feedback on what was said."""
    better: str
    better_why: str
    lessons: tuple[Lesson, ...]
    """The lessons teaching the skills this answer fell short on."""


def decisions(course: Course, run: ScenarioRun) -> list[Decision]:
    """The decisions on the run's current path, in the learner's words and the course's skill names."""
    rows = []
    for number, step in enumerate(run.path, start=1):
        node = run.scenario.node(step.node_id)
        choice = node.choice(step.choice_id) if node else None
        rows.append(Decision(
            number=number, customer=node.customer if node else "", answer=choice.say if choice else step.choice_id,
            evidence=_named(course, step.evidence), anger_change=step.anger_after - step.anger_before,
            first_attempt=step.first_attempt,
        ))
    return rows


def where_it_turned(course: Course, run: ScenarioRun) -> list[TurningPoint]:
    """Every decision whose first answer was rated poor or partial for some skill, in the order played.

    First answers are the ones that count (rewound or not); the better answer is the one the
    scenario rates highest at that decision (``Node.best_choice``).
    """
    points = []
    for number, step in enumerate(run.first_attempts, start=1):
        node = run.scenario.node(step.node_id)
        choice = node.choice(step.choice_id) if node else None
        if node is None or choice is None or all(rating == "good" for _, rating in step.evidence):
            continue
        better = node.best_choice
        if credit_of(choice) >= credit_of(better):
            continue  # the best answer this decision offered: nothing better to show
        points.append(TurningPoint(
            number=number, customer=node.customer, said=choice.say, evidence=_named(course, step.evidence),
            why=choice.feedback, better=better.say, better_why=better.feedback,
            lessons=tuple(lessons_to_revisit(course, step)),
        ))
    return points


def best_anger_curve(course: Course, scenario: Scenario) -> list[int]:
    best = course.analyses[scenario.id].best
    return [scenario.start_anger, *(clamp_anger(s.anger_after) for s in best.steps)]


def lessons_to_revisit(course: Course, step: Step) -> list[Lesson]:
    """The lessons teaching the skills this answer fell short on (partial or poor)."""
    return course.lessons_teaching(skill for skill, rating in step.evidence if rating != "good")


def _named(course: Course, evidence: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    return tuple((course.skills[s].name if s in course.skills else s, r) for s, r in evidence)
