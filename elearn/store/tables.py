"""The store's tables, declared once: queries use them and a test checks the migrations match.

Times are stored in UTC. ``UtcDateTime`` refuses naive datetimes on the way in and always gives
aware UTC datetimes back, on SQLite (which has no time zones) as on PostgreSQL. The migrations
in ``migrations/versions`` spell the same schema out by hand, revision by revision; they never
import this module, so editing it cannot rewrite history.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
EventId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """A point in time, stored as UTC; naive datetimes are a bug and are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware time, e.g. datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TeamRow(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class UserRow(Base):
    __tablename__ = "users"
    # Revision 0014: the completion table's order (name, then id), so a page or an export's batch
    # is read in index order instead of sorting everyone.
    __table_args__ = (Index(None, "display_name", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    # None for accounts that only sign in through single sign-on.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # revision 0002
    # Whether someone checked that ``email`` belongs to this person (revision 0005): an
    # administrator who entered it, or the identity provider. Self-registration leaves it False,
    # and single sign-on only matches an account by a verified address.
    email_verified: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # Set while an administrator has deactivated the account (revision 0008): it cannot sign
    # in, its sessions were revoked, and its data stays, reported as "deactivated".
    deactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class UserRoleRow(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class TeamManagerRow(Base):
    __tablename__ = "team_managers"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True, index=True)


class SessionRow(Base):
    """A sign-in session. The tab that signed in holds ``token``; the browser's HttpOnly cookie
    holds a second token for the same session (revision 0005), handed over through a one-time
    exchange code, so the tab's token never has to reach the page. Only SHA-256 hashes are kept."""

    __tablename__ = "sessions"
    __table_args__ = (
        Index(None, "cookie_token_hash", unique=True),
        Index(None, "cookie_code_hash", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 hex, never the token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cookie_token_hash: Mapped[str | None] = mapped_column(String(64))
    cookie_code_hash: Mapped[str | None] = mapped_column(String(64))  # None once redeemed
    cookie_code_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ThrottleRow(Base):
    """One throttle bucket (revision 0005): how many attempts it has counted lately, and when the
    last one was. ``key`` is the SHA-256 of the rule and its subject (a username, a client address
    or both), so neither is kept in clear; see ``elearn/store/throttle.py``."""

    __tablename__ = "throttles"
    __table_args__ = (Index(None, "rule", "last_at"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    rule: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(Integer)
    last_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IdentityLinkRow(Base):
    """A single-sign-on identity (the provider's issuer and its subject id for the person) linked
    to an account (revision 0005). One identity per account per provider."""

    __tablename__ = "identity_links"
    __table_args__ = (UniqueConstraint("issuer", "subject"), UniqueConstraint("user_id", "issuer"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SetupTokenRow(Base):
    __tablename__ = "setup_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PasswordResetRow(Base):
    """A one-time password-reset link an administrator issued (revision 0008). Only the token's
    SHA-256 is kept; ``used_at`` is set when it is spent or replaced by a newer link."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the server's shell
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AuditEventRow(Base):
    """One administrative action (revision 0008), written in the transaction of the action itself:
    who did it, what, to whom, when, and the fields it changed before and after."""

    __tablename__ = "audit_events"
    __table_args__ = (Index(None, "occurred_at"),)

    id: Mapped[int] = mapped_column(EventId, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the server's shell
    action: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    before: Mapped[dict[str, object]] = mapped_column(JSON)
    after: Mapped[dict[str, object]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LessonCompletionRow(Base):
    __tablename__ = "lesson_completions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    lesson_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AttemptRow(Base):
    __tablename__ = "scenario_attempts"
    __table_args__ = (UniqueConstraint("user_id", "scenario_id", "attempt_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scenario_id: Mapped[str] = mapped_column(String(100))
    scenario_version: Mapped[int] = mapped_column(Integer)
    attempt_number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    run_json: Mapped[str] = mapped_column(Text)  # the engine's run, opaque to the store
    ending_id: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str | None] = mapped_column(String(50))
    score: Mapped[float | None] = mapped_column(Float)


class ChoiceEventRow(Base):
    """One choice a learner made: append-only, never updated, keyed for idempotent retries."""

    __tablename__ = "choice_events"
    __table_args__ = (
        Index(None, "user_id", "occurred_at"),
        Index(None, "scenario_id", "occurred_at"),  # revision 0002
    )

    id: Mapped[int] = mapped_column(EventId, primary_key=True)
    event_key: Mapped[str] = mapped_column(String(100), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("scenario_attempts.id"))
    scenario_id: Mapped[str] = mapped_column(String(100))
    scenario_version: Mapped[int] = mapped_column(Integer)
    node_id: Mapped[str] = mapped_column(String(100))
    choice_id: Mapped[str] = mapped_column(String(100))
    evidence: Mapped[dict[str, str]] = mapped_column(JSON)
    anger_before: Mapped[int] = mapped_column(Integer)
    anger_after: Mapped[int] = mapped_column(Integer)
    attempt_number: Mapped[int] = mapped_column(Integer)
    first_attempt: Mapped[bool] = mapped_column(Boolean)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AssignmentRow(Base):
    """The course (or some modules) assigned to a team or one learner, due by a date (revision 0003).

    ``modules`` lists lesson ids; an empty list means the whole course. With ``recertify_days``
    a completion older than that many days has expired and the learner is due again.
    """

    __tablename__ = "assignments"
    __table_args__ = (Index(None, "team_id"), Index(None, "user_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    modules: Mapped[list[str]] = mapped_column(JSON)
    assigned_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recertify_days: Mapped[int | None] = mapped_column(Integer)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The reminder schedule (revision 0007): due-soon reminders this many days before the due
    # date (None: the default, ``elearn.mail.schedule``), and an overdue reminder every so many
    # days after it (None: the default; 0: none).
    remind_days_before: Mapped[list[int] | None] = mapped_column(JSON)
    overdue_every_days: Mapped[int | None] = mapped_column(Integer)


class RoomRow(Base):
    """A live workshop room: a facilitator plays one scenario with the room (revision 0004).

    ``run_json`` is the room's shared engine run; ``decision`` counts the decisions the room
    has reached (it moves on each time the story does), so votes are keyed by it.
    """

    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    scenario_id: Mapped[str] = mapped_column(String(100))
    scenario_version: Mapped[int] = mapped_column(Integer)
    run_json: Mapped[str] = mapped_column(Text)
    decision: Mapped[int] = mapped_column(Integer)
    voting_open: Mapped[bool] = mapped_column(Boolean)
    revealed: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RoomParticipantRow(Base):
    """Someone in a room, known by a nickname and a token kept by their phone (hashed here)."""

    __tablename__ = "room_participants"
    __table_args__ = (UniqueConstraint("room_id", "nickname_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    nickname: Mapped[str] = mapped_column(String(40))
    nickname_key: Mapped[str] = mapped_column(String(40))  # case- and space-folded, for uniqueness
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RoomVoteRow(Base):
    """A participant's current vote at one decision of a room (changed in place until voting closes)."""

    __tablename__ = "room_votes"
    __table_args__ = (UniqueConstraint("room_id", "decision", "participant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    decision: Mapped[int] = mapped_column(Integer)
    participant_id: Mapped[int] = mapped_column(ForeignKey("room_participants.id"))
    node_id: Mapped[str] = mapped_column(String(100))
    choice_id: Mapped[str] = mapped_column(String(100))
    voted_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RoomDecisionRow(Base):
    """What the room did at one decision: the choice taken, the majority, and the split."""

    __tablename__ = "room_decisions"
    __table_args__ = (UniqueConstraint("room_id", "decision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    decision: Mapped[int] = mapped_column(Integer)
    node_id: Mapped[str] = mapped_column(String(100))
    choice_id: Mapped[str] = mapped_column(String(100))
    majority_choice_id: Mapped[str | None] = mapped_column(String(100))
    overridden: Mapped[bool] = mapped_column(Boolean)
    votes: Mapped[dict[str, int]] = mapped_column(JSON)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReviewCardRow(Base):
    """The spaced-review schedule of one decision a learner has met (revision 0006).

    A decision becomes a card the first time the learner answers it in a scenario; its row is
    written at its first review (until then ``elearn.learner.review`` derives the schedule from
    that first answer). The columns are the FSRS card state. ``version`` goes up by one with
    every review: a review is written only if the version is still the one it was computed
    from (compare-and-set), so two answers to one card at once cannot both land.
    """

    __tablename__ = "review_cards"
    __table_args__ = (UniqueConstraint("user_id", "scenario_id", "node_id"), Index(None, "user_id", "due_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scenario_id: Mapped[str] = mapped_column(String(100))
    node_id: Mapped[str] = mapped_column(String(100))
    state: Mapped[int] = mapped_column(Integer)  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: Mapped[int | None] = mapped_column(Integer)
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_review_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReviewAnswerRow(Base):
    """One answer given in spaced review (revision 0006): append-only, keyed for idempotent retries.

    Review answers are events of their own kind, apart from ``choice_events``: they never count
    as first-attempt evidence of a skill (docs/review.md).
    """

    __tablename__ = "review_answers"
    __table_args__ = (Index(None, "user_id", "reviewed_at"), UniqueConstraint("card_id", "card_version"))

    id: Mapped[int] = mapped_column(EventId, primary_key=True)
    event_key: Mapped[str] = mapped_column(String(100), unique=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("review_cards.id"))
    card_version: Mapped[int] = mapped_column(Integer)  # the card's version this answer produced
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scenario_id: Mapped[str] = mapped_column(String(100))
    node_id: Mapped[str] = mapped_column(String(100))
    choice_id: Mapped[str] = mapped_column(String(100))
    rating: Mapped[str] = mapped_column(String(10))  # good, partial, poor: the answer's quality
    grade: Mapped[int] = mapped_column(Integer)  # fsrs.Rating: 1 again, 2 hard, 3 good, 4 easy
    response_ms: Mapped[int] = mapped_column(Integer)
    due_before: Mapped[datetime] = mapped_column(UtcDateTime)
    due_after: Mapped[datetime] = mapped_column(UtcDateTime)
    reviewed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SelfAssessmentRow(Base):
    """How confident a learner said they were in one skill, at one moment (revision 0006).

    ``moment`` is ``before`` (before the first lesson) or ``after`` (after the capstones); each
    is asked once, so the first answer stays.
    """

    __tablename__ = "self_assessments"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    moment: Mapped[str] = mapped_column(String(10), primary_key=True)
    skill_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    confidence: Mapped[int] = mapped_column(Integer)  # 1 (not at all confident) to 5 (very confident)
    rated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboxRow(Base):
    """One e-mail to send (revision 0007). ``job_key`` names the e-mail's kind, recipient, subject
    and period (``reminder:due-soon:7:user:12:assignment:3``), so one reminder is queued once
    whoever plans it. The message is composed when it is sent, from what the database holds then.
    A sender claims a row by writing ``lease_owner`` and ``lease_until`` where no live lease is;
    a failed try sets ``next_try_at`` later (backoff). ``sent_at`` or ``dropped_at`` ends it."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index(None, "sent_at", "next_try_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # assigned, due-soon, overdue, digest
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # the recipient
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    period: Mapped[str] = mapped_column(String(40))
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_try_at: Mapped[datetime] = mapped_column(UtcDateTime)
    tries: Mapped[int] = mapped_column(Integer)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    dropped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(300))  # the last error, or why it was not sent


class MailOptOutRow(Base):
    """A learner who asked for no more reminder e-mails (revision 0007); assignment notices still go."""

    __tablename__ = "mail_opt_outs"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    opted_out_at: Mapped[datetime] = mapped_column(UtcDateTime)


class UnsubscribeTokenRow(Base):
    """The one-click opt-out link of one reminder e-mail (revision 0007): only its SHA-256 is kept."""

    __tablename__ = "mail_unsubscribe_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CertificateRow(Base):
    """A certificate a learner earned (revision 0007): an assignment met, or the whole course
    (``assignment_id`` None), under the pass rule. ``award_key`` names the learner, what was met
    and when, so awarding again changes nothing; ``code`` is what ``/verify`` looks up."""

    __tablename__ = "certificates"
    __table_args__ = (Index(None, "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    award_key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    title: Mapped[str] = mapped_column(String(300))  # the course, or the modules met
    modules: Mapped[list[str]] = mapped_column(JSON)
    score_band: Mapped[str] = mapped_column(String(20))
    earned_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
class TypedReplyRow(Base):
    """What a learner typed at a decision in "Say it your way" (revision 0009), before seeing the answers.

    Stored with the answer in one transaction and keyed by the answer's ``event_key``, so a retried
    write keeps one. The rubric's feedback is derived from ``text`` when read, never stored.
    """

    __tablename__ = "typed_replies"
    __table_args__ = (Index(None, "user_id", "typed_at"), Index(None, "scenario_id", "node_id"))

    id: Mapped[int] = mapped_column(EventId, primary_key=True)
    event_key: Mapped[str] = mapped_column(String(100), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("scenario_attempts.id"))
    scenario_id: Mapped[str] = mapped_column(String(100))
    node_id: Mapped[str] = mapped_column(String(100))
    choice_id: Mapped[str] = mapped_column(String(100))  # the answer the learner then picked as closest
    first_attempt: Mapped[bool] = mapped_column(Boolean)
    text: Mapped[str] = mapped_column(Text)
    typed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RoomReplyRow(Base):
    """What a participant typed from their phone at one decision of a room (revision 0009);
    changed in place until voting there closes. The projector shows the texts without nicknames."""

    __tablename__ = "room_replies"
    __table_args__ = (UniqueConstraint("room_id", "decision", "participant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    decision: Mapped[int] = mapped_column(Integer)
    participant_id: Mapped[int] = mapped_column(ForeignKey("room_participants.id"))
    node_id: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    typed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OwnWordsSettingRow(Base):
    """Whether a learner plays in "Say it your way" (revision 0009): ``scenario_id`` "" is their choice
    for every scenario; a row for one scenario overrides it there."""

    __tablename__ = "own_words_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    scenario_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
class SkillRatingRow(Base):
    """One skill rated by a first-attempt choice (revision 0010): the mastery model's evidence,
    written with its choice event (``elearn.store.aggregates``), so no read explodes the JSON."""

    __tablename__ = "skill_ratings"
    __table_args__ = (Index(None, "user_id", "skill", "occurred_at"),)

    event_id: Mapped[int] = mapped_column(EventId, ForeignKey("choice_events.id"), primary_key=True)
    skill: Mapped[str] = mapped_column(String(100), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rating: Mapped[str] = mapped_column(String(10))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SkillTallyRow(Base):
    """Per learner and skill, the recency-weighted tally of their ratings (revision 0010): exactly
    ``elearn.learner.mastery``'s fold of ``skill_ratings`` in (time, event id) order, kept on write."""

    __tablename__ = "skill_tallies"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    skill: Mapped[str] = mapped_column(String(100), primary_key=True)
    successes: Mapped[float] = mapped_column(Float)
    failures: Mapped[float] = mapped_column(Float)
    observations: Mapped[int] = mapped_column(Integer)
    last_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_event_id: Mapped[int] = mapped_column(EventId)


class LearnerProgressRow(Base):
    """Per learner, what the completion table shows (revision 0010), recomputed from their lessons
    and attempts whenever one is written. ``lessons`` maps lesson id to Unix time of completion;
    ``scenarios`` maps scenario id to [latest finish (Unix time or null), best score, best
    successful score]."""

    __tablename__ = "learner_progress"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    lessons: Mapped[dict[str, int]] = mapped_column(JSON)
    scenarios: Mapped[dict[str, list[float | None]]] = mapped_column(JSON)
    scenarios_finished: Mapped[int] = mapped_column(Integer)
    mean_best_score: Mapped[float | None] = mapped_column(Float)
    seconds_in_scenarios: Mapped[int] = mapped_column(Integer)
    last_activity: Mapped[datetime | None] = mapped_column(UtcDateTime)
class LtiPlatformRow(Base):
    """An LMS registered as an LTI 1.3 platform (revision 0011): its issuer, the client id it gave
    this tool, the deployments allowed to launch, and its OIDC, token and key URLs."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    deployment_ids: Mapped[list[str]] = mapped_column(JSON)
    auth_login_url: Mapped[str] = mapped_column(String(1000))
    token_url: Mapped[str] = mapped_column(String(1000))
    jwks_url: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LtiToolKeyRow(Base):
    """The tool's own RSA key pair (revision 0011), made on first use; one row. The private key
    never leaves the server: only its public half is published (``/lti/jwks``)."""

    __tablename__ = "lti_tool_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LtiLaunchStateRow(Base):
    """A login initiation waiting for its launch (revision 0011): the state's SHA-256 and the nonce
    the id_token must carry. Deleted when the launch uses it, so both are good once."""

    __tablename__ = "lti_launch_states"
    __table_args__ = (Index(None, "expires_at"),)

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64))
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"))
    target_link_uri: Mapped[str] = mapped_column(String(1000))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LtiContextRow(Base):
    """An LMS course (an LTI context) and the team it became here (revision 0011)."""

    __tablename__ = "lti_contexts"
    __table_args__ = (UniqueConstraint("platform_id", "context_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"))
    context_id: Mapped[str] = mapped_column(String(255))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))


class XapiOutboxRow(Base):
    """One xAPI statement to send to the Learning Record Store (revision 0013), written in the
    transaction of the event it describes. ``statement_id`` is the statement's own id, derived
    from the event, so a retried write or a second process queues it once. Leased like the
    e-mail outbox (``elearn.store.leases``); ``sent_at`` or ``dead_at`` (refused, with the LRS's
    ``dead_reason``) ends it, and ``last_error`` keeps the latest failed try's error."""

    __tablename__ = "xapi_outbox"
    __table_args__ = (Index(None, "sent_at", "dead_at", "next_try_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    statement: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer)
    next_try_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_tried_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    dead_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    dead_reason: Mapped[str | None] = mapped_column(String(500))
class LtiGradeLinkRow(Base):
    """A launched learner's line item (revision 0012): the LMS gradebook column their scenario
    (``target`` ``scenario:<id>``) or the course (``course``) reports to, and their ``subject``
    there. Made or updated by each launch that carries an AGS endpoint with the score scope."""

    __tablename__ = "lti_grade_links"
    __table_args__ = (UniqueConstraint("user_id", "platform_id", "lineitem_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"))
    subject: Mapped[str] = mapped_column(String(255))
    lineitem_url: Mapped[str] = mapped_column(String(1000))
    target: Mapped[str] = mapped_column(String(120))
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LtiScoreRow(Base):
    """One score to post to an LMS line item (revision 0012), queued once under its ``score_key``
    (``attempt:<id>:link:<id>`` or ``course:<user>:<completed>:link:<id>``). Claimed with a lease
    like the mail outbox; ``sent_at`` or ``dropped_at`` ends it, ``last_error`` says why not yet."""

    __tablename__ = "lti_scores"
    __table_args__ = (Index(None, "sent_at", "next_try_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    score_key: Mapped[str] = mapped_column(String(200), unique=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    lineitem_url: Mapped[str] = mapped_column(String(1000))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_try_at: Mapped[datetime] = mapped_column(UtcDateTime)
    tries: Mapped[int] = mapped_column(Integer)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    dropped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))


class LtiDeepLinkRow(Base):
    """An instructor's deep-linking request (revision 0012) until they pick: only the token's
    SHA-256, the platform's return URL and its opaque ``data``; used up by the pick."""

    __tablename__ = "lti_deep_links"
    __table_args__ = (Index(None, "expires_at"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    return_url: Mapped[str] = mapped_column(String(1000))
    data: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LtiRosterRow(Base):
    """An LMS course's roster address (NRPS context memberships URL, revision 0012) and its last sync."""

    __tablename__ = "lti_rosters"

    context_row_id: Mapped[int] = mapped_column(ForeignKey("lti_contexts.id"), primary_key=True)
    memberships_url: Mapped[str] = mapped_column(String(1000))
    synced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_result: Mapped[str | None] = mapped_column(String(300))


class CourseOutlineRow(Base):
    """What the store knows of the course (revision 0014), one row: lesson and scenario ids in
    course order and each lesson's practice scenarios (``elearn.store.standing_rules.Outline``),
    written by the app from the course's files, so a write can tell what an assignment asks."""

    __tablename__ = "course_outline"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outline: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LearnerStandingRow(Base):
    """Per learner, their standing against their current assignment (revision 0014), kept on write
    (``elearn.store.standings``): what the dashboard's status, summary and filters are computed
    from in SQL, with the clock and the pass threshold given at read time."""

    __tablename__ = "learner_standings"
    __table_args__ = (Index(None, "due_at"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    items_asked: Mapped[int] = mapped_column(Integer)
    items_done: Mapped[int] = mapped_column(Integer)
    started: Mapped[bool] = mapped_column(Boolean)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When the last item asked was done; null while something asked is not."""
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    scenarios_asked: Mapped[int] = mapped_column(Integer)
    passing_floor: Mapped[float | None] = mapped_column(Float)
    """The lowest best successful score of the scenarios asked; null if one has none (or none is asked)."""
