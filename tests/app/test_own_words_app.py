"""'Say it your way' in the player (AppTest): the toggle, typing before the answers, the answers after,
the run going on with the chosen answer, the reply stored with it, and the feedback on the words."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from elearn.store import create_admin, get_user, open_store, typed_replies_for
from tests.conftest import FIXTURES
from ui.text import WORD_JOINER

from .conftest import PASSWORD, as_read, open_page, sign_up, texts

pytestmark = pytest.mark.usefixtures("own_database")
TYPED = "Please calm down, sir. Let me check: see https://evil.example/x and *this* [link](http://a.b)"


@pytest.fixture(autouse=True)
def course_with_rubric(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    course = tmp_path / "course"
    shutil.copytree(FIXTURES / "course", course)
    shutil.copytree(FIXTURES / "own_words", course, dirs_exist_ok=True)
    monkeypatch.setenv("ELEARN_COURSE_DIR", str(course))
    return course


def choice_buttons(at: AppTest) -> list[str]:
    return [b.key for b in at.button if b.key and b.key.startswith("choice-")]


def started(mode: bool) -> AppTest:
    at = sign_up("ana")
    open_page(at, "scenario", scenario="outage")
    if mode:
        at.toggle(key="own-words-here").set_value(True).run()
    next(b for b in at.button if b.label == "Start the conversation").click().run()
    assert not at.exception
    return at


def test_without_the_mode_the_answers_show_at_once() -> None:
    at = started(mode=False)
    assert len(choice_buttons(at)) == 2
    assert not at.text_area


def test_type_first_then_pick_the_closest_answer_then_feedback_on_the_words() -> None:
    at = started(mode=True)
    assert choice_buttons(at) == []  # the answers wait for the learner's own words
    [box] = at.text_area
    assert box.label == "What would you say? Type it as you would say it."  # a phone call: spoken
    at.button(key="FormSubmitter:own-words-1-0-Show the answers").click().run()
    assert "Type what you would say first: a few words are enough." in [w.value for w in at.warning]
    assert choice_buttons(at) == []

    at.text_area[0].input(TYPED)
    at.button(key="FormSubmitter:own-words-1-0-Show the answers").click().run()
    assert len(choice_buttons(at)) == 2
    assert "**Which answer is closest to what you meant?**" in [m.value for m in at.markdown]
    [policy] = [b for b in at.button if b.key and b.key.endswith("-policy")]
    policy.click().run()
    assert not at.exception

    shown = texts(at)
    read = [as_read(m.value).replace(WORD_JOINER, "") for m in at.markdown]
    assert "What we noticed in your words" in read
    assert "⚠️ Can inflame: “calm down”. Telling someone to calm down sounds like an order." in read
    assert "✅ Tends to help: “Let me check”. You took the next step on yourself." in read
    assert any(line.startswith("Your reply has 12 words, within the 60 a phone call reply usually takes.")
               and "It asks no question." in line for line in read)
    assert TYPED in read  # what the learner typed reads back exactly as typed
    # The learner's text is shown escaped: no link, emphasis or address becomes Markdown.
    [quote] = [m.value for m in at.markdown if m.value.startswith("> ")]
    assert "https\u2060\\:" in quote
    assert "\\*this\\*" in quote
    assert "\\[link\\]" in quote
    assert "Our terms don't guarantee uptime." in shown  # the run went on with the chosen answer


def test_the_reply_is_stored_with_the_answer(own_database: Path) -> None:
    at = started(mode=True)
    at.text_area[0].input("Calm down.")
    at.button(key="FormSubmitter:own-words-1-0-Show the answers").click().run()
    [good] = [b for b in at.button if b.key and b.key.endswith("-acknowledge")]
    good.click().run()
    store = open_store(None, own_database)
    ana = get_user(store, create_admin(store, "auditor", PASSWORD, datetime.now(UTC)), 1)
    assert ana.username == "ana"
    assert [(r.node_id, r.choice_id, r.text) for r in typed_replies_for(store, ana, ana.id)] == [
        ("opening", "acknowledge", "Calm down.")]


def test_the_mode_is_remembered_for_the_learner() -> None:
    at = started(mode=True)
    open_page(at, "scenario", scenario="outage")
    assert at.toggle(key="own-words-here").value is True
    assert at.toggle(key="own-words-everywhere").value is False


def test_no_rubric_no_mode(course_with_rubric: Path) -> None:
    (course_with_rubric / "content" / "rubric.yaml").unlink()
    at = sign_up("ana")
    open_page(at, "scenario", scenario="outage")
    assert not at.toggle
