"""One participant per browser per room, and the cap on participants, through the join page
(AppTest: one AppTest session is one browser; the cookie across tabs is in the browser test)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from elearn.store.rooms import room_state
from tests.app.conftest import as_read, new_app, open_page, texts
from tests.app.conftest import own_database as own_database  # the fixture: a database per test

from .test_workshop_app import B, click, database_of, facilitator, join, open_a_room, present, user_named, vote

pytestmark = pytest.mark.usefixtures("own_database")


def joined(at: AppTest, code: str) -> int:
    store = database_of(at)
    return room_state(store, user_named(store, "fran"), code).participants


@pytest.fixture
def room(own_database: Path) -> tuple[AppTest, str]:
    at = facilitator(own_database)
    return at, open_a_room(at)


def type_and_join(phone: AppTest, code: str, nickname: str) -> AppTest:
    phone.text_input(key="join-code").input(code)
    phone.text_input(key="join-nickname").input(nickname)
    return click(phone, "FormSubmitter:join-Join")


def test_the_qr_link_opened_again_brings_back_the_same_participant(room: tuple[AppTest, str]) -> None:
    at, code = room
    present(at, code)
    click(at, "open-1")
    ann = vote(join(code, "Ann"), B)
    token = ann.query_params["p"]
    open_page(ann, "join", room=code)  # the same browser scans the QR code again
    assert "you are **Ann**" in texts(ann)
    assert not ann.text_input  # no join form: it is already in
    assert ann.query_params["p"] == token
    assert joined(at, code) == 1


def test_a_second_join_from_the_same_browser_adds_no_voter(room: tuple[AppTest, str]) -> None:
    at, code = room
    present(at, code)
    click(at, "open-1")
    ann = vote(join(code, "Ann"), B)
    open_page(ann, "join")  # the bare join page: type the code and another nickname
    type_and_join(ann, code.lower(), "Bob")
    assert "you are **Ann**" in texts(ann)  # the same participant, under its first nickname
    assert joined(at, code) == 1
    present(at, code)
    assert [m.value for m in at.metric] == ["1 of 1"]  # Ann's one vote, not a second voter


def test_another_browser_is_another_participant(room: tuple[AppTest, str]) -> None:
    at, code = room
    join(code, "Ann")
    other = open_page(new_app().run(), "join", room=code)
    assert [t.key for t in other.text_input] == ["join-code", "join-nickname"]
    type_and_join(other, code, "Bob")
    assert "you are **Bob**" in texts(other)
    assert joined(at, code) == 2


def test_a_full_room_says_so_and_takes_no_one_else(room: tuple[AppTest, str], monkeypatch: pytest.MonkeyPatch
                                                   ) -> None:
    monkeypatch.setenv("ELEARN_ROOM_MAX_PARTICIPANTS", "2")
    at, code = room
    ann, _ = join(code, "Ann"), join(code, "Bob")
    cy = open_page(new_app().run(), "join", room=code)
    type_and_join(cy, code, "Cy")
    assert [as_read(e.value) for e in cy.error] == [  # escaped: it quotes the code
        f"The workshop room {code} is full: it has 2 participants, the most a room takes on this server. Tell the "
        "facilitator: they can open a second room for the others."]
    assert [t.key for t in cy.text_input] == ["join-code", "join-nickname"]
    assert joined(at, code) == 2
    open_page(ann, "join", room=code)  # someone already in still gets back in
    assert "you are **Ann**" in texts(ann)


@pytest.mark.parametrize("setting", ["abc", "0", "-3", "²"])
def test_a_cap_setting_that_is_no_whole_number_is_reported_and_nobody_joins_on_a_guess(
        room: tuple[AppTest, str], monkeypatch: pytest.MonkeyPatch, setting: str) -> None:
    """Like every malformed setting (``elearn.settings``): the server refuses to start with it, and a page
    that meets one while running says which setting to fix instead of guessing a cap."""
    at, code = room
    phone = new_app().run()
    open_page(phone, "join", room=code)
    phone.text_input(key="join-nickname").input("Ann")
    monkeypatch.setenv("ELEARN_ROOM_MAX_PARTICIPANTS", setting)  # set while the server runs
    click(phone, "FormSubmitter:join-Join")
    assert [as_read(e.value) for e in phone.error] == [
        f"ELEARN_ROOM_MAX_PARTICIPANTS is '{setting}': expected a whole number of 1 or more, like 200."]
    monkeypatch.delenv("ELEARN_ROOM_MAX_PARTICIPANTS")
    assert joined(at, code) == 0
