"""Sending the outbox: plan what is due, claim jobs, compose, send over SMTP, mark each job.

``send_due`` is one run (``python -m elearn mail send``): it queues the reminders and digests due
now, then claims due jobs in batches and sends each over one SMTP connection. An e-mail that can
no longer apply is dropped with the reason (no address, opted out of reminders, finished or
reassigned meanwhile). When the server cannot be reached, or answers with a temporary (4xx)
error, the job is tried again later, with a backoff that doubles from ``FIRST_RETRY`` up to
``LAST_RETRY`` and never gives up: nothing queued is lost while the server is down. A permanent
refusal (5xx for that recipient) drops the job, with the server's answer kept.

``preview`` is ``--dry-run``: the same plan and the same messages, nothing queued, claimed or sent.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage

from elearn.course.catalogue import Course
from elearn.course.passing import PassRule
from elearn.mail.compose import Message, compose, reset_link_message
from elearn.mail.config import SmtpSettings
from elearn.mail.schedule import Situation, planned_jobs, situation, still_due
from elearn.store.db import Store
from elearn.store.leases import lease_owner_name
from elearn.store.outbox import (
    DIGEST,
    REMINDERS,
    RESET,
    MailJob,
    NewJob,
    claim,
    due_jobs,
    known_keys,
    mark_dropped,
    mark_retry,
    mark_sent,
    new_unsubscribe_token,
    queue,
    recipient,
)
from elearn.store.resets import RESET_TTL, mint_mailed_reset

FIRST_RETRY = timedelta(minutes=1)
LAST_RETRY = timedelta(hours=1)
LEASE = timedelta(minutes=5)
"""How long a claim holds a job: far longer than one SMTP exchange (``SmtpSettings.timeout_seconds``)."""
BATCH = 10
"""Jobs claimed at a time: small, so that several senders share a long queue."""


class ServerDown(Exception):
    """The SMTP server could not be reached, or stopped answering: the rest of the batch waits too."""


class Retry(Exception):
    """A temporary refusal of one e-mail (4xx): try it again later."""


class Refused(Exception):
    """A permanent refusal of one e-mail (5xx): drop it with the server's answer."""


Transport = Callable[[SmtpSettings], "Connection"]


class Connection:
    """One SMTP session (smtplib), opened lazily, reused for a batch."""

    def __init__(self, smtp: SmtpSettings) -> None:
        self.smtp = smtp
        self._client: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        s = self.smtp
        try:
            if s.tls == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port_in_use, timeout=s.timeout_seconds,
                                                        context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(s.host, s.port_in_use, timeout=s.timeout_seconds)
                if s.tls == "starttls":
                    client.starttls(context=ssl.create_default_context())
            if s.username:
                client.login(s.username, s.password)
        except smtplib.SMTPAuthenticationError as error:
            raise ServerDown(f"the SMTP server refused the username and password ({error.smtp_code})") from None
        except (OSError, smtplib.SMTPException) as error:
            raise ServerDown(f"cannot reach the SMTP server at {s.host}:{s.port_in_use} ({_brief(error)})") from None
        return client

    def send(self, message: EmailMessage) -> None:
        if self._client is None:
            self._client = self._open()
        try:
            refused = self._client.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, answer = next(iter(error.recipients.values()))
            raise (Refused if code >= 500 else Retry)(f"{code} {_text(answer)}") from None
        except smtplib.SMTPResponseException as error:
            raise (Refused if error.smtp_code >= 500 else Retry)(f"{error.smtp_code} {_text(error.smtp_error)}") \
                from None
        except (OSError, smtplib.SMTPException) as error:
            self._client = None
            raise ServerDown(f"the SMTP server stopped answering ({_brief(error)})") from None
        if refused:
            raise Refused(f"refused: {refused}")

    def close(self) -> None:
        if self._client is not None:
            with suppress(OSError, smtplib.SMTPException):
                self._client.quit()
            self._client = None


def _text(answer: bytes | str) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else answer


def _brief(error: BaseException) -> str:
    return str(error).splitlines()[0][:150] if str(error) else type(error).__name__


@dataclass
class Report:
    """What one run did (or, for a preview, would do)."""

    queued: int = 0
    sent: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    preview: list[str] = field(default_factory=list)


def backoff(tries: int) -> timedelta:
    """How long to wait after the ``tries``-th failed try: 1, 2, 4... minutes, at most an hour."""
    wait: timedelta = FIRST_RETRY * (2 ** min(tries, 12))
    return min(wait, LAST_RETRY)


def _message_for(course: Course, found: Situation, store: Store, job: MailJob | NewJob, base_url: str,
                 *, make_token: bool) -> Message | str:
    """The message of ``job``, or why it will not go."""
    person = recipient(store, job.user_id)
    if person is None or not person.email:
        return "no e-mail address"
    if job.kind == RESET and isinstance(job, MailJob):  # queued by an administrator, never planned
        hours = int(RESET_TTL.total_seconds() // 3600)
        if not make_token:
            return reset_link_message(person, base_url, None, hours)
        token = mint_mailed_reset(store, person.user_id, job.queued_at, found.now)
        if token is None:
            return (f"no reset link now: the account is deactivated or signs in elsewhere, or the request is "
                    f"over {hours} hours old")
        return reset_link_message(person, base_url, token, hours)
    if job.kind in REMINDERS and person.opted_out:
        return "opted out of reminders"
    assignment = found.in_force.get(job.assignment_id) if job.assignment_id is not None else None
    if job.kind != DIGEST and assignment is None:
        return "the assignment was withdrawn"
    if job.kind in REMINDERS and not still_due(found, job.kind, job.user_id, job.assignment_id):
        return "no longer due"
    if job.kind == DIGEST and not found.teams_of_manager.get(job.user_id):
        return "manages no team now"
    token = new_unsubscribe_token(store, person.user_id, found.now) if make_token and job.kind in REMINDERS else None
    return compose(course, found, job.kind, person, assignment, base_url, token)


def preview(store: Store, course: Course, now: datetime, pass_rule: PassRule, base_url: str) -> Report:
    """What a run would queue and send now, without changing anything."""
    found = situation(store, course, now, pass_rule)
    planned = planned_jobs(found)
    known = known_keys(store, [job.job_key for job in planned])
    report = Report()
    queued = due_jobs(store, now)
    new = [job for job in planned if job.job_key not in known]
    report.queued = len(new)
    waiting: list[MailJob | NewJob] = [*queued, *new]
    for job in waiting:
        made = _message_for(course, found, store, job, base_url, make_token=False)
        if isinstance(made, str):
            report.preview.append(f"would drop {job.job_key}: {made}")
        else:
            report.preview.append(f"would send {job.kind} to {made.to}: {made.subject}")
    return report


@contextmanager
def _connection(transport: Transport, smtp: SmtpSettings) -> Iterator[Connection]:
    connection = transport(smtp)
    try:
        yield connection
    finally:
        connection.close()


def send_due(store: Store, course: Course, smtp: SmtpSettings, now: Callable[[], datetime], pass_rule: PassRule,
             base_url: str, *, owner: str | None = None, transport: Transport = Connection) -> Report:
    """Queue what is due, then send every due job this process can claim, until none is left or
    the server is down. Safe to run in several processes at once."""
    owner = owner or lease_owner_name()
    report = Report()
    found = situation(store, course, now(), pass_rule)
    report.queued = queue(store, planned_jobs(found), found.now)
    with _connection(transport, smtp) as connection:
        while True:
            batch = claim(store, owner, now(), LEASE, BATCH)
            if not batch:
                return report
            for index, job in enumerate(batch):
                made = _message_for(course, found, store, job, base_url, make_token=True)
                if isinstance(made, str):
                    mark_dropped(store, job.id, owner, now(), made)
                    report.dropped.append(f"{job.job_key}: {made}")
                    continue
                try:
                    connection.send(made.email(smtp.sender, job.job_key, now()))
                except Refused as error:
                    mark_dropped(store, job.id, owner, now(), f"refused by the server: {error}")
                    report.dropped.append(f"{job.job_key}: {error}")
                except Retry as error:
                    mark_retry(store, job.id, owner, now() + backoff(job.tries), str(error))
                    report.retrying.append(f"{job.job_key}: {error}")
                except ServerDown as error:
                    for waiting in batch[index:]:
                        mark_retry(store, waiting.id, owner, now() + backoff(waiting.tries), str(error))
                        report.retrying.append(f"{waiting.job_key}: {error}")
                    return report
                else:
                    mark_sent(store, job.id, owner, now())
                    report.sent.append(f"{job.kind} to {made.to}: {made.subject}")
