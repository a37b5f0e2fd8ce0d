"""A whole workshop in a real browser (Debian Chromium): a facilitator opens a room and presents it,
three phones (separate browser contexts, phone-sized) join through the QR link and vote at every
decision, one changes a vote and one reloads, until the story reaches an ending and the room's
debrief. No phone taps anything but Join and its votes: the opened question, the revealed votes and
the ending reach the phones by themselves, and a waiting phone sends the server only its small
checks (one every ``PHONE_CHECK_SECONDS``), never a redraw. Screenshots land in
test-artifacts/screenshots/."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from elearn.play.engine import choose, start
from elearn.store import Role, create_user, open_store, upgrade
from elearn.workshop.report import CSV_COLUMNS
from tests.browser.conftest import Server, shot
from tests.browser.conftest import server as server  # the fixture: the app on a free port, its own database
from tests.store.helpers import NOW, PASSWORD
from ui.workshop import PHONE_CHECK_SECONDS

from .conftest import SCENARIO, SHORT, node_of
from .screens import (
    Frames,
    ballot_labels,
    join,
    new_page,
    press,
    projected_answers,
    sign_in,
    text_of,
    vote,
    wait_for_ballot,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
PRESENTER_REFRESHES = 3


def ending_title() -> str:
    run = start(SCENARIO)
    for _, choice_id in SHORT:
        run = choose(run, choice_id)
    assert run.ending is not None
    return run.ending.title


def test_a_presenter_and_three_phones_play_a_scenario_to_its_ending(server: Server, browser: Any) -> None:
    store = open_store(None, Path(server.data_dir))
    upgrade(store)
    create_user(store, username="fran", display_name="Fran", password=PASSWORD, now=NOW,
                roles=(Role.FACILITATOR, Role.LEARNER))
    contexts, pages = [], []
    try:
        presenter_frames = Frames()
        context, presenter = new_page(browser, phone=False, frames=presenter_frames)
        contexts.append(context)
        pages.append(presenter)
        workshop(server, browser, presenter, presenter_frames, contexts, pages)
    except BaseException:
        for index, page in enumerate(pages):
            shot(page, f"failure-workshop-{index}")
        raise
    finally:
        for context in contexts:
            context.close()


def workshop(server: Server, browser: Any, presenter: Any, presenter_frames: Frames, contexts: list[Any],
             pages: list[Any]) -> None:
    # 1. The facilitator opens a room from Workshop rooms and lands on the presenter view.
    sign_in(presenter, server.url, "fran")
    presenter.goto(f"{server.url}/rooms")
    presenter.get_by_role("button", name="Open a room").click()
    presenter.get_by_text("Scan to join").wait_for()
    code = presenter.url.split("room=")[1][:6]
    presenter.locator("[data-testid='stImage'] img").wait_for()
    shot(presenter, "workshop-01-presenter")

    # 2. Three phones join through the QR code's link.
    phone_frames = [Frames() for _ in range(3)]
    phones = []
    for name, frames in zip(("Ann", "Bob", "Cy"), phone_frames, strict=True):
        context, phone = new_page(browser, phone=True, frames=frames)
        contexts.append(context)
        pages.append(phone)
        join(phone, server.url, code, name)
        phones.append(phone)
    presenter.get_by_text("3 joined").wait_for()
    shot(phones[0], "workshop-02-phone-waiting")

    # 3. Waiting phones cost little: while the presenter reruns its live part every second, a
    #    phone sends only its check, at most one per PHONE_CHECK_SECONDS (and the first of them).
    sent_before = [frames.sent for frames in phone_frames]
    presenter_before = presenter_frames.sent
    started = time.monotonic()
    wait_until(presenter, lambda: presenter_frames.sent >= presenter_before + PRESENTER_REFRESHES,
               f"{PRESENTER_REFRESHES} presenter refreshes")
    waited = time.monotonic() - started
    for frames, before in zip(phone_frames, sent_before, strict=True):
        assert frames.sent - before <= waited / PHONE_CHECK_SECONDS + 1

    # 4. Decision by decision: open voting, the phones vote, reveal, go with the room.
    for decision, (node_id, choice_id) in enumerate(SHORT, start=1):
        press(presenter, f"open-{decision}")
        presenter.get_by_text("0 of 3").wait_for()
        node = SCENARIO.node(node_id)
        assert node is not None
        other = next(c.id for c in node.choices if c.id != choice_id)
        for index, phone in enumerate(phones):
            wait_for_ballot(phone, decision, {c.id for c in node.choices})
            # The room has one order: each phone lists the answers with the projector's letters.
            projected = projected_answers(presenter)
            assert [line[0] for line in projected] == list("ABCD"[:len(node.choices)])
            # The phone may be redrawing the ballot it has just shown (its room check reruns the page):
            # wait for the buttons to settle, then they must read as the projector's list.
            wait_until(phone, lambda p=phone, d=decision: bool(ballot_labels(p, d)), "the ballot's buttons")
            assert ballot_labels(phone, decision) == projected
            vote(phone, decision, other if index == 0 else choice_id)
        presenter.get_by_text("3 of 3").wait_for()
        if decision == 1:
            shot(phones[0], "workshop-03-phone-voted")
            shot(presenter, "workshop-04-presenter-counting")
            assert presenter.locator("[data-testid='stPlotlyChart']").count() == 0  # no split while voting
            # Ann reloads her phone: she is still Ann, with her vote, and changes it.
            phones[0].reload()
            phones[0].get_by_text("you are Ann").wait_for()
            phones[0].locator(f".st-key-vote-1-{other} [data-testid='stBaseButton-primary']").wait_for()
        vote(phones[0], decision, choice_id)  # a change of mind: the room agrees
        press(presenter, f"reveal-{decision}")
        for phone in phones:  # the result reaches every phone without a tap
            phone.get_by_text("The votes are in").wait_for()
        presenter.locator(f".st-key-majority-{decision} button").wait_for()
        if decision == 1:
            presenter.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for()
            shot(presenter, "workshop-05-presenter-revealed")
        press(presenter, f"majority-{decision}")
        if decision < len(SHORT):
            presenter.get_by_text(f"Decision {decision + 1}").wait_for()
            presenter.get_by_text("The room chose").wait_for()
    # 5. The ending: the room's debrief with its anger curve, on the projector and the phones.
    title = ending_title()
    presenter.get_by_text(title).first.wait_for()
    presenter.get_by_role("link", name="Open the room's summary and exports").wait_for()
    wait_until(presenter, lambda: presenter.locator("[class*='st-key-pick-']").count() == 0,
               "the last decision's controls to leave the screen")
    presenter.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for()
    wait_until(presenter, lambda: presenter.locator("[data-testid='stImage']").count() == 0,
               "the join code to leave the screen once the room has ended")
    shot(presenter, "workshop-06-presenter-debrief")
    for phone in phones:  # no tap: the ending reaches the phones by itself
        phone.get_by_text(f"The conversation ended: {title}").wait_for()
    shot(phones[1], "workshop-07-phone-ended")
    assert "you are Bob" in text_of(phones[1])

    # 6. The room's summary, with its exports.
    presenter.get_by_role("link", name="Open the room's summary and exports").click()
    presenter.get_by_text(f"Room {code}").wait_for()
    presenter.get_by_role("button", name="Export CSV").wait_for()
    wait_until(presenter, lambda: presenter.locator("[data-testid='stDataFrame'] canvas").count() >= len(SHORT),
               "the decision tables")
    shot(presenter, "workshop-08-summary")
    with presenter.expect_download() as download:  # the file is made on the click, not on every run
        presenter.get_by_role("button", name="Export CSV").click()
    lines = Path(download.value.path()).read_text().splitlines()
    assert lines[0].split(",") == list(CSV_COLUMNS)
    assert len(lines) == 1 + sum(len(node_of(SCENARIO, node_id).choices) for node_id, _ in SHORT)
