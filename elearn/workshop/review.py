"""The room's review, pure: its debrief, the comparison with self-paced learners, the room's own
score and the skills it struggled with.

The room's score and the skills it struggled with both come from the room's own answers
(``elearn.workshop.rules.room_answers``), so they cannot contradict each other. The path actually
taken (with the facilitator's overrides) has a score of its own, shown beside it.

A room's decisions come from the store (``elearn.store.rooms.RoomDecision``); anything with the
same attributes will do (``Decided``), so this package never imports the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from elearn.course.catalogue import Course
from elearn.course.endings import debrief_for
from elearn.course.schema import OUTCOME_LABELS, RATING_CREDIT, Choice, Node, Scenario
from elearn.learner.mastery import band_of, shown_percent
from elearn.play.debrief import best_anger_curve
from elearn.play.engine import ScenarioRun
from elearn.workshop.rules import LETTERS, MIN_SELF_PACED, Decided, room_answers, tied


@dataclass(frozen=True)
class ChoiceShare:
    choice_id: str
    letter: str
    say: str
    room_votes: int
    room_share: float
    self_paced: int
    self_paced_share: float | None
    """None when too few self-paced learners answered this decision to compare."""
    taken: bool
    most_voted: bool


@dataclass(frozen=True)
class DecisionReview:
    number: int
    customer: str
    shares: tuple[ChoiceShare, ...]
    room_votes: int
    self_paced_learners: int
    taken_say: str
    reaction: str
    feedback: str
    overridden: bool
    tie: bool
    anger_before: int
    anger_after: int
    evidence: tuple[tuple[str, str], ...]
    """(skill name, rating) of the answer the room took."""

    @property
    def comparable(self) -> bool:
        return self.self_paced_learners >= MIN_SELF_PACED


@dataclass(frozen=True)
class SkillStruggle:
    """How well the room's own answers (its majorities) did on one skill: credit, 0 (poor) to 1 (good)."""

    skill: str
    name: str
    credit: float
    weight: float
    """How many decisions' room answers rated this skill (a tied decision counts each answer in part)."""
    lesson: str | None

    @property
    def struggled(self) -> bool:
        """Below the "needs practice" edge, judged on the rounded figure shown (59.6% shows as 60%: not struggled)."""
        return band_of(shown_percent(self.credit)) == "needs practice"


@dataclass(frozen=True)
class RoomReview:
    scenario_title: str
    participants: int
    decisions: tuple[DecisionReview, ...]
    skills: tuple[SkillStruggle, ...]
    """Every skill the room's own answers touched, weakest first."""
    anger_curve: tuple[int, ...]
    best_curve: tuple[int, ...]
    room_score: float | None
    """The score of the room's own answers (its majority at each decision, ties shared), 0-100;
    None when nobody voted at any decision."""
    path_score: float
    """The score of the path actually taken, the facilitator's picks included (the run's score)."""
    overrides: int
    """Decisions where the facilitator took another answer than the room's majority."""
    ending_title: str | None
    ending_outcome: str | None
    ending_debrief: str | None
    ending_successful: bool

    @property
    def struggled(self) -> tuple[SkillStruggle, ...]:
        return tuple(skill for skill in self.skills if skill.struggled)


def review_room(
    course: Course, run: ScenarioRun, decisions: Sequence[Decided], *, participants: int,
    self_paced: Mapping[str, Mapping[str, int]] | None = None,
) -> RoomReview:
    """The room's way through its scenario, decision by decision, beside self-paced learners' first answers."""
    scenario = run.scenario
    by_number = {decided.decision: decided for decided in decisions}
    rows = []
    for number, step in enumerate(run.path, start=1):
        node = scenario.node(step.node_id)
        decided = by_number.get(number)
        if node is None or decided is None:
            continue
        rows.append(_decision_review(course, run.choices_shown(node), node, number, step.anger_before,
                                     step.anger_after, decided, (self_paced or {}).get(node.id, {})))
    ending = run.ending
    skills, room_score = _room_answers_credit(course, scenario, decisions)
    return RoomReview(
        scenario_title=scenario.title, participants=participants, decisions=tuple(rows), skills=skills,
        anger_curve=tuple(run.anger_curve), best_curve=tuple(best_anger_curve(course, scenario)),
        room_score=room_score, path_score=run.score, overrides=sum(1 for row in rows if row.overridden),
        ending_title=ending.title if ending else None,
        ending_outcome=OUTCOME_LABELS[ending.outcome] if ending else None,
        ending_debrief=debrief_for(ending, run.path) if ending else None,
        ending_successful=bool(ending and ending.successful),
    )


def _decision_review(course: Course, shown: Sequence[Choice], node: Node, number: int, before: int, after: int,
                     decided: Decided, learners: Mapping[str, int]) -> DecisionReview:
    votes = {choice.id: decided.votes.get(choice.id, 0) for choice in shown}
    learned = {choice.id: learners.get(choice.id, 0) for choice in shown}
    room_total, learner_total = sum(votes.values()), sum(learned.values())
    comparable = learner_total >= MIN_SELF_PACED
    shares = tuple(ChoiceShare(
        choice_id=choice.id, letter=LETTERS[index], say=choice.say, room_votes=votes[choice.id],
        room_share=votes[choice.id] / room_total if room_total else 0.0,
        self_paced=learned[choice.id] if comparable else 0,
        self_paced_share=learned[choice.id] / learner_total if comparable else None,
        taken=choice.id == decided.choice_id, most_voted=choice.id == decided.majority_choice_id,
    ) for index, choice in enumerate(shown))
    taken = node.choice(decided.choice_id)
    return DecisionReview(
        number=number, customer=node.customer, shares=shares, room_votes=room_total,
        self_paced_learners=learner_total if comparable else 0,
        taken_say=taken.say if taken else decided.choice_id, reaction=(taken.reaction or "") if taken else "",
        feedback=taken.feedback if taken else "", overridden=decided.overridden, tie=len(tied(votes)) > 1,
        anger_before=before, anger_after=after,
        evidence=tuple((_skill_name(course, s), rating) for s, rating in (taken.evidence.items() if taken else ())),
    )


def _room_answers_credit(course: Course, scenario: Scenario,
                         decisions: Sequence[Decided]) -> tuple[tuple[SkillStruggle, ...], float | None]:
    """Per skill, and over everything, the credit of the room's own answers (``room_answers``)."""
    credit: dict[str, float] = {}
    weight: dict[str, float] = {}
    ratings_credit, ratings_weight = 0.0, 0.0
    for decided in decisions:
        node = scenario.node(decided.node_id)
        if node is None:
            continue
        for choice_id, share in room_answers(decided).items():
            choice = node.choice(choice_id)
            for skill, rating in (choice.evidence.items() if choice else ()):
                credit[skill] = credit.get(skill, 0.0) + share * RATING_CREDIT[rating]
                weight[skill] = weight.get(skill, 0.0) + share
                ratings_credit += share * RATING_CREDIT[rating]
                ratings_weight += share
    found = []
    for skill, total in weight.items():
        lessons = course.lessons_teaching([skill])
        found.append(SkillStruggle(skill=skill, name=_skill_name(course, skill), credit=credit[skill] / total,
                                   weight=total, lesson=lessons[0].title if lessons else None))
    # Scored like a learner's run (score_evidence): the mean credit of every rating, as a percentage.
    score = round(100 * ratings_credit / ratings_weight, 1) if ratings_weight else None
    return tuple(sorted(found, key=lambda s: (s.credit, s.name))), score


def _skill_name(course: Course, skill: str) -> str:
    return course.skills[skill].name if skill in course.skills else skill
