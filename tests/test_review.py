"""Spaced review through the app's own code, on a fixed clock: cards, FSRS due dates, sessions.

The fixture course (tests/fixtures/course) has one scenario, ``outage``: at ``opening``,
``acknowledge`` is good and ``policy`` poor/partial; at ``options``, ``engineer`` is good and
``restart`` poor/partial; at ``confirm``, ``promise`` is good and ``reassure`` poor.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card, Rating, Scheduler

from elearn.course.catalogue import load_course
from elearn.learner.mastery import SkillMastery, estimate
from elearn.learner.review import (
    EASY_WITHIN_SECONDS,
    SESSION_CARDS,
    SESSION_SECONDS,
    CardKey,
    ReviewCard,
    ReviewSession,
    answer,
    better_answer,
    cards_for,
    due_cards,
    due_in_words,
    grade_for,
    quality,
)
from elearn.store.records import ChoiceEvent
from elearn.store.reviews import StoredCard
from tests.conftest import FIXTURES

COURSE = load_course(FIXTURES / "course")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHOICES = {
    "acknowledge": ("opening", {"empathy": "good"}), "policy": ("opening", {"empathy": "poor", "solutions": "partial"}),
    "engineer": ("options", {"solutions": "good"}), "restart": ("options", {"empathy": "poor", "solutions": "partial"}),
    "promise": ("confirm", {"solutions": "good"}), "reassure": ("confirm", {"solutions": "poor"}),
}


def event(number: int, choice: str, at: datetime, scenario: str = "outage") -> ChoiceEvent:
    node, evidence = CHOICES[choice]
    return ChoiceEvent(id=number, event_key=f"e{number}", user_id=1, attempt_id=1, scenario_id=scenario,
                       scenario_version=1, node_id=node, choice_id=choice, evidence=evidence, anger_before=50,
                       anger_after=40, attempt_number=1, first_attempt=True, occurred_at=at)


def card(choice: str, at: datetime = T0) -> ReviewCard:
    (only,) = cards_for(COURSE, [event(1, choice, at)], [])
    return only


@pytest.mark.parametrize(("ratings", "expected"), [
    (["good"], "good"), (["good", "good"], "good"), (["poor"], "poor"), (["poor", "poor"], "poor"),
    (["good", "poor"], "partial"), (["partial"], "partial"), (["poor", "partial"], "partial"),
])
def test_an_answers_quality_comes_from_its_ratings(ratings: list[str], expected: str) -> None:
    assert quality(ratings) == expected


@pytest.mark.parametrize(("rating", "seconds", "grade"), [
    ("poor", 3.0, Rating.Again), ("partial", 3.0, Rating.Hard), ("good", EASY_WITHIN_SECONDS, Rating.Easy),
    ("good", EASY_WITHIN_SECONDS + 0.1, Rating.Good), ("good", None, Rating.Good), ("poor", 60.0, Rating.Again),
])
def test_ratings_map_onto_fsrs_grades_by_quality_and_response_time(rating: str, seconds: float | None,
                                                                   grade: Rating) -> None:
    assert grade_for(rating, seconds) == grade


def test_every_decision_met_is_one_card_in_the_order_met_and_gone_decisions_are_left_out() -> None:
    events = [event(1, "acknowledge", T0), event(2, "engineer", T0 + timedelta(minutes=1)),
              event(3, "acknowledge", T0 + timedelta(minutes=5)),  # a replay: still one card
              event(4, "promise", T0 + timedelta(minutes=2), scenario="gone-scenario")]
    cards = cards_for(COURSE, events, [])
    assert [c.key for c in cards] == [CardKey("outage", "opening"), CardKey("outage", "options")]
    assert all(c.version == 0 for c in cards)
    assert cards[0].node.customer == "Third time this month!"
    assert cards[0].skills == ("empathy", "solutions")


def test_a_new_cards_first_review_is_the_scenario_answer_as_fsrs_schedules_it() -> None:
    reference = Scheduler(learning_steps=(), relearning_steps=(timedelta(minutes=10),), enable_fuzzing=False)
    for choice, grade in (("acknowledge", Rating.Good), ("policy", Rating.Hard), ("reassure", Rating.Again)):
        expected, _ = reference.review_card(Card(card_id=1, due=T0), grade, T0)
        assert card(choice).due_at == expected.due
    # The figures FSRS 6 gives with its default parameters: good in 2 days, hard and again in 1.
    assert card("acknowledge").due_at == T0 + timedelta(days=2)
    assert card("policy").due_at == T0 + timedelta(days=1)
    assert card("reassure").due_at == T0 + timedelta(days=1)


def test_due_dates_move_as_fsrs_says_and_a_poor_answer_brings_the_card_back_sooner() -> None:
    first = card("promise")  # due two days after the scenario
    when = first.due_at
    shown = when - timedelta(seconds=30)  # 30 s: a good answer is Good, not Easy
    good = answer(first, "promise", shown, when)
    poor = answer(first, "reassure", shown, when)
    assert (good.rating, good.grade) == ("good", Rating.Good)
    assert (poor.rating, poor.grade) == ("poor", Rating.Again)
    assert good.schedule.due_at == when + timedelta(days=11)
    assert poor.schedule.due_at == when + timedelta(minutes=10)  # relearning: back in the next session
    assert poor.schedule.due_at < good.schedule.due_at

    # The next review goes on from the stored schedule: Good again stretches the interval further.
    again = cards_for(COURSE, [event(1, "promise", T0)], [_stored_after(good)])[0]
    assert again.version == 1
    later = answer(again, "promise", again.due_at - timedelta(seconds=30), again.due_at)
    assert later.schedule.due_at - again.due_at > timedelta(days=11)
    quick = answer(again, "promise", again.due_at - timedelta(seconds=5), again.due_at)
    assert quick.grade == Rating.Easy
    assert quick.schedule.due_at > later.schedule.due_at


def _stored_after(answered: object) -> StoredCard:
    from elearn.learner.review import Answered

    assert isinstance(answered, Answered)
    return StoredCard(id=1, user_id=1, scenario_id=answered.card.key.scenario_id, node_id=answered.card.key.node_id,
                      schedule=answered.schedule, version=answered.card.version + 1)


def test_the_answer_carries_what_the_store_records() -> None:
    first = card("acknowledge")
    done = answer(first, "policy", first.due_at - timedelta(hours=2), first.due_at)
    review = done.to_store("tab-1")
    assert (review.expected_version, review.choice_id, review.rating, review.grade) == (0, "policy", "partial", 2)
    assert review.response_ms == 10 * 60 * 1000  # capped: two hours open says nothing about recall
    assert review.due_before == first.due_at
    assert review.schedule.due_at == done.schedule.due_at
    with pytest.raises(ValueError, match="not an answer"):
        answer(first, "engineer", first.due_at, first.due_at)


def test_the_better_answer_is_offered_only_after_an_answer_that_was_not_good() -> None:
    first = card("acknowledge")
    policy = first.node.choice("policy")
    acknowledge = first.node.choice("acknowledge")
    assert policy is not None
    assert acknowledge is not None
    assert better_answer(first, policy) == acknowledge
    assert better_answer(first, acknowledge) is None


def test_answers_are_shuffled_by_the_cards_version_and_stay_put_on_a_rerun() -> None:
    first = card("engineer")
    orders = set()
    for version in range(6):
        shown = ReviewCard(first.key, first.scenario, first.node, first.schedule, version)
        assert shown.choices_shown() == shown.choices_shown()
        orders.add(tuple(c.id for c in shown.choices_shown()))
    assert orders == {("engineer", "restart"), ("restart", "engineer")}


def _mastery(skill: str, ratings: list[str]) -> SkillMastery:
    return estimate(skill, ratings)


def test_among_equally_weak_cards_the_most_overdue_comes_first_and_cards_not_due_wait() -> None:
    events = [event(1, "promise", T0), event(2, "engineer", T0 + timedelta(hours=1)),
              event(3, "acknowledge", T0 + timedelta(hours=2))]
    cards = cards_for(COURSE, events, [])
    # Every decision exercises solutions, the weakest skill: so the order is the due order.
    masteries = {"empathy": _mastery("empathy", ["good"] * 6), "solutions": _mastery("solutions", ["poor"] * 4),
                 "escalation": _mastery("escalation", [])}
    assert [c.key.node_id for c in due_cards(cards, masteries, T0 + timedelta(days=5))] == \
        ["confirm", "options", "opening"]
    assert [c.key.node_id for c in due_cards(cards, masteries, T0 + timedelta(days=2, minutes=30))] == ["confirm"]
    assert due_cards(cards, masteries, T0 + timedelta(days=1)) == []


def test_a_card_of_an_only_proficient_skill_waits_behind_weak_ones() -> None:
    events = [event(1, "promise", T0), event(2, "acknowledge", T0 + timedelta(hours=1))]
    cards = cards_for(COURSE, events, [])
    masteries = {"empathy": _mastery("empathy", ["poor"] * 4), "solutions": _mastery("solutions", ["good"] * 6),
                 "escalation": _mastery("escalation", [])}
    # "confirm" only exercises solutions (proficient) and is more overdue; "opening" exercises
    # empathy (weak) too: it goes first.
    assert [c.key.node_id for c in due_cards(cards, masteries, T0 + timedelta(days=5))] == ["opening", "confirm"]


def test_a_session_ends_after_five_cards_or_two_minutes() -> None:
    events = [event(n, choice, T0 + timedelta(minutes=n)) for n, choice in enumerate(["acknowledge", "engineer",
                                                                                       "promise"], start=1)]
    cards = cards_for(COURSE, events, [])
    start = T0 + timedelta(days=5)
    session = ReviewSession(started_at=start)
    assert session.next_card(cards, start) == cards[0]
    session = session.with_answer(cards[0].key)
    assert session.next_card(cards, start) == cards[1]  # an answered card is not shown again
    assert session.next_card(cards, start + timedelta(seconds=SESSION_SECONDS)) is None
    assert not session.over(start + timedelta(seconds=SESSION_SECONDS - 1))
    # Time alone does not end a session before its first answer (the learner was away from the card).
    assert ReviewSession(started_at=start).next_card(cards, start + timedelta(hours=1)) == cards[0]
    full = ReviewSession(started_at=start, answered=tuple(f"x{n}" for n in range(SESSION_CARDS)))
    assert full.over(start)
    assert full.next_card(cards, start) is None


@pytest.mark.parametrize(("delta", "words"), [
    (timedelta(minutes=10), "in 10 minutes"), (timedelta(seconds=20), "in 1 minute"),
    (timedelta(hours=1), "in 1 hour"), (timedelta(hours=5), "in 5 hours"), (timedelta(days=1), "tomorrow"),
    (timedelta(days=11), "in 11 days"),
])
def test_when_a_card_comes_back_in_words(delta: timedelta, words: str) -> None:
    assert due_in_words(T0 + delta, T0) == words
