"""Driving the workshop pages in a real browser: a presenter who signs in, phones that join and vote.

Widgets are found by their keys (Streamlit puts ``st-key-<key>`` on each widget's container), and
every step waits for what the next screen shows rather than sleeping.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.store.helpers import PASSWORD

TIMEOUT_MS = 30_000


@dataclass
class Frames:
    """How many websocket messages a page has sent to the server (each is a rerun request)."""

    sent: int = 0
    log: list[float] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        """Count from now on; call before the page's first ``goto`` so its websocket is seen."""
        page.on("websocket", lambda socket: socket.on("framesent", self._count))

    def _count(self, _frame: object) -> None:
        self.sent += 1
        self.log.append(time.monotonic())


def wait_until(page: Any, condition: Callable[[], bool], what: str, timeout: float = TIMEOUT_MS / 1000) -> None:
    """Poll ``condition`` until it holds. Waiting through ``page`` lets Playwright deliver events
    (websocket frames) meanwhile; its sync API only does so inside its own calls."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        page.wait_for_timeout(50)


def new_page(browser: Any, *, phone: bool, frames: Frames | None = None) -> tuple[Any, Any]:
    viewport = {"width": 390, "height": 844} if phone else {"width": 1400, "height": 900}
    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    if frames is not None:
        frames.watch(page)
    return context, page


def sign_in(page: Any, url: str, username: str) -> None:
    page.goto(url)
    page.locator(".st-key-signin-username input").fill(username)
    page.locator(".st-key-signin-password input").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Welcome").wait_for()


def present(page: Any, url: str, code: str) -> None:
    page.goto(f"{url}/present?room={code}")
    page.get_by_text("joined").first.wait_for()


def join(page: Any, url: str, code: str, nickname: str) -> str:
    """Open the QR link, type a nickname, join; returns the participant's URL (with its token)."""
    page.goto(f"{url}/join?room={code}")
    page.locator(".st-key-join-nickname input").fill(nickname)
    page.get_by_role("button", name="Join").click()
    page.get_by_text("you are").wait_for()
    wait_until(page, lambda: "p=" in page.url, "the participant token in the URL")
    return str(page.url)


def press(page: Any, key: str) -> None:
    page.locator(f".st-key-{key} button").click()


def votes_shown(page: Any, decision: int) -> set[str]:
    classes = page.evaluate(
        "() => [...document.querySelectorAll(\"[class*='st-key-vote-']\")].map(e => e.className)")
    prefix = f"st-key-vote-{decision}-"
    return {token.removeprefix(prefix) for name in classes for token in name.split() if token.startswith(prefix)}


def wait_for_ballot(page: Any, decision: int, choices: set[str], timeout: float = TIMEOUT_MS / 1000) -> None:
    """Wait, without a tap, until the phone shows every choice of ``decision`` as a vote button
    (the phone checks its room every few seconds by itself)."""
    wait_until(page, lambda: votes_shown(page, decision) == choices,
               f"the phone to show decision {decision}'s choices", timeout)


def vote(page: Any, decision: int, choice_id: str) -> None:
    press(page, f"vote-{decision}-{choice_id}")
    page.locator(f".st-key-vote-{decision}-{choice_id} [data-testid='stBaseButton-primary']").wait_for()


def text_of(page: Any) -> str:
    return str(page.locator("[data-testid='stMain']").inner_text())


def tallies(page: Any) -> dict[str, int]:
    """The revealed split on the presenter, by letter, read from its answer lines ("B · ... · 2")."""
    found = {}
    for line in text_of(page).splitlines():
        match = re.fullmatch(r"([A-D]) · .* · (\d+)", line.strip())
        if match:
            found[match[1]] = int(match[2])
    return found


def ballot_labels(page: Any, decision: int) -> list[str]:
    """The phone's vote buttons for ``decision``, top to bottom, as their labels ("B · ...")."""
    buttons = page.locator(f"[class*='st-key-vote-{decision}-'] button")
    return [" ".join(str(text).split()) for text in buttons.all_inner_texts()]


def projected_answers(page: Any) -> list[str]:
    """The answers the projector lists, top to bottom, as "A · ..." (without a revealed tally)."""
    lines = (" ".join(line.split()) for line in text_of(page).splitlines())
    return [re.sub(r" · \d+$", "", line) for line in lines if re.match(r"^[A-D] · ", line)]
