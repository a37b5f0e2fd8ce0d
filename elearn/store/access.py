"""Who may read whose data, decided on the server for every call.

A learner reads only themselves; a manager also reads the members of the teams they manage; an
admin reads everyone. Roles and team assignments are read from the database inside the same
transaction as the data, so a role taken away takes effect on the next call, whatever the
``User`` value a page still holds. Facilitators read only themselves until workshops define more.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, bindparam, or_, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.orm import InstrumentedAttribute

from elearn.store.errors import AccessDenied, NotFound
from elearn.store.records import MAX_ID, Role, Viewer
from elearn.store.tables import TeamManagerRow, UserRoleRow, UserRow

DENIED = "You do not have access to this person's progress."

# Built once: these run in nearly every store read, and building a statement costs SQLAlchemy more
# CPU than compiling-from-cache and running it (docs/performance.md, "The cost of a click").
_ROLES_OF = select(UserRoleRow.role).where(UserRoleRow.user_id == bindparam("viewer_id"))
_USER_EXISTS = select(UserRow.id).where(UserRow.id == bindparam("user_id"))
_HOLDS_ROLE = select(UserRoleRow.role).where(UserRoleRow.user_id == bindparam("viewer_id"),
                                             UserRoleRow.role == bindparam("role"))


@dataclass(frozen=True)
class Scope:
    """The users one viewer may read, as a SQL condition on a user-id column."""

    viewer_id: int
    everything: bool
    manages_teams: bool

    def covers(self, user_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ColumnElement[bool]:
        if self.everything:
            return true()
        if not self.manages_teams:
            return user_id == self.viewer_id
        managed_teams = select(TeamManagerRow.team_id).where(TeamManagerRow.user_id == self.viewer_id)
        members = select(UserRow.id).where(UserRow.team_id.in_(managed_teams))
        return or_(user_id == self.viewer_id, user_id.in_(members))


def scope_of(conn: Connection, viewer: Viewer) -> Scope:
    """The viewer's scope according to the database now (not the roles ``viewer`` carries)."""
    roles = set(conn.scalars(_ROLES_OF, {"viewer_id": viewer.id}))
    return Scope(
        viewer_id=viewer.id,
        everything=Role.ADMIN.value in roles,
        manages_teams=Role.MANAGER.value in roles,
    )


def require_read(conn: Connection, viewer: Viewer, user_id: int) -> None:
    """Raise ``AccessDenied`` unless ``viewer`` may read ``user_id``'s data.

    Only a viewer allowed to see everyone learns that a user id does not exist (``NotFound``);
    everyone else gets the same ``AccessDenied`` for "not yours" and "no such user".
    """
    if viewer.id == user_id:
        # Everyone may read themselves, whatever roles they hold: no need to read the roles
        # (the most frequent read of all: a learner's own pages). The user must still exist.
        if conn.scalar(_USER_EXISTS, {"user_id": user_id}) is None:
            raise AccessDenied(DENIED)
        return
    scope = scope_of(conn, viewer)
    # An id past the INTEGER column is no user, and must not reach the driver (SQLite raises
    # OverflowError for it, PostgreSQL "integer out of range").
    in_range = 1 <= user_id <= MAX_ID
    visible = conn.scalar(select(UserRow.id).where(UserRow.id == user_id, scope.covers(UserRow.id))) \
        if in_range else None
    if visible is None:
        if scope.everything:
            raise NotFound(f"There is no user with id {user_id}.")
        raise AccessDenied(DENIED)


def require_role(conn: Connection, actor: Viewer, role: Role) -> None:
    """Raise ``AccessDenied`` unless ``actor`` holds ``role`` according to the database."""
    held = conn.scalar(_HOLDS_ROLE, {"viewer_id": actor.id, "role": role.value})
    if held is None:
        raise AccessDenied(f"Only a user with the {role.value} role can do this.")
