"""The accessibility helpers' pure parts: the anger meter's semantics and words, the charts' text
alternatives, the data tables, and scripts that Streamlit's sanitiser lets through."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser

import pytest

from elearn.learner.chart_text import anger_text, progress_text, skills_text
from elearn.learner.mastery import SkillMastery
from elearn.manage.dashboard import ChoiceCount, DecisionCounts
from elearn.manage.team_chart_text import decision_text, heatmap_text
from elearn.workshop.rules import Verdict
from elearn.workshop.vote_text import split_text
from ui import a11y
from ui.anger import anger_meter_html, anger_words

# DOMPurify (Streamlit's st.html sanitiser) drops a whole <script> whose text holds this pattern.
DROPPED_BY_SANITISER = re.compile(r"<[/\w!]")


def script_body(html: str) -> str:
    match = re.fullmatch(r"<script[^>]*>(.*)</script>", html, re.DOTALL)
    assert match, html[:80]
    return match[1]


@pytest.mark.parametrize("script", [
    a11y.FRAME_SCRIPT,
    a11y._request_script(".st-key-feedback-0", None),
    a11y._request_script(None, "Your vote, B, is in."),
    a11y._request_script(".x", "</script><img src=x onerror=alert(1)> & <!-- -->"),
], ids=["frame", "focus", "announce", "hostile text"])
def test_scripts_pass_the_sanitiser_whole(script: str) -> None:
    body = script_body(script)
    assert not DROPPED_BY_SANITISER.search(body)
    assert "</script" not in body.lower()


def test_a_message_reaches_the_script_as_the_same_text() -> None:
    body = script_body(a11y._request_script(None, "Ann <3 & co"))
    assert 'message = "Ann \\u003c3 \\u0026 co"' in body


@pytest.mark.parametrize(("anger", "mood", "change", "words"), [
    (75, "angry", 10, "75 of 100, angry, up 10"),
    (40, "irritated", -15, "40 of 100, irritated, down 15"),
    (60, "angry", 0, "60 of 100, angry"),
])
def test_the_anger_meter_says_its_value_in_words(anger: int, mood: str, change: int, words: str) -> None:
    assert anger_words(anger, mood, change) == words


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("role"):
            self.found[str(values["role"])] = values


def test_the_anger_meter_is_a_meter_with_a_name_a_value_and_words() -> None:
    parser = _Attributes()
    parser.feed(anger_meter_html(75, "angry", 10))
    meter = parser.found["meter"]
    assert meter["aria-label"] == "Customer's anger"
    assert (meter["aria-valuemin"], meter["aria-valuemax"], meter["aria-valuenow"]) == ("0", "100", "75")
    assert meter["aria-valuetext"] == "75 of 100, angry, up 10"
    # Not colour alone: the mood names its own fill (a pattern as well as a colour, in ui.a11y.CSS).
    assert "elearn-anger-angry" in anger_meter_html(75, "angry", 10)
    for mood in ("calm", "irritated", "angry", "furious"):
        assert f".elearn-anger-{mood}" in a11y.CSS


MASTERIES = [SkillMastery("blame", 0.22, 0.1, 5), SkillMastery("follow", 0.82, 0.05, 8),
             SkillMastery("calm", 0.5, 0.3, 1)]
NAMES = {"blame": "No blame", "follow": "Follow-through", "calm": "Calm voice"}


def test_the_skills_chart_in_words_names_the_weakest_and_the_strongest() -> None:
    text = skills_text(MASTERIES, NAMES)
    assert text.summary == ("Weakest: No blame, 22%; strongest: Follow-through, 82%. "
                            "1 of 3 skills have not enough evidence yet (fewer than 3 answers).")
    assert text.columns == ("Skill", "Mastery", "Uncertainty", "Band", "Answers")
    assert text.rows[0] == ("No blame", "22%", "± 10%", "needs practice", "5")
    assert text.rows[2][1] == "not enough evidence yet"


def test_the_anger_curve_in_words() -> None:
    text = anger_text([70, 80, 40, 20], [70, 50, 10])
    assert text.summary == ("The customer's anger started at 70 of 100 and ended at 20 after 3 answers; the highest "
                            "was 80. The best path ends at 10 after 2 answers.")
    assert text.rows[-1] == ("After answer 3", "20", "")


def test_progress_heatmap_decisions_and_votes_in_words() -> None:
    assert progress_text([(datetime(2025, 1, 3), 0.4), (datetime(2025, 1, 6), 0.65)]).summary == \
        "Average mastery went from 40% on 03 Jan to 65% on 06 Jan."
    heat = heatmap_text([("Ana", {"blame": MASTERIES[0], "follow": MASTERIES[1]})], NAMES)
    assert heat.summary == ("1 learners by 3 skills. Lowest: Ana, No blame, 22%; highest: Ana, Follow-through, 82%. "
                            "1 cells have not enough evidence yet.")
    assert heat.rows == (("Ana", "22% (needs practice)", "82% (proficient)", "?"),)
    decision = decision_text(DecisionCounts(2, "n2", "Where is it?", (
        ChoiceCount("c1", "Sorry", 3, "good"), ChoiceCount("c2", "Calm down", 1, "poor"))))
    assert decision.summary == 'Decision 2: 4 first answers; the most taken, 3 (75%), was "Sorry", rated good.'
    votes = split_text(Verdict((("c1", 1), ("c2", 3)), "c2", ("c2",)), {"c1": "Sorry", "c2": "Let me check"})
    assert votes.summary == "The room's votes: A 1, B 3 (4 in all); most voted B."
    assert votes.rows[1] == ("B", "Let me check", "3", "75%")


def test_data_tables_have_headers_and_escape_every_cell() -> None:
    table = a11y.table_html("Skills <b>", ("Learner", "Skill"), (("<script>x</script>", "22%"),))
    assert '<caption>Skills &lt;b&gt;</caption>' in table
    assert '<th scope="col">Learner</th>' in table
    assert "<script>" not in table
    assert "&lt;script&gt;x&lt;/script&gt;" in table


def test_page_scripts_hold_no_stray_strings() -> None:
    """Streamlit's "magic" draws any bare string in a page script (a docstring under a constant
    appeared on the scenario page once): only each file's own docstring may stand alone."""
    import ast

    from .conftest import REPO

    stray = []
    for path in sorted((REPO / "pages").glob("*.py")):
        body = ast.parse(path.read_text(encoding="utf-8")).body
        stray += [f"{path.name}:{node.lineno}" for node in body[1:]
                  if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                  and isinstance(node.value.value, str)]
    assert not stray, f"bare strings Streamlit would draw: {stray}"
