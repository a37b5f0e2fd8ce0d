"""LTI 1.3 in the store: registered platforms, the tool's key pair, launch states, and the
accounts, teams and roles a launch brings in.

A launched person is matched by the platform's (issuer, subject) in ``identity_links``, the
table single sign-on uses, never by e-mail: an LMS's e-mail claim is whatever its users typed.
Their first launch creates the account (no password, no e-mail); every launch adds the roles
it carries and never takes one away. An LMS course (context) becomes a team, once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from elearn.names import tidy_name
from elearn.store.db import Store
from elearn.store.errors import AccountError
from elearn.store.fields import DISPLAY_NAME_MAX
from elearn.store.records import Role, User
from elearn.store.standings import refresh_standings
from elearn.store.tables import (
    IdentityLinkRow,
    LtiContextRow,
    LtiLaunchStateRow,
    LtiPlatformRow,
    LtiToolKeyRow,
    TeamManagerRow,
    TeamRow,
    UserRoleRow,
    UserRow,
)
from elearn.store.users import fetch_user, insert_user

TEAM_NAME_MAX = 100  # teams.name
_TOOL_KEY_ID = 1  # the one row of lti_tool_keys


class PlatformExists(AccountError):
    """A platform with this issuer and client id is registered already."""


@dataclass(frozen=True)
class Platform:
    """An LMS registered to launch this tool."""

    id: int
    issuer: str
    client_id: str
    deployment_ids: tuple[str, ...]
    auth_login_url: str
    token_url: str
    jwks_url: str


@dataclass(frozen=True)
class LaunchState:
    """What a login initiation left for its launch: the platform, the nonce, where to go."""

    platform: Platform
    nonce: str
    target_link_uri: str


@dataclass(frozen=True)
class LaunchedPerson:
    """Who a verified launch says is arriving, and in which LMS course."""

    subject: str
    name: str
    roles: frozenset[Role]
    manages_context: bool
    context_id: str | None
    context_title: str


def add_platform(store: Store, *, issuer: str, client_id: str, deployment_ids: Iterable[str],
                 auth_login_url: str, token_url: str, jwks_url: str, now: datetime) -> Platform:
    """Register a platform; ``PlatformExists`` if its (issuer, client id) already is."""
    values = {"issuer": issuer, "client_id": client_id, "deployment_ids": list(deployment_ids),
              "auth_login_url": auth_login_url, "token_url": token_url, "jwks_url": jwks_url}

    def work(conn: Connection) -> Platform:
        try:
            with conn.begin_nested():
                new_id = conn.execute(insert(LtiPlatformRow).values(created_at=now, **values)
                                      .returning(LtiPlatformRow.id)).scalar_one()
        except IntegrityError as taken:
            raise PlatformExists(f"A platform with issuer {issuer!r} and client id {client_id!r} is registered "
                                 "already. Use `python -m elearn lti list` to see it.") from taken
        return _platform(conn.execute(select(LtiPlatformRow).where(LtiPlatformRow.id == new_id)).one())

    return store.write(work)


def platforms(store: Store) -> tuple[Platform, ...]:
    """Every registered platform, oldest first."""
    return store.read(lambda conn: tuple(
        _platform(row) for row in conn.execute(select(LtiPlatformRow).order_by(LtiPlatformRow.id))))


def platforms_of(store: Store, issuer: str) -> tuple[Platform, ...]:
    """The platforms registered under ``issuer`` (one per client id)."""
    return tuple(p for p in platforms(store) if p.issuer == issuer)


def tool_key(store: Store, make_key: Callable[[], tuple[str, str]], now: datetime) -> tuple[str, str]:
    """The tool's (key id, private key PEM), made with ``make_key`` and kept on first use. Of two
    processes making one at once, both end up with the one that was stored first."""

    def stored(conn: Connection) -> tuple[str, str] | None:
        row = conn.execute(select(LtiToolKeyRow.kid, LtiToolKeyRow.private_pem)
                           .where(LtiToolKeyRow.id == _TOOL_KEY_ID)).first()
        return None if row is None else (row[0], row[1])

    found = store.read(stored)
    if found is not None:
        return found
    kid, pem = make_key()

    def keep(conn: Connection) -> tuple[str, str]:
        try:
            with conn.begin_nested():
                conn.execute(insert(LtiToolKeyRow).values(id=_TOOL_KEY_ID, kid=kid, private_pem=pem, created_at=now))
        except IntegrityError:
            pass
        kept = stored(conn)
        assert kept is not None
        return kept

    return store.write(keep)


def save_launch_state(store: Store, *, state: str, nonce: str, platform: Platform, target_link_uri: str,
                      expires_at: datetime, now: datetime) -> None:
    """Remember a login initiation until ``expires_at`` (only the state's hash is kept); drop
    the expired ones on the way."""

    def work(conn: Connection) -> None:
        conn.execute(delete(LtiLaunchStateRow).where(LtiLaunchStateRow.expires_at <= now))
        conn.execute(insert(LtiLaunchStateRow).values(
            state_hash=_hash(state), nonce=nonce, platform_id=platform.id, target_link_uri=target_link_uri,
            expires_at=expires_at))

    store.write(work)


def take_launch_state(store: Store, state: str, now: datetime) -> LaunchState | None:
    """The launch state for ``state``, used up by this call: None if it is unknown, expired or
    was taken already. One DELETE decides, so of two launches with one state only one gets it."""

    def work(conn: Connection) -> LaunchState | None:
        row = conn.execute(select(LtiLaunchStateRow).where(
            LtiLaunchStateRow.state_hash == _hash(state), LtiLaunchStateRow.expires_at > now)).one_or_none()
        if row is None:
            return None
        taken = conn.execute(delete(LtiLaunchStateRow).where(LtiLaunchStateRow.state_hash == row.state_hash))
        if taken.rowcount != 1:
            return None
        platform = conn.execute(select(LtiPlatformRow).where(LtiPlatformRow.id == row.platform_id)).one()
        return LaunchState(_platform(platform), row.nonce, row.target_link_uri)

    return store.write(work)


def sign_in_launched(store: Store, platform: Platform, person: LaunchedPerson, now: datetime) -> User:
    """The account of a verified launch: linked by (issuer, subject), created on the first one,
    with the launch's roles added and its LMS course's team joined (as a learner, if they have no
    team yet) or managed (as an instructor)."""

    def work(conn: Connection) -> User:
        team_id = None if person.context_id is None else _context_team(conn, platform, person, now)
        user_id = conn.scalar(select(IdentityLinkRow.user_id).where(
            IdentityLinkRow.issuer == platform.issuer, IdentityLinkRow.subject == person.subject))
        if user_id is None:
            name = tidy_name(person.name, limit=DISPLAY_NAME_MAX) or "LMS learner"
            joins = team_id if Role.LEARNER in person.roles else None
            user_id = insert_user(conn, username=_username(platform, person.subject), display_name=name, email=None,
                                  team_id=joins, password_hash=None, roles=sorted(person.roles), now=now,
                                  email_verified=False).id
            conn.execute(insert(IdentityLinkRow).values(issuer=platform.issuer, subject=person.subject,
                                                        user_id=user_id, linked_at=now))
        else:
            held = set(conn.scalars(select(UserRoleRow.role).where(UserRoleRow.user_id == user_id)))
            for role in sorted(person.roles - {Role(r) for r in held}):
                conn.execute(insert(UserRoleRow).values(user_id=user_id, role=role.value))
            if team_id is not None and Role.LEARNER in person.roles:
                conn.execute(update(UserRow)
                             .where(UserRow.id == user_id, UserRow.team_id.is_(None)).values(team_id=team_id))
                refresh_standings(conn, [user_id])
        if team_id is not None and person.manages_context and conn.scalar(select(TeamManagerRow.user_id).where(
                TeamManagerRow.user_id == user_id, TeamManagerRow.team_id == team_id)) is None:
            conn.execute(insert(TeamManagerRow).values(user_id=user_id, team_id=team_id))
        user = fetch_user(conn, user_id)
        assert user is not None
        return user

    try:
        return store.write(work)
    except (IntegrityError, AccountError):
        # Two first launches of one person (or course) at once: the second look finds what the first made.
        return store.write(work)


def _context_team(conn: Connection, platform: Platform, person: LaunchedPerson, now: datetime) -> int:
    found = conn.scalar(select(LtiContextRow.team_id).where(
        LtiContextRow.platform_id == platform.id, LtiContextRow.context_id == person.context_id))
    if found is not None:
        return found
    base = tidy_name(person.context_title, limit=TEAM_NAME_MAX - 12) or "LMS course"
    name, number = base, 1
    while conn.scalar(select(TeamRow.id).where(TeamRow.name == name)) is not None:
        number += 1
        name = f"{base} ({number})"
    team_id = conn.execute(insert(TeamRow).values(name=name, created_at=now).returning(TeamRow.id)).scalar_one()
    conn.execute(insert(LtiContextRow).values(platform_id=platform.id, context_id=person.context_id, team_id=team_id))
    return team_id


def _username(platform: Platform, subject: str) -> str:
    """A username nobody types: derived from the identity, so it is the same on every retry."""
    return "lti-" + _hash(f"{platform.issuer}\n{subject}")[:20]


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _platform(row: Row[Any]) -> Platform:
    return Platform(id=row.id, issuer=row.issuer, client_id=row.client_id, deployment_ids=tuple(row.deployment_ids),
                    auth_login_url=row.auth_login_url, token_url=row.token_url, jwks_url=row.jwks_url)
