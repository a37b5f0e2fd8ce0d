"""Exports: CSV and XLSX inert against formula injection; xAPI 1.0.3 statements well formed and stable."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import openpyxl
import pytest

from elearn.course.passing import PassRule
from elearn.manage.dashboard import CompletionRow, completion_rows
from elearn.manage.exports import (
    COLUMNS,
    VERB_IRIS,
    XapiSource,
    completion_csv,
    completion_xlsx,
    file_name,
    inert,
    read_xapi_zip,
    statements,
    write_json_array,
    write_xapi_zip,
)
from elearn.store import events_for
from elearn.store.analytics import LearnerFacts, export_events, finished_attempts, learner_facts
from elearn.store.assignments import current_assignments, visible_assignments

from .conftest import COURSE, Played, read_everything

HOME = "https://learn.example.com"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
EVIL = ['=HYPERLINK("http://x","click")', "@SUM(A1)", "+1+2", "-3", "\tTAB", "\rCR", "=1+1", "@"]


def evil_rows() -> list[CompletionRow]:
    facts = [LearnerFacts(user_id=index, username=f"user{index}", display_name=name, team_id=1, team_name=name,
                          lessons_done={}, scenario_finished={}, best_success_score={}, scenarios_finished=3,
                          mean_best_score=-12.5, last_activity=NOW, seconds_in_scenarios=120)
             for index, name in enumerate(EVIL, start=1)]
    rows = completion_rows(COURSE, facts, {}, {}, NOW, pass_rule=PassRule())
    return [*rows, replace(rows[0], user_id=99, name="Ana Pereira", username="ana", team="Front desk", weakest=())]


@pytest.mark.parametrize(("text", "expected"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("@SUM(A1)", "'@SUM(A1)"), ("+1", "'+1"),
    ("-1", "'-1"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("Ana", "Ana"), ("a=b", "a=b"), ("", ""), ("'=x", "'=x"),
])
def test_inert(text: str, expected: str) -> None:
    assert inert(text) == expected


def test_csv_cells_never_start_a_formula() -> None:
    data = completion_csv(evil_rows())
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert table[0] == list(COLUMNS)
    names = [line[0] for line in table[1:]]
    assert names == ["'" + name for name in EVIL] + ["Ana Pereira"]
    for line in table[1:]:
        for cell in line:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            if cell.startswith("-"):
                float(cell)  # a leading minus only ever starts a number


def test_csv_keeps_numbers_as_numbers() -> None:
    table = list(csv.reader(io.StringIO(completion_csv(evil_rows()).decode("utf-8-sig"), newline="")))
    header = table[0]
    first = dict(zip(header, table[1], strict=True))
    assert first["Mean best score (%)"] == "-12.5"
    assert first["Scenarios completed"] == "3"
    assert first["Last activity"] == "2025-06-01 12:00"


def test_xlsx_holds_no_formula_and_shows_the_names_as_text() -> None:
    book = openpyxl.load_workbook(io.BytesIO(completion_xlsx(evil_rows())))
    sheet = book.active
    assert sheet is not None
    assert [cell.value for cell in sheet[1]] == list(COLUMNS)
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None]
    assert cells
    for cell in cells:
        assert cell.data_type != "f", cell.coordinate
        if isinstance(cell.value, str):
            assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), (cell.coordinate, cell.value)
    # openpyxl leaves the XML escape of a carriage return as it is stored (Excel shows the character).
    names = [str(sheet.cell(row=r, column=1).value).replace("_x000D_", "\r") for r in range(2, len(EVIL) + 3)]
    assert names == ["'" + name for name in EVIL] + ["Ana Pereira"]
    scores = [sheet.cell(row=r, column=COLUMNS.index("Mean best score (%)") + 1).value for r in range(2, 4)]
    assert scores == [-12.5, -12.5]  # numbers stay numbers
    activity = sheet.cell(row=2, column=COLUMNS.index("Last activity") + 1).value
    assert activity == datetime(2025, 6, 1, 12, 0)


def test_an_empty_table_exports_its_header() -> None:
    assert completion_csv([]).decode("utf-8-sig").splitlines() == [",".join(COLUMNS)]
    sheet = openpyxl.load_workbook(io.BytesIO(completion_xlsx([]))).active
    assert sheet is not None
    assert sheet.max_row == 1


def test_the_xlsx_header_stays_in_view() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(completion_xlsx(evil_rows()))).active
    assert sheet is not None
    assert sheet.freeze_panes == "A2"


@pytest.mark.parametrize(("teams", "expected"), [
    (["Helpdesk East", "Helpdesk East"], "completion-2026-12-02-team-helpdesk-east.csv"),
    (["Helpdesk East", "Billing"], "completion-2026-12-02-2-teams.csv"),
    ([""], "completion-2026-12-02-no-team.csv"),
    (["Équipe Nord / Süd"], "completion-2026-12-02-team-equipe-nord-sud.csv"),
    (["../../etc"], "completion-2026-12-02-team-etc.csv"),
    (["***"], "completion-2026-12-02-no-team.csv"),
    ([], "completion-2026-12-02-nobody.csv"),
])
def test_export_file_names_say_what_when_and_whose(teams: list[str], expected: str) -> None:
    assert file_name("completion", datetime(2026, 12, 2, tzinfo=UTC).date(), teams, "csv") == expected


# --- xAPI -------------------------------------------------------------------------------------

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
DURATION = re.compile(r"^PT\d+H\d+M\d+S$")


def is_iri(text: object) -> bool:
    parts = urlsplit(str(text))
    return isinstance(text, str) and parts.scheme in ("http", "https") and bool(parts.netloc)


def check_statement(statement: dict[str, Any]) -> None:
    """The xAPI 1.0.3 statement structure: id, actor, verb, object, result, context, timestamp."""
    assert set(statement) <= {"id", "actor", "verb", "object", "result", "context", "timestamp"}
    assert UUID.match(statement["id"]), statement["id"]
    actor = statement["actor"]
    assert actor["objectType"] == "Agent"
    assert set(actor) == {"objectType", "account"}  # one identifier only: the account
    assert actor["account"]["homePage"] == HOME
    assert isinstance(actor["account"]["name"], str)
    assert actor["account"]["name"]
    verb = statement["verb"]
    assert verb["id"] in VERB_IRIS.values()
    assert is_iri(verb["id"])
    assert verb["display"]["en-US"] == verb["id"].rsplit("/", 1)[1]
    activity = statement["object"]
    assert activity["objectType"] == "Activity"
    assert is_iri(activity["id"])
    assert activity["id"].startswith(HOME + "/xapi/activities/")
    assert is_iri(activity["definition"]["type"])
    result = statement["result"]
    assert isinstance(result, dict)
    for key in result.get("extensions", {}):
        assert is_iri(key)
    if "score" in result:
        assert -1 <= result["score"]["scaled"] <= 1
        assert result["score"]["min"] <= result["score"]["raw"] <= result["score"]["max"]
    if "duration" in result:
        assert DURATION.match(result["duration"])
    context = statement.get("context", {})
    if "registration" in context:
        assert UUID.match(context["registration"])
    for kind in ("parent", "grouping"):
        for parent in context.get("contextActivities", {}).get(kind, []):
            assert is_iri(parent["id"])
    for key in context.get("extensions", {}):
        assert is_iri(key)
    moment = datetime.fromisoformat(statement["timestamp"])
    assert moment.tzinfo is not None
    assert statement["timestamp"].endswith("Z")


def export_all(played: Played) -> tuple[list[dict[str, Any]], list[CompletionRow]]:
    store, world = played.store, played.world
    facts = learner_facts(store, world.admin, [lesson.id for lesson in COURSE.lessons],
                          [scenario.id for scenario in COURSE.scenarios])
    assigned = current_assignments(visible_assignments(store, world.admin), [(f.user_id, f.team_id) for f in facts])
    rows = completion_rows(COURSE, facts, assigned, {}, played.clock.tick(), pass_rule=PassRule())
    ids = [row.user_id for row in rows]
    out = io.BytesIO()
    source = XapiSource(COURSE, HOME, PassRule())
    # Batches of 3 statements: the zip holds several NDJSON files, read back in order.
    count = write_xapi_zip(out, statements(source, rows, finished_attempts(store, world.admin, ids),
                                           export_events(store, world.admin, ids, batch=4)), batch=3)
    out.seek(0)
    found = list(read_xapi_zip(out))
    assert len(found) == count
    out.seek(0)
    assert len(zipfile.ZipFile(out).namelist()) == -(-count // 3)
    return found, rows


def test_every_xapi_statement_is_well_formed(played: Played) -> None:
    read_everything(played.store, played.world.loner, COURSE, played.clock)  # a course completion too
    found, _ = export_all(played)
    assert found
    for statement in found:
        check_statement(statement)
    verbs = {(s["verb"]["display"]["en-US"], s["object"]["definition"]["type"].rsplit("/", 1)[1]) for s in found}
    assert verbs >= {("answered", "cmi.interaction"), ("completed", "simulation"), ("passed", "simulation"),
                     ("completed", "course"), ("passed", "course")}
    assert len({s["id"] for s in found}) == len(found)


def test_each_answer_is_one_statement_with_the_choice_as_response(played: Played) -> None:
    store, world = played.store, played.world
    found, _ = export_all(played)
    answered = [s for s in found if s["verb"]["id"] == VERB_IRIS["answered"]]
    events = [e for user in (world.admin, world.ana, world.abe, world.bea, world.loner)
              for e in events_for(store, world.admin, user.id)]
    assert len(answered) == len(events)
    by_time = sorted(answered, key=lambda s: (s["actor"]["account"]["name"], s["timestamp"]))
    expected = sorted(((user.username, e) for user in (world.ana, world.abe, world.bea)
                       for e in events_for(store, world.admin, user.id)),
                      key=lambda pair: (pair[0], pair[1].occurred_at))
    for statement, (username, event) in zip(by_time, expected, strict=True):
        assert statement["actor"]["account"]["name"] == username
        assert statement["result"]["response"] == event.choice_id
        assert statement["object"]["id"] == f"{HOME}/xapi/activities/scenarios/{event.scenario_id}/decisions/" \
                                            f"{event.node_id}"
        assert statement["object"]["definition"]["interactionType"] == "choice"
    # Each decision's name and choices travel once, in the first statement about it (an LRS keeps them).
    defined: dict[str, list[str]] = {}
    for statement in answered:
        definition = statement["object"]["definition"]
        if "choices" in definition:
            assert statement["object"]["id"] not in defined
            defined[statement["object"]["id"]] = [c["id"] for c in definition["choices"]]
    for statement in answered:
        assert statement["result"]["response"] in defined[statement["object"]["id"]]


def test_statement_ids_are_stable_across_exports(played: Played) -> None:
    first, _ = export_all(played)
    again, _ = export_all(played)
    assert [s["id"] for s in first] == [s["id"] for s in again]
    assert first == again


def test_a_course_read_and_played_on_the_best_paths_is_completed_and_passed(played: Played) -> None:
    read_everything(played.store, played.world.loner, COURSE, played.clock)
    found, rows = export_all(played)
    course_verbs = {s["verb"]["display"]["en-US"] for s in found
                    if s["object"]["id"].endswith("/activities/course") and s["actor"]["account"]["name"] == "loner"}
    assert course_verbs == {"completed", "passed"}
    [loner] = [row for row in rows if row.username == "loner"]
    assert loner.completed_at is not None
    assert not [s for s in found if s["object"]["id"].endswith("/activities/course")
                and s["actor"]["account"]["name"] != "loner"]


def test_an_empty_export_is_an_empty_array() -> None:
    out = io.StringIO()
    assert write_json_array(out, []) == 0
    assert json.loads(out.getvalue()) == []
    assert uuid.UUID(XapiSource(COURSE, HOME + "/", PassRule()).statement_id("x")) == uuid.UUID(
        XapiSource(COURSE, HOME, PassRule()).statement_id("x"))
    assert XapiSource(COURSE, HOME + "/", PassRule()).course_iri() == HOME + "/xapi/activities/course"


def test_finished_attempt_times(played: Played) -> None:
    found, _ = export_all(played)
    completed = [s for s in found if s["verb"]["id"] == VERB_IRIS["completed"] and "duration" in s["result"]]
    assert completed
    assert all(s["result"]["completion"] is True for s in completed)
    assert all(datetime.fromisoformat(s["timestamp"]) <= played.clock.moment + timedelta(seconds=1)
               for s in completed)
