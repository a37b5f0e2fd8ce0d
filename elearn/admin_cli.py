"""``python -m elearn db upgrade``, ``admin create`` and ``admin confirm-email``: the server's own shell tools."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from elearn.store import (
    AccountError,
    NotFound,
    Store,
    confirm_email_by_username,
    create_admin,
    open_store,
    resolve_database_url,
    upgrade,
)

REPO = Path(__file__).resolve().parent.parent


def _secrets() -> dict[str, Any] | None:
    path = REPO / ".streamlit" / "secrets.toml"
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return tomllib.load(handle)


def store_from_args(args: argparse.Namespace) -> Store:
    """The store the command line names (``--database-url``/``--data-dir``), else the app's own
    (ELEARN_DATABASE_URL, secrets, ELEARN_DATA_DIR, data/), upgraded to the newest schema."""
    url = args.database_url or resolve_database_url(os.environ, _secrets())
    data_dir = args.data_dir or Path(os.environ.get("ELEARN_DATA_DIR") or REPO / "data")
    store = open_store(url, data_dir)
    upgrade(store)
    return store


def run_db(args: argparse.Namespace, out: TextIO) -> int:
    store = store_from_args(args)
    print(f"The database is at the newest schema ({store.dialect}).", file=out)
    store.dispose()
    return 0


def run_admin(args: argparse.Namespace, out: TextIO) -> int:
    if args.admin_command == "confirm-email":
        return run_confirm_email(args, out)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password for the new administrator: ")
        if getpass.getpass("Again: ") != password:
            print("The two passwords are different; nothing was created.", file=sys.stderr)
            return 1
    store = store_from_args(args)
    try:
        user = create_admin(store, args.username, password, datetime.now(UTC), display_name=args.display_name,
                            email=args.email)
    except AccountError as error:
        print(f"Not created: {error}", file=sys.stderr)
        return 1
    finally:
        store.dispose()
    print(f"Administrator '{user.username}' created. Sign in with it in the app.", file=out)
    return 0


def run_confirm_email(args: argparse.Namespace, out: TextIO) -> int:
    store = store_from_args(args)
    try:
        user = confirm_email_by_username(store, args.username)
    except (AccountError, NotFound) as error:
        print(f"Not confirmed: {error}", file=sys.stderr)
        return 1
    finally:
        store.dispose()
    print(f"Confirmed {user.email} as the e-mail of '{user.username}': single sign-on may now link to it.", file=out)
    return 0
