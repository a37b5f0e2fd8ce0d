"""The outbox on SQLite and PostgreSQL: each job queued once, claimed by one sender, leases that
run out, marks that need the lease; assignment notices queued with the assignment; hashed opt-out tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from elearn.store import AccessDenied, Store
from elearn.store.assignments import AssignmentError, assign
from elearn.store.outbox import (
    ASSIGNED,
    DIGEST,
    DUE_SOON,
    NewJob,
    claim,
    jobs,
    mark_dropped,
    mark_retry,
    mark_sent,
    new_unsubscribe_token,
    opt_back_in,
    opt_out,
    opted_out,
    queue,
)
from elearn.store.tables import UnsubscribeTokenRow

from .helpers import NOW, World

LEASE = timedelta(minutes=5)


def test_a_job_is_queued_once_whoever_plans_it(store: Store, world: World) -> None:
    reminder = NewJob(DUE_SOON, world.ana.id, period="7d")
    assert reminder.job_key == f"due-soon:7d:user:{world.ana.id}"
    assert queue(store, [reminder, reminder, NewJob(DIGEST, world.manager.id, period="2025-W02")], NOW) == 2
    assert queue(store, [reminder], NOW + timedelta(days=1)) == 0
    assert [job.job_key for job in jobs(store)] == [reminder.job_key, f"digest:2025-W02:user:{world.manager.id}"]


def test_one_sender_gets_each_job_and_a_lease_runs_out(store: Store, world: World) -> None:
    queue(store, [NewJob(DUE_SOON, learner.id, period="1d") for learner in (world.ana, world.abe, world.bea)], NOW)
    first = claim(store, "one", NOW, LEASE, limit=2)
    second = claim(store, "two", NOW, LEASE, limit=10)
    assert len(first) == 2
    assert len(second) == 1
    assert not {job.id for job in first} & {job.id for job in second}
    assert claim(store, "three", NOW + LEASE - timedelta(seconds=1), LEASE) == ()

    assert not mark_sent(store, first[0].id, "two", NOW)  # not two's job
    assert mark_sent(store, first[0].id, "one", NOW)
    assert not mark_sent(store, first[0].id, "one", NOW)  # already sent
    # "two" died holding its job: once the lease runs out another sender gets it, and one's other job too.
    reclaimed = claim(store, "three", NOW + LEASE, LEASE)
    assert {job.id for job in reclaimed} == {first[1].id, second[0].id}
    assert not mark_sent(store, second[0].id, "two", NOW + LEASE)  # its lease is gone


def test_a_retry_waits_and_a_dropped_job_stays_with_its_reason(store: Store, world: World) -> None:
    queue(store, [NewJob(DUE_SOON, world.ana.id, period="1d"), NewJob(DUE_SOON, world.abe.id, period="1d")], NOW)
    retried, dropped = claim(store, "one", NOW, LEASE)
    assert mark_retry(store, retried.id, "one", NOW + timedelta(minutes=2), "451 try later")
    assert mark_dropped(store, dropped.id, "one", NOW, "no e-mail address")
    assert claim(store, "two", NOW + timedelta(minutes=1), LEASE) == ()
    (again,) = claim(store, "two", NOW + timedelta(minutes=2), LEASE)
    assert (again.id, again.tries, again.outcome) == (retried.id, 1, "451 try later")
    done = {job.id: job for job in jobs(store)}
    assert (done[dropped.id].dropped_at, done[dropped.id].outcome) == (NOW, "no e-mail address")


def test_an_assignment_queues_its_notices_in_its_own_transaction(store: Store, world: World) -> None:
    made = assign(store, world.manager, team_id=world.team_a.id, due_at=NOW + timedelta(days=9), now=NOW,
                  remind_days_before=[1, 7, 7], overdue_every_days=0)
    assert (made.remind_days_before, made.overdue_every_days) == ((7, 1), 0)
    notices = [(job.kind, job.user_id, job.assignment_id) for job in jobs(store)]
    assert notices == [(ASSIGNED, world.ana.id, made.id), (ASSIGNED, world.abe.id, made.id)]
    with pytest.raises(AccessDenied):
        assign(store, world.manager, user_id=world.bea.id, due_at=NOW + timedelta(days=9), now=NOW)
    with pytest.raises(AssignmentError, match="Due-soon reminders go 1 to 365 days"):
        assign(store, world.admin, user_id=world.bea.id, due_at=NOW + timedelta(days=9), now=NOW,
               remind_days_before=[0])
    assert len(jobs(store)) == 2  # refused assignments queued nothing


def test_opt_out_tokens_are_kept_hashed_and_work_once_known(store: Store, world: World) -> None:
    token = new_unsubscribe_token(store, world.ana.id, NOW)
    stored = store.read(lambda conn: list(conn.scalars(select(UnsubscribeTokenRow.token_hash))))
    assert token not in stored
    assert len(stored[0]) == 64
    assert not opted_out(store, world.ana.id)
    assert not opt_out(store, "not-a-token", NOW)
    assert not opt_out(store, "", NOW)
    assert opt_out(store, token, NOW)
    assert opt_out(store, token, NOW + timedelta(days=1))  # again: still fine
    assert opted_out(store, world.ana.id)
    assert not opted_out(store, world.abe.id)
    opt_back_in(store, world.ana.id)
    assert not opted_out(store, world.ana.id)
