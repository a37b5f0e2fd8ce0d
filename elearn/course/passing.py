"""The honest pass rule: what "passed" means everywhere (app, dashboard, exports, xAPI).

A scenario attempt is **passed** when it reached a successful ending *and* its first-attempt
score is at or above the course-wide threshold (default 70%). A successful ending reached with
costly mistakes along the way is **completed**, not passed, and says so ("Resolved, with costly
mistakes"). The threshold is a deployment setting (``ELEARN_PASS_THRESHOLD`` or
``[elearn] pass_threshold``, a percentage); the core receives it as a ``PassRule``.
"""

from __future__ import annotations

from dataclasses import dataclass

from elearn.course.schema import OUTCOME_LABELS, SUCCESSFUL_OUTCOMES
from elearn.errors import ElearnError

DEFAULT_PASS_THRESHOLD = 70.0
"""Percent of full first-attempt credit a successful attempt needs to count as passed."""


class PassThresholdError(ElearnError, ValueError):
    """The configured threshold is not a percentage; the message names the setting and the value.

    An ``ElearnError``, so a page shows the message (``ui.errors.run_guarded``) instead of a
    generic failure."""


@dataclass(frozen=True)
class PassRule:
    """Decides whether an attempt passed: a successful outcome and ``score >= threshold`` (both 0-100)."""

    threshold: float = DEFAULT_PASS_THRESHOLD

    def passed(self, outcome: str | None, score: float | None) -> bool:
        return outcome in SUCCESSFUL_OUTCOMES and self.clears(score)

    def clears(self, score: float | None) -> bool:
        """``score`` is at or above the threshold: what a successful ending still needs to pass."""
        return score is not None and score >= self.threshold

    def costly(self, outcome: str | None, score: float | None) -> bool:
        """A successful ending reached with a score below the threshold."""
        return outcome in SUCCESSFUL_OUTCOMES and not self.passed(outcome, score)

    def label(self, outcome: str | None, score: float | None) -> str:
        """The outcome in words, honest about the score: "Resolved", "Resolved, with costly mistakes"."""
        if outcome is None:
            return "Not finished"
        words = OUTCOME_LABELS.get(outcome, outcome)
        return f"{words}, with costly mistakes" if self.costly(outcome, score) else words


def pass_rule_from(text: str | None, *, setting: str = "ELEARN_PASS_THRESHOLD") -> PassRule:
    """Read a threshold setting ("70", "70%", "72.5"); blank means the default.

    Raises ``PassThresholdError`` naming ``setting`` for anything that is not a number from 0 to 100.
    """
    raw = (text or "").strip().removesuffix("%").strip()
    if not raw:
        return PassRule()
    try:
        value = float(raw)
    except ValueError:
        raise PassThresholdError(f"{setting} is '{text}': expected a percentage from 0 to 100, like 70.") from None
    if not 0 <= value <= 100:
        raise PassThresholdError(f"{setting} is '{text}': expected a percentage from 0 to 100, like 70.")
    return PassRule(value)
