"""``python -m elearn lrs send [--once] | status | retry-dead``: the xAPI outbox and the LRS.

``send`` sends the outbox to the configured LRS and keeps watching it (a worker of its own, for
deployments that rather not send from the server processes); ``--once`` sends what is due now and
stops (cron). Several at once, and beside the servers' own senders, are safe. ``status`` prints
the queue, the last error and the dead letters; ``retry-dead`` queues the dead letters again.
Exit status: 0 when done, 1 when ``send --once`` stopped with the LRS down, 2 when no LRS is configured.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from elearn.settings import Settings

if TYPE_CHECKING:
    from elearn.store.xapi_outbox import OutboxStatus


def add_lrs_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser],
                   database_options: Callable[[argparse.ArgumentParser], None]) -> None:
    """The ``lrs`` command and its subcommands (``database_options`` adds --database-url/--data-dir)."""
    lrs = commands.add_parser("lrs", help="xAPI statements sent to a Learning Record Store").add_subparsers(
        dest="lrs_command", required=True)
    send = lrs.add_parser("send", help="send the outbox to the LRS, and keep sending as statements come")
    send.add_argument("--once", action="store_true", help="send what is due now, then stop")
    database_options(send)
    database_options(lrs.add_parser("status", help="the queue, the last error and the dead letters"))
    database_options(lrs.add_parser("retry-dead", help="queue the statements the LRS refused again"))


def _now() -> datetime:
    return datetime.now(UTC)


def run_lrs(args: argparse.Namespace, out: TextIO, settings: Settings) -> int:
    # Imported here: the parser above is built for every command, which must not load the store.
    from elearn.cli.admin import store_from_args
    from elearn.lrs.background import BackgroundSender
    from elearn.lrs.client import post_statements
    from elearn.lrs.sender import send_due
    from elearn.store.xapi_outbox import outbox_status, retry_dead

    if args.lrs_command == "send" and not settings.lrs.configured:
        print("No LRS is configured:\n" + "\n".join(settings.lrs.problems(settings.xapi_home_page)), file=sys.stderr)
        return 2
    store = store_from_args(args, settings)
    try:
        if args.lrs_command == "status":
            print_status(outbox_status(store), settings, out)
            return 0
        if args.lrs_command == "retry-dead":
            print(f"{retry_dead(store, _now())} dead letters queued again.", file=out)
            return 0
        lrs = settings.lrs
        if args.once:
            report = send_due(store, lambda batch: post_statements(lrs, batch), _now)
            for line in report.dead:
                print(f"refused {line}", file=out)
            print(f"{report.sent} sent, {report.already_there} already in the LRS, {len(report.dead)} refused "
                  f"(dead letters), {report.waiting} waiting for the LRS.", file=out)
            if report.down:
                print(f"The LRS is not taking statements: {report.down}", file=sys.stderr)
                return 1
            return 0
        sender = BackgroundSender(lambda: store, lambda: lrs, _now).start()
        print(f"Sending to {lrs.statements_url} as statements come (Ctrl+C stops).", file=out, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            sender.stop()
        return 0
    finally:
        store.dispose()


def print_status(status: OutboxStatus, settings: Settings, out: TextIO) -> None:
    """The outbox's state as text (the same facts as the admin page)."""
    where = settings.lrs.statements_url if settings.lrs.configured else "no LRS configured (docs/lrs.md)"
    print(f"LRS: {where}", file=out)
    oldest = f", the oldest queued {status.oldest_pending_at:%Y-%m-%d %H:%M:%S} UTC" if status.oldest_pending_at else ""
    print(f"Waiting: {status.pending}{oldest}", file=out)
    last = f", the last at {status.last_sent_at:%Y-%m-%d %H:%M:%S} UTC" if status.last_sent_at else ""
    print(f"Sent: {status.sent}{last}", file=out)
    if status.last_error:
        when = f" (at {status.last_error_at:%Y-%m-%d %H:%M:%S} UTC)" if status.last_error_at else ""
        print(f"Last error{when}: {status.last_error}", file=out)
    print(f"Dead letters: {status.dead_count}", file=out)
    for dead in status.dead:
        print(f"  {dead.statement_id}: {dead.dead_reason}", file=out)
