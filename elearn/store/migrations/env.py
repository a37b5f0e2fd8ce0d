"""Alembic environment: runs on the connection that ``elearn.store.migrate`` hands over.

There is no alembic.ini and no offline (--sql) mode: migrations always run inside the caller's
transaction, on the same engine the app uses, so SQLite and PostgreSQL take one code path.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from elearn.store.tables import Base


def run_migrations_online(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        # We own BEGIN on SQLite too (see db.py), so DDL is transactional on both databases.
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("elearn migrations run online only: use `python -m elearn db upgrade`")
connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise SystemExit("elearn migrations need a connection: call elearn.store.upgrade(store)")
run_migrations_online(connection)
