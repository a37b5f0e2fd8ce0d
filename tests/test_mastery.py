"""The mastery model: Beta-Bernoulli over first-attempt evidence, weighted by recency."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from elearn.learner.mastery import (
    Observation,
    SkillMastery,
    band_of,
    estimate,
    history,
    mastery_by_skill,
    shown_percent,
    to_improve,
)


def test_no_evidence_is_the_prior() -> None:
    m = estimate("empathy", [])
    assert m.mastery == 0.5
    assert m.uncertainty == pytest.approx(math.sqrt(1 / 12))
    assert m.band == "not enough evidence"


def test_single_good_observation() -> None:
    assert estimate("empathy", ["good"]).mastery == pytest.approx(2 / 3)


def test_partial_counts_half() -> None:
    # S = F = 0.5: (1.5) / (3) = 0.5
    assert estimate("empathy", ["partial"]).mastery == pytest.approx(0.5)


def test_recency_weights_newer_evidence_more() -> None:
    improving = estimate("empathy", ["poor", "poor", "good", "good"])
    slipping = estimate("empathy", ["good", "good", "poor", "poor"])
    assert improving.mastery > 0.5 > slipping.mastery
    # poor, poor, good, good with weights .85^3, .85^2, .85, 1
    s = 0.85 + 1
    f = 0.85**3 + 0.85**2
    assert improving.mastery == pytest.approx((1 + s) / (2 + s + f))


def test_uncertainty_shrinks_with_evidence() -> None:
    assert estimate("x", ["good"] * 10).uncertainty < estimate("x", ["good"] * 2).uncertainty


@pytest.mark.parametrize(("ratings", "band"), [
    (["good", "good"], "not enough evidence"),
    (["poor", "poor", "good"], "needs practice"),
    (["good", "good", "good"], "developing"),
    (["good"] * 8, "proficient"),
])
def test_bands(ratings: list[str], band: str) -> None:
    assert estimate("x", ratings).band == band


@pytest.mark.parametrize(("mastery", "shown", "band"), [
    (0.594, "59%", "needs practice"),
    (0.595, "60%", "developing"),   # 59.5 rounds half to even: 60, as f"{0.595:.0%}" prints
    (0.596, "60%", "developing"),
    (0.6, "60%", "developing"),
    (0.7949, "79%", "developing"),
    (0.795, "80%", "proficient"),
    (0.8, "80%", "proficient"),
    (0.0, "0%", "needs practice"),
    (1.0, "100%", "proficient"),
])
def test_the_band_is_decided_on_the_figure_shown(mastery: float, shown: str, band: str) -> None:
    measured = SkillMastery("empathy", mastery, 0.1, 5)
    assert (measured.shown, measured.band) == (shown, band)
    assert measured.shown == f"{mastery:.0%}"


@given(st.floats(min_value=0, max_value=1))
def test_shown_percent_is_what_the_page_prints(share: float) -> None:
    assert f"{shown_percent(share)}%" == f"{share:.0%}"
    # The band agrees with the printed figure: nothing printed as 60% or more is "needs practice".
    assert (band_of(shown_percent(share)) == "needs practice") == (shown_percent(share) < 60)


def test_too_little_evidence_has_no_band_whatever_the_figure() -> None:
    assert SkillMastery("empathy", 0.9, 0.1, 2).band == "not enough evidence"


def test_mastery_by_skill_orders_observations_by_time() -> None:
    t = datetime(2026, 1, 1)
    observations = [Observation("empathy", "good", t + timedelta(days=2)),
                    Observation("empathy", "poor", t)]
    result = mastery_by_skill(["empathy", "listening"], observations)
    assert list(result) == ["empathy", "listening"]
    assert result["empathy"].mastery == pytest.approx(estimate("empathy", ["poor", "good"]).mastery)
    assert result["listening"].observations == 0


def test_to_improve_ranks_weak_measured_skills_first() -> None:
    masteries = [estimate("a", ["good"] * 8), estimate("b", ["poor"] * 4), estimate("c", ["good"] * 3),
                 estimate("d", ["good"])]
    assert [m.skill for m in to_improve(masteries)] == ["b", "c", "d"]


def test_history_has_a_point_per_day() -> None:
    t = datetime(2026, 1, 1, 9)
    obs = [Observation("a", "poor", t), Observation("a", "poor", t + timedelta(hours=1)),
           Observation("a", "good", t + timedelta(days=1))]
    points = history(["a"], obs)
    assert [p[0] for p in points] == [t + timedelta(hours=1), t + timedelta(days=1)]
    assert points[0][1] < points[1][1]
