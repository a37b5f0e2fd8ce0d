"""One learner answer is one transaction: its choice event, the run after it and, at an ending, the finish."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from elearn.store import (
    AccessDenied,
    AttemptFinished,
    Finish,
    NewChoice,
    Store,
    events_for,
    get_attempt,
    record_answer,
    start_attempt,
)
from elearn.store import answers as answers_module
from elearn.store.tables import ChoiceEventRow

from .helpers import NOW, World

LATER = NOW + timedelta(minutes=1)


def _choice(attempt_id: int, index: int = 0) -> NewChoice:
    return NewChoice(
        event_key=f"attempt-{attempt_id}-answer-{index}", attempt_id=attempt_id, node_id="greet",
        choice_id="acknowledge", evidence={"empathy": "good"}, anger_before=70, anger_after=55, first_attempt=True,
        occurred_at=LATER,
    )


def _events(store: Store) -> int:
    return int(store.read(lambda conn: conn.scalar(select(func.count()).select_from(ChoiceEventRow))) or 0)


def test_the_event_and_the_run_after_it_are_stored_together(store: Store, world: World) -> None:
    attempt = start_attempt(store, world.ana, "refund-call", 1, run_json='{"step": 0}', now=NOW)
    assert record_answer(store, world.ana, _choice(attempt.id), '{"step": 1}', LATER) is True
    stored = get_attempt(store, world.ana, attempt.id)
    assert (stored.run_json, stored.updated_at, stored.in_progress) == ('{"step": 1}', LATER, True)
    assert [e.choice_id for e in events_for(store, world.ana, world.ana.id)] == ["acknowledge"]


def test_a_retried_answer_changes_nothing(store: Store, world: World) -> None:
    attempt = start_attempt(store, world.ana, "refund-call", 1, run_json='{"step": 0}', now=NOW)
    record_answer(store, world.ana, _choice(attempt.id), '{"step": 1}', LATER)
    assert record_answer(store, world.ana, _choice(attempt.id), '{"step": "other"}', LATER) is False
    assert get_attempt(store, world.ana, attempt.id).run_json == '{"step": 1}'
    assert _events(store) == 1


def test_the_last_answer_finishes_the_attempt_in_the_same_transaction(store: Store, world: World) -> None:
    attempt = start_attempt(store, world.ana, "refund-call", 1, run_json="{}", now=NOW)
    record_answer(store, world.ana, _choice(attempt.id), '{"end": true}', LATER, Finish("calm", "resolved", 87.5))
    stored = get_attempt(store, world.ana, attempt.id)
    assert (stored.ending_id, stored.outcome, stored.score, stored.finished_at) == ("calm", "resolved", 87.5, LATER)
    assert stored.run_json == '{"end": true}'
    assert _events(store) == 1


def test_an_answer_to_a_finished_attempt_stores_nothing(store: Store, world: World) -> None:
    attempt = start_attempt(store, world.ana, "refund-call", 1, run_json="{}", now=NOW)
    record_answer(store, world.ana, _choice(attempt.id), '{"end": true}', LATER, Finish("calm", "resolved", 80.0))
    with pytest.raises(AttemptFinished):
        record_answer(store, world.ana, _choice(attempt.id, 1), '{"after": true}', LATER)
    assert _events(store) == 1
    assert get_attempt(store, world.ana, attempt.id).run_json == '{"end": true}'


def test_an_answer_in_someone_elses_attempt_is_refused_and_stores_nothing(store: Store, world: World) -> None:
    attempt = start_attempt(store, world.ana, "refund-call", 1, run_json="{}", now=NOW)
    with pytest.raises(AccessDenied):
        record_answer(store, world.bea, _choice(attempt.id), '{"bea": true}', LATER)
    assert _events(store) == 0
    assert get_attempt(store, world.ana, attempt.id).run_json == "{}"


def test_a_failure_after_the_event_is_written_leaves_neither(store: Store, world: World,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The crash the first edition's "heal" pass repaired (run saved, event lost) cannot happen."""
    attempt = start_attempt(store, world.ana, "refund-call", 1, run_json="{}", now=NOW)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the server died between the two writes")

    monkeypatch.setattr(answers_module, "update_run", crash)
    with pytest.raises(RuntimeError):
        record_answer(store, world.ana, _choice(attempt.id), '{"step": 1}', LATER)
    assert _events(store) == 0
    monkeypatch.undo()
    assert record_answer(store, world.ana, _choice(attempt.id), '{"step": 1}', LATER) is True
    assert _events(store) == 1
