"""Typed replies ("Say it your way") are stored with their answer, in its transaction, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from elearn.store import (
    MAX_REPLY_CHARS,
    AccessDenied,
    NewChoice,
    Store,
    first_attempt_evidence,
    own_words_setting,
    record_answer,
    set_own_words,
    start_attempt,
    typed_replies_for,
)
from elearn.store import answers as answers_module
from elearn.store.tables import ChoiceEventRow, TypedReplyRow

from .helpers import NOW, World

LATER = NOW + timedelta(minutes=1)


def _choice(attempt_id: int, index: int = 0, first: bool = True) -> NewChoice:
    return NewChoice(
        event_key=f"attempt-{attempt_id}-answer-{index}", attempt_id=attempt_id, node_id=f"node-{index}",
        choice_id="acknowledge", evidence={"empathy": "good"}, anger_before=70, anger_after=55, first_attempt=first,
        occurred_at=LATER,
    )


def _count(store: Store, table: type[ChoiceEventRow] | type[TypedReplyRow]) -> int:
    return int(store.read(lambda conn: conn.scalar(select(func.count()).select_from(table))) or 0)


def test_the_reply_is_stored_with_its_answer(store: Store, world: World) -> None:
    attempt = start_attempt(store, world.ana, "refund-call", 1, run_json="{}", now=NOW)
    typed = "I'm so sorry, Mrs Okafor. Let me check what happened. https://example.com *now*"
    assert record_answer(store, world.ana, _choice(attempt.id), '{"step": 1}', LATER, typed_reply=typed)
    [reply] = typed_replies_for(store, world.ana, world.ana.id)
    assert (reply.text, reply.scenario_id, reply.node_id, reply.choice_id, reply.first_attempt, reply.typed_at) == (
        typed, "refund-call", "node-0", "acknowledge", True, LATER)
    assert typed_replies_for(store, world.ana, world.ana.id, "other-scenario") == ()


def test_an_answer_without_a_reply_stores_none(store: Store, world: World) -> None:
    attempt = start_attempt(store, world.ana, "refund-call", 1, run_json="{}", now=NOW)
    record_answer(store, world.ana, _choice(attempt.id), '{"step": 1}', LATER)
    assert (_count(store, ChoiceEventRow), _count(store, TypedReplyRow)) == (1, 0)


def test_a_retried_answer_keeps_one_reply(store: Store, world: World) -> None:
    attempt = start_attempt(store, world.ana, "refund-call", 1, run_json="{}", now=NOW)
    record_answer(store, world.ana, _choice(attempt.id), '{"step": 1}', LATER, typed_reply="first words")
    assert record_answer(store, world.ana, _choice(attempt.id), '{"step": 1}', LATER, typed_reply="second") is False
    assert [r.text for r in typed_replies_for(store, world.ana, world.ana.id)] == ["first words"]


def test_a_failure_after_the_writes_leaves_neither_answer_nor_reply(store: Store, world: World,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    attempt = start_attempt(store, world.ana, "refund-call", 1, run_json="{}", now=NOW)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the server died between the writes")

    monkeypatch.setattr(answers_module, "update_run", crash)
    with pytest.raises(RuntimeError):
        record_answer(store, world.ana, _choice(attempt.id), '{"step": 1}', LATER, typed_reply="lost?")
    assert (_count(store, ChoiceEventRow), _count(store, TypedReplyRow)) == (0, 0)
    monkeypatch.undo()
    record_answer(store, world.ana, _choice(attempt.id), '{"step": 1}', LATER, typed_reply="kept")
    assert [r.text for r in typed_replies_for(store, world.ana, world.ana.id)] == ["kept"]


def test_hostile_replies(store: Store, world: World) -> None:
    """NUL (refused by PostgreSQL in text) is removed; a reply past the limit stores nothing at all."""
    attempt = start_attempt(store, world.ana, "refund-call", 1, run_json="{}", now=NOW)
    record_answer(store, world.ana, _choice(attempt.id), "{}", LATER, typed_reply="  a\x00b \u202e'; DROP TABLE x;--  ")
    assert [r.text for r in typed_replies_for(store, world.ana, world.ana.id)] == ["ab \u202e'; DROP TABLE x;--"]
    with pytest.raises(ValueError, match="at most 2000 characters"):
        record_answer(store, world.ana, _choice(attempt.id, 1), "{}", LATER, typed_reply="x" * (MAX_REPLY_CHARS + 1))
    assert (_count(store, ChoiceEventRow), _count(store, TypedReplyRow)) == (1, 1)
    record_answer(store, world.ana, _choice(attempt.id, 2), "{}", LATER, typed_reply="é" * MAX_REPLY_CHARS)
    assert len(typed_replies_for(store, world.ana, world.ana.id)[-1].text) == MAX_REPLY_CHARS


def test_a_reply_in_someone_elses_attempt_is_refused(store: Store, world: World) -> None:
    attempt = start_attempt(store, world.ana, "refund-call", 1, run_json="{}", now=NOW)
    with pytest.raises(AccessDenied):
        record_answer(store, world.bea, _choice(attempt.id), "{}", LATER, typed_reply="bea's words")
    assert (_count(store, ChoiceEventRow), _count(store, TypedReplyRow)) == (0, 0)


def test_the_mode_is_chosen_per_learner_and_per_scenario(store: Store, world: World) -> None:
    assert own_words_setting(store, world.ana, "refund-call") == (False, False)
    set_own_words(store, world.ana, True, NOW)
    assert own_words_setting(store, world.ana, "refund-call") == (True, True)
    set_own_words(store, world.ana, False, NOW, "refund-call")
    assert own_words_setting(store, world.ana, "refund-call") == (False, True)
    assert own_words_setting(store, world.ana, "other") == (True, True)
    assert own_words_setting(store, world.abe, "other") == (False, False)  # one learner's choice is theirs
    set_own_words(store, world.ana, True, LATER, "refund-call")
    set_own_words(store, world.ana, False, LATER)  # every scenario: clears the single-scenario choice
    assert own_words_setting(store, world.ana, "refund-call") == (False, False)


def test_a_typed_reply_leaves_first_attempt_evidence_as_it_was(store: Store, world: World) -> None:
    """Mastery's input is the choice events alone: typing a reply (or not) changes nothing there."""
    for user, typed in ((world.ana, "Calm down!"), (world.abe, None)):
        attempt = start_attempt(store, user, "refund-call", 1, run_json="{}", now=NOW)
        record_answer(store, user, _choice(attempt.id), "{}", LATER, typed_reply=typed)
    ana = first_attempt_evidence(store, world.ana, world.ana.id)
    abe = first_attempt_evidence(store, world.abe, world.abe.id)
    assert [(e.skill, e.rating) for e in ana] == [(e.skill, e.rating) for e in abe] == [("empathy", "good")]
