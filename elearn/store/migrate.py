"""Schema migrations: bring any store up to the newest revision, in place.

The app calls ``upgrade(store)`` on start and the CLI exposes it as ``python -m elearn db
upgrade``. Upgrading a database that is already at head changes nothing. Several app processes
may start at once: on PostgreSQL an advisory lock, on SQLite the BEGIN IMMEDIATE write lock,
makes them take turns, and each one after the first finds nothing left to do.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from elearn.store.db import Store

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any fixed 64-bit number shared by every process of this app ("elearn" in ASCII).
_PG_MIGRATION_LOCK = 0x656C6561726E


def upgrade(store: Store, revision: str = "head") -> None:
    """Migrate the store's schema to ``revision`` (the newest by default), keeping all data."""

    def work(conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        config = _alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, revision)

    store.write(work)


def current_revision(store: Store) -> str | None:
    """The revision the database is at, or None for an empty database."""

    def work(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    return store.read(work)


def head_revision() -> str:
    """The newest revision shipped with this code."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "elearn/store/migrations/versions holds no revision"
    return head


def _alembic_config() -> Config:
    config = Config()
    # The path goes through ConfigParser, which treats % as interpolation.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    return config
