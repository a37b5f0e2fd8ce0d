"""Review cards, review answers and self-assessments in the store, on SQLite and PostgreSQL.

The schedule written is what ``elearn.learner.review`` computes (here: through it, on a fixed
clock). A review is a compare-and-set on the card's version: two answers to one card at once,
from two stores (as two app processes would be), never both land.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest

from elearn.course.catalogue import load_course
from elearn.learner.review import answer, cards_for
from elearn.store import AccessDenied, NewChoice, Store, User, events_for, record_choice, start_attempt
from elearn.store.confidence import confidence_for, rate_confidence
from elearn.store.reviews import CardChanged, NewReview, record_review, review_answers_for, review_cards_for
from tests.conftest import FIXTURES

from .helpers import NOW, Target, World

COURSE = load_course(FIXTURES / "course")


def _meet_opening(store: Store, user: User) -> None:
    """``user`` answers the fixture scenario's first decision well, at NOW."""
    attempt = start_attempt(store, user, "outage", 1, run_json="{}", now=NOW)
    record_choice(store, user, NewChoice(
        event_key=f"{user.username}-opening", attempt_id=attempt.id, node_id="opening", choice_id="acknowledge",
        evidence={"empathy": "good"}, anger_before=70, anger_after=55, first_attempt=True, occurred_at=NOW,
    ))


def _next_review(store: Store, user: User, choice_id: str, key: str, days: int = 3) -> NewReview:
    """The learner's next review of the opening card, as the Review page computes it."""
    (card,) = cards_for(COURSE, events_for(store, user, user.id), review_cards_for(store, user, user.id))
    when = NOW + timedelta(days=days)
    return answer(card, choice_id, when - timedelta(seconds=20), when).to_store(key)


def test_reviews_are_stored_as_their_own_events_and_the_schedule_survives_a_new_store(
    store: Store, world: World, target: Target
) -> None:
    _meet_opening(store, world.ana)
    assert review_cards_for(store, world.ana, world.ana.id) == ()  # a card gets a row at its first review
    first = _next_review(store, world.ana, "acknowledge", "ana-1")
    assert record_review(store, world.ana, first) is True

    reopened = target.open()  # another process, or the app after a restart
    (card,) = review_cards_for(reopened, world.ana, world.ana.id)
    assert (card.scenario_id, card.node_id, card.version) == ("outage", "opening", 1)
    assert card.schedule == first.schedule
    assert card.schedule.due_at.tzinfo is not None
    (stored,) = review_answers_for(reopened, world.ana, world.ana.id)
    assert (stored.choice_id, stored.rating, stored.grade, stored.response_ms, stored.card_version) == \
        ("acknowledge", "good", 3, 20_000, 1)
    assert (stored.due_before, stored.due_after, stored.reviewed_at) == \
        (first.due_before, first.schedule.due_at, first.reviewed_at)

    second = _next_review(reopened, world.ana, "policy", "ana-2", days=30)
    assert second.expected_version == 1
    assert record_review(reopened, world.ana, second) is True
    assert [a.rating for a in review_answers_for(store, world.ana, world.ana.id)] == ["good", "partial"]
    # Review answers are not choices: the scenario's evidence is untouched.
    assert [e.choice_id for e in events_for(store, world.ana, world.ana.id)] == ["acknowledge"]


def test_a_retried_review_is_stored_once_and_a_stale_one_is_refused(store: Store, world: World) -> None:
    _meet_opening(store, world.ana)
    review = _next_review(store, world.ana, "acknowledge", "click-1")
    assert record_review(store, world.ana, review) is True
    assert record_review(store, world.ana, review) is False  # the same click again
    stale = replace(review, event_key="click-2")  # computed from version 0 too: another tab
    with pytest.raises(CardChanged, match="answered somewhere else"):
        record_review(store, world.ana, stale)
    assert len(review_answers_for(store, world.ana, world.ana.id)) == 1
    assert review_cards_for(store, world.ana, world.ana.id)[0].version == 1


def test_a_review_only_ever_writes_the_learners_own_card(store: Store, world: World) -> None:
    _meet_opening(store, world.ana)
    _meet_opening(store, world.abe)
    review = _next_review(store, world.ana, "acknowledge", "ana-1")
    assert record_review(store, world.abe, replace(review, event_key="abe-1")) is True  # abe's own card
    assert record_review(store, world.ana, review) is True  # ana's card was not touched by abe's answer
    assert [c.user_id for c in review_cards_for(store, world.admin, world.ana.id)] == [world.ana.id]
    assert [c.user_id for c in review_cards_for(store, world.admin, world.abe.id)] == [world.abe.id]


def test_reviews_and_confidence_are_read_only_by_those_who_may(store: Store, world: World) -> None:
    for person in (world.ana, world.bea):
        _meet_opening(store, person)
        record_review(store, person, _next_review(store, person, "acknowledge", f"{person.username}-1"))
        rate_confidence(store, person, "before", {"empathy": 3}, NOW)
    reads = (review_cards_for, review_answers_for, confidence_for)
    for read in reads:
        assert read(store, world.ana, world.ana.id)
        assert read(store, world.manager, world.ana.id)  # ana is in the team manny manages
        assert read(store, world.admin, world.bea.id)
        for viewer, subject in ((world.ana, world.bea), (world.abe, world.ana), (world.manager, world.bea)):
            with pytest.raises(AccessDenied):
                read(store, viewer, subject.id)


def test_two_answers_to_one_card_at_once_never_both_land(target: Target, world: World, store: Store) -> None:
    """Two stores (two app processes' connection pools) answer the same card at the same version,
    released together, round after round: exactly one answer lands each round."""
    _meet_opening(store, world.ana)
    first, second = target.open(), target.open()
    for round_number in range(12):
        review = _next_review(store, world.ana, "acknowledge", f"r{round_number}-a", days=3 + 40 * round_number)
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def answer_from(each: Store, key: str, proposed: NewReview = review, barrier: threading.Barrier = barrier,
                        outcomes: list[str] = outcomes) -> None:
            barrier.wait()
            try:
                record_review(each, world.ana, replace(proposed, event_key=key))
                outcomes.append("stored")
            except CardChanged:
                outcomes.append("refused")

        threads = [threading.Thread(target=answer_from, args=(each, f"r{round_number}-{side}"))
                   for each, side in ((first, "a"), (second, "b"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcomes) == ["refused", "stored"], f"round {round_number}: {outcomes}"
        (card,) = review_cards_for(store, world.ana, world.ana.id)
        assert card.version == round_number + 1
    answers = review_answers_for(store, world.ana, world.ana.id)
    assert [a.card_version for a in answers] == list(range(1, 13))


def test_confidence_is_given_once_per_moment(store: Store, world: World) -> None:
    assert rate_confidence(store, world.ana, "before", {"empathy": 2, "solutions": 4}, NOW) is True
    assert rate_confidence(store, world.ana, "before", {"empathy": 5}, NOW + timedelta(days=1)) is False
    assert rate_confidence(store, world.ana, "after", {"empathy": 4}, NOW + timedelta(days=9)) is True
    given = confidence_for(store, world.ana, world.ana.id)
    assert [(r.moment, r.skill_id, r.confidence) for r in given] == \
        [("after", "empathy", 4), ("before", "empathy", 2), ("before", "solutions", 4)]
    assert given[1].rated_at == NOW


@pytest.mark.parametrize(("moment", "ratings", "message"), [
    ("during", {"empathy": 3}, "moment must be one of"),
    ("before", {}, "at least one rating"),
    ("before", {"empathy": 0}, "must be 1-5"),
    ("before", {"empathy": 6}, "must be 1-5"),
    ("before", {"x" * 101: 3}, "must be 1-5"),
])
def test_confidence_out_of_range_is_refused(store: Store, world: World, moment: str, ratings: dict[str, int],
                                            message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rate_confidence(store, world.ana, moment, ratings, NOW)
    assert confidence_for(store, world.ana, world.ana.id) == ()
