"""``python -m elearn lti add-platform|list|show-tool|send-scores|scores|rosters|sync-roster``:
register an LMS, show what to paste into it, post the gradebook's scores, sync course rosters."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from elearn.settings import Settings

if TYPE_CHECKING:
    from elearn.store.db import Store


def add_lti_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser],
                   database_options: Callable[[argparse.ArgumentParser], None]) -> None:
    """The ``lti`` command and its subcommands (``database_options`` adds --database-url/--data-dir)."""
    lti = commands.add_parser("lti", help="LTI 1.3: launch this app from an LMS").add_subparsers(
        dest="lti_command", required=True)
    add = lti.add_parser("add-platform", help="register an LMS (its values are on its tool registration page)")
    add.add_argument("--issuer", required=True, help="the platform's issuer (iss), e.g. https://moodle.example.org")
    add.add_argument("--client-id", required=True, help="the client id the LMS gave this tool")
    add.add_argument("--deployment-id", action="append", required=True, dest="deployment_ids",
                     help="a deployment id allowed to launch (repeat for several)")
    add.add_argument("--auth-login-url", required=True, help="the platform's OIDC authentication request URL")
    add.add_argument("--token-url", required=True, help="the platform's OAuth 2 access token URL")
    add.add_argument("--jwks-url", required=True, help="the platform's public keyset (JWKS) URL")
    database_options(add)
    database_options(lti.add_parser("list", help="list the registered platforms"))
    database_options(lti.add_parser("show-tool", help="print the tool's URLs and public key to paste into the LMS"))
    database_options(lti.add_parser("send-scores", help="queue and post the scores owed to LMS gradebooks (for cron)"))
    database_options(lti.add_parser("scores", help="show the score queue and its last error"))
    database_options(lti.add_parser("rosters", help="list the LMS courses whose roster can be synced"))
    sync = lti.add_parser("sync-roster", help="sync an LMS course's roster into its team (Names and Roles service)")
    sync.add_argument("roster", type=int, help="the roster's number, from `python -m elearn lti rosters`")
    database_options(sync)


def run_lti(args: argparse.Namespace, out: TextIO, settings: Settings) -> int:
    # Imported here: the parser above is built for every command (``check`` too), which must not
    # load the store.
    from elearn.cli.admin import store_from_args
    from elearn.lti import PlatformProblem, register_platform, tool_urls
    from elearn.lti.keys import tool_jwks
    from elearn.store.lti import PlatformExists, platforms

    store = store_from_args(args, settings)
    try:
        if args.lti_command in ("send-scores", "scores", "rosters", "sync-roster"):
            return _run_services(args, out, settings, store)
        if args.lti_command == "add-platform":
            try:
                platform = register_platform(
                    store, issuer=args.issuer, client_id=args.client_id, deployment_ids=args.deployment_ids,
                    auth_login_url=args.auth_login_url, token_url=args.token_url, jwks_url=args.jwks_url,
                    now=datetime.now(UTC))
            except (PlatformProblem, PlatformExists) as refused:
                print(f"Not registered:\n{refused}", file=sys.stderr)
                return 1
            print(f"Registered platform {platform.id}: {platform.issuer} (client id {platform.client_id}).", file=out)
            return 0
        if args.lti_command == "list":
            found = platforms(store)
            if not found:
                print("No platform is registered yet: `python -m elearn lti add-platform --help`.", file=out)
            for p in found:
                print(f"{p.id}: {p.issuer}\n  client id: {p.client_id}\n  deployment ids: "
                      f"{', '.join(p.deployment_ids)}\n  auth login URL: {p.auth_login_url}\n"
                      f"  token URL: {p.token_url}\n  JWKS URL: {p.jwks_url}", file=out)
            return 0
        try:
            urls = tool_urls(settings.public_url)
        except PlatformProblem as missing:
            print(missing, file=sys.stderr)
            return 1
        print(f"Login initiation URL (OIDC login): {urls.login}\nLaunch / redirect URL: {urls.launch}\n"
              f"Public keyset (JWKS) URL: {urls.jwks}\nPublic key (JWKS):\n"
              f"{json.dumps(tool_jwks(store, datetime.now(UTC)), indent=2)}", file=out)
        return 0
    finally:
        store.dispose()


def _run_services(args: argparse.Namespace, out: TextIO, settings: Settings, store: Store) -> int:
    from elearn.course.catalogue import load_course
    from elearn.lti.grades import send_due, sweep
    from elearn.lti.roster import RosterFailed, sync_roster
    from elearn.store.lti_rosters import rosters_for
    from elearn.store.lti_scores import queue_state

    def now() -> datetime:
        return datetime.now(UTC)

    if args.lti_command == "send-scores":
        queued = sweep(store, load_course(settings.course_dir, settings.read_limits), settings.pass_rule, now())
        report = send_due(store, now)
        print(f"Queued {queued} new score(s); sent {len(report.sent)}, retrying {len(report.retrying)}, "
              f"dropped {len(report.dropped)}.", file=out)
        for line in report.retrying + report.dropped:
            print(f"  {line}", file=out)
        return 0 if not report.retrying and not report.dropped else 1
    if args.lti_command == "scores":
        state = queue_state(store)
        print(f"Waiting: {state.waiting}; sent: {state.sent}; dropped: {state.dropped}.", file=out)
        if state.last_error:
            print(f"Last error ({state.last_error_key}): {state.last_error}", file=out)
        return 0
    if args.lti_command == "rosters":
        found = rosters_for(store, None)
        if not found:
            print("No LMS course has given a roster address yet (its launches need the Names and Role "
                  "Provisioning service).", file=out)
        for roster in found:
            print(f"{roster.context_row_id}: team {roster.team_name!r}, last sync: "
                  f"{roster.synced_at or 'never'}{f' ({roster.last_result})' if roster.last_result else ''}", file=out)
        return 0
    try:
        done = sync_roster(store, None, args.roster, now())
    except RosterFailed as failed:
        print(f"Not synced: {failed}", file=sys.stderr)
        return 1
    print(f"Synced: {done}.", file=out)
    return 0
