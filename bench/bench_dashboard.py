"""The manager dashboard at scale: first render, a filter change and each export, beside the raw SQL.

    python bench/bench_dashboard.py [--learners 10000] [--seed 1] [--runs 3] [--pg URL] [--only sqlite] [--reuse]

For SQLite (a file in a temporary folder, or ``--data-dir``) and PostgreSQL (a database
``bench_dashboard`` created on the server of ``--pg``, default ``$TEST_DATABASE_URL``), the demo
generator builds ``--learners`` learners (10,000 make about a million choice events). Then, signed
in as an administrator (who sees everyone), through Streamlit's AppTest runner as
``bench/bench_pages.py`` does:

- **first render**: ``pages/dashboard.py`` with its cache emptied (median of ``--runs``), beside
  the raw SQL it shows: every statement the dashboard's reads send (the counts, the page of
  ``ui.manage.PAGE_ROWS`` rows), re-run on a plain connection with its rows fetched, no Python
  objects built;
- **filter change**: a rerun after changing a filter (team, status, search; the median of several),
  beside the first render;
- **a manager of one team** (25 learners), the same first render, and the ratio of the two;
- **exports**: preparing the CSV and the XLSX of the whole table; with ``--xapi``, the xAPI
  statements of everyone, streamed to a zip of NDJSON files in a fresh process, with its time
  and peak memory (maximum resident set).

Goals (issue 17): the administrator's first render at most 1.0 s at 10,000 learners and within 3x
of a manager of one team; a filter change at most 0.1x the first render; the xAPI export of the
10,000-learner demo under 300 MB of peak memory.
It prints figures; it never asserts on time. ``--reuse`` keeps and reuses the databases.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
BENCH_DB = "bench_dashboard"


def build(url: str | None, data_dir: Path, learners: int, seed: int, reuse: bool
          ) -> tuple[str, str, dict[str, Any]]:
    """A database holding the demo data and an administrator; returns session tokens for the
    administrator and for the first demo manager, and the sizes."""
    from sqlalchemy import func, select

    from elearn.course.catalogue import load_course
    from elearn.manage.dashboard import outline_of
    from elearn.manage.demo import generate, progress_line
    from elearn.store import create_admin, open_store, start_session, upgrade, user_by_email
    from elearn.store.standings import sync_outline
    from elearn.store.tables import ChoiceEventRow, UserRow

    store = open_store(url, data_dir)
    upgrade(store)
    has_demo = store.read(lambda conn: conn.scalar(select(func.count()).select_from(UserRow)))
    built = 0.0
    course = load_course(REPO)
    if not (reuse and has_demo):
        started = time.perf_counter()
        generate(store, course, learners, seed, datetime.now(UTC), progress=progress_line(sys.stderr))
        built = time.perf_counter() - started
    started = time.perf_counter()
    backfilled = sync_outline(store, outline_of(course), datetime.now(UTC))  # a database made before revision 0014
    backfill = time.perf_counter() - started
    admin = user_by_email(store, "bench-admin@example.com") or create_admin(
        store, "bench-admin", PASSWORD, datetime.now(UTC), display_name="Bench Admin", email="bench-admin@example.com")
    token = start_session(store, admin.id, datetime.now(UTC))
    manager_id = store.read(lambda conn: conn.scalar(select(UserRow.id).where(UserRow.username == "demo-manager-0001")))
    manager_token = start_session(store, manager_id, datetime.now(UTC))
    sizes = store.read(lambda conn: {
        "learners": conn.scalar(
            select(func.count()).select_from(UserRow).where(UserRow.username.like("demo-learner%"))),
        "events": conn.scalar(select(func.count()).select_from(ChoiceEventRow)),
    })
    store.dispose()
    return token, manager_token, {**sizes, "built": built, "standings backfilled": backfilled,
                                  "standings backfill seconds": backfill}


def raw_sql(url: str | None, data_dir: Path, reads: Callable[[Any], object], runs: int) -> float:
    """Median seconds to re-run, on a plain connection, every statement ``reads(store)`` sends."""
    from sqlalchemy import event

    from elearn.store import open_store

    store = open_store(url, data_dir)
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if not statement.strip().upper().startswith(("BEGIN", "PRAGMA", "SELECT PG_", "COMMIT")):
            captured.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", capture)
    reads(store)
    event.remove(store.engine, "before_cursor_execute", capture)
    samples = []
    for _ in range(runs):
        with store.engine.connect() as conn:
            started = time.perf_counter()
            for statement, parameters in captured:
                conn.exec_driver_sql(statement, parameters).fetchall()
            samples.append(time.perf_counter() - started)
    store.dispose()
    return statistics.median(samples)


def dashboard_reads(on: Any, course: Any, token: str, viewer: Any) -> None:
    """Every read of the dashboard's first render (``ui.manage.dashboard_data`` and ``table_view``)."""
    from elearn.course.passing import PassRule
    from elearn.manage.completion_table import counts, page_rows
    from elearn.manage.dashboard import Filters
    from elearn.store import session_user, visible_teams
    from elearn.store.analytics import scope_fingerprint
    from elearn.store.standings import stored_outline
    from ui.manage import PAGE_ROWS

    moment = datetime.now(UTC)
    session_user(on, token, moment)
    scope_fingerprint(on, viewer)
    on.read(stored_outline)  # the outline's sync, when it is stored already
    counts(on, viewer, Filters(), moment, PassRule())
    visible_teams(on, viewer)
    page_rows(on, viewer, course, Filters(), moment, PassRule(), offset=0, limit=PAGE_ROWS)


def _launch(app_path: str) -> None:
    import runpy

    runpy.run_path(app_path, run_name="__main__")


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def first_renders(token: str, runs: int) -> float:
    """Median seconds of the dashboard's first render (cache emptied) for the user of ``token``."""
    from streamlit.testing.v1 import AppTest

    from ui import manage

    at = AppTest.from_function(_launch, args=(str(REPO / "app.py"),), default_timeout=900)
    at.session_state["session_token"] = token
    at.run()  # the course and the store opened once per process, as in a server
    at.switch_page(str(REPO / "pages" / "dashboard.py"))
    samples = []
    for _ in range(runs):
        manage.forget_cached()
        samples.append(timed(at.run))
        assert not at.exception, at.exception
    return statistics.median(samples)


def measure_manager(url: str | None, data_dir: Path, token: str, runs: int) -> dict[str, float]:
    """A manager of one demo team: the same first render, and its raw SQL."""
    from elearn.course.catalogue import load_course
    from elearn.store import open_store, session_user

    course = load_course(REPO)
    store = open_store(url, data_dir)
    manager = session_user(store, token, datetime.now(UTC))
    assert manager is not None

    def reads(on: Any) -> None:
        dashboard_reads(on, course, token, manager)

    figures = {"raw manager": raw_sql(url, data_dir, reads, runs), "manager first render": first_renders(token, runs)}
    store.dispose()
    return figures


def measure(url: str | None, data_dir: Path, token: str, runs: int) -> dict[str, float]:
    """Time the page through AppTest and the raw SQL behind each figure."""
    from streamlit.testing.v1 import AppTest

    from elearn.course.catalogue import load_course
    from elearn.course.passing import PassRule
    from elearn.manage.completion_table import every_row
    from elearn.manage.dashboard import Filters
    from elearn.store import open_store, session_user, visible_teams

    course = load_course(REPO)
    store = open_store(url, data_dir)
    admin = session_user(store, token, datetime.now(UTC))
    assert admin is not None
    teams = visible_teams(store, admin)

    figures: dict[str, float] = {
        "raw dashboard": raw_sql(url, data_dir, lambda on: dashboard_reads(on, course, token, admin), runs),
        # What the CSV and XLSX hold: every row, built batch by batch from the same SQL as the table.
        "raw table": raw_sql(url, data_dir, lambda on: list(every_row(on, admin, course, Filters(),
                                                                      datetime.now(UTC), PassRule())), runs),
    }

    figures["first render"] = first_renders(token, runs)
    at = AppTest.from_function(_launch, args=(str(REPO / "app.py"),), default_timeout=900)
    at.session_state["session_token"] = token
    at.run()
    at.switch_page(str(REPO / "pages" / "dashboard.py"))
    at.run()  # warm: what a filter change starts from

    team_ids = [team.id for team in teams]
    changes = [
        lambda: at.multiselect(key="filter-teams").select(team_ids[0]).run(),
        lambda: at.multiselect(key="filter-status").select("overdue").run(),
        lambda: at.text_input(key="filter-search").input("an").run(),
        lambda: at.text_input(key="filter-search").input("").run(),
        lambda: at.multiselect(key="filter-status").unselect("overdue").run(),
        lambda: at.multiselect(key="filter-teams").unselect(team_ids[0]).run(),
    ]
    figures["filter change"] = statistics.median(timed(change) for change in changes)
    assert not at.exception, at.exception

    at.segmented_control(key="view").set_value("Exports").run()
    for kind in ("csv", "xlsx"):
        figures[f"export {kind}"] = timed(at.button(key=f"prepare-{kind}").click().run)
        assert not at.exception, at.exception
        assert f"export-{kind}" in at.session_state, f"the {kind} export was not prepared"

    store.dispose()
    return figures


def xapi_export(url: str | None, data_dir: Path, token: str) -> dict[str, float]:
    """The xAPI export of everyone, streamed to a zip file, in a fresh process: its time, size,
    statements and peak memory (the process's maximum resident set)."""
    import json
    import subprocess

    script = f"""
import json, resource, sys, time
sys.path.insert(0, {str(REPO)!r})
from datetime import UTC, datetime
from pathlib import Path
from elearn.course.catalogue import load_course
from elearn.course.passing import PassRule
from elearn.manage.dashboard import completion_rows, masteries_from
from elearn.manage.exports import XapiSource, statements, write_xapi_zip
from elearn.store import open_store, session_user
from elearn.store.analytics import export_events, finished_attempt_batches, learner_facts, skill_evidence
from elearn.store.assignments import current_assignments, visible_assignments
course = load_course(Path({str(REPO)!r}))
store = open_store({url!r}, Path({str(data_dir)!r}))
admin = session_user(store, {token!r}, datetime.now(UTC))
started = time.perf_counter()
facts = learner_facts(store, admin, [l.id for l in course.lessons], [s.id for s in course.scenarios])
assigned = current_assignments(visible_assignments(store, admin), [(f.user_id, f.team_id) for f in facts])
rows = completion_rows(course, facts, assigned, {{}}, datetime.now(UTC), pass_rule=PassRule())
ids = [row.user_id for row in rows]
attempts = (a for batch in finished_attempt_batches(store, admin, ids) for a in batch)
with open({str(data_dir / "statements.zip")!r}, "wb") as out:
    count = write_xapi_zip(out, statements(XapiSource(course, "https://bench.example.com", PassRule()), rows,
                                           attempts, export_events(store, admin, ids)))
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
size = Path({str(data_dir / "statements.zip")!r}).stat().st_size
print(json.dumps({{"xapi seconds": seconds, "xapi statements": count, "xapi peak MB": peak, "xapi zip MB": size / 1e6,
                  "xapi learners": len(ids)}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def postgres_url(base: str, reuse: bool, name: str = BENCH_DB) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = create_engine(base, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
        if exists and not reuse:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        if not exists or not reuse:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def report(results: dict[str, dict[str, float]], sizes: dict[str, dict[str, Any]]) -> None:
    def ms(seconds: float) -> str:
        return f"{seconds * 1000:,.0f} ms"

    names = list(results)
    print("\n| | " + " | ".join(names) + " |")
    print("| --- |" + " ---: |" * len(names))
    print("| learners / choice events | " + " | ".join(
        f"{sizes[n]['learners']:,} / {sizes[n]['events']:,}" for n in names) + " |")
    print("| demo generation | " + " | ".join(
        f"{sizes[n]['built']:.0f} s" if sizes[n]["built"] else "reused" for n in names) + " |")
    print("| standings computed by the outline's first sync (learners, time) | " + " | ".join(
        f"{sizes[n]['standings backfilled']:,}, {sizes[n]['standings backfill seconds']:.1f} s" for n in names) + " |")
    rows = [("first render (raw SQL)", "first render", "raw dashboard"),
            ("first render, a manager of one team (raw SQL)", "manager first render", "raw manager"),
            ("CSV export, every row (raw SQL of every row)", "export csv", "raw table"),
            ("XLSX export, every row (raw SQL of every row)", "export xlsx", "raw table")]
    for label, page, raw in rows:
        print(f"| {label} | " + " | ".join(
            f"{ms(results[n][page])} ({ms(results[n][raw])}, {results[n][page] / results[n][raw]:.2f}x)"
            for n in names) + " |")
    print("| filter change (x first render) | " + " | ".join(
        f"{ms(results[n]['filter change'])} ({results[n]['filter change'] / results[n]['first render']:.3f}x)"
        for n in names) + " |")
    print("| admin first render / a manager's (goal <= 3x) | " + " | ".join(
        f"{results[n]['first render'] / results[n]['manager first render']:.1f}x" for n in names) + " |")
    if all("xapi seconds" in results[n] for n in names):
        print("| xAPI export of everyone: statements, zip, time, peak memory | " + " | ".join(
            f"{results[n]['xapi statements']:,.0f}, {results[n]['xapi zip MB']:.0f} MB, "
            f"{results[n]['xapi seconds']:.0f} s, {results[n]['xapi peak MB']:.0f} MB" for n in names) + " |")
    for name in names:
        first, change = results[name]["first render"], results[name]["filter change"]
        print(f"{name}: first render {first * 1000:,.0f} ms (goal <= 1,000 ms at 10,000 learners); "
              f"{first / results[name]['manager first render']:.1f}x a manager's (goal <= 3x); "
              f"filter change {change / first:.3f}x first render (goal <= 0.1)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", ""))
    parser.add_argument("--pg-database", default=BENCH_DB,
                        help="the PostgreSQL database to build in (one per engineer on a shared server)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None, help="measure one database only")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="keep the databases and reuse them if they exist")
    parser.add_argument("--xapi", action="store_true", help="also export everyone's xAPI statements (peak memory)")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    os.environ["ELEARN_DATA_DIR"] = str(data_dir)
    os.environ["ELEARN_HOME_PAGE"] = "https://bench.example.com"
    targets: list[tuple[str, str | None]] = []
    if args.only != "postgresql":
        targets.append(("SQLite", None))
    if args.only != "sqlite":
        if not args.pg:
            parser.error("PostgreSQL needs --pg URL (or $TEST_DATABASE_URL); or pass --only sqlite")
        targets.append(("PostgreSQL", postgres_url(args.pg, args.reuse, args.pg_database)))
    results: dict[str, dict[str, float]] = {}
    sizes: dict[str, dict[str, Any]] = {}
    began = time.perf_counter()
    for name, url in targets:
        if url is None:
            os.environ.pop("ELEARN_DATABASE_URL", None)
        else:
            os.environ["ELEARN_DATABASE_URL"] = url
        print(f"{name}: building {args.learners:,} learners…", file=sys.stderr)
        token, manager_token, sizes[name] = build(url, data_dir, args.learners, args.seed, args.reuse)
        print(f"{name}: measuring…", file=sys.stderr)
        results[name] = measure(url, data_dir, token, args.runs)
        results[name] |= measure_manager(url, data_dir, manager_token, args.runs)
        if args.xapi:
            results[name] |= xapi_export(url, data_dir, token)
        print(f"{name}: {results[name]}", file=sys.stderr)
    report(results, sizes)
    print(f"\nTotal {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
