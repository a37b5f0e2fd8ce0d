"""Sending the xAPI outbox to the LRS: claimed batches, refusals pinned down, backoff while it is down.

``send_due`` is one run (``python -m elearn lrs send --once``, and each turn of the background
thread): it claims due statements in batches (``elearn.store.xapi_outbox``) and POSTs each batch.

- Stored (200, or 204 when the LRS had them all already): every statement is marked sent.
- The LRS refuses the batch (4xx) or finds a conflict (409): the batch is split in halves and
  each half sent again, down to single statements, so only the statement the LRS names as bad
  stays behind. A single statement refused becomes a dead letter with the LRS's reason; a single
  statement in conflict is already in the LRS under its id (the ids are derived from the event,
  so it is this statement, sent before, perhaps in another wording): it is marked sent, with
  the LRS's words kept.
- The LRS is down, slow, busy or answers 5xx: the batch, and the run, wait. Each statement's
  next try is pushed back 2, 4, 8... seconds up to ``Timing.last_retry``, with jitter, so many
  processes coming back do not all knock at once. Nothing is ever dropped for being late.

An LRS stores a batch whole or not at all, and drops a statement whose id it holds already
(``client``): a batch sent twice (a sender that stalled past its lease, a reply lost after the
LRS stored it) stores each statement once. So statements are sent at least once here, and
stored exactly once there.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from elearn.lrs.client import Post, Verdict
from elearn.store.db import Store
from elearn.store.leases import lease_owner_name
from elearn.store.xapi_outbox import QueuedStatement, claim_statements, mark_dead, mark_retry, mark_sent


@dataclass(frozen=True)
class Timing:
    """How the sender paces itself. Tests shorten every figure."""

    first_retry: timedelta = timedelta(seconds=2)
    last_retry: timedelta = timedelta(minutes=10)
    lease: timedelta = timedelta(minutes=5)
    """How long a claim holds a batch: longer than its POSTs take as a rule. A sender that runs past
    it (a slow LRS, a batch split down to singles) costs a second sending, which the LRS ignores."""
    batch: int = 50


DEFAULT_TIMING = Timing()


def backoff(attempts: int, timing: Timing, rng: random.Random | None = None) -> timedelta:
    """How long to wait after the ``attempts``-th failed try: doubling from ``first_retry`` up to
    ``last_retry``, then a random share of 50 to 100% of it (jitter)."""
    ceiling = min(timing.first_retry * (2 ** min(attempts, 20)), timing.last_retry)
    wait: timedelta = ceiling * (rng or random).uniform(0.5, 1.0)
    return wait


@dataclass
class Report:
    """What one run did."""

    sent: int = 0
    already_there: int = 0
    dead: list[str] = field(default_factory=list)
    """``statement id: the LRS's reason`` of each statement that became a dead letter."""
    waiting: int = 0
    """Statements put back for a later try because the LRS was down."""
    down: str = ""
    """Why the run stopped early (the LRS unreachable or failing), or empty."""
    posts: int = 0


def send_due(store: Store, post: Post, now: Callable[[], datetime], *, owner: str | None = None,
             timing: Timing = DEFAULT_TIMING, rng: random.Random | None = None) -> Report:
    """Send every due statement this process can claim, until none is left or the LRS is down.
    Safe to run in several processes at once."""
    owner = owner or lease_owner_name("lrs:")
    report = Report()
    while not report.down:
        batch = claim_statements(store, owner, now(), timing.lease, timing.batch)
        if not batch:
            break
        _deliver(store, post, now, owner, batch, report, timing, rng)
    return report


def _deliver(store: Store, post: Post, now: Callable[[], datetime], owner: str, batch: Sequence[QueuedStatement],
             report: Report, timing: Timing, rng: random.Random | None) -> None:
    """Send ``batch``, splitting it on a refusal, until each statement is sent, dead or waiting."""
    groups: list[Sequence[QueuedStatement]] = [batch]
    while groups:
        group = groups.pop(0)
        answer = post([queued.statement for queued in group])
        report.posts += 1
        if answer.verdict is Verdict.STORED:
            report.sent += mark_sent(store, [queued.id for queued in group], owner, now())
        elif answer.verdict is Verdict.DOWN:
            waiting = [queued for rest in (group, *groups) for queued in rest]
            moment = now()
            report.waiting += mark_retry(store, {queued.id: moment + backoff(queued.attempts, timing, rng)
                                                 for queued in waiting}, owner, moment, answer.reason)
            report.down = answer.reason
            return
        elif len(group) > 1:
            middle = len(group) // 2
            groups[:0] = [group[:middle], group[middle:]]
        elif answer.verdict is Verdict.CONFLICT:
            report.already_there += mark_sent(store, [group[0].id], owner, now(), note=answer.reason)
        elif mark_dead(store, group[0].id, owner, now(), answer.reason):
            report.dead.append(f"{group[0].statement_id}: {answer.reason}")
