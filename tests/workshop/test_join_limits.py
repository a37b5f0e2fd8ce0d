"""Joining a room under guessing: wrong codes from one client meet a wait, counted before the
code is looked up, so the right code guessed later is refused too until the wait is over.
(Every AppTest phone is one client: ``local``.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from elearn.store.joining import CODE_GUESSES
from tests.app.conftest import as_read, new_app, open_page
from tests.app.conftest import own_database as own_database  # the fixture: a database per test

from .test_workshop_app import click, facilitator, open_a_room

pytestmark = pytest.mark.usefixtures("own_database")
WAIT = re.compile(r"^Too many tries to join from this network\. Wait (\d+) seconds, then try again\.$")


def try_code(code: str) -> AppTest:
    phone = open_page(new_app().run(), "join")
    phone.text_input(key="join-code").input(code)
    phone.text_input(key="join-nickname").input("Guesser")
    return click(phone, "FormSubmitter:join-Join")


def test_wrong_codes_from_one_client_meet_a_wait(own_database: Path) -> None:
    code = open_a_room(facilitator(own_database))
    for guess in range(CODE_GUESSES.free):
        wrong = f"ZZZZZ{'23456789ABCDEFGH'[guess]}"
        [message] = [as_read(e.value) for e in try_code(wrong).error]  # escaped: it quotes what was typed
        assert message.startswith(f"There is no workshop room with the code {wrong}."), message
    held = try_code(code)
    [message] = [e.value for e in held.error]
    found = WAIT.match(message)
    assert found, message
    assert 0 < int(found.group(1)) <= CODE_GUESSES.first_delay.total_seconds()
    assert "p" not in held.query_params
