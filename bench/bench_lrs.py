"""Benchmark the xAPI outbox: what queueing costs an answer, and how fast a sender drains to Ralph.

    python bench/bench_lrs.py [--answers N] [--statements N] [--pg URL]

- answers recorded per second through ``record_answer`` with and without their statements (the
  "answered" statement of each, as the player queues them when an LRS is configured), on SQLite
  (a file in a temporary folder) and, with --pg, PostgreSQL (a schema of its own, dropped after);
- statements per second that one sender (``send_due``, batches of 50) delivers to a real Ralph
  started as the tests start it (``tests/lrs/conftest.py``: file-system backend, own venv).

It measures; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_store import postgresql_schema
from elearn.course.catalogue import load_course
from elearn.course.passing import PassRule
from elearn.lrs.client import post_statements
from elearn.lrs.sender import send_due
from elearn.lrs.statements import answer_statements
from elearn.manage.exports import XapiSource
from elearn.store import NewChoice, Store, create_user, open_store, record_answer, start_attempt, upgrade
from elearn.store.xapi_outbox import outbox_status, queue_statements
from tests.lrs.conftest import Ralph

REPO = Path(__file__).resolve().parents[1]
SOURCE = XapiSource(load_course(REPO), "https://training.example.org", PassRule())


def now() -> datetime:
    return datetime.now(UTC)


def answers_per_second(store: Store, count: int, with_statements: bool) -> float:
    user = create_user(store, username=f"bench-{uuid.uuid4().hex[:8]}", display_name="B", password="x" * 12,
                       now=now())
    attempt = start_attempt(store, user, "refund-call", 1, run_json="{}", now=now())
    started = time.perf_counter()
    for index in range(count):
        choice = NewChoice(event_key=f"attempt-{attempt.id}-answer-{index}", attempt_id=attempt.id, node_id="greet",
                           choice_id="acknowledge", evidence={"empathy": "good"}, anger_before=70, anger_after=55,
                           first_attempt=index == 0, occurred_at=now())
        statements = answer_statements(SOURCE, user.username, attempt, choice, None, now()) if with_statements else []
        record_answer(store, user, choice, "{}", now(), statements=statements)
    return count / (time.perf_counter() - started)


def report_answers(name: str, store: Store, count: int) -> None:
    upgrade(store)
    without = answers_per_second(store, count, False)
    with_them = answers_per_second(store, count, True)
    print(f"{name}: {without:,.0f} answers/s without statements, {with_them:,.0f} with "
          f"({100 * (without - with_them) / without:.0f}% slower), {count} answers each, 1 writer")


def report_drain(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(None, Path(folder) / "data")
        upgrade(store)
        statements = [{"id": str(uuid.uuid4()), "actor": {"objectType": "Agent", "account": {
            "homePage": "https://training.example.org", "name": f"learner-{n % 50}"}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
            "object": {"objectType": "Activity", "id": f"https://training.example.org/xapi/activities/d/{n % 30}"},
            "timestamp": now().isoformat()} for n in range(count)]
        queue_statements(store, statements, now())
        ralph = Ralph(Path(folder) / "ralph")
        ralph.start()
        try:
            started = time.perf_counter()
            report = send_due(store, lambda batch: post_statements(ralph.settings(), batch), now)
            took = time.perf_counter() - started
        finally:
            ralph.stop()
        assert outbox_status(store).pending == 0, report
        print(f"Ralph (file system): {count / took:,.0f} statements/s drained by one sender, "
              f"{report.posts} POSTs of up to 50, {took:.1f} s for {count}")
        store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=500)
    parser.add_argument("--statements", type=int, default=2000)
    parser.add_argument("--pg", default="", help="a PostgreSQL URL to measure too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(None, Path(folder) / "data")
        report_answers("SQLite", store, args.answers)
        store.dispose()
    if args.pg:
        with postgresql_schema(args.pg) as url:
            store = open_store(url, Path(tempfile.gettempdir()))
            report_answers("PostgreSQL", store, args.answers)
            store.dispose()
    report_drain(args.statements)


if __name__ == "__main__":
    main()
