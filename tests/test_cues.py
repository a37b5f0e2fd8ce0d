"""Give-away cues and lazy learners: the figures, the four warnings, ``--strict`` and ``--simulate``.

Each fixture under tests/fixtures/cues/<rule>/ lays a three-decision scenario over the good
course that passes exactly one cue limit. tests/fixtures/lazy is a small course whose lazy-learner
results are worked out by hand in the comments at the top of its scenario files.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from elearn.cli.main import main
from elearn.course.catalogue import load_course
from elearn.course.cues import cue_warnings, decision_cues, scenario_cues, sum_cues, word_count
from elearn.course.schema import Node, Scenario
from elearn.course.yamlsource import YamlDocument
from elearn.play.lazy_learners import polite_count

from .conftest import FIXTURES

HINT = 'See docs/authoring.md, "Give-away cues and lazy learners".'
CASES = [
    ("cue-longest", "quizzes/mini.yaml:1:5: The best answer is the longest at 2 of 3 decisions (67%); above 40% a "
     "learner can pass by always picking the longest answer. Give some poor answers the length and detail of a real "
     f"mistake, and keep some best answers short. {HINT}"),
    ("cue-position", "quizzes/mini.yaml:1:5: The best answer is written as option 1 at 3 of 3 decisions (100%); above "
     "60% the written order gives the answer away wherever the choices are not shuffled. Vary where the best answer "
     f"is written among the choices. {HINT}"),
    ("cue-anger-drop", "quizzes/mini.yaml:1:5: The best answer is also the largest anger drop at 3 of 3 decisions "
     "(100%); above 80% the anger meter is a second score, not a customer. Let anger follow the story: a right but "
     "firm answer can anger a customer for a moment, a soothing wrong one can calm them; say why in 'anger_note'. "
     f"{HINT}"),
    ("cue-length-ratio", "quizzes/mini.yaml:1:5: All-good answers average 6.0 words and all-poor answers 2.0 (3.00 "
     "times as long); above 1.5 times, length gives the answer away. Write poor answers as fully as good ones: a real "
     f"mistake sounds reasonable. {HINT}"),
    ("cue-cheap-success", "quizzes/mini.yaml:65:9: The path 'system' → 'wait' → 'check' reaches the successful "
     "ending 'done' with a score of 33.3%; below 50% poor answers still lead to a good outcome. Route the poor answers "
     "on that path towards a worse ending, or split the ending so the debrief is true to the path (see "
     "docs/authoring.md, \"Endings true to the path\")."),
]


def run_check(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["check", *args], out=out)
    return code, out.getvalue()


def cue_course(tmp_path: Path, case: str) -> Path:
    """The good fixture course with the cue fixture ``case`` laid over it."""
    target = tmp_path / "course"
    shutil.copytree(FIXTURES / "course", target)
    shutil.copytree(FIXTURES / "cues" / case, target, dirs_exist_ok=True)
    return target


# --- the figures of one decision ------------------------------------------------------------

def node(*choices: tuple[str, str, dict[str, str], int]) -> Node:
    return Node.model_validate({"id": "n", "customer": "Well?", "choices": [
        {"id": cid, "say": say, "feedback": "Why.", "evidence": evidence, "anger": anger, "next": "end"}
        for cid, say, evidence, anger in choices]})


GOOD, PARTIAL, POOR = {"s": "good"}, {"s": "partial"}, {"s": "poor"}
DECISIONS = [
    # (case, node, (best is longest, best is largest drop, authored positions holding a best answer))
    ("best is first, longest and the largest drop",
     node(("a", "one two three", GOOD, -10), ("b", "one", POOR, 10)), (1, 1, (1, 0))),
    ("a tie for the longest between best and poor is no cue",
     node(("a", "one two", GOOD, 5), ("b", "one two", POOR, -5)), (0, 0, (1, 0))),
    ("a tie for the longest between two best answers is a cue",
     node(("a", "one two", GOOD, 0), ("b", "one two", GOOD, 0), ("c", "one", POOR, 5)), (1, 1, (1, 1, 0))),
    ("a tie for the largest drop between best and poor is no cue",
     node(("a", "one", GOOD, -10), ("b", "one two", POOR, -10)), (0, 0, (1, 0))),
    ("mean credit decides: good+poor (0.5) does not beat partial (0.5), good alone beats both",
     node(("a", "x", {"s": "good", "t": "poor"}, 0), ("b", "x y", PARTIAL, 0), ("c", "x y z", GOOD, 1)),
     (1, 0, (0, 0, 1))),
    ("answers that all earn the same credit have no best answer: no cue holds",
     node(("a", "one two three", PARTIAL, -10), ("b", "one", PARTIAL, 10)), (0, 0, (0, 0))),
]


@pytest.mark.parametrize(("case", "decision", "expected"), DECISIONS, ids=[case for case, _, _ in DECISIONS])
def test_decision_cues(case: str, decision: Node, expected: tuple[int, int, tuple[int, ...]]) -> None:
    figures = decision_cues(decision)
    assert (figures.best_longest, figures.best_largest_drop, figures.best_at) == expected
    assert figures.decisions == 1


def test_all_good_and_all_poor_answers_are_counted_apart_from_mixed_ones() -> None:
    figures = decision_cues(node(("a", "one two three four", GOOD, 0), ("b", "one two", POOR, 0),
                                 ("c", "one two three four five six", {"s": "good", "t": "poor"}, 0)))
    assert (figures.good_answers, figures.good_words, figures.poor_answers, figures.poor_words) == (1, 4, 1, 2)
    assert figures.length_ratio == 2.0


@pytest.mark.parametrize(("text", "words"), [
    ("That is serious. Let me look now.", 7), ("I'll brief my team leader — now.", 6), ("Don’t worry", 2),
    ("(Say nothing)", 2), ("£20 off, 3-4 days", 5), ("...", 0),
])
def test_word_count(text: str, words: int) -> None:
    assert word_count(text) == words


@pytest.mark.parametrize(("text", "polite"), [
    ("So sorry, thank you, please bear with me.", 3), ("Thanks, I really appreciated it", 2),
    ("I understand. I apologise, I’m sorry.", 3), ("Of course, I hear you, I'd be happy to.", 3),
    ("Understood, sorted", 0), ("Sorrow and thankless tasks", 0),
])
def test_polite_count(text: str, polite: int) -> None:
    assert polite_count(text) == polite


# --- the limits -----------------------------------------------------------------------------

def scenario(*decisions: list[tuple[str, str, int]]) -> Scenario:
    """Decisions n1, n2, ... in a row; each choice is (rating, say, anger); poor answers end it."""
    nodes = []
    for n, choices in enumerate(decisions, start=1):
        onward = f"n{n + 1}" if n < len(decisions) else "done"
        nodes.append({"id": f"n{n}", "customer": "Well?", "choices": [
            {"id": f"c{c}", "say": say, "feedback": "Why.", "evidence": {"s": rating}, "anger": anger,
             "next": "lost" if rating == "poor" else onward} for c, (rating, say, anger) in enumerate(choices)]})
    return Scenario.model_validate({
        "id": "limits", "title": "Limits", "version": 1, "summary": "At the limits.", "lessons": ["l"],
        "channel": "chat", "persona": {"name": "A", "description": "B"}, "start_anger": 50, "start": "n1",
        "nodes": nodes, "endings": [{"id": "done", "title": "Done", "outcome": "resolved", "debrief": "Good."},
                                    {"id": "lost", "title": "Lost", "outcome": "customer_lost", "debrief": "Bad."}]})


def good(words: int, anger: int) -> tuple[str, str, int]:
    return ("good", " ".join(["word"] * words), anger)


def poor(words: int, anger: int) -> tuple[str, str, int]:
    return ("poor", " ".join(["word"] * words), anger)


AT_THE_LIMITS = [  # best longest at 2 of 5 (40%), written first at 3 of 5 (60%), largest drop at 4 of 5 (80%)
    [good(3, -5), poor(2, 5)], [poor(2, 5), good(3, -5)], [good(2, -5), poor(3, 5)], [poor(3, 5), good(2, -5)],
    [good(2, 5), poor(3, -5)],
]
LIMITS = [
    ("exactly at every limit", AT_THE_LIMITS, []),
    ("longest at 3 of 5", [AT_THE_LIMITS[0], AT_THE_LIMITS[1], [good(4, -5), poor(3, 5)], *AT_THE_LIMITS[3:]],
     ["cue-longest"]),
    ("written first at 4 of 5", [AT_THE_LIMITS[0], [good(3, -5), poor(2, 5)], *AT_THE_LIMITS[2:]],
     ["cue-position"]),
    ("largest drop at 5 of 5", [*AT_THE_LIMITS[:4], [good(2, -5), poor(3, 5)]], ["cue-anger-drop"]),
    ("all-good answers exactly 1.5 times as long", [[good(3, 0), poor(2, 0), ("partial", "a b c d", -5)],
                                                   [poor(2, 0), ("partial", "a b c d", -5), good(3, 0)]], []),
    ("all-good answers just over 1.5 times as long", [[good(3, 0), poor(2, 0), ("partial", "a b c d", -5)],
                                                     [poor(2, 0), ("partial", "a b c d", -5), good(4, 0)]],
     ["cue-length-ratio"]),
]


@pytest.mark.parametrize(("case", "decisions", "rules"), LIMITS, ids=[case for case, _, _ in LIMITS])
def test_a_cue_warns_only_above_its_limit(case: str, decisions: list[list[tuple[str, str, int]]],
                                          rules: list[str]) -> None:
    warnings = cue_warnings(scenario(*decisions), YamlDocument(file="quizzes/limits.yaml", data=None))
    assert sorted(w.rule for w in warnings) == rules


# --- the warnings ---------------------------------------------------------------------------

def test_every_cue_fixture_has_a_case() -> None:
    assert {p.name for p in (FIXTURES / "cues").iterdir()} == {case for case, _ in CASES}


@pytest.mark.parametrize(("rule", "expected"), CASES, ids=[rule for rule, _ in CASES])
def test_cue_is_a_warning_that_skips_nothing(tmp_path: Path, rule: str, expected: str) -> None:
    course_dir = cue_course(tmp_path, rule)
    course = load_course(course_dir)
    assert [(w.rule, str(w)) for w in course.warnings] == [(rule, expected)]
    assert course.ok
    assert course.problems == ()
    assert course.scenario("mini") is not None
    assert course.skipped == ()
    code, output = run_check(str(course_dir))
    assert code == 0
    assert output.splitlines() == [f"warning: {expected}", f"OK with 1 warning: 3 skills, 1 lesson, 2 scenarios "
                                   f"(0 capstones) in {course_dir}"]


@pytest.mark.parametrize(("rule", "expected"), CASES, ids=[rule for rule, _ in CASES])
def test_strict_makes_the_cue_an_error(tmp_path: Path, rule: str, expected: str) -> None:
    course_dir = cue_course(tmp_path, rule)
    code, output = run_check(str(course_dir), "--strict")
    assert code == 1
    assert output.splitlines() == [expected, f"1 problem: 3 skills, 1 lesson, 2 scenarios (0 capstones) in "
                                   f"{course_dir}"]
    code, output = run_check(str(course_dir), "--strict", "--json")
    summary = json.loads(output)
    assert (code, summary["ok"], summary["strict"]) == (1, False, True)
    assert [w["rule"] for w in summary["warnings"]] == [rule]


def test_the_good_course_has_no_cues_even_when_strict() -> None:
    assert load_course(FIXTURES / "course").warnings == ()
    code, output = run_check(str(FIXTURES / "course"), "--strict")
    assert code == 0
    assert output.startswith("OK: 3 skills, 1 lesson, 1 scenario (0 capstones)")


def test_problems_still_fail_and_warnings_are_listed_beside_them(course_copy: Any) -> None:
    course_dir = course_copy("unknown-skill-in-lesson")  # a problem in content/02-more.md
    shutil.copytree(FIXTURES / "cues" / "cue-position", course_dir, dirs_exist_ok=True)
    code, output = run_check(str(course_dir))
    lines = output.splitlines()
    assert code == 1
    assert lines[0].startswith("content/02-more.md:5:10: 'empaty' is not a known skill")
    assert lines[1] == f"warning: {dict(CASES)['cue-position']}"
    assert lines[-1].startswith("1 problem with 1 warning: ")


# --- the figures in --json ------------------------------------------------------------------

def test_json_reports_the_cue_figures_per_scenario_and_for_the_course(tmp_path: Path) -> None:
    code, output = run_check(str(cue_course(tmp_path, "cue-longest")), "--json")
    summary = json.loads(output)
    assert (code, summary["ok"], summary["strict"]) == (0, True, False)
    mini = next(s for s in summary["scenarios"] if s["id"] == "mini")
    # first: 'check' (6 words, -10) beats 'shrug' (4, +10); second: 'book' (6, +5) is longest, 'wait' (-5) drops more;
    # third: 'call' (4, -10) is the shortest of three. Good answers 6, 6, 4 words; poor ones 4, 5, 7, 5.
    assert mini["cues"] == {
        "decisions": 3, "best_longest": 2, "best_longest_percent": 66.7,
        "best_position": 1, "best_at_position": 1, "best_at_position_percent": 33.3,
        "best_largest_drop": 2, "best_largest_drop_percent": 66.7,
        "good_answers": 3, "good_mean_words": 5.3, "poor_answers": 4, "poor_mean_words": 5.2, "length_ratio": 1.02,
    }
    # Pooled with 'outage' (4 decisions: longest 1, best written first 2 and second 2, largest drop 3;
    # good answers 7+7+7+9 words, poor ones 12+11).
    assert summary["cues"] == {
        "decisions": 7, "best_longest": 3, "best_longest_percent": 42.9,
        "best_position": 1, "best_at_position": 3, "best_at_position_percent": 42.9,
        "best_largest_drop": 5, "best_largest_drop_percent": 71.4,
        "good_answers": 7, "good_mean_words": 6.6, "poor_answers": 6, "poor_mean_words": 7.3, "length_ratio": 0.9,
    }
    [warning] = summary["warnings"]
    assert (warning["file"], warning["line"], warning["column"], warning["rule"]) == ("quizzes/mini.yaml", 1, 5,
                                                                                    "cue-longest")
    assert warning["message"].startswith("The best answer is the longest at 2 of 3 decisions (67%)")


def test_course_figures_pool_decisions_not_scenarios(tmp_path: Path) -> None:
    course = load_course(cue_course(tmp_path, "cue-length-ratio"))
    pooled = sum_cues(scenario_cues(s) for s in course.scenarios)
    assert pooled.decisions == 7
    assert pooled.best_at == (3, 3, 1)  # outage: 1, 2, 1, 2; mini: 1, 2, 3
    assert pooled.same_position == (1, 3)  # a tie between positions 1 and 2: the earliest


# --- lazy learners --------------------------------------------------------------------------

LAZY = FIXTURES / "lazy"


def test_lazy_learners_follow_the_real_routing_and_the_pass_rule() -> None:
    code, output = run_check(str(LAZY), "--simulate", "300", "--seed", "3", "--json")
    assert code == 0
    lazy = json.loads(output)["simulation"]["lazy_learners"]
    assert lazy["pass_threshold"] == 70.0

    def figures(strategy: str) -> tuple[Any, ...]:
        result = lazy[strategy]
        return (result["walks"], result["mean_score"], result["successful_scenarios"], result["passed_scenarios"],
                {sid: (play["mean_score"], play["endings"]) for sid, play in result["per_scenario"].items()})

    # refund: the longest answer (16 words, +20) takes the anger to 70 and the branch to 'lost'.
    assert figures("longest") == (1, 12.5, 0, 0, {"refund": (0.0, {"lost": 1}), "handover": (25.0, {"lost": 1})})
    assert figures("shortest") == (1, 50.0, 1, 1, {"refund": (100.0, {"done": 1}), "handover": (0.0, {"lost": 1})})
    # refund: 'sorry' (3 polite words) then 'voucher' (2): two partials, a success at 50% that is not passed.
    assert figures("polite") == (1, 37.5, 1, 0, {"refund": (50.0, {"done": 1}), "handover": (25.0, {"lost": 1})})

    first = lazy["first-shown"]
    assert first["walks"] == 300
    # handover: two options are pinned last, so 'brief' is always shown first.
    assert first["per_scenario"]["handover"] == {"walks": 300, "mean_score": 100.0, "endings": {"handed": 300},
                                                 "successes": 300, "passed": 300, "unfinished": 0}
    # refund is shuffled: each of its answers comes first in some walks (expected: 5/9 end well, 4/9 pass).
    refund = first["per_scenario"]["refund"]
    assert set(refund["endings"]) == {"done", "lost"}
    assert 0 < refund["passed"] < refund["successes"] < 300
    assert first["successful_scenarios"] == round(1 + refund["successes"] / 300, 2)


def test_lazy_learners_are_repeatable_by_seed() -> None:
    first = run_check(str(LAZY), "--simulate", "50", "--seed", "1", "--json")
    again = run_check(str(LAZY), "--simulate", "50", "--seed", "1", "--json")
    other = run_check(str(LAZY), "--simulate", "50", "--seed", "2", "--json")

    def shown(result: tuple[int, str]) -> Any:
        return json.loads(result[1])["simulation"]["lazy_learners"]["first-shown"]

    assert shown(first) == shown(again)
    assert shown(first) != shown(other)


def test_lazy_learners_in_text() -> None:
    code, output = run_check(str(LAZY), "--simulate", "300", "--seed", "3")
    lines = output.splitlines()
    start = lines.index("Lazy learners (passed: a successful ending and a score of at least 70%; first answer "
                        "shown: 300 walks per scenario, seed 3)")
    assert lines[start + 1:start + 4] == [
        "  always the longest answer: mean score 12.5%; 0 of 2 scenarios end in success, 0 passed",
        "  always the shortest answer: mean score 50.0%; 1 of 2 scenarios end in success, 1 passed",
        "  always the most polite answer: mean score 37.5%; 1 of 2 scenarios end in success, 0 passed",
    ]
    assert lines[start + 4].startswith("  always the first answer shown: mean score ")
    assert "scenarios end in success, " in lines[start + 4]
    assert code == 0


def test_no_lazy_learners_without_simulate() -> None:
    summary = json.loads(run_check(str(LAZY), "--json")[1])
    assert "simulation" not in summary
