"""The command line: ``python -m elearn check [COURSE_DIR] [--json] [--strict] [--simulate N --seed S]``,
and ``db``, ``admin``, ``demo``, ``mail send`` (``elearn.cli.mail``), ``lrs`` (``elearn.cli.lrs``) and ``user``
(people administration: ``elearn.cli.users``).

Exit codes: 0 when the course has no problems, 1 when it has some, 2 for a wrong command
line. Bad content never produces a traceback; it produces problems. Warnings (the give-away
cues of ``elearn.course.cues``) are printed but leave the exit code at 0, unless ``--strict`` makes
them errors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from elearn.cli.lrs import add_lrs_parser
from elearn.cli.lti import add_lti_parser
from elearn.cli.user_commands import add_user_commands
from elearn.course.catalogue import Course, load_course
from elearn.course.passing import PassRule
from elearn.course.summary import course_summary
from elearn.play.lazy_learners import lazy_learners
from elearn.play.simulate import simulate_course
from elearn.settings import Settings, SettingsError, settings_from_files


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m elearn", description="Tools for the calm-customers course.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check every lesson, skill and scenario; print every problem")
    check.add_argument("course_dir", nargs="?", type=Path, default=None,
                       help="the folder holding content/ and quizzes/ (default: the app's course: $ELEARN_COURSE_DIR, "
                            "course_dir in .streamlit/secrets.toml, else this repository)")
    check.add_argument("--json", action="store_true", help="print a machine-readable summary instead of text")
    check.add_argument("--strict", action="store_true",
                       help="treat warnings (give-away cues) as errors: exit 1 if there are any")
    check.add_argument("--simulate", type=int, metavar="N", default=0,
                       help="random-walk every scenario N times and report how often each ending is reached; "
                            "also play the lazy learners (first answer shown: N walks)")
    check.add_argument("--seed", type=int, default=0, help="random seed for --simulate (same seed, same walks)")

    db = commands.add_parser("db", help="the progress database").add_subparsers(dest="db_command", required=True)
    _database_options(db.add_parser("upgrade", help="create or upgrade the database schema in place"))
    rebuild = db.add_parser("rebuild-aggregates", help="recompute the dashboard's running aggregates from the "
                            "event log, and report any difference from what was stored")
    rebuild.add_argument("--verify", action="store_true",
                         help="only compare: change nothing, exit 1 if any aggregate differs")
    _database_options(rebuild)
    admin = commands.add_parser("admin", help="administrators").add_subparsers(dest="admin_command", required=True)
    create = admin.add_parser("create", help="create an administrator (asks for the password)")
    create.add_argument("--username", required=True)
    create.add_argument("--display-name", default="")
    create.add_argument("--email", default=None)
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input instead of prompting")
    _database_options(create)
    confirm = admin.add_parser("confirm-email", help="confirm that an account's e-mail is its owner's, so "
                               "single sign-on may link to it (self-registered addresses start unconfirmed)")
    confirm.add_argument("--username", required=True)
    _database_options(confirm)
    demo = commands.add_parser("demo", help="fill a new database with made-up teams, learners and progress")
    demo.add_argument("--learners", type=int, default=200, help="how many learners to make up (default: 200)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (same seed, same data)")
    demo.add_argument("--force", action="store_true", help="run even though the database holds real accounts")
    _database_options(demo)
    mail = commands.add_parser("mail", help="e-mail: reminders, assignment notices, digests")
    send = mail.add_subparsers(dest="mail_command", required=True).add_parser(
        "send", help="queue the reminders and digests due now and send every e-mail due (run it every few minutes)")
    send.add_argument("--dry-run", action="store_true", help="print what would be queued and sent; change nothing")
    _database_options(send)
    add_user_commands(commands, _database_options)
    add_lti_parser(commands, _database_options)
    add_lrs_parser(commands, _database_options)
    return parser


def _database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", default=None,
                        help="SQLAlchemy URL (default: $ELEARN_DATABASE_URL, .streamlit/secrets.toml, else SQLite)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder of the embedded SQLite database (default: $ELEARN_DATA_DIR or ./data)")


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, settings: Settings | None = None) -> int:
    """Run one command; the exit status is 0 for success, 1 for a refusal or failed check, 2 for bad usage.

    ``settings`` defaults to the app's own (``settings_from_files``: the environment and
    ``.streamlit/secrets.toml``), so a command acts on the database and course the app uses.
    """
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    if settings is None:
        try:
            settings = settings_from_files(os.environ)
        except SettingsError as error:
            print(error, file=sys.stderr)
            return 2
    if args.command == "check":
        if args.simulate < 0:
            print("--simulate needs a number of walks of 0 or more.", file=sys.stderr)
            return 2
        course = load_course(args.course_dir or settings.course_dir, settings.read_limits)
        return _check(course, args.json, args.strict, args.simulate, args.seed, out, settings.pass_rule)
    from elearn.cli.admin import run_admin, run_db
    from elearn.cli.demo import run_demo
    from elearn.cli.mail import run_mail
    from elearn.cli.users import run_user

    if args.command == "db":
        return run_db(args, out, settings)
    if args.command == "admin":
        return run_admin(args, out, settings)
    if args.command == "demo":
        return run_demo(args, out, settings)
    if args.command == "mail":
        return run_mail(args, out, settings)
    if args.command == "user":
        return run_user(args, out, settings)
    if args.command == "lti":
        from elearn.cli.lti import run_lti

        return run_lti(args, out, settings)
    if args.command == "lrs":
        from elearn.cli.lrs import run_lrs

        return run_lrs(args, out, settings)
    return 2  # pragma: no cover - argparse rejects unknown commands


def _check(course: Course, as_json: bool, strict: bool, walks: int, seed: int, out: TextIO,
           rule: PassRule) -> int:
    simulation = simulate_course(course, walks, seed) if walks else None
    lazy = lazy_learners(course.scenarios, walks, seed, rule) if walks else None
    failed = bool(course.problems) or (strict and bool(course.warnings))
    if as_json:
        summary = course_summary(course)
        summary["strict"] = strict
        summary["ok"] = not failed
        if simulation is not None and lazy is not None:
            summary["simulation"] = {
                "walks": walks, "seed": seed,
                "scenarios": {sid: result.as_dict() for sid, result in simulation.items()},
                "lazy_learners": {"pass_threshold": rule.threshold,
                                  **{strategy.strategy.id: strategy.as_dict() for strategy in lazy}},
            }
        json.dump(summary, out, indent=2)
        out.write("\n")
        return 1 if failed else 0
    for problem in course.problems:
        print(problem, file=out)
    for warning in course.warnings:
        print(warning if strict else f"warning: {warning}", file=out)
    if simulation is not None and lazy is not None:
        print(f"\nSimulation: {walks} random walks per scenario, seed {seed}", file=out)
        for scenario_id, result in simulation.items():
            print(f"  {scenario_id}: {result.describe()}", file=out)
        print(f"\nLazy learners (passed: a successful ending and a score of at least {rule.threshold:g}%; "
              f"first answer shown: {walks} walks per scenario, seed {seed})", file=out)
        for strategy in lazy:
            print(f"  {strategy.describe()}", file=out)
    errors = len(course.problems) + (len(course.warnings) if strict else 0)
    status = _count(errors, "problem") if errors else "OK"
    if course.warnings and not strict:
        status += f" with {_count(len(course.warnings), 'warning')}"
    skipped = f", {_count(len(course.skipped), 'file')} skipped" if course.skipped else ""
    print(f"{status}: {_count(len(course.skills), 'skill')}, {_count(len(course.lessons), 'lesson')}, "
          f"{_count(len(course.scenarios), 'scenario')} ({_count(len(course.capstones), 'capstone')}){skipped} "
          f"in {course.directory}", file=out)
    return 1 if failed else 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
