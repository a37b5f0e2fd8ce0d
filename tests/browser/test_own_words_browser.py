"""'Say it your way' in a real browser, on a desktop and at a phone's 390px: the toggle, the text area
found by its label, the answers only after typing, the feedback on the words; the learner's words
never become a link; the page fits the phone's width and passes the axe scan."""

from __future__ import annotations

import pytest

from tests.conftest import shipped_course

from . import axe
from .conftest import Server, fill_sign_up, shot
from .test_learner_journey import SCENARIO, choice_keys, wait_for_choices
from .test_phone_and_keyboard import fits_the_screen

pytestmark = pytest.mark.browser
COURSE = shipped_course()
TIMEOUT = 45_000
TYPED = "Please calm down, it's our policy. Details at https://evil.example/x"


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_type_first_then_choose_then_what_we_noticed(server: Server, browser: object, width: int) -> None:
    phone = width < 600
    context = browser.new_context(viewport={"width": width, "height": 844 if phone else 900},  # type: ignore[attr-defined]
                                  is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        page.goto(server.url)
        fill_sign_up(page, f"sayer{width}", "Sam Sayer")
        page.locator(".st-key-reg-repeat input").press("Enter")
        page.get_by_text("Welcome, Sam Sayer").wait_for()

        page.goto(f"{server.url}/scenario?scenario={SCENARIO.id}")
        page.get_by_text("Say it your way").first.click()
        page.get_by_text("Type my own reply first in this scenario").click()
        page.get_by_text("Say it your way · on").wait_for()
        page.get_by_role("button", name="Start the conversation").click()

        spoken = SCENARIO.channel not in ("chat", "email", "internal")
        label = "What would you say? Type it as you would say it." if spoken else "Type your reply."
        box = page.get_by_role("textbox", name=label)
        box.wait_for()
        assert choice_keys(page) == {}  # no answers before the learner's own words
        assert fits_the_screen(page)
        box.fill(TYPED)
        page.get_by_role("button", name="Show the answers").click()
        first = COURSE.analyses[SCENARIO.id].best.steps[0]
        wait_for_choices(page, first.node_id)
        page.get_by_text("Which answer is closest to what you meant?").wait_for()
        assert fits_the_screen(page)
        shot(page, f"own-words-{width}-choose")

        page.locator(f".{choice_keys(page)[first.choice_id]} button").click()
        panel = page.locator(".st-key-own-words-noticed")
        panel.get_by_text("What we noticed in your words").wait_for()
        panel.get_by_text("“calm down”", exact=False).first.wait_for()
        panel.get_by_text("“it's … policy”", exact=False).first.wait_for()
        # The address reads as typed (the invisible word joiner that keeps it from becoming a link apart).
        assert "Details at https://evil.example/x" in panel.inner_text().replace("\u2060", "")
        links = page.locator("a[href*='evil.example']")
        assert links.count() == 0, links.evaluate_all("els => els.map(e => [e.outerHTML, e.parentElement.outerHTML])")
        assert fits_the_screen(page)
        shot(page, f"own-words-{width}-noticed")
        axe.settle(page)
        assert axe.failures(axe.scan(page, f"own-words-{width}")) == []
    except BaseException:
        shot(page, f"failure-own-words-{width}")
        raise
    finally:
        context.close()
