"""Local accounts: Argon2id passwords, sign-in with throttling, first-run administrator set-up.

Sign-in is throttled by three buckets (``elearn/store/throttle.py``), checked and counted in one
transaction before the password hash is verified, so parallel guesses cannot pass a limit and a
throttled attempt costs no Argon2 verification:

- ``SIGN_IN``, per username and client address: the limit one guesser meets on one account.
- ``SIGN_IN_CLIENT``, per client address: one client trying many usernames.
- ``SIGN_IN_ACCOUNT``, per username from everywhere: many clients guessing one account. It only
  holds back clients that have already failed on this account twice (``ACCOUNT_HOLDS_AFTER``):
  a client with a clean record on it always gets its attempt, so strangers can slow an
  account's guessers but never lock its owner (or an administrator) out. The price: once an
  account is under attack, each new client gets two guesses at it, then waits with the rest.

There is no hard lock anywhere, only delays that grow to at most 15 minutes between tries.

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
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from elearn.store.administration import SERVER_SHELL, Actor, record_account_created
from elearn.store.db import Store
from elearn.store.errors import (
    AccountDeactivated,
    AccountError,
    NotFound,
    RegistrationClosed,
    SetupClosed,
    WeakPassword,
)
from elearn.store.fields import checked_display_name, checked_email
from elearn.store.records import Role, Throttled, User
from elearn.store.sessions import revoke_sessions
from elearn.store.tables import SetupTokenRow, TeamManagerRow, TeamRow, UserRoleRow, UserRow
from elearn.store.throttle import Bucket, ThrottleRule, clear, count_attempt, forgive, lock_buckets, refusal
from elearn.store.users import fetch_user, fetch_users, insert_user, normalize_email, normalize_username

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
SIGN_IN = ThrottleRule("sign-in", free=5, first_delay=timedelta(seconds=30), max_delay=timedelta(minutes=15),
                       forget_after=timedelta(hours=1))
"""Per (username, client): five tries, then 30 s, 1, 2, 4, 8 and at most 15 minutes between tries."""
SIGN_IN_CLIENT = ThrottleRule("sign-in-client", free=30, first_delay=timedelta(seconds=5),
                              max_delay=timedelta(minutes=15), forget_after=timedelta(hours=1))
"""Per client, whatever the username: generous, as a whole office may sign in from one address."""
SIGN_IN_ACCOUNT = ThrottleRule("sign-in-account", free=20, first_delay=timedelta(seconds=30),
                               max_delay=timedelta(minutes=15), forget_after=timedelta(hours=1))
"""Per username, from every client: holds back only clients that already failed on the account."""
ACCOUNT_HOLDS_AFTER = 2
"""Failures a client may have on an account before the account's own budget holds it back: the
owner, on a device of their own, may mistype once while strangers hammer and still get in."""
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
    email_verified: bool = True,
    manages: Iterable[int] = (),
    audited_by: Actor | None = None,
    audit_action: str = "create account",
) -> User:
    """Create an account. ``password=None`` makes a single-sign-on account that cannot sign in
    with a password. Raises ``WeakPassword``, ``UsernameTaken`` or ``AccountError`` (a name with
    hidden characters or too long, an e-mail address of the wrong shape: ``elearn.store.fields``).

    ``email_verified`` says someone checked that the e-mail is this person's: true when an
    administrator (or the identity provider) supplied it; pass False when the person typed it in
    themselves (``register``), since single sign-on trusts only verified addresses.

    ``manages``: teams the new account manages from the start (granting the manager role). For
    the server's own set-up and for seeding test and demo data, like the rest of this function:
    nobody is the actor, so nothing is audited. An administrator changing who manages a team
    goes through ``elearn.store.administration.add_team_manager``, which is.

    ``audited_by``: the administrator (or ``SERVER_SHELL``) creating the account, which is then
    written to the audit log as ``audit_action`` in the same transaction."""
    name = _valid_username(username)
    display_name = checked_display_name(display_name)
    email = checked_email(email)
    password_hash = None
    if password is not None:
        _check_password(name, password)
        password_hash = store.hasher.hash(password)
    teams = sorted(set(manages))
    granted = (*roles, Role.MANAGER) if teams else tuple(roles)

    def work(conn: Connection) -> User:
        user = insert_user(
            conn, username=name, display_name=display_name, email=email, team_id=team_id,
            password_hash=password_hash, roles=granted, now=now, email_verified=email_verified,
        )
        for managed in teams:
            if conn.scalar(select(TeamRow.id).where(TeamRow.id == managed)) is None:
                raise NotFound(f"There is no team with id {managed}.")
        if teams:
            conn.execute(insert(TeamManagerRow), [{"user_id": user.id, "team_id": managed} for managed in teams])
        if audited_by is not None:
            record_account_created(conn, audited_by, audit_action, user, now)
        return user

    return store.write(work)


FIRST_ADMIN_EXTRA_ROLES = (Role.FACILITATOR, Role.MANAGER)
"""What the first administrator also gets, so one person can try every part of a new server
(the ``first_admin_roles`` setting turns it off)."""


def create_admin(
    store: Store, username: str, password: str, now: datetime, *, display_name: str = "", email: str | None = None,
    extra_roles: Iterable[Role] = (),
) -> User:
    """Create an administrator (who can also take the course, and holds ``extra_roles``). For the
    server's own shell (``python -m elearn admin create``): audited as the server shell's."""
    return create_user(
        store, username=username, display_name=display_name, password=password, now=now, email=email,
        roles=(Role.ADMIN, Role.LEARNER, *extra_roles), audited_by=SERVER_SHELL, audit_action="create administrator",
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
    """A visitor creates their own learner account, if the server allows self-registration.

    The e-mail they give stays unverified (nobody has checked it is theirs) until an
    administrator confirms it, so single sign-on never picks this account by that address."""
    if not allow_self_registration:
        raise RegistrationClosed("This server does not allow sign-up. Ask your administrator for an account.")
    return create_user(store, username=username, display_name=display_name, password=password, now=now, email=email,
                       email_verified=False)


def authenticate(
    store: Store, username: str, password: str, now: datetime, *, client: str
) -> User | Throttled | None:
    """Check a username and password from ``client`` (the address the request came from): the
    user, ``Throttled``, or None for "wrong". A deactivated account's right password raises
    ``AccountDeactivated``.

    None means "unknown user or wrong password", and both cost one Argon2 verification (unknown
    users are checked against a dummy hash), so neither the answer nor its timing tells them
    apart; unknown usernames are throttled exactly like real ones. ``Throttled`` costs no
    verification at all. The attempt is counted before the hash is checked (see the module
    docstring); a success clears the (username, client) bucket and takes the attempt back from
    the others. A correct password whose hash used older parameters is rehashed with the current ones.
    """
    name = normalize_username(username)
    buckets = sign_in_buckets(name, client)
    pair = buckets[0]

    def admit(conn: Connection) -> tuple[Throttled | None, int | None, str | None, bool]:
        states = lock_buckets(conn, buckets, now)
        own, by_client, on_account = states[pair], states[buckets[1]], states[buckets[2]]
        # The account-wide bucket waves through a client with a nearly clean record on this
        # account: that is how its owner still gets in while strangers hammer it.
        holding = [own, by_client] + ([on_account] if own.count >= ACCOUNT_HOLDS_AFTER else [])
        refused = refusal(holding, now)
        if refused is not None:
            return refused, None, None, False
        count_attempt(conn, states.values(), now)
        row = conn.execute(select(UserRow.id, UserRow.password_hash, UserRow.deactivated_at)
                           .where(UserRow.username == name)).first()
        return None, (row[0] if row else None), (row[1] if row else None), bool(row and row[2] is not None)

    refused, user_id, stored_hash, deactivated = store.write(admit)
    if refused is not None:
        return refused
    verified = _verify(store, stored_hash or store.dummy_hash, password)
    if not (verified and user_id is not None and stored_hash is not None):
        return None
    if deactivated:  # only someone who knows the password learns this
        raise AccountDeactivated("This account has been deactivated. Ask your administrator to reactivate it.")
    new_hash = store.hasher.hash(password) if store.hasher.check_needs_rehash(stored_hash) else None

    def signed_in(conn: Connection) -> User | None:
        clear(conn, [pair])
        forgive(conn, buckets[1:])
        if new_hash is not None:
            conn.execute(
                update(UserRow)
                .where(UserRow.id == user_id, UserRow.password_hash == stored_hash)
                .values(password_hash=new_hash)
            )
        return fetch_user(conn, user_id)

    return store.write(signed_in)


def sign_in_buckets(username: str, client: str) -> tuple[Bucket, Bucket, Bucket]:
    """The buckets a sign-in by ``username`` from ``client`` goes through: (username, client),
    client, username."""
    name = normalize_username(username)
    address = client.strip().lower()
    return (Bucket(SIGN_IN, f"{name}\0{address}"), Bucket(SIGN_IN_CLIENT, address), Bucket(SIGN_IN_ACCOUNT, name))


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
    extra_roles: Iterable[Role] = FIRST_ADMIN_EXTRA_ROLES,
) -> User:
    """Create the first administrator with a set-up token, and burn the token. They are also a
    learner and hold ``extra_roles`` (by default facilitator and manager).

    Raises ``SetupClosed`` if the token is wrong, used, expired, or an administrator exists
    (two people racing with one token: exactly one wins).
    """
    name = _valid_username(username)
    display_name = checked_display_name(display_name)
    email = checked_email(email)
    _check_password(name, password)
    password_hash = store.hasher.hash(password)
    granted = tuple(extra_roles)

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
        admin = insert_user(
            conn, username=name, display_name=display_name, email=email, team_id=None,
            password_hash=password_hash, roles=(Role.ADMIN, Role.LEARNER, *granted), now=now, email_verified=True,
        )
        # Nobody else could act yet: the new administrator is the actor, through the set-up token.
        record_account_created(conn, admin, "first administrator (set-up)", admin, now)
        return admin

    return store.write(work)


def change_password(store: Store, user: User, current: str, new: str, now: datetime, *, client: str) -> User:
    """A signed-in user changes their own password: ``current`` must be right (checked, and
    throttled, exactly as a sign-in), ``new`` must meet the policy. Every session of theirs ends
    (the caller signs this tab in again). Raises ``AccountError`` saying what to do."""
    if not user.has_password:
        raise AccountError("This account signs in through your organisation; change the password there.")
    _check_password(user.username, new)
    checked = authenticate(store, user.username, current, now, client=client)
    if isinstance(checked, Throttled):
        raise AccountError("Too many wrong passwords lately. Wait a few minutes, then try again.")
    if checked is None or checked.id != user.id:
        raise AccountError("The current password is not right. Type it again.")
    new_hash = store.hasher.hash(new)

    def work(conn: Connection) -> User:
        conn.execute(update(UserRow).where(UserRow.id == user.id).values(password_hash=new_hash))
        revoke_sessions(conn, user.id, now)
        changed = fetch_user(conn, user.id)
        assert changed is not None
        return changed

    return store.write(work)


def _admin_exists(conn: Connection) -> bool:
    return conn.scalar(select(func.count()).select_from(UserRoleRow).where(UserRoleRow.role == Role.ADMIN.value)) != 0


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


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
