"""One-time password-reset links that an administrator issues for someone.

The link carries 256 random bits; the database keeps only their SHA-256, so the link is shown
once (to the administrator, who passes it on) and cannot be read back. It works once, until it
expires (``RESET_TTL``), and issuing a new one voids the older ones. Using it sets the new
password and ends every session of the account, in one transaction that also burns the token: of
two uses at once, exactly one wins.

Or the link is e-mailed, once: ``queue_reset_email`` (audited, in the request's transaction)
queues an outbox job that names only the account, and the sender mints the token when it
composes the message (``mint_mailed_reset``). The plaintext link then exists only in the e-mail,
never in the database, not even in the outbox; it is valid ``RESET_TTL`` from sending. A request
not sent within ``RESET_TTL`` (the mail server down for a day) is dropped rather than sent late,
and a link shown on screen meanwhile replaces an e-mail not sent yet.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, insert, or_, select, update
from sqlalchemy.engine import Connection

from elearn.store.accounts import password_problems
from elearn.store.administration import Actor, Shell, record_audit, require_admin
from elearn.store.db import Store
from elearn.store.errors import AccountError, NotFound, WeakPassword
from elearn.store.outbox import RESET, NewJob, queue_in
from elearn.store.records import MAX_ID, User
from elearn.store.sessions import revoke_sessions
from elearn.store.tables import OutboxRow, PasswordResetRow, UserRow
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
        _resettable(conn, user_id)
        _replace_links(conn, user_id, token, None if isinstance(actor, Shell) else actor.id, now, ttl)
        _drop_queued_emails(conn, user_id, now, "replaced by a reset link shown on screen")
        record_audit(conn, actor, "issue reset link", user_id, {}, {"expires_at": (now + ttl).isoformat()}, now)

    store.write(work)
    return token


def queue_reset_email(store: Store, actor: Actor, user_id: int, now: datetime) -> str:
    """Queue an e-mail to ``user_id`` with a new one-time reset link (administrators only); returns
    the address it goes to. Links issued before stop working now, and an earlier request not sent
    yet is dropped: the newest request is the one that counts. The same refusals as
    ``issue_reset_link``, and ``AccountError`` when the account has no e-mail address."""

    def work(conn: Connection) -> str:
        require_admin(conn, actor)
        user = _resettable(conn, user_id)
        if not user.email:
            raise AccountError(f"'{user.username}' has no e-mail address. Add one first, or make a link to pass on.")
        conn.execute(update(PasswordResetRow)
                     .where(PasswordResetRow.user_id == user_id, PasswordResetRow.used_at.is_(None))
                     .values(used_at=now))
        _drop_queued_emails(conn, user_id, now, "replaced by a newer reset request")
        queue_in(conn, [NewJob(kind=RESET, user_id=user_id, period=f"{now:%Y%m%dT%H%M%S%f}")], now)
        record_audit(conn, actor, "e-mail reset link", user_id, {}, {"to": user.email}, now)
        return user.email

    return store.write(work)


def mint_mailed_reset(store: Store, user_id: int, requested_at: datetime, now: datetime,
                      ttl: timedelta = RESET_TTL) -> str | None:
    """For the mail sender composing a queued reset e-mail: a new one-time token for ``user_id``,
    valid ``ttl`` from ``now``, replacing older ones (only its hash is kept). None, and nothing
    written, when the e-mail no longer applies: the account is gone, deactivated or signs in
    through single sign-on, or the request is ``ttl`` old. Not audited again: the request was."""
    token = secrets.token_urlsafe(32)

    def work(conn: Connection) -> str | None:
        user = fetch_user(conn, user_id) if 1 <= user_id <= MAX_ID else None
        if user is None or not user.active or not user.has_password or now - requested_at >= ttl:
            return None
        _replace_links(conn, user_id, token, None, now, ttl)
        return token

    return store.write(work)


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


def _resettable(conn: Connection, user_id: int) -> User:
    user = fetch_user(conn, user_id) if 1 <= user_id <= MAX_ID else None
    if user is None:
        raise NotFound(f"There is no user with id {user_id}.")
    if not user.active:
        raise AccountError(f"'{user.username}' is deactivated. Reactivate the account before sending a reset link.")
    return user


def _replace_links(conn: Connection, user_id: int, token: str, issued_by: int | None, now: datetime,
                   ttl: timedelta) -> None:
    conn.execute(update(PasswordResetRow)
                 .where(PasswordResetRow.user_id == user_id, PasswordResetRow.used_at.is_(None))
                 .values(used_at=now))
    conn.execute(insert(PasswordResetRow).values(token_hash=_sha256(token), user_id=user_id, issued_by=issued_by,
                                                 created_at=now, expires_at=now + ttl))


def _drop_queued_emails(conn: Connection, user_id: int, now: datetime, reason: str) -> None:
    """Drop ``user_id``'s reset e-mails not sent yet, except one a sender holds now: it may be at
    the SMTP server already, and whichever token was minted last is the one that works."""
    conn.execute(update(OutboxRow)
                 .where(OutboxRow.kind == RESET, OutboxRow.user_id == user_id, OutboxRow.sent_at.is_(None),
                        OutboxRow.dropped_at.is_(None),
                        or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until <= now))
                 .values(dropped_at=now, outcome=reason))


def _valid(token: str, now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (PasswordResetRow.token_hash == _sha256(token), PasswordResetRow.used_at.is_(None),
            PasswordResetRow.expires_at > now)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
