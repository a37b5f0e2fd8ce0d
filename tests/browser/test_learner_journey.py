"""A learner's whole journey in a real browser (Debian Chromium through Playwright).

Create an account, read a lesson, play a scenario to an ending with a reload in the middle,
open My skills and see the chart, sign out and find the pages refused. Screenshots of each step
land in test-artifacts/screenshots/.
"""

from __future__ import annotations

import time

import pytest

from tests.conftest import shipped_course

from .conftest import Server, fill_sign_up, shot

pytestmark = pytest.mark.browser

COURSE = shipped_course()
LESSON = COURSE.lessons[0]
SCENARIO = COURSE.practice_for(LESSON)[0]
BEST = [(step.node_id, step.choice_id) for step in COURSE.analyses[SCENARIO.id].best.steps]
TIMEOUT = 30_000


def choice_keys(page: object) -> dict[str, str]:
    """Choice id -> CSS class of its button's container (st-key-choice-<attempt>-<answers>-<id>), read at once."""
    classes = page.evaluate(  # type: ignore[attr-defined]
        "() => [...document.querySelectorAll(\"[class*='st-key-choice-']\")].map(e => e.className)")
    found = {}
    for class_name in classes:
        for token in class_name.split():
            if token.startswith("st-key-choice-"):
                found[token.removeprefix("st-key-").split("-", 3)[3]] = token
    return found


def click_choice(page: object, choice_id: str) -> None:
    token = choice_keys(page)[choice_id]
    page.locator(f".{token} button").click()  # type: ignore[attr-defined]


def visible_choices(page: object) -> set[str]:
    return set(choice_keys(page))


def wait_for_cookie(context: object) -> list[dict[str, object]]:
    """The context's cookies once the session cookie has arrived (the page sets it just after sign-up)."""
    deadline = time.monotonic() + TIMEOUT / 1000
    while time.monotonic() < deadline:
        cookies = context.cookies()  # type: ignore[attr-defined]
        if any(c["name"] == "elearn_session" for c in cookies):
            return cookies  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError("the session cookie was never set")


def wait_for_choices(page: object, node_id: str) -> None:
    node = SCENARIO.node(node_id)
    assert node is not None
    expected = {c.id for c in node.choices}
    deadline = time.monotonic() + TIMEOUT / 1000
    while visible_choices(page) != expected:
        assert time.monotonic() < deadline, f"the choices of node {node_id!r} never appeared: {visible_choices(page)}"
        page.wait_for_timeout(100)  # type: ignore[attr-defined]


def test_learner_journey(server: Server, browser: object) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        journey(server, context, page)
    except BaseException:
        shot(page, "failure-learner-journey")
        raise
    finally:
        context.close()


def journey(server: Server, context: object, page: object) -> None:

    # 1. Create an account.
    page.goto(server.url)
    fill_sign_up(page, "maria", "Maria Santos")
    shot(page, "01-create-account")
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("Welcome, Maria Santos").wait_for()
    shot(page, "02-course-home")
    cookie = next(c for c in wait_for_cookie(context) if c["name"] == "elearn_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"

    # The session survives a reload.
    page.reload()
    page.get_by_text("Welcome, Maria Santos").wait_for()

    # 2. Read a lesson and mark it done.
    page.locator(f"a[href*='lesson={LESSON.id}']").first.click()
    page.get_by_role("heading", name=LESSON.title).wait_for()
    assert "lesson=" in page.url
    shot(page, "03-lesson")
    page.get_by_role("button", name="Mark as done").click()
    page.get_by_text("You have marked this lesson as done.").wait_for()

    # 3. Play the scenario, reloading in the middle.
    page.get_by_role("link", name=f"Practise it: {SCENARIO.title}").click()
    page.get_by_role("button", name="Start the conversation").click()
    wait_for_choices(page, BEST[0][0])
    shot(page, "04-scenario-start")
    for index, (node_id, choice_id) in enumerate(BEST):
        wait_for_choices(page, node_id)
        click_choice(page, choice_id)
        if index == 1:
            page.get_by_text("Why:").first.wait_for()
            shot(page, "05-scenario-feedback")
            page.reload()
            wait_for_choices(page, BEST[2][0])  # resumed exactly where we were
    page.get_by_role("heading", name="Where it turned").wait_for()
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    shot(page, "06-debrief")

    # 4. My skills shows the chart.
    page.get_by_role("link", name="My skills").click()
    page.get_by_role("heading", name="My skills").wait_for()
    page.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for()
    shot(page, "07-my-skills")

    # 5. Sign out: the pages are refused, even by URL, and the session is dead on the server.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("tab", name="Sign in").wait_for()
    page.goto(f"{server.url}/skills")
    page.get_by_role("tab", name="Sign in").wait_for()
    assert page.get_by_role("heading", name="My skills").count() == 0
    shot(page, "08-signed-out")
