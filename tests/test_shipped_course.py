"""The course we ship: it checks clean, teaches every skill, and every scenario plays well.

Parametrized over every lesson and scenario in the repository, so new content is covered
the moment it is added.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elearn.course.graph import ANGER_MAX, ANGER_MIN, transitions
from elearn.course.schema import Scenario
from elearn.play.engine import ScenarioRun, choose, rewind, start
from elearn.play.lazy_learners import lazy_learners

from .conftest import shipped_course

COURSE = shipped_course()
SCENARIOS = {scenario.id: scenario for scenario in COURSE.scenarios}
LESSON_SECTIONS = ["What it is", "Why it works", "What to say", "Common mistakes", "A worked example", "Sources"]
GOOD_ENDINGS = {"resolved", "ended_properly"}


def test_course_checks_clean() -> None:
    assert [str(p) for p in COURSE.problems] == []


def test_course_size() -> None:
    assert len(COURSE.skills) == 12
    assert len(COURSE.lessons) >= 12
    assert len(COURSE.scenarios) >= 16
    assert len(COURSE.capstones) >= 4


def test_every_source_is_cited_by_two_lessons() -> None:
    cited = Counter(source for lesson in COURSE.lessons for source in set(lesson.meta.sources))
    assert {source: cited[source] for source in COURSE.sources if cited[source] < 2} == {}


def test_every_skill_has_good_and_poor_options_in_three_scenarios() -> None:
    short = {}
    for skill in COURSE.skills:
        both = [s.id for s in COURSE.scenarios
                if {"good", "poor"} <= {c.evidence.get(skill) for n in s.nodes for c in n.choices}]
        if len(both) < 3:
            short[skill] = both
    assert short == {}


def test_capstones_cover_the_channels() -> None:
    channels = {s.channel for s in COURSE.capstones}
    assert {"phone", "in_person", "internal"} <= channels
    assert channels & {"chat", "email"}


@pytest.mark.parametrize("lesson", COURSE.lessons, ids=lambda lesson: lesson.id)
def test_lesson_has_every_section_in_order(lesson: object) -> None:
    from elearn.course.lessons import Lesson

    assert isinstance(lesson, Lesson)
    headings = re.findall(r"^## (.+?)\s*$", lesson.body, flags=re.MULTILINE)
    found = [h for h in headings if any(h.startswith(s) for s in LESSON_SECTIONS)]
    assert [next(s for s in LESSON_SECTIONS if h.startswith(s)) for h in found] == LESSON_SECTIONS
    assert COURSE.practice_for(lesson), "every lesson has a practice scenario"


@pytest.mark.parametrize("scenario", COURSE.scenarios, ids=lambda s: s.id)
class TestScenario:
    def test_best_path_ends_well_and_worst_does_not(self, scenario: Scenario) -> None:
        analysis = COURSE.analyses[scenario.id]
        best, worst = scenario.ending(analysis.best.ending_id), scenario.ending(analysis.worst.ending_id)
        assert best is not None
        assert worst is not None
        assert best.outcome in GOOD_ENDINGS
        assert worst.outcome not in GOOD_ENDINGS
        assert analysis.max_score > analysis.min_score

    def test_shape(self, scenario: Scenario) -> None:
        analysis = COURSE.analyses[scenario.id]
        assert len(analysis.best.steps) >= (6 if scenario.capstone else 3)
        assert len(scenario.endings) >= (4 if scenario.capstone else 3)

    def test_every_choice_has_feedback_and_evidence(self, scenario: Scenario) -> None:
        for node in scenario.nodes:
            for choice in node.choices:
                assert choice.feedback.strip(), (node.id, choice.id)
                assert choice.evidence, (node.id, choice.id)
                assert set(choice.evidence) <= set(COURSE.skills), (node.id, choice.id)

    def test_anger_stays_in_range_on_every_path(self, scenario: Scenario) -> None:
        seen = {(scenario.start, scenario.start_anger)}
        frontier = list(seen)
        while frontier:
            node_id, anger = frontier.pop()
            assert ANGER_MIN <= anger <= ANGER_MAX
            for _, after, target in transitions(scenario, node_id, anger):
                assert ANGER_MIN <= after <= ANGER_MAX
                if scenario.node(target) is not None and (target, after) not in seen:
                    seen.add((target, after))
                    frontier.append((target, after))


@pytest.mark.parametrize("scenario", COURSE.capstones, ids=lambda s: s.id)
def test_capstone_routes_on_anger(scenario: Scenario) -> None:
    branching = [c for n in scenario.nodes for c in n.choices if c.branch]
    assert len(branching) >= 2


@pytest.mark.parametrize("scenario_id", sorted(SCENARIOS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(picks=st.lists(st.tuples(st.integers(0, 3), st.booleans()), min_size=1, max_size=80))
def test_random_walks_end_at_an_ending_with_valid_state(scenario_id: str, picks: list[tuple[int, bool]]) -> None:
    """Random play, with the occasional rewind, always stays valid and can always finish."""
    scenario = SCENARIOS[scenario_id]
    run: ScenarioRun = start(scenario)
    for index, wants_rewind in picks:
        if run.ended:
            break
        if wants_rewind and run.can_rewind and index == 0:
            run = rewind(run)
            continue
        assert run.node is not None
        run = choose(run, run.node.choices[index % len(run.node.choices)].id)
        _assert_valid(run)
    # Finish the walk along the first choice that can still reach an ending.
    guard = 0
    while not run.ended and guard < 500:
        assert run.node is not None
        run = choose(run, run.node.choices[guard % len(run.node.choices)].id)
        guard += 1
    assert run.ended
    assert run.ending is not None
    _assert_valid(run)


def _assert_valid(run: ScenarioRun) -> None:
    assert ANGER_MIN <= run.anger <= ANGER_MAX
    position = run.scenario.start
    for step in run.path:
        assert step.node_id == position
        position = step.leads_to
    assert position == run.position
    first_nodes = [s.node_id for s in run.log if s.first_attempt]
    assert len(first_nodes) == len(set(first_nodes))
    assert set(first_nodes) == {s.node_id for s in run.log}


# --- the quiz measures judgement (issue 15's bar, held by CI) --------------------------------------

def test_the_shipped_course_gives_no_answer_away() -> None:
    """No give-away cue past its limit anywhere: `check --strict` would fail on any of them."""
    assert [str(warning) for warning in COURSE.warnings] == []


def test_lazy_learners_fail_the_shipped_course() -> None:
    """Always the longest, the politest or the first answer shown: under 50% on average, and a
    successful ending in at most 3 scenarios."""
    results = {result.strategy.id: result for result in lazy_learners(COURSE.scenarios, walks=100, seed=1)}
    for strategy in ("longest", "polite", "first-shown"):
        assert results[strategy].mean_score < 50, strategy
        assert results[strategy].successful_scenarios <= 3, strategy


@pytest.mark.parametrize("scenario", COURSE.scenarios, ids=lambda s: s.id)
def test_no_path_to_a_successful_ending_scores_under_half(scenario: Scenario) -> None:
    low = COURSE.analyses[scenario.id].lowest_success
    assert low is None or low.score >= 50, [step.choice_id for step in low.steps] if low else None


def test_the_course_covers_the_hard_cases() -> None:
    assert len(COURSE.scenarios) >= 22
    assert sum(scenario.channel == "email" for scenario in COURSE.scenarios) >= 2
