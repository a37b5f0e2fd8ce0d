"""The dashboard's rules, as pure functions: statuses, at risk, summary, filters, team skills, answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from elearn.course.passing import PassRule
from elearn.learner.mastery import SkillMastery, estimate
from elearn.manage.dashboard import (
    COMPLETED,
    EXPIRED,
    IN_PROGRESS,
    NOT_STARTED,
    OVERDUE,
    CompletionRow,
    Filters,
    apply_filters,
    completion_rows,
    decision_counts,
    filter_problems,
    masteries_from,
    path_links,
    requirement,
    summary,
    team_skills,
    weakest_first,
)
from elearn.store.analytics import STARTED_ONLY, ChoiceFlow, LearnerFacts, SkillEvidence
from elearn.store.assignments import Assignment

from .conftest import COURSE

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
WHOLE = requirement(COURSE)
FIRST_LESSON = COURSE.lessons[0]
FIRST_MODULE = requirement(COURSE, [FIRST_LESSON.id])


def ago(days: float) -> int:
    return int((NOW - timedelta(days=days)).timestamp())


def fact(lessons: dict[str, int] | None = None, finished: dict[str, int] | None = None, *, user_id: int = 1,
         name: str = "Ana Pereira", username: str = "ana", team_id: int | None = 1,
         best_success: dict[str, float] | None = None) -> LearnerFacts:
    return LearnerFacts(user_id=user_id, username=username, display_name=name, team_id=team_id, team_name="Team A",
                        lessons_done=lessons or {}, scenario_finished=finished or {},
                        best_success_score=best_success or {}, scenarios_finished=len(finished or {}),
                        mean_best_score=None, last_activity=None, seconds_in_scenarios=0)


def everything(days_ago: float, oldest_scenario_days_ago: float | None = None, *,
               best_success: dict[str, float] | None = None) -> LearnerFacts:
    finished = {sid: ago(days_ago) for sid in WHOLE.scenarios}
    if oldest_scenario_days_ago is not None:
        finished[WHOLE.scenarios[0]] = ago(oldest_scenario_days_ago)
    return fact({lid: ago(days_ago) for lid in WHOLE.lessons}, finished, best_success=best_success)


def assignment(due_in_days: float | None, *, modules: tuple[str, ...] = (), recertify: int | None = None
               ) -> Assignment | None:
    if due_in_days is None:
        return None
    return Assignment(id=1, team_id=1, user_id=None, modules=modules, assigned_by=9,
                      assigned_at=NOW - timedelta(days=60), due_at=NOW + timedelta(days=due_in_days),
                      recertify_days=recertify, revoked_at=None)


def row_for(learner: LearnerFacts, given: Assignment | None,
            masteries: dict[str, SkillMastery] | None = None, *, rule: PassRule | None = None) -> CompletionRow:
    [row] = completion_rows(COURSE, [learner], {learner.user_id: given} if given else {},
                            {learner.user_id: masteries or {}}, NOW, pass_rule=rule or PassRule())
    return row


MODULE_DONE = fact({FIRST_LESSON.id: ago(5)}, dict.fromkeys(FIRST_MODULE.scenarios, ago(4)))


@pytest.mark.parametrize(("learner", "given", "status", "days_overdue", "at_risk"), [
    (fact(), assignment(None), NOT_STARTED, 0, False),
    (fact(), assignment(30), NOT_STARTED, 0, False),
    (fact(), assignment(10), NOT_STARTED, 0, True),
    (fact(), assignment(14), NOT_STARTED, 0, True),
    (fact({FIRST_LESSON.id: ago(1)}), assignment(30), IN_PROGRESS, 0, False),
    (fact(finished={WHOLE.scenarios[0]: STARTED_ONLY}), assignment(5), IN_PROGRESS, 0, True),
    (fact({FIRST_LESSON.id: ago(1)}), assignment(-3.5), OVERDUE, 3, False),
    (fact(), assignment(-40), OVERDUE, 40, False),
    (everything(2), assignment(-10), COMPLETED, 0, False),
    (everything(2), assignment(None), COMPLETED, 0, False),
    (everything(100), assignment(30, recertify=90), EXPIRED, 0, False),
    (everything(10, oldest_scenario_days_ago=95), assignment(30, recertify=90), EXPIRED, 0, False),
    (everything(10), assignment(5, recertify=90), COMPLETED, 0, False),
    (MODULE_DONE, assignment(-1, modules=(FIRST_LESSON.id,)), COMPLETED, 0, False),
    (MODULE_DONE, assignment(-1), OVERDUE, 1, False),
    (fact(), assignment(30, modules=("no-such-lesson",)), COMPLETED, 0, False),
])
def test_statuses(learner: LearnerFacts, given: Assignment | None, status: str, days_overdue: int,
                  at_risk: bool) -> None:
    row = row_for(learner, given)
    assert (row.status, row.days_overdue, row.at_risk) == (status, days_overdue, at_risk)


def test_share_done_counts_lessons_and_finished_scenarios_of_the_assignment() -> None:
    learner = fact({FIRST_LESSON.id: ago(3)}, {FIRST_MODULE.scenarios[0]: ago(2), WHOLE.scenarios[-1]: STARTED_ONLY})
    assert row_for(learner, assignment(30)).share_done == pytest.approx(2 / WHOLE.items)
    module = row_for(learner, assignment(30, modules=(FIRST_LESSON.id,)))
    assert module.share_done == pytest.approx(2 / FIRST_MODULE.items)
    assert module.required_scenarios == FIRST_MODULE.scenarios


def test_completion_and_expiry_times() -> None:
    row = row_for(everything(10, oldest_scenario_days_ago=20), assignment(30, recertify=90))
    assert row.completed_at == datetime.fromtimestamp(ago(10), UTC)
    assert row.expires_at == datetime.fromtimestamp(ago(20), UTC) + timedelta(days=90)
    assert row_for(everything(10), assignment(30)).expires_at is None


ALL_AT = dict.fromkeys(WHOLE.scenarios, 90.0)
MODULE_ONLY = dict.fromkeys(FIRST_MODULE.scenarios, 80.0)


@pytest.mark.parametrize(("learner", "given", "threshold", "scenarios_passed", "course_passed"), [
    # A successful ending at 60% is completed, not passed; at 80% it is passed.
    (fact(finished={WHOLE.scenarios[0]: ago(1)}, best_success={WHOLE.scenarios[0]: 60.0}), None, 70, 0, False),
    (fact(finished={WHOLE.scenarios[0]: ago(1)}, best_success={WHOLE.scenarios[0]: 80.0}), None, 70, 1, False),
    (fact(finished={WHOLE.scenarios[0]: ago(1)}, best_success={WHOLE.scenarios[0]: 70.0}), None, 70, 1, False),
    (fact(finished={WHOLE.scenarios[0]: ago(1)}, best_success={WHOLE.scenarios[0]: 60.0}), None, 55, 1, False),
    (fact(finished={WHOLE.scenarios[0]: ago(1)}, best_success={WHOLE.scenarios[0]: 80.0}), None, 85, 0, False),
    # Finished without a successful ending: nothing in best_success, nothing passed.
    (fact(finished={WHOLE.scenarios[0]: ago(1)}), None, 0, 0, False),
    # The whole course done: passed only if every scenario asked for was.
    (everything(2, best_success=ALL_AT), None, 70, len(WHOLE.scenarios), True),
    (everything(2, best_success={**ALL_AT, WHOLE.scenarios[-1]: 69.9}), None, 70, len(WHOLE.scenarios) - 1, False),
    (everything(2, best_success={**ALL_AT, WHOLE.scenarios[-1]: 69.9}), None, 60, len(WHOLE.scenarios), True),
    (everything(2, best_success={k: v for k, v in ALL_AT.items() if k != WHOLE.scenarios[0]}), None, 70,
     len(WHOLE.scenarios) - 1, False),
    (everything(2), None, 0, 0, False),
    # A module assignment asks only its own scenarios; an incomplete course is never passed.
    (fact({FIRST_LESSON.id: ago(5)}, dict.fromkeys(FIRST_MODULE.scenarios, ago(4)), best_success=MODULE_ONLY),
     assignment(30, modules=(FIRST_LESSON.id,)), 70, len(FIRST_MODULE.scenarios), True),
    (fact({FIRST_LESSON.id: ago(5)}, dict.fromkeys(FIRST_MODULE.scenarios, ago(4)), best_success=MODULE_ONLY),
     assignment(30, modules=(FIRST_LESSON.id,)), 81, 0, False),
    (fact({FIRST_LESSON.id: ago(5)}, dict.fromkeys(FIRST_MODULE.scenarios, ago(4)), best_success=MODULE_ONLY),
     assignment(30), 70, len(FIRST_MODULE.scenarios), False),
])
def test_the_pass_rule_decides_scenarios_and_course_passed(learner: LearnerFacts, given: Assignment | None,
                                                          threshold: float, scenarios_passed: int,
                                                          course_passed: bool) -> None:
    row = row_for(learner, given, rule=PassRule(threshold))
    assert (row.scenarios_passed, row.course_passed) == (scenarios_passed, course_passed)
    assert row.scenarios_completed == len(learner.scenario_finished)


def test_the_summary_counts_passed_learners_in_date_only() -> None:
    passed = row_for(everything(3, best_success=ALL_AT), assignment(40))
    costly = row_for(everything(3, best_success=dict.fromkeys(WHOLE.scenarios, 50.0)), assignment(40))
    lapsed = row_for(everything(100, best_success=ALL_AT), assignment(30, recertify=90))
    assert (passed.status, costly.status, lapsed.status) == (COMPLETED, COMPLETED, EXPIRED)
    assert (passed.course_passed, costly.course_passed, lapsed.course_passed) == (True, False, True)
    figures = summary([passed, costly, lapsed, row_for(fact(), None)])
    assert (figures.completed, figures.passed) == (2, 1)
    assert figures.pass_rate == pytest.approx(0.25)
    assert summary([]).pass_rate == 0.0


def test_requirement_of_modules_follows_the_course_order() -> None:
    second, first = COURSE.lessons[1], COURSE.lessons[0]
    asked = requirement(COURSE, [second.id, first.id, "gone"])
    assert asked.lessons == (first.id, second.id)
    assert asked.scenarios == tuple(s.id for lesson in (first, second) for s in COURSE.practice_for(lesson))
    assert set(WHOLE.scenarios) == {s.id for s in COURSE.scenarios}  # capstones too


def test_time_spent_adds_reading_minutes_to_scenario_time() -> None:
    learner = replace(fact({FIRST_LESSON.id: ago(1)}), seconds_in_scenarios=600)
    assert row_for(learner, None).minutes_spent == 10 + FIRST_LESSON.meta.minutes


def mastery(skill: str, value: float, observations: int) -> SkillMastery:
    return SkillMastery(skill=skill, mastery=value, uncertainty=0.1, observations=observations)


def test_weakest_skills_are_measured_and_not_proficient_weakest_first() -> None:
    skills = list(COURSE.skills)
    masteries = {skills[0]: mastery(skills[0], 0.7, 5), skills[1]: mastery(skills[1], 0.3, 5),
                 skills[2]: mastery(skills[2], 0.1, 2), skills[3]: mastery(skills[3], 0.9, 9),
                 skills[4]: mastery(skills[4], 0.5, 4), skills[5]: mastery(skills[5], 0.6, 3)}
    names = [COURSE.skills[s].name for s in (skills[1], skills[4], skills[5])]
    assert row_for(fact(), None, masteries).weakest == tuple(names)


def test_masteries_from_fill_every_skill() -> None:
    skill = next(iter(COURSE.skills))
    found = masteries_from([SkillEvidence(user_id=7, skill=skill, successes=1.85, failures=0.0, observations=2)],
                           COURSE.skills)
    assert list(found[7]) == list(COURSE.skills)
    assert found[7][skill] == estimate(skill, ["good", "good"])
    assert all(m.observations == 0 for s, m in found[7].items() if s != skill)


def rows_for_filters() -> list[CompletionRow]:
    made = [
        row_for(fact(user_id=1, name="Ana Pereira", username="ana", team_id=1), assignment(-5)),
        row_for(fact({FIRST_LESSON.id: ago(1)}, user_id=2, name="Abe Okafor", username="abe", team_id=1),
                assignment(20)),
        row_for(everything(3), assignment(40)),
        row_for(fact(user_id=4, name="Bea Müller", username="bea.m", team_id=2), assignment(8)),
        row_for(fact(user_id=5, name="Loner", username="loner", team_id=None), None),
    ]
    made[2] = replace(made[2], user_id=3, name="Chloé Dubois", username="chloe", team_id=2)
    return made


@pytest.mark.parametrize(("filters", "expected"), [
    (Filters(), ["ana", "abe", "chloe", "bea.m", "loner"]),
    (Filters(team_ids=frozenset({1})), ["ana", "abe"]),
    (Filters(team_ids=frozenset({1, 2})), ["ana", "abe", "chloe", "bea.m"]),
    (Filters(statuses=frozenset({NOT_STARTED})), ["bea.m", "loner"]),
    (Filters(statuses=frozenset({COMPLETED, OVERDUE})), ["ana", "chloe"]),
    (Filters(overdue_only=True), ["ana"]),
    (Filters(due_from=(NOW + timedelta(days=1)).date()), ["abe", "chloe", "bea.m"]),
    (Filters(due_to=(NOW + timedelta(days=10)).date()), ["ana", "bea.m"]),
    (Filters(due_from=(NOW + timedelta(days=8)).date(), due_to=(NOW + timedelta(days=8)).date()), ["bea.m"]),
    (Filters(search="  MÜLLER "), ["bea.m"]),
    (Filters(search="chloé"), ["chloe"]),
    (Filters(search="LON"), ["loner"]),
    (Filters(search="nobody"), []),
    (Filters(team_ids=frozenset({2}), statuses=frozenset({COMPLETED}), search="ch"), ["chloe"]),
])
def test_filters(filters: Filters, expected: list[str]) -> None:
    assert [row.username for row in apply_filters(rows_for_filters(), filters)] == expected


def test_a_backwards_due_range_is_explained() -> None:
    assert filter_problems(Filters(due_from=date(2025, 5, 2), due_to=date(2025, 5, 1))) == [
        "The due-date range starts (02 May 2025) after it ends (01 May 2025). Swap the two dates."]
    assert filter_problems(Filters(due_from=date(2025, 5, 1), due_to=date(2025, 5, 1))) == []


def test_summary_figures() -> None:
    figures = summary(rows_for_filters())
    assert (figures.learners, figures.completed, figures.overdue, figures.not_started, figures.in_progress,
            figures.at_risk, figures.expired, figures.passed) == (5, 1, 1, 2, 1, 1, 0, 0)
    assert figures.completion_rate == pytest.approx(0.2)
    assert summary([]).completion_rate == 0.0


def test_team_skills_put_the_weakest_measured_first_and_thin_evidence_last() -> None:
    rows = rows_for_filters()
    skills = list(COURSE.skills)
    masteries = {row.user_id: {skills[0]: mastery(skills[0], 0.4 + 0.1 * row.user_id, 5),
                               skills[1]: mastery(skills[1], 0.9, 5),
                               skills[2]: mastery(skills[2], 0.2, 5 if row.user_id < 3 else 1)}
                 for row in rows}
    ranked = team_skills(COURSE, rows, masteries)
    assert [s.skill for s in ranked[:2]] == [skills[0], skills[1]]
    assert ranked[0].mean_mastery == pytest.approx(0.7)
    assert ranked[0].measured == 5
    thin = next(s for s in ranked if s.skill == skills[2])
    assert (thin.enough_evidence, thin.measured) == (False, 2)
    assert ranked.index(thin) > 1
    assert ranked[0].lesson is not None
    assert ranked[0].lesson.id == COURSE.skills[skills[0]].lesson
    assert [r.username for r in weakest_first(rows, masteries, 2)] == ["ana", "abe"]


def test_decision_counts_list_every_choice_and_ignore_unknown_ones() -> None:
    scenario = COURSE.scenarios[0]
    node = scenario.nodes[0]
    flows = [ChoiceFlow(node.id, node.choices[0].id, 40, 3), ChoiceFlow(node.id, node.choices[0].id, 50, 2),
             ChoiceFlow(node.id, "gone", 50, 9), ChoiceFlow("gone", "x", 50, 9)]
    counts = decision_counts(scenario, flows)
    assert [d.node_id for d in counts] == [n.id for n in scenario.nodes]
    first = counts[0]
    assert [c.count for c in first.choices] == [5] + [0] * (len(node.choices) - 1)
    assert first.answers == 5
    assert first.number == 1
    ratings = {c.choice_id: c.rating for c in first.choices}
    for choice in node.choices:
        values = set(choice.evidence.values())
        assert ratings[choice.id] == ("good" if values == {"good"} else "poor" if values == {"poor"} else "partial")


def test_path_links_follow_branches_by_the_anger_after() -> None:
    scenario, node, choice = next((s, n, c) for s in COURSE.scenarios for n in s.nodes for c in n.choices
                                  if c.branch and c.target(0) != c.target(100))
    links = path_links(scenario, [ChoiceFlow(node.id, choice.id, 0, 2), ChoiceFlow(node.id, choice.id, 100, 1),
                                  ChoiceFlow(node.id, "gone", 1, 7)])
    assert {(link.source, link.target): link.count for link in links} == {
        (node.id, choice.target(0)): 2, (node.id, choice.target(100)): 1}


def test_chart_labels_show_user_text_literally() -> None:
    from elearn.manage.team_charts import skills_heatmap

    names = {skill.id: skill.name for skill in COURSE.skills.values()}
    figure = skills_heatmap([("<a href='javascript:x'>Eve</a> & co", {})], names)
    assert list(figure.data[0].y) == ["&lt;a href='javascript:x'&gt;Eve&lt;/a&gt; &amp; co"]
    assert "<a" not in str(figure.data[1].hovertext)
