"""Every chart's text alternative: what a sighted reader takes from it, and its data as a table.

Each builder here mirrors one figure builder in ``elearn.learner.charts`` (the team charts' are
in ``elearn.manage.team_chart_text``): same inputs, plain text out. ``summary`` is one or two
sentences ("Weakest: No blame, 22%; strongest: Follow-through, 82%."), used as the chart's
accessible name and shown under it; ``columns`` and ``rows`` are the numbers behind it. All of
it is plain text: the page escapes it for wherever it puts it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from elearn.learner.mastery import MIN_OBSERVATIONS, SkillMastery


@dataclass(frozen=True)
class ChartText:
    title: str
    summary: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def skills_text(masteries: Sequence[SkillMastery], names: Mapping[str, str]) -> ChartText:
    """``skills_chart`` in words: the weakest and strongest measured skill, and how many lack evidence."""
    measured = [m for m in masteries if m.enough_evidence]
    unmeasured = len(masteries) - len(measured)
    parts = []
    if measured:
        weakest = min(measured, key=lambda m: m.percent)
        strongest = max(measured, key=lambda m: m.percent)
        parts.append(f"Weakest: {names.get(weakest.skill, weakest.skill)}, {weakest.shown}; "
                     f"strongest: {names.get(strongest.skill, strongest.skill)}, {strongest.shown}.")
    if unmeasured:
        parts.append(f"{unmeasured} of {len(masteries)} skills have not enough evidence yet "
                     f"(fewer than {MIN_OBSERVATIONS} answers).")
    if not masteries:
        parts.append("No skills to show.")
    rows = tuple(
        (names.get(m.skill, m.skill), m.shown, f"± {m.uncertainty:.0%}", m.band, str(m.observations))
        if m.enough_evidence else
        (names.get(m.skill, m.skill), "not enough evidence yet", "", "", str(m.observations))
        for m in masteries)
    return ChartText("Skills", " ".join(parts), ("Skill", "Mastery", "Uncertainty", "Band", "Answers"), rows)


def anger_text(yours: Sequence[int], best: Sequence[int] | None = None) -> ChartText:
    """``anger_curve`` in words: where the anger started and ended, and where the best path ends."""
    if not yours:
        return ChartText("The customer's anger", "No answers yet.", ("Point", "Anger"), ())
    summary = (f"The customer's anger started at {yours[0]} of 100 and ended at {yours[-1]} "
               f"after {len(yours) - 1} answers; the highest was {max(yours)}.")
    if best:
        summary += f" The best path ends at {best[-1]} after {len(best) - 1} answers."
    longest = max(len(yours), len(best or ()))

    def at(values: Sequence[int] | None, index: int) -> str:
        return str(values[index]) if values is not None and index < len(values) else ""

    columns = ("Point", "Your conversation", *(("Best path",) if best is not None else ()))
    rows = tuple(("Start" if i == 0 else f"After answer {i}", at(yours, i),
                  *((at(best, i),) if best is not None else ())) for i in range(longest))
    return ChartText("The customer's anger", summary, columns, rows)


def progress_text(points: Sequence[tuple[datetime, float]]) -> ChartText:
    """``progress_chart`` in words: the average mastery at the first and last point."""
    rows = tuple((f"{when:%d %b %Y %H:%M}", f"{value:.0%}") for when, value in points)
    if not points:
        return ChartText("Your progress", "No progress to show yet.", ("When", "Average mastery"), rows)
    (first, start), (last, end) = points[0], points[-1]
    summary = f"Average mastery went from {start:.0%} on {first:%d %b} to {end:.0%} on {last:%d %b}."
    return ChartText("Your progress", summary, ("When", "Average mastery"), rows)
