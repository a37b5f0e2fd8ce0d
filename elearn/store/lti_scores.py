"""Grade passback in the store: each launched learner's line items, and the queue of scores to
post to them (LTI Assignment and Grade Services).

A launch that carries an AGS endpoint with the score scope links the learner to its line item
(``link_line_item``), for the scenario it opened or the course. A finished attempt or a completed
course then queues one score per link under a ``score_key`` that names the attempt (or the
completion) and the link: queueing ignores a key already there, so retrying, or two processes
queueing the same finish, queue it once, and nothing is posted twice for one attempt.

A sender *claims* due scores with a lease (one conditional UPDATE each, as the mail outbox
does), posts them, and marks each ``sent``, ``retry`` (with a later try: the platform is down)
or ``dropped`` (the platform refused it for good, with its reason), only while it holds the lease.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.engine import Connection

from elearn.store.db import Store, insert_ignoring_duplicates
from elearn.store.records import User
from elearn.store.tables import LtiGradeLinkRow, LtiScoreRow, UserRow
from elearn.store.users import fetch_users

ERROR_LENGTH = 300


@dataclass(frozen=True)
class GradeLink:
    """Where a learner's results go at one LMS: ``target`` is ``course`` or ``scenario:<id>``."""

    id: int
    user_id: int
    platform_id: int
    subject: str
    lineitem_url: str
    target: str
    linked_at: datetime


@dataclass(frozen=True)
class NewScore:
    """A score to queue for ``link``, once under ``score_key``; ``payload`` is the AGS score JSON."""

    score_key: str
    link: GradeLink
    payload: dict[str, Any]


@dataclass(frozen=True)
class QueuedScore:
    """A score in the queue, as a sender or the admin page sees it."""

    id: int
    score_key: str
    platform_id: int
    user_id: int
    lineitem_url: str
    payload: dict[str, Any]
    tries: int
    sent_at: datetime | None
    dropped_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class QueueState:
    """The queue at a glance, for administrators: counts, and the newest error with its time."""

    waiting: int
    sent: int
    dropped: int
    last_error: str | None
    last_error_key: str | None


def link_line_item(store: Store, *, user_id: int, platform_id: int, subject: str, lineitem_url: str,
                   target: str, now: datetime) -> GradeLink:
    """Link ``user_id`` to a line item for ``target`` (a later launch of the same item moves the
    target along, for a link the instructor re-pointed); the link as stored."""

    def work(conn: Connection) -> GradeLink:
        inserted = insert_ignoring_duplicates(conn, LtiGradeLinkRow, {
            "user_id": user_id, "platform_id": platform_id, "subject": subject, "lineitem_url": lineitem_url,
            "target": target, "linked_at": now}, ["user_id", "platform_id", "lineitem_url"])
        where = and_(LtiGradeLinkRow.user_id == user_id, LtiGradeLinkRow.platform_id == platform_id,
                     LtiGradeLinkRow.lineitem_url == lineitem_url)
        if not inserted:
            conn.execute(update(LtiGradeLinkRow).where(where).values(target=target, subject=subject))
        return _link(conn.execute(select(*_LINK_COLUMNS).where(where)).one())

    return store.write(work)


def grade_links_of(store: Store, user_id: int) -> tuple[GradeLink, ...]:
    """Every line item ``user_id`` reports to, oldest first."""
    return store.read(lambda conn: tuple(_link(row) for row in conn.execute(
        select(*_LINK_COLUMNS).where(LtiGradeLinkRow.user_id == user_id).order_by(LtiGradeLinkRow.id))))


def linked_learners(store: Store) -> tuple[User, ...]:
    """Everyone with a line item, for a sender's sweep (it queues what a crash left unqueued)."""
    return store.read(lambda conn: tuple(fetch_users(conn, UserRow.id.in_(
        select(LtiGradeLinkRow.user_id).distinct()))))


def queue_scores(store: Store, scores: Iterable[NewScore], now: datetime) -> int:
    """Queue each score unless its key is queued already (in one transaction); how many are new."""
    wanted = list(scores)

    def work(conn: Connection) -> int:
        return sum(insert_ignoring_duplicates(conn, LtiScoreRow, {
            "score_key": score.score_key, "platform_id": score.link.platform_id, "user_id": score.link.user_id,
            "lineitem_url": score.link.lineitem_url, "payload": score.payload, "queued_at": now, "next_try_at": now,
            "tries": 0}, ["score_key"]) for score in wanted)

    return store.write(work) if wanted else 0


def _open_and_due(now: datetime) -> ColumnElement[bool]:
    return and_(LtiScoreRow.sent_at.is_(None), LtiScoreRow.dropped_at.is_(None), LtiScoreRow.next_try_at <= now,
                or_(LtiScoreRow.lease_until.is_(None), LtiScoreRow.lease_until <= now))


def claim_scores(store: Store, owner: str, now: datetime, lease: timedelta, limit: int = 20) -> tuple[QueuedScore, ...]:
    """Claim up to ``limit`` due scores for ``owner`` until ``now + lease``, oldest first; those
    another sender claimed first are skipped. One transaction per claim."""
    candidates = store.read(lambda conn: list(conn.scalars(
        select(LtiScoreRow.id).where(_open_and_due(now)).order_by(LtiScoreRow.next_try_at, LtiScoreRow.id)
        .limit(limit))))
    claimed = []
    for score_id in candidates:
        def work(conn: Connection, score_id: int = score_id) -> QueuedScore | None:
            taken = conn.execute(update(LtiScoreRow).where(LtiScoreRow.id == score_id, _open_and_due(now))
                                 .values(lease_owner=owner, lease_until=now + lease)).rowcount
            if taken != 1:
                return None
            return _score(conn.execute(select(*_SCORE_COLUMNS).where(LtiScoreRow.id == score_id)).one())

        found = store.write(work)
        if found is not None:
            claimed.append(found)
    return tuple(claimed)


def _finish(store: Store, score_id: int, owner: str, **values: Any) -> bool:
    held = and_(LtiScoreRow.id == score_id, LtiScoreRow.lease_owner == owner, LtiScoreRow.sent_at.is_(None),
                LtiScoreRow.dropped_at.is_(None))
    return bool(store.write(lambda conn: conn.execute(
        update(LtiScoreRow).where(held).values(lease_owner=None, lease_until=None, **values)).rowcount))


def mark_score_sent(store: Store, score_id: int, owner: str, now: datetime) -> bool:
    """The platform accepted the score. False if ``owner`` no longer held it."""
    return _finish(store, score_id, owner, sent_at=now, tries=LtiScoreRow.tries + 1, last_error=None)


def mark_score_retry(store: Store, score_id: int, owner: str, next_try_at: datetime, error: str) -> bool:
    """The post failed for a reason that may pass (platform down, busy): try again at ``next_try_at``."""
    return _finish(store, score_id, owner, next_try_at=next_try_at, tries=LtiScoreRow.tries + 1,
                   last_error=error[:ERROR_LENGTH])


def mark_score_dropped(store: Store, score_id: int, owner: str, now: datetime, reason: str) -> bool:
    """The platform refused the score for good; kept with the reason for administrators."""
    return _finish(store, score_id, owner, dropped_at=now, tries=LtiScoreRow.tries + 1,
                   last_error=reason[:ERROR_LENGTH])


def queued_scores(store: Store, user_id: int | None = None) -> tuple[QueuedScore, ...]:
    """Every queued score (or ``user_id``'s), oldest first."""
    condition = LtiScoreRow.user_id == user_id if user_id is not None else LtiScoreRow.id.is_not(None)
    return store.read(lambda conn: tuple(_score(row) for row in conn.execute(
        select(*_SCORE_COLUMNS).where(condition).order_by(LtiScoreRow.id))))


def queue_state(store: Store) -> QueueState:
    """How many scores wait, went and were dropped, and the newest error of one not sent."""

    def work(conn: Connection) -> QueueState:
        def count(condition: ColumnElement[bool]) -> int:
            return int(conn.scalar(select(func.count()).select_from(LtiScoreRow).where(condition)) or 0)

        waiting = count(and_(LtiScoreRow.sent_at.is_(None), LtiScoreRow.dropped_at.is_(None)))
        newest = conn.execute(select(LtiScoreRow.last_error, LtiScoreRow.score_key)
                              .where(LtiScoreRow.last_error.is_not(None), LtiScoreRow.sent_at.is_(None))
                              .order_by(LtiScoreRow.next_try_at.desc(), LtiScoreRow.id.desc()).limit(1)).first()
        return QueueState(waiting=waiting, sent=count(LtiScoreRow.sent_at.is_not(None)),
                          dropped=count(LtiScoreRow.dropped_at.is_not(None)),
                          last_error=None if newest is None else newest[0],
                          last_error_key=None if newest is None else newest[1])

    return store.read(work)


_LINK_COLUMNS = (LtiGradeLinkRow.id, LtiGradeLinkRow.user_id, LtiGradeLinkRow.platform_id, LtiGradeLinkRow.subject,
                 LtiGradeLinkRow.lineitem_url, LtiGradeLinkRow.target, LtiGradeLinkRow.linked_at)
_SCORE_COLUMNS = (LtiScoreRow.id, LtiScoreRow.score_key, LtiScoreRow.platform_id, LtiScoreRow.user_id,
                  LtiScoreRow.lineitem_url, LtiScoreRow.payload, LtiScoreRow.tries, LtiScoreRow.sent_at,
                  LtiScoreRow.dropped_at, LtiScoreRow.last_error)


def _link(row: Sequence[Any]) -> GradeLink:
    return GradeLink(id=row[0], user_id=row[1], platform_id=row[2], subject=row[3], lineitem_url=row[4],
                     target=row[5], linked_at=row[6])


def _score(row: Sequence[Any]) -> QueuedScore:
    return QueuedScore(id=row[0], score_key=row[1], platform_id=row[2], user_id=row[3], lineitem_url=row[4],
                       payload=dict(row[5]), tries=row[6], sent_at=row[7], dropped_at=row[8], last_error=row[9])
