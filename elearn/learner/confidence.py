"""Self-assessment: when to ask a learner how confident they are, and how that compares with mastery.

A learner rates their confidence in each skill from 1 (not at all) to 5 (very) twice: before
the first lesson (``before``: they have read no lesson and started no scenario) and after the
capstones (``after``: every capstone scenario finished). Confidence maps onto the mastery bands
(1-2 needs practice, 3 developing, 4-5 proficient), and a learner over-rates a skill when the
band they chose is above the band measured from their first answers, under-rates it when
below. A skill without enough evidence has no measured band to compare with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from elearn.course.catalogue import Course
from elearn.learner.mastery import SkillMastery
from elearn.store.confidence import ConfidenceRating
from elearn.store.records import Progress

LEVELS: dict[int, str] = {1: "Not at all confident", 2: "Slightly confident", 3: "Fairly confident",
                          4: "Confident", 5: "Very confident"}
BANDS = ("needs practice", "developing", "proficient")
BAND_OF_CONFIDENCE = {1: "needs practice", 2: "needs practice", 3: "developing", 4: "proficient", 5: "proficient"}
VERDICT_WORDS = {"over-rates": "you over-rate yourself here", "under-rates": "you under-rate yourself here",
                 "about right": "you rate yourself about right"}
MOMENT_NAMES = {"before": "before the course", "after": "after the capstones"}


def moment_due(course: Course, progress: Progress, ratings: Iterable[ConfidenceRating]) -> str | None:
    """The self-assessment to offer now: ``before`` while nothing is started and it was not given,
    ``after`` once every capstone is finished and it was not given; None otherwise."""
    given = {rating.moment for rating in ratings}
    if "before" not in given and not progress.completions and not progress.attempts:
        return "before"
    finished = {attempt.scenario_id for attempt in progress.attempts if not attempt.in_progress}
    if course.capstones and "after" not in given and all(s.id in finished for s in course.capstones):
        return "after"
    return None


@dataclass(frozen=True)
class Calibration:
    """One skill: the confidence given at each moment, the mastery measured, and the verdict."""

    skill: str
    before: int | None
    after: int | None
    mastery: SkillMastery

    @property
    def latest(self) -> int | None:
        return self.after if self.after is not None else self.before

    @property
    def verdict(self) -> str:
        """``over-rates``, ``under-rates``, ``about right``, ``not measured yet`` or ``not rated``."""
        if self.latest is None:
            return "not rated"
        if not self.mastery.enough_evidence:
            return "not measured yet"
        felt, measured = BANDS.index(BAND_OF_CONFIDENCE[self.latest]), BANDS.index(self.mastery.band)
        return "over-rates" if felt > measured else "under-rates" if felt < measured else "about right"


def calibration(masteries: Mapping[str, SkillMastery], ratings: Iterable[ConfidenceRating]) -> list[Calibration]:
    """Confidence beside mastery for every skill of ``masteries`` (in its order)."""
    given = {(rating.moment, rating.skill_id): rating.confidence for rating in ratings}
    return [Calibration(skill, given.get(("before", skill)), given.get(("after", skill)), mastery)
            for skill, mastery in masteries.items()]


def calibration_words(row: Calibration, name: str) -> str:
    """One skill's comparison in a sentence (plain text, the page escapes it)."""
    if row.latest is None:
        return f"{name}: no confidence given yet."
    felt = f"you rated yourself '{LEVELS[row.latest].lower()}' ({BAND_OF_CONFIDENCE[row.latest]})"
    if row.verdict == "not measured yet":
        return f"{name}: {felt}; not enough evidence yet to compare."
    measured = f"your answers show {row.mastery.shown} ({row.mastery.band})"
    return f"{name}: {felt}, {measured}: {VERDICT_WORDS[row.verdict]}."


def calibration_table(rows: Iterable[Calibration], names: Mapping[str, str]) -> list[dict[str, object]]:
    """The comparison as table rows: skill, confidence before and after, mastery measured, verdict."""
    return [{
        "Skill": names.get(row.skill, row.skill),
        "Confidence before": LEVELS[row.before] if row.before is not None else "",
        "Confidence after": LEVELS[row.after] if row.after is not None else "",
        "Measured": f"{row.mastery.shown} ({row.mastery.band})" if row.mastery.enough_evidence
        else "not enough evidence",
        "Compared": row.verdict,
    } for row in rows]
