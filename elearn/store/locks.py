"""What the running aggregates' writers share: the per-learner lock and each dialect's INSERT.

- ``PROGRESS_LOCK``: the first key of the PostgreSQL transaction-scoped advisory locks
  (``pg_advisory_xact_lock(PROGRESS_LOCK, user_id)``) that serialise the writes of one learner's
  progress and standing (``elearn.store.aggregates``, ``elearn.store.standings``).
- ``dialect_insert``: the INSERT with ``ON CONFLICT`` of the database in use.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

PROGRESS_LOCK = 7_317


def dialect_insert(dialect: str) -> Any:
    if dialect == "postgresql":
        return postgresql_insert
    if dialect == "sqlite":
        return sqlite_insert
    raise NotImplementedError(f"the running aggregates need SQLite or PostgreSQL, not {dialect}")
