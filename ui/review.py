"""The Review page's state: the learner's cards, the short session under way, and answering a card.

The schedule lives in the store (``elearn.store.reviews``); only what belongs to this tab is in
``st.session_state``: the session (when it started, which cards it has answered), when each card
was first shown (for the response time that tells Good from Easy), and the last answer, whose
feedback is on screen. A reload keeps them; another tab has its own session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from elearn.course.catalogue import Course
from elearn.learner.journey import skill_masteries
from elearn.learner.review import Answered, ReviewCard, ReviewSession, answer, cards_for, due_cards
from elearn.store import Progress, User, events_for
from elearn.store.reviews import CardChanged, ReviewAnswer, record_review, review_answers_for, review_cards_for
from ui.store import current_store

_SESSION = "review-session"
_SHOWN = "review-shown"
_RESULT = "review-result"


def my_cards(user: User, course: Course) -> list[ReviewCard]:
    """Every decision ``user`` has met, as a card with its schedule (one read of each kind)."""
    store = current_store()
    return cards_for(course, events_for(store, user, user.id), review_cards_for(store, user, user.id))


def my_answers(user: User) -> tuple[ReviewAnswer, ...]:
    """``user``'s own review answers, oldest first."""
    return review_answers_for(current_store(), user, user.id)


def due_now(user: User, course: Course, progress: Progress, now: datetime) -> tuple[list[ReviewCard], list[ReviewCard]]:
    """All of ``user``'s cards, and those due at ``now`` in the order to review them."""
    cards = my_cards(user, course)
    return cards, due_cards(cards, skill_masteries(course, progress), now)


def session(now: datetime) -> ReviewSession:
    """This tab's review session, started now if there is none."""
    current = st.session_state.get(_SESSION)
    if not isinstance(current, ReviewSession):
        current = ReviewSession(started_at=now)
        st.session_state[_SESSION] = current
    return current


def new_session() -> None:
    """Forget the session, so the next card starts a new one."""
    st.session_state.pop(_SESSION, None)


@dataclass(frozen=True)
class _Shown:
    at: datetime
    event_key: str


def shown(card: ReviewCard, now: datetime) -> _Shown:
    """When this tab first showed ``card`` at its current version, and the key its answer will carry.

    The key names the click: a rerun of the same answer stores nothing twice.
    """
    seen: dict[tuple[str, int], _Shown] = st.session_state.setdefault(_SHOWN, {})
    return seen.setdefault((card.key.text, card.version), _Shown(now, uuid.uuid4().hex))


@dataclass(frozen=True)
class Result:
    """The feedback to show: the answer, or a notice that another tab answered the card first."""

    answered: Answered | None
    notice: str = ""


def submit(user: User, card: ReviewCard, choice_id: str, now: datetime) -> None:
    """Answer ``card``: compute its new schedule, store it with the answer, keep the feedback to show."""
    first = shown(card, now)
    done = answer(card, choice_id, first.at, now)
    try:
        record_review(current_store(), user, done.to_store(first.event_key))
    except CardChanged as changed:
        st.session_state[_RESULT] = Result(None, str(changed))
        return
    st.session_state[_SESSION] = session(now).with_answer(card.key)
    st.session_state[_RESULT] = Result(done)


def last_result() -> Result | None:
    found = st.session_state.get(_RESULT)
    return found if isinstance(found, Result) else None


def clear_result() -> None:
    st.session_state.pop(_RESULT, None)
