"""Queues whose rows senders claim with leases: the e-mail outbox and the xAPI outbox share this.

A queue table has an integer ``id``, a ``next_try_at`` (not before then), a ``lease_owner`` and a
``lease_until``, and one or more "closed" columns (``sent_at``, ``dropped_at``, ``dead_at``) of
which any set ends the row. A row is *due* when no closed column is set, its next try has come
and no live lease is on it.

``claim`` takes a batch in one write transaction: it picks due rows (on PostgreSQL ``FOR UPDATE
SKIP LOCKED``, so a second sender passes over rows a first is claiming instead of waiting for
them) and leases them with one ``UPDATE ... WHERE due ... RETURNING id``. The ``WHERE`` is
checked again as the row is written: on SQLite (one writer at a time) and on PostgreSQL (an
update that waited re-reads the row and finds the lease taken) a row goes to one sender only.
A sender then closes or reschedules each row only while it still holds the lease (``finish``),
so a sender whose lease ran out, and whose rows were claimed again, changes nothing.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import InstrumentedAttribute

from elearn.store.db import Store
from elearn.store.tables import Base


def lease_owner_name(prefix: str = "") -> str:
    """A name for this process in the leases it takes: host, process id and a random part (two
    senders in one process get two names), at most 64 characters."""
    return f"{prefix}{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(4)}"[:64]


@dataclass(frozen=True)
class LeasedQueue:
    """The lease columns of ``table``; ``closed`` are the columns that end a row when set."""

    table: type[Base]
    closed: tuple[InstrumentedAttribute[Any], ...]

    def column(self, name: str) -> InstrumentedAttribute[Any]:
        found: InstrumentedAttribute[Any] = getattr(self.table, name)
        return found

    def open(self) -> ColumnElement[bool]:
        """Rows not yet sent, dropped or dead (leased or not, due or not)."""
        return and_(*(column.is_(None) for column in self.closed))

    def due(self, now: datetime) -> ColumnElement[bool]:
        """Open rows whose next try has come and that no live lease holds."""
        lease_until = self.column("lease_until")
        return and_(self.open(), self.column("next_try_at") <= now,
                    or_(lease_until.is_(None), lease_until <= now))

    def held(self, row_ids: Sequence[int], owner: str) -> ColumnElement[bool]:
        """``row_ids`` among the open rows that ``owner`` holds the lease of."""
        return and_(self.column("id").in_(row_ids), self.column("lease_owner") == owner, self.open())

    def claim_in(self, conn: Connection, owner: str, now: datetime, lease: timedelta, limit: int) -> list[int]:
        """Lease up to ``limit`` due rows, oldest try first, to ``owner`` until ``now + lease``,
        inside the caller's write transaction; the ids taken, in that order."""
        row_id, next_try = self.column("id"), self.column("next_try_at")
        picked = select(row_id).where(self.due(now)).order_by(next_try, row_id).limit(limit)
        if conn.dialect.name == "postgresql":
            picked = picked.with_for_update(skip_locked=True)
        candidates = list(conn.scalars(picked))
        if not candidates:
            return []
        taken = set(conn.scalars(update(self.table).where(row_id.in_(candidates), self.due(now))
                                 .values(lease_owner=owner, lease_until=now + lease).returning(row_id)))
        return [candidate for candidate in candidates if candidate in taken]

    def claim(self, store: Store, owner: str, now: datetime, lease: timedelta, limit: int) -> list[int]:
        """``claim_in`` in a transaction of its own (short: it never waits on a batch being sent)."""
        return store.write(lambda conn: self.claim_in(conn, owner, now, lease, limit))

    def finish_in(self, conn: Connection, row_ids: Sequence[int], owner: str, **values: Any) -> int:
        """Set ``values`` on those of ``row_ids`` that ``owner`` still holds, and release them;
        how many it held."""
        if not row_ids:
            return 0
        return int(conn.execute(update(self.table).where(self.held(row_ids, owner))
                                .values(lease_owner=None, lease_until=None, **values)).rowcount)

    def finish(self, store: Store, row_ids: Sequence[int], owner: str, **values: Any) -> int:
        """``finish_in`` in a transaction of its own."""
        return store.write(lambda conn: self.finish_in(conn, row_ids, owner, **values))
