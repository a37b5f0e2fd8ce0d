"""How well a learner has mastered each skill, from the evidence of their first attempts.

The model, per learner and skill: a Beta-Bernoulli estimate with prior Beta(1, 1). Each
first-attempt rating is an observation worth good = 1, partial = 0.5, poor = 0 "successes";
newer observations count more (each older one is weighted by ``RECENCY`` once more), so a
learner who improves sees it. With S the weighted successes and F the weighted failures:

    mastery = (1 + S) / (2 + S + F)
    uncertainty = standard deviation of Beta(1 + S, 1 + F)

Below ``MIN_OBSERVATIONS`` observations the estimate is shown as "not enough evidence yet".
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from elearn.schema import RATING_CREDIT

RECENCY = 0.85
MIN_OBSERVATIONS = 3
NEEDS_PRACTICE_BELOW = 0.6
DEVELOPING_BELOW = 0.8

BANDS = ("not enough evidence", "needs practice", "developing", "proficient")


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
    def band(self) -> str:
        if not self.enough_evidence:
            return "not enough evidence"
        if self.mastery < NEEDS_PRACTICE_BELOW:
            return "needs practice"
        if self.mastery < DEVELOPING_BELOW:
            return "developing"
        return "proficient"


def estimate(skill: str, ratings: Sequence[str]) -> SkillMastery:
    """The mastery of one skill from its ratings, oldest first."""
    successes = failures = 0.0
    newest = len(ratings) - 1
    for index, rating in enumerate(ratings):
        weight = RECENCY ** (newest - index)
        credit = RATING_CREDIT[rating]
        successes += weight * credit
        failures += weight * (1 - credit)
    alpha, beta = 1 + successes, 1 + failures
    total = alpha + beta
    variance = alpha * beta / (total * total * (total + 1))
    return SkillMastery(skill, alpha / total, math.sqrt(variance), len(ratings))


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
    evidence yet (fewest observations first); proficient skills are left out.
    """
    measured = sorted((m for m in masteries if m.enough_evidence and m.band != "proficient"),
                      key=lambda m: (m.mastery, m.skill))
    unmeasured = sorted((m for m in masteries if not m.enough_evidence), key=lambda m: (m.observations, m.skill))
    return measured + unmeasured


def history(skills: Iterable[str], observations: Iterable[Observation]) -> list[tuple[datetime, float]]:
    """The learner's average mastery over ``skills`` after each day that brought evidence."""
    skill_list = list(skills)
    ordered = sorted(observations, key=lambda o: o.at)
    points: list[tuple[datetime, float]] = []
    so_far: dict[str, list[str]] = defaultdict(list)
    for index, obs in enumerate(ordered):
        so_far[obs.skill].append(obs.rating)
        last_of_day = index + 1 == len(ordered) or ordered[index + 1].at.date() != obs.at.date()
        if last_of_day:
            average = sum(estimate(s, so_far.get(s, [])).mastery for s in skill_list) / max(len(skill_list), 1)
            points.append((obs.at, average))
    return points
