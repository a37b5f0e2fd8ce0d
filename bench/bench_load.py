"""Load tests that drive the real app like a crowd of browsers, beside a blank Streamlit page.

    python bench/bench_load.py learners  [--users 50] [--think 5] [--duration 120] [--processes 1] [--db sqlite]
    python bench/bench_load.py scaleout  [--levels 25,50,75,100] [--target-ms 1000] [--db postgres]
    python bench/bench_load.py profile   [--visits 3]      # one user, server CPU of every step
    python bench/bench_load.py managers  [--users 10]
    python bench/bench_load.py workshop  [--participants 60]

Each command starts real servers (``streamlit run`` on free loopback ports, headless, with a
temporary database of their own), runs simulated users over Streamlit's websocket protocol
(bench/harness/protocol.py) with think time between clicks, then runs the same users with the
same think time against a blank page (bench/harness/blank_app.py) and prints both, with ratios.
Runs are bounded in time (``--duration``, plus a hard cut-off) and only talk to 127.0.0.1.
``--set runner.postScriptGC=false`` passes a Streamlit option to the app and the blank page alike.
Nothing here asserts on time; see docs/performance.md for the method and the figures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import report
from bench.harness.load import Options, Phase, percentile
from bench.harness.runs import Setup, run_blank, run_learners, run_managers, run_twin, steps_per_visit
from bench.harness.servers import REPO


def print_pair(title: str, app: Phase, base: Phase, audit_line: str) -> None:
    print(report.heading(title, app, base, audit_line))
    print(report.comparison(app, base))
    print("\nlearner steps, slowest p95 first:\n")
    print(report.steps_table(app))
    if base.step_cpu:
        print("\nblank page steps:\n")
        print(report.steps_table(base))
    print(report.closing(app, base))


def learners(args: argparse.Namespace) -> None:
    """The app, then its static twin (the same elements from fixed data), then the blank page."""
    setup = setup_from(args)
    options = options_from(args)
    with tempfile.TemporaryDirectory(prefix="elearn-load-") as tmp:
        app, checked = run_learners(options, setup, Path(tmp))
        twin = run_twin(options, setup, Path(tmp))
        base = run_blank(options, steps_per_visit(app), setup, Path(tmp))
    audit_line = checked.summary()
    print(report.heading(f"learners: {args.users} users, think {args.think:g} s, {args.duration:g} s, "
                         f"{setup.describe()}, {mode(args)}", app, base, audit_line))
    print(report.HEADER)
    print("\n".join([report.row(base), report.row(twin), report.row(app),
                     report.ratio_row(app, twin, "ratio app / twin"),
                     report.ratio_row(twin, base, "ratio twin / blank"), report.ratio_row(app, base)]))
    print("\nlearner steps, slowest p95 first:\n")
    print(report.steps_table(app))
    print("\nstatic twin steps:\n")
    print(report.steps_table(twin))
    print(report.closing(app, twin))
    report.save_json(args.json, {"command": "learners", "args": vars(args), "machine": report.machine(),
                                 "app": report.figures(app), "twin": report.figures(twin),
                                 "blank": report.figures(base), "audit": audit_line})


def mode(args: argparse.Namespace) -> str:
    """How the figures were taken: unmasked (the default) or as clients see them."""
    if args.client_visible:
        return "client-visible (the harness ACKs as clients do)"
    return "unmasked (the harness ACKs at once, so no delayed-ACK stall hides a difference)"


def profile(args: argparse.Namespace) -> None:
    """One user at a time, so each step's server CPU can be read around it."""
    setup = setup_from(args)
    setup.per_step_cpu = True
    options = options_from(args)
    options.users = 1
    with tempfile.TemporaryDirectory(prefix="elearn-profile-") as tmp:
        app, checked = run_learners(options, setup, Path(tmp))
        twin = run_twin(options, setup, Path(tmp))
        base = run_blank(options, steps_per_visit(app), setup, Path(tmp))
    audit_line = checked.summary()
    print_pair(f"profile: 1 user, {args.visits} visits, think {args.think:g} s, {setup.describe()}",
               app, base, audit_line)
    print("\nstatic twin steps:\n")
    print(report.steps_table(twin))


def scaleout(args: argparse.Namespace) -> None:
    levels = [int(x) for x in args.levels.split(",")]
    results: dict[int, list[Phase]] = {}
    with tempfile.TemporaryDirectory(prefix="elearn-scale-") as tmp:
        for processes in (1, 2):
            setup = setup_from(args)
            setup.processes = processes
            for users in levels:
                options = options_from(args)
                options.users = users
                phase, _ = run_learners(options, setup, Path(tmp) / f"p{processes}-u{users}")
                phase.label = f"{processes} process(es), {users} users"
                results.setdefault(processes, []).append(phase)
                print(report.row(phase), flush=True)
    target = args.target_ms / 1000
    everything = [p for phases in results.values() for p in phases]
    print(f"\n## scale-out: learners, think {args.think:g} s, {args.duration:g} s per level, {args.db}, "
          "2 processes behind nginx (deploy/nginx.conf)\n")
    print(f"machine: {report.machine()}")
    print(report.load_line(*everything) + "\n")
    print(report.HEADER)
    for phase in everything:
        print(report.row(phase))
    levels_one = [(p.users, percentile(p.latencies, 0.95)) for p in results[1]]
    levels_two = [(p.users, percentile(p.latencies, 0.95)) for p in results[2]]
    one, two = report.capacity(levels_one, target), report.capacity(levels_two, target)
    print("\nthe same p95 (interpolated between the levels measured; goal: 2 processes carry >= 1.8x):\n")
    print(report.same_p95(levels_one, levels_two))
    print(f"\nusers carried at p95 <= {args.target_ms:g} ms: 1 process {one:.0f}, 2 processes {two:.0f} "
          f"-> {report.ratio(two, one)}")
    problems = report.errors_block(*everything)
    print("\nerrors:\n" + problems if problems else "\nerrors: none")
    report.save_json(args.json, {"command": "scaleout", "args": vars(args), "machine": report.machine(),
                                 "levels": {n: [report.figures(p) for p in ps] for n, ps in results.items()},
                                 "capacity": {"1": one, "2": two}})


def missing(name: str, needs: list[str]) -> bool:
    absent = [path for path in needs if not (REPO / path).exists()]
    if absent:
        print(f"## {name}: not run. It needs {', '.join(absent)}, which do(es) not exist in this tree yet.")
    return bool(absent)


def managers(args: argparse.Namespace) -> None:
    if missing("managers", ["pages/dashboard.py", "elearn/manage/demo.py"]):
        return
    setup = setup_from(args)
    options = options_from(args)
    with tempfile.TemporaryDirectory(prefix="elearn-managers-") as tmp:
        app, base = run_managers(options, setup, Path(tmp), args.learners, args.seed)
    print(report.heading(f"managers: 1 admin (all {args.learners:,} learners) + {args.users - 1} managers (an equal "
                         f"share of the teams each), think {args.think:g} s, {args.duration:g} s, {setup.describe()}",
                         app, base))
    print(report.comparison(app, base))
    print("\ndashboard steps, slowest p95 first:\n")
    print(report.steps_table(app))
    print(report.closing(app, base))
    report.save_json(args.json, {"command": "managers", "args": vars(args), "machine": report.machine(),
                                 "app": report.figures(app), "blank": report.figures(base)})


def workshop(args: argparse.Namespace) -> None:
    if missing("workshop", ["pages/join.py", "pages/present.py", "pages/rooms.py"]):
        return
    from bench.bench_workshop import run as run_workshop_bench

    run_workshop_bench(args, setup_from(args), options_from(args))


def setup_from(args: argparse.Namespace) -> Setup:
    flags: list[str] = []
    for option in args.set or []:
        name, _, value = option.partition("=")
        flags += [f"--{name}", value]
    if args.nagle:
        flags.append("--nagle")
    return Setup(processes=getattr(args, "processes", 1), db=args.db, flags=flags, py_spy=args.py_spy)


def options_from(args: argparse.Namespace) -> Options:
    return Options(users=getattr(args, "users", 1), think=args.think, duration=args.duration, visits=args.visits,
                   seed=args.seed, quickack=not args.client_visible, ramp=args.ramp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, run: object, help_text: str, users: int, think: float, duration: float,
                visits: int = 1000, db: str = "sqlite", ramp: float = 30.0) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--users", type=int, default=users, help="concurrent simulated users")
        sub.add_argument("--think", type=float, default=think, help="mean pause between clicks, seconds")
        sub.add_argument("--duration", type=float, default=duration, help="seconds of load per phase")
        sub.add_argument("--visits", type=int, default=visits, help="journeys per user at most")
        sub.add_argument("--ramp", type=float, default=ramp, help="seconds over which the users arrive")
        sub.add_argument("--processes", type=int, default=1, help="app processes (2+: behind nginx)")
        sub.add_argument("--seed", type=int, default=1)
        sub.add_argument("--db", choices=["sqlite", "postgres"], default=db)
        sub.add_argument("--set", action="append", metavar="OPTION=VALUE", help="a Streamlit option for both servers")
        sub.add_argument("--client-visible", action="store_true",
                         help="ACK as clients do (delayed ACKs), not at once: what clients see, with any stall")
        sub.add_argument("--nagle", action="store_true",
                         help="start the servers with Streamlit's socket as it ships (no TCP_NODELAY; ui/launch.py)")
        sub.add_argument("--json", help="also write the figures to this JSON file")
        sub.add_argument("--py-spy", metavar="PATH", help="a py-spy binary: profile the app servers under the load")
        sub.set_defaults(run=run)
        return sub

    command("learners", learners, "sign up/in, home, lesson, scenario to its end, My skills", 50, 8.0, 90.0)
    command("profile", profile, "one learner at a time: the server CPU of every step", 1, 0.3, 120.0, visits=3,
            ramp=0.0)
    sub = command("scaleout", scaleout, "learners on 1 vs 2 processes: users carried at the same p95", 0, 8.0, 60.0,
                  db="postgres")
    sub.add_argument("--levels", default="25,50,75,100", help="user counts to measure")
    sub.add_argument("--target-ms", type=float, default=1000.0, help="the p95 both deployments are held to")
    sub = command("managers", managers, "the team dashboard on the 10,000-learner demo database", 10, 8.0, 90.0,
                  db="postgres")
    sub.add_argument("--learners", type=int, default=10_000, help="learners in the demo database")
    sub = command("workshop", workshop, "60 phones and a presenter in one room (bench/bench_workshop.py)", 61, 5.0,
                  150.0, ramp=20.0)
    sub.add_argument("--participants", type=int, default=60)
    sub.add_argument("--decisions", type=int, default=3, help="decisions the room plays (fewer if it ends)")
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
