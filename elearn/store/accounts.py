"""Local accounts: Argon2id passwords, sign-in with throttling, first-run administrator set-up.

There are no default passwords. The first administrator comes either from the server's shell
(``create_admin``, behind ``python -m elearn admin create``) or from a one-time set-up token
that only the server log shows (``issue_setup_token`` / ``claim_setup_token``). Passwords are
hashed outside any transaction so a slow hash never holds a database lock.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from elearn.store.db import Store
from elearn.store.errors import AccountError, RegistrationClosed, SetupClosed, WeakPassword
from elearn.store.fields import checked_display_name, checked_email
from elearn.store.records import Role, Throttled, User
from elearn.store.tables import LoginAttemptRow, SetupTokenRow, UserRoleRow, UserRow
from elearn.store.users import fetch_user, fetch_users, insert_user, normalize_email, normalize_username

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
FAILED_SIGN_INS_ALLOWED = 5
FAILURE_WINDOW = timedelta(minutes=15)
SETUP_TOKEN_TTL = timedelta(hours=24)
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,63}$")


def password_problems(username: str, password: str) -> list[str]:
    """Everything wrong with ``password`` for ``username`` under the policy (empty if fine)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"Use at most {MAX_PASSWORD_LENGTH} characters.")
    if normalize_username(password) == normalize_username(username):
        problems.append("The password must not be the username.")
    return problems


def create_user(
    store: Store,
    *,
    username: str,
    display_name: str,
    password: str | None,
    now: datetime,
    email: str | None = None,
    team_id: int | None = None,
    roles: Iterable[Role] = (Role.LEARNER,),
) -> User:
    """Create an account. ``password=None`` makes a single-sign-on account that cannot sign in
    with a password. Raises ``WeakPassword``, ``UsernameTaken`` or ``AccountError`` (a name with
    hidden characters or too long, an e-mail address of the wrong shape: ``elearn.store.fields``)."""
    name = _valid_username(username)
    display_name = checked_display_name(display_name)
    email = checked_email(email)
    password_hash = None
    if password is not None:
        _check_password(name, password)
        password_hash = store.hasher.hash(password)
    granted = tuple(roles)

    def work(conn: Connection) -> User:
        return insert_user(
            conn, username=name, display_name=display_name, email=email, team_id=team_id,
            password_hash=password_hash, roles=granted, now=now,
        )

    return store.write(work)


def create_admin(
    store: Store, username: str, password: str, now: datetime, *, display_name: str = "", email: str | None = None
) -> User:
    """Create an administrator (who can also take the course). For the server's own shell."""
    return create_user(
        store, username=username, display_name=display_name, password=password, now=now, email=email,
        roles=(Role.ADMIN, Role.LEARNER),
    )


def register(
    store: Store,
    *,
    username: str,
    display_name: str,
    password: str,
    now: datetime,
    email: str | None = None,
    allow_self_registration: bool,
) -> User:
    """A visitor creates their own learner account, if the server allows self-registration."""
    if not allow_self_registration:
        raise RegistrationClosed("This server does not allow sign-up. Ask your administrator for an account.")
    return create_user(store, username=username, display_name=display_name, password=password, now=now, email=email)


def authenticate(store: Store, username: str, password: str, now: datetime) -> User | Throttled | None:
    """Check a username and password: the user, ``Throttled``, or None for "wrong".

    None means "unknown user or wrong password", and both cost one Argon2 verification (unknown
    users are checked against a dummy hash), so neither the answer nor its timing tells them
    apart. After ``FAILED_SIGN_INS_ALLOWED`` failures within ``FAILURE_WINDOW`` a username is
    throttled, whether or not it exists. A correct password whose hash used older parameters
    is rehashed with the current ones.
    """
    name = normalize_username(username)
    key = _username_key(name)

    def look_up(conn: Connection) -> tuple[datetime | None, int | None, str | None]:
        until = _throttled_until(conn, key, now)
        row = conn.execute(select(UserRow.id, UserRow.password_hash).where(UserRow.username == name)).first()
        return until, (row[0] if row else None), (row[1] if row else None)

    throttled_until, user_id, stored_hash = store.read(look_up)
    if throttled_until is not None:
        return Throttled(retry_after=throttled_until)
    verified = _verify(store, stored_hash or store.dummy_hash, password)
    succeeded = verified and user_id is not None and stored_hash is not None
    new_hash = store.hasher.hash(password) if succeeded and store.hasher.check_needs_rehash(stored_hash or "") else None

    def record(conn: Connection) -> User | None:
        conn.execute(insert(LoginAttemptRow).values(username_hash=key, attempted_at=now, succeeded=succeeded))
        conn.execute(
            delete(LoginAttemptRow).where(
                LoginAttemptRow.username_hash == key, LoginAttemptRow.attempted_at < now - FAILURE_WINDOW
            )
        )
        if not succeeded or user_id is None:
            return None
        if new_hash is not None:
            conn.execute(
                update(UserRow)
                .where(UserRow.id == user_id, UserRow.password_hash == stored_hash)
                .values(password_hash=new_hash)
            )
        return fetch_user(conn, user_id)

    return store.write(record)


def user_by_email(store: Store, email: str) -> User | None:
    """The account with this email, for matching a single-sign-on identity; None if none."""
    wanted = normalize_email(email)
    if wanted is None:
        return None
    found = store.read(lambda conn: fetch_users(conn, UserRow.email == wanted))
    return found[0] if found else None


def admin_exists(store: Store) -> bool:
    return store.read(_admin_exists)


def issue_setup_token(store: Store, now: datetime, ttl: timedelta = SETUP_TOKEN_TTL) -> str:
    """A one-time token that lets whoever holds it create the first administrator.

    Only while no administrator exists (else ``SetupClosed``). Print it to the server log and
    nowhere else; the database keeps its SHA-256 only. Issuing a new token voids older ones.
    """
    token = secrets.token_urlsafe(32)

    def work(conn: Connection) -> None:
        if _admin_exists(conn):
            raise SetupClosed("An administrator already exists; set-up is closed.")
        conn.execute(update(SetupTokenRow).where(SetupTokenRow.used_at.is_(None)).values(used_at=now))
        conn.execute(
            insert(SetupTokenRow).values(token_hash=_sha256(token), created_at=now, expires_at=now + ttl)
        )

    store.write(work)
    return token


def claim_setup_token(
    store: Store,
    token: str,
    username: str,
    password: str,
    now: datetime,
    *,
    display_name: str = "",
    email: str | None = None,
) -> User:
    """Create the first administrator with a set-up token, and burn the token.

    Raises ``SetupClosed`` if the token is wrong, used, expired, or an administrator exists
    (two people racing with one token: exactly one wins).
    """
    name = _valid_username(username)
    display_name = checked_display_name(display_name)
    email = checked_email(email)
    _check_password(name, password)
    password_hash = store.hasher.hash(password)

    def work(conn: Connection) -> User:
        if _admin_exists(conn):
            raise SetupClosed("An administrator already exists; set-up is closed.")
        burned = conn.execute(
            update(SetupTokenRow)
            .where(
                SetupTokenRow.token_hash == _sha256(token),
                SetupTokenRow.used_at.is_(None),
                SetupTokenRow.expires_at > now,
            )
            .values(used_at=now)
        )
        if burned.rowcount != 1:
            raise SetupClosed("This set-up token is not valid. Restart the server to print a new one.")
        return insert_user(
            conn, username=name, display_name=display_name, email=email, team_id=None,
            password_hash=password_hash, roles=(Role.ADMIN, Role.LEARNER), now=now,
        )

    return store.write(work)


def _admin_exists(conn: Connection) -> bool:
    return conn.scalar(select(func.count()).select_from(UserRoleRow).where(UserRoleRow.role == Role.ADMIN.value)) != 0


def _throttled_until(conn: Connection, key: str, now: datetime) -> datetime | None:
    """When this username may try again, if its recent failures reached the limit."""
    since = now - FAILURE_WINDOW
    last_success = conn.scalar(
        select(func.max(LoginAttemptRow.attempted_at)).where(
            LoginAttemptRow.username_hash == key, LoginAttemptRow.succeeded.is_(True)
        )
    )
    counted_from = max(since, last_success) if last_success is not None else since
    failures = list(
        conn.scalars(
            select(LoginAttemptRow.attempted_at)
            .where(
                LoginAttemptRow.username_hash == key,
                LoginAttemptRow.succeeded.is_(False),
                LoginAttemptRow.attempted_at > counted_from,
            )
            .order_by(LoginAttemptRow.attempted_at.desc())
            .limit(FAILED_SIGN_INS_ALLOWED)
        )
    )
    if len(failures) < FAILED_SIGN_INS_ALLOWED:
        return None
    return failures[-1] + FAILURE_WINDOW


def _verify(store: Store, password_hash: str, password: str) -> bool:
    try:
        return store.hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _valid_username(username: str) -> str:
    name = normalize_username(username)
    if not USERNAME_PATTERN.match(name):
        raise AccountError(
            "A username is 1-64 characters: letters, digits and . _ @ + - (starting with a letter or digit)."
        )
    return name


def _check_password(username: str, password: str) -> None:
    problems = password_problems(username, password)
    if problems:
        raise WeakPassword(" ".join(problems))


def _username_key(name: str) -> str:
    return _sha256(name)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
