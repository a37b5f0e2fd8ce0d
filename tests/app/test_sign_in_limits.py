"""The sign-in page under guessing: the limit shows as a wait, never as a lock, and the right
password from elsewhere still signs in. (Every AppTest browser is one client: ``local``.)"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from elearn.store import create_user, open_store, upgrade
from elearn.store.accounts import SIGN_IN

from .conftest import PASSWORD, sign_in, texts

WAIT = re.compile(r"^Too many sign-in attempts\. Wait (\d+) seconds, then try again\.$")


def test_guessing_a_password_meets_a_wait_that_says_how_long(own_database: Path) -> None:
    store = open_store(None, own_database)
    upgrade(store)
    create_user(store, username="ana", display_name="Ana", password=PASSWORD, now=datetime.now(UTC))
    store.dispose()
    for _ in range(SIGN_IN.free):
        guess = sign_in("ana", "not the password")
        assert [e.value for e in guess.error] == [
            "That username and password don't match an account. Check them and try again."]
    held = sign_in("ana")  # even the right password waits now
    [message] = [e.value for e in held.error]
    found = WAIT.match(message)
    assert found, message
    assert 0 < int(found.group(1)) <= SIGN_IN.first_delay.total_seconds()
    assert "Welcome" not in texts(held)
