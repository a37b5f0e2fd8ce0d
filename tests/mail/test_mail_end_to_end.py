"""E-mail end to end, with a real SMTP server (aiosmtpd) started in the test.

Assignment notices, reminders and the manager's digest arrive once each while two processes run
``python -m elearn mail send`` at the same time; with the server down nothing is lost and it all
arrives once the server is back; the one-click opt-out stops reminders but not assignment notices.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from urllib.parse import parse_qs, urlparse

from elearn.cli.main import main
from elearn.course.catalogue import Course
from elearn.mail.config import SmtpSettings
from elearn.mail.outgoing import send_due
from elearn.settings import Settings
from elearn.store import Store
from elearn.store.assignments import assign
from elearn.store.outbox import jobs, opt_out
from tests.conftest import REPO
from tests.store.helpers import NOW, Target

from .conftest import SmtpServer, build_organisation

BASE_URL = "https://training.example.org"
SENDER = "Calm under fire <training@example.org>"


def _environment(target: Target, port: int) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("ELEARN_")}
    return {**keep, "ELEARN_DATABASE_URL": target.url, "ELEARN_DATA_DIR": str(target.data_dir),
            "ELEARN_SMTP_HOST": "127.0.0.1", "ELEARN_SMTP_PORT": str(port), "ELEARN_SMTP_TLS": "none",
            "ELEARN_MAIL_SENDER": SENDER, "ELEARN_PUBLIC_URL": BASE_URL, "PYTHONPATH": str(REPO)}


def _kind(message: EmailMessage) -> str:
    subject = str(message["Subject"])
    for prefix, kind in (("New training", "assigned"), ("Due ", "due-soon"), ("Overdue", "overdue"),
                         ("Your team this week", "digest")):
        if subject.startswith(prefix):
            return kind
    raise AssertionError(f"unexpected subject {subject!r}")


def _received(messages: list[EmailMessage]) -> Counter[tuple[str, str]]:
    return Counter((str(m["To"]), _kind(m)) for m in messages)


def test_two_senders_at_once_send_each_email_once(target: Target, store: Store, smtp_server: SmtpServer) -> None:
    org = build_organisation(store, team_a_size=12)
    smtp_server.inbox.delay = 0.15  # 27 e-mails take about 4 s: both senders are at work at once
    now = datetime.now(UTC)
    assign(store, org.admin, team_id=org.team_a_id, due_at=now + timedelta(days=3), now=now)
    assign(store, org.admin, user_id=org.bea.id, due_at=now - timedelta(days=2), now=now - timedelta(days=10))

    env = _environment(target, smtp_server.port)
    command = [sys.executable, "-m", "elearn", "mail", "send"]
    senders = [subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    outputs = [sender.communicate(timeout=120) for sender in senders]
    assert [sender.returncode for sender in senders] == [0, 0], outputs

    expected = Counter({**{(f"{learner.username}@example.org", kind): 1 for learner in org.team_a
                           for kind in ("assigned", "due-soon")},
                        ("bea@example.org", "assigned"): 1, ("bea@example.org", "overdue"): 1,
                        ("manny@example.org", "digest"): 1})
    messages = smtp_server.inbox.wait_for(sum(expected.values()))
    assert _received(messages) == expected
    assert len({m["Message-ID"] for m in messages}) == len(messages)
    sent_by = [len(re.findall(r"^sent ", out, re.MULTILINE)) for out, _ in outputs]
    assert sum(sent_by) == len(messages), outputs
    print(f"e-mails sent by each of the two senders: {sent_by}")
    assert min(sent_by) > 0, f"one sender did everything: {sent_by}"

    # A third run finds nothing new to send.
    again = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "0 queued, 0 sent" in again.stdout
    assert len(smtp_server.inbox.messages) == len(messages)

    notice = next(m for m in messages if _kind(m) == "assigned" and m["To"] == "a00@example.org")
    html = notice.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Hello Learner &lt;b&gt;0&lt;/b&gt;," in html  # user text escaped
    assert "<b>0</b>" not in html
    assert f'href="{BASE_URL}/"' in html
    digest = next(m for m in messages if _kind(m) == "digest")
    assert f"{BASE_URL}/dashboard" in digest.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = digest.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Overdue (0)" in text  # bea is overdue, but in team B: not Manny's team


def _settings(target: Target, port: int) -> Settings:
    return Settings(database_url=target.url, data_dir=target.data_dir, public_url=BASE_URL,
                    smtp=SmtpSettings(host="127.0.0.1", port=port, tls="none", sender=SENDER, timeout_seconds=5))


def test_with_the_server_down_nothing_is_lost(target: Target, store: Store, course: Course,
                                              stopped_smtp_server: SmtpServer) -> None:
    server = stopped_smtp_server
    org = build_organisation(store, team_a_size=3)
    assign(store, org.admin, team_id=org.team_a_id, due_at=NOW + timedelta(days=20), now=NOW)
    settings = _settings(target, server.port)

    def run(at: datetime) -> list[str]:
        report = send_due(store, course, settings.smtp, lambda: at, settings.pass_rule, BASE_URL)
        return report.sent

    assert run(NOW) == []  # refused connection: every job waits
    waiting = jobs(store)
    assert len(waiting) == 4  # three notices, Manny's digest
    assert all(job.sent_at is None and job.dropped_at is None and job.tries == 1 for job in waiting)
    assert all("cannot reach the SMTP server" in (job.outcome or "") for job in waiting)

    server.start()
    assert run(NOW + timedelta(seconds=30)) == []  # backing off: not yet time to try again
    assert len(run(NOW + timedelta(minutes=2))) == 4
    assert _received(server.inbox.wait_for(4)) == Counter(
        {**{(f"{learner.username}@example.org", "assigned"): 1 for learner in org.team_a},
         ("manny@example.org", "digest"): 1})
    assert all(job.sent_at is not None and job.tries == 2 for job in jobs(store))
    assert run(NOW + timedelta(minutes=10)) == []
    assert len(server.inbox.messages) == 4


def test_the_one_click_link_stops_reminders_but_not_assignment_notices(
        target: Target, store: Store, course: Course, smtp_server: SmtpServer) -> None:
    org = build_organisation(store, team_a_size=1)
    learner = org.team_a[0]
    first = assign(store, org.admin, user_id=learner.id, due_at=NOW + timedelta(days=5), now=NOW)
    settings = _settings(target, smtp_server.port)

    def run(at: datetime) -> None:
        send_due(store, course, settings.smtp, lambda: at, settings.pass_rule, BASE_URL)

    run(NOW)
    mine = [m for m in smtp_server.inbox.wait_for(3) if m["To"] == learner.email]
    assert sorted(_kind(m) for m in mine) == ["assigned", "due-soon"]
    reminder = next(m for m in mine if _kind(m) == "due-soon")
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = urlparse(str(reminder["List-Unsubscribe"]).strip("<>"))
    assert (one_click.scheme, one_click.netloc, one_click.path) == ("https", "training.example.org",
                                                                     "/mail/unsubscribe")
    text = reminder.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    page = urlparse(re.search(r"No more reminders like this one: (\S+)", text).group(1))  # type: ignore[union-attr]
    assert page.path == "/unsubscribe"
    token = parse_qs(page.query)["token"][0]
    assert parse_qs(one_click.query)["token"] == [token]
    notice = next(m for m in mine if _kind(m) == "assigned")
    assert notice["List-Unsubscribe"] is None  # not a reminder: nothing to opt out of

    assert opt_out(store, token, NOW + timedelta(hours=1))
    assert not opt_out(store, token[:-1] + ("A" if token[-1] != "A" else "B"), NOW)
    count = len(smtp_server.inbox.messages)
    run(NOW + timedelta(days=4, hours=1))  # the 1-day reminder would be due now
    dropped = [job for job in jobs(store, learner.id) if job.kind == "due-soon" and job.period == "1d"]
    assert [job.outcome for job in dropped] == ["opted out of reminders"]

    # A new assignment's notice still comes.
    assign(store, org.admin, user_id=learner.id, due_at=NOW + timedelta(days=30), now=NOW + timedelta(days=4, hours=2))
    run(NOW + timedelta(days=4, hours=3))
    arrived = smtp_server.inbox.wait_for(count + 1)[count:]
    assert [(m["To"], _kind(m)) for m in arrived] == [(learner.email, "assigned")]
    assert first.id != jobs(store, learner.id)[-1].assignment_id


def test_dry_run_previews_and_changes_nothing(target: Target, store: Store, smtp_server: SmtpServer) -> None:
    org = build_organisation(store, team_a_size=2)
    now = datetime.now(UTC)
    assign(store, org.admin, team_id=org.team_a_id, due_at=now + timedelta(days=3), now=now)
    out = io.StringIO()
    assert main(["mail", "send", "--dry-run"], out, _settings(target, smtp_server.port)) == 0
    lines = out.getvalue().splitlines()
    assert sum(line.startswith("would send assigned to a0") for line in lines) == 2
    assert sum(line.startswith("would send due-soon to a0") for line in lines) == 2
    assert any(line.startswith("would send digest to manny@example.org") for line in lines)
    assert lines[-1] == "Dry run: 5 e-mails due (3 not queued yet); nothing sent."
    assert smtp_server.inbox.messages == []
    assert [job.sent_at for job in jobs(store)] == [None, None]  # only the two notices, queued by assign


def test_send_without_settings_says_what_is_missing(target: Target, store: Store) -> None:
    settings = Settings(database_url=target.url, data_dir=target.data_dir)
    assert main(["mail", "send"], io.StringIO(), settings) == 2
