"""Where the store lives: the URL to connect to, given the configured one (``elearn.settings``)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url

SQLITE_FILE = "elearn.db"


def database_url(url: str | None, data_dir: Path) -> URL:
    """The URL to connect to: ``url`` with a usable driver, or the SQLite file in ``data_dir``.

    ``postgresql://`` and ``postgres://`` are read as psycopg 3, the PostgreSQL driver we ship
    (SQLAlchemy would otherwise look for psycopg2, which is not installed).
    """
    if url is None:
        return URL.create("sqlite", database=str(data_dir / SQLITE_FILE))
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed
