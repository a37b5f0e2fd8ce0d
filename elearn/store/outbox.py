"""The e-mail outbox: jobs queued once, claimed with leases, sent, retried or dropped.

A job is one e-mail to one user, named by its ``job_key`` (kind, recipient, what it is about and
the period: ``due-soon:7:user:12:assignment:3``). Queueing inserts ignoring duplicates, so a
reminder planned twice, by two processes at once or by one run after another, is queued once.

A sender *claims* due jobs by writing its ``owner`` and a lease end where no live lease is
(``elearn.store.leases``, shared with the xAPI outbox): on SQLite and on PostgreSQL only one
sender gets each job. It then sends
and marks the job ``sent`` (or ``retry`` with a later try, or ``dropped`` with the reason), each
only while it still holds the lease. A sender that dies leaves its lease to run out, and the job
is claimed again: a job is sent at least once and, unless a sender stalls for a whole lease
between the server's acceptance and its mark, exactly once.

Opting out: a reminder carries a one-click link with a random token of its own; only its SHA-256
is stored. The token opts its user out of reminders (never of assignment notices).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from elearn.store.db import Store, insert_ignoring_duplicates
from elearn.store.leases import LeasedQueue
from elearn.store.records import Role
from elearn.store.tables import MailOptOutRow, OutboxRow, TeamManagerRow, UnsubscribeTokenRow, UserRoleRow, UserRow

ASSIGNED, DUE_SOON, OVERDUE, DIGEST, RESET = "assigned", "due-soon", "overdue", "digest", "reset"
KINDS = (ASSIGNED, DUE_SOON, OVERDUE, DIGEST, RESET)
"""``RESET``: a one-time password-reset link an administrator asked to e-mail (``elearn.store.resets``)."""
REMINDERS = frozenset({DUE_SOON, OVERDUE})
"""The kinds a learner may opt out of."""
OUTCOME_LENGTH = 300


@dataclass(frozen=True)
class NewJob:
    """An e-mail to queue: ``kind`` to ``user_id``, about ``assignment_id``, for ``period``."""

    kind: str
    user_id: int
    period: str = ""
    assignment_id: int | None = None

    @property
    def job_key(self) -> str:
        about = f":assignment:{self.assignment_id}" if self.assignment_id is not None else ""
        period = f":{self.period}" if self.period else ""
        return f"{self.kind}{period}:user:{self.user_id}{about}"


@dataclass(frozen=True)
class MailJob:
    """A queued e-mail, as a sender or a preview sees it."""

    id: int
    job_key: str
    kind: str
    user_id: int
    assignment_id: int | None
    period: str
    queued_at: datetime
    tries: int
    sent_at: datetime | None = None
    dropped_at: datetime | None = None
    outcome: str | None = None


_COLUMNS = (OutboxRow.id, OutboxRow.job_key, OutboxRow.kind, OutboxRow.user_id, OutboxRow.assignment_id,
            OutboxRow.period, OutboxRow.queued_at, OutboxRow.tries, OutboxRow.sent_at, OutboxRow.dropped_at,
            OutboxRow.outcome)


def queue_in(conn: Connection, jobs: Iterable[NewJob], now: datetime) -> int:
    """Queue ``jobs`` inside the caller's transaction (an assignment queues its notices with
    itself); those already queued, ever, are left alone. Returns how many were new."""
    added = 0
    for job in jobs:
        if job.kind not in KINDS:
            raise ValueError(f"unknown e-mail kind {job.kind!r}")
        added += insert_ignoring_duplicates(conn, OutboxRow, {
            "job_key": job.job_key, "kind": job.kind, "user_id": job.user_id, "assignment_id": job.assignment_id,
            "period": job.period, "queued_at": now, "next_try_at": now, "tries": 0,
        }, ["job_key"])
    return added


def queue(store: Store, jobs: Sequence[NewJob], now: datetime) -> int:
    """Queue ``jobs`` in a transaction of their own; returns how many were new."""
    return store.write(lambda conn: queue_in(conn, jobs, now))


def known_keys(store: Store, keys: Iterable[str]) -> frozenset[str]:
    """Those of ``keys`` already in the outbox (sent or not): what a preview would not queue again."""
    wanted = sorted(set(keys))

    def work(conn: Connection) -> frozenset[str]:
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            found |= set(conn.scalars(select(OutboxRow.job_key).where(OutboxRow.job_key.in_(chunk))))
        return frozenset(found)

    return store.read(work)


MAIL_QUEUE = LeasedQueue(OutboxRow, (OutboxRow.sent_at, OutboxRow.dropped_at))
"""The outbox's leases (``elearn.store.leases``): a job ends when sent or dropped."""


def due_jobs(store: Store, now: datetime, limit: int = 1000) -> tuple[MailJob, ...]:
    """The jobs a sender would claim now, oldest first (nothing is claimed: for a preview)."""
    return store.read(lambda conn: tuple(_job(row) for row in conn.execute(
        select(*_COLUMNS).where(MAIL_QUEUE.due(now)).order_by(OutboxRow.next_try_at, OutboxRow.id).limit(limit))))


def claim(store: Store, owner: str, now: datetime, lease: timedelta, limit: int = 50) -> tuple[MailJob, ...]:
    """Claim up to ``limit`` due jobs for ``owner`` until ``now + lease``, oldest first; those
    another sender holds are skipped. The claim is a short transaction of its own, never waiting
    on a batch being sent."""

    def work(conn: Connection) -> tuple[MailJob, ...]:
        taken = MAIL_QUEUE.claim_in(conn, owner, now, lease, limit)
        found = {row[0]: _job(row) for row in conn.execute(select(*_COLUMNS).where(OutboxRow.id.in_(taken)))}
        return tuple(found[job_id] for job_id in taken)

    return store.write(work)


def _finish(store: Store, job_id: int, owner: str, **values: Any) -> bool:
    return MAIL_QUEUE.finish(store, [job_id], owner, **values) == 1


def mark_sent(store: Store, job_id: int, owner: str, now: datetime) -> bool:
    """The server accepted the e-mail. False if ``owner`` no longer held the job."""
    return _finish(store, job_id, owner, sent_at=now, tries=OutboxRow.tries + 1, outcome=None)


def mark_retry(store: Store, job_id: int, owner: str, next_try_at: datetime, error: str) -> bool:
    """The try failed for a reason that may pass (server down, busy): try again at ``next_try_at``."""
    return _finish(store, job_id, owner, next_try_at=next_try_at, tries=OutboxRow.tries + 1,
                   outcome=error[:OUTCOME_LENGTH])


def mark_dropped(store: Store, job_id: int, owner: str, now: datetime, reason: str) -> bool:
    """The e-mail will never go (no address, opted out, no longer due, refused for good); kept with the reason."""
    return _finish(store, job_id, owner, dropped_at=now, outcome=reason[:OUTCOME_LENGTH])


def jobs(store: Store, user_id: int | None = None) -> tuple[MailJob, ...]:
    """Every job (or ``user_id``'s), oldest first: for the command line's report and for tests."""
    condition = OutboxRow.user_id == user_id if user_id is not None else OutboxRow.id.is_not(None)
    return store.read(lambda conn: tuple(_job(row) for row in conn.execute(
        select(*_COLUMNS).where(condition).order_by(OutboxRow.id))))


def _job(row: Sequence[Any]) -> MailJob:
    return MailJob(id=row[0], job_key=row[1], kind=row[2], user_id=row[3], assignment_id=row[4], period=row[5],
                   queued_at=row[6], tries=row[7], sent_at=row[8], dropped_at=row[9], outcome=row[10])


@dataclass(frozen=True)
class Recipient:
    """Whom a job goes to, as the database says now."""

    user_id: int
    name: str
    email: str | None
    opted_out: bool


def recipient(store: Store, user_id: int) -> Recipient | None:
    """The user ``user_id`` as an e-mail needs them (None if there is no such user)."""

    def work(conn: Connection) -> Recipient | None:
        row = conn.execute(select(UserRow.display_name, UserRow.username, UserRow.email)
                           .where(UserRow.id == user_id)).first()
        if row is None:
            return None
        out = conn.scalar(select(MailOptOutRow.user_id).where(MailOptOutRow.user_id == user_id)) is not None
        return Recipient(user_id=user_id, name=row[0] or row[1], email=row[2] or None, opted_out=out)

    return store.read(work)


def managed_teams(store: Store) -> dict[int, frozenset[int]]:
    """Each manager (holding the manager role now) and the teams they manage: the digests' readers."""

    def work(conn: Connection) -> dict[int, frozenset[int]]:
        managers = select(UserRoleRow.user_id).where(UserRoleRow.role == Role.MANAGER.value)
        found: dict[int, set[int]] = {}
        for user_id, team_id in conn.execute(select(TeamManagerRow.user_id, TeamManagerRow.team_id)
                                             .where(TeamManagerRow.user_id.in_(managers))):
            found.setdefault(user_id, set()).add(team_id)
        return {user_id: frozenset(teams) for user_id, teams in found.items()}

    return store.read(work)


# Opting out of reminders.

def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_unsubscribe_token(store: Store, user_id: int, now: datetime) -> str:
    """A fresh one-click opt-out token for ``user_id``'s next reminder; only its hash is kept."""
    token = secrets.token_urlsafe(24)
    store.write(lambda conn: conn.execute(insert(UnsubscribeTokenRow).values(
        token_hash=_digest(token), user_id=user_id, created_at=now)))
    return token


def opt_out(store: Store, token: str, now: datetime) -> bool:
    """Stop reminders for the user whose e-mail carried ``token``. True if the token is known
    (opting out again is fine); False for an unknown or malformed token, which changes nothing."""
    if not token or len(token) > 200:
        return False

    def work(conn: Connection) -> bool:
        user_id = conn.scalar(select(UnsubscribeTokenRow.user_id)
                              .where(UnsubscribeTokenRow.token_hash == _digest(token)))
        if user_id is None:
            return False
        insert_ignoring_duplicates(conn, MailOptOutRow, {"user_id": user_id, "opted_out_at": now}, ["user_id"])
        return True

    return store.write(work)


def opted_out(store: Store, user_id: int) -> bool:
    """Whether ``user_id`` asked for no reminders."""
    return store.read(lambda conn: conn.scalar(select(MailOptOutRow.user_id).where(MailOptOutRow.user_id == user_id))
                      is not None)


def opt_back_in(store: Store, user_id: int) -> None:
    """Reminders again for ``user_id`` (the learner's own choice, on My skills)."""
    store.write(lambda conn: conn.execute(delete(MailOptOutRow).where(MailOptOutRow.user_id == user_id)))
