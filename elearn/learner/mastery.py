"""How well a learner has mastered each skill, from the evidence of their first attempts.

The model, per learner and skill: a Beta-Bernoulli estimate with prior Beta(1, 1). Each
first-attempt rating is an observation worth good = 1, partial = 0.5, poor = 0 "successes";
newer observations count more (each older one is weighted by ``RECENCY`` once more), so a
learner who improves sees it. With S the weighted successes and F the weighted failures:

    mastery = (1 + S) / (2 + S + F)
    uncertainty = standard deviation of Beta(1 + S, 1 + F)

Below ``MIN_OBSERVATIONS`` observations the estimate is shown as "not enough evidence yet".

Bands are decided on the figure the learner reads, the mastery rounded to a whole percent
(``shown_percent``): a skill shown as 60% is "developing", never "needs practice (below 60%)",
even when the estimate itself is 0.596. Charts draw the same rounded figure.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from elearn.course.schema import fold_rating

MIN_OBSERVATIONS = 3
NEEDS_PRACTICE_BELOW = 0.6
DEVELOPING_BELOW = 0.8



def shown_percent(share: float) -> int:
    """``share`` (0 to 1) as the whole percent the app shows: the number ``f"{share:.0%}"`` prints
    (both round half to even on the same float)."""
    return round(share * 100)


def band_of(percent: int) -> str:
    """The band of a measured mastery shown as ``percent``: the one banding rule, used by
    ``SkillMastery.band`` and every chart that colours a mastery."""
    if percent < shown_percent(NEEDS_PRACTICE_BELOW):
        return "needs practice"
    if percent < shown_percent(DEVELOPING_BELOW):
        return "developing"
    return "proficient"


@dataclass(frozen=True)
class Observation:
    """One first-attempt rating of one skill."""

    skill: str
    rating: str
    at: datetime


@dataclass(frozen=True)
class SkillMastery:
    skill: str
    mastery: float
    uncertainty: float
    observations: int

    @property
    def enough_evidence(self) -> bool:
        return self.observations >= MIN_OBSERVATIONS

    @property
    def percent(self) -> int:
        """The mastery as the whole percent shown to people (see ``shown_percent``)."""
        return shown_percent(self.mastery)

    @property
    def shown(self) -> str:
        """The mastery as text, e.g. "60%"."""
        return f"{self.percent}%"

    @property
    def band(self) -> str:
        """The band of the figure shown (``band_of(self.percent)``), or "not enough evidence"."""
        if not self.enough_evidence:
            return "not enough evidence"
        return band_of(self.percent)


@dataclass(frozen=True)
class _Tally:
    """Recency-weighted successes and failures; adding an observation ages the older ones by RECENCY."""

    successes: float = 0.0
    failures: float = 0.0
    count: int = 0

    def add(self, rating: str) -> _Tally:
        successes, failures = fold_rating(self.successes, self.failures, rating)
        return _Tally(successes, failures, self.count + 1)

    def mastery(self, skill: str) -> SkillMastery:
        alpha, beta = 1 + self.successes, 1 + self.failures
        total = alpha + beta
        variance = alpha * beta / (total * total * (total + 1))
        return SkillMastery(skill, alpha / total, math.sqrt(variance), self.count)


def estimate(skill: str, ratings: Sequence[str]) -> SkillMastery:
    """The mastery of one skill from its ratings, oldest first."""
    tally = _Tally()
    for rating in ratings:
        tally = tally.add(rating)
    return tally.mastery(skill)


def mastery_by_skill(skills: Iterable[str], observations: Iterable[Observation]) -> dict[str, SkillMastery]:
    """Mastery of every skill in ``skills`` (in that order), from observations in any order."""
    ratings: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for obs in observations:
        ratings[obs.skill].append((obs.at, obs.rating))
    return {skill: estimate(skill, [r for _, r in sorted(ratings.get(skill, []), key=lambda x: x[0])])
            for skill in skills}


def to_improve(masteries: Iterable[SkillMastery]) -> list[SkillMastery]:
    """Skills in the order a learner should work on them.

    Measured weak skills come first (lowest mastery first), then skills without enough
    evidence yet (fewest observations first); proficient skills are left out. Ties keep the
    order given (the skill catalogue's, which follows the course), so a new learner is pointed
    at the start of the course, not at the skill whose id sorts first.
    """
    given = list(masteries)
    measured = sorted((m for m in given if m.enough_evidence and m.band != "proficient"), key=lambda m: m.mastery)
    unmeasured = sorted((m for m in given if not m.enough_evidence), key=lambda m: m.observations)
    return measured + unmeasured


def history(skills: Iterable[str], observations: Iterable[Observation]) -> list[tuple[datetime, float]]:
    """The learner's average mastery over ``skills`` after each day that brought evidence."""
    tallies = {skill: _Tally() for skill in skills}
    current = {skill: tally.mastery(skill).mastery for skill, tally in tallies.items()}
    ordered = sorted((o for o in observations if o.skill in tallies), key=lambda o: o.at)
    points: list[tuple[datetime, float]] = []
    for index, obs in enumerate(ordered):
        tallies[obs.skill] = tallies[obs.skill].add(obs.rating)
        current[obs.skill] = tallies[obs.skill].mastery(obs.skill).mastery
        if index + 1 == len(ordered) or ordered[index + 1].at.date() != obs.at.date():
            points.append((obs.at, sum(current.values()) / max(len(current), 1)))
    return points
