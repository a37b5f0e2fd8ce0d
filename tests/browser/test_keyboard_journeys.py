"""Keyboard-only journeys (issue 18), in Debian Chromium: nothing but Tab, Shift+Tab, Enter and
Space (and typing into fields), asserting where the focus is after each step that moves it.

- A learner signs in, opens a lesson, plays a scenario to its debrief, opens the chart's table
  and then My skills; after each answer the focus is on its feedback (the debrief at the end),
  after each navigation on the new page's heading.
- A participant joins a room from a phone and votes, then changes the vote; focus stays on the
  vote just cast and the polite live region says it is in. (The presenter uses the mouse here:
  the facilitator's screens are scanned by tests/browser/test_accessibility_scan.py.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from elearn.store import Role, create_user, open_store, upgrade
from tests.store.helpers import FAST_HASHER, NOW, PASSWORD
from tests.workshop.conftest import SCENARIO as ROOM_SCENARIO
from tests.workshop.screens import press, sign_in

from .conftest import Server, shot, start_server, stop_server
from .keyboard import MAIN_HEADING, cycle_without_trap, focused, live_region_text, tab_to, wait_for_focus
from .test_learner_journey import BEST, LESSON, SCENARIO, choice_keys, wait_for_choices

pytestmark = [pytest.mark.browser, pytest.mark.timeout(400)]
TIMEOUT = 45_000
SUBMIT = "[data-testid='stBaseButton-primaryFormSubmit']"


@pytest.fixture(scope="module")
def people_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("keyboard")
    running = start_server(root / "data", root / "server.log")
    store = open_store(None, Path(root / "data"), hasher=FAST_HASHER)
    upgrade(store)
    create_user(store, username="kim", display_name="Kim Lee", password=PASSWORD, now=NOW)
    create_user(store, username="fran", display_name="Fran", password=PASSWORD, now=NOW,
                roles=(Role.FACILITATOR, Role.LEARNER))
    store.dispose()
    yield running
    stop_server(running)


def new_page(browser: Any, *, phone: bool = False) -> tuple[Any, Any]:
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    return context, page


def heading_is(page: Any, title: str) -> None:
    wait_for_focus(page, MAIN_HEADING, f"the heading '{title}'", text=title)


def test_a_learner_signs_in_reads_plays_and_opens_my_skills_by_keyboard(people_server: Server, browser: Any) -> None:
    context, page = new_page(browser)
    try:
        learner_journey(people_server, page)
    except BaseException:
        shot(page, "failure-keyboard-learner")
        raise
    finally:
        context.close()


def learner_journey(server: Server, page: Any) -> None:
    page.goto(server.url)
    page.locator(".st-key-signin-username input").wait_for()
    # The first Tab reaches the skip link, which takes focus to the page's heading.
    page.keyboard.press("Tab")
    assert focused(page, ".elearn-skip"), "the skip link is not the first thing Tab reaches"
    page.keyboard.press("Enter")
    heading_is(page, "Calm under fire")

    tab_to(page, ".st-key-signin-username input")
    page.keyboard.type("kim")
    tab_to(page, ".st-key-signin-password input")
    page.keyboard.type(PASSWORD)
    tab_to(page, SUBMIT, "Sign in")
    page.keyboard.press("Enter")
    page.get_by_text("Welcome, Kim Lee").wait_for()
    shot(page, "keyboard-01-home")

    # The lesson, from the course home's link; focus lands on its heading.
    tab_to(page, f"a[href*='lesson={LESSON.id}']")
    page.keyboard.press("Enter")
    heading_is(page, LESSON.title)
    tab_to(page, "button", "Mark as done")
    page.keyboard.press("Space")
    wait_for_focus(page, ".st-key-lesson-done", "the lesson's 'done' message")

    # The scenario: Start, then every answer by keyboard, focus on its feedback each time.
    tab_to(page, f"a[href*='scenario={SCENARIO.id}']")
    page.keyboard.press("Enter")
    heading_is(page, SCENARIO.title)
    tab_to(page, "button", "Start the conversation")
    page.keyboard.press("Enter")
    wait_for_focus(page, ".st-key-decision", "the customer's first line")
    for index, (node_id, choice_id) in enumerate(BEST):
        wait_for_choices(page, node_id)
        tab_to(page, f".{choice_keys(page)[choice_id]} button")
        page.keyboard.press("Enter" if index % 2 == 0 else "Space")
        if index < len(BEST) - 1:
            wait_for_focus(page, f".st-key-feedback-{index}", f"the feedback on answer {index + 1}")
            assert "Why:" in page.locator(f".st-key-feedback-{index}").inner_text()
        else:
            wait_for_focus(page, ".st-key-debrief", "the debrief")
    shot(page, "keyboard-02-debrief")

    # The chart's data is one Enter away, as a table.
    tab_to(page, "[data-testid='stExpander'] summary", "The customer's anger")
    page.keyboard.press("Enter")
    table = page.locator("table.elearn-data").first
    table.wait_for()
    assert table.locator("th").first.inner_text() == "Point"

    # My skills, back up through the sidebar with Shift+Tab.
    tab_to(page, "a[href$='/skills']", back=True)
    page.keyboard.press("Enter")
    heading_is(page, "My skills")
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    # No keyboard trap: Tab goes all the way round the page and back to the skip link.
    assert cycle_without_trap(page) > 5
    shot(page, "keyboard-03-my-skills")


def test_a_participant_joins_and_votes_by_keyboard(people_server: Server, browser: Any) -> None:
    context, presenter = new_page(browser)
    phone_context, phone = new_page(browser, phone=True)
    try:
        participant_journey(people_server, presenter, phone)
    except BaseException:
        shot(phone, "failure-keyboard-phone")
        shot(presenter, "failure-keyboard-presenter")
        raise
    finally:
        context.close()
        phone_context.close()


def participant_journey(server: Server, presenter: Any, phone: Any) -> None:
    sign_in(presenter, server.url, "fran")
    presenter.goto(f"{server.url}/rooms")
    presenter.get_by_role("button", name="Open a room").click()
    presenter.get_by_text("Scan to join").wait_for()
    code = presenter.url.split("room=")[1][:6]

    phone.goto(f"{server.url}/join")
    phone.locator(".st-key-join-code input").wait_for()
    phone.keyboard.press("Tab")
    assert focused(phone, ".elearn-skip")
    tab_to(phone, ".st-key-join-code input")
    phone.keyboard.type(code)
    tab_to(phone, ".st-key-join-nickname input")
    phone.keyboard.type("Ann")
    tab_to(phone, SUBMIT, "Join")
    phone.keyboard.press("Enter")
    phone.get_by_text("you are Ann").wait_for()
    wait_for_focus(phone, ".st-key-ballot", "the waiting message that replaced the form")

    press(presenter, "open-1")  # the facilitator opens the vote
    presenter.get_by_text("0 of 1").wait_for()
    # No key to press: the phone shows the question by itself and moves focus to it.
    wait_for_focus(phone, ".st-key-ballot", "the first decision")
    node = ROOM_SCENARIO.node(ROOM_SCENARIO.start)
    assert node is not None
    first, second = node.choices[0].id, node.choices[1].id
    phone.locator(f".st-key-vote-1-{first} button").wait_for()

    tab_to(phone, f".st-key-vote-1-{first} button")
    phone.keyboard.press("Space")
    phone.locator(f".st-key-vote-1-{first} [data-testid='stBaseButton-primary']").wait_for()
    wait_for_focus(phone, f".st-key-vote-1-{first} button", "the vote just cast")
    letter = letter_of(phone, first)
    wait_until_said(phone, f"Your vote, {letter}, is in.")
    presenter.get_by_text("1 of 1").wait_for()

    # A change of mind, reached with Tab or Shift+Tab, whichever way it lies.
    order = phone.evaluate("() => [...document.querySelectorAll(\"[class*='st-key-vote-1-']\")].map(e => e.className)")
    back = next(i for i, c in enumerate(order) if f"st-key-vote-1-{second}" in c) < \
        next(i for i, c in enumerate(order) if f"st-key-vote-1-{first}" in c)
    tab_to(phone, f".st-key-vote-1-{second} button", back=back)
    phone.keyboard.press("Enter")
    phone.locator(f".st-key-vote-1-{second} [data-testid='stBaseButton-primary']").wait_for()
    wait_for_focus(phone, f".st-key-vote-1-{second} button", "the changed vote")
    letter = letter_of(phone, second)
    wait_until_said(phone, f"Your vote, {letter}, is in.")
    assert cycle_without_trap(phone) > 3
    shot(phone, "keyboard-04-phone-voted")


def letter_of(page: Any, choice_id: str) -> str:
    """The projector's letter on a vote button ("✅ B · I'm sorry..." -> "B")."""
    label = page.locator(f".st-key-vote-1-{choice_id} button").inner_text()
    match = re.search(r"\b([A-D]) · ", label)
    assert match, label
    return match[1]


def wait_until_said(page: Any, words: str) -> None:
    page.wait_for_function("(words) => (document.getElementById('elearn-live')?.textContent || '').includes(words)",
                           arg=words, timeout=TIMEOUT)
    assert words in live_region_text(page)
