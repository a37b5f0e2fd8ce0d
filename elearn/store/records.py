"""The values the store hands out: frozen dataclasses, never ORM objects or database rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

RATINGS = frozenset({"good", "partial", "poor"})


class Role(StrEnum):
    """What a user may do; a user may hold several roles."""

    LEARNER = "learner"
    MANAGER = "manager"
    FACILITATOR = "facilitator"
    ADMIN = "admin"


@dataclass(frozen=True)
class User:
    """An account as the app sees it. ``has_password`` is False for single-sign-on accounts;
    ``email_verified`` says someone checked that ``email`` is this person's."""

    id: int
    username: str
    display_name: str
    email: str | None
    team_id: int | None
    roles: frozenset[Role]
    has_password: bool
    created_at: datetime
    last_seen_at: datetime | None
    email_verified: bool = False
    deactivated_at: datetime | None = None
    """Set while an administrator has deactivated the account: it cannot sign in."""

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def active(self) -> bool:
        return self.deactivated_at is None


Viewer = User
"""The signed-in user on whose behalf a read runs; access is checked against the database."""

MAX_ID = 2**31 - 1
"""The largest id a row can have: ids are INTEGER columns, 32-bit on PostgreSQL."""


def id_from_text(text: str) -> int | None:
    """An id typed or linked as text (``?user=42``), or None unless it is one: ASCII digits only
    (no sign, no "²" or other Unicode digits that ``int`` would refuse), from 1 to ``MAX_ID``."""
    if not text or len(text) > len(str(MAX_ID)) or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


@dataclass(frozen=True)
class NewAccount:
    """One account to create in a batch (``add_people``). ``where`` says where it came from
    ("Row 3" of an upload) and begins each of its problems; ``password`` None means single sign-on."""

    username: str
    display_name: str = ""
    email: str | None = None
    team_id: int | None = None
    roles: frozenset[Role] = frozenset({Role.LEARNER})
    manages: tuple[int, ...] = ()
    password: str | None = None
    where: str = ""


@dataclass(frozen=True)
class AuditEvent:
    """One administrative action: who (``actor``: a username, or "server shell"), what, to whom,
    when, and the fields it changed, before and after."""

    id: int
    occurred_at: datetime
    actor: str
    action: str
    subject: str
    before: Mapping[str, object]
    after: Mapping[str, object]


@dataclass(frozen=True)
class Team:
    id: int
    name: str
    created_at: datetime


@dataclass(frozen=True)
class Throttled:
    """Too many attempts lately (sign-ins, join codes); try again after ``retry_after``.

    Unknown usernames are throttled exactly like real ones, so this reveals nothing.
    """

    retry_after: datetime


@dataclass(frozen=True)
class LessonCompletion:
    user_id: int
    lesson_id: str
    completed_at: datetime


@dataclass(frozen=True)
class Attempt:
    """One try at a scenario. ``run_json`` is the engine's run: in progress, or final once
    ``finished_at`` is set (then ``ending_id``, ``outcome`` and ``score`` say how it ended)."""

    id: int
    user_id: int
    scenario_id: str
    scenario_version: int
    attempt_number: int
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    run_json: str
    ending_id: str | None
    outcome: str | None
    score: float | None

    @property
    def in_progress(self) -> bool:
        return self.finished_at is None


@dataclass(frozen=True)
class Finish:
    """How an attempt ended: the ending reached, its outcome and the attempt's score (0-100)."""

    ending_id: str
    outcome: str
    score: float


@dataclass(frozen=True)
class NewChoice:
    """A choice to record, as the engine knows it.

    ``event_key`` is chosen by the caller and identifies the click: recording the same key
    twice stores one event. ``first_attempt`` is the engine's call (the learner's first answer
    at this node: first attempt at the scenario and not after a rewind). The scenario, its
    version and the attempt number come from the attempt, so they cannot disagree with it.
    """

    event_key: str
    attempt_id: int
    node_id: str
    choice_id: str
    evidence: Mapping[str, str]
    anger_before: int
    anger_after: int
    first_attempt: bool
    occurred_at: datetime

    def __post_init__(self) -> None:
        if not self.event_key or len(self.event_key) > 100:
            raise ValueError(f"event_key must be 1-100 characters, got {self.event_key!r}")
        wrong = {skill: rating for skill, rating in self.evidence.items() if rating not in RATINGS}
        if wrong:
            raise ValueError(f"evidence ratings must be one of {sorted(RATINGS)}, got {wrong}")


@dataclass(frozen=True)
class ChoiceEvent:
    """A recorded choice: everything an xAPI statement needs (actor, verb, object, result,
    context, timestamp) without looking anything else up."""

    id: int
    event_key: str
    user_id: int
    attempt_id: int
    scenario_id: str
    scenario_version: int
    node_id: str
    choice_id: str
    evidence: Mapping[str, str]
    anger_before: int
    anger_after: int
    attempt_number: int
    first_attempt: bool
    occurred_at: datetime


@dataclass(frozen=True)
class Evidence:
    """One skill rating from a first-attempt choice: the input of the mastery model."""

    skill: str
    rating: str
    occurred_at: datetime
    scenario_id: str


@dataclass(frozen=True)
class Progress:
    """Everything the learner page shows about one user."""

    user: User
    completions: tuple[LessonCompletion, ...]
    attempts: tuple[Attempt, ...]
    evidence: tuple[Evidence, ...]
    resumable: Mapping[str, Attempt] = field(init=False)

    def __post_init__(self) -> None:
        # The latest unfinished attempt per scenario: what "Resume" reopens.
        latest: dict[str, Attempt] = {}
        for attempt in self.attempts:
            if attempt.in_progress:
                best = latest.get(attempt.scenario_id)
                if best is None or attempt.attempt_number > best.attempt_number:
                    latest[attempt.scenario_id] = attempt
        object.__setattr__(self, "resumable", latest)

    @property
    def completed_lessons(self) -> frozenset[str]:
        return frozenset(c.lesson_id for c in self.completions)
