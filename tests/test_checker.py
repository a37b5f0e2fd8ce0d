"""The checker on the good fixture course and on one broken fixture per rule.

Each broken fixture under tests/fixtures/broken/<case>/ is laid over the good course, so the
test also shows that one broken file does not take the rest of the course down.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from elearn.cli.main import main
from elearn.course.catalogue import load_course

from .conftest import FIXTURES

CASES = [
    ("yaml-syntax", "quizzes/mini.yaml:20:14: YAML syntax error: did not find expected ',' or '}'. Check the "
     "indentation and quoting on this line and the one before it."),
    ("duplicate-key", "quizzes/mini.yaml:21:9: Key 'anger' appears twice in the same mapping (first on line 20). "
     "YAML would silently keep only the last one: remove or rename one of them."),
    ("unknown-key", "quizzes/mini.yaml:21:9: Choice 'good' in node 'first' has an unknown key 'nxt'. Did you mean "
     "'next'?"),
    ("ambiguous-boolean", "quizzes/mini.yaml:29:15: Unquoted 'no' is read as a yes/no value by many YAML tools. "
     "Write \"no\" in quotes if you mean the word, or true/false for a yes/no setting."),
    ("wrong-type", "quizzes/mini.yaml:10:14: The scenario: 'start_anger' must be a whole number, not the text '50'. "
     "Remove the quotes around the number."),
    ("missing-field", "quizzes/mini.yaml:37:9: Choice 'shrug' in node 'second' is missing the required field "
     "'feedback'. Add 'feedback: ...' (see docs/authoring.md)."),
    ("duplicate-node-id", "quizzes/mini.yaml:43:9: The node id 'second' is already used by a node in this scenario. "
     "Node and ending ids must be unique within a scenario: rename one of them."),
    ("duplicate-choice-id", "quizzes/mini.yaml:37:13: Choice id 'offer' appears twice in node 'second'. Choice ids "
     "must be unique within their node."),
    ("duplicate-scenario-id", "quizzes/second-outage.yaml:1:5: The scenario id 'outage' is already used by "
     "quizzes/outage.yaml. Give this scenario an id of its own."),
    ("duplicate-lesson-id", "content/02-copy.md:2:5: The lesson id 'calm-basics' is already used by "
     "content/01-calm-basics.md. Give this lesson an id of its own."),
    ("missing-target", "quizzes/mini.yaml:21:15: Choice 'good' in node 'first' goes to 'secnd', which is neither a "
     "node nor an ending. Did you mean 'second'?"),
    ("unreachable-node", "quizzes/mini.yaml:43:9: Node 'orphan' can never be reached from the start node 'first'. "
     "No choice leads here: point a choice's 'next' at it, or remove it."),
    ("unreachable-by-condition", "quizzes/mini.yaml:46:9: Node 'orphan' can never be reached from the start node "
     "'first'. Choices lead here only through anger conditions that never hold on the way: check the 'branch' of "
     "choice 'good' in node 'first'."),
    ("dead-end", "quizzes/mini.yaml:28:9: No ending can be reached from node 'second' (at anger 40): every way on "
     "leads into a loop. Make sure some choice from here leads, directly or through other nodes, to an ending."),
    ("loop-without-exit", "quizzes/mini.yaml:28:9: Nodes 'second' → 'second' form a loop with no way out: no choice "
     "on it ever leads to an ending. Give one of these nodes a choice that leads towards an ending."),
    ("unknown-skill", "quizzes/mini.yaml:19:20: Choice 'good' in node 'first' gives evidence for 'empahty', which is "
     "not a known skill (see content/skills.yaml). Did you mean 'empathy'?"),
    ("unknown-skill-in-lesson", "content/02-more.md:5:10: 'empaty' is not a known skill (see content/skills.yaml). "
     "Did you mean 'empathy'?"),
    ("lesson-missing-scenario", "content/02-more.md:7:13: 'outages' is not a known scenario (or it was skipped for "
     "its problems). Did you mean 'outage'?"),
    ("scenario-missing-lesson", "quizzes/mini.yaml:5:11: 'calm-basic' is not a known lesson (or it was skipped for "
     "its problems). Did you mean 'calm-basics'?"),
    ("empty-feedback", "quizzes/mini.yaml:39:19: Choice 'shrug' in node 'second': 'feedback' must not be empty. "
     "Write one or two sentences."),
    ("too-few-endings", "quizzes/mini.yaml:44:3: The scenario has 1 ending; it needs at least two. Add the ending a "
     "learner reaches when the conversation goes wrong, so choices have consequences."),
    ("skill-not-exercised", "content/skills.yaml:14:9: Skill 'closing' is not exercised by any scenario. Give it "
     "evidence in at least one choice, or remove it from the catalogue."),
    ("front-matter-unclosed", "content/02-broken.md:1:1: The front matter is never closed: no second '---' line was "
     "found. Add a line '---' after the last front matter field, before the lesson text."),
    ("front-matter-missing", "content/02-plain.md:1:1: The lesson has no front matter: the file must start with a "
     "line '---'. Put the lesson's id, title, order, skills, sources, scenarios, minutes and summary between two "
     "'---' lines at the top (see docs/authoring.md)."),
    ("bad-id", "quizzes/mini.yaml:1:5: The scenario: 'id' is not a valid id (the text 'Mini Case'). Ids are "
     "lower-case letters, digits and hyphens, like 'calm-down'."),
    ("out-of-range", "quizzes/mini.yaml:10:14: The scenario: 'start_anger' is 150, but it must be at most 100."),
    ("unknown-outcome", "quizzes/mini.yaml:46:14: Ending 'done': 'outcome' is 'solved', which is not one of: "
     "resolved, escalated_properly, ended_properly, customer_lost, complaint, unsafe. Did you mean 'resolved'?"),
    ("branch-order", "quizzes/mini.yaml:16:9: Choice 'good' in node 'first' has its 'branch' routes in the wrong "
     "order: routes with a condition come first, then exactly one route without a condition (the otherwise case) "
     "last."),
    ("too-few-choices", "quizzes/mini.yaml:31:7: Node 'second': 'choices' needs at least 2 entries, but has 1."),
    ("no-way-on", "quizzes/mini.yaml:16:9: Choice 'good' in node 'first' needs exactly one of 'next' (a node or "
     "ending id) or 'branch' (a list of routes)."),
]


def run_check(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["check", *args], out=out)
    return code, out.getvalue()


def test_every_broken_fixture_has_a_case() -> None:
    on_disk = {p.name for p in (FIXTURES / "broken").iterdir()}
    assert on_disk == {case for case, _ in CASES}


def test_good_course_passes() -> None:
    code, output = run_check(str(FIXTURES / "course"))
    assert code == 0
    assert output.startswith("OK: 3 skills, 1 lesson, 1 scenario (0 capstones)")


@pytest.mark.parametrize(("case", "expected"), CASES, ids=[case for case, _ in CASES])
def test_broken_fixture_is_reported_precisely(course_copy: Callable[..., Path], case: str, expected: str) -> None:
    course_dir = course_copy(case)
    code, output = run_check(str(course_dir))
    assert code == 1
    assert expected in output.splitlines()
    assert "Traceback" not in output


@pytest.mark.parametrize("case", [case for case, _ in CASES])
def test_broken_file_does_not_take_the_course_down(course_copy: Callable[..., Path], case: str) -> None:
    course = load_course(course_copy(case))
    assert course.scenario("outage") is not None
    assert course.lesson("calm-basics") is not None
    assert course.analyses["outage"].best.ending_id == "fixed"


def test_every_problem_in_a_file_is_reported_together(course_copy: Callable[..., Path]) -> None:
    course = load_course(course_copy("dead-end"))
    lines = [str(p) for p in course.problems]
    assert len(lines) == 3
    assert any("'loop-a' → 'loop-b' → 'loop-a' form a loop with no way out" in line for line in lines)
    assert any("Ending 'done' can never be reached." in line for line in lines)
    assert course.skipped == ("quizzes/mini.yaml",)


def test_not_a_course_directory(tmp_path: Path) -> None:
    code, output = run_check(str(tmp_path))
    assert code == 1
    assert (".: This is not a course directory: it has neither a content/ nor a quizzes/ folder. Point the checker "
            "or the app at the folder that holds content/ and quizzes/.") in output.splitlines()
    # Problems are shown in the app too, so they never name a server path; the summary line does.
    [summary] = [line for line in output.splitlines() if str(tmp_path) in line]
    assert summary.endswith(f"in {tmp_path}")


def test_json_summary(course_copy: Callable[..., Path]) -> None:
    code, output = run_check(str(FIXTURES / "course"), "--json")
    summary = json.loads(output)
    assert code == 0
    assert summary["counts"] == {"skills": 3, "lessons": 1, "scenarios": 1, "capstones": 0}
    [outage] = summary["scenarios"]
    assert outage["paths"] == 5
    assert (outage["shortest_path"], outage["longest_path"]) == (2, 3)
    assert outage["best_path"] == ["acknowledge", "engineer", "promise"]
    assert (outage["best_score"], outage["min_score"]) == (100.0, 16.7)
    assert outage["best_outcome"] == "resolved"
    assert outage["worst_ending"] == "lost"
    assert summary["coverage"]["escalation"]["scenarios"] == ["outage"]
    assert summary["coverage"]["escalation"]["scenarios_with_good_and_poor"] == 1


def test_json_summary_of_a_broken_course_lists_problems(course_copy: Callable[..., Path]) -> None:
    code, output = run_check(str(course_copy("missing-target")), "--json")
    summary = json.loads(output)
    assert code == 1
    assert summary["ok"] is False
    assert summary["skipped"] == ["quizzes/mini.yaml"]
    assert summary["problems"][0]["rule"] == "missing-target"
    assert summary["problems"][0]["hint"] == "Did you mean 'second'?"


def test_simulation_is_repeatable_and_reported() -> None:
    first = run_check(str(FIXTURES / "course"), "--simulate", "300", "--seed", "7", "--json")
    again = run_check(str(FIXTURES / "course"), "--simulate", "300", "--seed", "7", "--json")
    other = run_check(str(FIXTURES / "course"), "--simulate", "300", "--seed", "8", "--json")
    result = json.loads(first[1])["simulation"]["scenarios"]["outage"]
    assert first == again
    assert first != other
    assert sum(result["endings"].values()) == 300
    assert set(result["endings"]) == {"fixed", "escalated", "lost"}
    assert result["max_score"] == 100.0
    assert result["unfinished"] == 0


def test_negative_simulation_count_is_a_usage_error() -> None:
    code, _ = run_check(str(FIXTURES / "course"), "--simulate", "-1")
    assert code == 2
