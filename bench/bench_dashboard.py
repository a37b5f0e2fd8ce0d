"""The manager dashboard at scale: first render, a filter change and each export, beside the raw SQL.

    python bench/bench_dashboard.py [--learners 10000] [--seed 1] [--runs 3] [--pg URL] [--only sqlite] [--reuse]

For SQLite (a file in a temporary folder, or ``--data-dir``) and PostgreSQL (a database
``bench_dashboard`` created on the server of ``--pg``, default ``$TEST_DATABASE_URL``), the demo
generator builds ``--learners`` learners (10,000 make about a million choice events). Then, signed
in as an administrator (who sees everyone), through Streamlit's AppTest runner as
``bench/bench_pages.py`` does:

- **first render**: ``pages/dashboard.py`` with its cache emptied (median of ``--runs``), beside
  the raw SQL it shows: every statement the dashboard's reads send, re-run on a plain connection
  with its rows fetched, no Python objects built;
- **filter change**: a rerun after changing a filter (team, status, search; the median of several),
  beside the first render;
- **exports**: preparing the CSV and the XLSX of the whole table, and the xAPI statements of the
  learners of enough teams to stay under the export cap, each beside the raw SQL of what it holds.

Goals: a first render within 2x its raw SQL, a filter change within half the first render.
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
    from elearn.manage.demo import generate, progress_line
    from elearn.store import create_admin, open_store, start_session, upgrade, user_by_email
    from elearn.store.tables import ChoiceEventRow, UserRow

    store = open_store(url, data_dir)
    upgrade(store)
    has_demo = store.read(lambda conn: conn.scalar(select(func.count()).select_from(UserRow)))
    built = 0.0
    if not (reuse and has_demo):
        started = time.perf_counter()
        generate(store, load_course(REPO), learners, seed, datetime.now(UTC), progress=progress_line(sys.stderr))
        built = time.perf_counter() - started
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
    return token, manager_token, {**sizes, "built": built}


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
    from elearn.store import open_store, session_user, visible_teams
    from elearn.store.analytics import learner_facts, scope_fingerprint, skill_evidence
    from elearn.store.assignments import visible_assignments

    course = load_course(REPO)
    store = open_store(url, data_dir)
    manager = session_user(store, token, datetime.now(UTC))
    assert manager is not None

    def reads(on: Any) -> None:
        session_user(on, token, datetime.now(UTC))
        scope_fingerprint(on, manager)
        learner_facts(on, manager, [lesson.id for lesson in course.lessons], [s.id for s in course.scenarios])
        skill_evidence(on, manager)
        visible_assignments(on, manager)
        visible_teams(on, manager)

    figures = {"raw manager": raw_sql(url, data_dir, reads, runs), "manager first render": first_renders(token, runs)}
    store.dispose()
    return figures


def measure(url: str | None, data_dir: Path, token: str, runs: int) -> dict[str, float]:
    """Time the page through AppTest and the raw SQL behind each figure."""
    from streamlit.testing.v1 import AppTest

    from elearn.course.catalogue import load_course
    from elearn.store import open_store, session_user, visible_teams
    from elearn.store.analytics import (
        export_events,
        finished_attempts,
        learner_facts,
        scope_fingerprint,
        skill_evidence,
    )
    from elearn.store.assignments import current_assignments, visible_assignments
    from ui import manage

    course = load_course(REPO)
    lessons, scenarios = [lesson.id for lesson in course.lessons], [s.id for s in course.scenarios]
    store = open_store(url, data_dir)
    admin = session_user(store, token, datetime.now(UTC))
    assert admin is not None
    teams = visible_teams(store, admin)

    def dashboard_reads(on: Any) -> None:
        session_user(on, token, datetime.now(UTC))
        scope_fingerprint(on, admin)
        facts = learner_facts(on, admin, lessons, scenarios)
        skill_evidence(on, admin)
        current_assignments(visible_assignments(on, admin), [(f.user_id, f.team_id) for f in facts])
        visible_teams(on, admin)

    figures: dict[str, float] = {"raw dashboard": raw_sql(url, data_dir, dashboard_reads, runs)}

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
    figures["raw table"] = figures["raw dashboard"]  # the CSV and XLSX hold what the table shows

    # xAPI: as many whole teams as stay under the export cap.
    chosen: list[int] = []
    facts = learner_facts(store, admin, lessons, scenarios)
    per_team = {team_id: [f.user_id for f in facts if f.team_id == team_id] for team_id in team_ids}
    from elearn.store.analytics import count_events

    budget = manage.XAPI_MAX_EVENTS
    for team_id in team_ids:
        needed = count_events(store, admin, per_team[team_id])
        if needed > budget:
            break
        budget -= needed
        chosen.append(team_id)
    at.segmented_control(key="view").set_value("Completion").run()
    at.multiselect(key="filter-teams").set_value(chosen).run()
    at.segmented_control(key="view").set_value("Exports").run()
    figures["export xapi"] = timed(at.button(key="prepare-xapi").click().run)
    assert not at.exception, at.exception
    assert "export-xapi" in at.session_state, "the xAPI export was not prepared"
    figures["xapi bytes"] = len(at.session_state["export-xapi"].data)
    user_ids = [user_id for team_id in chosen for user_id in per_team[team_id]]
    figures["xapi learners"] = len(user_ids)
    figures["xapi events"] = manage.XAPI_MAX_EVENTS - budget

    def xapi_reads(on: Any) -> None:
        finished_attempts(on, admin, user_ids)
        for _ in export_events(on, admin, user_ids):
            pass

    figures["raw xapi"] = raw_sql(url, data_dir, xapi_reads, runs)
    store.dispose()
    return figures


def postgres_url(base: str, reuse: bool) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = create_engine(base, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": BENCH_DB})
        if exists and not reuse:
            conn.execute(text(f'DROP DATABASE "{BENCH_DB}" WITH (FORCE)'))
        if not exists or not reuse:
            conn.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
    server.dispose()
    return make_url(base).set(database=BENCH_DB).render_as_string(hide_password=False)


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
    rows = [("first render (raw SQL)", "first render", "raw dashboard"),
            ("first render, a manager of one team (raw SQL)", "manager first render", "raw manager"),
            ("CSV export (raw SQL)", "export csv", "raw table"),
            ("XLSX export (raw SQL)", "export xlsx", "raw table"),
            ("xAPI export (raw SQL)", "export xapi", "raw xapi")]
    for label, page, raw in rows:
        print(f"| {label} | " + " | ".join(
            f"{ms(results[n][page])} ({ms(results[n][raw])}, {results[n][page] / results[n][raw]:.2f}x)"
            for n in names) + " |")
    print("| filter change (x first render) | " + " | ".join(
        f"{ms(results[n]['filter change'])} ({results[n]['filter change'] / results[n]['first render']:.3f}x)"
        for n in names) + " |")
    print("| xAPI export size | " + " | ".join(
        f"{results[n]['xapi learners']:,.0f} learners, {results[n]['xapi events']:,.0f} events, "
        f"{results[n]['xapi bytes'] / 1e6:.0f} MB" for n in names) + " |")
    for name in names:
        mine, mine_raw = results[name]["manager first render"], results[name]["raw manager"]
        print(f"{name}: a manager's first render {mine / mine_raw:.2f}x raw SQL "
              f"(goal <= 2: {'met' if mine <= 2 * mine_raw else 'MISSED'})")
        first, raw = results[name]["first render"], results[name]["raw dashboard"]
        change = results[name]["filter change"]
        print(f"{name}: first render {first / raw:.2f}x raw SQL (goal <= 2: {'met' if first <= 2 * raw else 'MISSED'});"
              f" filter change {change / first:.3f}x first render (goal <= 0.5: "
              f"{'met' if change <= 0.5 * first else 'MISSED'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", ""))
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None, help="measure one database only")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="keep the databases and reuse them if they exist")
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
        targets.append(("PostgreSQL", postgres_url(args.pg, args.reuse)))
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
        print(f"{name}: {results[name]}", file=sys.stderr)
    report(results, sizes)
    print(f"\nTotal {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
