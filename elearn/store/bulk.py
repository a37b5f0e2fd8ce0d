"""Bulk loading for the demo generator: many rows into one table, fast, in the caller's transaction.

An ordinary ``conn.execute(insert(table), rows)`` spends most of its time in SQLAlchemy's per-row
parameter handling (half of the demo generator's time at 1,000 learners). ``insert_rows``
applies each column's own bind conversion (the same as an ordinary insert: UTC times, JSON) in
one loop, then hands the rows to the driver: ``executemany`` on SQLite, ``COPY ... FROM STDIN``
on PostgreSQL (psycopg's ``copy``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Table, insert
from sqlalchemy.engine import Connection

from elearn.store.tables import Base


def insert_rows(conn: Connection, table: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (each with the same keys, column names of ``table``) into ``table``."""
    if not rows:
        return
    columns = [column for column in _table(table).columns if column.name in rows[0]]
    dialect = conn.dialect
    processors: list[Callable[[Any], Any] | None] = [
        # psycopg's dialect leaves JSON to the driver's adapter, which COPY does not use: encode it here.
        column.type.bind_processor(dialect) or (json.dumps if isinstance(column.type, JSON) else None)
        for column in columns]
    names = [column.name for column in columns]

    def values(row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(value if process is None or value is None else process(value)
                     for value, process in zip((row[name] for name in names), processors, strict=True))

    if dialect.name == "postgresql":
        cursor = conn.connection.cursor()
        quoted = ", ".join(f'"{name}"' for name in names)
        with cursor.copy(f'COPY "{_table(table).name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(values(row))
        return
    statement = insert(_table(table)).compile(dialect=dialect, column_keys=names)
    conn.exec_driver_sql(str(statement), [values(row) for row in rows])


def _table(table: type[Base]) -> Table:
    found = table.__table__
    assert isinstance(found, Table)
    return found
