"""Two learners play the same scenario in Chromium and meet its first decision's answers in different
orders; each learner's order survives a reload. The answer's place on screen gives nothing away."""

from __future__ import annotations

import pytest

from .conftest import Server, fill_sign_up, shot
from .test_learner_journey import SCENARIO, TIMEOUT, wait_for_choices

pytestmark = pytest.mark.browser


def shown_order(page: object) -> list[str]:
    """The choice ids of the answer buttons, top to bottom (their containers carry st-key-choice-...-<id>)."""
    classes = page.evaluate(  # type: ignore[attr-defined]
        "() => [...document.querySelectorAll(\"[class*='st-key-choice-']\")].map(e => e.className)")
    return [token.removeprefix("st-key-").split("-", 3)[3]
            for name in classes for token in name.split() if token.startswith("st-key-choice-")]


def first_decision_as(server: Server, browser: object, username: str) -> list[str]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        page.goto(server.url)
        fill_sign_up(page, username, username.title())
        page.get_by_role("button", name="Create account").click()
        page.get_by_text(f"Welcome, {username.title()}").wait_for()
        page.goto(f"{server.url}/scenario?scenario={SCENARIO.id}")
        page.get_by_role("button", name="Start the conversation").click()
        wait_for_choices(page, SCENARIO.start)
        order = shown_order(page)
        shot(page, f"shuffle-{username}")
        page.reload()
        wait_for_choices(page, SCENARIO.start)
        assert shown_order(page) == order  # a reload keeps this attempt's order
        return order
    finally:
        context.close()


def test_two_learners_see_the_first_answers_in_different_orders(server: Server, browser: object) -> None:
    first = first_decision_as(server, browser, "maria")
    second = first_decision_as(server, browser, "tomas")
    node = SCENARIO.node(SCENARIO.start)
    assert node is not None
    assert sorted(first) == sorted(second) == sorted(c.id for c in node.choices)
    assert first != second
