"""The debrief's "What each decision showed" reads in full at 1280 px and on a 390 px phone: every
decision's answer, skills, anger and whether it counts, with nothing cut off or scrolled sideways."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Server, fill_sign_up, shot
from .test_learner_journey import BEST, SCENARIO, click_choice, wait_for_choices

pytestmark = pytest.mark.browser
TIMEOUT = 30_000
TABLE = ".st-key-decision-table"


def cut_off(page: Any) -> list[str]:
    """The decision lines (and the page) that are wider than the room they are shown in."""
    return list(page.evaluate("""(table) => {
        const found = [];
        const doc = document.documentElement;
        if (doc.scrollWidth > window.innerWidth + 1) found.push(`page ${doc.scrollWidth} > ${window.innerWidth}`);
        const block = document.querySelector(table);
        if (block.scrollWidth > block.clientWidth + 1) found.push(`block ${block.scrollWidth} > ${block.clientWidth}`);
        const right = block.getBoundingClientRect().right;
        block.querySelectorAll("[data-testid='stMarkdownContainer']").forEach((line, i) => {
            if (line.scrollWidth > line.clientWidth + 1 || line.getBoundingClientRect().right > right + 1)
                found.push(`decision ${i + 1}`);
        });
        return found;
    }""", TABLE))


@pytest.mark.parametrize("width", [1280, 390], ids=lambda w: f"{w}px")
def test_every_decision_of_the_debrief_reads_in_full(server: Server, browser: Any, width: int) -> None:
    phone = width < 600
    context = browser.new_context(viewport={"width": width, "height": 900 if not phone else 844},
                                  is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        page.goto(server.url)
        fill_sign_up(page, f"dee{width}", "Dee Debrief")
        page.get_by_role("button", name="Create account").click()
        page.get_by_text("Welcome").first.wait_for()
        page.goto(f"{server.url}/scenario?scenario={SCENARIO.id}")
        page.get_by_role("button", name="Start the conversation").click()
        for node_id, choice_id in BEST:
            wait_for_choices(page, node_id)
            click_choice(page, choice_id)
        page.locator(TABLE).wait_for()
        page.locator(TABLE).scroll_into_view_if_needed()
        shot(page, f"debrief-decisions-{width}")
        lines = page.locator(f"{TABLE} [data-testid='stMarkdownContainer']").all_inner_texts()
        assert len(lines) == len(BEST)
        for number, line in enumerate(lines, start=1):
            assert line.startswith(f"{number}.")
            assert "anger" in line
            assert "counts" in line
        assert cut_off(page) == []
    except BaseException:
        shot(page, f"failure-debrief-{width}")
        raise
    finally:
        context.close()
