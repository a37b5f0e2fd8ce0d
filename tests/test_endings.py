"""Endings true to the path: conditional debrief notes, and the claims the checker proves over every path.

The fixtures under tests/fixtures/endings/<case>/ are laid over the good fixture course.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from elearn.cli.main import main
from elearn.course.catalogue import Course, load_course
from elearn.course.endings import debrief_for, holds, notes_for
from elearn.course.schema import PathCondition, Scenario
from elearn.play.engine import choose, start

from .conftest import FIXTURES


def course_with(tmp_path: Path, case: str) -> Path:
    target = tmp_path / "course"
    shutil.copytree(FIXTURES / "course", target)
    shutil.copytree(FIXTURES / "endings" / case, target, dirs_exist_ok=True)
    return target


def check(course_dir: Path) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = main(["check", str(course_dir)], out=out)
    return code, out.getvalue().splitlines()


@pytest.mark.parametrize(("case", "expected"), [
    ("claim-contradicted", [
        "quizzes/mini.yaml:52:15: Ending 'done' claims \"Nobody was blamed.\", but the path 'blame-courier' → 'offer' "
        "reaches it and takes 'blame-courier'. Reword the debrief so it holds for every path here, move that part "
        "into a note with a condition, or route that path to an ending of its own.",
    ]),
    ("unknown-reference", [
        "quizzes/mini.yaml:49:17: Ending 'done' refers to skill 'empaty', which no choice of this scenario rates. "
        "Did you mean 'empathy'?",
        "quizzes/mini.yaml:53:23: Ending 'done' refers to choice 'blame-couier', which no node of this scenario has. "
        "Did you mean 'blame-courier'?",
    ]),
])
def test_the_checker_reports_endings_that_say_what_a_path_did_not_do(tmp_path: Path, case: str,
                                                                     expected: list[str]) -> None:
    code, lines = check(course_with(tmp_path, case))
    assert code == 1
    assert [line for line in lines if line.startswith("quizzes/mini.yaml")] == expected
    assert load_course(course_with(tmp_path / "again", case)).scenario("outage") is not None  # the rest is served


def test_a_claim_that_holds_on_every_path_passes(tmp_path: Path) -> None:
    course_dir = course_with(tmp_path, "claim-contradicted")
    mini = course_dir / "quizzes" / "mini.yaml"
    # Route the blaming answer to an ending of its own: now every path to 'done' keeps the claim.
    text = mini.read_text().replace("        anger: 5\n        next: second", "        anger: 5\n        next: lost", 1)
    mini.write_text(text)
    code, lines = check(course_dir)
    assert code == 0, lines


@pytest.fixture
def mini(tmp_path: Path) -> tuple[Course, Scenario]:
    course_dir = course_with(tmp_path, "claim-contradicted")
    mini = course_dir / "quizzes" / "mini.yaml"
    mini.write_text(mini.read_text().replace("      - says: Nobody was blamed.\n        never_chose: [blame-courier]\n",
                                             ""))
    course = load_course(course_dir)
    assert course.ok, course.problems
    scenario = course.scenario("mini")
    assert scenario is not None
    return course, scenario


def test_a_note_is_shown_only_to_the_paths_it_matches(mini: tuple[Course, Scenario]) -> None:
    _, scenario = mini
    blamed = choose(choose(start(scenario), "blame-courier"), "offer")
    clean = choose(choose(start(scenario), "check"), "offer")
    ending = blamed.ending
    assert ending is not None
    assert debrief_for(ending, blamed.path) == ("She has a time and a refund.\n\n"
                                                 "Blaming the courier cost you her trust at first.")
    assert debrief_for(ending, clean.path) == "She has a time and a refund."
    assert notes_for(ending, clean.path) == ()


def test_a_rewound_answer_is_not_on_the_path(mini: tuple[Course, Scenario]) -> None:
    _, scenario = mini
    from elearn.play.engine import rewind

    run = choose(choose(rewind(choose(start(scenario), "blame-courier")), "check"), "offer")
    assert run.ending is not None
    assert debrief_for(run.ending, run.path) == "She has a time and a refund."


@pytest.mark.parametrize(("condition", "expected"), [
    ({"chose": ["blame-courier"]}, True),
    ({"chose": ["check", "nothing"]}, False),
    ({"never_chose": ["check"]}, True),
    ({"never_chose": ["blame-courier"]}, False),
    ({"rated": {"empathy": "poor"}}, True),
    ({"rated": {"empathy": "partial"}}, True),   # partial means "partial or worse"
    ({"rated": {"solutions": "partial"}}, False),
    ({"never_rated": {"solutions": "partial"}}, True),
    ({"never_rated": {"empathy": "poor"}}, False),
    ({"chose": ["offer"], "rated": {"empathy": "poor"}}, True),  # every key must hold
    ({"chose": ["offer"], "never_rated": {"empathy": "poor"}}, False),
])
def test_conditions_on_a_path(mini: tuple[Course, Scenario], condition: dict[str, object], expected: bool) -> None:
    _, scenario = mini
    run = choose(choose(start(scenario), "blame-courier"), "offer")
    assert holds(PathCondition.model_validate(condition), run.path) is expected


def test_a_condition_must_say_something() -> None:
    with pytest.raises(ValueError, match="needs at least one of 'chose', 'never_chose', 'rated' or 'never_rated'"):
        PathCondition.model_validate({})
