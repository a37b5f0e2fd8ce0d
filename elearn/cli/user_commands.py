"""The ``user`` command line's shape (``python -m elearn user --help``), kept apart from
``elearn.cli.users`` so that building the parser for ``check`` does not load the store."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

ROLE_NAMES = ("learner", "manager", "facilitator", "admin")
"""``elearn.store.Role``'s values (a test checks they agree)."""


def add_user_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser],
                      add_options: Callable[[argparse.ArgumentParser], None]) -> None:
    """The ``user`` command and its sub-commands, on the main parser's ``commands``
    (``add_options`` adds ``--database-url`` and ``--data-dir``)."""
    user = commands.add_parser("user", help="find and administer accounts (roles, team, managed teams, name, "
                               "e-mail, deactivation, password-reset links, the audit log)")
    actions = user.add_subparsers(dest="user_command", required=True)

    def action(name: str, help_text: str, *, username: bool = True) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text)
        if username:
            parser.add_argument("username", help="the account's username")
        add_options(parser)
        return parser

    action("find", "list accounts whose username, name or e-mail contains TEXT", username=False).add_argument(
        "text", help="part of a username, display name or e-mail address")
    action("show", "show one account")
    action("set-roles", "replace an account's roles").add_argument(
        "roles", nargs="+", metavar="ROLE", help=f"one or more of: {', '.join(ROLE_NAMES)}")
    team = action("set-team", "put an account in a team (or in none, with --no-team)")
    team.add_argument("team", nargs="?", help="the team's name")
    team.add_argument("--no-team", action="store_true", help="take the account out of any team")
    action("rename", "change the name shown for an account").add_argument("display_name", help="the new name")
    action("set-email", "change an account's e-mail (an empty string removes it)").add_argument(
        "email", help="the new address")
    action("manage", "let an account see a team's people and progress (granting the manager role)").add_argument(
        "team", help="the team's name")
    action("stop-managing", "stop an account seeing a team (its manager role stays)").add_argument(
        "team", help="the team's name")
    action("deactivate", "end every session of an account and stop it signing in (its data stays)")
    action("reactivate", "let a deactivated account sign in again")
    action("reset-link", "print a one-time link that sets a new password (valid 24 hours, shown only now), "
           "or e-mail it once with --email").add_argument(
        "--email", action="store_true", help="queue it for the account's e-mail address instead (sent by 'mail send'; "
        "the link is made when it is sent and never printed)")
    audit = action("audit", "print the audit log of administrative actions, newest first", username=False)
    audit.add_argument("--limit", type=int, default=50, help="how many events to print (default: 50; 0: all)")
    audit.add_argument("--csv", type=Path, default=None, metavar="FILE",
                       help="write the whole log to FILE as CSV (safe to open in a spreadsheet)")
