"""The player's feedback and debrief on the fixture course's 'outage' scenario: the anger note, the
honest pass label, the debrief this path earns and "Where it turned"."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import FIXTURES

from .conftest import open_page, sign_up, texts

pytestmark = pytest.mark.usefixtures("own_database")


@pytest.fixture(autouse=True)
def fixture_course(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELEARN_COURSE_DIR", str(FIXTURES / "course"))


def choose(at: AppTest, choice_id: str) -> AppTest:
    [button] = [b for b in at.button if b.key and b.key.startswith("choice-") and b.key.endswith(f"-{choice_id}")]
    button.click().run()
    assert not at.exception
    return at


def play(*choices: str) -> AppTest:
    at = sign_up("ana")
    open_page(at, "scenario", scenario="outage")
    next(b for b in at.button if b.label == "Start the conversation").click().run()
    for choice_id in choices:
        choose(at, choice_id)
    return at


def test_the_feedback_explains_an_anger_move_when_the_author_did() -> None:
    at = play("policy")
    [feedback] = [w.value for w in at.warning]  # poor and partial: a warning
    assert "**The customer's anger:** Quoting the terms to an angry caller reads as a brush-off" in feedback


def test_a_good_ending_with_a_low_score_is_not_called_a_pass() -> None:
    at = play("policy", "transfer")  # poor + partial, then good: 50%, below the 70% pass mark
    # The ending, not the last answer's feedback:
    [box] = [w.value for w in at.warning if w.value.startswith("**") and not w.value.startswith("**Why")]
    assert box.startswith("**Handed over** · Escalated properly, with costly mistakes")
    assert [m.value for m in at.metric] == ["50%"]


def test_a_good_ending_with_a_high_score_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    at = play("acknowledge", "engineer", "promise")
    [box] = [s.value for s in at.success if s.value.startswith("**") and not s.value.startswith("**Why")]
    assert box.startswith("**Engineer booked** · Resolved\n\n")
    assert "Every first answer you gave was the best one on offer." in texts(at)


def test_the_pass_mark_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELEARN_PASS_THRESHOLD", "50")
    at = play("policy", "transfer")
    [box] = [s.value for s in at.success if s.value.startswith("**") and not s.value.startswith("**Why")]
    assert box.startswith("**Handed over** · Escalated properly\n\n")


def test_where_it_turned_sets_each_weak_first_answer_beside_the_better_one() -> None:
    at = play("policy", "transfer")
    shown = texts(at)
    assert "**Decision 1.** Marcus Bell: “Third time this month!”" in shown
    assert "**You said:** Our terms don't guarantee uptime." in shown
    assert "**Why it fell short:** A rule in answer to a complaint." in shown
    assert "**Better:** That is serious. Let me look now.\n\n**Why:** Naming the cost shows you heard him." in shown
    assert "Decision 2." not in shown  # the handover was the best answer there
