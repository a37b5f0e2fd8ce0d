"""Sign-in sessions that survive a reload: random tokens, their hashes in the store.

A session has two tokens. The tab that signed in keeps the first in server memory
(``st.session_state``); the browser keeps the second in an HttpOnly cookie. The page never sees
either: to get the cookie set, it is given a one-time exchange code (``issue_cookie_code``) that
the app's cookie route trades for the cookie token (``redeem_cookie_code``). The code is good
for ``COOKIE_CODE_TTL`` and once only, so reading it out of the page afterwards gets nobody in.

Tokens and codes are 256 random bits, so a plain SHA-256 is enough to make a leaked database
useless for signing in (a slow hash is for guessable secrets, such as passwords). Signing out
with either token revokes the session, and so both; an expired or revoked token is simply not
a session any more.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, insert, or_, select, update
from sqlalchemy.engine import Connection

from elearn.store.db import Store
from elearn.store.records import User
from elearn.store.tables import SessionRow, UserRow
from elearn.store.users import USER_COLUMNS, roles_of, user_from

SESSION_TTL = timedelta(days=14)
COOKIE_CODE_TTL = timedelta(seconds=20)
LAST_SEEN_RESOLUTION = timedelta(minutes=1)

# Every script run looks its session up: these are built once, with the values as bound
# parameters (building a statement costs SQLAlchemy more CPU than running it).
_SESSION_USER = (
    select(*USER_COLUMNS)
    .join(SessionRow, SessionRow.user_id == UserRow.id)
    .where(
        or_(SessionRow.token_hash == bindparam("token_hash"), SessionRow.cookie_token_hash == bindparam("token_hash")),
        SessionRow.revoked_at.is_(None),
        SessionRow.expires_at > bindparam("now"),
        UserRow.deactivated_at.is_(None),  # revoked on deactivation anyway; never trust one path
    )
)
_TOUCH = (
    update(UserRow)
    .where(UserRow.id == bindparam("user_id"),
           or_(UserRow.last_seen_at.is_(None), UserRow.last_seen_at < bindparam("seen_before")))
    .values(last_seen_at=bindparam("now"))
)


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

    hashed = _token_hash(token)

    def look_up(conn: Connection) -> User | None:
        row = conn.execute(_SESSION_USER, {"token_hash": hashed, "now": now}).first()
        return None if row is None else user_from(row, roles_of(conn, row[0]))

    user = store.read(look_up)
    if user is None or (user.last_seen_at is not None and now - user.last_seen_at < LAST_SEEN_RESOLUTION):
        return user

    def touch(conn: Connection) -> None:
        conn.execute(_TOUCH, {"user_id": user.id, "now": now, "seen_before": now - LAST_SEEN_RESOLUTION})

    store.write(touch)
    return replace(user, last_seen_at=now)


def end_session(store: Store, token: str, now: datetime) -> None:
    """Sign out: revoke the session so the token no longer works anywhere. Idempotent."""

    def work(conn: Connection) -> None:
        conn.execute(
            update(SessionRow).where(_either_token(token), SessionRow.revoked_at.is_(None)).values(revoked_at=now)
        )

    store.write(work)


def issue_cookie_code(store: Store, token: str, now: datetime, ttl: timedelta = COOKIE_CODE_TTL) -> str | None:
    """A one-time code the page hands to the cookie route instead of a token; None if ``token``
    is not a live session. Only the code's hash is stored; issuing another voids the last one."""
    code = secrets.token_urlsafe(32)

    def work(conn: Connection) -> bool:
        issued = conn.execute(
            update(SessionRow)
            .where(SessionRow.token_hash == _token_hash(token), SessionRow.revoked_at.is_(None),
                   SessionRow.expires_at > now)
            .values(cookie_code_hash=_token_hash(code), cookie_code_expires_at=now + ttl)
        )
        return issued.rowcount == 1

    return code if store.write(work) else None


def redeem_cookie_code(store: Store, code: str, now: datetime) -> str | None:
    """Trade an unexpired, unused code for the session's cookie token (a fresh one, replacing any
    earlier cookie token of the session); None for any other code. One statement burns the code,
    so of two redemptions at once exactly one gets a token."""
    if not code:
        return None
    cookie_token = secrets.token_urlsafe(32)

    def work(conn: Connection) -> bool:
        redeemed = conn.execute(
            update(SessionRow)
            .where(
                SessionRow.cookie_code_hash == _token_hash(code),
                SessionRow.cookie_code_expires_at > now,
                SessionRow.revoked_at.is_(None),
                SessionRow.expires_at > now,
            )
            .values(cookie_token_hash=_token_hash(cookie_token), cookie_code_hash=None, cookie_code_expires_at=None)
        )
        return redeemed.rowcount == 1

    return cookie_token if store.write(work) else None


def end_all_sessions(store: Store, user_id: int, now: datetime) -> None:
    """Sign ``user_id`` out everywhere (after a password change or when an account is closed)."""
    store.write(lambda conn: revoke_sessions(conn, user_id, now))


def revoke_sessions(conn: Connection, user_id: int, now: datetime) -> int:
    """``end_all_sessions`` inside a transaction of the caller's (a deactivation, a password
    reset), so the sign-out lands with the change or not at all. Returns how many were live."""
    return conn.execute(
        update(SessionRow)
        .where(SessionRow.user_id == user_id, SessionRow.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _either_token(token: str) -> ColumnElement[bool]:
    hashed = _token_hash(token)
    return or_(SessionRow.token_hash == hashed, SessionRow.cookie_token_hash == hashed)
