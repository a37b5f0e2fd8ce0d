"""Phones type what they would say while the room votes; the projector lists the words without names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.conftest import as_read
from tests.app.conftest import own_database as own_database  # the fixture: a database per test

from .test_workshop_app import again, click, facilitator, join, open_a_room, present

pytestmark = pytest.mark.usefixtures("own_database")


def test_phones_type_and_the_projector_shows_the_rooms_words(own_database: Path) -> None:
    at = facilitator(own_database)
    code = open_a_room(at)
    present(at, code)
    click(at, "open-1")
    ann, bo = join(code, "Ann"), join(code, "Bo")
    for phone, typed in ((ann, "Calm down, it's our policy"), (bo, "I'm sorry, calm down. See www.evil.example")):
        again(phone)
        phone.text_area(key="room-reply-1").input(typed)
        click(phone, "FormSubmitter:room-reply-form-1-Send my words")
        assert "Your words are in. Send again to change them; send it empty to take them back." in [
            c.value for c in phone.caption]
    present(at, code)
    [words] = [e for e in at.expander if "The room's own words" in e.label]
    assert words.label == "The room's own words (2 replies)"
    shown = [as_read(m.value) for m in words.markdown]
    assert shown[0].replace("**", "") == "calm 2 · down 2 · evil · example · policy · see · sorry · www"
    assert "⚠️ “calm down” · 2" in shown
    assert "I'm sorry, calm down. See www.evil.example" in shown  # as typed, never a link
    assert not any("Ann" in line or "Bo" in line for line in shown)  # the projector never names who typed


def test_words_sent_after_the_reveal_are_refused_in_the_typed_box(own_database: Path) -> None:
    at = facilitator(own_database)
    code = open_a_room(at)
    present(at, code)
    click(at, "open-1")
    ann = join(code, "Ann")
    again(ann)
    ann.text_area(key="room-reply-1").input("I hear you")
    click(at, "reveal-1")  # the presenter reveals while Ann is still typing
    click(ann, "FormSubmitter:room-reply-form-1-Send my words")
    assert [as_read(w.value) for w in ann.warning] == [
        "Replies to this decision are closed. Wait for the facilitator to open the next one."]  # once, not twice
