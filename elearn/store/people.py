"""Reading users and teams on behalf of a viewer, and the administrator's changes to them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from elearn.store.access import require_read, require_role, scope_of
from elearn.store.accounts import create_user
from elearn.store.db import Store, insert_ignoring_duplicates
from elearn.store.errors import AccountError, NotFound
from elearn.store.records import Role, Team, User, Viewer
from elearn.store.tables import TeamManagerRow, TeamRow, UserRoleRow, UserRow
from elearn.store.users import fetch_user, fetch_users


def get_user(store: Store, viewer: Viewer, user_id: int) -> User:
    """One user, if ``viewer`` may see them (else ``AccessDenied``)."""

    def work(conn: Connection) -> User:
        require_read(conn, viewer, user_id)
        user = fetch_user(conn, user_id)
        assert user is not None  # require_read found the row in this transaction
        return user

    return store.read(work)


def visible_users(store: Store, viewer: Viewer) -> tuple[User, ...]:
    """Everyone ``viewer`` may see, by username: themselves, their teams' members, or all."""

    def work(conn: Connection) -> tuple[User, ...]:
        return tuple(fetch_users(conn, scope_of(conn, viewer).covers(UserRow.id)))

    return store.read(work)


def visible_teams(store: Store, viewer: Viewer) -> tuple[Team, ...]:
    """The teams ``viewer`` may see: all for an admin, else the ones they manage or belong to."""

    def work(conn: Connection) -> tuple[Team, ...]:
        query = select(TeamRow.id, TeamRow.name, TeamRow.created_at).order_by(TeamRow.name)
        if not scope_of(conn, viewer).everything:
            managed = select(TeamManagerRow.team_id).where(TeamManagerRow.user_id == viewer.id)
            own = select(UserRow.team_id).where(UserRow.id == viewer.id)
            query = query.where(or_(TeamRow.id.in_(managed), TeamRow.id.in_(own)))
        return tuple(Team(id=row[0], name=row[1], created_at=row[2]) for row in conn.execute(query))

    return store.read(work)


def create_team(store: Store, actor: Viewer, name: str, now: datetime) -> Team:
    """An administrator creates a team; raises ``AccountError`` if the name is taken."""
    clean = name.strip()
    if not clean:
        raise AccountError("A team needs a name.")

    def work(conn: Connection) -> Team:
        require_role(conn, actor, Role.ADMIN)
        try:
            with conn.begin_nested():
                team_id = conn.execute(
                    insert(TeamRow).values(name=clean, created_at=now).returning(TeamRow.id)
                ).scalar_one()
        except IntegrityError as error:
            raise AccountError(f"A team called {clean!r} already exists.") from error
        return Team(id=team_id, name=clean, created_at=now)

    return store.write(work)


def add_user(
    store: Store,
    actor: Viewer,
    *,
    username: str,
    display_name: str,
    password: str | None,
    now: datetime,
    email: str | None = None,
    team_id: int | None = None,
    roles: Iterable[Role] = (Role.LEARNER,),
) -> User:
    """An administrator creates an account (``password=None`` for single sign-on only)."""
    store.read(lambda conn: require_role(conn, actor, Role.ADMIN))
    return create_user(
        store, username=username, display_name=display_name, password=password, now=now, email=email,
        team_id=team_id, roles=roles,
    )


def assign_team(store: Store, actor: Viewer, user_id: int, team_id: int | None) -> None:
    """An administrator moves a user into a team (or out of any, with None)."""

    def work(conn: Connection) -> None:
        require_role(conn, actor, Role.ADMIN)
        _require_team(conn, team_id)
        if conn.execute(update(UserRow).where(UserRow.id == user_id).values(team_id=team_id)).rowcount != 1:
            raise NotFound(f"There is no user with id {user_id}.")

    store.write(work)


def set_roles(store: Store, actor: Viewer, user_id: int, roles: Iterable[Role]) -> None:
    """An administrator replaces a user's roles. The last administrator cannot be demoted."""
    wanted = set(roles)

    def work(conn: Connection) -> None:
        require_role(conn, actor, Role.ADMIN)
        if fetch_user(conn, user_id) is None:
            raise NotFound(f"There is no user with id {user_id}.")
        conn.execute(delete(UserRoleRow).where(UserRoleRow.user_id == user_id))
        if wanted:
            conn.execute(insert(UserRoleRow), [{"user_id": user_id, "role": role.value} for role in sorted(wanted)])
        admins = conn.scalar(select(func.count()).select_from(UserRoleRow).where(UserRoleRow.role == Role.ADMIN.value))
        if not admins:
            raise AccountError("This would leave no administrator. Make someone else an administrator first.")

    store.write(work)


def add_team_manager(store: Store, actor: Viewer, manager_id: int, team_id: int) -> None:
    """An administrator lets ``manager_id`` see ``team_id`` (granting the manager role if needed)."""

    def work(conn: Connection) -> None:
        require_role(conn, actor, Role.ADMIN)
        _require_team(conn, team_id)
        if fetch_user(conn, manager_id) is None:
            raise NotFound(f"There is no user with id {manager_id}.")
        insert_ignoring_duplicates(
            conn, TeamManagerRow, {"user_id": manager_id, "team_id": team_id}, ("user_id", "team_id")
        )
        insert_ignoring_duplicates(
            conn, UserRoleRow, {"user_id": manager_id, "role": Role.MANAGER.value}, ("user_id", "role")
        )

    store.write(work)


def remove_team_manager(store: Store, actor: Viewer, manager_id: int, team_id: int) -> None:
    """An administrator stops ``manager_id`` seeing ``team_id``."""

    def work(conn: Connection) -> None:
        require_role(conn, actor, Role.ADMIN)
        conn.execute(
            delete(TeamManagerRow).where(TeamManagerRow.user_id == manager_id, TeamManagerRow.team_id == team_id)
        )

    store.write(work)


def _require_team(conn: Connection, team_id: int | None) -> None:
    if team_id is not None and conn.scalar(select(TeamRow.id).where(TeamRow.id == team_id)) is None:
        raise NotFound(f"There is no team with id {team_id}.")
