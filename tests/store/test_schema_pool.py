"""The pool of PostgreSQL schemas at head (``tests/databases.py``): a schema given back is reused
only empty, with its sequences restarted, and exactly as built; a changed one is dropped.

Every PostgreSQL store test relies on this to be as isolated as with a new schema of its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from tests.databases import _HeadSchemas

pytestmark = pytest.mark.postgres


@pytest.fixture
def schemas() -> Iterator[tuple[_HeadSchemas, str]]:
    base_url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not base_url:
        pytest.fail("TEST_DATABASE_URL is not set: the pool is for PostgreSQL (tests/throwaway_postgres.py sets it)")
    pool = _HeadSchemas()
    try:
        yield pool, base_url
    finally:
        pool.drop_all()


def _exists(pool: _HeadSchemas, base_url: str, schema: str) -> bool:
    with pool._engine(base_url).begin() as conn:
        found = conn.execute(text("SELECT count(*) FROM pg_namespace WHERE nspname = :schema"), {"schema": schema})
        return found.scalar_one() == 1


def test_a_schema_given_back_comes_back_empty_with_its_ids_starting_again(schemas: tuple[_HeadSchemas, str]) -> None:
    pool, base_url = schemas
    for _ in range(2):
        schema = pool.take(base_url)
        with pool._engine(base_url).begin() as conn:
            assert conn.execute(text(f'SELECT count(*) FROM "{schema}".teams')).scalar_one() == 0
            ids = [conn.execute(text(f'INSERT INTO "{schema}".teams (name, created_at) VALUES (:name, now()) '
                                     "RETURNING id"), {"name": f"Team {n}"}).scalar_one() for n in range(3)]
        assert ids == [1, 2, 3]
        pool.give_back(base_url, schema)
        assert pool.idle == [schema]


@pytest.mark.parametrize("change", [
    'ALTER TABLE "{schema}".users ADD COLUMN extra integer',
    'ALTER TABLE "{schema}".teams ALTER COLUMN name DROP NOT NULL',
    'CREATE INDEX extra_index ON "{schema}".users (id)',
    'DROP TABLE "{schema}".room_votes CASCADE',
    "UPDATE \"{schema}\".alembic_version SET version_num = '0001'",
    'CREATE TABLE "{schema}".extra (id integer)',
], ids=["a column added", "a column changed", "an index added", "a table dropped", "another revision",
        "a table added"])
def test_a_schema_a_test_changed_is_dropped_not_reused(schemas: tuple[_HeadSchemas, str], change: str) -> None:
    pool, base_url = schemas
    schema = pool.take(base_url)
    with pool._engine(base_url).begin() as conn:
        conn.execute(text(change.format(schema=schema)))
    pool.give_back(base_url, schema)
    assert pool.idle == []
    assert not _exists(pool, base_url, schema)
