"""Give-away cues: can a learner find a scenario's best answers without reading them?

The figures, over a scenario's **decisions** (its nodes; each offers 2-4 answers):

- An answer's **credit** is the mean of its evidence ratings (good 1, partial 0.5, poor 0:
  ``RATING_CREDIT``). The **best answers** at a decision are those with the highest credit.
  Usually there is one; when several share the top credit, each of them is a best answer. A
  decision whose answers all earn the same credit has no best answer: it counts among the
  decisions, and no cue holds there (there is nothing to give away).
- An answer's **length** is the number of words in its ``say`` text: runs of letters and digits,
  with an apostrophe inside a word keeping it whole ("don't" and "I'll" are one word each).
- A cue **holds** at a decision when a learner who follows that cue alone is sure to pick a best
  answer, whatever they do on a tie:
  *longest*: every answer with the most words is a best answer;
  *largest anger drop*: every answer with the most negative ``anger`` is a best answer;
  *position k*: the answer written k-th in the file is a best answer.
  So a tie for the longest (or the largest drop) between a best and a worse answer is no cue.
- **Same position**: for each authored position k (1-based), the decisions where the answer
  written k-th is a best answer; the figure is the largest of these counts and its position
  (the earliest position on a tie).
- **All-good** answers rate every skill in their evidence good, **all-poor** answers every skill
  poor; mixed answers belong to neither. The length ratio is the mean words of the all-good
  answers over the mean of the all-poor ones (None when a group is empty).

Course-wide figures pool every decision, and every all-good and all-poor answer, of every
scenario (``CueFigures`` add up): a long scenario weighs more than a short one.

``cue_warnings`` turns the figures into problems (file:line:column of the scenario's id) when
they pass the limits below. They are warnings until the content rewrite; ``check --strict``
treats them as errors. See docs/authoring.md, "Give-away cues and lazy learners".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from itertools import zip_longest
from typing import Any

from elearn.course.paths import ScenarioAnalysis
from elearn.course.schema import Choice, Node, Scenario, credit_of
from elearn.course.yamlsource import YamlDocument
from elearn.errors import Problem

LONGEST_LIMIT = 40
"""Percent of decisions above which "the best answer is the longest" is a warning."""
POSITION_LIMIT = 60
"""Percent of decisions above which "the best answer is written in the same position" is a warning."""
ANGER_DROP_LIMIT = 80
"""Percent of decisions above which "the best answer is the largest anger drop" is a warning."""
LENGTH_RATIO_LIMIT = Fraction(3, 2)
"""All-good answers longer than this many times the all-poor ones (on average) is a warning."""

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SEE_DOCS = 'See docs/authoring.md, "Give-away cues and lazy learners".'


def word_count(text: str) -> int:
    """The words in ``text``: runs of letters and digits; "don't" and "I'll" are one word each."""
    return len(_WORD.findall(text))


def best_answers(node: Node) -> tuple[Choice, ...]:
    """The choices with the highest credit at ``node``; empty if every choice earns the same."""
    credits = [credit_of(choice) for choice in node.choices]
    top = max(credits)
    if min(credits) == top:
        return ()
    return tuple(choice for choice, value in zip(node.choices, credits, strict=True) if value == top)


@dataclass(frozen=True)
class CueFigures:
    """Cue counts over a set of decisions (one scenario's, or a whole course's); they add up with ``+``."""

    decisions: int = 0
    best_longest: int = 0
    """Decisions where every answer with the most words is a best answer."""
    best_largest_drop: int = 0
    """Decisions where every answer with the most negative anger is a best answer."""
    best_at: tuple[int, ...] = ()
    """For each authored position (index 0 is the first answer written): decisions where it is a best answer."""
    good_answers: int = 0
    good_words: int = 0
    """Total words of the all-good answers."""
    poor_answers: int = 0
    poor_words: int = 0
    """Total words of the all-poor answers."""

    def __add__(self, other: CueFigures) -> CueFigures:
        return CueFigures(
            decisions=self.decisions + other.decisions, best_longest=self.best_longest + other.best_longest,
            best_largest_drop=self.best_largest_drop + other.best_largest_drop,
            best_at=tuple(a + b for a, b in zip_longest(self.best_at, other.best_at, fillvalue=0)),
            good_answers=self.good_answers + other.good_answers, good_words=self.good_words + other.good_words,
            poor_answers=self.poor_answers + other.poor_answers, poor_words=self.poor_words + other.poor_words,
        )

    @property
    def same_position(self) -> tuple[int, int]:
        """(1-based position, decisions): where the best answer is most often written (earliest on a tie)."""
        if not any(self.best_at):
            return (1, 0)
        count = max(self.best_at)
        return (self.best_at.index(count) + 1, count)

    @property
    def good_mean_words(self) -> float | None:
        return self.good_words / self.good_answers if self.good_answers else None

    @property
    def poor_mean_words(self) -> float | None:
        return self.poor_words / self.poor_answers if self.poor_answers else None

    @property
    def length_ratio(self) -> float | None:
        """Mean words of all-good answers over those of all-poor answers; None if either is missing or 0."""
        good, poor = self.good_mean_words, self.poor_mean_words
        return good / poor if good is not None and poor else None

    def percent(self, count: int) -> float:
        """``count`` as a percentage of the decisions (0 when there are none)."""
        return 100 * count / self.decisions if self.decisions else 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures: counts, percentages (1 decimal), mean words and their ratio (2 decimals)."""
        position, at_position = self.same_position
        ratio = self.length_ratio
        return {
            "decisions": self.decisions,
            "best_longest": self.best_longest, "best_longest_percent": round(self.percent(self.best_longest), 1),
            "best_position": position, "best_at_position": at_position,
            "best_at_position_percent": round(self.percent(at_position), 1),
            "best_largest_drop": self.best_largest_drop,
            "best_largest_drop_percent": round(self.percent(self.best_largest_drop), 1),
            "good_answers": self.good_answers, "good_mean_words": _round(self.good_mean_words, 1),
            "poor_answers": self.poor_answers, "poor_mean_words": _round(self.poor_mean_words, 1),
            "length_ratio": _round(ratio, 2),
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def decision_cues(node: Node) -> CueFigures:
    """The cue figures of one decision."""
    best = {choice.id for choice in best_answers(node)}
    words = [word_count(choice.say) for choice in node.choices]
    most_words = max(words)
    lowest_anger = min(choice.anger for choice in node.choices)
    longest = {c.id for c, n in zip(node.choices, words, strict=True) if n == most_words}
    largest_drop = {c.id for c in node.choices if c.anger == lowest_anger}
    good = [n for c, n in zip(node.choices, words, strict=True) if set(c.evidence.values()) == {"good"}]
    poor = [n for c, n in zip(node.choices, words, strict=True) if set(c.evidence.values()) == {"poor"}]
    return CueFigures(
        decisions=1, best_longest=int(bool(best) and longest <= best),
        best_largest_drop=int(bool(best) and largest_drop <= best),
        best_at=tuple(int(choice.id in best) for choice in node.choices),
        good_answers=len(good), good_words=sum(good), poor_answers=len(poor), poor_words=sum(poor),
    )


def scenario_cues(scenario: Scenario) -> CueFigures:
    """The cue figures over every decision of ``scenario``."""
    return sum_cues(decision_cues(node) for node in scenario.nodes)


def sum_cues(figures: Iterable[CueFigures]) -> CueFigures:
    """Pool cue figures (decisions and answers add up)."""
    total = CueFigures()
    for item in figures:
        total = total + item
    return total


def cue_warnings(scenario: Scenario, doc: YamlDocument) -> list[Problem]:
    """The give-away cues of ``scenario`` past their limits, located at its id in ``doc``."""
    figures = scenario_cues(scenario)
    problems: list[Problem] = []

    def over(count: int, limit: int) -> bool:
        return 100 * count > limit * figures.decisions

    def share(count: int) -> str:
        return f"{count} of {figures.decisions} decisions ({figures.percent(count):.0f}%)"

    if over(figures.best_longest, LONGEST_LIMIT):
        problems.append(doc.problem(
            ("id",), "cue-longest", f"The best answer is the longest at {share(figures.best_longest)}; above "
            f"{LONGEST_LIMIT}% a learner can pass by always picking the longest answer.",
            f"Give some poor answers the length and detail of a real mistake, and keep some best answers short. "
            f"{_SEE_DOCS}"))
    position, at_position = figures.same_position
    if over(at_position, POSITION_LIMIT):
        problems.append(doc.problem(
            ("id",), "cue-position", f"The best answer is written as option {position} at {share(at_position)}; "
            f"above {POSITION_LIMIT}% the written order gives the answer away wherever the choices are not shuffled.",
            f"Vary where the best answer is written among the choices. {_SEE_DOCS}"))
    if over(figures.best_largest_drop, ANGER_DROP_LIMIT):
        problems.append(doc.problem(
            ("id",), "cue-anger-drop", f"The best answer is also the largest anger drop at "
            f"{share(figures.best_largest_drop)}; above {ANGER_DROP_LIMIT}% the anger meter is a second score, "
            "not a customer.",
            "Let anger follow the story: a right but firm answer can anger a customer for a moment, a soothing "
            f"wrong one can calm them; say why in 'anger_note'. {_SEE_DOCS}"))
    good, poor = figures.good_mean_words, figures.poor_mean_words
    # Compared as whole numbers (good_words / good_answers > 1.5 * poor_words / poor_answers), so a
    # ratio of exactly 1.5 is never pushed over the limit by rounding.
    longer = figures.good_words * figures.poor_answers * LENGTH_RATIO_LIMIT.denominator \
        > LENGTH_RATIO_LIMIT.numerator * figures.poor_words * figures.good_answers
    if good is not None and poor is not None and longer:
        ratio = figures.length_ratio
        times = f" ({ratio:.2f} times as long)" if ratio is not None else ""
        problems.append(doc.problem(
            ("id",), "cue-length-ratio", f"All-good answers average {good:.1f} words and all-poor answers "
            f"{poor:.1f}{times}; above {float(LENGTH_RATIO_LIMIT):g} times, length gives the answer away.",
            f"Write poor answers as fully as good ones: a real mistake sounds reasonable. {_SEE_DOCS}"))
    return problems


SUCCESS_SCORE_FLOOR = 50.0
"""No path that reaches a successful ending may score below this (percent)."""


def cheap_success_warnings(scenario: Scenario, analysis: ScenarioAnalysis, doc: YamlDocument) -> list[Problem]:
    """A warning when some path reaches a successful ending with a score under ``SUCCESS_SCORE_FLOOR``.

    Such a path tells a learner that poor answers lead to a good outcome, and the score's verdict
    ("costly mistakes") then contradicts the ending's. Located at the ending's id.
    """
    low = analysis.lowest_success
    if low is None or low.score >= SUCCESS_SCORE_FLOOR:
        return []
    index = next(i for i, ending in enumerate(scenario.endings) if ending.id == low.ending_id)
    shown = " → ".join(f"'{step.choice_id}'" for step in low.steps[:8]) + (" → …" if len(low.steps) > 8 else "")
    return [doc.problem(
        ("endings", index, "id"), "cue-cheap-success",
        f"The path {shown} reaches the successful ending '{low.ending_id}' with a score of {low.score:g}%; below "
        f"{SUCCESS_SCORE_FLOOR:g}% poor answers still lead to a good outcome.",
        "Route the poor answers on that path towards a worse ending, or split the ending so the debrief is true to "
        "the path (see docs/authoring.md, \"Endings true to the path\").")]
