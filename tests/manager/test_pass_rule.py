"""The honest pass rule where managers and HR see "passed": dashboard rows, CSV, XLSX and xAPI.

A successful ending at 60% is completed, not passed; at 80% it is passed (threshold 70); a
custom threshold moves the line. Store-backed cases run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest

from elearn.course.passing import PassRule, PassThresholdError, pass_rule_from
from elearn.manage.dashboard import CompletionRow, completion_rows
from elearn.manage.exports import (
    VERB_IRIS,
    XapiSource,
    completion_csv,
    completion_xlsx,
    statements,
    write_json_array,
)
from elearn.store import Store, complete_lesson, progress_for
from elearn.store.analytics import export_events, finished_attempts, learner_facts
from tests.store.helpers import World

from .conftest import COURSE, Clock, Played, finish_at

HOME = "https://learn.example.com"
LESSONS = [lesson.id for lesson in COURSE.lessons]
SCENARIOS = [scenario.id for scenario in COURSE.scenarios]
FIRST, SECOND = COURSE.scenarios[0], COURSE.scenarios[1]
EVERY = len(COURSE.scenarios)


# --- the rule itself ------------------------------------------------------------------------------

@pytest.mark.parametrize(("outcome", "score", "passed", "label"), [
    ("resolved", 80.0, True, "Resolved"),
    ("resolved", 70.0, True, "Resolved"),
    ("resolved", 69.9, False, "Resolved, with costly mistakes"),
    ("resolved", 60.0, False, "Resolved, with costly mistakes"),
    ("escalated_properly", 40.0, False, "Escalated properly, with costly mistakes"),
    ("ended_properly", 100.0, True, "Ended properly"),
    ("complaint", 95.0, False, "Formal complaint"),
    ("customer_lost", 100.0, False, "Customer lost"),
    ("resolved", None, False, "Resolved, with costly mistakes"),
    (None, None, False, "Not finished"),
])
def test_the_rule_and_its_words(outcome: str | None, score: float | None, passed: bool, label: str) -> None:
    rule = PassRule()
    assert rule.passed(outcome, score) is passed
    assert rule.label(outcome, score) == label


@pytest.mark.parametrize(("text", "threshold"), [
    (None, 70.0), ("", 70.0), ("  ", 70.0), ("70", 70.0), ("72.5", 72.5), ("55%", 55.0), (" 80 % ", 80.0),
    ("0", 0.0), ("100", 100.0),
])
def test_a_threshold_setting_is_read(text: str | None, threshold: float) -> None:
    assert pass_rule_from(text) == PassRule(threshold)


@pytest.mark.parametrize("text", ["seventy", "101", "-1", "70 percent", "nan%"])
def test_a_bad_threshold_setting_is_refused_naming_it(text: str) -> None:
    with pytest.raises(PassThresholdError) as raised:
        pass_rule_from(text, setting="pass_threshold (ELEARN_PASS_THRESHOLD)")
    assert str(raised.value) == (f"pass_threshold (ELEARN_PASS_THRESHOLD) is '{text}': expected a percentage from "
                                 "0 to 100, like 70.")


# --- a world with known scores ------------------------------------------------------------------

@dataclass(frozen=True)
class Graded:
    """Ana: first scenario resolved at 60%, second at 60% then 75%. Abe: first at 80%. Bea: first at
    95% but a formal complaint. The admin (a learner too): every lesson read, every scenario
    resolved at 90% except the first, at 60%. The loner has done nothing."""

    store: Store
    world: World
    clock: Clock


@pytest.fixture
def graded(store: Store, world: World) -> Graded:
    clock = Clock()
    finish_at(store, world.ana, FIRST, 60.0, clock)
    finish_at(store, world.ana, SECOND, 60.0, clock)
    finish_at(store, world.ana, SECOND, 75.0, clock)
    finish_at(store, world.abe, FIRST, 80.0, clock)
    finish_at(store, world.bea, FIRST, 95.0, clock, outcome="complaint")
    for lesson in COURSE.lessons:
        complete_lesson(store, world.admin, lesson.id, clock.tick())
    for scenario in COURSE.scenarios:
        finish_at(store, world.admin, scenario, 60.0 if scenario is FIRST else 90.0, clock)
    return Graded(store, world, clock)


def rows_under(graded: Graded, rule: PassRule) -> list[CompletionRow]:
    facts = learner_facts(graded.store, graded.world.admin, LESSONS, SCENARIOS)
    return completion_rows(COURSE, facts, {}, {}, graded.clock.tick(), pass_rule=rule)


# username: (scenarios completed, scenarios passed, course passed)
EXPECTED = {
    70: {"ana": (2, 1, False), "abe": (1, 1, False), "bea": (1, 0, False), "admin": (EVERY, EVERY - 1, False),
         "loner": (0, 0, False)},
    55: {"ana": (2, 2, False), "abe": (1, 1, False), "bea": (1, 0, False), "admin": (EVERY, EVERY, True),
         "loner": (0, 0, False)},
    85: {"ana": (2, 0, False), "abe": (1, 0, False), "bea": (1, 0, False), "admin": (EVERY, EVERY - 1, False),
         "loner": (0, 0, False)},
    95: {"ana": (2, 0, False), "abe": (1, 0, False), "bea": (1, 0, False), "admin": (EVERY, 0, False),
         "loner": (0, 0, False)},
}


@pytest.mark.parametrize("threshold", sorted(EXPECTED))
def test_dashboard_rows_count_what_passed_under_the_rule(graded: Graded, threshold: int) -> None:
    rows = rows_under(graded, PassRule(threshold))
    found = {row.username: (row.scenarios_completed, row.scenarios_passed, row.course_passed) for row in rows}
    assert found == EXPECTED[threshold]
    [admin] = [row for row in rows if row.username == "admin"]
    assert admin.status == "completed"  # complete whatever the scores: passing is a separate question


@pytest.mark.parametrize("threshold", [70, 55])
def test_the_csv_says_completed_and_passed_apart(graded: Graded, threshold: int) -> None:
    table = list(csv.DictReader(io.StringIO(completion_csv(rows_under(graded, PassRule(threshold)))
                                            .decode("utf-8-sig"), newline="")))
    found = {line["Username"]: (line["Scenarios completed"], line["Scenarios passed"], line["Course passed"])
             for line in table}
    assert found == {name: (str(done), str(passed), "yes" if course else "no")
                     for name, (done, passed, course) in EXPECTED[threshold].items()}
    assert "Scenarios ended well" not in table[0]


@pytest.mark.parametrize("threshold", [70, 55])
def test_the_xlsx_says_completed_and_passed_apart(graded: Graded, threshold: int) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(completion_xlsx(rows_under(graded, PassRule(threshold))))).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    lines = [dict(zip(header, (cell.value for cell in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    found = {line["Username"]: (line["Scenarios completed"], line["Scenarios passed"], line["Course passed"])
             for line in lines}
    assert found == {name: (done, passed, "yes" if course else "no")
                     for name, (done, passed, course) in EXPECTED[threshold].items()}
    assert all(isinstance(line["Scenarios passed"], int) for line in lines)  # a number, not text


def xapi(graded: Graded, rule: PassRule) -> list[dict[str, Any]]:
    store, admin = graded.store, graded.world.admin
    rows = rows_under(graded, rule)
    ids = [row.user_id for row in rows]
    out = io.StringIO()
    write_json_array(out, statements(XapiSource(COURSE, HOME, rule), rows, finished_attempts(store, admin, ids),
                                     export_events(store, admin, ids)))
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def scenario_verdicts(found: list[dict[str, Any]], username: str, scenario_id: str
                      ) -> list[tuple[float, set[str], bool, str]]:
    """Per attempt (by registration): score, verbs, result.success and the outcome label."""
    attempts: dict[str, tuple[float, set[str], bool, str]] = {}
    for statement in found:
        if statement["actor"]["account"]["name"] != username or \
                statement["object"]["id"] != f"{HOME}/xapi/activities/scenarios/{scenario_id}":
            continue
        result = statement["result"]
        key = statement["context"]["registration"]
        verbs = attempts[key][1] if key in attempts else set()
        verbs.add(statement["verb"]["display"]["en-US"])
        attempts[key] = (result["score"]["raw"], verbs, result["success"],
                         result["extensions"][f"{HOME}/xapi/extensions/outcome-label"])
    return sorted(attempts.values(), key=lambda item: item[0])


@pytest.mark.parametrize(("threshold", "ana_first", "abe_first"), [
    (70, (60.0, {"completed"}, False, "Resolved, with costly mistakes"), (80.0, {"completed", "passed"}, True,
                                                                           "Resolved")),
    (55, (60.0, {"completed", "passed"}, True, "Resolved"), (80.0, {"completed", "passed"}, True, "Resolved")),
    (85, (60.0, {"completed"}, False, "Resolved, with costly mistakes"), (80.0, {"completed"}, False,
                                                                           "Resolved, with costly mistakes")),
])
def test_xapi_attempts_are_completed_always_and_passed_only_under_the_rule(
        graded: Graded, threshold: int, ana_first: tuple[Any, ...], abe_first: tuple[Any, ...]) -> None:
    found = xapi(graded, PassRule(threshold))
    assert scenario_verdicts(found, "ana", FIRST.id) == [ana_first]
    assert scenario_verdicts(found, "abe", FIRST.id) == [abe_first]
    assert scenario_verdicts(found, "bea", FIRST.id) == [(95.0, {"completed"}, False, "Formal complaint")]
    finished = [s for s in found if s["verb"]["id"] in (VERB_IRIS["completed"], VERB_IRIS["passed"])
                and "/scenarios/" in s["object"]["id"]]
    assert finished
    assert all(s["context"]["extensions"][f"{HOME}/xapi/extensions/pass-threshold"] == threshold for s in finished)
    assert all(s["result"]["completion"] is True for s in finished)


@pytest.mark.parametrize(("threshold", "verbs", "success"), [
    (70, {"completed"}, False), (55, {"completed", "passed"}, True), (60, {"completed", "passed"}, True),
])
def test_a_course_is_passed_only_if_every_scenario_asked_was_passed(graded: Graded, threshold: int,
                                                                   verbs: set[str], success: bool) -> None:
    course = [s for s in xapi(graded, PassRule(threshold)) if s["object"]["id"] == f"{HOME}/xapi/activities/course"]
    assert {s["actor"]["account"]["name"] for s in course} == {"admin"}  # the only one who completed
    assert {s["verb"]["display"]["en-US"] for s in course} == verbs
    assert {s["result"]["success"] for s in course} == {success}
    assert {s["result"]["completion"] for s in course} == {True}


@pytest.mark.parametrize("threshold", [0, 50, 70, 100])
def test_the_databases_tally_agrees_with_the_rule_on_real_play(played: Played, threshold: int) -> None:
    """Scenarios played through the engine (real paths, real scores): the SQL aggregate and the
    rule applied to every attempt one by one give the same count."""
    store, world = played.store, played.world
    rule = PassRule(threshold)
    facts = learner_facts(store, world.admin, LESSONS, SCENARIOS)
    rows = {row.user_id: row for row in completion_rows(COURSE, facts, {}, {}, played.clock.tick(), pass_rule=rule)}
    for user in (world.ana, world.abe, world.bea, world.loner):
        attempts = progress_for(store, world.admin, user.id).attempts
        passed = {a.scenario_id for a in attempts if rule.passed(a.outcome, a.score)}
        assert rows[user.id].scenarios_passed == len(passed), (user.username, threshold)
