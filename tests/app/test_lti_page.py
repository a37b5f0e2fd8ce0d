"""The LMS (LTI) page, for administrators: the tool's URLs under public_url, registering a
platform through the form, and every problem of a bad registration listed, nothing kept."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from elearn.store import Role, create_user, open_store, upgrade
from elearn.store.lti import platforms

from .conftest import PASSWORD, as_read, open_page, sign_in

FIELDS = {"lti-issuer": "https://canvas.example.edu", "lti-client-id": "10000000000042",
          "lti-auth-url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
          "lti-token-url": "https://sso.canvaslms.com/login/oauth2/token",
          "lti-jwks-url": "https://sso.canvaslms.com/api/lti/security/jwks"}


@pytest.fixture
def admin_page(own_database: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("ELEARN_PUBLIC_URL", "https://learn.example.org")
    store = open_store(None, own_database)
    upgrade(store)
    create_user(store, username="root", display_name="Root", password=PASSWORD, now=datetime.now(UTC),
                roles=(Role.ADMIN,))
    store.dispose()
    return open_page(sign_in("root"), "lti")


def fill(at: AppTest, deployments: str, **changes: str) -> AppTest:
    for key, value in {**FIELDS, **changes}.items():
        at.text_input(key=key).input(value)
    at.text_area(key="lti-deployments").input(deployments)
    return at.button(key="FormSubmitter:lti-platform-Register platform").click().run()


def test_the_page_shows_the_tool_urls_and_registers_a_platform(admin_page: AppTest, own_database: Path) -> None:
    at = admin_page
    assert not at.exception
    shown = [str(cell) for frame in at.dataframe for cell in frame.value["Value"]] if at.dataframe else []
    assert shown == ["https://learn.example.org/lti/login", "https://learn.example.org/lti/launch",
                     "https://learn.example.org/lti/jwks"]
    assert '"kty": "RSA"' in at.code[0].value
    fill(at, "1\n2\n")
    assert not at.exception
    assert as_read(at.success[0].value) == "Registered https://canvas.example.edu (client id 10000000000042)."
    store = open_store(None, own_database)
    assert [(p.issuer, p.deployment_ids) for p in platforms(store)] == [("https://canvas.example.edu", ("1", "2"))]
    store.dispose()


def test_a_bad_registration_lists_every_problem(admin_page: AppTest, own_database: Path) -> None:
    at = fill(admin_page, "", **{"lti-jwks-url": "http://sso.canvaslms.com/jwks", "lti-client-id": ""})
    assert not at.exception
    message = as_read(at.error[0].value)
    assert "client id: missing" in message
    assert "deployment ids: give at least one" in message
    assert "JWKS URL: 'http://sso.canvaslms.com/jwks' must be an https:// URL" in message
    store = open_store(None, own_database)
    assert platforms(store) == ()
    store.dispose()
