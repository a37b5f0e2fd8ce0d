"""Self-assessment and retention in the core: when confidence is asked, how it compares with
mastery, and retention in review week by week (the chart, its words and its table agree)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from elearn.course.catalogue import load_course
from elearn.learner.confidence import Calibration, calibration, calibration_table, calibration_words, moment_due
from elearn.learner.mastery import estimate
from elearn.learner.retention import retention_by_week, retention_chart, retention_in_words, retention_table
from elearn.store import Attempt, LessonCompletion, Progress, Role, User
from elearn.store.confidence import ConfidenceRating
from elearn.store.reviews import ReviewAnswer
from tests.conftest import FIXTURES

COURSE = load_course(FIXTURES / "recommend")  # practice: alpha, bravo, charlie; capstone: delta
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday
ME = User(id=1, username="ana", display_name="Ana", email=None, team_id=None, roles=frozenset({Role.LEARNER}),
          has_password=True, created_at=T0, last_seen_at=None)


def attempt(number: int, scenario: str, finished: bool) -> Attempt:
    return Attempt(id=number, user_id=1, scenario_id=scenario, scenario_version=1, attempt_number=1, started_at=T0,
                   updated_at=T0, finished_at=T0 if finished else None, run_json="{}",
                   ending_id="end" if finished else None, outcome="resolved" if finished else None,
                   score=80.0 if finished else None)


def given(moment: str, **levels: int) -> tuple[ConfidenceRating, ...]:
    return tuple(ConfidenceRating(1, moment, skill, level, T0) for skill, level in levels.items())


def progress(*attempts: Attempt, lessons: tuple[str, ...] = ()) -> Progress:
    return Progress(user=ME, completions=tuple(LessonCompletion(1, lesson, T0) for lesson in lessons),
                    attempts=attempts, evidence=())


@pytest.mark.parametrize(("mine", "ratings", "due"), [
    pytest.param(progress(), (), "before", id="nothing started: before"),
    pytest.param(progress(), given("before", empathy=3), None, id="before given"),
    pytest.param(progress(lessons=("lesson-a",)), (), None, id="a lesson read: too late for before"),
    pytest.param(progress(attempt(1, "alpha", False)), (), None, id="a scenario started: too late for before"),
    pytest.param(progress(attempt(1, "delta", False)), given("before", empathy=3), None, id="capstone unfinished"),
    pytest.param(progress(attempt(1, "delta", True)), given("before", empathy=3), "after", id="capstone finished"),
    pytest.param(progress(attempt(1, "delta", True)), (), "after", id="after even without before"),
    pytest.param(progress(attempt(1, "delta", True)), given("after", empathy=3), None, id="after given"),
])
def test_confidence_is_asked_before_the_course_and_after_the_capstones(
    mine: Progress, ratings: tuple[ConfidenceRating, ...], due: str | None
) -> None:
    assert moment_due(COURSE, mine, ratings) == due


@pytest.mark.parametrize(("confidence", "ratings", "verdict"), [
    (5, ["poor"] * 5, "over-rates"),
    (4, ["good", "partial", "good", "partial"], "over-rates"),  # proficient felt, developing measured
    (3, ["good", "partial", "good", "partial"], "about right"),
    (1, ["good"] * 5, "under-rates"),
    (2, ["poor"] * 5, "about right"),
    (5, ["good"], "not measured yet"),
    (None, ["good"] * 5, "not rated"),
])
def test_confidence_is_compared_with_the_measured_band(confidence: int | None, ratings: list[str],
                                                        verdict: str) -> None:
    mastery = estimate("empathy", ratings)
    assert Calibration("empathy", None, confidence, mastery).verdict == verdict


def test_the_latest_confidence_counts_and_the_table_and_words_say_the_same() -> None:
    masteries = {"empathy": estimate("empathy", ["poor"] * 5), "closing": estimate("closing", [])}
    rows = calibration(masteries, (*given("before", empathy=2), *given("after", empathy=5)))
    assert [(r.skill, r.before, r.after, r.verdict) for r in rows] == \
        [("empathy", 2, 5, "over-rates"), ("closing", None, None, "not rated")]
    names = {"empathy": "Empathy", "closing": "Closing"}
    assert calibration_table(rows, names)[0] == {
        "Skill": "Empathy", "Confidence before": "Slightly confident", "Confidence after": "Very confident",
        "Measured": f"{masteries['empathy'].shown} (needs practice)", "Compared": "over-rates",
    }
    assert calibration_words(rows[0], "Empathy") == (
        f"Empathy: you rated yourself 'very confident' (proficient), your answers show {masteries['empathy'].shown} "
        "(needs practice): you over-rate yourself here.")
    assert calibration_words(rows[1], "Closing") == "Closing: no confidence given yet."


def answer(number: int, rating: str, at: datetime) -> ReviewAnswer:
    return ReviewAnswer(id=number, user_id=1, scenario_id="alpha", node_id=f"n{number}", choice_id="c", rating=rating,
                        grade={"poor": 1, "partial": 2, "good": 3}[rating], response_ms=9000, due_before=at,
                        due_after=at + timedelta(days=3), reviewed_at=at, card_version=1)


def test_retention_is_the_share_recalled_week_by_week() -> None:
    answers = [answer(1, "good", T0), answer(2, "poor", T0 + timedelta(days=6, hours=10)),
               answer(3, "partial", T0 + timedelta(days=7)), answer(4, "good", T0 + timedelta(days=8)),
               answer(5, "poor", T0 + timedelta(days=22))]
    weeks = retention_by_week(answers)
    assert [(w.week_of, w.reviews, w.recalled, w.good) for w in weeks] == [
        (date(2026, 3, 2), 2, 1, 1), (date(2026, 3, 9), 2, 2, 1), (date(2026, 3, 23), 1, 0, 0)]
    assert retention_in_words(weeks) == (
        "Week of 02 Mar 2026: 1 of 2 answers recalled (50%), 1 of them good.",
        "Week of 09 Mar 2026: 2 of 2 answers recalled (100%), 1 of them good.",
        "Week of 23 Mar 2026: 0 of 1 answer recalled (0%), 0 of them good.",
    )
    assert retention_table(weeks)[1] == {"Week of": "2026-03-09", "Reviews": 2, "Recalled": 2, "Good": 1,
                                         "Recalled (%)": 100}
    chart = retention_chart(weeks)
    assert list(chart.data[0].y) == [0.5, 1.0, 0.0]
    assert list(chart.data[0].text) == ["50%", "100%", "0%"]
    assert retention_by_week([]) == []
