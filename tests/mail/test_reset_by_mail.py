"""Password-reset links e-mailed once, through the outbox, to a real SMTP server (aiosmtpd) started
in the test, on SQLite and PostgreSQL: the link arrives once and works once, the database never
holds it in plain text, and a request that no longer applies is dropped with the reason."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from elearn.cli.main import main
from elearn.course.catalogue import Course
from elearn.mail.outgoing import send_due
from elearn.store import (
    AccessDenied,
    AccountError,
    Store,
    audit_log,
    authenticate,
    change_email,
    deactivate,
    issue_reset_link,
    queue_reset_email,
    reset_password,
)
from elearn.store.outbox import jobs
from elearn.store.tables import Base, PasswordResetRow
from tests.store.helpers import NOW, Target

from .conftest import SmtpServer, build_organisation
from .test_mail_end_to_end import BASE_URL, _settings

NEW_PASSWORD = "a brand new passphrase"


SUBJECT = "Set a new password for Calm under fire"


def _resets(messages: list[EmailMessage]) -> list[EmailMessage]:
    """The reset e-mails among ``messages`` (the week's digest to the manager goes too)."""
    return [m for m in messages if m["Subject"] == SUBJECT]


def _link(message: EmailMessage) -> str:
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    found = re.search(r"Set a new password: (\S+)", text)
    assert found is not None, text
    return found.group(1)


def _token(link: str) -> str:
    parts = urlparse(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{BASE_URL}/reset"
    return parse_qs(parts.query)["token"][0]


def _everything_stored(store: Store) -> str:
    """Every value of every row of every table, as text: where a leaked token would show."""
    return store.read(lambda conn: "\n".join(
        repr(tuple(row)) for table in Base.metadata.sorted_tables for row in conn.execute(select(table))))


def test_a_reset_link_is_emailed_once_works_once_and_is_never_stored_in_plain_text(
        target: Target, store: Store, course: Course, smtp_server: SmtpServer) -> None:
    org = build_organisation(store, team_a_size=1)
    learner = org.team_a[0]
    settings = _settings(target, smtp_server.port)
    on_screen = issue_reset_link(store, org.admin, learner.id, NOW)
    assert queue_reset_email(store, org.admin, learner.id, NOW) == "a00@example.org"
    with pytest.raises(AccountError, match="not valid any more"):  # asking for an e-mail voids older links
        reset_password(store, on_screen, NEW_PASSWORD, NOW)
    assert [(e.actor, e.action, e.subject, dict(e.after)) for e in audit_log(store, org.admin)[:1]] == [
        ("admin", "e-mail reset link", "a00", {"to": "a00@example.org"})]

    def run(minutes: int) -> list[str]:
        sent = send_due(store, course, settings.smtp, lambda: NOW + timedelta(minutes=minutes), settings.pass_rule,
                        BASE_URL).sent
        return [line for line in sent if line.startswith("reset")]

    assert run(1) == [f"reset to a00@example.org: {SUBJECT}"]
    (message,) = _resets(smtp_server.inbox.wait_for(2))  # and the digest
    assert message["To"] == "a00@example.org"
    assert message["List-Unsubscribe"] is None  # not a reminder
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Hello Learner &lt;b&gt;0&lt;/b&gt;," in html
    link = _link(message)
    token = _token(link)
    assert f'href="{link}"' in html
    assert token not in _everything_stored(store)  # only its hash, in password_resets; the outbox names the account
    assert store.read(lambda conn: conn.scalar(select(PasswordResetRow.expires_at).where(
        PasswordResetRow.used_at.is_(None)))) == NOW + timedelta(minutes=1, hours=24)  # from sending

    assert run(5) == []  # e-mailed once
    assert len(_resets(smtp_server.inbox.messages)) == 1
    assert reset_password(store, token, NEW_PASSWORD, NOW + timedelta(minutes=10)).username == "a00"
    with pytest.raises(AccountError, match="not valid any more"):
        reset_password(store, token, "yet another passphrase", NOW + timedelta(minutes=11))
    assert authenticate(store, "a00", NEW_PASSWORD, NOW + timedelta(minutes=12), client="test") is not None


def test_a_request_that_no_longer_applies_is_dropped_with_the_reason(
        target: Target, store: Store, course: Course, smtp_server: SmtpServer) -> None:
    org = build_organisation(store, team_a_size=3)
    replaced, shown, late, gone = org.team_a[0], org.team_a[1], org.team_a[2], org.bea
    settings = _settings(target, smtp_server.port)
    queue_reset_email(store, org.admin, replaced.id, NOW)
    queue_reset_email(store, org.admin, replaced.id, NOW + timedelta(seconds=1))  # the newer request counts
    queue_reset_email(store, org.admin, shown.id, NOW)
    on_screen = issue_reset_link(store, org.admin, shown.id, NOW + timedelta(seconds=2))  # replaces the e-mail
    queue_reset_email(store, org.admin, late.id, NOW - timedelta(hours=24))  # the server was down for a day
    queue_reset_email(store, org.admin, gone.id, NOW)
    deactivate(store, org.admin, gone.id, NOW + timedelta(seconds=3))

    report = send_due(store, course, settings.smtp, lambda: NOW + timedelta(minutes=1), settings.pass_rule, BASE_URL)
    assert [line for line in report.sent if line.startswith("reset")] == [f"reset to {replaced.email}: {SUBJECT}"]
    assert [m["To"] for m in _resets(smtp_server.inbox.wait_for(2))] == [replaced.email]
    outcomes = {(job.user_id, job.outcome) for job in jobs(store) if job.dropped_at is not None}
    assert outcomes == {
        (replaced.id, "replaced by a newer reset request"),
        (shown.id, "replaced by a reset link shown on screen"),
        (late.id, "no reset link now: the account is deactivated or signs in elsewhere, or the request is over 24 "
                  "hours old"),
        (gone.id, "no reset link now: the account is deactivated or signs in elsewhere, or the request is over 24 "
                  "hours old"),
    }
    assert reset_password(store, on_screen, NEW_PASSWORD, NOW + timedelta(minutes=2)).id == shown.id


def test_only_an_admin_may_queue_one_and_only_for_an_active_account_with_an_address(store: Store) -> None:
    org = build_organisation(store, team_a_size=1)
    learner = org.team_a[0]
    with pytest.raises(AccessDenied):
        queue_reset_email(store, org.manager, learner.id, NOW)
    change_email(store, org.admin, learner.id, "", NOW)
    no_address = "'a00' has no e-mail address. Add one first, or make a link to pass on."
    with pytest.raises(AccountError, match=re.escape(no_address)):
        queue_reset_email(store, org.admin, learner.id, NOW)
    deactivate(store, org.admin, org.bea.id, NOW)
    with pytest.raises(AccountError, match=re.escape("'bea' is deactivated. Reactivate the account")):
        queue_reset_email(store, org.admin, org.bea.id, NOW)
    assert jobs(store) == ()


def test_a_dry_run_previews_a_reset_email_and_makes_no_link(target: Target, store: Store,
                                                            smtp_server: SmtpServer) -> None:
    org = build_organisation(store, team_a_size=1)
    queue_reset_email(store, org.admin, org.team_a[0].id, datetime.now(UTC))
    before = _everything_stored(store)
    out = io.StringIO()
    assert main(["mail", "send", "--dry-run"], out, _settings(target, smtp_server.port)) == 0
    assert f"would send reset to a00@example.org: {SUBJECT}" in out.getvalue().splitlines()
    assert _everything_stored(store) == before
    assert smtp_server.inbox.messages == []
