"""The Review page and the self-assessment in AppTest: due cards from past decisions, answering
them (stored, rescheduled), the session's end, the count on the course home, retention and
confidence on My skills."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from elearn.course.schema import Choice, Node
from elearn.learner.journey import skill_masteries
from elearn.learner.review import answer, cards_for, due_cards, quality
from elearn.store import (
    NewChoice,
    Role,
    Store,
    User,
    create_user,
    events_for,
    open_store,
    progress_for,
    record_choice,
    start_attempt,
    upgrade,
)
from elearn.store.confidence import confidence_for
from elearn.store.reviews import record_review, review_answers_for, review_cards_for
from tests.conftest import shipped_course

from .conftest import PASSWORD, as_read, open_page, sign_in, texts

COURSE = shipped_course()
SCENARIO = COURSE.scenarios[0]


def _store(data_dir: Path) -> Store:
    store = open_store(None, data_dir)
    upgrade(store)
    return store


def _two_decisions() -> tuple[Node, Node]:
    first = SCENARIO.node(SCENARIO.start)
    assert first is not None
    second = SCENARIO.node(first.best_choice.target(50))
    assert second is not None
    return first, second


def _worst(node: Node) -> Choice:
    poor = [choice for choice in node.choices if quality(choice.evidence.values()) == "poor"]
    assert poor, f"{SCENARIO.id}/{node.id} has no poor answer"
    return poor[0]


def _learner_who_met_two_decisions(data_dir: Path, days_ago: int = 3) -> User:
    """A learner who answered the first two decisions of a scenario ``days_ago`` days ago."""
    store = _store(data_dir)
    me = create_user(store, username="ana", display_name="Ana", password=PASSWORD, now=datetime.now(UTC),
                     roles=(Role.LEARNER,))
    when = datetime.now(UTC) - timedelta(days=days_ago)
    attempt = start_attempt(store, me, SCENARIO.id, SCENARIO.version, run_json="{}", now=when)
    for number, node in enumerate(_two_decisions()):
        choice = node.best_choice
        record_choice(store, me, NewChoice(
            event_key=f"ana-{number}", attempt_id=attempt.id, node_id=node.id, choice_id=choice.id,
            evidence=choice.evidence, anger_before=50, anger_after=40, first_attempt=True,
            occurred_at=when + timedelta(minutes=number),
        ))
    store.dispose()
    return me


def _click(at, label: str) -> None:  # type: ignore[no-untyped-def]
    [button] = [b for b in at.button if b.label == label]
    button.click().run()
    assert not at.exception


def test_due_decisions_are_counted_on_home_and_reviewed_in_a_short_session(own_database: Path) -> None:
    me = _learner_who_met_two_decisions(own_database)
    store = _store(own_database)
    # The order to expect is the core's (weakest skill first): here skills without evidence.
    progress = progress_for(store, me, me.id)
    due = due_cards(cards_for(COURSE, events_for(store, me, me.id), ()), skill_masteries(COURSE, progress),
                    datetime.now(UTC))
    first, second = (card.node for card in due)
    assert {first.id, second.id} == {node.id for node in _two_decisions()}
    at = sign_in("ana")
    assert "**Review** · 2 of the 2 decisions you have met are due" in texts(at)

    open_page(at, "review")
    assert not at.exception
    assert first.customer in texts(at)
    assert second.customer not in texts(at)
    shown = [b.label for b in at.button if b.label != "Sign out"]
    assert sorted(shown) == sorted(choice.say for choice in first.choices)
    _click(at, first.best_choice.say)
    assert "**Good answer.**" in texts(at)
    assert "This decision comes back in " in texts(at)

    _click(at, "Next card")
    assert second.customer in texts(at)
    worst = _worst(second)
    _click(at, worst.say)
    page = texts(at)
    assert "**Not this time.**" in page
    assert f"**A better answer:** {second.best_choice.say}" in page
    assert "This decision comes back in 10 minutes." in page  # a poor answer: back in the next session

    _click(at, "Next card")
    assert "Session done: 2 decisions reviewed." in texts(at)

    answers = review_answers_for(store, me, me.id)
    assert [(a.node_id, a.choice_id, a.rating) for a in answers] == \
        [(first.id, first.best_choice.id, "good"), (second.id, worst.id, "poor")]
    cards = {card.node_id: card for card in review_cards_for(store, me, me.id)}
    assert cards[first.id].version == cards[second.id].version == 1
    assert cards[second.id].schedule.due_at < cards[first.id].schedule.due_at

    open_page(at, "home")
    assert "**Review** · 0 of the 2 decisions you have met are due" in texts(at)
    open_page(at, "skills")
    assert not at.exception
    assert "What you still remember" in [h.value for h in at.subheader]
    assert "What you still remember: the data as a table" in [e.label for e in at.expander], \
        "the retention chart has its data as a table beside it"
    [table] = [h.value for h in at.get("html") if "<caption>What you still remember</caption>" in h.value]
    assert "<td>2</td><td>1</td><td>1</td><td>50%</td>" in table  # reviews, recalled, good, share
    assert any("1 of 2 answers recalled (50%), 1 of them good." in as_read(m.value) for m in at.markdown)


def test_the_review_page_says_when_nothing_is_due_or_nothing_was_met(own_database: Path) -> None:
    _learner_who_met_two_decisions(own_database, days_ago=0)
    at = sign_in("ana")
    open_page(at, "review")
    assert not at.exception
    assert "Nothing is due now. The next decision comes back in 2 days." in texts(at)  # good answers: 2 days

    store = _store(own_database)
    create_user(store, username="ben", display_name="Ben", password=PASSWORD, now=datetime.now(UTC))
    store.dispose()
    fresh = sign_in("ben")
    open_page(fresh, "review")
    assert "Nothing to review yet" in texts(fresh)
    open_page(fresh, "home")
    assert "decisions you have met" not in texts(fresh)


def test_confidence_is_asked_before_the_course_and_shown_beside_mastery(own_database: Path) -> None:
    store = _store(own_database)
    me = create_user(store, username="cleo", display_name="Cleo", password=PASSWORD, now=datetime.now(UTC))
    at = sign_in("cleo")
    assert "**Before you start: how confident are you?**" in texts(at)
    skills = list(COURSE.skills.values())
    at.radio(key=f"confidence-before-{skills[0].id}").set_value(4)
    at.button(key="FormSubmitter:confidence-before-Save my ratings").click().run()
    assert not at.exception
    assert f"{len(skills) - 1:d} still have no rating" in texts(at)
    assert confidence_for(store, me, me.id) == ()

    for skill in skills:
        at.radio(key=f"confidence-before-{skill.id}").set_value(5 if skill == skills[0] else 2)
    at.button(key="FormSubmitter:confidence-before-Save my ratings").click().run()
    assert not at.exception
    assert "Before you start" not in texts(at)
    given = {r.skill_id: r.confidence for r in confidence_for(store, me, me.id)}
    assert given[skills[0].id] == 5
    assert len(given) == len(skills)

    open_page(at, "skills")
    assert "Your confidence beside your answers" in [h.value for h in at.subheader]
    table = at.dataframe[-1].value
    assert table["Confidence before"].iloc[0] == "Very confident"
    assert set(table["Compared"]) == {"not measured yet"}
    store.dispose()


def test_a_card_answered_in_another_tab_meanwhile_is_not_answered_again_here(own_database: Path) -> None:
    me = _learner_who_met_two_decisions(own_database)
    store = _store(own_database)
    at = sign_in("ana")
    open_page(at, "review")
    [shown] = [card for card in cards_for(COURSE, events_for(store, me, me.id), ())
               if card.node.customer in texts(at)]
    # Another tab (or process) answers the card this page is showing.
    elsewhere = answer(shown, shown.node.best_choice.id, datetime.now(UTC), datetime.now(UTC))
    assert record_review(store, me, elsewhere.to_store("other-tab"))
    # This tab's click comes after: its button belonged to the card's old version, so the rerun
    # stores nothing and shows the next card. (Two answers computed in the same instant are the
    # store's compare-and-set: tests/store/test_reviews.py.)
    _click(at, shown.node.best_choice.say)
    assert [a.choice_id for a in review_answers_for(store, me, me.id)] == [shown.node.best_choice.id]
    assert shown.node.customer not in texts(at)
    assert "**Good answer.**" not in texts(at)
    store.dispose()
