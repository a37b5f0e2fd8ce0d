"""Chart builders: the figures carry the right data, labels and bands."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

import pytest

from elearn.learner.charts import BAND_COLOURS, anger_curve, progress_chart, skills_chart, skills_in_words
from elearn.learner.mastery import SkillMastery, estimate
from elearn.manage.dashboard import PathLink
from elearn.manage.team_charts import SANKEY_LABEL, SANKEY_ROW, paths_sankey, skills_heatmap
from tests.conftest import shipped_course


def test_skills_chart_groups_measured_skills_by_band_with_uncertainty() -> None:
    masteries = [estimate("empathy", ["good"] * 8), estimate("apology", ["poor"] * 4), estimate("closing", [])]
    figure = skills_chart(masteries, {"empathy": "Empathy", "apology": "Apology", "closing": "Closing"})
    traces = {trace.name: trace for trace in figure.data}
    assert list(traces["Proficient"].y) == ["Empathy"]
    assert list(traces["Needs practice"].y) == ["Apology"]
    assert traces["Needs practice"].error_x.array[0] == masteries[1].uncertainty
    assert list(traces["Needs practice"].text) == [masteries[1].shown]
    # Rows top to bottom in the order given (plotly lists categories bottom-up).
    assert list(figure.layout.yaxis.categoryarray) == ["Closing", "Apology", "Empathy"]
    assert figure.layout.xaxis.range == (0, 1)
    assert figure.layout.font.size >= 13


def test_a_skill_without_enough_evidence_is_a_labelled_row_without_a_bar() -> None:
    masteries = [estimate("empathy", ["good"] * 8), estimate("closing", ["good", "good"]),
                 estimate("listening", [])]
    figure = skills_chart(masteries, {"empathy": "Empathy", "closing": "Closing", "listening": "Listening"},
                          {"closing": "Wrap <b>up</b>"})
    bars = [trace for trace in figure.data if trace.type == "bar"]
    assert [label for bar in bars for label in bar.y] == ["Empathy"]
    [note] = [trace for trace in figure.data if trace.type == "scatter"]
    assert note.name == "Not enough evidence yet"
    assert note.mode == "text"
    assert list(note.y) == ["Listening", "Closing"]
    assert list(note.text) == ["not enough evidence yet", "not enough evidence yet · play 'Wrap &lt;b&gt;up&lt;/b&gt;'"]
    assert list(note.hovertext) == [
        "not enough evidence yet (0 of 3 answers)",
        "not enough evidence yet (2 of 3 answers); play 'Wrap &lt;b&gt;up&lt;/b&gt;' to give it some",
    ]
    assert all(x < 0.05 for x in note.x), "the note sits at the start of the empty row"


def test_the_chart_in_words_names_every_skill_and_what_would_measure_it() -> None:
    masteries = [estimate("empathy", ["good"] * 8), estimate("closing", ["good"])]
    words = skills_in_words(masteries, {"empathy": "Empathy", "closing": "Closing"}, {"closing": "Wrap-up"})
    assert words == (
        f"Empathy: {masteries[0].shown} ± {masteries[0].uncertainty:.0%}, proficient (8 answers).",
        "Closing: not enough evidence yet (1 of 3 answers); play 'Wrap-up' to give it some.",
    )


@pytest.mark.parametrize(("mastery", "shown", "band", "length"), [
    (0.596, "60%", "Developing", 0.60),
    (0.594, "59%", "Needs practice", 0.59),
    (0.7951, "80%", "Proficient", 0.80),
    (0.7949, "79%", "Developing", 0.79),
])
def test_bars_are_drawn_at_the_figure_shown_in_the_band_it_names(mastery: float, shown: str, band: str,
                                                                  length: float) -> None:
    figure = skills_chart([SkillMastery("empathy", mastery, 0.05, 6)], {"empathy": "Empathy"})
    [bar] = figure.data
    assert (bar.name, list(bar.text), list(bar.x)) == (band, [shown], [length])
    assert bar.customdata[0][0] == shown


def test_anger_curve_has_the_learner_and_the_best_path() -> None:
    figure = anger_curve([70, 55, 30], [70, 55, 30, 20])
    yours, best = figure.data
    assert list(yours.y) == [70, 55, 30]
    assert list(best.y) == [70, 55, 30, 20]
    assert list(figure.layout.xaxis.ticktext) == ["Start", "1", "2", "3"]
    assert figure.layout.yaxis.range == (0, 100)


def test_progress_chart() -> None:
    figure = progress_chart([(datetime(2026, 1, 1), 0.4), (datetime(2026, 1, 2), 0.55)])
    assert list(figure.data[0].y) == [0.4, 0.55]


def _colour_at(scale: list[tuple[float, str]], z: float) -> str:
    """The colour a heatmap's colour scale gives ``z``; the scale must be flat on each band."""
    for (start, low), (end, high) in pairwise(scale):
        if start <= z <= end and start != end:
            assert low == high, f"the scale blends {low} into {high} at {z}"
            return low
    raise AssertionError(f"{z} is outside the scale")


@pytest.mark.parametrize(("mastery", "shown", "band"), [
    (0.594, "59%", "needs practice"),
    (0.596, "60%", "developing"),
    (0.7949, "79%", "developing"),
    (0.7951, "80%", "proficient"),
])
def test_heatmap_cells_are_coloured_by_the_band_of_the_figure_they_show(mastery: float, shown: str,
                                                                       band: str) -> None:
    measured = SkillMastery("empathy", mastery, 0.05, 6)
    assert measured.band == band
    figure = skills_heatmap([("Ana", {"empathy": measured})], {"empathy": "Empathy"})
    cells = figure.data[1]
    assert cells.text[0][0] == shown
    scale = [(float(stop[0]), str(stop[1])) for stop in cells.colorscale]
    assert _colour_at(scale, cells.z[0][0]) == BAND_COLOURS[band]
    assert f"{shown} ({band}, 6 answers)" in cells.hovertext[0][0]


def every_way_through(scenario_index: int) -> tuple[object, list[PathLink]]:

    scenario = shipped_course().scenarios[scenario_index]
    links = {(node.id, target) for node in scenario.nodes for choice in node.choices for target in choice.targets}
    return scenario, [PathLink(source, target, 3) for source, target in sorted(links)]


@pytest.mark.parametrize("scenario_index", range(4))
def test_sankey_labels_are_short_and_have_room(scenario_index: int) -> None:
    scenario, links = every_way_through(scenario_index)
    figure = paths_sankey(scenario, links)  # type: ignore[arg-type]
    node = figure.data[0].node
    assert all(len(label) <= SANKEY_LABEL for label in node.label)
    endings = [hover for hover in node.customdata if hover.startswith("Ending: ")]
    assert len(endings) == len({link.target for link in links} & {e.id for e in scenario.endings})  # type: ignore[attr-defined]
    assert all(any(e.title in hover for hover in endings) for e in scenario.endings)  # type: ignore[attr-defined]
    # The fullest column gets SANKEY_ROW pixels per node: a plotly Sankey column shares the height.
    depth = {link.source: 0 for link in links}
    for _ in links:
        for link in links:
            depth[link.target] = max(depth.get(link.target, 0), depth.get(link.source, 0) + 1)
    fullest = max(list(depth.values()).count(column) for column in set(depth.values()))
    assert figure.layout.height >= SANKEY_ROW * fullest
