"""Who a signed-in person can ask for access: the names of the administrators.

Shown on the "You don't have access to this page" notice, so the person knows whom to ask
rather than "your administrator" in the abstract. Only display names (or usernames where no
name was given) leave this module, never e-mail addresses.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from elearn.store.db import Store
from elearn.store.records import Role
from elearn.store.tables import UserRoleRow, UserRow

NAMES_SHOWN = 3


def administrator_names(store: Store, limit: int = NAMES_SHOWN) -> tuple[str, ...]:
    """Up to ``limit`` administrators' names, in the order their accounts were made (the first
    administrator, usually the one who set the server up, first)."""

    def work(conn: Connection) -> tuple[str, ...]:
        rows = conn.execute(
            select(UserRow.display_name, UserRow.username)
            .join(UserRoleRow, UserRoleRow.user_id == UserRow.id)
            .where(UserRoleRow.role == Role.ADMIN.value)
            .order_by(UserRow.created_at, UserRow.id)
            .limit(limit)
        )
        return tuple(str(name or username) for name, username in rows)

    return store.read(work)
