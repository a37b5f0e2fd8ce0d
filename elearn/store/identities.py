"""Single sign-on identities, and the verified e-mails that let one be linked to an account.

An identity provider vouches for a person as (issuer, subject): its own address and its
permanent id for them. The first time an identity signs in it is linked to an account by e-mail,
but only when both sides vouch for that address: the provider says ``email_verified`` and the
account's own address is verified here (an administrator entered or confirmed it; a
self-registered address is not). Whoever registers someone else's address first therefore gets
nothing. From then on the link, not the e-mail, picks the account. In every other case nothing
is created or linked, and ``IdentityRefused`` says why and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from elearn.names import tidy_name
from elearn.store.access import require_role
from elearn.store.db import Store
from elearn.store.errors import AccountError, NotFound, UsernameTaken
from elearn.store.fields import DISPLAY_NAME_MAX
from elearn.store.records import Role, User, Viewer
from elearn.store.tables import IdentityLinkRow, UserRow
from elearn.store.users import USERNAME_MAX, fetch_user, fetch_users, insert_user, normalize_email, normalize_username

IDENTITY_PART_MAX = 255  # identity_links.issuer / subject


class IdentityRefused(AccountError):
    """A single-sign-on identity that may not sign in here (yet); the message says why."""


class _Raced(Exception):
    """Another first sign-in of the same person linked or created the account meanwhile."""


@dataclass(frozen=True)
class Identity:
    """What the identity provider said about the person signing in (its ID token's claims)."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str = ""


def sign_in_with_identity(store: Store, identity: Identity, now: datetime, *, allow_sign_up: bool) -> User:
    """The account this identity signs into, linking or creating it when that is safe.

    In order: an identity already linked signs into its account; otherwise a provider-verified
    e-mail that matches a verified account links to it; otherwise, with ``allow_sign_up``, a
    provider-verified e-mail nobody uses gets a new learner account (its address verified).
    Raises ``IdentityRefused`` in every other case, having created nothing.
    """
    issuer, subject = identity.issuer.strip(), identity.subject.strip()
    if not issuer or not subject or len(issuer) > IDENTITY_PART_MAX or len(subject) > IDENTITY_PART_MAX:
        raise IdentityRefused(
            "Your organisation's sign-in did not say who you are (its issuer and subject id are missing or "
            "too long), so you can't be signed in. Ask your administrator to check the single sign-on set-up."
        )
    email = normalize_email(identity.email)

    def work(conn: Connection) -> User:
        linked = conn.scalar(
            select(IdentityLinkRow.user_id).where(IdentityLinkRow.issuer == issuer, IdentityLinkRow.subject == subject)
        )
        if linked is not None:
            user = fetch_user(conn, linked)
            assert user is not None  # the link's foreign key
            return user
        if email is None:
            raise IdentityRefused(
                "Your organisation's sign-in gave no e-mail address and is not linked to an account here yet, "
                "so you can't be signed in. Ask your administrator for an account."
            )
        if not identity.email_verified:
            raise IdentityRefused(
                f"Your organisation's sign-in did not confirm that {email} is yours (its email_verified claim is "
                "not true), so it can't be matched to an account. Ask your administrator."
            )
        found = fetch_users(conn, UserRow.email == email)
        if found:
            return _link_existing(conn, found[0], issuer, subject, email, now)
        if not allow_sign_up:
            raise IdentityRefused(f"There is no account for {email} yet. Ask your administrator for one.")
        try:
            user = insert_user(
                conn, username=_new_username(email), display_name=_provider_name(identity, email),
                email=email, team_id=None, password_hash=None, roles=(Role.LEARNER,), now=now, email_verified=True,
            )
        except UsernameTaken as taken:
            if fetch_users(conn, UserRow.email == email):
                raise _Raced from taken
            raise IdentityRefused(
                f"There is no account for {email} yet, and a new one can't take the username {_new_username(email)!r} "
                "because another account has it. Ask your administrator for an account."
            ) from taken
        _insert_link(conn, user.id, issuer, subject, now)
        return user

    try:
        user = store.write(work)
    except (_Raced, IntegrityError):
        # Two first sign-ins of one person at once (two tabs): the loser's second look finds
        # the link or the account the winner made.
        user = store.write(work)
    if not user.active:
        raise IdentityRefused("Your account here has been deactivated. Ask your administrator to reactivate it.")
    return user


def confirm_email(store: Store, actor: Viewer, user_id: int) -> User:
    """An administrator confirms that a user's e-mail is theirs (single sign-on may then use it)."""

    def work(conn: Connection) -> User:
        require_role(conn, actor, Role.ADMIN)
        return _mark_verified(conn, UserRow.id == user_id, f"There is no user with id {user_id}.")

    return store.write(work)


def confirm_email_by_username(store: Store, username: str) -> User:
    """``confirm_email`` for the server's own shell (``python -m elearn admin confirm-email``)."""
    name = normalize_username(username)
    return store.write(lambda conn: _mark_verified(conn, UserRow.username == name, f"There is no user {name!r}."))


def identities_of(store: Store, user_id: int) -> tuple[tuple[str, str], ...]:
    """The (issuer, subject) identities linked to an account."""
    return tuple(
        (row[0], row[1])
        for row in store.read(lambda conn: conn.execute(
            select(IdentityLinkRow.issuer, IdentityLinkRow.subject)
            .where(IdentityLinkRow.user_id == user_id)
            .order_by(IdentityLinkRow.issuer)
        ).all())
    )


def _link_existing(conn: Connection, user: User, issuer: str, subject: str, email: str, now: datetime) -> User:
    if not user.email_verified:
        raise IdentityRefused(
            f"An account here uses {email}, but that address has not been confirmed as its owner's, so your "
            "organisation's sign-in can't be linked to it. Ask your administrator to confirm the address."
        )
    other = conn.scalar(
        select(IdentityLinkRow.subject).where(IdentityLinkRow.user_id == user.id, IdentityLinkRow.issuer == issuer)
    )
    if other is not None:
        raise IdentityRefused(
            f"The account for {email} is already linked to a different sign-in from your organisation, so this one "
            "can't be linked to it too. Ask your administrator."
        )
    _insert_link(conn, user.id, issuer, subject, now)
    return user


def _insert_link(conn: Connection, user_id: int, issuer: str, subject: str, now: datetime) -> None:
    conn.execute(insert(IdentityLinkRow).values(issuer=issuer, subject=subject, user_id=user_id, linked_at=now))


def _mark_verified(conn: Connection, which: ColumnElement[bool], missing: str) -> User:
    user_id = conn.scalar(select(UserRow.id).where(which))
    if user_id is None:
        raise NotFound(missing)
    if conn.scalar(select(UserRow.email).where(UserRow.id == user_id)) is None:
        raise AccountError("This account has no e-mail address to confirm. Give it one first.")
    conn.execute(update(UserRow).where(UserRow.id == user_id).values(email_verified=True))
    user = fetch_user(conn, user_id)
    assert user is not None
    return user


def _new_username(email: str) -> str:
    """A username for a new single-sign-on account: the e-mail, unique and valid as a username."""
    return email[:USERNAME_MAX]


def _provider_name(identity: Identity, email: str) -> str:
    """The display name for an account made from ``identity``: the provider's name with hidden and
    direction-control characters dropped (nobody can retype it here), else the e-mail's local part."""
    return tidy_name(identity.name, limit=DISPLAY_NAME_MAX) or email.split("@")[0][:DISPLAY_NAME_MAX]
