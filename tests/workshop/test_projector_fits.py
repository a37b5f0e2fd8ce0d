"""The presenter view fits a projector with no scrolling, at 1280×720 and at 1920×1080, in every
state of a room: waiting for joins with the QR code, a decision with four answers, voting, the
reveal, the consequence of the last answer beside the next decision, and the room's debrief.

Phones vote straight through the store (the server shares its database), so the test spends its
time on the presenter's screen. Real browser: Debian Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from elearn.course.schema import Scenario
from elearn.play.engine import choose, from_json
from elearn.store import Role, Store, authenticate, create_user, open_store, upgrade
from elearn.store.rooms import cast_vote, join_room, room_for
from tests.browser.conftest import Server, shot
from tests.browser.conftest import server as server  # the fixture: the app on a free port, its own database
from tests.conftest import shipped_course
from tests.store.helpers import NOW, PASSWORD

from .screens import TIMEOUT_MS, press, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]
COURSE = shipped_course()
PHONES = 12
SIZES = [(1280, 720), (1920, 1080)]


def longest_wording(scenario: Scenario) -> int:
    return sum(len(c.say) for node in scenario.nodes for c in node.choices) // max(1, len(scenario.nodes))


# The scenario with the wordiest answers among those that open on four: the hardest to fit.
SCENARIO = max((s for s in COURSE.scenarios if len(s.node(s.start).choices) == 4),  # type: ignore[union-attr]
               key=longest_wording)


def scroll_overflow(page: Any) -> dict[str, int]:
    """How far the page would scroll: the document, and Streamlit's own scrolling main area."""
    return dict(page.evaluate("""() => {
        const main = document.querySelector("[data-testid='stMain']");
        return {document: document.documentElement.scrollHeight - window.innerHeight,
                main: main ? main.scrollHeight - main.clientHeight : 0};
    }"""))


def fits(page: Any, state: str, size: tuple[int, int]) -> None:
    page.wait_for_timeout(1_500)  # a refresh or two of the live part, the chart drawn
    shot(page, f"projector-{size[0]}x{size[1]}-{state}")
    overflow = scroll_overflow(page)
    assert overflow["document"] <= 0, (state, size, overflow)
    assert overflow["main"] <= 0, (state, size, overflow)


def setup(server: Server) -> Store:
    store = open_store(None, Path(server.data_dir))
    upgrade(store)
    create_user(store, username="fran", display_name="Fran", password=PASSWORD, now=NOW,
                roles=(Role.FACILITATOR, Role.LEARNER))
    return store


def wordiest_choice(store: Store, code: str, facilitator: Any) -> tuple[int, str, str, int]:
    """(decision, node id, the choice that leads to the most answers next, the answers now) of the room now."""
    room = room_for(store, facilitator, code)
    run = from_json(room.run_json, SCENARIO)
    node = run.node
    assert node is not None
    def answers_after(choice_id: str) -> int:
        after = choose(run, choice_id).node
        return len(after.choices) if after else -1
    best = max(node.choices, key=lambda c: answers_after(c.id))
    return room.decision, node.id, best.id, len(node.choices)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_presenter_view_fits_without_scrolling_at_every_state(server: Server, browser: Any,
                                                                  size: tuple[int, int]) -> None:
    store = setup(server)

    facilitator = authenticate(store, "fran", PASSWORD, NOW, client="test")
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(server.url)
        page.locator(".st-key-signin-username input").fill("fran")
        page.locator(".st-key-signin-password input").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.get_by_text("Welcome").wait_for()
        page.goto(f"{server.url}/rooms")
        page.locator(".st-key-room-scenario input").fill(SCENARIO.title)
        page.get_by_role("option", name=SCENARIO.title).click()
        page.get_by_role("button", name="Open a room").click()
        page.get_by_text("Scan to join").wait_for()
        code = page.url.split("room=")[1][:6]
        page.locator("[data-testid='stImage'] img").wait_for()
        fits(page, "waiting-for-joins", size)

        tokens = [join_room(store, code, f"Phone {n}", NOW).token for n in range(PHONES)]
        page.get_by_text(f"{PHONES} joined").wait_for()
        decision = 1
        while True:
            at, node_id, choice_id, answers = wordiest_choice(store, code, facilitator)
            assert at == decision
            # Decision 1 shows its answers; from then on the last answer's consequence is beside them.
            fits(page, f"decision-1-{answers}-answers" if decision == 1 else f"decision-{decision}-consequence", size)
            press(page, f"open-{decision}")
            page.get_by_text(f"0 of {PHONES}").wait_for()
            for token in tokens:
                cast_vote(store, token, decision=decision, node_id=node_id, choice_id=choice_id, now=NOW)
            page.get_by_text(f"{PHONES} of {PHONES}").wait_for()
            fits(page, f"decision-{decision}-voting", size)
            press(page, f"reveal-{decision}")
            page.locator(f".st-key-majority-{decision} button").wait_for()
            page.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for()
            fits(page, f"decision-{decision}-revealed", size)
            press(page, f"majority-{decision}")
            moved = room_for(store, facilitator, code)
            for _ in range(TIMEOUT_MS // 100):  # the click's callback runs on the server: wait for it
                if moved.decision != decision or moved.closed:
                    break
                page.wait_for_timeout(100)
                moved = room_for(store, facilitator, code)
            if moved.closed:
                break
            decision += 1
            page.get_by_text(f"Decision {decision}").wait_for()
            page.get_by_text("The room chose").wait_for()
        page.get_by_role("link", name="Open the room's summary and exports").wait_for()
        wait_until(page, lambda: page.locator("[data-testid='stImage']").count() == 0, "the QR code to go")
        page.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for()
        fits(page, "debrief", size)
        assert decision >= 3  # the debrief lists every decision: a real room's worth
    except BaseException:
        shot(page, f"failure-projector-{size[0]}x{size[1]}")
        raise
    finally:
        context.close()
        store.dispose()
