"""Exports of the dashboard: the completion table as CSV and XLSX, choice events as xAPI statements.

Spreadsheets are made inert against formula injection: every text cell that starts with
``= + - @``, a tab or a carriage return is prefixed with an apostrophe, so a learner called
``=HYPERLINK(...)`` is shown as text, never run. Numbers stay numbers. The XLSX writer is also
told never to turn strings into formulas, links or numbers, and writes every text cell with
``write_string``.

The xAPI export follows xAPI 1.0.3: one "answered" statement per choice event (the choice id is
``result.response``, the choice's words its ``description`` in the decision's definition and
the ``choice-text`` result extension: never a letter or a place in a list, since every attempt
shows the choices in its own order), "completed" per finished scenario attempt and "passed" as
well only when the pass rule (``elearn.course.passing``) says so (a successful ending *and* a
first-attempt score at or above the threshold; ``result.success`` says the same), "completed"
per learner who completed the course and "passed" only if every scenario asked of them was
passed under the rule. Activity ids are
stable IRIs under the app's home page; statement ids are UUIDs derived from what they record, so
exporting twice gives the same ids and an LRS can drop repeats. The learner is an account on
the app's home page, named by their username.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import IO, Any

import xlsxwriter

from elearn.course.catalogue import Course
from elearn.course.passing import PassRule
from elearn.manage.dashboard import CompletionRow
from elearn.store.analytics import ExportEvent, FinishedAttempt
from elearn.store.records import AuditEvent

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
VERB_IRIS = {
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
}
ACTIVITY_TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "scenario": "http://adlnet.gov/expapi/activities/simulation",
    "decision": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
}

COLUMNS = ("Name", "Username", "Team", "Status", "% complete", "Assigned", "Due", "Days overdue", "At risk",
           "Last activity", "Time spent (min)", "Scenarios completed", "Scenarios passed", "Course passed",
           "Mean best score (%)", "Weakest skills")
"""The completion table's columns. "Scenarios passed" and "Course passed" follow the pass rule the
rows were made with (``completion_rows``): a finished scenario below the threshold is completed,
not passed."""


def file_name(stem: str, on: date, team_names: Iterable[str | None], extension: str) -> str:
    """An export's file name saying what and when it holds, and for whom:
    ``completion-2026-12-02-team-helpdesk-east.csv`` for one team's learners, ``...-3-teams.csv``
    for several, ``...-no-team.csv`` for learners in none. Only a-z, 0-9 and dashes, so it is the
    same file name on every system."""
    teams = sorted({name or "" for name in team_names})
    if not teams:
        scope = "nobody"
    elif len(teams) == 1:
        scope = f"team-{_slug(teams[0])}" if teams[0] and _slug(teams[0]) else "no-team"
    else:
        scope = f"{len(teams)}-teams"
    return f"{stem}-{on.isoformat()}-{scope}.{extension}"


def _slug(text: str) -> str:
    """Lower-case ASCII words joined by dashes ("Équipe Nord" -> "equipe-nord"), at most 40 characters."""
    plain = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", plain))[:40].strip("-")


def inert(text: str) -> str:
    """``text`` as a spreadsheet shows it literally: an apostrophe before a leading = + - @ tab or CR."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


Cell = str | int | float | datetime | date | None


def table_values(row: CompletionRow) -> list[Cell]:
    """The cells of one exported row, in ``COLUMNS`` order (texts not yet made inert)."""
    return [
        row.name, row.username, row.team, row.status, round(100 * row.share_done), _day(row.assigned_at),
        _day(row.due_at), row.days_overdue, "yes" if row.at_risk else "no", row.last_activity, row.minutes_spent,
        row.scenarios_completed, row.scenarios_passed, "yes" if row.course_passed else "no",
        round(row.mean_best_score, 1) if row.mean_best_score is not None else None, ", ".join(row.weakest),
    ]


def completion_csv(rows: Iterable[CompletionRow]) -> bytes:
    """The completion table as UTF-8 CSV (with a byte-order mark, so Excel reads the accents)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in table_values(row)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def completion_xlsx(rows: Iterable[CompletionRow], *, title: str = "Completion") -> bytes:
    """The completion table as an XLSX workbook: text as text, numbers and dates typed."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
        "remove_timezone": True, "constant_memory": True,
    })
    sheet = book.add_worksheet(title[:31])
    bold = book.add_format({"bold": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for column, heading in enumerate(COLUMNS):
        sheet.write_string(0, column, heading, bold)
    sheet.freeze_panes(1, 0)  # the headings stay in view while scrolling down a long team
    count = 0
    for count, row in enumerate(rows, start=1):
        for column, value in enumerate(table_values(row)):
            if value is None:
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(count, column, value.astimezone(UTC), moment)
            elif isinstance(value, date):
                sheet.write_datetime(count, column, value, day)
            elif isinstance(value, str):
                sheet.write_string(count, column, inert(value))
            else:
                sheet.write_number(count, column, value)
    sheet.autofilter(0, 0, max(count, 1), len(COLUMNS) - 1)
    for column, width in enumerate((24, 18, 22, 12, 10, 11, 11, 12, 8, 16, 15, 18, 16, 13, 18, 40)):
        sheet.set_column(column, column, width)
    book.close()
    return buffer.getvalue()


AUDIT_COLUMNS = ("When (UTC)", "Who", "Action", "Account", "Before", "After")


def audit_csv(events: Iterable[AuditEvent]) -> bytes:
    """The audit log as UTF-8 CSV, made inert like the completion table: a display name that
    starts with ``=`` lands in a cell as text. Before and after are JSON objects."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(AUDIT_COLUMNS)
    for event in events:
        writer.writerow([_csv_cell(value) for value in (
            event.occurred_at, event.actor, event.action, event.subject,
            json.dumps(event.before, ensure_ascii=False, sort_keys=True),
            json.dumps(event.after, ensure_ascii=False, sort_keys=True))])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class XapiSource:
    """What the statements are built from: the course (for names and choices), the app's home page,
    and the pass rule that decides "passed" (the caller reads the threshold setting)."""

    course: Course
    home_page: str
    pass_rule: PassRule

    @cached_property
    def base(self) -> str:
        return self.home_page.rstrip("/")

    def course_iri(self) -> str:
        return f"{self.base}/xapi/activities/course"

    def scenario_iri(self, scenario_id: str) -> str:
        return f"{self.base}/xapi/activities/scenarios/{scenario_id}"

    def decision_iri(self, scenario_id: str, node_id: str) -> str:
        return f"{self.scenario_iri(scenario_id)}/decisions/{node_id}"

    def extension(self, name: str) -> str:
        return f"{self.base}/xapi/extensions/{name}"

    def actor(self, username: str) -> dict[str, Any]:
        return {"objectType": "Agent", "account": {"homePage": self.home_page, "name": username}}

    def statement_id(self, key: str) -> str:
        """A name-based UUID (version 5, URL namespace) of ``key`` under the home page: the same
        statement gets the same id in every export. Spelled out because ``uuid.uuid5`` costs
        several times more, once per statement."""
        digest = bytearray(hashlib.sha1(_URL_NAMESPACE + f"{self.base}/xapi/statements/{key}".encode(),
                                        usedforsecurity=False).digest()[:16])
        digest[6] = (digest[6] & 0x0F) | 0x50
        digest[8] = (digest[8] & 0x3F) | 0x80
        text = digest.hex()
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_URL_NAMESPACE = uuid.NAMESPACE_URL.bytes


def answered(source: XapiSource, event: ExportEvent, *, define: bool = True) -> dict[str, Any]:
    """The "answered" statement of one choice: the decision as a choice interaction, the choice id as
    response and its words as the ``choice-text`` extension. ``define=False`` leaves out the
    decision's name and choices (an LRS keeps an activity's definition from the first statement
    that carries it; ``statements`` sends it once)."""
    scenario = source.course.scenario(event.scenario_id)
    node = scenario.node(event.node_id) if scenario else None
    choice = node.choice(event.choice_id) if node else None
    definition: dict[str, Any] = {"type": ACTIVITY_TYPES["decision"], "interactionType": "choice"}
    if define and scenario is not None and node is not None:
        # The decision's id, not its place in the file: reordering a scenario's nodes must not rename it.
        definition["name"] = {"en-US": f"{scenario.title}: decision '{node.id}'"}
        definition["description"] = {"en-US": node.customer}
        definition["choices"] = [{"id": c.id, "description": {"en-US": c.say}} for c in node.choices]
    result: dict[str, Any] = {
        "response": event.choice_id,
        "extensions": {source.extension("anger-before"): event.anger_before,
                       source.extension("anger-after"): event.anger_after},
    }
    if choice is not None:
        result["success"] = set(choice.evidence.values()) == {"good"}
        result["extensions"][source.extension("choice-text")] = choice.say
        result["extensions"][source.extension("skill-ratings")] = dict(choice.evidence)
    return {
        "id": source.statement_id(f"answered/{event.event_key}"),
        "actor": source.actor(event.username),
        "verb": _verb("answered"),
        "object": {"objectType": "Activity", "id": source.decision_iri(event.scenario_id, event.node_id),
                   "definition": definition},
        "result": result,
        "context": _context(source, event.scenario_id, event.attempt_id, event.attempt_number, event.scenario_version,
                            first_attempt=event.first_attempt),
        "timestamp": _timestamp(event.occurred_at),
    }


def scenario_finished(source: XapiSource, attempt: FinishedAttempt) -> list[dict[str, Any]]:
    """"completed" for a finished attempt, and "passed" as well when the pass rule says so.

    ``result.success`` is the pass rule's verdict, so a good ending reached with a score below the
    threshold is completed, unsuccessful, and labelled so in the ``outcome-label`` extension
    ("Resolved, with costly mistakes"); the threshold travels as the ``pass-threshold`` context
    extension (a percentage)."""
    scenario = source.course.scenario(attempt.scenario_id)
    rule = source.pass_rule
    passed = rule.passed(attempt.outcome, attempt.score)
    activity: dict[str, Any] = {"objectType": "Activity", "id": source.scenario_iri(attempt.scenario_id),
                                "definition": {"type": ACTIVITY_TYPES["scenario"]}}
    if scenario is not None:
        activity["definition"]["name"] = {"en-US": scenario.title}
    result = {
        "completion": True, "success": passed,
        "score": {"scaled": round(attempt.score / 100, 4), "raw": round(attempt.score, 2), "min": 0, "max": 100},
        "duration": _duration(attempt.finished_at - attempt.started_at),
        "extensions": {source.extension("ending"): attempt.ending_id, source.extension("outcome"): attempt.outcome,
                       source.extension("outcome-label"): rule.label(attempt.outcome, attempt.score)},
    }
    context = _context(source, attempt.scenario_id, attempt.id, attempt.attempt_number, attempt.scenario_version)
    context["contextActivities"].pop("parent")
    context["extensions"][source.extension("pass-threshold")] = rule.threshold
    statements = [{
        "id": source.statement_id(f"attempt/{attempt.id}/completed"), "actor": source.actor(attempt.username),
        "verb": _verb("completed"), "object": activity, "result": result, "context": context,
        "timestamp": _timestamp(attempt.finished_at),
    }]
    if passed:
        statements.append({**statements[0], "id": source.statement_id(f"attempt/{attempt.id}/passed"),
                           "verb": _verb("passed")})
    return statements


def course_finished(source: XapiSource, row: CompletionRow) -> list[dict[str, Any]]:
    """"completed" for a learner who completed what was asked of them, and "passed" as well if they
    passed every scenario asked for under the pass rule (``row.course_passed``)."""
    if row.completed_at is None:
        return []
    passed = row.course_passed
    when = row.completed_at.isoformat()
    base = {
        "actor": source.actor(row.username),
        "object": {"objectType": "Activity", "id": source.course_iri(),
                   "definition": {"type": ACTIVITY_TYPES["course"], "name": {"en-US": "Calm under fire"}}},
        "result": {"completion": True, "success": passed},
        "context": {"platform": "Calm under fire", "language": "en-US",
                    "extensions": {source.extension("pass-threshold"): source.pass_rule.threshold}},
        "timestamp": _timestamp(row.completed_at),
    }
    statements = [{**base, "id": source.statement_id(f"course/{row.username}/{when}/completed"),
                   "verb": _verb("completed")}]
    if passed:
        statements.append({**base, "id": source.statement_id(f"course/{row.username}/{when}/passed"),
                           "verb": _verb("passed")})
    return statements


def lesson_completed(source: XapiSource, username: str, lesson_id: str, title: str,
                     completed_at: datetime) -> dict[str, Any]:
    """"completed" for a lesson a learner marked done (sent to an LRS as it happens; a lesson is
    completed once, so its id needs only the learner and the lesson)."""
    return {
        "id": source.statement_id(f"lesson/{username}/{lesson_id}/completed"),
        "actor": source.actor(username),
        "verb": _verb("completed"),
        "object": {"objectType": "Activity", "id": f"{source.base}/xapi/activities/lessons/{lesson_id}",
                   "definition": {"type": ACTIVITY_TYPES["lesson"], "name": {"en-US": title}}},
        "result": {"completion": True},
        "context": {"platform": "Calm under fire", "language": "en-US",
                    "contextActivities": {"grouping": [{"objectType": "Activity", "id": source.course_iri()}]}},
        "timestamp": _timestamp(completed_at),
    }


def statements(source: XapiSource, rows: Sequence[CompletionRow], attempts: Iterable[FinishedAttempt],
               event_batches: Iterable[Sequence[ExportEvent]]) -> Iterator[dict[str, Any]]:
    """Every statement for ``rows``' learners: their answers, finished attempts, course completions.

    ``rows`` should be made with the same pass rule as ``source`` (``completion_rows(...,
    pass_rule=source.pass_rule)``), so a course's "passed" agrees with its scenarios'."""
    for attempt in attempts:
        yield from scenario_finished(source, attempt)
    for row in rows:
        yield from course_finished(source, row)
    defined: set[tuple[str, str]] = set()
    for batch in event_batches:
        for event in batch:
            decision = (event.scenario_id, event.node_id)
            yield answered(source, event, define=decision not in defined)
            defined.add(decision)


def write_json_array(out: IO[str], items: Iterable[Mapping[str, Any]]) -> int:
    """Stream ``items`` to ``out`` as one JSON array (one statement per line); return how many."""
    count = 0
    out.write("[")
    for count, item in enumerate(items, start=1):
        out.write("\n" if count == 1 else ",\n")
        out.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")))
    out.write("\n]\n" if count else "]\n")
    return count


XAPI_BATCH = 2_000
"""Statements per NDJSON file in the xAPI zip: a batch an LRS accepts in one POST."""


def write_xapi_zip(out: IO[bytes], items: Iterable[Mapping[str, Any]], *, batch: int = XAPI_BATCH) -> int:
    """Stream ``items`` into ``out`` as a zip of NDJSON files (``statements-00001.ndjson``, ...), at
    most ``batch`` statements each, one statement a line; return how many. Each statement is
    encoded and compressed as it comes, so memory stays bounded whatever the size of the export."""
    count = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        part: IO[bytes] | None = None
        for item in items:
            if count % batch == 0:
                if part is not None:
                    part.close()
                part = archive.open(f"statements-{count // batch + 1:05d}.ndjson", "w", force_zip64=True)
            assert part is not None
            part.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")
            count += 1
        if part is not None:
            part.close()
    return count


def read_xapi_zip(data: IO[bytes]) -> Iterator[dict[str, Any]]:
    """The statements of a zip written by ``write_xapi_zip``, in order (for tests and checks)."""
    with zipfile.ZipFile(data) as archive:
        for name in sorted(archive.namelist()):
            with archive.open(name) as part:
                for line in part:
                    yield json.loads(line)


def _verb(name: str) -> dict[str, Any]:
    return {"id": VERB_IRIS[name], "display": {"en-US": name}}


def _context(source: XapiSource, scenario_id: str, attempt_id: int, attempt_number: int, version: int, *,
             first_attempt: bool | None = None) -> dict[str, Any]:
    extensions: dict[str, Any] = {source.extension("attempt-number"): attempt_number,
                                  source.extension("scenario-version"): version}
    if first_attempt is not None:
        extensions[source.extension("first-attempt")] = first_attempt
    return {
        "registration": source.statement_id(f"attempt/{attempt_id}"),
        "platform": "Calm under fire",
        "language": "en-US",
        "contextActivities": {
            "parent": [{"objectType": "Activity", "id": source.scenario_iri(scenario_id)}],
            "grouping": [{"objectType": "Activity", "id": source.course_iri()}],
        },
        "extensions": extensions,
    }


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _duration(span: timedelta) -> str:
    seconds = max(0, int(span.total_seconds()))
    return f"PT{seconds // 3600}H{seconds % 3600 // 60}M{seconds % 60}S"


def _day(moment: datetime | None) -> date | None:
    return moment.astimezone(UTC).date() if moment is not None else None


def _csv_cell(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return inert(value)
    return value
