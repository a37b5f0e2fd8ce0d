"""Throttles: counters in the database that slow down guessing (passwords, join codes), atomically.

A ``ThrottleRule`` says how many attempts a bucket may count before it makes people wait, and how
the wait grows: nothing for the first ``free`` attempts, then ``first_delay`` after the last
attempt, doubling with every further attempt up to ``max_delay``. A bucket left alone for
``forget_after`` starts again from nothing. There is never a hard lock: the worst is
``max_delay`` between tries.

A ``Bucket`` is a rule applied to a subject: a username, a client address, or both. Its row is
keyed by the SHA-256 of the rule's name and the subject, so the database holds neither in clear
(someone who types their password into the username field must not leave it there).

Atomic by construction: the caller checks and counts an attempt *before* doing the expensive or
guessable thing (verifying a password, looking a join code up), in one write transaction that
holds the buckets' rows. SQLite's BEGIN IMMEDIATE (``Store.write``) serialises those
transactions; on PostgreSQL ``SELECT ... FOR UPDATE`` makes parallel attempts on one bucket wait
for each other, so each sees the count the previous one left. An attempt that turns out fine is
then forgiven (``forgive``) or its buckets cleared (``clear``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.engine import Connection

from elearn.store.db import Store, insert_ignoring_duplicates
from elearn.store.records import Throttled
from elearn.store.tables import ThrottleRow

_PRUNE_BATCH = 50
_MAX_DOUBLINGS = 30  # 2**30 times any first delay is far past any max_delay


@dataclass(frozen=True)
class ThrottleRule:
    """How a kind of bucket counts attempts and how long it makes people wait (see the module)."""

    name: str
    free: int
    first_delay: timedelta
    max_delay: timedelta
    forget_after: timedelta

    def __post_init__(self) -> None:
        if not 0 < len(self.name) <= 40:
            raise ValueError(f"a throttle rule's name is 1-40 characters, got {self.name!r}")
        if self.free < 1 or self.first_delay <= timedelta(0) or self.max_delay < self.first_delay:
            raise ValueError(f"throttle rule {self.name!r}: need free >= 1 and 0 < first_delay <= max_delay")
        if self.forget_after <= self.max_delay:
            raise ValueError(f"throttle rule {self.name!r}: forget_after must be longer than max_delay")

    def wait_after(self, count: int) -> timedelta:
        """How long after the last attempt the next one may come, once ``count`` attempts are counted."""
        if count < self.free:
            return timedelta(0)
        doublings: int = min(count - self.free, _MAX_DOUBLINGS)
        return min(self.first_delay * (1 << doublings), self.max_delay)


@dataclass(frozen=True)
class Bucket:
    """A rule applied to one subject (a username, a client address, or a pair of them)."""

    rule: ThrottleRule
    subject: str

    @property
    def key(self) -> str:
        return hashlib.sha256(f"{self.rule.name}\0{self.subject}".encode()).hexdigest()


@dataclass(frozen=True)
class BucketState:
    """A bucket as it stands now: attempts still counted (stale ones forgotten) and the last one."""

    bucket: Bucket
    count: int
    last_at: datetime

    @property
    def open_at(self) -> datetime:
        """When the bucket takes its next attempt."""
        return self.last_at + self.bucket.rule.wait_after(self.count)

    def blocks(self, now: datetime) -> bool:
        """Whether an attempt at ``now`` must wait. Only a bucket past its free attempts holds
        anyone back: ``now`` is read before the transaction waits for the bucket's lock, so a
        parallel attempt that read the clock later may have committed a ``last_at`` after it, and
        a free attempt must not be refused for arriving "before" that."""
        return self.bucket.rule.wait_after(self.count) > timedelta(0) and now < self.open_at


def lock_buckets(conn: Connection, buckets: Iterable[Bucket], now: datetime) -> dict[Bucket, BucketState]:
    """Create the buckets' rows if needed and lock them until the transaction ends (in key order,
    so two transactions never wait for each other in a circle). Also drops a few rows of these
    rules that have gone quiet, so the table does not grow without end."""
    wanted = {bucket.key: bucket for bucket in buckets}
    rules = {bucket.rule.name: bucket.rule for bucket in wanted.values()}
    _prune(conn, rules.values(), now)
    for key in sorted(wanted):
        insert_ignoring_duplicates(
            conn, ThrottleRow, {"key": key, "rule": wanted[key].rule.name, "count": 0, "last_at": now}, ("key",)
        )
    rows = conn.execute(
        select(ThrottleRow.key, ThrottleRow.count, ThrottleRow.last_at)
        .where(ThrottleRow.key.in_(sorted(wanted)))
        .order_by(ThrottleRow.key)
        .with_for_update()
    ).all()
    states = {}
    for key, count, last_at in rows:
        bucket = wanted[key]
        stale = now - last_at >= bucket.rule.forget_after
        states[bucket] = BucketState(bucket, 0 if stale else count, last_at)
    return states


def refusal(states: Iterable[BucketState], now: datetime) -> Throttled | None:
    """``Throttled`` until the latest time any of these buckets opens, if one is closed now."""
    closed = [state.open_at for state in states if state.blocks(now)]
    return Throttled(retry_after=max(closed)) if closed else None


def count_attempt(conn: Connection, states: Iterable[BucketState], now: datetime) -> None:
    """Count one attempt in each bucket (locked by ``lock_buckets`` in this transaction). The
    bucket's last attempt never moves back in time (a parallel attempt may have read a later
    clock and committed first), so a wait is never shortened by an attempt counted late."""
    for state in states:
        conn.execute(
            update(ThrottleRow).where(ThrottleRow.key == state.bucket.key)
            .values(count=state.count + 1, last_at=max(state.last_at, now))
        )


def forgive(conn: Connection, buckets: Iterable[Bucket]) -> None:
    """Take back one counted attempt from each bucket (it turned out not to be a guess)."""
    for bucket in buckets:
        conn.execute(
            update(ThrottleRow)
            .where(ThrottleRow.key == bucket.key, ThrottleRow.count > 0)
            .values(count=ThrottleRow.count - 1)
        )


def clear(conn: Connection, buckets: Iterable[Bucket]) -> None:
    """Forget these buckets altogether (after a success that proves who was trying)."""
    conn.execute(delete(ThrottleRow).where(ThrottleRow.key.in_([bucket.key for bucket in buckets])))


def take_attempt(store: Store, buckets: Sequence[Bucket], now: datetime) -> Throttled | None:
    """Let one attempt through every bucket and count it, or refuse it (``Throttled``) if any
    bucket is closed; a refused attempt is not counted. One transaction: parallel callers on
    the same buckets get through one at a time, each seeing the others' counts."""

    def work(conn: Connection) -> Throttled | None:
        states = lock_buckets(conn, buckets, now)
        refused = refusal(states.values(), now)
        if refused is None:
            count_attempt(conn, states.values(), now)
        return refused

    return store.write(work)


def forgive_attempt(store: Store, buckets: Sequence[Bucket]) -> None:
    """``forgive`` in a transaction of its own."""
    store.write(lambda conn: forgive(conn, buckets))


def bucket_counts(store: Store, buckets: Sequence[Bucket]) -> Mapping[Bucket, int]:
    """The raw count of each bucket that has a row (for tests and the administrator's shell)."""
    by_key = {bucket.key: bucket for bucket in buckets}
    query = select(ThrottleRow.key, ThrottleRow.count).where(ThrottleRow.key.in_(list(by_key)))
    rows = store.read(lambda conn: conn.execute(query).all())
    return {by_key[key]: count for key, count in rows}


def _prune(conn: Connection, rules: Iterable[ThrottleRule], now: datetime) -> None:
    quiet = or_(*(and_(ThrottleRow.rule == rule.name, ThrottleRow.last_at < now - rule.forget_after)
                  for rule in rules))
    # SKIP LOCKED (PostgreSQL): never wait for a row another attempt holds just to tidy up.
    # SQLite has no row locks and renders no FOR UPDATE; its write lock is held already.
    stale = select(ThrottleRow.key).where(quiet).limit(_PRUNE_BATCH).with_for_update(skip_locked=True)
    conn.execute(delete(ThrottleRow).where(ThrottleRow.key.in_(stale)))
