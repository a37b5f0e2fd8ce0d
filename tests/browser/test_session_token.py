"""The session token never reaches the page: after a password sign-in in a real browser, nothing
in the DOM, nor anything the DOM held at any moment, is a session token, and the one-time code
that got the cookie set is spent and gone. The HttpOnly cookie then carries the session across
a reload. The server here trusts no proxy, so forwarded headers from a direct client change nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from elearn.store import create_user, open_store, upgrade
from elearn.store.tables import SessionRow

from .conftest import Server, shot, start_server, stop_server

pytestmark = pytest.mark.browser
TIMEOUT = 30_000
PASSWORD = "correct horse battery"
# Every node the page adds, recorded as it arrives: a token that was in the DOM only for a moment counts too.
RECORD_DOM = """
window.__added = [];
new MutationObserver(records => {
  for (const record of records) for (const node of record.addedNodes)
    window.__added.push(node.outerHTML || node.textContent || "");
}).observe(document, {childList: true, subtree: true});
"""
TOKENISH = re.compile(r"[A-Za-z0-9_-]{32,}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    data_dir = tmp_path / "data"
    store = open_store(None, data_dir)
    upgrade(store)
    create_user(store, username="tess", display_name="Tess Tokenless", password=PASSWORD, now=datetime.now(UTC))
    store.dispose()
    running = start_server(data_dir, tmp_path / "server.log")
    yield running
    stop_server(running)


def secrets_in_store(server: Server) -> tuple[set[str], set[str]]:
    """(hashes of every session token, hashes of the exchange codes still good now)."""
    store = open_store(None, server.data_dir)
    try:
        rows = store.read(lambda conn: conn.execute(select(
            SessionRow.token_hash, SessionRow.cookie_token_hash, SessionRow.cookie_code_hash,
            SessionRow.cookie_code_expires_at)).all())
    finally:
        store.dispose()
    now = datetime.now(UTC)
    tokens = {h for row in rows for h in row[:2] if h}
    live_codes = {row[2] for row in rows if row[2] and row[3] and row[3] > now}
    return tokens, live_codes


def wait_for_session_cookie(context: object) -> str:
    deadline = time.monotonic() + TIMEOUT / 1000
    while time.monotonic() < deadline:
        for cookie in context.cookies():  # type: ignore[attr-defined]
            if cookie["name"] == "elearn_session":
                assert cookie["httpOnly"] is True
                return str(cookie["value"])
        time.sleep(0.1)
    raise AssertionError("the session cookie was never set")


def test_no_token_or_live_code_is_ever_in_the_page(server: Server, browser: object) -> None:
    context = browser.new_context()  # type: ignore[attr-defined]
    context.add_init_script(RECORD_DOM)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        page.goto(server.url)
        page.locator(".st-key-signin-username input").fill("tess")
        page.locator(".st-key-signin-password input").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.get_by_text("Welcome, Tess Tokenless").wait_for()
        cookie = wait_for_session_cookie(context)
        # The script that carried the code takes itself out once its request is answered.
        page.wait_for_function("() => !document.querySelector('script[data-elearn-post]')")
        shot(page, "token-01-signed-in")

        now_in_page = page.evaluate("() => document.documentElement.outerHTML")
        ever_in_page = "\n".join(page.evaluate("() => window.__added"))
        assert "/auth/session" in ever_in_page, "the recorder never saw the cookie script: it records nothing"
        tokens, live_codes = secrets_in_store(server)
        assert len(tokens) == 2  # this sign-in's session: the tab's token and the cookie's
        assert hashlib.sha256(cookie.encode()).hexdigest() in tokens
        for html in (now_in_page, ever_in_page):
            assert cookie not in html
            seen = {hashlib.sha256(candidate.encode()).hexdigest() for candidate in TOKENISH.findall(html)}
            assert not seen & tokens, "a session token reached the page"
            assert not seen & live_codes, "an exchange code that still works is in the page"
        assert "/auth/session" not in now_in_page

        page.reload()
        page.get_by_text("Welcome, Tess Tokenless").wait_for()
    except BaseException:
        shot(page, "failure-session-token")
        raise
    finally:
        context.close()


def test_forwarded_headers_from_a_client_that_is_no_trusted_proxy_change_nothing(server: Server) -> None:
    """By default no proxy is trusted: a direct client saying it came over HTTPS is still on http,
    so its https Origin is cross-origin for the cookie route (and nothing reaches the code check)."""
    host = server.url.removeprefix("http://")
    request = urllib.request.Request(
        f"{server.url}/auth/session", data=json.dumps({"code": "x"}).encode(), method="POST",
        headers={"Content-Type": "application/json", "Origin": f"https://{host}", "X-Forwarded-Proto": "https"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert (refused.value.code, json.loads(refused.value.read())) == (403, {"error": "cross-origin request refused"})
    same_origin = urllib.request.Request(
        f"{server.url}/auth/session", data=json.dumps({"code": "x"}).encode(), method="POST",
        headers={"Content-Type": "application/json", "Origin": server.url})
    with pytest.raises(urllib.error.HTTPError) as spent:
        urllib.request.urlopen(same_origin, timeout=10)
    assert json.loads(spent.value.read()) == {"error": "not a valid code (used, expired or unknown)"}


def test_streamlits_metrics_are_not_served(server: Server) -> None:
    with pytest.raises(urllib.error.HTTPError) as hidden:
        urllib.request.urlopen(f"{server.url}/_stcore/metrics", timeout=10)
    assert hidden.value.code == 404
    with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=10) as health:
        assert health.status == 200
