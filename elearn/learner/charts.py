"""Plotly figures for learners and managers. Pure builders: data in, figure out.

Charts are meant to be read on a phone as well as a projector: labels in words, fonts no
smaller than 13 px, colour never the only carrier of meaning (bands are also named). Every mark
colour has at least 3:1 against the white background and 4.5:1 against the white text drawn on
it (tests/test_chart_contrast.py); each chart's text alternative is in ``elearn.learner.chart_text``. A skill
without enough evidence is never drawn as a value: its row says "not enough evidence yet".

Figures are built from plain dictionaries in one step and carry no plotly template (Streamlit
applies its own theme): building a template-based figure cost ~50 ms a chart, every rerun.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import plotly.graph_objects as go

from elearn.learner.mastery import DEVELOPING_BELOW, MIN_OBSERVATIONS, NEEDS_PRACTICE_BELOW, SkillMastery

BAND_COLOURS = {
    "needs practice": "#c2410c",
    "developing": "#a16207",  # amber dark enough for white text (4.9:1); #ca8a04 gave 2.9:1
    "proficient": "#15803d",
    "not enough evidence": "#9ca3af",
}
FONT = {"size": 14}
ON_MARK = "#ffffff"
"""Text drawn on a coloured mark (inside a bar, in a heatmap cell)."""
ON_PAGE = "#111827"
"""Text drawn on the white page (a bar's label outside it)."""


def _layout(title: str, height: int, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": title, "font": {"size": 17}}, "font": FONT, "height": height,
            "margin": {"l": 10, "r": 10, "t": 50, "b": 40}, "legend": {"orientation": "h", "y": -0.15}, **extra}


def skills_chart(masteries: Sequence[SkillMastery], names: Mapping[str, str],
                 evidence_from: Mapping[str, str] | None = None, *, title: str = "Your skills") -> go.Figure:
    """Every skill in a row, the first on top.

    A skill with enough evidence is a bar of the mastery *as shown* (rounded to a whole percent,
    so its length, its label and its band agree with the dotted band edges), with its uncertainty,
    coloured and named by band. A skill without enough evidence has no bar and no value: its row
    reads "not enough evidence yet", naming the scenario that would give it evidence when
    ``evidence_from`` (skill id -> scenario title) has one. ``title``: "Your skills" for the learner,
    "Ben Johansson's skills" for their manager. ``skills_in_words`` is the same chart as text, for
    the page to show beside it.
    """
    ordered = list(reversed(masteries))  # plotly draws the first row at the bottom
    labels = [plain(names.get(m.skill, m.skill)) for m in ordered]
    traces: list[dict[str, Any]] = []
    for band, colour in BAND_COLOURS.items():
        rows = [m for m in ordered if m.enough_evidence and m.band == band]
        if band == "not enough evidence" or not rows:
            continue
        traces.append({
            "type": "bar", "name": band.capitalize(), "orientation": "h",
            "y": [plain(names.get(m.skill, m.skill)) for m in rows], "x": [m.percent / 100 for m in rows],
            "text": [m.shown for m in rows], "textposition": "inside", "insidetextanchor": "start",
            "insidetextfont": {"color": ON_MARK},
            "marker": {"color": colour},
            "error_x": {"type": "data", "array": [m.uncertainty for m in rows], "color": "#374151"},
            "customdata": [[m.shown, f"{m.uncertainty:.0%}", band, m.observations] for m in rows],
            "hovertemplate": "%{y}: %{customdata[0]} ± %{customdata[1]}<br>%{customdata[2]}"
                             " · %{customdata[3]} answers<extra></extra>",
        })
    unmeasured = [m for m in ordered if not m.enough_evidence]
    if unmeasured:
        # Short in the row, so it fits a phone; the hover and skills_in_words say it in full.
        scenarios = [(evidence_from or {}).get(m.skill) for m in unmeasured]
        traces.append({
            "type": "scatter", "mode": "text", "name": "Not enough evidence yet", "cliponaxis": False,
            "y": [plain(names.get(m.skill, m.skill)) for m in unmeasured], "x": [0.01] * len(unmeasured),
            "text": [plain(f"not enough evidence yet · play '{title}'" if title else "not enough evidence yet")
                     for title in scenarios],
            "textposition": "middle right", "textfont": {"color": "#4b5563"},
            "hovertext": [plain(_not_enough_evidence(m, title))
                          for m, title in zip(unmeasured, scenarios, strict=True)],
            "hoverinfo": "y+text",
        })
    edges = [{"type": "line", "x0": edge, "x1": edge, "y0": 0, "y1": 1, "yref": "paper",
              "line": {"dash": "dot", "color": "#6b7280"}} for edge in (NEEDS_PRACTICE_BELOW, DEVELOPING_BELOW)]
    return go.Figure({"data": traces, "layout": _layout(
        plain(title), 120 + 34 * len(masteries), shapes=edges,
        xaxis={"range": [0, 1], "tickformat": ".0%", "title": {"text": "Mastery (bars show the uncertainty)"}},
        yaxis={"categoryorder": "array", "categoryarray": labels},
    )})


def skills_in_words(masteries: Sequence[SkillMastery], names: Mapping[str, str],
                    evidence_from: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """``skills_chart`` as sentences, one per skill in the same order: the chart's text alternative.

    Plain text (not Markdown, not HTML): the page escapes it for wherever it shows it.
    """
    lines = []
    for m in masteries:
        name = names.get(m.skill, m.skill)
        if m.enough_evidence:
            lines.append(f"{name}: {m.shown} ± {m.uncertainty:.0%}, {m.band} ({m.observations} answers).")
        else:
            lines.append(f"{name}: {_not_enough_evidence(m, (evidence_from or {}).get(m.skill))}.")
    return tuple(lines)


def _not_enough_evidence(mastery: SkillMastery, scenario_title: str | None) -> str:
    words = f"not enough evidence yet ({mastery.observations} of {MIN_OBSERVATIONS} answers)"
    return f"{words}; play '{scenario_title}' to give it some" if scenario_title else words


def plain(text: str) -> str:
    """``text`` as plotly shows it literally: it reads a few HTML tags (links too) in labels."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def anger_curve(yours: Sequence[int], best: Sequence[int] | None = None) -> go.Figure:
    """The customer's anger over the conversation: the learner's path, and the best path if given.

    Both are anger levels at the start and after each answer.
    """
    lines = [{"type": "scatter", "x": list(range(len(yours))), "y": list(yours), "name": "Your conversation",
              "mode": "lines+markers", "line": {"width": 3, "color": "#b91c1c"}}]
    if best is not None:
        lines.append({"type": "scatter", "x": list(range(len(best))), "y": list(best), "name": "Best path",
                      "mode": "lines+markers", "line": {"width": 2, "dash": "dash", "color": "#15803d"}})
    longest = max(len(yours), len(best or ()))
    return go.Figure({"data": lines, "layout": _layout(
        "How the customer's anger moved", 340,
        xaxis={"title": {"text": "Answers given"}, "tickvals": list(range(longest)),
               "ticktext": ["Start", *(str(i) for i in range(1, longest))]},
        yaxis={"range": [0, 100], "title": {"text": "Anger (0 calm, 100 furious)"}},
    )})


def progress_chart(points: Sequence[tuple[datetime, float]]) -> go.Figure:
    """Average mastery over time."""
    line = {"type": "scatter", "x": [p[0] for p in points], "y": [p[1] for p in points], "mode": "lines+markers",
            "name": "Average mastery", "line": {"width": 3, "color": "#1d4ed8"}}
    return go.Figure({"data": [line], "layout": _layout(
        "Your progress over time", 300,
        yaxis={"range": [0, 1], "tickformat": ".0%", "title": {"text": "Average mastery"}},
    )})
