"""The sender against an LRS stand-in that answers as told: a refused statement found in its batch
and kept as a dead letter, a conflict counted as sent, backoff with jitter while the LRS is down,
and two senders racing that never POST a statement twice. (tests/lrs/test_ralph.py: a real LRS.)"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from elearn.lrs.client import Answer, Verdict, sort_refusal
from elearn.lrs.sender import Timing, backoff, send_due
from elearn.store import Store
from elearn.store.tables import XapiOutboxRow
from elearn.store.xapi_outbox import outbox_status, queue_statements, queued_statements
from tests.databases import Target
from tests.store.helpers import NOW

TIMING = Timing(first_retry=timedelta(seconds=2), last_retry=timedelta(seconds=60), lease=timedelta(minutes=5),
                batch=8)


def _statement(number: int, verb: str = "http://adlnet.gov/expapi/verbs/answered") -> dict[str, Any]:
    return {"id": f"00000000-0000-5000-8000-{number:012d}", "verb": {"id": verb}}


class StandIn:
    """An LRS that stores batches whole, refuses any holding a bad verb, and can be down."""

    def __init__(self, *, down: bool = False, known: Sequence[str] = (), delay: float = 0.0) -> None:
        self.down, self.delay = down, delay
        self.known = set(known)
        """Ids it holds under another wording: a batch with one of them gets 409."""
        self.stored: list[str] = []
        self.posts: list[list[str]] = []
        self._lock = threading.Lock()

    def __call__(self, batch: Sequence[Mapping[str, Any]]) -> Answer:
        ids = [str(s["id"]) for s in batch]
        time.sleep(self.delay)
        with self._lock:
            self.posts.append(ids)
            if self.down:
                return Answer(Verdict.DOWN, "cannot reach the LRS at http://127.0.0.1:9/statements (refused)")
            if any(s["verb"]["id"] == "bad" for s in batch):
                return sort_refusal(400, "verb.id: Input should be a valid IRI")
            if self.known & set(ids):
                return sort_refusal(409, "Differing statements already exist with the same ID")
            self.stored.extend(ids)
            return Answer(Verdict.STORED)


def test_a_refused_statement_is_found_in_its_batch_and_the_others_are_sent(store: Store) -> None:
    statements = [_statement(n, "bad" if n == 5 else "http://adlnet.gov/expapi/verbs/answered") for n in range(8)]
    queue_statements(store, statements, NOW)
    lrs = StandIn()
    report = send_due(store, lrs, lambda: NOW, owner="one", timing=TIMING)
    assert sorted(lrs.stored) == sorted(s["id"] for s in statements if s["verb"]["id"] != "bad")
    assert report.dead == [f"{statements[5]['id']}: 400 the LRS refused the statement: verb.id: Input should be a "
                           "valid IRI"]
    assert (report.sent, report.posts) == (7, 7)  # 8 -> 4+4 -> 2+2 -> 1+1: seven POSTs, not eight singles and more
    status = outbox_status(store)
    assert (status.pending, status.sent, status.dead_count) == (0, 7, 1)


def test_a_statement_the_lrs_holds_already_counts_as_sent_and_is_not_stored_again(store: Store) -> None:
    queue_statements(store, [_statement(n) for n in range(3)], NOW)
    lrs = StandIn(known=[_statement(1)["id"]])
    report = send_due(store, lrs, lambda: NOW, owner="one", timing=TIMING)
    assert (report.sent, report.already_there, report.dead) == (2, 1, [])
    assert _statement(1)["id"] not in lrs.stored
    assert "409 the LRS already holds a statement with this id" in (outbox_status(store).last_error or "")


def test_while_the_lrs_is_down_nothing_is_lost_and_each_try_waits_longer(store: Store) -> None:
    queue_statements(store, [_statement(n) for n in range(3)], NOW)
    lrs = StandIn(down=True)
    now = NOW
    for tries in range(1, 5):
        report = send_due(store, lrs, lambda at=now: at, owner="one", timing=TIMING, rng=random.Random(tries))
        assert report.down.startswith("cannot reach the LRS")
        assert (report.sent, report.waiting) == (0, 3)
        assert send_due(store, lrs, lambda at=now: at, owner="one", timing=TIMING).posts == 0  # nothing due yet
        assert [q.attempts for q in queued_statements(store)] == [tries] * 3
        # 2, 4, 8, 16 seconds, each statement's wait a random 50-100% of it.
        ceiling = TIMING.first_retry * 2 ** (tries - 1)
        nearest, latest = _next_tries(store)
        assert now + ceiling / 2 <= nearest <= latest <= now + ceiling
        now = latest
    assert len(lrs.posts) == 4  # one POST per run: the rest of the queue waits with the batch
    lrs.down = False
    assert send_due(store, lrs, lambda at=now: at, owner="one", timing=TIMING).sent == 3
    assert sorted(lrs.stored) == sorted(_statement(n)["id"] for n in range(3))


def _next_tries(store: Store) -> tuple[datetime, datetime]:
    """The earliest and the latest next try of the statements not sent."""
    row = XapiOutboxRow
    nearest, latest = store.read(lambda conn: conn.execute(
        select(func.min(row.next_try_at), func.max(row.next_try_at)).where(row.sent_at.is_(None))).one())
    return nearest, latest


@pytest.mark.parametrize("attempts", [0, 1, 3, 10, 40])
def test_backoff_doubles_with_jitter_up_to_its_ceiling(attempts: int) -> None:
    ceiling = min(TIMING.first_retry * 2 ** attempts, TIMING.last_retry)
    waits = {backoff(attempts, TIMING, random.Random(seed)) for seed in range(50)}
    assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
    assert len(waits) > 40  # spread out: processes coming back do not all knock at once


def test_two_senders_racing_never_post_a_statement_twice(target: Target, store: Store) -> None:
    queue_statements(store, [_statement(n) for n in range(60)], NOW)
    lrs = StandIn(delay=0.01)  # slow enough that both senders are sending at once
    start = threading.Barrier(2)

    def sender(name: str) -> None:
        own = target.open()
        start.wait()
        send_due(own, lrs, lambda: NOW, owner=name, timing=TIMING)

    threads = [threading.Thread(target=sender, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    posted = [statement_id for batch in lrs.posts for statement_id in batch]
    assert len(posted) == len(set(posted)) == 60
    assert outbox_status(store).sent == 60


def test_the_background_sender_outlives_a_failing_run_and_backs_off(store: Store) -> None:
    from elearn.lrs.background import BackgroundSender
    from elearn.lrs.config import LrsSettings

    def broken_settings() -> LrsSettings:
        raise ValueError("ELEARN_LRS_TIMEOUT_SECONDS is 'ten': expected a number of seconds")

    sender = BackgroundSender(lambda: store, broken_settings, lambda: NOW, poll=0.5, timing=TIMING)
    waits = [sender.turn() for _ in range(3)]
    assert sender.failed_runs == 3
    assert timedelta(seconds=1) <= waits[0] <= timedelta(seconds=2) < waits[2] <= timedelta(seconds=8)
    # No LRS configured: the thread idles at its poll, the queue untouched.
    idle = BackgroundSender(lambda: store, lambda: None, lambda: NOW, poll=0.5, timing=TIMING)
    queue_statements(store, [_statement(1)], NOW)
    assert idle.turn() == timedelta(seconds=0.5)
    assert outbox_status(store).pending == 1
