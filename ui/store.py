"""The progress store for this server process, and the clock.

One ``Store`` per database URL per process, shared by every session and by the app's own HTTP
routes (which run outside any script, so this is a plain lock-guarded cache rather than
``st.cache_resource``). The schema is upgraded in place when a store is first opened. While
no administrator exists, a one-time set-up token is printed to the server log.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import streamlit as st

from elearn.store import (
    RetryPolicy,
    Store,
    admin_exists,
    issue_setup_token,
    open_store,
    resolve_database_url,
    upgrade,
)

DATA_DIR_ENV = "ELEARN_DATA_DIR"
REPO = Path(__file__).resolve().parent.parent

_lock = threading.Lock()
_stores: dict[tuple[str | None, str], Store] = {}


def now() -> datetime:
    return datetime.now(UTC)


def data_dir() -> Path:
    """Where the embedded database lives: ``$ELEARN_DATA_DIR``, else ``data/`` in the repository."""
    return Path(os.environ.get(DATA_DIR_ENV) or REPO / "data")


@functools.cache
def _secrets_locations() -> tuple[str, ...]:
    """Where Streamlit looks for secrets (the ``secrets.files`` option, fixed when the server starts)."""
    return tuple(st.get_option("secrets.files"))


def secrets() -> Mapping[str, Any] | None:
    """``st.secrets`` as a plain mapping, or None when no secrets file exists."""
    # Once st.secrets has parsed a file it answers without a lock. While no file exists, though,
    # every access takes one process-wide lock and searches for the files again: with 90
    # learners on one process, py-spy found script threads queued on that lock
    # (docs/performance.md). A stat of each location answers "none" without it, and still
    # notices a file added later.
    if not any(os.path.exists(location) for location in _secrets_locations()):
        return None
    try:
        return st.secrets.to_dict()
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return None


def setting(name: str, default: str) -> str:
    """A deployment setting: ``ELEARN_<NAME>`` in the environment, else ``[elearn] name`` in secrets."""
    from_env = os.environ.get(f"ELEARN_{name.upper()}")
    if from_env is not None:
        return from_env
    section = (secrets() or {}).get("elearn")
    if isinstance(section, Mapping) and name in section:
        return str(section[name])
    return default


def current_store() -> Store:
    """The store for the configured database, opened and upgraded once per process."""
    url = resolve_database_url(os.environ, secrets())
    key = (url, str(data_dir()))
    with _lock:
        store = _stores.get(key)
        if store is None:
            # A page waits at most this long for a busy or unreachable database before saying so.
            retry = RetryPolicy(deadline_seconds=float(setting("db_retry_seconds", "10")))
            store = open_store(url, data_dir(), retry=retry)
            upgrade(store)
            _announce_setup(store)
            _stores[key] = store
    return store


def _announce_setup(store: Store) -> None:
    if admin_exists(store):
        return
    token = issue_setup_token(store, now())
    # Deliberately printed, never logged through a handler that might ship it elsewhere: whoever
    # can read this server's own output is who may create the first administrator.
    print(
        "\n=== No administrator yet. To create one, open the app, choose 'First-time set-up' and enter\n"
        f"=== this one-time token (valid 24 hours): {token}\n"
        "=== or run: python -m elearn admin create\n",
        file=sys.stderr, flush=True,
    )
