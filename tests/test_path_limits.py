"""Scenarios built to have astronomically many long paths are refused quickly, with a located problem,
and a long chain of nodes never exhausts Python's recursion limit."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from elearn.course.catalogue import load_course
from elearn.course.graph import find_loop
from elearn.course.paths import DEPTH_LIMIT
from tests.conftest import FIXTURES, REPO
from tests.hostile import ladder


def course_with(tmp_path: Path, name: str, text: str) -> Path:
    target = tmp_path / "course"
    shutil.copytree(FIXTURES / "course", target)
    (target / "quizzes" / name).write_text(text, encoding="utf-8")
    return target


def test_a_ladder_longer_than_any_followed_path_is_a_located_problem(tmp_path: Path) -> None:
    course = load_course(course_with(tmp_path, "ladder.yaml", ladder(DEPTH_LIMIT + 50)))
    assert [(p.file, p.rule) for p in course.problems] == [("quizzes/ladder.yaml", "no-path-in-reach")]
    assert str(course.problems[0]).startswith("quizzes/ladder.yaml:11:8: No way through this scenario reaches an "
                                              f"ending within {DEPTH_LIMIT} answers")
    assert course.scenario("ladder") is None
    assert course.scenario("outage") is not None  # the rest of the course is served


def test_a_ladder_within_reach_is_analysed_within_the_step_budget(tmp_path: Path) -> None:
    course = load_course(course_with(tmp_path, "ladder.yaml", ladder(60)))  # 2^60 paths
    analysis = course.analyses["ladder"]
    assert not analysis.complete  # the figures are "at least": the walk stopped at a limit
    assert analysis.best.score == 100.0
    assert course.ok


def test_the_checker_answers_on_the_ladder_as_a_subprocess(tmp_path: Path) -> None:
    course_dir = course_with(tmp_path, "ladder.yaml", ladder(250))
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "elearn", "check", str(course_dir)], cwd=REPO, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "no-path-in-reach" not in done.stdout  # rules are ids for tools; the text says what is wrong
    assert "quizzes/ladder.yaml:11:8: No way through this scenario reaches an ending" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert time.monotonic() - started < 60  # a bound on the hang it replaces, not a speed figure


def test_finding_a_loop_is_not_recursive() -> None:
    chain = {f"n{i}": {f"n{i + 1}"} for i in range(20_000)}
    chain["n20000"] = {"n0"}
    loop = find_loop(chain, sorted(chain))
    assert len(loop) == 20_001
    assert find_loop({f"n{i}": {f"n{i + 1}"} for i in range(20_000)}, ["n0"]) == []
