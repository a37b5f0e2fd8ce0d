"""Hostile course files: each becomes one located problem (or is accepted), and never takes the
rest of the course down, leaks what a refused file holds, or names a server path.

The files are built by each test in a temporary folder (tests/hostile.py). Root reads any file
whatever its permissions, so the permission case is read as the unprivileged user ``nobody``
when the tests run as root (a forked child, or a checker process that drops to ``nobody``
before it reads anything), and directly otherwise.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import astuple
from pathlib import Path

import pytest

from elearn.course.catalogue import load_course
from elearn.course.yamlsource import read_yaml
from elearn.errors import Problem, excerpt
from elearn.limits import LimitSettingError, ReadLimits, limits_from

from .conftest import REPO
from .hostile import CASES, SECRET, Hostile, available, build, laughs

NOBODY = 65534
AS_ROOT = os.geteuid() == 0
CHECK_SECONDS = 20
CHECK_MEMORY = 1024**3


def _param(case: Hostile) -> object:
    reason = available(case)
    marks = [pytest.mark.skip(reason=reason)] if reason else []
    return pytest.param(case, id=case.name, marks=marks)


PARAMS = [_param(case) for case in CASES]


@pytest.fixture
def parent() -> Iterator[Path]:
    """A folder that ``nobody`` can enter too (pytest's own tmp_path is private to root)."""
    with tempfile.TemporaryDirectory(prefix="hostile-") as folder:
        os.chmod(folder, 0o755)  # the unprivileged reader must be able to reach the course
        yield Path(folder)


def _as_nobody(course: Path) -> list[Problem]:
    """load_course's problems, computed by a forked child that is ``nobody`` before it reads a file."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        status = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            found = [astuple(p) for p in load_course(course).problems]
            with os.fdopen(write_end, "w") as out:
                json.dump(found, out)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end) as answer:
        text = answer.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return [Problem(*fields) for fields in json.loads(text)]


def _problems(case: Hostile, course: Path) -> list[Problem]:
    if case.needs == "unprivileged" and AS_ROOT:
        return _as_nobody(course)
    return list(load_course(course).problems)


@pytest.mark.parametrize("case", PARAMS)
def test_a_hostile_file_is_one_located_problem_and_the_rest_is_served(parent: Path, case: Hostile) -> None:
    course_dir = build(case, parent)
    problems = _problems(case, course_dir)
    mine = [p for p in problems if p.file == case.file]
    if case.rule is None:
        assert problems == []
    else:
        assert case.rule in [p.rule for p in mine]
        assert [p for p in problems if p.file != case.file] == []
    if case.needs != "unprivileged":
        course = load_course(course_dir)
        assert course.lesson("calm-basics") is not None
        assert course.scenario("outage") is not None
        assert course.analyses["outage"].best.ending_id == "fixed"
    for problem in problems:
        shown = str(problem)
        assert str(parent) not in shown
        assert SECRET not in shown
        assert len(shown) < 600, shown  # a short excerpt at most, never the file


def test_a_link_inside_the_course_is_read() -> None:
    case = next(c for c in CASES if c.name == "link-inside")
    with tempfile.TemporaryDirectory() as folder:
        course = load_course(build(case, Path(folder)))
    assert course.scenario("outage-copy") is not None
    assert course.files["outage-copy"] == "quizzes/copy.yaml"


@pytest.mark.parametrize("case", [c for c in CASES if c.name.startswith("bom-")], ids=lambda c: c.name)
def test_a_byte_order_mark_is_read_like_any_utf8_file(parent: Path, case: Hostile) -> None:
    course = load_course(build(case, parent))
    assert course.problems == ()
    assert course.lesson("calm-basics") is not None
    assert course.lesson("calm-basics").meta.title == "Calm basics"  # type: ignore[union-attr]
    assert course.scenario("outage") is not None


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHECK_MEMORY, CHECK_MEMORY))


DROP_TO_NOBODY = ("import os, sys\nfrom elearn.cli.main import main\nimport elearn.course.catalogue\n"
                  f"os.setgroups([]); os.setgid({NOBODY}); os.setuid({NOBODY})\n"
                  "sys.exit(main(['check', sys.argv[1]]))\n")


@pytest.mark.parametrize("case", PARAMS)
def test_check_turns_a_hostile_file_into_a_located_problem_within_20_s_and_1_gib(parent: Path,
                                                                                  case: Hostile) -> None:
    course = build(case, parent)
    command = [sys.executable, "-m", "elearn", "check", str(course)]
    if case.needs == "unprivileged" and AS_ROOT:
        command = [sys.executable, "-c", DROP_TO_NOBODY, str(course)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=CHECK_SECONDS,
                            preexec_fn=_limit_memory, check=False)
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert result.stderr == ""
    assert SECRET not in output
    if case.rule is None:
        assert result.returncode == 0, output
        return
    assert result.returncode == 1, output
    located = [line for line in result.stdout.splitlines() if line.startswith(f"{case.file}:")]
    assert located, output
    assert str(parent) not in "\n".join(located)


def test_the_node_cap_stops_a_100000_value_scenario_at_its_first_value_over_the_cap() -> None:
    # The mapping, the key "nodes" and the list are values 1 to 3, so item 997 (line 999) is value 1,001.
    text = "nodes:\n" + "".join(f"  - n{i}\n" for i in range(100_000))
    doc = read_yaml(text, "quizzes/wide.yaml", limits=ReadLimits(max_yaml_nodes=1_000))
    [problem] = doc.problems
    assert str(problem) == (
        "quizzes/wide.yaml:999:5: The file holds more than 1,000 YAML values (keys, list items and texts), the "
        "limit for one course file. The largest shipped scenario holds about 1,100. Split the file, or raise the "
        "limit with the setting ELEARN_MAX_COURSE_YAML_NODES (an environment variable, or max_course_yaml_nodes "
        "under [elearn] in the app's secrets).")
    assert doc.data is None


@pytest.mark.parametrize(("text", "expected"), [
    ("a: " + "[" * 600 + "]" * 600, "f.yaml:1:35: The YAML here is nested more than 32 levels deep, the limit for a "
     "course file. Course files need about 7 levels: look for brackets that are never closed, or raise the limit "
     "with the setting ELEARN_MAX_COURSE_YAML_DEPTH (an environment variable, or max_course_yaml_depth under "
     "[elearn] in the app's secrets)."),
    (laughs(), "f.yaml:1:7: YAML anchors and aliases ('&name' and '*name') are not allowed in course files. Write "
     "the value out in full where it is needed. There is no setting to allow them: they let a few lines expand "
     "into billions of values."),
    ("a: x\nb: *a\n", "f.yaml:2:4: YAML anchors and aliases ('&name' and '*name') are not allowed in course files. "
     "Write the value out in full where it is needed. There is no setting to allow them: they let a few lines "
     "expand into billions of values."),
    ("a: 1\n---\nb: 2\n", "f.yaml:2:1: YAML syntax error: the file holds more than one YAML document. A '---' line "
     "starts a new document: remove it, or put the text before it in quotes."),
    ("a: ok\nb: x\x07y\n", "f.yaml:2:5: The file holds a control character (\\x07) that YAML does not allow. Remove "
     "it: it is usually left over from copying text out of another program."),
    ("when: 2026-13-45\n", "f.yaml:1:7: '2026-13-45' looks like a date but is not one. Put it in quotes if you mean "
     "it as text."),
    ("count: " + "9" * 5_000 + "\n", "f.yaml:1:8: '9999999999999999999999999999999999999999…' looks like a whole "
     "number but is not one. Put it in quotes if you mean it as text."),
    ("a: !secret x\n", "f.yaml:1:4: YAML syntax error: could not determine a constructor for the tag '!secret'. "
     "Course files use plain YAML: remove the '!' tag, or put the value in quotes."),
    ("k" * 500 + ": 1\n" + "k" * 500 + ": 2\n", "f.yaml:2:1: Key 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk…' appears "
     "twice in the same mapping (first on line 1). YAML would silently keep only the last one: remove or rename "
     "one of them."),
], ids=["depth", "billion-laughs", "one-alias", "two-documents", "control-character", "bad-date", "huge-number",
        "tag", "long-key"])
def test_yaml_refusals_are_exact(text: str, expected: str) -> None:
    doc = read_yaml(text, "f.yaml")
    assert [str(p) for p in doc.problems] == [expected]


def test_depth_is_checked_while_composing_so_50000_levels_cannot_crash() -> None:
    # PyYAML's own composer would recurse 50,000 times here (a crash of the C stack); ours stops at level 33.
    doc = read_yaml("[" * 50_000 + "]" * 50_000, "f.yaml", limits=ReadLimits(max_yaml_depth=32))
    assert [(p.rule, p.line, p.column) for p in doc.problems] == [("too-deep", 1, 33)]


def test_the_caps_can_be_raised() -> None:
    text = "a: " + "[" * 40 + "]" * 40 + "\n"
    assert read_yaml(text, "f.yaml").problems[0].rule == "too-deep"
    assert read_yaml(text, "f.yaml", limits=ReadLimits(max_yaml_depth=41)).problems == []


def test_the_size_cap_is_a_setting(parent: Path) -> None:
    course = build(next(c for c in CASES if c.name == "over-the-size-cap"), parent)
    # Under a raised cap the file is read: it holds only a comment, so it is an empty scenario.
    raised = load_course(course, ReadLimits(max_file_bytes=4 * 1024 * 1024))
    assert [(p.file, p.rule) for p in raised.problems] == [("quizzes/huge.yaml", "empty-file")]
    lowered = load_course(course, ReadLimits(max_file_bytes=100))
    assert {p.rule for p in lowered.problems if p.file == "content/01-calm-basics.md"} == {"file-too-large"}


def test_check_reads_the_caps_from_its_environment(parent: Path) -> None:
    course = build(next(c for c in CASES if c.name == "over-the-size-cap"), parent)
    env = {**os.environ, "ELEARN_MAX_COURSE_FILE_BYTES": "4_000_000"}
    result = subprocess.run([sys.executable, "-m", "elearn", "check", str(course)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=CHECK_SECONDS, check=False)
    assert "quizzes/huge.yaml:1:1: The scenario file is empty." in result.stdout.splitlines()
    env["ELEARN_MAX_COURSE_FILE_BYTES"] = "lots"
    result = subprocess.run([sys.executable, "-m", "elearn", "check", str(course)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=CHECK_SECONDS, check=False)
    assert result.returncode == 2
    assert result.stderr == ("ELEARN_MAX_COURSE_FILE_BYTES is 'lots': expected a whole number of 1 or more, like "
                             "2097152 (the default).\n")


@pytest.mark.parametrize(("settings", "expected"), [
    ({}, ReadLimits()),
    ({"ELEARN_MAX_COURSE_FILE_BYTES": " 4_000_000 ", "ELEARN_MAX_COURSE_YAML_NODES": "50000",
      "ELEARN_MAX_COURSE_YAML_DEPTH": ""}, ReadLimits(max_file_bytes=4_000_000, max_yaml_nodes=50_000)),
])
def test_limits_from_settings(settings: dict[str, str], expected: ReadLimits) -> None:
    assert limits_from(settings) == expected


@pytest.mark.parametrize("value", ["0", "-5", "2MB", "1.5", "9" * 5_000])
def test_a_bad_limit_setting_names_itself(value: str) -> None:
    with pytest.raises(LimitSettingError) as raised:
        limits_from({"ELEARN_MAX_COURSE_YAML_DEPTH": value})
    shown = value if len(value) <= 20 else value[:20] + "…"
    assert str(raised.value) == (f"ELEARN_MAX_COURSE_YAML_DEPTH is '{shown}': expected a whole number of 1 or more, "
                                 "like 32 (the default).")


def test_the_depth_cap_stays_under_pythons_recursion_limit() -> None:
    assert limits_from({"ELEARN_MAX_COURSE_YAML_DEPTH": "200"}).max_yaml_depth == 200
    with pytest.raises(LimitSettingError) as raised:
        limits_from({"ELEARN_MAX_COURSE_YAML_DEPTH": "201"})
    assert str(raised.value) == "ELEARN_MAX_COURSE_YAML_DEPTH is 201: it can be at most 200."
    doc = read_yaml("[" * 200 + "]" * 200, "f.yaml", limits=ReadLimits(max_yaml_depth=200))
    assert doc.problems == []


@pytest.mark.parametrize(("value", "expected"), [
    ("calm-down", "calm-down"),
    ("x" * 50, "x" * 40 + "…"),
    ("line\nbreak\x1b[2J", "line\\nbreak\\x1b[2J"),
    ("abc\u202edef", "abc\\u202edef"),
    ("café", "café"),
])
def test_excerpt_is_short_and_printable(value: str, expected: str) -> None:
    assert excerpt(value) == expected
