"""The xAPI outbox: statements queued in their answer's transaction, once; claimed by one sender
each, on SQLite and on PostgreSQL; leases that run out; dead letters kept and sent again."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from elearn.store import Finish, NewChoice, Store, complete_lesson, record_answer, start_attempt
from elearn.store.xapi_outbox import (
    claim_statements,
    mark_dead,
    mark_retry,
    mark_sent,
    outbox_status,
    queue_statements,
    queued_statements,
    retry_dead,
)
from tests.databases import Target

from .helpers import NOW, World

LEASE = timedelta(minutes=5)
LATER = NOW + timedelta(minutes=1)


def _statement(number: int) -> dict[str, Any]:
    return {"id": f"00000000-0000-5000-8000-{number:012d}", "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"}}


def _choice(attempt_id: int) -> NewChoice:
    return NewChoice(event_key=f"attempt-{attempt_id}-answer-0", attempt_id=attempt_id, node_id="greet",
                     choice_id="acknowledge", evidence={"empathy": "good"}, anger_before=70, anger_after=55,
                     first_attempt=True, occurred_at=LATER)


def test_an_answer_queues_its_statements_once_in_its_own_transaction(store: Store, world: World) -> None:
    attempt = start_attempt(store, world.ana, "refund-call", 1, run_json="{}", now=NOW)
    statements = [_statement(1), _statement(2)]
    assert record_answer(store, world.ana, _choice(attempt.id), "{}", LATER, Finish("calm", "resolved", 90),
                         statements=statements)
    # The same click again (a retried request): the event exists, so nothing more is queued.
    assert not record_answer(store, world.ana, _choice(attempt.id), "{}", LATER, statements=[_statement(3)])
    assert [q.statement_id for q in queued_statements(store)] == [s["id"] for s in statements]
    assert queued_statements(store)[0].statement == statements[0]


def test_a_refused_answer_queues_nothing(store: Store, world: World) -> None:
    attempt = start_attempt(store, world.ana, "refund-call", 1, run_json="{}", now=NOW)
    with pytest.raises(Exception, match="belongs to someone else"):
        record_answer(store, world.abe, _choice(attempt.id), "{}", LATER, statements=[_statement(1)])
    assert queued_statements(store) == ()


def test_a_lesson_queues_its_statement_with_its_first_completion_only(store: Store, world: World) -> None:
    complete_lesson(store, world.ana, "listen", NOW, [_statement(1)])
    complete_lesson(store, world.ana, "listen", LATER, [_statement(2)])
    assert [q.statement_id for q in queued_statements(store)] == [_statement(1)["id"]]


def test_one_sender_gets_each_statement_and_a_lease_runs_out(store: Store) -> None:
    assert queue_statements(store, [_statement(n) for n in range(3)], NOW) == 3
    assert queue_statements(store, [_statement(0)], NOW) == 0  # queued once, whoever queues it
    first = claim_statements(store, "one", NOW, LEASE, 2)
    second = claim_statements(store, "two", NOW, LEASE, 10)
    assert [q.statement_id for q in first] == [_statement(0)["id"], _statement(1)["id"]]
    assert [q.statement_id for q in second] == [_statement(2)["id"]]
    assert claim_statements(store, "three", NOW + LEASE - timedelta(seconds=1), LEASE, 10) == ()
    assert mark_sent(store, [first[0].id], "two", NOW) == 0  # not two's
    assert mark_sent(store, [first[0].id], "one", NOW) == 1
    assert mark_sent(store, [first[0].id], "one", NOW) == 0  # already sent
    # "one" and "two" stalled past their leases: their statements go to the next sender.
    reclaimed = claim_statements(store, "three", NOW + LEASE, LEASE, 10)
    assert {q.id for q in reclaimed} == {first[1].id, second[0].id}
    assert mark_sent(store, [second[0].id], "two", NOW + LEASE) == 0


@pytest.mark.parametrize("senders", [2, 4])
def test_senders_racing_for_a_long_queue_never_share_a_statement(target: Target, store: Store, senders: int) -> None:
    queue_statements(store, [_statement(n) for n in range(120)], NOW)
    claimed: dict[str, list[int]] = {}
    start = threading.Barrier(senders)

    def sender(name: str) -> None:
        own = target.open()  # a connection pool of its own, like another process
        start.wait()
        taken: list[int] = []
        while batch := claim_statements(own, name, NOW, LEASE, 7):
            taken.extend(q.id for q in batch)
            mark_sent(own, [q.id for q in batch], name, NOW)
        claimed[name] = taken

    threads = [threading.Thread(target=sender, args=(f"sender-{n}",)) for n in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    every = [row_id for taken in claimed.values() for row_id in taken]
    assert len(every) == len(set(every)) == 120
    assert outbox_status(store).sent == 120


def test_a_retry_waits_and_a_dead_letter_keeps_its_reason_until_sent_again(store: Store) -> None:
    queue_statements(store, [_statement(1), _statement(2)], NOW)
    first, second = claim_statements(store, "one", NOW, LEASE, 10)
    assert mark_retry(store, {first.id: NOW + timedelta(seconds=30)}, "one", NOW, "503 the LRS is unavailable") == 1
    assert mark_dead(store, second.id, "one", NOW, "400 the LRS refused the statement: verb.id: not an IRI")
    assert claim_statements(store, "two", NOW + timedelta(seconds=29), LEASE, 10) == ()
    status = outbox_status(store)
    assert (status.pending, status.dead_count, status.oldest_pending_at) == (1, 1, NOW)
    assert status.dead[0].dead_reason == "400 the LRS refused the statement: verb.id: not an IRI"
    assert status.last_error == "400 the LRS refused the statement: verb.id: not an IRI"
    retried = claim_statements(store, "two", NOW + timedelta(seconds=30), LEASE, 10)
    assert [(q.id, q.attempts, q.last_error) for q in retried] == [(first.id, 1, "503 the LRS is unavailable")]

    assert retry_dead(store, LATER) == 1
    status = outbox_status(store)
    assert (status.pending, status.dead_count) == (2, 0)
    assert [q.id for q in claim_statements(store, "three", LATER, LEASE, 10)] == [second.id]
