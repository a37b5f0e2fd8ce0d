"""Spaced review in the store: each card's schedule, and the answers given in review.

The store keeps what ``elearn.learner.review`` computes; it knows nothing of FSRS beyond the
columns. A card is one decision (scenario and node) of one learner. Its row appears at its first
review: before that the schedule is derived from the learner's first answer in the scenario.

``record_review`` is a compare-and-set: it writes a card's new schedule only if the card is
still at the version the caller computed it from (no row yet counts as version 0), and stores
the answer in the same transaction. Two answers to one card at once (two tabs, two app
processes) therefore never both land: the second raises ``CardChanged`` and writes nothing.
On PostgreSQL the conditional UPDATE waits for the first writer's row lock and then sees its
new version; on SQLite writers take turns (BEGIN IMMEDIATE). A retried write (``event_key``
already stored) returns False instead.

Reads take the acting viewer and are checked on the server: a learner reads only their own
cards and answers, a manager their teams' members', an admin everyone's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from elearn.store.access import require_read
from elearn.store.db import Store, insert_ignoring_duplicates
from elearn.store.errors import StoreError
from elearn.store.records import RATINGS, User, Viewer
from elearn.store.tables import ReviewAnswerRow, ReviewCardRow

GRADES = frozenset({1, 2, 3, 4})


class CardChanged(StoreError):
    """The card was reviewed elsewhere (another tab or process) since this answer was computed."""


@dataclass(frozen=True)
class Schedule:
    """A card's FSRS state as the store keeps it (``fsrs.Card`` without its id)."""

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due_at: datetime
    last_review_at: datetime | None


@dataclass(frozen=True)
class StoredCard:
    """A card's row: whose, which decision, its schedule and version (reviews so far)."""

    id: int
    user_id: int
    scenario_id: str
    node_id: str
    schedule: Schedule
    version: int


@dataclass(frozen=True)
class NewReview:
    """One review answer to record, with the schedule it gives the card.

    ``expected_version`` is the version the schedule was computed from (0: the card has no row
    yet). ``event_key`` names the click, so a retried write is recognised.
    """

    event_key: str
    scenario_id: str
    node_id: str
    expected_version: int
    choice_id: str
    rating: str
    grade: int
    response_ms: int
    due_before: datetime
    schedule: Schedule
    reviewed_at: datetime

    def __post_init__(self) -> None:
        if not self.event_key or len(self.event_key) > 100:
            raise ValueError("event_key must be 1-100 characters")
        if self.rating not in RATINGS:
            raise ValueError(f"rating must be one of {sorted(RATINGS)}, not {self.rating!r}")
        if self.grade not in GRADES:
            raise ValueError(f"grade must be 1-4, not {self.grade!r}")
        if self.expected_version < 0 or self.response_ms < 0:
            raise ValueError("expected_version and response_ms must not be negative")


@dataclass(frozen=True)
class ReviewAnswer:
    """An answer given in review, as stored."""

    id: int
    user_id: int
    scenario_id: str
    node_id: str
    choice_id: str
    rating: str
    grade: int
    response_ms: int
    due_before: datetime
    due_after: datetime
    reviewed_at: datetime
    card_version: int


def record_review(store: Store, user: User, review: NewReview) -> bool:
    """Store ``user``'s review answer and their card's new schedule; True if stored now, False
    if this ``event_key`` was already stored. Raises ``CardChanged`` (and stores nothing) if the
    card is no longer at ``review.expected_version``. Only ever touches ``user``'s own card."""
    return store.write(lambda conn: _record(conn, user, review))


def _record(conn: Connection, user: User, review: NewReview) -> bool:
    if conn.scalar(select(ReviewAnswerRow.id).where(ReviewAnswerRow.event_key == review.event_key)) is not None:
        return False
    card_id = _set_schedule(conn, user, review)
    if card_id is None:
        raise CardChanged("This card was just answered somewhere else (another tab or window). Here is the next one.")
    conn.execute(insert(ReviewAnswerRow).values(
        event_key=review.event_key, card_id=card_id, card_version=review.expected_version + 1, user_id=user.id,
        scenario_id=review.scenario_id, node_id=review.node_id, choice_id=review.choice_id, rating=review.rating,
        grade=review.grade, response_ms=review.response_ms, due_before=review.due_before,
        due_after=review.schedule.due_at, reviewed_at=review.reviewed_at,
    ))
    return True


def _set_schedule(conn: Connection, user: User, review: NewReview) -> int | None:
    """Write the new schedule if the card is at the expected version; its id, or None if it is not."""
    schedule = review.schedule
    values = {
        "state": schedule.state, "step": schedule.step, "stability": schedule.stability,
        "difficulty": schedule.difficulty, "due_at": schedule.due_at, "last_review_at": schedule.last_review_at,
        "version": review.expected_version + 1, "updated_at": review.reviewed_at,
    }
    mine = (ReviewCardRow.user_id == user.id, ReviewCardRow.scenario_id == review.scenario_id,
            ReviewCardRow.node_id == review.node_id)
    if review.expected_version == 0:
        inserted = insert_ignoring_duplicates(conn, ReviewCardRow, {
            "user_id": user.id, "scenario_id": review.scenario_id, "node_id": review.node_id, **values,
        }, ("user_id", "scenario_id", "node_id"))
        return conn.scalar(select(ReviewCardRow.id).where(*mine)) if inserted else None
    # The version in the WHERE clause is the compare-and-set: PostgreSQL re-checks it after
    # waiting for a concurrent writer's row lock, so the loser matches no row.
    return conn.scalar(
        update(ReviewCardRow).where(*mine, ReviewCardRow.version == review.expected_version)
        .values(**values).returning(ReviewCardRow.id)
    )


# Read by the learner's home and My skills on every rerun: built once.
_CARDS_OF = select(ReviewCardRow).where(ReviewCardRow.user_id == bindparam("user_id")).order_by(ReviewCardRow.id)
_ANSWERS_OF = (select(ReviewAnswerRow).where(ReviewAnswerRow.user_id == bindparam("user_id"))
               .order_by(ReviewAnswerRow.reviewed_at, ReviewAnswerRow.id))


def review_cards_for(store: Store, viewer: Viewer, user_id: int) -> tuple[StoredCard, ...]:
    """``user_id``'s reviewed cards, if ``viewer`` may see them."""

    def work(conn: Connection) -> tuple[StoredCard, ...]:
        require_read(conn, viewer, user_id)
        rows = conn.execute(_CARDS_OF, {"user_id": user_id})
        return tuple(StoredCard(
            id=row.id, user_id=row.user_id, scenario_id=row.scenario_id, node_id=row.node_id, version=row.version,
            schedule=Schedule(state=row.state, step=row.step, stability=row.stability, difficulty=row.difficulty,
                              due_at=row.due_at, last_review_at=row.last_review_at),
        ) for row in rows)

    return store.read(work)


def review_answers_for(store: Store, viewer: Viewer, user_id: int) -> tuple[ReviewAnswer, ...]:
    """``user_id``'s review answers, oldest first, if ``viewer`` may see them."""

    def work(conn: Connection) -> tuple[ReviewAnswer, ...]:
        require_read(conn, viewer, user_id)
        rows = conn.execute(_ANSWERS_OF, {"user_id": user_id})
        return tuple(ReviewAnswer(
            id=row.id, user_id=row.user_id, scenario_id=row.scenario_id, node_id=row.node_id,
            choice_id=row.choice_id, rating=row.rating, grade=row.grade, response_ms=row.response_ms,
            due_before=row.due_before, due_after=row.due_after, reviewed_at=row.reviewed_at,
            card_version=row.card_version,
        ) for row in rows)

    return store.read(work)
