"""Progress: lesson completions, attempts and choice events, written once however often retried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from elearn.store import (
    AttemptFinished,
    NewChoice,
    Store,
    User,
    complete_lesson,
    events_for,
    finish_attempt,
    first_attempt_evidence,
    get_attempt,
    progress_for,
    record_choice,
    save_run,
    start_attempt,
)
from elearn.store.tables import ChoiceEventRow

from .helpers import NOW, World


def _choice(key: str, attempt_id: int, *, first: bool = True, at: datetime = NOW, **evidence: str) -> NewChoice:
    return NewChoice(
        event_key=key, attempt_id=attempt_id, node_id="greet", choice_id="acknowledge",
        evidence=evidence or {"empathy": "good"}, anger_before=70, anger_after=55, first_attempt=first, occurred_at=at,
    )


def _event_count(store: Store) -> int:
    return int(store.read(lambda conn: conn.scalar(select(func.count()).select_from(ChoiceEventRow))) or 0)


def test_completing_a_lesson_twice_keeps_the_first_time(store: Store, world: World) -> None:
    complete_lesson(store, world.ana, "empathy-not-agreement", NOW)
    complete_lesson(store, world.ana, "empathy-not-agreement", NOW + timedelta(days=1))
    complete_lesson(store, world.ana, "set-boundaries", NOW + timedelta(days=2))
    completions = progress_for(store, world.ana, world.ana.id).completions
    assert [(c.lesson_id, c.completed_at) for c in completions] == [
        ("empathy-not-agreement", NOW), ("set-boundaries", NOW + timedelta(days=2)),
    ]


def test_attempts_are_numbered_per_user_and_scenario(store: Store, world: World) -> None:
    numbers = [
        (start_attempt(store, user, scenario, 1, run_json="{}", now=NOW).attempt_number, user.username, scenario)
        for user, scenario in [
            (world.ana, "refund-call"), (world.ana, "refund-call"), (world.ana, "outage"), (world.bea, "refund-call"),
        ]
    ]
    assert numbers == [(1, "ana", "refund-call"), (2, "ana", "refund-call"), (1, "ana", "outage"),
                       (1, "bea", "refund-call")]


def test_a_saved_run_is_what_resume_gets_back(store: Store, world: World) -> None:
    first = start_attempt(store, world.ana, "refund-call", 4, run_json='{"at": "start"}', now=NOW)
    finish_attempt(
        store, world.ana, first.id, ending_id="calm", outcome="resolved", score=0.8, run_json='{"at": "end"}',
        now=NOW + timedelta(minutes=5),
    )
    second = start_attempt(store, world.ana, "refund-call", 4, run_json='{"at": "start"}', now=NOW + timedelta(hours=1))
    save_run(store, world.ana, second.id, '{"at": "node-3"}', NOW + timedelta(hours=1, minutes=2))
    progress = progress_for(store, world.ana, world.ana.id)
    assert set(progress.resumable) == {"refund-call"}
    resumed = progress.resumable["refund-call"]
    assert (resumed.id, resumed.run_json, resumed.updated_at) == (
        second.id, '{"at": "node-3"}', NOW + timedelta(hours=1, minutes=2),
    )
    done = progress.attempts[0]
    # A finished attempt's run is left out of the progress summary and read on its own for a debrief.
    assert (done.ending_id, done.outcome, done.score, done.run_json, done.finished_at) == (
        "calm", "resolved", 0.8, "", NOW + timedelta(minutes=5),
    )
    assert get_attempt(store, world.ana, done.id).run_json == '{"at": "end"}'


def test_finishing_twice_keeps_the_first_ending_and_the_run_is_then_frozen(store: Store, world: World) -> None:
    attempt = start_attempt(store, world.ana, "refund-call", 1, run_json="{}", now=NOW)
    first = finish_attempt(store, world.ana, attempt.id, ending_id="calm", outcome="resolved", score=1.0,
                           run_json='{"end": 1}', now=NOW)
    again = finish_attempt(store, world.ana, attempt.id, ending_id="lost", outcome="customer_lost", score=0.0,
                           run_json='{"end": 2}', now=NOW + timedelta(minutes=1))
    assert again == first
    assert not first.in_progress
    with pytest.raises(AttemptFinished):
        save_run(store, world.ana, attempt.id, '{"end": 3}', NOW)
    assert progress_for(store, world.ana, world.ana.id).resumable == {}


def test_a_repeated_click_records_one_choice(store: Store, world: World) -> None:
    attempt = start_attempt(store, world.ana, "refund-call", 1, run_json="{}", now=NOW)
    assert record_choice(store, world.ana, _choice("click-1", attempt.id)) is True
    assert record_choice(store, world.ana, _choice("click-1", attempt.id)) is False
    assert record_choice(store, world.ana, _choice("click-1", attempt.id, at=NOW + timedelta(seconds=3))) is False
    assert _event_count(store) == 1
    assert [e.occurred_at for e in events_for(store, world.ana, world.ana.id)] == [NOW]


def test_an_event_carries_everything_an_xapi_statement_needs(store: Store, world: World) -> None:
    first = start_attempt(store, world.ana, "refund-call", 7, run_json="{}", now=NOW)
    second = start_attempt(store, world.ana, "refund-call", 8, run_json="{}", now=NOW)
    record_choice(store, world.ana, _choice("a", first.id, empathy="good", boundaries="poor"))
    record_choice(store, world.ana, _choice("b", second.id, first=False, empathy="partial"))
    a, b = events_for(store, world.ana, world.ana.id)
    assert (a.user_id, a.attempt_id, a.scenario_id, a.scenario_version, a.attempt_number, a.first_attempt) == (
        world.ana.id, first.id, "refund-call", 7, 1, True,
    )
    assert (a.node_id, a.choice_id, a.anger_before, a.anger_after, a.occurred_at) == (
        "greet", "acknowledge", 70, 55, NOW,
    )
    assert dict(a.evidence) == {"empathy": "good", "boundaries": "poor"}
    assert (b.scenario_version, b.attempt_number, b.first_attempt) == (8, 2, False)


def test_first_attempt_evidence_is_in_time_order(store: Store, world: World) -> None:
    attempt = start_attempt(store, world.ana, "refund-call", 1, run_json="{}", now=NOW)
    later = NOW + timedelta(minutes=2)
    record_choice(store, world.ana, _choice("late", attempt.id, at=later, empathy="poor"))
    record_choice(store, world.ana, _choice("early", attempt.id, at=NOW, empathy="good", boundaries="partial"))
    record_choice(store, world.ana, _choice("retry", attempt.id, first=False, at=NOW, empathy="good"))
    expected = [("boundaries", "partial", NOW), ("empathy", "good", NOW), ("empathy", "poor", later)]
    alone = first_attempt_evidence(store, world.ana, world.ana.id)
    assert [(e.skill, e.rating, e.occurred_at) for e in alone] == expected
    assert progress_for(store, world.ana, world.ana.id).evidence == alone


def test_events_of_one_scenario(store: Store, world: World) -> None:
    refund = start_attempt(store, world.ana, "refund-call", 1, run_json="{}", now=NOW)
    outage = start_attempt(store, world.ana, "outage", 1, run_json="{}", now=NOW)
    record_choice(store, world.ana, _choice("r", refund.id))
    record_choice(store, world.ana, _choice("o", outage.id))
    assert [e.event_key for e in events_for(store, world.ana, world.ana.id, "outage")] == ["o"]


def test_times_come_back_in_utc_whatever_zone_went_in(store: Store, world: World) -> None:
    paris = timezone(timedelta(hours=1))
    attempt = start_attempt(store, world.ana, "refund-call", 1, run_json="{}", now=NOW.astimezone(paris))
    record_choice(store, world.ana, _choice("k", attempt.id, at=NOW.astimezone(paris)))
    [event] = events_for(store, world.ana, world.ana.id)
    assert event.occurred_at == NOW
    assert event.occurred_at.tzinfo == UTC
    assert progress_for(store, world.ana, world.ana.id).attempts[0].started_at.tzinfo == UTC


def test_naive_times_are_refused(store: Store, world: World) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        complete_lesson(store, world.ana, "x", NOW.replace(tzinfo=None))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"evidence": {"empathy": "excellent"}}, "evidence ratings must be one of"),
        ({"event_key": ""}, "event_key must be 1-100 characters"),
        ({"event_key": "k" * 101}, "event_key must be 1-100 characters"),
    ],
)
def test_malformed_choices_are_refused(changes: dict[str, object], message: str) -> None:
    values: dict[str, object] = {
        "event_key": "k", "attempt_id": 1, "node_id": "n", "choice_id": "c", "evidence": {"empathy": "good"},
        "anger_before": 0, "anger_after": 0, "first_attempt": True, "occurred_at": NOW, **changes,
    }
    with pytest.raises(ValueError, match=message):
        NewChoice(**values)  # type: ignore[arg-type]


def test_progress_of_a_new_learner_is_empty(store: Store, world: World) -> None:
    progress = progress_for(store, world.loner, world.loner.id)
    assert isinstance(progress.user, User)
    assert (progress.completions, progress.attempts, progress.evidence, progress.resumable) == ((), (), (), {})
