"""The strict YAML reader: positions, duplicate keys, ambiguous booleans."""

from __future__ import annotations

import pytest

from elearn.course.yamlsource import read_yaml


def test_positions_of_values_and_keys() -> None:
    doc = read_yaml("a: 1\nlist:\n  - x: yes-please\n    z: [1, 2]\n", "f.yaml")
    assert doc.data == {"a": 1, "list": [{"x": "yes-please", "z": [1, 2]}]}
    assert doc.positions[("a",)] == (1, 4)
    assert doc.key_positions[("list", 0, "z")] == (4, 5)
    assert doc.positions[("list", 0, "z", 1)] == (4, 12)
    assert doc.problems == []


@pytest.mark.parametrize("word", ["yes", "No", "on", "OFF", "y", "n"])
def test_yes_no_on_off_stay_text_and_are_flagged(word: str) -> None:
    doc = read_yaml(f"answer: {word}\n", "f.yaml")
    assert doc.data == {"answer": word}
    [problem] = doc.problems
    assert (problem.rule, problem.line, problem.column) == ("ambiguous-boolean", 1, 9)


@pytest.mark.parametrize(("text", "value"), [("true", True), ("False", False), ('"no"', "no"), ("'on'", "on")])
def test_true_false_and_quoted_words(text: str, value: object) -> None:
    doc = read_yaml(f"flag: {text}\n", "f.yaml")
    assert doc.data == {"flag": value}
    assert doc.problems == []


def test_duplicate_keys_are_reported_with_both_lines() -> None:
    doc = read_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert doc.data == {"a": 1, "b": 2}
    [problem] = doc.problems
    assert str(problem).startswith("f.yaml:3:1: Key 'a' appears twice in the same mapping (first on line 1).")


def test_line_offset_for_front_matter() -> None:
    doc = read_yaml("a: [1\n", "lesson.md", line_offset=1)
    assert doc.data is None
    [problem] = doc.problems
    assert (problem.rule, problem.line) == ("yaml-syntax", 3)


def test_several_documents_are_a_syntax_error() -> None:
    doc = read_yaml("a: 1\n---\nb: 2\n", "f.yaml")
    assert doc.data is None
    assert doc.problems[0].rule == "yaml-syntax"


def test_an_ambiguous_key_is_flagged_too() -> None:
    # `on:` as a key is the classic trap: YAML 1.1 tools read it as the boolean true.
    doc = read_yaml("on: push\n", "f.yaml")
    assert doc.data == {"on": "push"}
    assert [p.rule for p in doc.problems] == ["ambiguous-boolean"]
