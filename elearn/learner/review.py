"""Spaced review of past decisions: which cards a learner has, when each is due, what an answer does.

Every decision a learner has met in a scenario is a card: the customer's line, the answers in
a shuffled order, then the feedback on the answer picked. Cards are scheduled by FSRS (the
``fsrs`` package, ``SCHEDULER``). The learner's first answer at the decision in the scenario is
the card's first review, at the time it was given; every answer in review is the next. An
answer's quality rates the review: poor = Again, partial = Hard, good = Good, or Easy when
given within ``EASY_WITHIN_SECONDS``.

The scheduler is deterministic (no interval fuzz), so a card that has never been reviewed needs
no stored state: its schedule follows from the first answer, and the store only keeps cards
that have been reviewed (``elearn.store.reviews``). Everything here is a pure function of the
course, the learner's events, the stored cards and the time passed in.

A review session offers due cards weakest skill first (``elearn.learner.mastery.to_improve``),
most overdue first among equals, and ends after ``SESSION_CARDS`` cards or ``SESSION_SECONDS``.
Reviews do not change mastery (docs/review.md).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler, State

from elearn.course.catalogue import Course
from elearn.course.schema import Choice, Node, Scenario
from elearn.learner.mastery import SkillMastery, to_improve
from elearn.play.engine import display_order
from elearn.store.records import ChoiceEvent
from elearn.store.reviews import NewReview, Schedule, StoredCard

SESSION_CARDS = 5
SESSION_SECONDS = 120
EASY_WITHIN_SECONDS = 15.0
"""A good answer this fast (from the card shown to the click) is rated Easy, slower ones Good.
Reading the customer's line and three or four answers takes most people 8-12 seconds."""
LONGEST_RESPONSE_MS = 10 * 60 * 1000
"""A card left open longer (a coffee break) is recorded as this long: the time says nothing then."""

SCHEDULER = Scheduler(
    desired_retention=0.9,
    # No learning steps: the first answer in the scenario already was the first study of the
    # decision, so a card goes straight to review, due in a day or more.
    learning_steps=(),
    # A card forgotten in review comes back ten minutes later: in the next session.
    relearning_steps=(timedelta(minutes=10),),
    # Fuzz spreads due dates at random; without it a card's schedule follows from its answers
    # alone, which lets an unreviewed card be derived instead of stored.
    enable_fuzzing=False,
)

GRADE_OF_RATING = {"poor": Rating.Again, "partial": Rating.Hard, "good": Rating.Good}


@dataclass(frozen=True)
class CardKey:
    scenario_id: str
    node_id: str

    @property
    def text(self) -> str:
        return f"{self.scenario_id}/{self.node_id}"


@dataclass(frozen=True)
class ReviewCard:
    """One decision to review, with its schedule. ``version`` 0: never reviewed, schedule derived."""

    key: CardKey
    scenario: Scenario
    node: Node
    schedule: Schedule
    version: int

    @property
    def due_at(self) -> datetime:
        return self.schedule.due_at

    @property
    def skills(self) -> tuple[str, ...]:
        """The skills this decision's answers give evidence for, in first-seen order."""
        return tuple(dict.fromkeys(skill for choice in self.node.choices for skill in choice.evidence))

    def is_due(self, now: datetime) -> bool:
        return self.due_at <= now

    def choices_shown(self) -> tuple[Choice, ...]:
        """The answers in this review's order: a new order each review, the same on a rerun."""
        return display_order(self.node, zlib.crc32(self.key.text.encode()) + self.version)


@dataclass(frozen=True)
class Answered:
    """What one answer in review did: its quality, the FSRS grade, and the card's new schedule."""

    card: ReviewCard
    choice: Choice
    rating: str
    grade: Rating
    response_ms: int
    schedule: Schedule
    reviewed_at: datetime

    def to_store(self, event_key: str) -> NewReview:
        """The answer as ``elearn.store.reviews.record_review`` takes it."""
        return NewReview(
            event_key=event_key, scenario_id=self.card.key.scenario_id, node_id=self.card.key.node_id,
            expected_version=self.card.version, choice_id=self.choice.id, rating=self.rating,
            grade=int(self.grade), response_ms=self.response_ms, due_before=self.card.due_at,
            schedule=self.schedule, reviewed_at=self.reviewed_at,
        )


def quality(evidence: Iterable[str]) -> str:
    """An answer's quality from its skill ratings: good if all are good, poor if all are poor,
    partial otherwise (the scenario player's green, red and amber feedback)."""
    ratings = set(evidence)
    if ratings == {"good"}:
        return "good"
    if ratings == {"poor"}:
        return "poor"
    return "partial"


def grade_for(rating: str, response_seconds: float | None) -> Rating:
    """The FSRS grade of an answer: poor = Again, partial = Hard, good = Good, or Easy when the
    good answer took at most ``EASY_WITHIN_SECONDS`` (unknown time: Good)."""
    if rating == "good" and response_seconds is not None and response_seconds <= EASY_WITHIN_SECONDS:
        return Rating.Easy
    return GRADE_OF_RATING[rating]


def _to_fsrs(schedule: Schedule) -> Card:
    return Card(card_id=1, state=State(schedule.state), step=schedule.step, stability=schedule.stability,
                difficulty=schedule.difficulty, due=schedule.due_at, last_review=schedule.last_review_at)


def _from_fsrs(card: Card) -> Schedule:
    return Schedule(state=int(card.state), step=card.step, stability=card.stability, difficulty=card.difficulty,
                    due_at=card.due, last_review_at=card.last_review)


def review(schedule: Schedule, grade: Rating, at: datetime, response_ms: int | None = None) -> Schedule:
    """The schedule after one review graded ``grade`` at ``at`` (an aware UTC time)."""
    reviewed, _ = SCHEDULER.review_card(_to_fsrs(schedule), grade, at.astimezone(UTC), response_ms)
    return _from_fsrs(reviewed)


def first_schedule(first_answer: ChoiceEvent) -> Schedule:
    """A new card's schedule: its first review is the learner's first answer in the scenario."""
    new = Schedule(state=int(State.Learning), step=0, stability=None, difficulty=None,
                   due_at=first_answer.occurred_at, last_review_at=None)
    grade = GRADE_OF_RATING[quality(first_answer.evidence.values())]
    return review(new, grade, first_answer.occurred_at)


def cards_for(course: Course, events: Iterable[ChoiceEvent], stored: Iterable[StoredCard]) -> list[ReviewCard]:
    """Every decision the learner has met that the course still has, as a card, in the order met.

    A stored card carries its schedule; any other is derived from the learner's first answer at
    that decision. Decisions of scenarios or nodes no longer in the course are left out.
    """
    rows = {CardKey(card.scenario_id, card.node_id): card for card in stored}
    first: dict[CardKey, ChoiceEvent] = {}
    for event in sorted(events, key=lambda e: (e.occurred_at, e.id)):
        first.setdefault(CardKey(event.scenario_id, event.node_id), event)
    cards = []
    for key, event in first.items():
        scenario = course.scenario(key.scenario_id)
        node = scenario.node(key.node_id) if scenario is not None else None
        if scenario is None or node is None:
            continue
        row = rows.get(key)
        if row is not None:
            cards.append(ReviewCard(key, scenario, node, row.schedule, row.version))
        else:
            cards.append(ReviewCard(key, scenario, node, first_schedule(event), 0))
    return cards


def due_cards(cards: Iterable[ReviewCard], masteries: Mapping[str, SkillMastery], now: datetime) -> list[ReviewCard]:
    """The cards due at ``now``, weakest skill first, then most overdue first.

    A card's weakness is that of its weakest skill, in ``to_improve``'s order (measured weak
    skills, then skills without enough evidence); a card whose skills are all proficient comes last.
    """
    order = {mastery.skill: rank for rank, mastery in enumerate(to_improve(masteries.values()))}
    last = len(order)

    def weakness(card: ReviewCard) -> tuple[int, datetime]:
        return min((order.get(skill, last) for skill in card.skills), default=last), card.due_at

    return sorted((card for card in cards if card.is_due(now)), key=weakness)


def answer(card: ReviewCard, choice_id: str, shown_at: datetime, now: datetime) -> Answered:
    """Answer ``card`` with ``choice_id`` at ``now`` (shown at ``shown_at``): the new schedule.

    Raises ``ValueError`` if ``choice_id`` is not one of the decision's answers.
    """
    choice = card.node.choice(choice_id)
    if choice is None:
        raise ValueError(f"'{choice_id}' is not an answer at {card.key.text}")
    elapsed_ms = max(0, int((now - shown_at).total_seconds() * 1000))
    response_ms = min(elapsed_ms, LONGEST_RESPONSE_MS)
    rating = quality(choice.evidence.values())
    grade = grade_for(rating, response_ms / 1000)
    return Answered(card, choice, rating, grade, response_ms, review(card.schedule, grade, now, response_ms), now)


def better_answer(card: ReviewCard, choice: Choice) -> Choice | None:
    """The decision's best answer when ``choice`` was not good (to show beside the feedback)."""
    best = card.node.best_choice
    return None if quality(choice.evidence.values()) == "good" or best.id == choice.id else best


@dataclass(frozen=True)
class ReviewSession:
    """A short review session: about ``SESSION_CARDS`` cards or ``SESSION_SECONDS``, whichever first."""

    started_at: datetime
    answered: tuple[str, ...] = ()
    """The keys (``CardKey.text``) of the cards answered in this session, in order."""

    def over(self, now: datetime) -> bool:
        """True once enough cards are answered, or once the time is up and a card has been answered
        (a card under way is finished first, however long the learner was away from it)."""
        if len(self.answered) >= SESSION_CARDS:
            return True
        return bool(self.answered) and now - self.started_at >= timedelta(seconds=SESSION_SECONDS)

    def with_answer(self, key: CardKey) -> ReviewSession:
        return ReviewSession(self.started_at, (*self.answered, key.text))

    def next_card(self, due: Sequence[ReviewCard], now: datetime) -> ReviewCard | None:
        """The next card to show, or None when the session is over or nothing is due."""
        if self.over(now):
            return None
        return next((card for card in due if card.key.text not in self.answered), None)


def due_in_words(due_at: datetime, now: datetime) -> str:
    """When a card comes back, e.g. "in 10 minutes", "tomorrow", "in 11 days"."""
    seconds = (due_at - now).total_seconds()
    if seconds < 3600:
        return _in(max(1, round(seconds / 60)), "minute")
    if seconds < 86400:
        return _in(round(seconds / 3600), "hour")
    days = round(seconds / 86400)
    return "tomorrow" if days == 1 else _in(days, "day")


def _in(count: int, unit: str) -> str:
    return f"in {count} {unit}" if count == 1 else f"in {count} {unit}s"
