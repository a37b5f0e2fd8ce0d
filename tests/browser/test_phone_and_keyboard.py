"""At phone width the course fits the screen, and a scenario can be played with the keyboard alone."""

from __future__ import annotations

import pytest

from tests.conftest import shipped_course

from .conftest import Server, fill_sign_up, shot
from .test_learner_journey import SCENARIO, choice_keys, wait_for_choices

pytestmark = pytest.mark.browser
COURSE = shipped_course()  # SCENARIO: the learner journey's, which wait_for_choices knows
TIMEOUT = 45_000


def fits_the_screen(page: object) -> bool:
    return bool(page.evaluate(  # type: ignore[attr-defined]
        "() => document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_phone_width_and_keyboard(server: Server, browser: object) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,  # type: ignore[attr-defined]
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        page.goto(server.url)
        fill_sign_up(page, "kofi", "Kofi Mensah")
        page.locator(".st-key-reg-repeat input").press("Enter")  # submits the form from the keyboard
        page.get_by_text("Welcome, Kofi Mensah").wait_for()
        assert fits_the_screen(page)
        shot(page, "phone-01-home")

        page.goto(f"{server.url}/scenario?scenario={SCENARIO.id}")
        start = page.get_by_role("button", name="Start the conversation")
        start.focus()
        page.keyboard.press("Enter")
        first = COURSE.analyses[SCENARIO.id].best.steps[0]
        wait_for_choices(page, first.node_id)
        assert fits_the_screen(page)
        page.locator(f".{choice_keys(page)[first.choice_id]} button").focus()
        page.keyboard.press("Enter")
        page.get_by_text("Why:").first.wait_for()
        assert fits_the_screen(page)
        shot(page, "phone-02-feedback")
    except BaseException:
        shot(page, "failure-phone-and-keyboard")
        raise
    finally:
        context.close()
