"""What to do next for your skills: the one source of the home page's "Recommended next" and
My skills' "What to improve next" (home shows the first recommendation, My skills the first few).

``recommendations(course, progress)`` returns one ``Recommendation`` per skill still to work on:

1. Skills with enough evidence that are not proficient, weakest first (``mastery.to_improve``).
2. Then skills without enough evidence yet, fewest answers first, each with the scenario that
   would give it evidence.

Proficient skills are left out. Each recommendation names the skill's lesson and one scenario
to practise it in, picked among the scenarios that *exercise* the skill (have at least one
choice carrying evidence for it), in this order:

- never the scenario of the learner's most recently finished attempt (the one just played);
- the scenarios that exercise the skill strongly first: at least ``STRONG_SHARE`` of the choices
  of the scenario that exercises it most. Without this, "played longest ago" would send a learner
  to a scenario with one stray choice on the skill;
- then a scenario not played yet (no finished attempt) before one played already;
- among those played, the one played longest ago (its latest finished attempt is the oldest);
- then the most choices carrying evidence for the skill;
- then practice scenarios before capstones (they practise the lesson's skills on their own);
- then course order.

If only the just-finished scenario exercises a skill, the recommendation has its lesson and no
scenario, and the reason says so. Everything here is pure: the same course and progress always
give the same recommendations, whichever page asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from elearn.course.catalogue import Course
from elearn.course.lessons import Lesson
from elearn.course.schema import Scenario, Skill
from elearn.learner.journey import skill_masteries
from elearn.learner.mastery import MIN_OBSERVATIONS, SkillMastery, to_improve
from elearn.store.records import Progress

STRONG_SHARE = 0.5
"""A scenario exercises a skill strongly when it has at least this share of the choices with
evidence for the skill that the scenario exercising it most has."""


@dataclass(frozen=True)
class Practice:
    """The scenario picked to practise a skill: how many of its choices carry evidence for the
    skill, and when the learner last finished it (None: never)."""

    scenario: Scenario
    choices: int
    last_played: datetime | None


@dataclass(frozen=True)
class Recommendation:
    """One skill to work on: its lesson, the scenario to practise it in (if any) and why, in words."""

    skill: Skill
    mastery: SkillMastery
    lesson: Lesson | None
    practice: Practice | None
    reason: str

    @property
    def scenario(self) -> Scenario | None:
        return self.practice.scenario if self.practice is not None else None

    @property
    def enough_evidence(self) -> bool:
        return self.mastery.enough_evidence


def recommendations(course: Course, progress: Progress) -> tuple[Recommendation, ...]:
    """Every skill the learner should work on, in the order to work on them (module docstring)."""
    finished = sorted((a.finished_at, a.id, a.scenario_id) for a in progress.attempts if a.finished_at is not None)
    last_played = {scenario_id: at for at, _, scenario_id in finished}  # sorted: the latest finish wins
    just_finished = course.scenario(finished[-1][2]) if finished else None

    result = []
    for rank, mastery in enumerate(to_improve(skill_masteries(course, progress).values())):
        skill = course.skills[mastery.skill]
        practice = _practice(course, skill.id, last_played, just_finished)
        # Measured skills come first, so only the first of all can be the weakest measured one.
        about = _about_skill(skill, mastery, weakest=rank == 0)
        reason = f"{about} {_about_practice(skill, practice, mastery.enough_evidence, just_finished)}"
        result.append(Recommendation(skill, mastery, course.lesson(skill.lesson), practice, reason))
    return tuple(result)


def exercise_counts(course: Course, skill: str) -> dict[str, int]:
    """Scenario id -> how many of its choices carry evidence for ``skill`` (only scenarios with any)."""
    return course.exercises(skill)


def _practice(course: Course, skill: str, last_played: dict[str, datetime],
              just_finished: Scenario | None) -> Practice | None:
    counts = exercise_counts(course, skill)
    if not counts:
        return None
    top = max(counts.values())
    position = {s.id: i for i, s in enumerate(course.scenarios)}
    candidates = [s for s in course.scenarios if s.id in counts and (just_finished is None or s.id != just_finished.id)]
    if not candidates:
        return None

    def preference(s: Scenario) -> tuple[bool, bool, datetime, int, bool, int]:
        # The datetime is only compared between played scenarios (the bool before it is equal).
        return (counts[s.id] < STRONG_SHARE * top, s.id in last_played, last_played.get(s.id, datetime.min),
                -counts[s.id], s.capstone, position[s.id])

    best = min(candidates, key=preference)
    return Practice(best, counts[best.id], last_played.get(best.id))


def _about_skill(skill: Skill, mastery: SkillMastery, *, weakest: bool) -> str:
    if not mastery.enough_evidence:
        return (f"There isn't enough evidence about your {skill.name.lower()} yet "
                f"({mastery.observations} of {MIN_OBSERVATIONS} answers).")
    if weakest:
        return f"{skill.name} is your weakest skill so far ({mastery.shown}, {mastery.band})."
    return f"{skill.name} is at {mastery.shown} ({mastery.band})."


def _about_practice(skill: Skill, practice: Practice | None, measured: bool, just_finished: Scenario | None) -> str:
    if practice is None:
        if just_finished is not None and skill.id in just_finished.skills:
            return (f"You have just practised it in '{just_finished.title}', the only scenario that does: "
                    "read the lesson, then play it again another time.")
        return "No scenario practises it yet: the lesson is the place to start."
    title, n = practice.scenario.title, practice.choices
    choices = f"{n} choice{'s' if n != 1 else ''}"
    when = "you haven't played it yet" if practice.last_played is None else \
        "it is the one you played longest ago"
    if measured:
        return f"'{title}' practises it in {choices}, and {when}."
    return f"Playing '{title}' would give it evidence ({choices} count{'s' if n == 1 else ''} towards it), and {when}."
