"""Finding the database: environment, Streamlit-shaped secrets, the SQLite default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from elearn.settings import resolve_database_url
from elearn.store import Store
from elearn.store.config import database_url

from .helpers import Target

PG = "postgresql+psycopg://app:s3cret@db.example:5432/elearn"


@pytest.mark.parametrize(
    ("environ", "secrets", "expected"),
    [
        ({}, None, None),
        ({"ELEARN_DATABASE_URL": PG}, None, PG),
        ({"ELEARN_DATABASE_URL": "  "}, None, None),
        ({}, {"connections": {"elearn": {"url": PG}}}, PG),
        ({"ELEARN_DATABASE_URL": "sqlite:///x.db"}, {"connections": {"elearn": {"url": PG}}}, "sqlite:///x.db"),
        ({}, {"connections": {"other": {"url": PG}}}, None),
        ({}, {"connections": "not a table"}, None),
        ({}, {"auth": {"redirect_uri": "x"}}, None),
        (
            {},
            {"connections": {"elearn": {
                "dialect": "postgresql", "driver": "psycopg", "host": "db.example", "port": 5432,
                "database": "elearn", "username": "app", "password": "s3cret",
            }}},
            PG,
        ),
    ],
)
def test_resolve_database_url(environ: dict[str, str], secrets: dict[str, Any] | None, expected: str | None) -> None:
    assert resolve_database_url(environ, secrets) == expected


@pytest.mark.parametrize(
    ("url", "drivername"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("sqlite:///elsewhere.db", "sqlite"),
    ],
)
def test_database_url_uses_the_shipped_driver(url: str, drivername: str) -> None:
    assert database_url(url, Path("/data")).drivername == drivername


def test_default_is_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    assert database_url(None, tmp_path / "data").database == str(tmp_path / "data" / "elearn.db")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_is_wal_with_foreign_keys_and_a_busy_timeout(target: Target, store: Store) -> None:
    assert target.sqlite_file.exists()
    with store.engine.connect() as conn:
        settings = {
            pragma: conn.execute(text(f"PRAGMA {pragma}")).scalar_one()
            for pragma in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
        }
    assert settings == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 1, "busy_timeout": 5000}
