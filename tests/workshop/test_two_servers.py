"""Two real app processes share one database (a SQLite file, or PostgreSQL): phones vote through
one, and the presenter on the other sees every vote, then the split. No room state lives in a
process, so a sticky load balancer can spread a workshop over several."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from elearn.play.engine import start
from elearn.store import Role, create_user, upgrade
from elearn.store.rooms import open_room, room_summary
from elearn.workshop.rules import letter
from tests.browser.conftest import start_server, stop_server
from tests.databases import make_target
from tests.store.helpers import NOW, PASSWORD, POSTGRESQL, SQLITE

from .conftest import FIRST, SCENARIO
from .screens import join, new_page, present, press, sign_in, tallies, vote, wait_for_ballot, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
A, B = FIRST.choices[0].id, FIRST.choices[1].id


@pytest.mark.parametrize("backend", [SQLITE, POSTGRESQL])
def test_votes_through_one_server_reach_the_presenter_on_another(
    backend: str, tmp_path: Path, browser: Any,
) -> None:
    with make_target(backend, tmp_path) as target:
        store = target.open()
        upgrade(store)
        fran = create_user(store, username="fran", display_name="Fran", password=PASSWORD, now=NOW,
                           roles=(Role.FACILITATOR, Role.LEARNER))
        room = open_room(store, fran, scenario_id=SCENARIO.id, scenario_version=SCENARIO.version,
                         run_json=start(SCENARIO).to_json(), now=NOW)
        shared = {"ELEARN_DATABASE_URL": target.url} if backend == "postgresql" else {}
        phones_server = start_server(target.data_dir, tmp_path / "phones.log", shared)
        presenter_server = start_server(target.data_dir, tmp_path / "presenter.log", shared)
        contexts = []
        try:
            context, presenter = new_page(browser, phone=False)
            contexts.append(context)
            sign_in(presenter, presenter_server.url, "fran")
            present(presenter, presenter_server.url, room.code)
            phones = []
            for name in ("Ann", "Bob", "Cy"):
                context, phone = new_page(browser, phone=True)
                contexts.append(context)
                join(phone, phones_server.url, room.code, name)
                phones.append(phone)
            presenter.get_by_text("3 joined").wait_for()

            press(presenter, "open-1")
            presenter.get_by_text("0 of 3").wait_for()
            for phone, choice_id in zip(phones, (A, A, B), strict=True):
                wait_for_ballot(phone, 1, {c.id for c in FIRST.choices})
                vote(phone, 1, choice_id)
            # The presenter's process never saw these votes: it reads them from the shared database.
            presenter.get_by_text("3 of 3").wait_for()
            vote(phones[0], 1, B)  # a change of mind, through the other process
            press(presenter, "reveal-1")
            presenter.locator("[data-testid='stPlotlyChart']").wait_for()
            shown = start(SCENARIO).choices_shown()  # the room's order (its run's seed)
            expected = {letter(shown, c.id): {A: 1, B: 2}.get(c.id, 0) for c in shown}
            wait_until(presenter, lambda: tallies(presenter) == expected,
                       f"the revealed split {expected} on the presenter")
            press(presenter, "majority-1")
            presenter.get_by_text("Decision 2").wait_for()
            [decided] = room_summary(store, fran, room.code).decisions
            assert (decided.choice_id, decided.votes) == (B, {A: 1, B: 2})
        finally:
            for context in contexts:
                context.close()
            stop_server(phones_server)
            stop_server(presenter_server)
