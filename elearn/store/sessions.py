"""Sign-in sessions that survive a reload: a random token for the cookie, its hash in the store.

The token is 256 random bits, so a plain SHA-256 is enough to make a leaked database useless for
signing in (a slow hash is for guessable secrets, such as passwords). Signing out revokes the
session on the server; an expired or revoked token is simply not a session any more.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Connection

from elearn.store.db import Store
from elearn.store.records import User
from elearn.store.tables import SessionRow, UserRow
from elearn.store.users import fetch_user

SESSION_TTL = timedelta(days=14)
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def start_session(store: Store, user_id: int, now: datetime, ttl: timedelta = SESSION_TTL) -> str:
    """Start a session for ``user_id`` and return its token (for the cookie, nowhere else)."""
    token = secrets.token_urlsafe(32)

    def work(conn: Connection) -> None:
        conn.execute(
            insert(SessionRow).values(
                token_hash=_token_hash(token), user_id=user_id, created_at=now, expires_at=now + ttl
            )
        )

    store.write(work)
    return token


def session_user(store: Store, token: str, now: datetime) -> User | None:
    """The user signed in with ``token``, or None if it is unknown, expired or revoked.

    Records ``last_seen_at``, at most once per ``LAST_SEEN_RESOLUTION`` so that a page rerun
    (every click in Streamlit) does not turn into a database write.
    """
    if not token:
        return None

    def look_up(conn: Connection) -> User | None:
        user_id = conn.scalar(
            select(SessionRow.user_id).where(
                SessionRow.token_hash == _token_hash(token),
                SessionRow.revoked_at.is_(None),
                SessionRow.expires_at > now,
            )
        )
        return None if user_id is None else fetch_user(conn, user_id)

    user = store.read(look_up)
    if user is None or (user.last_seen_at is not None and now - user.last_seen_at < LAST_SEEN_RESOLUTION):
        return user

    def touch(conn: Connection) -> None:
        conn.execute(
            update(UserRow)
            .where(
                UserRow.id == user.id,
                or_(UserRow.last_seen_at.is_(None), UserRow.last_seen_at < now - LAST_SEEN_RESOLUTION),
            )
            .values(last_seen_at=now)
        )

    store.write(touch)
    return replace(user, last_seen_at=now)


def end_session(store: Store, token: str, now: datetime) -> None:
    """Sign out: revoke the session so the token no longer works anywhere. Idempotent."""

    def work(conn: Connection) -> None:
        conn.execute(
            update(SessionRow)
            .where(SessionRow.token_hash == _token_hash(token), SessionRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    store.write(work)


def end_all_sessions(store: Store, user_id: int, now: datetime) -> None:
    """Sign ``user_id`` out everywhere (after a password change or when an account is closed)."""

    def work(conn: Connection) -> None:
        conn.execute(
            update(SessionRow)
            .where(SessionRow.user_id == user_id, SessionRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    store.write(work)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
