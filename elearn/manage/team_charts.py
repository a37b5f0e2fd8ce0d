"""Plotly figures for the manager dashboard: team skills heatmap, answers per decision, paths.

Same rules as ``elearn.learner.charts``: plain dictionaries, no template, words beside colours (every
heatmap cell carries its value or "?" for not enough evidence; every bar its rating).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from elearn.course.schema import OUTCOME_LABELS, Scenario
from elearn.learner.charts import BAND_COLOURS, FONT, ON_MARK, ON_PAGE, plain
from elearn.learner.mastery import (
    DEVELOPING_BELOW,
    MIN_OBSERVATIONS,
    NEEDS_PRACTICE_BELOW,
    SkillMastery,
    shown_percent,
)
from elearn.manage.dashboard import DecisionCounts, PathLink

RATING_COLOURS = {"good": BAND_COLOURS["proficient"], "partial": BAND_COLOURS["developing"],
                  "poor": BAND_COLOURS["needs practice"]}
RATING_WORDS = {"good": "good", "partial": "partly good", "poor": "poor"}
NO_EVIDENCE_COLOUR = "#e5e7eb"


def skills_heatmap(learners: Sequence[tuple[str, Mapping[str, SkillMastery]]], skills: Mapping[str, str]
                   ) -> go.Figure:
    """Learners (rows, first on top) by skills (columns): mastery where there is enough evidence,
    a pale "?" cell where there is not."""
    labels = [plain(label) for label, _ in learners]
    names = list(skills.values())
    measured: list[list[float | None]] = []
    unmeasured: list[list[int | None]] = []
    texts: list[list[str]] = []
    hover: list[list[str]] = []
    for (_, masteries), label in zip(learners, labels, strict=True):
        row: list[float | None] = []
        blank: list[int | None] = []
        words: list[str] = []
        tips: list[str] = []
        for skill, name in skills.items():
            mastery = masteries.get(skill)
            observations = mastery.observations if mastery else 0
            if mastery is not None and mastery.enough_evidence:
                row.append(mastery.percent / 100)  # the figure shown, so the colour agrees with the label
                blank.append(None)
                words.append(mastery.shown)
                tips.append(f"{label} · {name}: {mastery.shown} ({mastery.band}, {observations} answers)")
            else:
                row.append(None)
                blank.append(0)
                words.append("?")
                tips.append(f"{label} · {name}: not enough evidence ({observations} of {MIN_OBSERVATIONS} answers)")
        measured.append(row)
        unmeasured.append(blank)
        texts.append(words)
        hover.append(tips)
    # Cells hold whole percents, so a colour edge half a percent below each band edge gives every
    # cell its band's colour (``mastery.band_of``): 59% is "needs practice", 60% "developing".
    low, high = ((shown_percent(edge) - 0.5) / 100 for edge in (NEEDS_PRACTICE_BELOW, DEVELOPING_BELOW))
    scale = [[0, BAND_COLOURS["needs practice"]], [low, BAND_COLOURS["needs practice"]],
             [low, BAND_COLOURS["developing"]], [high, BAND_COLOURS["developing"]],
             [high, BAND_COLOURS["proficient"]], [1, BAND_COLOURS["proficient"]]]
    cells = {"type": "heatmap", "x": names, "y": labels, "xgap": 2, "ygap": 2, "hoverinfo": "text",
             "hovertext": hover, "texttemplate": "%{text}"}
    # Each trace writes its own cells' words in a colour that reads on them: white on the bands
    # (at least 4.9:1), dark on the pale "?" cells. One trace's text colour is one colour.
    traces = [
        {**cells, "z": unmeasured, "colorscale": [[0, NO_EVIDENCE_COLOUR], [1, NO_EVIDENCE_COLOUR]],
         "showscale": False, "name": "not enough evidence",
         "text": [[word if word == "?" else "" for word in row] for row in texts],
         "textfont": {"size": 12, "color": ON_PAGE}},
        {**cells, "z": measured, "zmin": 0, "zmax": 1, "colorscale": scale,
         "text": [[word if word != "?" else "" for word in row] for row in texts],
         "textfont": {"size": 12, "color": ON_MARK}, "name": "mastery",
         "colorbar": {"title": {"text": "Mastery"}, "tickformat": ".0%", "len": 0.6}},
    ]
    return go.Figure({"data": traces, "layout": {
        "title": {"text": "Skills by learner (? = not enough evidence yet)", "font": {"size": 17}}, "font": FONT,
        "height": 160 + 26 * len(labels), "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
        "xaxis": {"side": "top", "tickangle": -35}, "yaxis": {"autorange": "reversed", "automargin": True},
    }})


def decision_bars(decision: DecisionCounts) -> go.Figure:
    """How many first answers took each choice at one decision, coloured and labelled by rating."""
    total = decision.answers or 1
    choices = list(reversed(decision.choices))  # plotly draws the first bar at the bottom
    bar = {
        "type": "bar", "orientation": "h", "x": [c.count for c in choices],
        "y": [_short(c.says, 70) for c in choices],
        "marker": {"color": [RATING_COLOURS[c.rating] for c in choices]},
        "text": [f"{c.count} · {c.count / total:.0%} · {RATING_WORDS[c.rating]}" for c in choices],
        "textposition": "auto", "insidetextfont": {"color": ON_MARK}, "outsidetextfont": {"color": ON_PAGE},
        "hovertext": [c.says for c in choices], "hoverinfo": "text+x",
    }
    return go.Figure({"data": [bar], "layout": {
        "title": {"text": f"Decision {decision.number}: {_short(decision.customer, 90)}", "font": {"size": 15}},
        "font": FONT, "height": 90 + 46 * len(choices), "margin": {"l": 10, "r": 10, "t": 45, "b": 25},
        "xaxis": {"title": {"text": f"First answers ({decision.answers})"}}, "yaxis": {"automargin": True},
        "showlegend": False,
    }})


SANKEY_LABEL = 26  # characters of an ending's title on the chart; the hover has it in full
SANKEY_ROW = 44  # pixels per node in the fullest column, so labels never overlap


def paths_sankey(scenario: Scenario, links: Sequence[PathLink]) -> go.Figure:
    """Where learners' first answers took them: decisions in order, then the endings.

    Labels are short (an ending's title is cut to ``SANKEY_LABEL`` characters, the full title and
    outcome in its hover) and the chart is as tall as its fullest column needs, so no two labels
    overlap however many endings a scenario has."""
    order = [node.id for node in scenario.nodes] + [ending.id for ending in scenario.endings]
    used = {link.source for link in links} | {link.target for link in links}
    shown = [key for key in order if key in used]
    index = {key: i for i, key in enumerate(shown)}
    numbers = {node.id: n for n, node in enumerate(scenario.nodes, start=1)}
    labels, colours, hovers = [], [], []
    for key in shown:
        ending = scenario.ending(key)
        if ending is None:
            labels.append(f"Decision {numbers[key]}")
            hovers.append(f"Decision {numbers[key]}")
            colours.append("#1d4ed8")
        else:
            labels.append(_short(ending.title, SANKEY_LABEL))
            hovers.append(f"Ending: {ending.title} ({OUTCOME_LABELS[ending.outcome]})")
            colours.append(BAND_COLOURS["proficient"] if ending.successful else BAND_COLOURS["needs practice"])
    fullest = max(Counter(_columns(shown, links).values()).values(), default=1)
    sankey = {
        "type": "sankey", "arrangement": "snap", "textfont": {"size": 13, "color": "#111827"},
        "node": {"label": [plain(label) for label in labels], "color": colours, "pad": 22, "thickness": 16,
                 "customdata": [plain(hover) for hover in hovers],
                 "hovertemplate": "%{customdata}<br>%{value} learners<extra></extra>"},
        "link": {"source": [index[link.source] for link in links], "target": [index[link.target] for link in links],
                 "value": [link.count for link in links], "color": "rgba(107,114,128,0.35)"},
    }
    return go.Figure({"data": [sankey], "layout": {
        "title": {"text": "Paths through the scenario (first answers, first attempts)", "font": {"size": 17}},
        "font": FONT, "height": max(420, 90 + SANKEY_ROW * fullest), "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
    }})


def _columns(shown: Sequence[str], links: Sequence[PathLink]) -> dict[str, int]:
    """Each node's column as plotly lays a Sankey out: its longest distance from a node nothing leads to
    (a path through a scenario never loops: the checker refuses cycles)."""
    column = dict.fromkeys(shown, 0)
    for _ in shown:  # relax until stable: at most one pass per node
        changed = False
        for link in links:
            if column[link.target] < column[link.source] + 1:
                column[link.target] = column[link.source] + 1
                changed = True
        if not changed:
            break
    return column


def _short(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "…"
