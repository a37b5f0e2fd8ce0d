"""One-time password-reset links that an administrator issues for someone.

The link carries 256 random bits; the database keeps only their SHA-256, so the link is shown
once (to the administrator, who passes it on) and cannot be read back. It works once, until it
expires (``RESET_TTL``), and issuing a new one voids the older ones. Using it sets the new
password and ends every session of the account, in one transaction that also burns the token: of
two uses at once, exactly one wins.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, insert, select, update
from sqlalchemy.engine import Connection

from elearn.store.accounts import password_problems
from elearn.store.administration import Actor, Shell, record_audit, require_admin
from elearn.store.db import Store
from elearn.store.errors import AccountError, NotFound, WeakPassword
from elearn.store.records import MAX_ID, User
from elearn.store.sessions import revoke_sessions
from elearn.store.tables import PasswordResetRow, UserRow
from elearn.store.users import fetch_user

RESET_TTL = timedelta(hours=24)
RESET_PATH = "reset"
"""The page that takes a reset token: ``/reset?token=...``."""
NOT_VALID = ("This reset link is not valid any more: it was used already, it expired, or a newer one replaced it. "
             "Ask your administrator for a new link.")


def issue_reset_link(store: Store, actor: Actor, user_id: int, now: datetime, ttl: timedelta = RESET_TTL) -> str:
    """A new one-time reset token for ``user_id`` (administrators only); older unused ones stop
    working. Refused for a deactivated account (reactivate it first) and for a single-sign-on
    account, which has no password here."""
    token = secrets.token_urlsafe(32)

    def work(conn: Connection) -> None:
        require_admin(conn, actor)
        user = fetch_user(conn, user_id) if 1 <= user_id <= MAX_ID else None
        if user is None:
            raise NotFound(f"There is no user with id {user_id}.")
        if not user.active:
            raise AccountError(f"'{user.username}' is deactivated. Reactivate the account before sending a reset link.")
        conn.execute(update(PasswordResetRow)
                     .where(PasswordResetRow.user_id == user_id, PasswordResetRow.used_at.is_(None))
                     .values(used_at=now))
        conn.execute(insert(PasswordResetRow).values(
            token_hash=_sha256(token), user_id=user_id, issued_by=None if isinstance(actor, Shell) else actor.id,
            created_at=now, expires_at=now + ttl))
        record_audit(conn, actor, "issue reset link", user_id, {}, {"expires_at": (now + ttl).isoformat()}, now)

    store.write(work)
    return token


def reset_link_user(store: Store, token: str, now: datetime) -> User | None:
    """The account a still valid ``token`` resets; None for a used, expired or unknown one."""
    if not token:
        return None

    def work(conn: Connection) -> User | None:
        user_id = conn.scalar(select(PasswordResetRow.user_id).where(*_valid(token, now)))
        return None if user_id is None else fetch_user(conn, user_id)

    found = store.read(work)
    return found if found is not None and found.active else None


def reset_password(store: Store, token: str, password: str, now: datetime) -> User:
    """Spend ``token``: set ``password`` (checked against the policy first, ``WeakPassword``) and
    end every session of the account. ``AccountError`` with ``NOT_VALID`` for a used, expired,
    replaced or unknown token, or a deactivated account."""
    user = reset_link_user(store, token, now)
    if user is None:
        raise AccountError(NOT_VALID)
    problems = password_problems(user.username, password)
    if problems:
        raise WeakPassword(" ".join(problems))
    password_hash = store.hasher.hash(password)

    def work(conn: Connection) -> User:
        spent = conn.execute(update(PasswordResetRow).where(*_valid(token, now), PasswordResetRow.user_id == user.id)
                             .values(used_at=now))
        if spent.rowcount != 1:
            raise AccountError(NOT_VALID)
        conn.execute(update(UserRow).where(UserRow.id == user.id, UserRow.deactivated_at.is_(None))
                     .values(password_hash=password_hash))
        ended = revoke_sessions(conn, user.id, now)
        record_audit(conn, user, "reset password", user.id, {}, {"sessions_ended": ended}, now)
        changed = fetch_user(conn, user.id)
        assert changed is not None
        return changed

    return store.write(work)


def _valid(token: str, now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (PasswordResetRow.token_hash == _sha256(token), PasswordResetRow.used_at.is_(None),
            PasswordResetRow.expires_at > now)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
