"""Benchmark the progress store: event writes per second, and the learner page's queries.

    python bench/bench_store.py [--events N] [--pg URL] [--writes N]

For SQLite (a file in a temporary directory) and, with --pg, PostgreSQL (in a schema of its own,
dropped afterwards) it prints:

- choice events recorded per second through ``record_choice`` by 1 process and by 20 processes
  writing at once (each write is its own committed transaction, as in the app);
- answers recorded per second as the scenario player records them (``record_answer``: the event,
  its skill ratings and tallies, the run and the learner's progress row, in one transaction),
  beside the write path before the running aggregates (the event and the run only, the same
  statements as before revision 0010), measured in the same run, 1 and 20 writers;
- attempts started per second (a write that recomputes the learner's progress row and, since
  revision 0014, their standing), beside the same write without the standing (the write path of
  revision 0013), alternating in the same run, 1 and 20 writers;
- after bulk-loading N choice events (default 1,000,000), the latency (median, p95) of what a
  learner page asks for, ``progress_for`` and ``first_attempt_evidence``, each also as a ratio
  to a trivial ``SELECT 1`` run through the same transaction path in the same run.

It measures; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import create_engine, insert, select, text, update
from sqlalchemy.engine import Connection, make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from elearn.store import (
    NewChoice,
    Role,
    Store,
    User,
    create_user,
    first_attempt_evidence,
    open_store,
    progress_for,
    record_answer,
    record_choice,
    session_user,
    start_attempt,
    start_session,
    upgrade,
)
from elearn.store.db import insert_ignoring_duplicates
from elearn.store.standing_rules import Outline
from elearn.store.standings import sync_outline
from elearn.store.tables import AttemptRow, ChoiceEventRow, UserRoleRow, UserRow
from elearn.store.users import fetch_user

EPOCH = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
RATINGS = ("good", "partial", "poor")
SKILLS = ("empathy", "boundaries", "de-escalation", "ownership", "clarity")
SCENARIOS = tuple(f"scenario-{n}" for n in range(8))
EVENTS_PER_LEARNER = 500
EVENTS_PER_ATTEMPT = 10
QUERY_RUNS = 200
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
EVENT_COLUMNS = (
    "event_key", "user_id", "attempt_id", "scenario_id", "scenario_version", "node_id", "choice_id", "evidence",
    "anger_before", "anger_after", "attempt_number", "first_attempt", "occurred_at",
)


@dataclass(frozen=True)
class Latency:
    median_ms: float
    p95_ms: float


# --- write throughput ----------------------------------------------------------------------


def old_answer(store: Store, user: User, choice: NewChoice, now: datetime) -> bool:
    """The player's write before the running aggregates (revision 0006): the event and the run."""

    def work(conn: Connection) -> bool:
        attempt = conn.execute(select(AttemptRow.user_id, AttemptRow.scenario_id, AttemptRow.scenario_version,
                                      AttemptRow.attempt_number).where(AttemptRow.id == choice.attempt_id)).one()
        values = {"event_key": choice.event_key, "user_id": user.id, "attempt_id": choice.attempt_id,
                  "scenario_id": attempt[1], "scenario_version": attempt[2], "node_id": choice.node_id,
                  "choice_id": choice.choice_id, "evidence": dict(choice.evidence),
                  "anger_before": choice.anger_before, "anger_after": choice.anger_after,
                  "attempt_number": attempt[3], "first_attempt": choice.first_attempt,
                  "occurred_at": choice.occurred_at}
        if not insert_ignoring_duplicates(conn, ChoiceEventRow, values, ("event_key",)):
            return False
        conn.execute(update(AttemptRow).where(AttemptRow.id == choice.attempt_id, AttemptRow.user_id == user.id,
                                              AttemptRow.finished_at.is_(None)).values(run_json="{}", updated_at=now))
        return True

    return store.write(work)


def start(store: Store, user: User, choice: NewChoice) -> object:
    """A learner starts an attempt: the write that refreshes their progress row and standing."""
    return start_attempt(store, user, SCENARIOS[choice.anger_before % len(SCENARIOS)], 1, run_json="{}",
                         now=choice.occurred_at)


WRITES = {
    "choice": lambda store, user, choice: record_choice(store, user, choice),
    "start": start,
    "start-before-standings": start,
    "answer": lambda store, user, choice: record_answer(store, user, choice, "{}", choice.occurred_at),
    "old-answer": lambda store, user, choice: old_answer(store, user, choice, choice.occurred_at),
}


def worker(arguments: list[str]) -> None:
    """A writer process: warm up, wait for "go" on stdin, record ``count`` events, print "done"."""
    url, data_dir, token, attempt_arg, prefix, count_arg, mode = arguments
    attempt_id, count = int(attempt_arg), int(count_arg)
    write = WRITES[mode]
    if mode.endswith("-before-standings"):  # the write path of revision 0013: no standing kept
        import elearn.store.aggregates

        elearn.store.aggregates.refresh_standing_of = lambda *_, **__: None  # type: ignore[assignment]
    store = open_store(url, Path(data_dir))
    user = session_user(store, token, EPOCH)
    assert user is not None
    write(store, user, _choice(f"{prefix}-warm-up", attempt_id, 0))  # connect, compile statements
    print("ready", flush=True)
    sys.stdin.readline()
    for n in range(count):
        write(store, user, _choice(f"{prefix}-{n}", attempt_id, n))
    print("done", flush=True)


def write_rate(store: Store, url: str, data_dir: Path, writers: int, each: int, mode: str = "choice") -> float:
    """Events per second recorded by ``writers`` processes writing ``each`` events at once."""
    run = uuid.uuid4().hex[:8]
    processes = []
    for i in range(writers):
        user = create_user(store, username=f"w{run}{i}", display_name="writer", password=None, now=EPOCH)
        attempt = start_attempt(store, user, SCENARIOS[0], 1, run_json="{}", now=EPOCH)
        token = start_session(store, user.id, EPOCH)
        processes.append(subprocess.Popen(
            [sys.executable, __file__, "--worker", url, str(data_dir), token, str(attempt.id), f"{run}-{i}", str(each),
             mode],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        ))
    for process in processes:
        assert process.stdout is not None
        if process.stdout.readline() != "ready\n":
            raise SystemExit("a writer failed to start")
    started = time.perf_counter()
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    for process in processes:
        process.communicate()
        if process.returncode != 0:
            raise SystemExit("a writer failed")
    return writers * each / (time.perf_counter() - started)


# --- bulk load and query latency -----------------------------------------------------------


def _choice(key: str, attempt_id: int, n: int) -> NewChoice:
    return NewChoice(
        event_key=key, attempt_id=attempt_id, node_id=f"node-{n % 9}", choice_id=f"choice-{n % 3}",
        evidence={SKILLS[n % 5]: RATINGS[n % 3], SKILLS[(n + 2) % 5]: RATINGS[(n + 1) % 3]},
        anger_before=n % 101, anger_after=(n * 7) % 101, first_attempt=n % 2 == 0,
        occurred_at=EPOCH + timedelta(seconds=n),
    )


def bulk_load(store: Store, events: int) -> list[int]:
    """Fill the store with ``events`` choice events from learners of EVENTS_PER_LEARNER each.

    Rows go in through the driver (executemany on SQLite, COPY on PostgreSQL), bypassing the
    per-event transaction: this is set-up, not what is being measured. Returns the learner ids.
    """
    learners = max(1, events // EVENTS_PER_LEARNER)
    with store.engine.begin() as conn:
        user_ids = [
            conn.execute(
                insert(UserRow).values(username=f"learner{i:07d}", display_name=f"Learner {i}", created_at=EPOCH)
                .returning(UserRow.id)
            ).scalar_one()
            for i in range(learners)
        ]
        conn.execute(insert(UserRoleRow), [{"user_id": uid, "role": Role.LEARNER.value} for uid in user_ids])
        attempts: list[dict[str, Any]] = []
        per_learner = -(-EVENTS_PER_LEARNER // EVENTS_PER_ATTEMPT)
        for uid in user_ids:
            for a in range(per_learner):
                attempts.append({
                    "user_id": uid, "scenario_id": SCENARIOS[a % len(SCENARIOS)], "scenario_version": 1,
                    "attempt_number": a // len(SCENARIOS) + 1, "started_at": EPOCH, "updated_at": EPOCH,
                    "finished_at": None if a == per_learner - 1 else EPOCH, "run_json": json.dumps({"node": "x" * 200}),
                })
        conn.execute(insert(AttemptRow), attempts)
        attempt_ids = [row[0] for row in conn.execute(text("SELECT id FROM scenario_attempts ORDER BY user_id, id"))]
    rows = _event_rows(user_ids, attempt_ids, events, per_learner)
    if store.dialect == "postgresql":
        _copy_postgresql(store, rows)
    else:
        _executemany_sqlite(store, rows)
    with store.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return user_ids


def _event_rows(
    user_ids: list[int], attempt_ids: list[int], events: int, per_learner: int
) -> Iterator[tuple[Any, ...]]:
    for n in range(events):
        learner = n // EVENTS_PER_LEARNER % len(user_ids)
        within = n % EVENTS_PER_LEARNER
        slot = within // EVENTS_PER_ATTEMPT
        choice = _choice(f"bulk-{n}", attempt_ids[learner * per_learner + slot], within)
        yield (
            choice.event_key, user_ids[learner], choice.attempt_id, SCENARIOS[slot % len(SCENARIOS)], 1,
            choice.node_id, choice.choice_id, json.dumps(dict(choice.evidence)), choice.anger_before,
            choice.anger_after, slot // len(SCENARIOS) + 1, slot < len(SCENARIOS), choice.occurred_at,
        )


def _executemany_sqlite(store: Store, rows: Iterator[tuple[Any, ...]]) -> None:
    sql = f"INSERT INTO choice_events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"
    # SQLAlchemy's SQLite storage format for UtcDateTime: naive UTC with microseconds.
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    with store.engine.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append((*row[:-1], row[-1].astimezone(UTC).strftime(stamp)))
            if len(batch) == 50_000:
                cursor.executemany(sql, batch)
                batch.clear()
        cursor.executemany(sql, batch)


def _copy_postgresql(store: Store, rows: Iterator[tuple[Any, ...]]) -> None:
    with store.engine.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY choice_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def latency(run: Callable[[], object], runs: int = QUERY_RUNS) -> Latency:
    for _ in range(5):  # warm the pool and the statement caches
        run()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return Latency(statistics.median(times), times[int(len(times) * 0.95) - 1])


# --- the report ----------------------------------------------------------------------------


def old_and_new(store: Store, url: str, data_dir: Path, writers: int, each: int, old: str, new: str
                ) -> tuple[float, float]:
    """The mean write rates of modes ``old`` and ``new``, run alternately, twice, so that a burst
    of load on the shared machine hits both alike."""
    rates: dict[str, list[float]] = {old: [], new: []}
    for _ in range(2):
        for mode in rates:
            rates[mode].append(write_rate(store, url, data_dir, writers, each // 2, mode))
    return statistics.mean(rates[old]), statistics.mean(rates[new])


def bench(name: str, url: str, data_dir: Path, events: int, writes: int, writes_only: bool = False) -> None:
    store = open_store(url, data_dir, hasher=FAST_HASHER)
    upgrade(store)
    print(f"\n== {name} ==")
    one = write_rate(store, url, data_dir, 1, writes * 10)
    many = write_rate(store, url, data_dir, 20, writes)
    print(f"event writes/s, 1 writer:   {one:9.0f}")
    print(f"event writes/s, 20 writers: {many:9.0f}")
    for writers, each in ((1, writes * 10), (20, writes)):
        old, new = old_and_new(store, url, data_dir, writers, each, "old-answer", "answer")
        print(f"answers/s, {writers:2d} writer(s): before aggregates {old:7.0f}, with aggregates {new:7.0f} "
              f"(old/new {old / new:.2f}x; goal <= 1.5x)")
    # Starting an attempt (like finishing one or reading a lesson) recomputes the learner's
    # progress row and, since revision 0014, their standing; fewer writes each, so a learner's
    # attempts stay near a real one's (at most 100).
    sync_outline(store, Outline(lessons=("one", "two"), scenarios=SCENARIOS, practice={"one": SCENARIOS}), EPOCH)
    for writers, each in ((1, 100), (20, 20)):
        old, new = old_and_new(store, url, data_dir, writers, each, "start-before-standings", "start")
        print(f"attempt starts/s, {writers:2d} writer(s): before standings {old:7.0f}, with standings {new:7.0f} "
              f"(old/new {old / new:.2f}x; goal <= 1.5x)")
    if writes_only:
        store.dispose()
        return
    started = time.perf_counter()
    learners = bulk_load(store, events)
    print(f"bulk-loaded {events:,} events for {len(learners):,} learners in {time.perf_counter() - started:.1f} s")
    viewers = [_learner(store, uid) for uid in learners[:: max(1, len(learners) // 50)]]
    cycle = iterator_of(viewers)

    def select_one() -> object:
        return store.read(lambda conn: conn.execute(text("SELECT 1")).scalar())

    def progress() -> object:
        viewer = next(cycle)
        return progress_for(store, viewer, viewer.id)

    def evidence() -> object:
        viewer = next(cycle)
        return first_attempt_evidence(store, viewer, viewer.id)

    sample = progress_for(store, viewers[0], viewers[0].id)
    print(f"a learner: {len(sample.attempts)} attempts, {len(sample.evidence)} first-attempt ratings")
    baseline = latency(select_one)
    print(f"{'query':24} {'median ms':>10} {'p95 ms':>8} {'x SELECT 1':>11}")
    for label, result in (("SELECT 1", baseline), ("progress_for", latency(progress)),
                          ("first_attempt_evidence", latency(evidence))):
        print(f"{label:24} {result.median_ms:10.2f} {result.p95_ms:8.2f} {result.median_ms / baseline.median_ms:11.1f}")
    store.dispose()


def iterator_of(viewers: list[User]) -> Iterator[User]:
    while True:
        yield from viewers


def _learner(store: Store, user_id: int) -> User:
    found = store.read(lambda conn: fetch_user(conn, user_id))
    assert found is not None
    return found


@contextmanager
def postgresql_schema(base_url: str) -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def machine() -> str:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        "unknown CPU",
    ) if Path("/proc/cpuinfo").exists() else "unknown CPU"
    return f"{os.cpu_count()} cores, {model}, Python {sys.version.split()[0]}"


def main(argv: list[str]) -> None:
    if argv[:1] == ["--worker"]:
        worker(argv[1:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the database for the queries")
    parser.add_argument("--pg", help="a PostgreSQL URL (postgresql+psycopg://...) to bench as well")
    parser.add_argument("--writes", type=int, default=200, help="events per writer with 20 writers (x10 for 1)")
    parser.add_argument("--writes-only", action="store_true", help="measure the writes only (no bulk load)")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as directory:
        data_dir = Path(directory)
        sqlite_url = f"sqlite:///{data_dir / 'elearn.db'}"
        bench("SQLite (WAL, synchronous=NORMAL)", sqlite_url, data_dir, args.events, args.writes, args.writes_only)
        if args.pg:
            with postgresql_schema(args.pg) as url:
                bench("PostgreSQL", url, data_dir, args.events, args.writes, args.writes_only)


if __name__ == "__main__":
    main(sys.argv[1:])
