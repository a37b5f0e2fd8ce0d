"""One participant per browser, in a real browser (Debian Chromium): a phone joins, then opens the
QR link again in a new tab and reloads it; the browser's cookie brings back the same participant
each time, and the room counts one voter. Another phone is another participant."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from elearn.play.engine import start
from elearn.store import Role, Store, create_user, open_store, upgrade
from elearn.store.rooms import open_room
from elearn.store.tables import RoomParticipantRow
from tests.browser.conftest import Server, shot
from tests.browser.conftest import server as server  # the fixture: the app on a free port, its own database
from tests.store.helpers import NOW, PASSWORD
from ui.participant import BROWSER_COOKIE

from .conftest import SCENARIO
from .screens import join, new_page, text_of, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def participants(store: Store) -> int:
    return store.read(lambda conn: conn.scalar(select(func.count()).select_from(RoomParticipantRow))) or 0


def test_the_same_browser_stays_one_participant_across_tabs_and_reloads(server: Server, browser: Any) -> None:
    store = open_store(None, Path(server.data_dir))
    upgrade(store)
    fran = create_user(store, username="fran", display_name="Fran", password=PASSWORD, now=NOW,
                       roles=(Role.FACILITATOR,))
    code = open_room(store, fran, scenario_id=SCENARIO.id, scenario_version=SCENARIO.version,
                     run_json=start(SCENARIO).to_json(), now=NOW).code
    phone, page = new_page(browser, phone=True)
    other_phone, other = new_page(browser, phone=True)
    try:
        join(page, server.url, code, "Ann")
        wait_until(page, lambda: any(c["name"] == BROWSER_COOKIE for c in phone.cookies()), "the browser's cookie")
        [cookie] = [c for c in phone.cookies() if c["name"] == BROWSER_COOKIE]
        assert (cookie["sameSite"], cookie["path"]) == ("Lax", "/")
        assert participants(store) == 1

        again = phone.new_page()  # the QR link again, in a new tab of the same browser
        again.goto(f"{server.url}/join?room={code}")
        again.get_by_text("you are").wait_for()
        assert "you are Ann" in text_of(again)
        assert again.locator(".st-key-join-nickname").count() == 0
        wait_until(again, lambda: "p=" in again.url, "the participant token in the URL")
        again.reload()
        again.get_by_text("you are").wait_for()
        assert "you are Ann" in text_of(again)
        assert participants(store) == 1

        join(other, server.url, code, "Bob")  # another phone is another participant
        assert "you are Bob" in text_of(other)
        assert participants(store) == 2
        shot(again, "workshop-one-browser-rejoined")
    except BaseException:
        shot(page, "failure-one-browser")
        raise
    finally:
        phone.close()
        other_phone.close()
        store.dispose()
