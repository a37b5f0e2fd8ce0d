"""Contrast in the charts (WCAG 1.4.3 and 1.4.11), read from the figures the pages draw: text on a
mark at least 4.5:1, text on the page at least 4.5:1, marks against the white page at least 3:1.

axe-core cannot judge text drawn in a chart's SVG over another shape, so this is where the
heatmap's old white-on-amber cells (2.9:1) would fail.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from elearn.learner.charts import BAND_COLOURS, anger_curve, progress_chart, skills_chart
from elearn.learner.mastery import SkillMastery, estimate
from elearn.manage.dashboard import ChoiceCount, DecisionCounts, PathLink
from elearn.manage.team_charts import NO_EVIDENCE_COLOUR, decision_bars, paths_sankey, skills_heatmap
from elearn.workshop.rules import verdict
from ui.workshop import split_chart

from .conftest import shipped_course

PAGE = "#ffffff"
TEXT, LARGE_OR_MARK = 4.5, 3.0


def luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(("one", "other", "expected"), [("#ffffff", "#000000", 21.0), ("#ffffff", "#ffffff", 1.0),
                                                        ("#ffffff", "#ca8a04", 2.94), ("#ffffff", "#767676", 4.54)])
def test_the_contrast_formula_matches_known_pairs(one: str, other: str, expected: float) -> None:
    assert contrast(one, other) == pytest.approx(expected, abs=0.01)


MASTERIES = [SkillMastery("a", 0.3, 0.1, 6), SkillMastery("b", 0.7, 0.1, 6), SkillMastery("c", 0.9, 0.05, 9),
             estimate("d", ["good"])]
NAMES = {"a": "Apology", "b": "Bridging", "c": "Closing", "d": "Defusing"}


def test_skill_bars_carry_their_figure_in_white_readably_and_stand_out_from_the_page() -> None:
    bars = [trace for trace in skills_chart(MASTERIES, NAMES).data if trace.type == "bar"]
    assert len(bars) == 3
    for bar in bars:
        assert contrast(bar.marker.color, bar.insidetextfont.color) >= TEXT, bar.name
        assert contrast(bar.marker.color, PAGE) >= LARGE_OR_MARK, bar.name
    [note] = [trace for trace in skills_chart(MASTERIES, NAMES).data if trace.type == "scatter"]
    assert contrast(note.textfont.color, PAGE) >= TEXT


def test_every_heatmap_cell_has_readable_words() -> None:
    figure = skills_heatmap([("Ana", {"a": MASTERIES[0], "b": MASTERIES[1], "c": MASTERIES[2], "d": MASTERIES[3]})],
                            NAMES)
    blank, measured = figure.data
    for _, colour in measured.colorscale:
        assert contrast(colour, measured.textfont.color) >= TEXT, colour
    assert contrast(NO_EVIDENCE_COLOUR, blank.textfont.color) >= TEXT
    assert list(blank.text[0]) == ["", "", "", "?"]  # "?" written by the pale cells' trace, in its dark colour
    assert list(measured.text[0]) == ["30%", "70%", "90%", ""]


def test_answer_bars_read_inside_and_outside() -> None:
    decision = DecisionCounts(1, "n1", "Where is my refund?", (
        ChoiceCount("c1", "Sorry", 5, "good"), ChoiceCount("c2", "Calm down", 1, "poor"),
        ChoiceCount("c3", "Let me check", 2, "partial")))
    [bar] = decision_bars(decision).data
    for colour in bar.marker.color:
        assert contrast(colour, bar.insidetextfont.color) >= TEXT
        assert contrast(colour, PAGE) >= LARGE_OR_MARK
    assert contrast(bar.outsidetextfont.color, PAGE) >= TEXT


def test_the_rooms_vote_split_reads_on_the_projector() -> None:
    scenario = shipped_course().scenarios[0]
    node = scenario.node(scenario.start)
    assert node is not None
    vote = verdict(node.choices, {node.choices[0].id: 3, node.choices[1].id: 1})
    [bar] = split_chart(vote).data
    assert len(set(bar.marker.color)) == 2  # the most voted stands out
    for colour in bar.marker.color:
        assert contrast(colour, bar.insidetextfont.color) >= TEXT
        assert contrast(colour, PAGE) >= LARGE_OR_MARK
    assert contrast(bar.outsidetextfont.color, PAGE) >= TEXT


def test_lines_and_path_nodes_stand_out_from_the_page() -> None:
    lines = [*anger_curve([70, 50, 20], [70, 40, 10]).data,
             *progress_chart([(datetime(2025, 1, 1), 0.4), (datetime(2025, 1, 2), 0.6)]).data]
    for line in lines:
        assert contrast(line.line.color, PAGE) >= LARGE_OR_MARK, line.name
    scenario = shipped_course().scenarios[0]
    ending = scenario.endings[0]
    [sankey] = paths_sankey(scenario, [PathLink(scenario.start, ending.id, 3)]).data
    for colour in sankey.node.color:
        assert contrast(colour, PAGE) >= LARGE_OR_MARK


@pytest.mark.parametrize("band", [band for band in BAND_COLOURS if band != "not enough evidence"])
def test_each_band_colour_carries_white_text(band: str) -> None:
    assert contrast(BAND_COLOURS[band], "#ffffff") >= TEXT
