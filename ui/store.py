"""The settings and the progress store for this server process, and the clock.

One ``Store`` per database URL per process, shared by every session and by the app's own HTTP
routes (which run outside any script, so this is a plain lock-guarded cache rather than
``st.cache_resource``). The schema is upgraded in place when a store is first opened. While
no administrator exists, a one-time set-up token is printed to the server log: ``serve.py`` opens
the store when the server starts, so the token is there before anyone visits.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import streamlit as st

from elearn.settings import Settings, load_settings
from elearn.store import (
    RetryPolicy,
    Store,
    admin_exists,
    issue_setup_token,
    open_store,
    upgrade,
)

_lock = threading.Lock()
_stores: dict[tuple[str | None, str], Store] = {}


def now() -> datetime:
    return datetime.now(UTC)


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


def current_settings() -> Settings:
    """The deployment's settings (``elearn.settings``) from the environment and ``st.secrets``.

    Pages ask for it several times a rerun, so it is answered from a cache keyed by the ``ELEARN_*``
    variables and each secrets file's size and modification time: resolved again whenever either
    changes (a secrets file can be edited while the server runs), and otherwise without parsing
    or copying the secrets. A malformed value raises ``SettingsError``, which a page shows as a
    message naming the setting (``ui.errors.run_guarded``).
    """
    environ = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("ELEARN_")))
    return _settings(environ, _secrets_stamp())


def _secrets_stamp() -> tuple[tuple[str, int, int], ...]:
    """(path, mtime, size) of each secrets file that exists: what changes when the secrets do."""
    stamps = []
    for location in _secrets_locations():
        try:
            found = os.stat(location)
        except OSError:
            continue
        stamps.append((location, found.st_mtime_ns, found.st_size))
    return tuple(stamps)


@functools.lru_cache(maxsize=8)
def _settings(environ: tuple[tuple[str, str], ...], stamp: tuple[tuple[str, int, int], ...]) -> Settings:
    return load_settings(dict(environ), secrets() if stamp else None)


def current_store() -> Store:
    """The store for the configured database, opened and upgraded once per process."""
    settings = current_settings()
    url, data_dir = settings.database_url, settings.data_dir
    key = (url, str(data_dir))
    with _lock:
        store = _stores.get(key)
        if store is None:
            retry = RetryPolicy(deadline_seconds=settings.db_retry_seconds)
            store = open_store(url, data_dir, retry=retry)
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
        "=== or run: .venv/bin/python -m elearn admin create --username you\n",
        file=sys.stderr, flush=True,
    )
