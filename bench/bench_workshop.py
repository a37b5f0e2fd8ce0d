"""Issue 7's benchmark: a room of phones and a presenter, over Streamlit's own websocket protocol.

    python bench/bench_workshop.py [--participants 60] [--decisions 3] [--think 5] [--duration 150]

Starts the app (``streamlit run serve.py``, headless, on a free loopback port, with a fresh
database holding one facilitator), then one presenter and ``--participants`` phones play
``--decisions`` decisions of a room (bench/harness/workshop.py says exactly how they behave).
Then the same timeline is replayed on a blank Streamlit page: every tap at the same moment,
the presenter's one-second refreshes as a blank fragment's. It prints:

- a phone's vote latency (tap to the page redrawn) beside the same taps on the blank page;
- the time from a vote's tap to the first presenter refresh that counts it (p50, p95), against
  the goal of one refresh interval + 0.5 s;
- live phones: the time from the presenter's tap on "Open voting" to each phone showing the
  answers by itself, and from "Reveal" to each phone showing the result (goal: 3 s at p95);
- the servers' CPU in two quiet windows: the presenter alone, then with every phone waiting
  (each phone's page checks its room every ``PHONE_CHECK_SECONDS``);
- the database check: the room's stored split at each decision equals the phones' final votes.

Nothing is asserted on time. docs/performance.md has the figures and the method.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import report, workshop
from bench.harness.load import Options, percentile
from bench.harness.runs import Setup, WorkshopResult, run_workshop


def print_workshop(result: WorkshopResult, participants: int, setup: Setup) -> None:
    app, blank = result.app, result.blank
    votes, base = app.by_step.get("vote", []), blank.by_step.get("vote", [])
    goal = result.refresh_interval + 0.5
    joined, checked = int(app.extra.get("joined", 0)), int(app.extra.get("votes_stored_checked", 0))
    check = (f"{'; '.join(result.problems) or 'every decision stored exactly the phones final votes'}"
             f" ({joined} joined, {checked} final votes)")
    print(report.heading(f"workshop: {participants} phones + 1 presenter, {setup.describe()}", app, blank, check))
    print("| what | n | p50 ms | p95 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, values in (("a phone's vote, app", votes), ("the same taps, blank page", base)):
        print(f"| {label} | {len(values)} | {report.ms(percentile(values, 0.5))} | "
              f"{report.ms(percentile(values, 0.95))} | {report.ms(max(values, default=0.0))} |")
    print(f"| **ratio app / blank** | | {report.ratio(percentile(votes, 0.5), percentile(base, 0.5))} | "
          f"**{report.ratio(percentile(votes, 0.95), percentile(base, 0.95))}** (goal <= 1.3x) | |")
    seen = result.visible
    print(f"| vote tapped → counted on the presenter screen | {len(seen)} | {report.ms(percentile(seen, 0.5))} | "
          f"**{report.ms(percentile(seen, 0.95))}** (goal <= {report.ms(goal)}) "
          f"| {report.ms(max(seen, default=0.0))} |")
    phone_goal = 3.0
    for label, values in (("Open voting tapped → the answers on a phone, no tap", result.question_seen),
                          ("Reveal tapped → the result on a phone, no tap", result.result_seen)):
        print(f"| {label} | {len(values)} | {report.ms(percentile(values, 0.5))} | "
              f"**{report.ms(percentile(values, 0.95))}** (goal <= {report.ms(phone_goal)}) "
              f"| {report.ms(max(values, default=0.0))} |")
    print(f"\nserver CPU while nothing but the timers run (the presenter every {result.refresh_interval:g} s, "
          f"each phone's check every {result.phone_check_interval:g} s):\n")
    print("| window | wall s | server CPU s | share of one core |")
    print("| --- | ---: | ---: | ---: |")
    for window, (cpu, wall) in result.quiet_cpu.items():
        print(f"| {window} | {wall:.1f} | {cpu:.2f} | {cpu / wall:.1%} |" if wall else f"| {window} | | | |")
    print("\nall interactions:\n")
    print(report.comparison(app, blank))
    print("\nworkshop steps, slowest p95 first:\n")
    print(report.steps_table(app))
    glitches = int(app.extra.get("missing_controls", 0))
    if glitches:
        print(f"\nnotice: {glitches} presenter refresh(es) came back without the button the facilitator needed "
              "next; the facilitator waited for the following refresh.")
    unanswered = {key.removeprefix("unanswered "): int(value) for key, value in app.extra.items()
                  if key.startswith("unanswered ")}
    if unanswered:
        counts = ", ".join(f"{step}: {count}" for step, count in unanswered.items())
        print(f"\nnotice: timer reruns with no answer within {workshop.TICK_PATIENCE:g} intervals ({counts}); the "
              "next tick went anyway, as a browser's setInterval does.")
    print(report.closing(app, blank))


def run(args: argparse.Namespace, setup: Setup, options: Options) -> None:
    options.users = args.participants + 1
    if args.keep:  # the servers' logs and database stay there, to read after the run
        keep = Path(args.keep)
        keep.mkdir(parents=True, exist_ok=True)
        result = run_workshop(options, setup, keep, args.decisions)
    else:
        with tempfile.TemporaryDirectory(prefix="elearn-workshop-") as tmp:
            result = run_workshop(options, setup, Path(tmp), args.decisions)
    print_workshop(result, args.participants, setup)
    report.save_json(args.json, {"command": "workshop", "args": vars(args), "machine": report.machine(),
                                 "app": report.figures(result.app), "blank": report.figures(result.blank),
                                 "visible": {"n": len(result.visible), "p50": percentile(result.visible, 0.5),
                                             "p95": percentile(result.visible, 0.95)},
                                 "question_seen": {"n": len(result.question_seen),
                                                   "p95": percentile(result.question_seen, 0.95)},
                                 "result_seen": {"n": len(result.result_seen),
                                                 "p95": percentile(result.result_seen, 0.95)},
                                 "quiet_cpu": result.quiet_cpu,
                                 "problems": result.problems})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=60)
    parser.add_argument("--decisions", type=int, default=3, help="decisions the room plays (fewer if it ends)")
    parser.add_argument("--think", type=float, default=5.0, help="scale of the people's pauses, seconds")
    parser.add_argument("--duration", type=float, default=200.0, help="seconds before everyone stops")
    parser.add_argument("--ramp", type=float, default=20.0, help="seconds over which the phones arrive")
    parser.add_argument("--processes", type=int, default=1, help="app processes (2+: behind nginx)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--set", action="append", metavar="OPTION=VALUE", help="a Streamlit option for both servers")
    parser.add_argument("--client-visible", action="store_true",
                        help="ACK as clients do, not at once (see bench_load.py)")
    parser.add_argument("--nagle", action="store_true", help="the servers' sockets as Streamlit ships them")
    parser.add_argument("--py-spy", metavar="PATH", help="a py-spy binary: profile the app server under the load")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument("--keep", metavar="DIR", help="run in DIR and keep it (the servers' logs, the database)")
    args = parser.parse_args()
    flags: list[str] = []
    for option in args.set or []:
        name, _, value = option.partition("=")
        flags += [f"--{name}", value]
    if args.nagle:
        flags.append("--nagle")
    setup = Setup(processes=args.processes, db=args.db, flags=flags, py_spy=args.py_spy)
    options = Options(users=args.participants + 1, think=args.think, duration=args.duration, visits=1,
                      ramp=args.ramp, seed=args.seed, quickack=not args.client_visible)
    run(args, setup, options)


if __name__ == "__main__":
    main()
