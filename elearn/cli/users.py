"""``python -m elearn user ...``: people administration from the server's own shell.

Whoever runs these holds the server (and its database), so they act as ``SERVER_SHELL``; every
change lands in the audit log under that name, with the same guards as the page (the last
active administrator stays). Exit status 0 when done, 1 when refused (the message says why), 2
for a wrong command line.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TextIO

from elearn.cli.admin import store_from_args
from elearn.manage.exports import audit_csv
from elearn.settings import Settings
from elearn.store import (
    RESET_PATH,
    RESET_TTL,
    SERVER_SHELL,
    NotFound,
    Role,
    Store,
    StoreError,
    User,
    add_team_manager,
    all_teams,
    audit_log,
    change_email,
    change_roles,
    change_team,
    deactivate,
    find_people,
    issue_reset_link,
    managed_teams,
    person,
    queue_reset_email,
    reactivate,
    remove_team_manager,
    rename,
    team_named,
)


def run_user(args: argparse.Namespace, out: TextIO, settings: Settings) -> int:
    """Run one ``user`` sub-command; refusals print one line on standard error and return 1."""
    roles: list[Role] = []
    if args.user_command == "set-roles":
        problems = [_unknown_role(name) for name in args.roles if name.strip().lower() not in set(Role)]
        if problems:
            print("\n".join(problems), file=sys.stderr)
            return 2
        roles = [Role(name.strip().lower()) for name in args.roles]
    if args.user_command == "set-team" and (args.team is None) == (not args.no_team):
        print("Name one team, or give --no-team (not both).", file=sys.stderr)
        return 2
    if args.user_command == "audit" and args.limit < 0:
        print("--limit needs 0 (all) or more.", file=sys.stderr)
        return 2
    store = store_from_args(args, settings)
    try:
        teams = {team.id: team.name for team in all_teams(store, SERVER_SHELL)}
        return _run(store, args, roles, out, settings, teams)
    except StoreError as error:
        print(f"Refused: {error}", file=sys.stderr)
        return 1
    finally:
        store.dispose()


def _run(store: Store, args: argparse.Namespace, roles: list[Role], out: TextIO, settings: Settings,
         teams: Mapping[int, str]) -> int:
    now = datetime.now(UTC)
    command = args.user_command
    if command == "find":
        found = find_people(store, SERVER_SHELL, args.text)
        for user in found:
            print(_line(user, teams), file=out)
        print(f"{len(found)} account{'' if len(found) == 1 else 's'} found.", file=out)
        return 0 if found else 1
    if command == "audit":
        return _audit(store, args, out)
    user = person(store, SERVER_SHELL, args.username)
    if command == "show":
        changed = user
    elif command == "set-roles":
        changed = change_roles(store, SERVER_SHELL, user.id, roles, now)
    elif command == "set-team":
        team = None if args.no_team else team_named(store, SERVER_SHELL, args.team)
        changed = change_team(store, SERVER_SHELL, user.id, team.id if team else None, now)
    elif command == "rename":
        changed = rename(store, SERVER_SHELL, user.id, args.display_name, now)
    elif command == "set-email":
        changed = change_email(store, SERVER_SHELL, user.id, args.email, now)
    elif command in ("manage", "stop-managing"):
        team = team_named(store, SERVER_SHELL, args.team)
        change = add_team_manager if command == "manage" else remove_team_manager
        changed = change(store, SERVER_SHELL, user.id, team.id, now)
        print(_line(changed, teams), file=out)
        managed = managed_teams(store, SERVER_SHELL, user.id)
        print(f"{user.username} manages: {', '.join(repr(name) for name in managed) or 'no team'}", file=out)
        return 0
    elif command == "deactivate":
        changed = deactivate(store, SERVER_SHELL, user.id, now)
    elif command == "reactivate":
        changed = reactivate(store, SERVER_SHELL, user.id, now)
    elif command == "reset-link" and args.email:
        problems = settings.smtp.problems(settings.public_url)
        if problems:
            print("E-mail is not set up, so nothing was queued:\n" + "\n".join(f"  {p}" for p in problems) +
                  "\n(Without --email the link is printed here instead.)", file=sys.stderr)
            return 1
        address = queue_reset_email(store, SERVER_SHELL, user.id, now)
        print(f"Queued a one-time link for '{user.username}' to set a new password, to {address}. The next "
              f"'python -m elearn mail send' sends it; it is valid {RESET_TTL.total_seconds() // 3600:.0f} hours from "
              "then. Links made before stop working now.", file=out)
        return 0
    elif command == "reset-link":
        token = issue_reset_link(store, SERVER_SHELL, user.id, now)
        base = settings.public_url or "http://localhost:8501"
        hours = int(RESET_TTL.total_seconds() // 3600)
        print(f"A one-time link for '{user.username}' to set a new password, valid {hours} hours. It is shown only "
              f"now; send it to them privately:\n  {base}/{RESET_PATH}?token={token}", file=out)
        if not settings.public_url:
            print("(Set ELEARN_PUBLIC_URL to print the address people reach the app at.)", file=out)
        return 0
    else:  # pragma: no cover - argparse allows only the commands above
        raise NotFound(f"unknown command {command}")
    print(_line(changed, teams), file=out)
    return 0


def _audit(store: Store, args: argparse.Namespace, out: TextIO) -> int:
    if args.csv is not None:
        events = audit_log(store, SERVER_SHELL)
        try:
            args.csv.write_bytes(audit_csv(events))
        except OSError as error:
            print(f"Could not write {args.csv}: {error.strerror or error}.", file=sys.stderr)
            return 1
        print(f"Wrote {len(events)} audit event{'' if len(events) == 1 else 's'} to {args.csv}.", file=out)
        return 0
    for event in audit_log(store, SERVER_SHELL, limit=args.limit or None):
        print(f"{event.occurred_at:%Y-%m-%d %H:%M:%S} UTC  {event.actor}  {event.action}  {event.subject}  "
              f"{dict(event.before)} -> {dict(event.after)}", file=out)
    return 0


def _line(user: User, teams: Mapping[int, str]) -> str:
    state = "active" if user.active else f"deactivated {user.deactivated_at:%Y-%m-%d %H:%M} UTC"
    roles = ",".join(sorted(user.roles)) or "no roles"
    team = f"team {teams.get(user.team_id, user.team_id)!r}" if user.team_id is not None else "no team"
    return f"{user.username}  {user.display_name!r}  {user.email or '-'}  {roles}  {team}  {state}"


def _unknown_role(name: str) -> str:
    known = [role.value for role in Role]
    close = difflib.get_close_matches(name.strip().lower(), known, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else f" Roles: {', '.join(known)}."
    return f"'{name}' is not a role.{hint}"
