"""``python -m elearn demo``: fill a database with made-up teams, learners and progress (``elearn.manage.demo``)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TextIO

from elearn.cli.admin import store_from_args
from elearn.course.catalogue import load_course
from elearn.manage.demo import DemoRefused, generate, progress_line
from elearn.settings import Settings


def run_demo(args: argparse.Namespace, out: TextIO, settings: Settings) -> int:
    """``python -m elearn demo``: the command line around ``generate``, on the app's course and database."""
    course = load_course(settings.course_dir, settings.read_limits)
    store = store_from_args(args, settings)
    try:
        summary = generate(store, course, args.learners, args.seed, datetime.now(UTC), force=args.force,
                           progress=progress_line(sys.stderr))
    except DemoRefused as refused:
        print(f"Nothing was created: {refused}", file=sys.stderr)
        return 1
    finally:
        store.dispose()
    print(f"Created {summary.learners:,} learners in {summary.teams:,} teams with {summary.managers:,} managers, "
          f"{summary.assignments:,} assignments, {summary.attempts:,} scenario attempts and {summary.events:,} "
          f"choice events in {summary.seconds:.0f} s ({store.dialect}).\n"
          "Demo accounts cannot sign in. Sign in as an administrator to look around; if there is none yet, create "
          "one with the same database options:\n"
          "  python -m elearn admin create --username you [--data-dir DIR | --database-url URL]", file=out)
    return 0
