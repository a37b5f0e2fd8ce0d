"""Passwords and tokens never reach the database or the logs in clear.

Everything that handles a secret runs with SQLAlchemy echoing every statement, its parameters
and its result rows at DEBUG; then the SQLite file (and its WAL) and every captured log line
are searched for each secret. Positive controls prove the search looks in the right places.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from elearn.store import (
    Store,
    authenticate,
    claim_setup_token,
    create_user,
    end_session,
    issue_cookie_code,
    issue_setup_token,
    redeem_cookie_code,
    register,
    session_user,
    start_session,
    upgrade,
)

from .helpers import NOW, Target

SECRETS = {
    "ana": "ana-Password-1234",
    "bob": "bob-Password-5678",
    "root": "root-Password-9012",
    "wrong": "wrong-Password-3456",
    "typed-as-username": "oops-Password-7890",
}
CLIENT = "198.51.100.23"  # a sign-in's client address: kept only inside a hash, like usernames


def test_no_secret_is_stored_or_logged_in_clear(
    target: Target, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")
    store = target.open(echo="debug")
    upgrade(store)

    voided = issue_setup_token(store, NOW)
    setup = issue_setup_token(store, NOW)
    claim_setup_token(store, setup, "root", SECRETS["root"], NOW)
    ana = create_user(store, username="ana", display_name="Ana", password=SECRETS["ana"], now=NOW)
    register(store, username="bob", display_name="Bob", password=SECRETS["bob"], now=NOW,
             allow_self_registration=True)
    for minute in range(6):  # wrong passwords, through to throttling
        authenticate(store, "ana", SECRETS["wrong"], NOW + timedelta(minutes=minute), client=CLIENT)
    authenticate(store, SECRETS["typed-as-username"], SECRETS["bob"], NOW, client=CLIENT)
    authenticate(store, "bob", SECRETS["bob"], NOW, client=CLIENT)
    token = start_session(store, ana.id, NOW)
    other = start_session(store, ana.id, NOW)
    code = issue_cookie_code(store, token, NOW)
    assert code is not None
    cookie_token = redeem_cookie_code(store, code, NOW)
    assert cookie_token is not None
    unused_code = issue_cookie_code(store, other, NOW)
    assert unused_code is not None
    assert session_user(store, token, NOW) is not None
    end_session(store, token, NOW)

    secrets = [*SECRETS.values(), voided, setup, token, other, code, cookie_token, unused_code, CLIENT]
    captured = capsys.readouterr()
    logs = caplog.text + captured.out + captured.err
    assert "INSERT INTO users" in logs  # the statements were logged, with their parameters
    for secret in secrets:
        assert secret not in logs

    stored = _stored_bytes(target, store)
    assert b"ana" in stored  # the search reads the real data...
    assert hashlib.sha256(token.encode()).hexdigest().encode() in stored  # ...sessions included
    for secret in secrets:
        assert secret.encode() not in stored


def _stored_bytes(target: Target, store: Store) -> bytes:
    """SQLite: the raw bytes of the database and its WAL. PostgreSQL: every row as text."""
    if target.backend == "sqlite":
        files = sorted(target.data_dir.glob("elearn.db*"))
        assert any(path.name == "elearn.db-wal" for path in files)
        return b"".join(path.read_bytes() for path in files)

    def dump(conn: Connection) -> bytes:
        return "\n".join(
            str(row[0])
            for name in inspect(conn).get_table_names()
            for row in conn.execute(text(f'SELECT t::text FROM "{name}" t'))
        ).encode()

    return store.read(dump)
