"""What a finished (or ongoing) run shows a learner: their decisions beside the best ones."""

from __future__ import annotations

from dataclasses import dataclass

from elearn.catalogue import Course
from elearn.engine import ScenarioRun, Step
from elearn.graph import clamp_anger
from elearn.lessons import Lesson
from elearn.schema import Scenario


@dataclass(frozen=True)
class Decision:
    number: int
    customer: str
    answer: str
    evidence: tuple[tuple[str, str], ...]
    """(skill name, rating) pairs."""
    anger_change: int
    first_attempt: bool


def decisions(course: Course, run: ScenarioRun) -> list[Decision]:
    """The decisions on the run's current path, in the learner's words and the course's skill names."""
    rows = []
    for number, step in enumerate(run.path, start=1):
        node = run.scenario.node(step.node_id)
        choice = node.choice(step.choice_id) if node else None
        rows.append(Decision(
            number=number, customer=node.customer if node else "", answer=choice.say if choice else step.choice_id,
            evidence=tuple((course.skills[s].name if s in course.skills else s, r) for s, r in step.evidence),
            anger_change=step.anger_after - step.anger_before, first_attempt=step.first_attempt,
        ))
    return rows


def best_answers(course: Course, scenario: Scenario) -> list[str]:
    """What the representative says on the best path, decision by decision."""
    answers = []
    for step in course.analyses[scenario.id].best.steps:
        node = scenario.node(step.node_id)
        choice = node.choice(step.choice_id) if node else None
        answers.append(choice.say if choice else step.choice_id)
    return answers


def best_anger_curve(course: Course, scenario: Scenario) -> list[int]:
    best = course.analyses[scenario.id].best
    return [scenario.start_anger, *(clamp_anger(s.anger_after) for s in best.steps)]


def lessons_to_revisit(course: Course, step: Step) -> list[Lesson]:
    """The lessons teaching the skills this answer fell short on (partial or poor)."""
    return course.lessons_teaching(skill for skill, rating in step.evidence if rating != "good")
