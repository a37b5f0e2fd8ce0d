"""Random walks through scenarios: how often each ending is reached, and the score range.

The walks are repeatable: the same seed gives the same walks for a scenario, whatever other
scenarios the course holds (each scenario's generator is seeded with the seed and its id).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from elearn.course.catalogue import Course
from elearn.course.schema import Scenario
from elearn.play.engine import choose, start

STEP_LIMIT = 500
"""A walk that has not ended after this many answers is counted as unfinished."""


@dataclass
class SimulationResult:
    walks: int
    endings: Counter[str] = field(default_factory=Counter)
    scores: list[float] = field(default_factory=list)
    unfinished: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "walks": self.walks, "endings": dict(sorted(self.endings.items())), "unfinished": self.unfinished,
            "min_score": min(self.scores, default=None), "max_score": max(self.scores, default=None),
            "mean_score": round(sum(self.scores) / len(self.scores), 1) if self.scores else None,
        }

    def describe(self) -> str:
        shares = ", ".join(f"{ending} {100 * n / self.walks:.0f}%" for ending, n in self.endings.most_common())
        data = self.as_dict()
        text = f"{shares}; score {data['min_score']}–{data['max_score']} (mean {data['mean_score']})"
        return text + (f"; {self.unfinished} unfinished" if self.unfinished else "")


def simulate(scenario: Scenario, walks: int, seed: int) -> SimulationResult:
    """Walk ``scenario`` ``walks`` times, picking a uniformly random choice at every decision."""
    rng = random.Random(f"{seed}:{scenario.id}")  # noqa: S311 - repeatable walks, not secrets
    result = SimulationResult(walks=walks)
    for _ in range(walks):
        run = start(scenario)
        while run.node is not None and len(run.path) < STEP_LIMIT:
            run = choose(run, rng.choice(run.node.choices).id)
        if run.ending is None:
            result.unfinished += 1
            continue
        result.endings[run.ending.id] += 1
        result.scores.append(run.score)
    return result


def simulate_course(course: Course, walks: int, seed: int) -> dict[str, SimulationResult]:
    return {scenario.id: simulate(scenario, walks, seed) for scenario in course.scenarios}
