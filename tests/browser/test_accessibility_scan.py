"""axe-core scans of every page in every state that matters (issue 18), in Debian Chromium.

One server for the module, with a small organisation in its database (tests/store's world: an
admin, a manager, two teams, learners who have played), and a facilitator. Each test walks one
audience's pages, scans each state, and fails on any critical or serious WCAG 2.2 A/AA
violation that ``tests.browser.axe.EXCEPTIONS`` does not name. The findings of every scan, of
any impact, are written to test-artifacts/axe/ (one JSON per state, and a tally per test).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from elearn.store import Role, create_user, issue_reset_link, open_store, upgrade
from tests.conftest import REPO, shipped_course
from tests.manager.conftest import Clock, play
from tests.store.conftest import build_world
from tests.store.helpers import FAST_HASHER, PASSWORD, World
from tests.workshop.conftest import SCENARIO as SCENARIO_ROOM
from tests.workshop.conftest import SHORT
from tests.workshop.screens import press, vote, wait_for_ballot

from . import axe
from .conftest import Server, shot, start_server, stop_server
from .test_learner_journey import BEST, LESSON, SCENARIO, choice_keys, wait_for_choices, wait_for_cookie

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]
COURSE = shipped_course()
TIMEOUT = 45_000
DASHBOARD_VIEWS = ["Completion", "Team skills", "Answers", "Exports", "Assign"]
PEOPLE_SECTIONS = ["Teams", "Move people", "Upload people", "Assign", "Accounts", "Audit log"]


@pytest.fixture(scope="module")
def world_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, World]]:
    root = tmp_path_factory.mktemp("a11y")
    running = start_server(root / "data", root / "server.log")
    store = open_store(None, root / "data", hasher=FAST_HASHER)
    upgrade(store)
    world = build_world(store)
    clock = Clock(datetime.now(UTC) - timedelta(days=3))
    for user, pick in ((world.ana, 0), (world.abe, 1), (world.bea, 2)):
        play(store, user, COURSE.scenarios[0], [pick], clock)
    create_user(store, username="fran", display_name="Fran", password=PASSWORD, now=clock.tick(),
                roles=(Role.FACILITATOR, Role.LEARNER))
    store.dispose()
    yield running, world
    stop_server(running)


def new_page(browser: Any, *, phone: bool = False) -> tuple[Any, Any]:
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    return context, page


def sign_in(page: Any, context: Any, url: str, username: str) -> None:
    page.goto(url)
    page.locator(".st-key-signin-username input").fill(username)
    page.locator(".st-key-signin-password input").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").wait_for()
    wait_for_cookie(context)


def judge(findings: list[axe.Finding], name: str) -> None:
    axe.write_tally(findings, axe.REPORTS / f"tally-{name}.tsv")
    failing = axe.failures(findings)
    assert not failing, f"{len(failing)} critical or serious violations:\n" + "\n".join(f.line() for f in failing)


class Scanner:
    def __init__(self, name: str) -> None:
        self.name = name
        self.findings: list[axe.Finding] = []

    def __call__(self, page: Any, state: str) -> None:
        self.findings += axe.scan(page, f"{self.name}-{state}")
        shot(page, f"a11y-{self.name}-{state}")


def test_visitor_pages(world_server: tuple[Server, World], browser: Any) -> None:
    server, world = world_server
    scan = Scanner("visitor")
    context, page = new_page(browser)
    try:
        page.goto(server.url)
        page.locator(".st-key-signin-username input").wait_for()
        scan(page, "sign-in")
        page.get_by_role("tab", name="Create account").click()
        page.locator(".st-key-reg-username input").wait_for()
        scan(page, "sign-up")
        page.get_by_role("tab", name="Sign in").click()
        page.get_by_role("button", name="Sign in").click()  # empty: the error message's state
        page.get_by_text("don't match").wait_for()
        scan(page, "sign-in-error")
        page.goto(f"{server.url}/reset?token=not-a-real-token")
        page.get_by_text("This reset link is not valid any more").wait_for()
        scan(page, "reset-link-refused")
        store = open_store(None, server.data_dir, hasher=FAST_HASHER)
        token = issue_reset_link(store, world.admin, world.loner.id, datetime.now(UTC))
        store.dispose()
        page.goto(f"{server.url}/reset?token={token}")
        page.locator(".st-key-reset-new input").wait_for()
        scan(page, "reset-link-form")
    finally:
        context.close()
    judge(scan.findings, scan.name)


def test_reduced_motion_is_respected(world_server: tuple[Server, World], browser: Any) -> None:
    server, _ = world_server
    for motion, still in (("reduce", True), ("no-preference", False)):
        context = browser.new_context(reduced_motion=motion)
        try:
            page = context.new_page()
            page.set_default_timeout(TIMEOUT)
            page.goto(server.url)
            button = page.get_by_role("button", name="Sign in")
            button.wait_for()
            axe.settle(page)
            moving = page.evaluate("() => [...document.querySelectorAll('*')].filter(e => getComputedStyle(e)"
                                   ".transitionDuration.split(',').some(d => parseFloat(d) > 0.001)).length")
            assert (moving == 0) is still, f"{motion}: {moving} elements animate their transitions"
        finally:
            context.close()


def test_learner_pages(world_server: tuple[Server, World], browser: Any) -> None:
    server, _ = world_server
    scan = Scanner("learner")
    context, page = new_page(browser)
    try:
        page.goto(server.url)
        page.get_by_role("tab", name="Create account").click()
        page.locator(".st-key-reg-username input").fill("lena")
        page.locator(".st-key-reg-name input").fill("Lena Park")
        page.locator(".st-key-reg-password input").fill(PASSWORD)
        page.locator(".st-key-reg-repeat input").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        page.get_by_text("Welcome, Lena Park").wait_for()
        wait_for_cookie(context)
        scan(page, "course-home")
        page.goto(f"{server.url}/lesson?lesson={LESSON.id}")
        page.get_by_role("heading", name=LESSON.title).wait_for()
        scan(page, "lesson")
        page.goto(f"{server.url}/scenario?scenario={SCENARIO.id}")
        page.get_by_role("button", name="Start the conversation").wait_for()
        scan(page, "scenario-start")
        page.get_by_role("button", name="Start the conversation").click()
        wait_for_choices(page, BEST[0][0])
        scan(page, "scenario-decision")
        meter = page.locator("[role='meter']")
        assert meter.get_attribute("aria-label") == "Customer's anger"
        assert re.fullmatch(r"\d+ of 100, (calm|irritated|angry|furious)", meter.get_attribute("aria-valuetext") or "")
        for index, (node_id, choice_id) in enumerate(BEST):
            wait_for_choices(page, node_id)
            page.locator(f".{choice_keys(page)[choice_id]} button").click()
            if index == 0:
                page.get_by_text("Why:").first.wait_for()
                scan(page, "scenario-feedback")
                words = page.locator("[role='meter']").get_attribute("aria-valuetext") or ""
                assert re.fullmatch(r"\d+ of 100, \w+(, (up|down) \d+)?", words), words
        page.get_by_role("heading", name="Where it turned").wait_for()
        page.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for()
        scan(page, "scenario-debrief")
        page.goto(f"{server.url}/skills")
        page.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for()
        scan(page, "my-skills")
        page.goto(f"{server.url}/job_aid")
        page.get_by_role("heading").first.wait_for()
        scan(page, "job-aid")
    finally:
        context.close()
    judge(scan.findings, scan.name)


def test_manager_pages(world_server: tuple[Server, World], browser: Any) -> None:
    server, world = world_server
    scan = Scanner("manager")
    context, page = new_page(browser)
    try:
        sign_in(page, context, server.url, "admin")
        page.goto(f"{server.url}/dashboard")
        page.get_by_role("heading", name="Team progress").wait_for()
        for view in DASHBOARD_VIEWS:
            page.locator(".st-key-view").get_by_role("radio", name=view).click()
            axe.settle(page)
            if view in ("Team skills", "Answers"):
                page.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for()
            scan(page, f"team-progress-{view.lower().replace(' ', '-')}")
        page.goto(f"{server.url}/learner?user={world.ana.id}")
        page.get_by_role("heading", name="Ana").wait_for()
        page.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for()
        scan(page, "learner-drill-down")
        page.goto(f"{server.url}/people")
        page.get_by_role("heading", name="Teams and people").wait_for()
        for section in PEOPLE_SECTIONS:
            page.locator(".st-key-people-section").get_by_role("radio", name=section).click()
            scan(page, f"people-{section.lower().replace(' ', '-')}")
        page.locator(".st-key-people-section").get_by_role("radio", name="Accounts").click()
        page.locator(".st-key-admin-search input").fill("ana")
        page.locator(".st-key-admin-search input").press("Enter")
        page.locator(".st-key-admin-person").click()
        page.get_by_role("option", name="Ana (ana)").click()
        page.locator(f".st-key-admin-deactivate-{world.ana.id} button").click()
        page.get_by_text("Deactivate ana?").wait_for()
        scan(page, "people-account-confirm-deactivation")
        page.goto(f"{server.url}/account")
        page.get_by_role("heading", name="My account").wait_for()
        scan(page, "my-account")
        page.goto(f"{server.url}/lti")
        page.get_by_role("heading", name="LMS (LTI 1.3)").wait_for()
        scan(page, "lti-platforms")
    finally:
        context.close()
    judge(scan.findings, scan.name)


def test_workshop_pages(world_server: tuple[Server, World], browser: Any) -> None:
    server, _ = world_server
    scan = Scanner("workshop")
    context, presenter = new_page(browser)
    phone_context, phone = new_page(browser, phone=True)
    try:
        sign_in(presenter, context, server.url, "fran")
        presenter.goto(f"{server.url}/rooms")
        presenter.get_by_role("button", name="Open a room").wait_for()
        scan(presenter, "rooms")
        presenter.get_by_role("button", name="Open a room").click()
        presenter.get_by_text("Scan to join").wait_for()
        code = presenter.url.split("room=")[1][:6]
        presenter.locator("[data-testid='stImage'] img").wait_for()
        scan(presenter, "presenter-lobby")
        assert (presenter.locator("[data-testid='stImage'] img").get_attribute("alt") or "").startswith("QR code")

        phone.goto(f"{server.url}/join")
        phone.locator(".st-key-join-nickname input").wait_for()
        scan(phone, "phone-join")
        phone.locator(".st-key-join-code input").fill(code)
        phone.locator(".st-key-join-nickname input").fill("Ann")
        phone.get_by_role("button", name="Join").click()
        phone.get_by_text("you are").wait_for()
        scan(phone, "phone-waiting")

        for decision, (node_id, choice_id) in enumerate(SHORT, start=1):
            node = SCENARIO_ROOM.node(node_id)
            assert node is not None
            press(presenter, f"open-{decision}")
            presenter.get_by_text("0 of 1").wait_for()
            wait_for_ballot(phone, decision, {c.id for c in node.choices})  # no tap: the phone updates itself
            if decision == 1:
                scan(presenter, "presenter-voting")
                scan(phone, "phone-ballot")
            vote(phone, decision, choice_id)
            presenter.get_by_text("1 of 1").wait_for()
            if decision == 1:
                scan(phone, "phone-voted")
            press(presenter, f"reveal-{decision}")
            presenter.locator(f".st-key-majority-{decision} button").wait_for()
            if decision == 1:
                presenter.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for()
                scan(presenter, "presenter-revealed")
                phone.get_by_text("The votes are in").wait_for()
                scan(phone, "phone-result")
            press(presenter, f"majority-{decision}")
            if decision == 1 and len(SHORT) > 1:
                presenter.get_by_text("Decision 2").wait_for()
                scan(presenter, "presenter-consequence")
        presenter.get_by_role("link", name="Open the room's summary and exports").wait_for()
        presenter.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for()
        scan(presenter, "presenter-debrief")
        phone.get_by_text("The conversation ended").wait_for()
        scan(phone, "phone-ended")
        presenter.goto(f"{server.url}/rooms?room={code}")
        presenter.get_by_text(f"Room {code}").wait_for()
        scan(presenter, "room-summary")
    finally:
        context.close()
        phone_context.close()
    judge(scan.findings, scan.name)


def test_exceptions_are_documented() -> None:
    """Every accepted violation is explained in docs/accessibility.md, by rule."""
    doc = Path(REPO / "docs" / "accessibility.md").read_text() if (REPO / "docs" / "accessibility.md").exists() else ""
    missing = [e.rule for e in axe.EXCEPTIONS if f"`{e.rule}`" not in doc]
    assert not missing, f"exceptions without a row in docs/accessibility.md: {missing}"
