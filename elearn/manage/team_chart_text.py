"""The team charts' text alternatives (``elearn.manage.team_charts``), as ``ChartText``: what a
sighted reader takes from each chart, and its data as a table (see ``elearn.learner.chart_text``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from elearn.course.schema import OUTCOME_LABELS, Scenario
from elearn.learner.chart_text import ChartText
from elearn.learner.mastery import SkillMastery
from elearn.manage.dashboard import DecisionCounts, PathLink
from elearn.manage.team_charts import RATING_WORDS


def heatmap_text(learners: Sequence[tuple[str, Mapping[str, SkillMastery]]], skills: Mapping[str, str]) -> ChartText:
    """``skills_heatmap`` in words: the lowest and highest measured cells, and the empty ones."""
    cells = [(label, name, mastery) for label, masteries in learners for skill, name in skills.items()
             if (mastery := masteries.get(skill)) is not None and mastery.enough_evidence]
    blank = len(learners) * len(skills) - len(cells)
    parts = [f"{len(learners)} learners by {len(skills)} skills."]
    if cells:
        low = min(cells, key=lambda cell: cell[2].percent)
        high = max(cells, key=lambda cell: cell[2].percent)
        parts.append(f"Lowest: {low[0]}, {low[1]}, {low[2].shown}; highest: {high[0]}, {high[1]}, {high[2].shown}.")
    if blank:
        parts.append(f"{blank} cells have not enough evidence yet.")

    def cell(masteries: Mapping[str, SkillMastery], skill: str) -> str:
        mastery = masteries.get(skill)
        return f"{mastery.shown} ({mastery.band})" if mastery is not None and mastery.enough_evidence else "?"

    rows = tuple((label, *(cell(masteries, skill) for skill in skills)) for label, masteries in learners)
    return ChartText("Skills by learner", " ".join(parts), ("Learner", *skills.values()), rows)


def decision_text(decision: DecisionCounts) -> ChartText:
    """``decision_bars`` in words: the most-taken answer and its rating."""
    total = decision.answers
    title = f"Decision {decision.number}"
    rows = tuple((c.says, str(c.count), f"{c.count / (total or 1):.0%}", RATING_WORDS[c.rating])
                 for c in decision.choices)
    columns = ("Answer", "First answers", "Share", "Rating")
    if not total:
        return ChartText(title, f"{title}: no first answers yet.", columns, rows)
    top = max(decision.choices, key=lambda c: c.count)
    summary = (f"{title}: {total} first answers; the most taken, {top.count} ({top.count / total:.0%}), "
               f"was \"{top.says}\", rated {RATING_WORDS[top.rating]}.")
    return ChartText(title, summary, columns, rows)


def paths_text(scenario: Scenario, links: Sequence[PathLink]) -> ChartText:
    """``paths_sankey`` in words: how many learners reached each ending."""
    numbers = {node.id: f"Decision {n}" for n, node in enumerate(scenario.nodes, start=1)}

    def name(key: str) -> str:
        ending = scenario.ending(key)
        return f"{ending.title} ({OUTCOME_LABELS[ending.outcome]})" if ending is not None else numbers.get(key, key)

    reached: dict[str, int] = {}
    for link in links:
        if scenario.ending(link.target) is not None:
            reached[link.target] = reached.get(link.target, 0) + link.count
    endings = "; ".join(f"{name(key)}: {count}" for key, count in sorted(reached.items(), key=lambda kv: -kv[1]))
    summary = f"Endings reached: {endings}." if endings else "No learner has reached an ending yet."
    rows = tuple((name(link.source), name(link.target), str(link.count)) for link in links)
    return ChartText("Paths through the scenario", summary, ("From", "To", "Learners"), rows)
