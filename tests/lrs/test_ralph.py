"""Statements of played scenarios reach a real LRS (Ralph, started by the test): valid, and each
exactly once, even when the LRS stops in the middle of the run and comes back.

A scenario is played as the player plays it (``ui.player.answer``): the engine's ``choose``,
then ``record_answer`` with the answer's statements (``elearn.lrs.statements``). The server's
background sender (``elearn.lrs.background``) sends them; the test reads them back through
Ralph's own ``GET /xAPI/statements``.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from elearn.course.passing import PassRule
from elearn.course.schema import Scenario
from elearn.lrs.background import BackgroundSender
from elearn.lrs.client import post_statements
from elearn.lrs.sender import Timing, send_due
from elearn.lrs.statements import answer_statements
from elearn.manage.exports import VERB_IRIS, XapiSource
from elearn.play.engine import choose, start
from elearn.store import Finish, NewChoice, Store, User, create_user, record_answer, start_attempt
from elearn.store.tables import XapiOutboxRow
from elearn.store.xapi_outbox import outbox_status, queued_statements
from tests.conftest import shipped_course
from tests.lrs.conftest import Ralph

COURSE = shipped_course()
SOURCE = XapiSource(COURSE, "https://training.example.org", PassRule())
QUICK = Timing(first_retry=timedelta(milliseconds=100), last_retry=timedelta(milliseconds=800),
               lease=timedelta(seconds=30), batch=10)


def now() -> datetime:
    return datetime.now(UTC)


def play(store: Store, user: User, scenario: Scenario, rng: random.Random) -> int:
    """Play ``scenario`` to an ending as ``user``, picking at random; how many statements it queued."""
    attempt = start_attempt(store, user, scenario.id, scenario.version, run_json=start(scenario).to_json(), now=now())
    run = start(scenario, seed=attempt.id)
    queued = 0
    while run.node is not None:
        run = choose(run, rng.choice(run.choices_shown()).id)
        step, moment = run.log[-1], now()
        finish = Finish(run.ending.id, run.ending.outcome, run.score) if run.ending is not None else None
        choice = NewChoice(event_key=f"attempt-{attempt.id}-answer-{len(run.log) - 1}", attempt_id=attempt.id,
                           node_id=step.node_id, choice_id=step.choice_id, evidence=dict(step.evidence),
                           anger_before=step.anger_before, anger_after=step.anger_after,
                           first_attempt=step.first_attempt, occurred_at=moment)
        statements = answer_statements(SOURCE, user.username, attempt, choice, finish, moment)
        assert record_answer(store, user, choice, run.to_json(), moment, finish, statements=statements)
        queued += len(statements)
    return queued


def wait_until(condition: Callable[[], bool], timeout: float, what: str, store: Store | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"waited {timeout}s for {what}" + (f": {outbox_status(store)}" if store else ""))


def _learner(store: Store, name: str) -> User:
    return create_user(store, username=name, display_name=name.title(), password="correct horse battery", now=now())


def test_a_played_scenario_reaches_the_lrs_valid_and_complete(store: Store, ralph: Ralph) -> None:
    learner = _learner(store, "ana")
    scenario = COURSE.scenarios[0]
    queued = play(store, learner, scenario, random.Random(1))
    sender = BackgroundSender(lambda: store, ralph.settings, now, poll=0.1, timing=QUICK).start()
    try:
        wait_until(lambda: outbox_status(store).pending == 0, 20, "the outbox to drain")
    finally:
        sender.stop()
    stored = {s["id"]: s for s in ralph.statements()}
    ours = {q.statement_id: q.statement for q in queued_statements(store)}
    assert len(ours) == queued
    assert set(stored) == set(ours)
    verbs = Counter(s["verb"]["id"] for s in stored.values())
    assert verbs[VERB_IRIS["answered"]] == queued - verbs[VERB_IRIS["completed"]] - verbs[VERB_IRIS["passed"]]
    assert verbs[VERB_IRIS["completed"]] == 1
    for statement_id, statement in stored.items():
        # Ralph validated each against xAPI 1.0.3 on the way in, and gives back what was sent (plus its own
        # "stored" and "authority").
        sent = ours[statement_id]
        assert {key: statement[key] for key in sent} == sent
        assert statement["actor"] == {"objectType": "Agent",
                                      "account": {"homePage": "https://training.example.org", "name": "ana"}}
        assert statement["authority"]["mbox"] == "mailto:elearn-test@example.org"
    finished = next(s for s in stored.values() if s["verb"]["id"] == VERB_IRIS["completed"])
    assert finished["object"]["id"] == f"https://training.example.org/xapi/activities/scenarios/{scenario.id}"
    status = outbox_status(store)
    assert (status.sent, status.dead_count, status.last_error) == (queued, 0, None)


def test_the_lrs_stopping_mid_run_loses_nothing_and_stores_each_statement_once(store: Store, ralph: Ralph) -> None:
    rng = random.Random(2)
    learners = [_learner(store, name) for name in ("ana", "abe", "bea")]
    sender = BackgroundSender(lambda: store, ralph.settings, now, poll=0.1, timing=QUICK).start()
    try:
        queued = sum(play(store, learner, COURSE.scenarios[0], rng) for learner in learners)
        wait_until(lambda: outbox_status(store).sent > 0, 20, "the first statements to be sent")
        ralph.stop()
        # The LRS is gone: learners go on playing; their statements wait in the outbox.
        queued += sum(play(store, learner, COURSE.scenarios[1], rng) for learner in learners)
        wait_until(lambda: (outbox_status(store).last_error or "").startswith("cannot reach the LRS"), 20,
                   "a failed try")
        waiting = outbox_status(store).pending
        assert waiting > 0
        ralph.start()
        queued += play(store, learners[0], COURSE.scenarios[2], rng)
        wait_until(lambda: outbox_status(store).pending == 0, 30, "the outbox to drain after the restart", store)
    finally:
        sender.stop()
    ids = [s["id"] for s in ralph.statements()]
    assert len(ids) == len(set(ids)) == queued
    assert set(ids) == {q.statement_id for q in queued_statements(store)}
    assert sender.failed_runs == 0  # it came back to its normal pace

    # A sender that stalled past its lease sends the whole outbox again: the LRS keeps one of each.
    store.write(lambda conn: conn.execute(update(XapiOutboxRow).values(sent_at=None)))
    report = send_due(store, lambda batch: post_statements(ralph.settings(), batch), now, timing=QUICK)
    assert report.sent + report.already_there == queued
    assert (report.dead, report.down) == ([], "")
    again = [s["id"] for s in ralph.statements()]
    assert sorted(again) == sorted(ids)
