"""``python -m elearn db upgrade``, ``db rebuild-aggregates``, ``admin create`` and ``admin confirm-email``:
the server's own shell tools."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from typing import TextIO

from elearn.settings import Settings
from elearn.store import (
    FIRST_ADMIN_EXTRA_ROLES,
    AccountError,
    NotFound,
    Store,
    admin_exists,
    confirm_email_by_username,
    create_admin,
    open_store,
    upgrade,
)
from elearn.store.rebuild import rebuild_aggregates


def store_from_args(args: argparse.Namespace, settings: Settings) -> Store:
    """The store the command line names (``--database-url``/``--data-dir``), else the app's own
    (``settings.database_url``, else SQLite in ``settings.data_dir``), upgraded to the newest schema."""
    url = args.database_url or settings.database_url
    store = open_store(url, args.data_dir or settings.data_dir)
    upgrade(store)
    return store


def run_db(args: argparse.Namespace, out: TextIO, settings: Settings) -> int:
    store = store_from_args(args, settings)
    try:
        if args.db_command == "rebuild-aggregates":
            if not args.verify:
                sync_course_outline(store, settings, out)
            return run_rebuild(store, args.verify, out)
        print(f"The database is at the newest schema ({store.dialect}).", file=out)
        return 0
    finally:
        store.dispose()


def sync_course_outline(store: Store, settings: Settings, out: TextIO) -> None:
    """Give the store the course's outline (``settings.course_dir``), which the learners' standings
    follow; a database upgraded to revision 0014 gets every standing computed here."""
    from elearn.course.catalogue import load_course
    from elearn.manage.dashboard import outline_of
    from elearn.store.standings import sync_outline

    recomputed = sync_outline(store, outline_of(load_course(settings.course_dir, settings.read_limits)),
                              datetime.now(UTC))
    if recomputed:
        print(f"The course outline changed: {recomputed:,} standings recomputed.", file=out)


def run_rebuild(store: Store, verify: bool, out: TextIO) -> int:
    """Recompute (or with ``verify`` only check) the running aggregates; 1 if ``verify`` found differences."""
    report = rebuild_aggregates(store, verify=verify)
    counted = (f"{report.learners:,} learners, {report.ratings:,} skill ratings, {report.tallies:,} skill tallies "
               "computed from the event log")
    if not report.differences:
        print(f"{counted}: the stored aggregates match them exactly.", file=out)
        return 0
    for line in report.shown:
        print(f"  {line}", file=out)
    more = report.differences - len(report.shown)
    if more:
        print(f"  ... and {more:,} more", file=out)
    if verify:
        print(f"{counted}: {report.differences:,} stored aggregate(s) differ (listed above). Nothing was changed; "
              "run `python -m elearn db rebuild-aggregates` to rewrite them.", file=out)
        return 1
    print(f"{counted}: {report.differences:,} stored aggregate(s) differed (listed above) and were rewritten.",
          file=out)
    return 0


def run_admin(args: argparse.Namespace, out: TextIO, settings: Settings) -> int:
    if args.admin_command == "confirm-email":
        return run_confirm_email(args, out, settings)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password for the new administrator: ")
        if getpass.getpass("Again: ") != password:
            print("The two passwords are different; nothing was created.", file=sys.stderr)
            return 1
    store = store_from_args(args, settings)
    try:
        # The first administrator can try every part of a new server (unless first_admin_roles is off).
        first = settings.first_admin_roles and not admin_exists(store)
        user = create_admin(store, args.username, password, datetime.now(UTC), display_name=args.display_name,
                            email=args.email, extra_roles=FIRST_ADMIN_EXTRA_ROLES if first else ())
    except AccountError as error:
        print(f"Not created: {error}", file=sys.stderr)
        return 1
    finally:
        store.dispose()
    print(f"Administrator '{user.username}' created ({', '.join(sorted(user.roles))}). Sign in with it in the app.",
          file=out)
    return 0


def run_confirm_email(args: argparse.Namespace, out: TextIO, settings: Settings) -> int:
    store = store_from_args(args, settings)
    try:
        user = confirm_email_by_username(store, args.username)
    except (AccountError, NotFound) as error:
        print(f"Not confirmed: {error}", file=sys.stderr)
        return 1
    finally:
        store.dispose()
    print(f"Confirmed {user.email} as the e-mail of '{user.username}': single sign-on may now link to it.", file=out)
    return 0
