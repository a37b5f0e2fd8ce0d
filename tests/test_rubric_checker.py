"""The checker on rubric files: one broken rubric per rule, each reported at file:line:column.

Each case writes ``content/rubric.yaml`` into a copy of the good fixture course; a bad entry
skips only itself, so the good entries of the same file stay usable.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from elearn.cli.main import main
from elearn.course.catalogue import load_course

CHANNELS = """channels:
  chat: 90
  email: 200
  phone: 60
  in_person: 60
  internal: 90
"""

GOOD_ENTRY = """  - id: calm-down
    kind: inflaming
    patterns: ["calm down"]
    skills: [empathy]
    lesson: calm-basics
    noticed: It sounds like an order.
"""


def entry(**changes: str) -> str:
    fields = {"id": "blame", "kind": "inflaming", "patterns": '["your fault"]', "skills": "[empathy]",
              "lesson": "calm-basics", "noticed": "It blames them."}
    fields.update(changes)
    lines = [f"    {key}: {value}" for key, value in fields.items() if value != "-"]
    return "  - " + "\n".join(lines)[4:] + "\n"


CASES = [
    ("unknown-skill", CHANNELS + "phrases:\n" + GOOD_ENTRY + entry(skills="[empahty]"),
     "content/rubric.yaml:17:14: Phrase 'blame' names the skill 'empahty', which is not in content/skills.yaml. "
     "Did you mean 'empathy'?"),
    ("unknown-lesson", CHANNELS + "phrases:\n" + GOOD_ENTRY + entry(lesson="calm-basic"),
     "content/rubric.yaml:18:13: Phrase 'blame' links the lesson 'calm-basic', which does not exist (or was "
     "skipped for its problems). Did you mean 'calm-basics'?"),
    ("blank-pattern", CHANNELS + "phrases:\n" + GOOD_ENTRY + entry(patterns='["  "]'),
     "content/rubric.yaml:16:16: Pattern 1 of phrase 'blame' has no words to match. Write the words, like "
     "'calm down'."),
    ("pattern-without-words", CHANNELS + "phrases:\n" + GOOD_ENTRY + entry(patterns='["!!!"]'),
     "content/rubric.yaml:16:16: Pattern 1 of phrase 'blame' has no words to match. Write the words, like "
     "'calm down'."),
    ("unknown-class", CHANNELS + "phrases:\n" + GOOD_ENTRY + entry(patterns='["by {weekday}"]'),
     "content/rubric.yaml:16:16: Pattern 'by {weekday}' of phrase 'blame' uses {weekday}, which is not a word "
     "class. Known classes: {customer}, {day}, {clock}, {number}."),
    ("duplicate-id", CHANNELS + "phrases:\n" + GOOD_ENTRY + entry(id="calm-down"),
     "content/rubric.yaml:14:9: The phrase id 'calm-down' appears twice in the rubric. Give each phrase an id of "
     "its own."),
    ("flags-good-answer", CHANNELS + "phrases:\n" + GOOD_ENTRY + entry(patterns='["let me look"]'),
     "content/rubric.yaml:16:15: The inflaming pattern 'let me look' of phrase 'blame' matches “Let me look” in the "
     "good answer 'acknowledge' of node 'opening' in scenario 'outage'. Make the pattern more specific, or check the "
     "answer's rating."),
    ("unknown-kind", CHANNELS + "phrases:\n" + GOOD_ENTRY + entry(kind="rude"),
     "content/rubric.yaml:15:11: Phrase 'blame': 'kind' is 'rude', which is not one of: inflaming, helpful."),
    ("missing-noticed", CHANNELS + "phrases:\n" + GOOD_ENTRY + entry(noticed="-"),
     "content/rubric.yaml:14:5: Phrase 'blame' is missing the required field 'noticed'. Add 'noticed: ...' "
     "(see docs/authoring.md)."),
    ("unknown-top-key", CHANNELS + "phrases:\n" + GOOD_ENTRY + "phrasez: []\n",
     "content/rubric.yaml:14:1: Unknown key 'phrasez' at the top of the rubric. Did you mean 'phrases'?"),
    ("missing-channel", CHANNELS.replace("  email: 200\n", "") + "phrases:\n" + GOOD_ENTRY,
     "content/rubric.yaml:2:3: 'channels' is missing the required field 'email'. Add 'email: ...' (see "
     "docs/authoring.md)."),
]


@pytest.fixture
def with_rubric(course_copy: Callable[..., Path]) -> Callable[[str], Path]:
    def make(text: str) -> Path:
        root = course_copy()
        (root / "content" / "rubric.yaml").write_text(text, encoding="utf-8")
        return root

    return make


def test_a_good_rubric_loads(with_rubric: Callable[[str], Path]) -> None:
    course = load_course(with_rubric(CHANNELS + "phrases:\n" + GOOD_ENTRY + entry()))
    assert course.problems == ()
    assert course.rubric is not None
    assert [p.id for p in course.rubric.phrases] == ["calm-down", "blame"]
    assert course.rubric.norm("chat") == 90


def test_a_course_without_a_rubric_has_none(course_copy: Callable[..., Path]) -> None:
    course = load_course(course_copy())
    assert course.ok
    assert course.rubric is None


@pytest.mark.parametrize(("case", "text", "expected"), CASES, ids=[case for case, _, _ in CASES])
def test_rubric_problem_is_reported_precisely(with_rubric: Callable[[str], Path], case: str, text: str,
                                              expected: str) -> None:
    root = with_rubric(text)
    out = io.StringIO()
    assert main(["check", str(root)], out=out) == 1
    assert expected in out.getvalue().splitlines(), out.getvalue()
    course = load_course(root)
    assert [str(p) for p in course.problems] == [expected]
    if course.rubric is not None:  # the good entry survives a bad one beside it
        assert "calm-down" in [p.id for p in course.rubric.phrases]
        assert "blame" not in [p.id for p in course.rubric.phrases] or case == "duplicate-id"


def test_every_rubric_problem_in_the_file_is_reported_together(with_rubric: Callable[[str], Path]) -> None:
    course = load_course(with_rubric(CHANNELS + "phrases:\n" + entry(skills="[empahty]", lesson="nope") +
                                     entry(id="two", patterns='["!!!"]')))
    assert sorted(p.rule for p in course.problems) == ["empty-pattern", "unknown-lesson", "unknown-skill"]


def test_a_rubric_that_is_not_a_mapping(with_rubric: Callable[[str], Path]) -> None:
    course = load_course(with_rubric("- just\n- a list\n"))
    assert [str(p) for p in course.problems] == [
        "content/rubric.yaml:1:1: The rubric must hold 'channels:' and a list under 'phrases:'. See "
        "docs/authoring.md for an example."]
    assert course.rubric is None
