"""Deactivation in a real browser: an administrator deactivates a learner who is signed in in
another browser, and that learner's live session ends: their next click, and a reload with the
session cookie, show the sign-in form; signing in again says the account is deactivated."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from elearn.store import create_admin, create_user, open_store, upgrade

from .conftest import Server, shot, start_server, stop_server
from .test_learner_journey import wait_for_cookie

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
TIMEOUT = 45_000
PASSWORD = "correct horse battery"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Server, int]]:
    data_dir = tmp_path / "data"
    store = open_store(None, data_dir)
    upgrade(store)
    create_admin(store, "boss", PASSWORD, datetime.now(UTC), display_name="Bo Boss")
    ana = create_user(store, username="ana", display_name="Ana Berg", password=PASSWORD, now=datetime.now(UTC))
    store.dispose()
    running = start_server(data_dir, tmp_path / "server.log")
    yield running, ana.id
    stop_server(running)


def signed_in(browser: Any, url: str, username: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    page.locator(".st-key-signin-username input").fill(username)
    page.locator(".st-key-signin-password input").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text("Signed in as").wait_for()
    wait_for_cookie(context)
    return context, page


def test_deactivating_ends_a_live_session_in_another_browser(server: tuple[Server, int], browser: Any) -> None:
    running, ana_id = server
    learner_context, learner = signed_in(browser, running.url, "ana")
    admin_context, admin = signed_in(browser, running.url, "boss")
    try:
        learner.get_by_role("link", name="My skills").click()
        learner.get_by_role("heading", name="My skills").wait_for()

        admin.goto(f"{running.url}/people")
        admin.get_by_role("heading", name="Teams and people").wait_for()
        admin.locator(".st-key-people-section").get_by_role("radio", name="Accounts").click()
        search = admin.locator(".st-key-admin-search input")
        search.fill("berg")
        search.press("Enter")
        admin.locator(".st-key-admin-person").click()
        admin.get_by_role("option", name="Ana Berg (ana)").click()
        admin.locator(f".st-key-admin-deactivate-{ana_id} button").click()
        admin.get_by_text("Deactivate ana? They are signed out everywhere").wait_for()
        shot(admin, "deactivate-01-confirm")
        admin.locator(f".st-key-admin-deactivate-yes-{ana_id} button").click()
        admin.get_by_text("ana is deactivated and signed out everywhere.").wait_for()

        # Ana's open page: her next click finds her signed out.
        learner.get_by_role("link", name="Course").click()
        learner.locator(".st-key-signin-username input").wait_for()
        shot(learner, "deactivate-02-learner-signed-out")
        learner.reload()  # the cookie's token was revoked too
        learner.locator(".st-key-signin-username input").wait_for()
        learner.locator(".st-key-signin-username input").fill("ana")
        learner.locator(".st-key-signin-password input").fill(PASSWORD)
        learner.get_by_role("button", name="Sign in", exact=True).click()
        learner.get_by_text("This account has been deactivated. Ask your administrator to reactivate it.").wait_for()
        assert learner.get_by_text("Signed in as").count() == 0
    except BaseException:
        shot(learner, "failure-deactivate-learner")
        shot(admin, "failure-deactivate-admin")
        raise
    finally:
        learner_context.close()
        admin_context.close()
