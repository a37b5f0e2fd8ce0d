"""The xAPI outbox: statements queued with their events, claimed with leases, sent, or dead letters.

A statement is queued by the write that records its event, in the same transaction
(``record_answer(..., statements=...)``): an answer stored is a statement queued, and a rolled
back answer queues nothing. Its id is the statement's own, derived from the event, and unique
here, so queueing it again (a retried transaction, a second process) keeps one row.

Senders claim batches with leases (``elearn.store.leases``, shared with the e-mail outbox), then
mark each row sent, to retry later (with the error, and one more attempt counted) or dead (the
LRS refused it, with the LRS's reason), each only while they still hold its lease. Dead letters
stay until an administrator sends them again (``retry_dead``). Nothing here talks to an LRS:
``elearn.lrs`` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from elearn.store.db import Store, insert_ignoring_duplicates
from elearn.store.leases import LeasedQueue
from elearn.store.tables import XapiOutboxRow

ERROR_LENGTH = 500
XAPI_QUEUE = LeasedQueue(XapiOutboxRow, (XapiOutboxRow.sent_at, XapiOutboxRow.dead_at))
"""The outbox's leases: a statement ends when sent or dead."""


@dataclass(frozen=True)
class QueuedStatement:
    """A statement in the outbox, as a sender or the admin page sees it."""

    id: int
    statement_id: str
    statement: Mapping[str, Any]
    created_at: datetime
    attempts: int
    last_error: str | None = None
    dead_reason: str | None = None
    dead_at: datetime | None = None
    sent_at: datetime | None = None


_COLUMNS = (XapiOutboxRow.id, XapiOutboxRow.statement_id, XapiOutboxRow.statement, XapiOutboxRow.created_at,
            XapiOutboxRow.attempts, XapiOutboxRow.last_error, XapiOutboxRow.dead_reason, XapiOutboxRow.dead_at,
            XapiOutboxRow.sent_at)


def _queued(row: Sequence[Any]) -> QueuedStatement:
    return QueuedStatement(id=row[0], statement_id=row[1], statement=row[2], created_at=row[3], attempts=row[4],
                           last_error=row[5], dead_reason=row[6], dead_at=row[7], sent_at=row[8])


def queue_statements_in(conn: Connection, statements: Sequence[Mapping[str, Any]], now: datetime) -> int:
    """Queue ``statements`` (each with its ``id``) inside the caller's transaction; those already
    queued, ever, are left alone. Returns how many were new."""
    added = 0
    for statement in statements:
        added += insert_ignoring_duplicates(conn, XapiOutboxRow, {
            "statement_id": statement["id"], "statement": dict(statement), "created_at": now, "attempts": 0,
            "next_try_at": now,
        }, ["statement_id"])
    return added


def queue_statements(store: Store, statements: Sequence[Mapping[str, Any]], now: datetime) -> int:
    """``queue_statements_in`` in a transaction of its own."""
    return store.write(lambda conn: queue_statements_in(conn, statements, now))


def claim_statements(store: Store, owner: str, now: datetime, lease: timedelta,
                     limit: int) -> tuple[QueuedStatement, ...]:
    """Lease up to ``limit`` due statements to ``owner`` until ``now + lease``, oldest first;
    statements another sender holds are skipped. A short transaction of its own."""

    def work(conn: Connection) -> tuple[QueuedStatement, ...]:
        taken = XAPI_QUEUE.claim_in(conn, owner, now, lease, limit)
        found = {row[0]: _queued(row) for row in conn.execute(select(*_COLUMNS).where(XapiOutboxRow.id.in_(taken)))}
        return tuple(found[row_id] for row_id in taken)

    return store.write(work)


def mark_sent(store: Store, row_ids: Sequence[int], owner: str, now: datetime, note: str | None = None) -> int:
    """The LRS holds these statements now (stored, or already there: ``note`` says which). How
    many ``owner`` still held."""
    noted = {"last_error": note[:ERROR_LENGTH]} if note else {}
    return XAPI_QUEUE.finish(store, row_ids, owner, sent_at=now, last_tried_at=now,
                             attempts=XapiOutboxRow.attempts + 1, **noted)


def mark_retry(store: Store, retries: Mapping[int, datetime], owner: str, now: datetime, error: str) -> int:
    """The try failed for a reason that may pass (LRS down, 5xx, a timeout): each row of
    ``retries`` waits until its time. How many ``owner`` still held."""

    def work(conn: Connection) -> int:
        return sum(XAPI_QUEUE.finish_in(conn, [row_id], owner, next_try_at=next_try, last_tried_at=now,
                                        attempts=XapiOutboxRow.attempts + 1, last_error=error[:ERROR_LENGTH])
                   for row_id, next_try in retries.items())

    return store.write(work)


def mark_dead(store: Store, row_id: int, owner: str, now: datetime, reason: str) -> bool:
    """The LRS refused the statement for good (a 4xx naming it): keep it with the LRS's reason."""
    return XAPI_QUEUE.finish(store, [row_id], owner, dead_at=now, last_tried_at=now,
                             attempts=XapiOutboxRow.attempts + 1, dead_reason=reason[:ERROR_LENGTH],
                             last_error=reason[:ERROR_LENGTH]) == 1


def retry_dead(store: Store, now: datetime) -> int:
    """Queue every dead letter again, due now (after the LRS or the statements were fixed);
    how many. Their reasons are cleared; their attempts start again from 0."""
    return int(store.write(lambda conn: conn.execute(
        update(XapiOutboxRow).where(XapiOutboxRow.dead_at.is_not(None), XapiOutboxRow.sent_at.is_(None))
        .values(dead_at=None, dead_reason=None, attempts=0, next_try_at=now, lease_owner=None, lease_until=None)
    ).rowcount))


@dataclass(frozen=True)
class OutboxStatus:
    """The queue as the admin page and ``lrs status`` show it."""

    pending: int
    """Statements not yet sent nor dead (due now or waiting for their next try)."""
    oldest_pending_at: datetime | None
    sent: int
    last_sent_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    dead: tuple[QueuedStatement, ...]
    """The dead letters, oldest first (at most ``dead_limit``)."""
    dead_count: int


def outbox_status(store: Store, dead_limit: int = 100) -> OutboxStatus:
    """How the outbox stands, read in one snapshot."""

    def work(conn: Connection) -> OutboxStatus:
        row = XapiOutboxRow
        pending, oldest = conn.execute(select(func.count(), func.min(row.created_at)).where(XAPI_QUEUE.open())).one()
        sent, last_sent = conn.execute(select(func.count(), func.max(row.sent_at))
                                       .where(row.sent_at.is_not(None))).one()
        failed = conn.execute(select(row.last_error, row.last_tried_at).where(row.last_error.is_not(None))
                              .order_by(row.last_tried_at.desc(), row.id.desc()).limit(1)).first()
        dead_count = conn.scalar(select(func.count()).where(row.dead_at.is_not(None))) or 0
        dead = tuple(_queued(found) for found in conn.execute(
            select(*_COLUMNS).where(row.dead_at.is_not(None)).order_by(row.dead_at, row.id).limit(dead_limit)))
        return OutboxStatus(pending=pending, oldest_pending_at=oldest, sent=sent, last_sent_at=last_sent,
                            last_error=failed[0] if failed else None, last_error_at=failed[1] if failed else None,
                            dead=dead, dead_count=dead_count)

    return store.read(work)


def queued_statements(store: Store) -> tuple[QueuedStatement, ...]:
    """Every statement in the outbox, oldest first: for the command line and for tests."""
    return store.read(lambda conn: tuple(_queued(row) for row in conn.execute(
        select(*_COLUMNS).order_by(XapiOutboxRow.id))))
