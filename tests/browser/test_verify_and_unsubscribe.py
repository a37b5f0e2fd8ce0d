"""The public pages of issue 20's e-mail and certificates, in Debian Chromium, signed out:

- ``/verify?code=...`` answers valid, expired and unknown codes, and shows only who, what and when;
- a reminder's ``/unsubscribe?token=...`` link opts out with one button, and the RFC 8058
  one-click POST does too (a GET of it changes nothing);
- a manager downloads a team member's certificate PDF on Certificates;
- axe-core finds no serious violation on any of these pages.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from elearn.store import Store, open_store, upgrade
from elearn.store.certificates import Certificate, NewCertificate, award, certificates_for
from elearn.store.outbox import new_unsubscribe_token, opted_out
from tests.store.conftest import build_world
from tests.store.helpers import FAST_HASHER, World

from . import axe
from .conftest import Server, shot, start_server, stop_server
from .test_accessibility_scan import judge, new_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


@dataclass(frozen=True)
class Setting:
    server: Server
    store: Store
    world: World
    valid: Certificate
    expired: Certificate


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setting]:
    root = tmp_path_factory.mktemp("verify")
    store = open_store(None, root / "data", hasher=FAST_HASHER)
    upgrade(store)
    world = build_world(store)
    now = datetime.now(UTC)
    award(store, [
        NewCertificate(world.ana.id, None, "Calm under fire: the whole course", (), "Merit", now - timedelta(days=3),
                       now + timedelta(days=300)),
        NewCertificate(world.abe.id, None, "Calm under fire: the whole course", (), "Pass", now - timedelta(days=400),
                       now - timedelta(days=35)),
        NewCertificate(world.bea.id, None, "Calm under fire: the whole course", (), "Pass", now - timedelta(days=1),
                       None),  # team B: not Manny's
    ], now)
    running = start_server(root / "data", root / "server.log")
    yield Setting(running, store, world, certificates_for(store, world.ana)[0], certificates_for(store, world.abe)[0])
    stop_server(running)
    store.dispose()


def _page_text(page: Any) -> str:
    return str(page.locator("[data-testid=stMain]").inner_text())


def test_verify_answers_valid_expired_and_unknown_codes(setting: Setting, browser: Any) -> None:
    findings: list[axe.Finding] = []
    context, page = new_page(browser)
    try:
        page.goto(f"{setting.server.url}/verify?code={setting.valid.code}")
        page.get_by_text("This certificate is valid.").wait_for()
        text = _page_text(page)
        assert f"awarded to Ana for Calm under fire: the whole course on {setting.valid.earned_at:%d %B %Y}" in text
        assert f"valid until {setting.valid.expires_at:%d %B %Y}" in text
        assert "Team A" not in text  # the holder's team, band, e-mail: nothing more than who, what and when
        assert "Merit" not in text
        findings += axe.scan(page, "verify-valid")
        shot(page, "verify-valid")

        page.goto(f"{setting.server.url}/verify?code={setting.expired.code.lower()}")
        page.get_by_text("It expired on").wait_for()
        assert "awarded to Abe" in _page_text(page)
        findings += axe.scan(page, "verify-expired")

        page.goto(f"{setting.server.url}/verify?code=ABCD-EFGH-JKMN")
        page.get_by_text("No certificate has this code").wait_for()
        findings += axe.scan(page, "verify-unknown")

        page.goto(f"{setting.server.url}/verify")
        page.get_by_role("textbox", name="Verification code").fill(setting.valid.code)
        page.get_by_role("button", name="Check the code").click()
        page.get_by_text("This certificate is valid.").wait_for()
    finally:
        context.close()
    judge(findings, "verify")


def test_the_reminder_link_opts_out_with_one_button_and_one_click(setting: Setting, browser: Any) -> None:
    store, world = setting.store, setting.world
    token = new_unsubscribe_token(store, world.bea.id, datetime.now(UTC))
    findings: list[axe.Finding] = []
    context, page = new_page(browser)
    try:
        page.goto(f"{setting.server.url}/unsubscribe?token={token}")
        button = page.get_by_role("button", name="Stop reminders")
        button.wait_for()
        findings += axe.scan(page, "unsubscribe")
        assert not opted_out(store, world.bea.id)  # opening the link changes nothing
        button.click()
        page.get_by_text("you will get no more reminder e-mails").wait_for()
        assert opted_out(store, world.bea.id)
        findings += axe.scan(page, "unsubscribe-done")

        page.goto(f"{setting.server.url}/unsubscribe?token=not-one-of-ours")
        page.get_by_role("button", name="Stop reminders").click()
        page.get_by_text("This link is not one we sent").wait_for()

        # RFC 8058: the mail client POSTs the List-Unsubscribe address itself.
        other = new_unsubscribe_token(store, world.loner.id, datetime.now(UTC))
        one_click = f"{setting.server.url}/mail/unsubscribe?token={other}"
        looked = page.request.get(one_click, max_redirects=0)
        assert looked.status == 303
        assert looked.headers["location"] == f"/unsubscribe?token={other}"
        assert not opted_out(store, world.loner.id)
        refused = page.request.post(one_click, data="something=else",
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert refused.status == 400
        posted = page.request.post(one_click, data="List-Unsubscribe=One-Click",
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert posted.status == 200
        assert opted_out(store, world.loner.id)
        assert page.request.post(f"{setting.server.url}/mail/unsubscribe?token=nope", data="List-Unsubscribe=One-Click",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"}).status == 404
    finally:
        context.close()
    judge(findings, "unsubscribe")


def test_a_manager_downloads_a_team_members_certificate(setting: Setting, browser: Any, tmp_path: Path) -> None:
    context, page = new_page(browser)
    findings: list[axe.Finding] = []
    try:
        sign_in(page, context, setting.server.url, "manny")
        page.goto(f"{setting.server.url}/certificates")
        button = page.get_by_role("button", name="Download Ana's certificate")
        button.wait_for()
        assert "Download 2 certificates as a zip" in _page_text(page)  # Ana and Abe (team A); not Bea
        findings += axe.scan(page, "certificates-manager")
        shot(page, "certificates-manager")
        with page.expect_download() as download:
            button.click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.name == f"certificate-ana-{setting.valid.code}.pdf"
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(saved.read_bytes())).pages)
        assert "Ana" in text
        assert setting.valid.code in text
    finally:
        context.close()
    judge(findings, "certificates")
