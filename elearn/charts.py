"""Plotly figures for learners and managers. Pure builders: data in, figure out.

Charts are meant to be read on a phone as well as a projector: labels in words, fonts no
smaller than 13 px, colour never the only carrier of meaning (bands are also named, and
"not enough evidence" is hatched as well as grey).

Figures are built from plain dictionaries in one step and carry no plotly template (Streamlit
applies its own theme): building a template-based figure cost ~50 ms a chart, every rerun.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import plotly.graph_objects as go

from elearn.mastery import DEVELOPING_BELOW, NEEDS_PRACTICE_BELOW, SkillMastery

BAND_COLOURS = {
    "needs practice": "#c2410c",
    "developing": "#ca8a04",
    "proficient": "#15803d",
    "not enough evidence": "#9ca3af",
}
FONT = {"size": 14}


def _layout(title: str, height: int, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": title, "font": {"size": 17}}, "font": FONT, "height": height,
            "margin": {"l": 10, "r": 10, "t": 50, "b": 40}, "legend": {"orientation": "h", "y": -0.15}, **extra}


def skills_chart(masteries: Sequence[SkillMastery], names: Mapping[str, str]) -> go.Figure:
    """Every skill's mastery with its uncertainty, coloured and labelled by band."""
    ordered = list(reversed(masteries))  # plotly draws the first bar at the bottom
    labels = [names.get(m.skill, m.skill) for m in ordered]
    bars = []
    for band, colour in BAND_COLOURS.items():
        rows = [m for m in ordered if m.band == band]
        bars.append({
            "type": "bar", "name": band.capitalize(), "orientation": "h",
            "y": [names.get(m.skill, m.skill) for m in rows], "x": [m.mastery for m in rows],
            "marker": {"color": colour, "pattern": {"shape": "/" if band == "not enough evidence" else ""}},
            "error_x": {"type": "data", "array": [m.uncertainty for m in rows], "color": "#374151"},
            "customdata": [[m.observations, band] for m in rows],
            "hovertemplate": "%{y}: %{x:.0%} ± %{error_x.array:.0%}<br>%{customdata[1]}"
                             " · %{customdata[0]} observations<extra></extra>",
        })
    edges = [{"type": "line", "x0": edge, "x1": edge, "y0": 0, "y1": 1, "yref": "paper",
              "line": {"dash": "dot", "color": "#6b7280"}} for edge in (NEEDS_PRACTICE_BELOW, DEVELOPING_BELOW)]
    return go.Figure({"data": bars, "layout": _layout(
        "Your skills", 120 + 34 * len(masteries), shapes=edges,
        xaxis={"range": [0, 1], "tickformat": ".0%", "title": {"text": "Mastery (bars show the uncertainty)"}},
        yaxis={"categoryorder": "array", "categoryarray": labels},
    )})


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
