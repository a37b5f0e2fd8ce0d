"""Chart builders: the figures carry the right data, labels and bands."""

from __future__ import annotations

from datetime import datetime

from elearn.charts import anger_curve, progress_chart, skills_chart
from elearn.mastery import estimate


def test_skills_chart_groups_skills_by_band_with_uncertainty() -> None:
    masteries = [estimate("empathy", ["good"] * 8), estimate("apology", ["poor"] * 4), estimate("closing", [])]
    figure = skills_chart(masteries, {"empathy": "Empathy", "apology": "Apology", "closing": "Closing"})
    bars = {trace.name: trace for trace in figure.data}
    assert list(bars["Proficient"].y) == ["Empathy"]
    assert list(bars["Needs practice"].y) == ["Apology"]
    assert list(bars["Not enough evidence"].y) == ["Closing"]
    assert bars["Not enough evidence"].marker.pattern.shape == "/"
    assert bars["Needs practice"].error_x.array[0] == masteries[1].uncertainty
    assert figure.layout.xaxis.range == (0, 1)
    assert figure.layout.font.size >= 13


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
