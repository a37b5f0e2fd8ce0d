"""Lazy learners: play every scenario without reading it, through the real engine routing.

Each strategy picks an answer by a surface feature at every decision, then ``elearn.play.engine.choose``
moves the anger and routes exactly as for a learner:

- ``longest``: the answer with the most words (``elearn.course.cues.word_count`` of its ``say`` text);
- ``shortest``: the answer with the fewest words;
- ``polite``: the answer with the most polite words (``POLITE_WORDS``, counted by ``polite_count``);
- ``first-shown``: the first answer in the order the attempt shows them (``display_order`` with the
  run's seed). Each walk gets its own seed, drawn from the ``--seed`` given and the scenario's id,
  so the walks are repeatable.

The first three are deterministic and need one walk a scenario. On a tie they take the choice whose
id comes first alphabetically: a fixed rule that uses neither the authored position (measured on
its own by ``elearn.course.cues``) nor the rating. ``first-shown`` walks each scenario ``walks`` times.

For each strategy: the mean score over scenarios (each scenario's mean over its walks), and how many
scenarios end in a successful outcome and how many count as *passed* under a ``PassRule`` (for
``first-shown``: the expected number, the sum over scenarios of the share of walks that did).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from elearn.course.cues import word_count
from elearn.course.passing import PassRule
from elearn.course.schema import Choice, Scenario
from elearn.play.engine import ScenarioRun, choose, start
from elearn.play.simulate import STEP_LIMIT

POLITE_WORDS: tuple[str, ...] = (
    "sorry", "apologise", "apologize", "apology", "apologies", "thank", "thanks", "please", "I understand",
    "appreciate", "I hear you", "of course", "certainly", "happy to", "my pleasure", "kindly",
)
"""Words and phrases a polite-looking answer is counted by, case-insensitively and as whole words
("thank you" counts once, for "thank"; "apologised" and "appreciated" count as their stems)."""

_POLITE = re.compile(
    r"\b(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(POLITE_WORDS, key=len, reverse=True))
    + r")(?:s|d|ed)?\b", re.IGNORECASE)


def polite_count(text: str) -> int:
    """How many times ``text`` uses one of ``POLITE_WORDS`` (curly apostrophes are read as straight)."""
    return len(_POLITE.findall(text.replace("’", "'")))


Picker = Callable[[ScenarioRun], Choice]


def _by(key: Callable[[Choice], int]) -> Picker:
    """Pick the choice with the highest ``key``; ties go to the id that sorts first."""
    def pick(run: ScenarioRun) -> Choice:
        assert run.node is not None
        return min(run.node.choices, key=lambda choice: (-key(choice), choice.id))
    return pick


def _first_shown(run: ScenarioRun) -> Choice:
    return run.choices_shown()[0]


@dataclass(frozen=True)
class Strategy:
    id: str
    label: str
    pick: Picker
    deterministic: bool = True


STRATEGIES: tuple[Strategy, ...] = (
    Strategy("longest", "always the longest answer", _by(lambda c: word_count(c.say))),
    Strategy("shortest", "always the shortest answer", _by(lambda c: -word_count(c.say))),
    Strategy("polite", "always the most polite answer", _by(lambda c: polite_count(c.say))),
    Strategy("first-shown", "always the first answer shown", _first_shown, deterministic=False),
)


@dataclass
class ScenarioPlay:
    """One strategy's walks through one scenario."""

    walks: int = 0
    scores: list[float] = field(default_factory=list)
    endings: Counter[str] = field(default_factory=Counter)
    successes: int = 0
    passed: int = 0
    unfinished: int = 0

    @property
    def mean_score(self) -> float:
        return sum(self.scores) / len(self.scores) if self.scores else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"walks": self.walks, "mean_score": round(self.mean_score, 1),
                "endings": dict(sorted(self.endings.items())), "successes": self.successes, "passed": self.passed,
                "unfinished": self.unfinished}


@dataclass(frozen=True)
class StrategyResult:
    """One strategy over a whole course."""

    strategy: Strategy
    scenarios: dict[str, ScenarioPlay]

    @property
    def mean_score(self) -> float:
        """The mean over scenarios of each scenario's mean score (0-100)."""
        plays = list(self.scenarios.values())
        return sum(p.mean_score for p in plays) / len(plays) if plays else 0.0

    @property
    def successful_scenarios(self) -> float:
        """Scenarios ending in a successful outcome (the expected number for a strategy with many walks)."""
        return sum(p.successes / p.walks for p in self.scenarios.values() if p.walks)

    @property
    def passed_scenarios(self) -> float:
        """Scenarios counting as passed under the pass rule (expected number, as above)."""
        return sum(p.passed / p.walks for p in self.scenarios.values() if p.walks)

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.strategy.label, "walks": 1 if self.strategy.deterministic else
                max((p.walks for p in self.scenarios.values()), default=0),
                "mean_score": round(self.mean_score, 1), "scenarios": len(self.scenarios),
                "successful_scenarios": round(self.successful_scenarios, 2),
                "passed_scenarios": round(self.passed_scenarios, 2),
                "per_scenario": {sid: play.as_dict() for sid, play in self.scenarios.items()}}

    def describe(self) -> str:
        total = len(self.scenarios)
        if self.strategy.deterministic:
            ends = (f"{self.successful_scenarios:.0f} of {total} scenarios end in success, "
                    f"{self.passed_scenarios:.0f} passed")
        else:
            ends = (f"on average {self.successful_scenarios:.1f} of {total} scenarios end in success, "
                    f"{self.passed_scenarios:.1f} passed")
        return f"{self.strategy.label}: mean score {self.mean_score:.1f}%; {ends}"


def play(scenario: Scenario, strategy: Strategy, walks: int, seed: int, rule: PassRule) -> ScenarioPlay:
    """Walk ``scenario`` with ``strategy``: once if it is deterministic, else ``walks`` times."""
    result = ScenarioPlay()
    rng = random.Random(f"{seed}:{scenario.id}:{strategy.id}")  # noqa: S311 - repeatable walks, not secrets
    for _ in range(1 if strategy.deterministic else walks):
        run = start(scenario, rng.randrange(1, 2**31))
        while run.node is not None and len(run.path) < STEP_LIMIT:
            run = choose(run, strategy.pick(run).id)
        result.walks += 1
        result.scores.append(run.score)
        if run.ending is None:
            result.unfinished += 1
            continue
        result.endings[run.ending.id] += 1
        result.successes += run.ending.successful
        result.passed += rule.passed(run.ending.outcome, run.score)
    return result


def lazy_learners(scenarios: Iterable[Scenario], walks: int, seed: int,
                  rule: PassRule | None = None) -> list[StrategyResult]:
    """Every strategy of ``STRATEGIES`` over ``scenarios``; ``walks`` is for ``first-shown``."""
    rule = rule or PassRule()
    scenario_list = list(scenarios)
    return [StrategyResult(strategy, {s.id: play(s, strategy, walks, seed, rule) for s in scenario_list})
            for strategy in STRATEGIES]
