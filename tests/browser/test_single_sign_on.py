"""Single sign-on through a real local OpenID Connect provider (oidc-provider-mock) and st.login.

The identity is linked to an account by an e-mail both sides have verified (then by its subject);
signing out ends both our session and the single sign-on, so the next visit asks again. An
identity without an account, one whose e-mail the provider does not vouch for, and one whose
address was self-registered here by someone else are each refused with the reason.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from oidc_provider_mock import User, run_server_in_thread

from bench.harness.servers import free_port
from elearn.store import create_user, open_store, register, upgrade

from .conftest import Server, shot, start_server, stop_server

pytestmark = pytest.mark.browser
TIMEOUT = 30_000


def settle_after_sign_out(page: object) -> None:
    """Confirm at the provider if it asks, until the app's sign-in page has stayed put for a moment."""
    confirm = page.get_by_role("button", name="End session")  # type: ignore[attr-defined]
    sign_in = page.get_by_role("button", name="Sign in with your organisation account")  # type: ignore[attr-defined]
    deadline = time.monotonic() + TIMEOUT / 1000
    steady = 0
    while steady < 10:
        assert time.monotonic() < deadline, "the app never settled on its sign-in page after signing out"
        try:
            if confirm.count():
                confirm.click()
                steady = 0
            elif sign_in.count():
                steady += 1
            else:
                steady = 0
        except Exception:  # the page may navigate away mid-check: look again
            steady = 0
        page.wait_for_timeout(200)  # type: ignore[attr-defined]


def refused(page: object, server: Server, subject: str, message: str) -> None:
    """Sign in at the provider as ``subject`` and find the app refusing with ``message``, then sign
    out of the provider again (the app's sign-out button is not there for someone refused)."""
    page.goto(server.url)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in with your organisation account").click()  # type: ignore[attr-defined]
    page.locator("input[name='sub']").fill(subject)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Authorize").click()  # type: ignore[attr-defined]
    # The app shows e-mail addresses with a word joiner after "@" (ui.text.md_escape: so they never
    # become links); a reader sees and hears the same words.
    shown = re.compile(re.escape(message).replace("@", "@\u2060?"))
    page.get_by_text(shown).wait_for()  # type: ignore[attr-defined]
    assert page.get_by_role("button", name="Sign out").count() == 0  # type: ignore[attr-defined]
    page.context.clear_cookies()  # type: ignore[attr-defined]


@pytest.fixture
def sso_server(tmp_path: Path) -> Iterator[Server]:
    people = [User(sub=email, claims={"email": email, "email_verified": True})
              for email in ("maria@example.com", "stranger@example.com", "victim@example.com")]
    # Anyone else typed into the provider's form gets {"email": <what was typed>}: not verified.
    with run_server_in_thread(port=0, user_claims=people) as provider:
        port = free_port()
        secrets_file = tmp_path / "secrets.toml"
        secrets_file.write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(32)}"\n'
            'client_id = "calm-under-fire"\n'
            'client_secret = "test-secret"\n'
            f'server_metadata_url = "http://localhost:{provider.server_port}/.well-known/openid-configuration"\n'
            "[elearn]\n"
            'self_registration = "off"\n'
        )
        data_dir = tmp_path / "data"
        store = open_store(None, data_dir)
        upgrade(store)
        create_user(store, username="maria", display_name="Maria Santos", password=None,
                    email="maria@example.com", now=datetime.now(UTC))
        # Someone registered the victim's address before the victim ever signed in.
        register(store, username="squatter", display_name="Not The Victim", password="correct horse battery",
                 email="victim@example.com", now=datetime.now(UTC), allow_self_registration=True)
        store.dispose()
        running = start_server(data_dir, tmp_path / "server.log", port=port,
                               extra_args=("--secrets.files", str(secrets_file)))
        yield running
        stop_server(running)


def test_sign_in_through_the_identity_provider(sso_server: Server, browser: object) -> None:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        page.goto(sso_server.url)
        page.get_by_role("button", name="Sign in with your organisation account").click()
        page.locator("input[name='sub']").fill("maria@example.com")
        page.get_by_role("button", name="Authorize").click()
        page.get_by_text("Welcome, Maria Santos").wait_for()
        shot(page, "sso-01-signed-in")

        page.get_by_role("button", name="Sign out").click()
        # Signing out of the app also signs out at the provider, which may ask to confirm; the
        # browser travels there and back on its own.
        settle_after_sign_out(page)
        page.goto(sso_server.url)
        page.get_by_role("button", name="Sign in with your organisation account").wait_for()
        assert page.get_by_text("Welcome, Maria Santos").count() == 0

        # An identity without an account is told what to do, and gets no access.
        refused(page, sso_server, "stranger@example.com", "There is no account for stranger@example.com yet")
        shot(page, "sso-02-unknown-identity")
        # An address the provider does not vouch for picks no account, not even Maria's.
        refused(page, sso_server, "maria@example.com-unverified",
                "did not confirm that maria@example.com-unverified is yours")
        # A self-registered address is not trusted to pick an account either.
        refused(page, sso_server, "victim@example.com",
                "An account here uses victim@example.com, but that address has not been confirmed")
        assert page.get_by_text("Welcome, Not The Victim").count() == 0
    except BaseException:
        shot(page, "failure-single-sign-on")
        raise
    finally:
        context.close()
