"""A workshop room's vocabulary: its records and errors, its join code, nicknames and phone tokens.

The actions on rooms (``elearn.store.rooms``) return these frozen records; nothing here touches
the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from elearn.names import NameRefused, clean_name
from elearn.store.errors import StoreError

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Join codes avoid 0/O and 1/I, which people misread on a projector."""
CODE_LENGTH = 6
NICKNAME_MAX = 24
MAX_PARTICIPANTS = 200
"""The default cap on participants per room (the app's ``ELEARN_ROOM_MAX_PARTICIPANTS``)."""
CODE_SHAPE = re.compile(r"[A-Z0-9]{1,12}")  # what rooms.code (12 characters) may hold
CODE_TRIES = 8
KEY_MAX = 40  # room_participants.nickname_key


class RoomError(StoreError):
    """A room action that cannot be done now; the message says why and what to do."""


class RoomNotFound(RoomError):
    """No room has this join code (or it is not the acting facilitator's)."""


class RoomClosed(RoomError):
    """The room has finished or was closed: nobody can join or vote any more."""


class RoomFull(RoomError):
    """The room already has as many participants as it may take."""


class NicknameRefused(RoomError):
    """The nickname is empty, too long, holds control characters, or is taken in the room."""


class VotingClosed(RoomError):
    """A vote arrived when voting at this decision is not open."""


class RoomMovedOn(RoomError):
    """The room is no longer at the decision the action was meant for."""


@dataclass(frozen=True)
class Room:
    """A room as pages see it. ``decision`` is 1 at the first decision and counts up as the story moves."""

    id: int
    code: str
    facilitator_id: int
    scenario_id: str
    scenario_version: int
    run_json: str
    decision: int
    voting_open: bool
    revealed: bool
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None

    @property
    def closed(self) -> bool:
        """True once the room reached an ending or the facilitator closed it."""
        return self.closed_at is not None


@dataclass(frozen=True)
class Participant:
    id: int
    room_id: int
    nickname: str
    joined_at: datetime


@dataclass(frozen=True)
class Joined:
    """A participant and the token their phone keeps (never stored in clear). ``rejoined``: this
    browser was in the room already, so this is that same participant, under its first nickname."""

    participant: Participant
    token: str
    room: Room
    rejoined: bool = False


@dataclass(frozen=True)
class RoomDecision:
    """What the room did at one decision: the choice taken, the most-voted choice, the split."""

    decision: int
    node_id: str
    choice_id: str
    majority_choice_id: str | None
    overridden: bool
    votes: Mapping[str, int]
    decided_at: datetime


@dataclass(frozen=True)
class RoomState:
    """The live view of a room, read in one transaction: what the presenter shows each second.

    ``split`` (votes per choice at the current decision) is only filled in once revealed, so a
    page cannot show it early by mistake; ``votes_cast`` is always there.
    """

    room: Room
    participants: int
    votes_cast: int
    split: Mapping[str, int] | None
    last_decision: RoomDecision | None


@dataclass(frozen=True)
class PhoneView:
    """What one participant's phone shows: the room, their own vote now, and the split once revealed."""

    participant: Participant
    room: Room
    my_vote: str | None
    split: Mapping[str, int] | None


@dataclass(frozen=True)
class RoomPhase:
    """Where a room is, as far as a phone's screen goes: it changes when the story moves on, voting
    opens, the votes are revealed or the room closes, and at no other time (another phone's vote
    leaves it alone). A waiting phone compares it every few seconds and redraws only on a change."""

    decision: int
    voting_open: bool
    revealed: bool
    closed: bool

    @classmethod
    def of(cls, room: Room) -> RoomPhase:
        return cls(room.decision, room.voting_open, room.revealed, room.closed)


@dataclass(frozen=True)
class RoomListing:
    room: Room
    participants: int


@dataclass(frozen=True)
class RoomSummary:
    room: Room
    participants: int
    decisions: tuple[RoomDecision, ...]


# --- codes, nicknames, tokens ----------------------------------------------------------------

def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str:
    """A code as typed on a phone ("abc 23k", "ABC-23K") in the stored form ("ABC23K")."""
    return re.sub(r"[\s\-]", "", typed).upper()


def clean_nickname(typed: str) -> tuple[str, str]:
    """The nickname to show and its key for uniqueness (case- and space-insensitive).

    Raises ``NicknameRefused`` with the reason. Spaces are trimmed and runs of spaces collapsed;
    control, text-direction and invisible characters are refused rather than silently dropped
    (``elearn.names.clean_name``, as for display names).
    """
    try:
        nickname = clean_name(typed, label="That nickname", limit=NICKNAME_MAX)
    except NameRefused as refused:
        raise NicknameRefused(str(refused)) from refused
    if not nickname:
        raise NicknameRefused("Type a nickname so the room can tell you apart (1 to 24 characters).")
    key = "".join(unicodedata.normalize("NFKC", nickname).casefold().split())
    if len(key) > KEY_MAX:  # a few characters fold into several ("ﬃ" is "ffi"): keep within the column
        raise NicknameRefused(f"That nickname is too long once written out; use at most {NICKNAME_MAX} plain "
                              "characters.")
    return nickname, key


def browser_token(browser_key: str, code: str) -> str:
    """The participant token of the browser holding ``browser_key`` in the room with ``code``.

    An HMAC of the code under the browser's key: the same browser always gets the same token in
    one room, different rooms give unrelated tokens, and neither the key nor the code can be
    read back from it.
    """
    digest = hmac.new(browser_key.encode(), b"elearn-room:" + normalise_code(code).encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
