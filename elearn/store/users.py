"""Reading and writing user rows inside a transaction (shared by accounts, sessions and access).

These helpers take a ``Connection`` and check nothing: callers decide who may see what.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from elearn.store.db import one_of
from elearn.store.errors import NotFound, UsernameTaken
from elearn.store.records import Role, User
from elearn.store.standings import refresh_standings
from elearn.store.tables import TeamRow, UserRoleRow, UserRow

USERNAME_MAX = 64


def normalize_username(username: str) -> str:
    """Usernames are case-insensitive and trimmed: ``" Ana "`` and ``"ana"`` are one account."""
    return username.strip().casefold()


def normalize_email(email: str | None) -> str | None:
    if email is None or not email.strip():
        return None
    return email.strip().casefold()


USER_COLUMNS = (
    UserRow.id,
    UserRow.username,
    UserRow.display_name,
    UserRow.email,
    UserRow.team_id,
    UserRow.password_hash.is_not(None),
    UserRow.created_at,
    UserRow.last_seen_at,
    UserRow.email_verified,
    UserRow.deactivated_at,
)
# One user by id is read on every script run (the session's user): built once, with the id as a
# bound parameter, because building a statement costs more CPU than running it.
_ONE_USER = select(*USER_COLUMNS).where(UserRow.id == bindparam("user_id"))
_ROLES_OF_ONE = select(UserRoleRow.role).where(UserRoleRow.user_id == bindparam("user_id"))


def fetch_users(conn: Connection, condition: ColumnElement[bool]) -> list[User]:
    """Users matching ``condition``, ordered by username, with their roles."""
    rows = conn.execute(select(*USER_COLUMNS).where(condition).order_by(UserRow.username)).all()
    if not rows:
        return []
    roles: dict[int, set[Role]] = {}
    ids = [row[0] for row in rows]
    for user_id, role in conn.execute(
        select(UserRoleRow.user_id, UserRoleRow.role).where(one_of(conn, UserRoleRow.user_id, ids))
    ):
        roles.setdefault(user_id, set()).add(Role(role))
    return [user_from(row, roles.get(row[0], ())) for row in rows]


def fetch_user(conn: Connection, user_id: int) -> User | None:
    """The user ``user_id`` with their roles, or None."""
    row = conn.execute(_ONE_USER, {"user_id": user_id}).first()
    return None if row is None else user_from(row, roles_of(conn, user_id))


def roles_of(conn: Connection, user_id: int) -> frozenset[Role]:
    """The roles ``user_id`` holds now."""
    return frozenset(Role(role) for role in conn.scalars(_ROLES_OF_ONE, {"user_id": user_id}))


def user_from(row: Sequence[Any], roles: Iterable[Role]) -> User:
    """A ``User`` from a row of ``USER_COLUMNS`` and the roles read beside it."""
    return User(
        id=row[0],
        username=row[1],
        display_name=row[2],
        email=row[3],
        team_id=row[4],
        has_password=bool(row[5]),
        created_at=row[6],
        last_seen_at=row[7],
        email_verified=bool(row[8]),
        deactivated_at=row[9],
        roles=frozenset(roles),
    )


def insert_user(
    conn: Connection,
    *,
    username: str,
    display_name: str,
    email: str | None,
    team_id: int | None,
    password_hash: str | None,
    roles: Iterable[Role],
    now: datetime,
    email_verified: bool,
) -> User:
    """Insert a user and their roles; raise ``UsernameTaken`` if the username or email is used.

    ``email_verified``: whether someone checked the e-mail is this person's (no default, so every
    caller decides: an administrator's or identity provider's address is, a self-registered one is not)."""
    name = normalize_username(username)
    if team_id is not None and conn.scalar(select(TeamRow.id).where(TeamRow.id == team_id)) is None:
        raise NotFound(f"There is no team with id {team_id}.")
    try:
        with conn.begin_nested():
            user_id = conn.execute(
                insert(UserRow)
                .values(
                    username=name,
                    display_name=display_name.strip() or name,
                    email=normalize_email(email),
                    team_id=team_id,
                    password_hash=password_hash,
                    created_at=now,
                    email_verified=email_verified and normalize_email(email) is not None,
                )
                .returning(UserRow.id)
            ).scalar_one()
    except IntegrityError as error:
        raise UsernameTaken("That username or email is already in use. Choose another.") from error
    granted = sorted(set(roles))
    if granted:
        conn.execute(insert(UserRoleRow), [{"user_id": user_id, "role": role.value} for role in granted])
    refresh_standings(conn, [user_id])  # a learner's team may have an assignment already
    user = fetch_user(conn, user_id)
    assert user is not None
    return user
