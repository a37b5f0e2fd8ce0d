"""Links that survive signing in, a clear refusal for a page someone may not open, and a layout
that keeps its width from one rerun to the next, in a real browser (Debian Chromium)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from elearn.play.engine import start
from elearn.store import Role, create_user, open_store, upgrade
from elearn.store.rooms import open_room
from tests.conftest import shipped_course
from tests.store.helpers import NOW, PASSWORD

from .conftest import Server, shot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
COURSE = shipped_course()
SCENARIO = COURSE.scenarios[0]
TIMEOUT_MS = 30_000
MAIN = "[data-testid='stMainBlockContainer']"


def people(server: Server) -> str:
    """A learner, a manager, a facilitator and an administrator; returns a room code of the facilitator's."""
    store = open_store(None, Path(server.data_dir))
    upgrade(store)
    made = {}
    for username, name, roles in (("lena", "Lena Learner", (Role.LEARNER,)), ("max", "Max Manager", (Role.MANAGER,)),
                                  ("fran", "Fran Facilitator", (Role.FACILITATOR,)),
                                  ("ada", "Ada Admin", (Role.ADMIN, Role.LEARNER))):
        made[username] = create_user(store, username=username, display_name=name, password=PASSWORD, now=NOW,
                                     roles=roles)
    room = open_room(store, made["fran"], scenario_id=SCENARIO.id, scenario_version=SCENARIO.version,
                     run_json=start(SCENARIO).to_json(), now=NOW)
    store.dispose()
    return room.code


def new_page(browser: Any, width: int = 1280, height: int = 800) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return context, page


def sign_in_here(page: Any, username: str) -> None:
    page.locator(".st-key-signin-username input").fill(username)
    page.locator(".st-key-signin-password input").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def wait_for_session_cookie(context: Any, page: Any) -> None:
    for _ in range(TIMEOUT_MS // 100):
        if any(cookie["name"] == "elearn_session" for cookie in context.cookies()):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the session cookie was never set")


def no_page_not_found(page: Any) -> None:
    page.wait_for_timeout(300)  # the modal would come with the run's navigation message
    assert page.get_by_text("Page not found").count() == 0


def width_of_main(page: Any) -> float:
    return float(page.locator(MAIN).first.evaluate("e => e.getBoundingClientRect().width"))


@pytest.mark.parametrize(("username", "path", "shows"), [
    ("lena", f"scenario?scenario={SCENARIO.id}", SCENARIO.title),
    ("max", "dashboard", "Team progress"),
    ("fran", "present?room={code}", "Scan to join"),
], ids=["learner", "manager", "facilitator"])
def test_a_link_opened_signed_out_opens_its_page_after_sign_in(server: Server, browser: Any, username: str,
                                                               path: str, shows: str) -> None:
    code = people(server)
    path = path.format(code=code)
    context, page = new_page(browser)
    try:
        page.goto(f"{server.url}/{path}")
        page.get_by_text("Sign in to open").wait_for()  # the sign-in form at the page's own address
        no_page_not_found(page)
        sign_in_here(page, username)
        page.get_by_text(shows).first.wait_for()
        assert page.url == f"{server.url}/{path}"  # the same address, query string and all
        no_page_not_found(page)
        wait_for_session_cookie(context, page)
        page.reload()  # the session cookie keeps the page open on a reload
        page.get_by_text(shows).first.wait_for()
        assert page.get_by_text("Sign in to open").count() == 0
    except BaseException:
        shot(page, f"failure-deep-link-{username}")
        raise
    finally:
        context.close()


def test_a_page_your_roles_dont_allow_says_so_and_whom_to_ask(server: Server, browser: Any) -> None:
    people(server)
    context, page = new_page(browser)
    try:
        page.goto(f"{server.url}/people")
        sign_in_here(page, "lena")
        page.get_by_text("You don't have access to this page").wait_for()
        said = page.locator("[data-testid='stMain']").inner_text()
        assert "This page is for administrators" in said
        assert "Ada Admin" in said  # whom to ask, by name
        no_page_not_found(page)
        page.goto(f"{server.url}/dashboard")  # a manager's page, for a learner
        page.get_by_text("This page is for team managers or administrators").wait_for()
        shot(page, "links-no-access")
        page.get_by_role("link", name="Go to your start page").click()
        page.get_by_text("Welcome").first.wait_for()
    except BaseException:
        shot(page, "failure-no-access")
        raise
    finally:
        context.close()


def test_the_root_and_every_page_address_are_stable_for_a_manager(server: Server, browser: Any) -> None:
    """A manager's first page is the dashboard: it is at / and still at /dashboard."""
    people(server)
    context, page = new_page(browser)
    try:
        page.goto(server.url)
        sign_in_here(page, "max")
        page.get_by_role("heading", name="Team progress").wait_for()
        page.goto(f"{server.url}/dashboard")
        page.get_by_role("heading", name="Team progress").wait_for()
        no_page_not_found(page)
        page.goto(f"{server.url}/signin")
        page.get_by_text("You are signed in as").wait_for()
    except BaseException:
        shot(page, "failure-stable-addresses")
        raise
    finally:
        context.close()


def test_manager_and_facilitator_pages_stay_wide_and_learner_pages_centred(server: Server, browser: Any) -> None:
    code = people(server)
    context, page = new_page(browser, width=1280)
    try:
        page.goto(f"{server.url}/dashboard")
        sign_in_here(page, "ada")
        page.get_by_role("heading", name="Team progress").wait_for()
        widths = [width_of_main(page)]
        for view in ("Team skills", "Answers", "Exports", "Completion"):
            page.get_by_role("radio", name=view).or_(page.get_by_role("button", name=view, exact=True)).first.click()
            page.wait_for_timeout(500)
            widths.append(width_of_main(page))
        page.get_by_role("button", name="Refresh", exact=True).click()
        page.wait_for_timeout(500)
        widths.append(width_of_main(page))
        page.goto(f"{server.url}/people")
        page.get_by_role("heading", name="Teams and people").first.wait_for()
        widths.append(width_of_main(page))
        assert min(widths) > 900, widths  # 1280 px less the sidebar: wider than the centred column
        assert max(widths) - min(widths) < 1, widths

        page.goto(f"{server.url}/home")  # a learner's page: a readable column
        page.get_by_text("Welcome").first.wait_for()
        assert width_of_main(page) < 800
        page.goto(f"{server.url}/dashboard")
        page.get_by_role("heading", name="Team progress").wait_for()
        assert abs(width_of_main(page) - widths[0]) < 1  # and wide again, not the learner page's width
    except BaseException:
        shot(page, "failure-layout-manager")
        raise
    finally:
        context.close()

    context, page = new_page(browser, width=1280)
    try:
        page.goto(f"{server.url}/rooms")
        sign_in_here(page, "fran")
        page.get_by_role("heading", name="Workshop rooms").wait_for()
        widths = [width_of_main(page)]
        page.get_by_role("link", name="Summary").first.click()
        page.get_by_text(f"Room {code}").first.wait_for()
        widths.append(width_of_main(page))
        page.get_by_role("link", name="All your rooms").click()
        page.get_by_role("heading", name="Workshop rooms").wait_for()
        widths.append(width_of_main(page))
        assert min(widths) > 900, widths  # 1280 px less the sidebar: wider than the centred column
        assert max(widths) - min(widths) < 1, widths
    except BaseException:
        shot(page, "failure-layout-facilitator")
        raise
    finally:
        context.close()
