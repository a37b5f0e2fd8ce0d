"""``python -m elearn mail send [--dry-run]``: queue the reminders and digests due now, send the outbox.

Run it every few minutes (cron, a systemd timer); several at once, on several machines, are
safe (``elearn.store.outbox``). ``--dry-run`` prints what would be queued and sent, changing nothing.
Exit status: 0 when done (e-mails the server could not take yet stay queued for the next run,
which is reported), 2 when e-mail is not configured.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TextIO

from elearn.cli.admin import store_from_args
from elearn.course.catalogue import load_course
from elearn.mail.outgoing import preview, send_due
from elearn.settings import Settings


def run_mail(args: argparse.Namespace, out: TextIO, settings: Settings) -> int:
    problems = settings.smtp.problems(settings.public_url)
    if args.dry_run:
        problems = [p for p in problems if "PUBLIC_URL" in p]
    if problems:
        print("E-mail is not configured:\n" + "\n".join(problems), file=sys.stderr)
        return 2
    course = load_course(settings.course_dir, settings.read_limits)
    store = store_from_args(args, settings)
    try:
        if args.dry_run:
            report = preview(store, course, datetime.now(UTC), settings.pass_rule, settings.public_url)
            for line in report.preview:
                print(line, file=out)
            print(f"Dry run: {len(report.preview)} e-mails due ({report.queued} not queued yet); nothing sent.",
                  file=out)
            return 0
        report = send_due(store, course, settings.smtp, lambda: datetime.now(UTC), settings.pass_rule,
                          settings.public_url)
    finally:
        store.dispose()
    for line in report.sent:
        print(f"sent {line}", file=out)
    for line in report.dropped:
        print(f"not sent {line}", file=out)
    for line in report.retrying:
        print(f"will retry {line}", file=out)
    print(f"{report.queued} queued, {len(report.sent)} sent, {len(report.dropped)} dropped, "
          f"{len(report.retrying)} to retry later.", file=out)
    return 0
