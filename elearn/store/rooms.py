"""Workshop rooms: a facilitator plays one scenario live, the room votes from its phones.

Everything about a room lives in the database, so any server process can serve any phone or the
presenter (several processes behind a load balancer share one PostgreSQL). The store keeps the
room's engine run as opaque JSON, like an attempt's; the caller (``ui/workshop.py``) computes the
next run with the engine and hands it to ``advance``.

A room moves through each decision in three steps, each guarded by the decision number the
caller saw, so a stale click (a second presenter window, a phone that has not refreshed) is
refused instead of acting on the wrong question:

    open_voting(..., decision)          phones see the choices and vote (a vote can change)
    reveal(..., decision)               voting closes; the split may be shown
    advance(..., decision, choice_id)   the room's choice is recorded with its split; next decision

A participant has no account: ``join_room`` returns a token (kept in the phone's URL) whose
SHA-256 alone is stored, as for sign-in sessions. Given the browser's own key (a random secret
the phone keeps in a cookie), the token is derived from that key and the room's code
(``browser_token``), so the same browser always gets the same participant in a room: a second
join reuses it instead of adding a voter, and the server never stores the key, nor anything that
links one browser's participants in different rooms. A room takes at most ``max_participants``
(``ELEARN_ROOM_MAX_PARTICIPANTS`` in the app). Facilitator actions check, in the same
transaction, that the actor holds the facilitator role and owns the room.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, distinct, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from elearn.store.access import require_role
from elearn.store.db import Store, upsert
from elearn.store.records import Role, User
from elearn.store.room_records import (
    CODE_LENGTH,
    CODE_SHAPE,
    CODE_TRIES,
    MAX_PARTICIPANTS,
    Joined,
    NicknameRefused,
    Participant,
    PhoneView,
    Room,
    RoomClosed,
    RoomDecision,
    RoomFull,
    RoomListing,
    RoomMovedOn,
    RoomNotFound,
    RoomPhase,
    RoomState,
    RoomSummary,
    VotingClosed,
    browser_token,
    clean_nickname,
    new_code,
    normalise_code,
    token_hash,
)
from elearn.store.tables import (
    ChoiceEventRow,
    RoomDecisionRow,
    RoomParticipantRow,
    RoomRow,
    RoomVoteRow,
)

_ROOM_COLUMNS = (
    RoomRow.id, RoomRow.code, RoomRow.facilitator_id, RoomRow.scenario_id, RoomRow.scenario_version,
    RoomRow.run_json, RoomRow.decision, RoomRow.voting_open, RoomRow.revealed, RoomRow.created_at,
    RoomRow.updated_at, RoomRow.closed_at,
)
_DECISION_COLUMNS = (
    RoomDecisionRow.decision, RoomDecisionRow.node_id, RoomDecisionRow.choice_id, RoomDecisionRow.majority_choice_id,
    RoomDecisionRow.overridden, RoomDecisionRow.votes, RoomDecisionRow.decided_at,
)


# --- opening and listing rooms (facilitators) --------------------------------------------------

def open_room(
    store: Store, facilitator: User, *, scenario_id: str, scenario_version: int, run_json: str, now: datetime,
    codes: Callable[[], str] = new_code,
) -> Room:
    """Open a room on a scenario at its start (``run_json``: the engine's new run), with a fresh join code."""

    def work(conn: Connection) -> Room:
        require_role(conn, facilitator, Role.FACILITATOR)
        room_id = conn.execute(
            insert(RoomRow).values(
                code=codes(), facilitator_id=facilitator.id, scenario_id=scenario_id,
                scenario_version=scenario_version, run_json=run_json, decision=1, voting_open=False,
                revealed=False, created_at=now, updated_at=now,
            ).returning(RoomRow.id)
        ).scalar_one()
        return _room_by_id(conn, room_id)

    for try_number in range(1, CODE_TRIES + 1):
        try:
            return store.write(work)
        except IntegrityError:  # the code is taken: 32**6 codes make this rare; draw another
            if try_number == CODE_TRIES:
                raise
    raise AssertionError("unreachable")


def rooms_of(store: Store, facilitator: User) -> tuple[RoomListing, ...]:
    """The facilitator's rooms, newest first, with how many people joined each."""

    def work(conn: Connection) -> tuple[RoomListing, ...]:
        require_role(conn, facilitator, Role.FACILITATOR)
        joined = (
            select(func.count()).where(RoomParticipantRow.room_id == RoomRow.id).scalar_subquery()
        )
        rows = conn.execute(
            select(*_ROOM_COLUMNS, joined).where(RoomRow.facilitator_id == facilitator.id)
            .order_by(RoomRow.created_at.desc(), RoomRow.id.desc())
        )
        return tuple(RoomListing(room=_room(row), participants=_count(row[-1])) for row in rows)

    return store.read(work)


def room_for(store: Store, facilitator: User, code: str) -> Room:
    """The facilitator's own room with this code (``RoomNotFound`` otherwise)."""
    return store.read(lambda conn: _own_room(conn, facilitator, code))


def room_state(store: Store, facilitator: User, code: str) -> RoomState:
    """The presenter's live view of their room: a handful of indexed look-ups in one transaction."""

    def work(conn: Connection) -> RoomState:
        room = _own_room(conn, facilitator, code)
        participants = conn.scalar(select(func.count()).where(RoomParticipantRow.room_id == room.id)) or 0
        split = _split(conn, room.id, room.decision)
        last = conn.execute(
            select(*_DECISION_COLUMNS).where(
                RoomDecisionRow.room_id == room.id, RoomDecisionRow.decision == room.decision - 1)
        ).first()
        return RoomState(
            room=room, participants=participants, votes_cast=sum(split.values()),
            split=split if room.revealed else None, last_decision=_decision(last) if last else None,
        )

    return store.read(work)


def room_summary(store: Store, facilitator: User, code: str) -> RoomSummary:
    """A room's record, finished or not: every decision with its split, and the head count."""

    def work(conn: Connection) -> RoomSummary:
        room = _own_room(conn, facilitator, code)
        participants = conn.scalar(select(func.count()).where(RoomParticipantRow.room_id == room.id)) or 0
        rows = conn.execute(
            select(*_DECISION_COLUMNS).where(RoomDecisionRow.room_id == room.id).order_by(RoomDecisionRow.decision)
        )
        return RoomSummary(room=room, participants=participants, decisions=tuple(_decision(row) for row in rows))

    return store.read(work)


def self_paced_split(store: Store, facilitator: User, scenario_id: str) -> dict[str, dict[str, int]]:
    """How self-paced learners answered each decision of a scenario the first time: node -> choice -> learners.

    Counted in the database over first-attempt choices of first attempts (one answer per learner
    per decision). Only counts leave the database, never who chose what; ``elearn.workshop``
    hides a decision answered by too few learners to stay anonymous.
    """

    def work(conn: Connection) -> dict[str, dict[str, int]]:
        require_role(conn, facilitator, Role.FACILITATOR)
        rows = conn.execute(
            select(ChoiceEventRow.node_id, ChoiceEventRow.choice_id, func.count(distinct(ChoiceEventRow.user_id)))
            .where(ChoiceEventRow.scenario_id == scenario_id, ChoiceEventRow.first_attempt.is_(True),
                   ChoiceEventRow.attempt_number == 1)
            .group_by(ChoiceEventRow.node_id, ChoiceEventRow.choice_id)
        )
        found: dict[str, dict[str, int]] = {}
        for node_id, choice_id, learners in rows:
            found.setdefault(node_id, {})[choice_id] = learners
        return found

    return store.read(work)


# --- running a room (facilitators) ------------------------------------------------------------

def open_voting(store: Store, facilitator: User, code: str, decision: int, now: datetime) -> Room:
    """Let the phones vote at ``decision``. Opening it twice (two presenter windows) is harmless."""

    def work(conn: Connection) -> Room:
        room = _own_room(conn, facilitator, code, lock=True)
        _check_current(room, decision)
        if room.revealed:
            raise VotingClosed("The votes at this decision are already revealed. Move the story on to vote again.")
        return _set(conn, room, voting_open=True, updated_at=now)

    return store.write(work)


def reveal(store: Store, facilitator: User, code: str, decision: int, now: datetime) -> Room:
    """Close voting at ``decision`` and allow the split to be shown. Idempotent."""

    def work(conn: Connection) -> Room:
        room = _own_room(conn, facilitator, code, lock=True)
        _check_current(room, decision)
        if not (room.voting_open or room.revealed):
            raise VotingClosed("Voting has not been opened at this decision yet. Open voting first.")
        return _set(conn, room, voting_open=False, revealed=True, updated_at=now)

    return store.write(work)


def advance(
    store: Store, facilitator: User, code: str, *, decision: int, node_id: str, choice_id: str, run_json: str,
    finished: bool, now: datetime, majority: Callable[[Mapping[str, int]], str | None],
) -> Room:
    """Move the story on from ``decision`` with ``choice_id``: the room's choice, or the facilitator's.

    The split is counted here, in the same transaction, and stored with the most-voted choice as
    ``majority`` (the workshop's rule, ``elearn.workshop.rules.majority``) names it (None for no
    votes or a tie), so ``overridden`` says whether the facilitator went against a
    clear majority. ``run_json`` is the engine's run after the choice; with ``finished`` (the run
    reached an ending) the room closes. Refused while voting is open: reveal first.
    """

    def work(conn: Connection) -> Room:
        room = _own_room(conn, facilitator, code, lock=True)
        _check_current(room, decision)
        if room.voting_open:
            raise VotingClosed("Voting is still open. Reveal the votes first, then move the story on.")
        split = _split(conn, room.id, decision)
        most = majority(split)
        conn.execute(insert(RoomDecisionRow).values(
            room_id=room.id, decision=decision, node_id=node_id, choice_id=choice_id, majority_choice_id=most,
            overridden=most is not None and most != choice_id, votes=split, decided_at=now,
        ))
        return _set(conn, room, run_json=run_json, decision=decision + 1, voting_open=False, revealed=False,
                    updated_at=now, closed_at=now if finished else None)

    return store.write(work)


def close_room(store: Store, facilitator: User, code: str, now: datetime) -> Room:
    """End a room early: nobody can join or vote any more; its summary stays. Idempotent."""

    def work(conn: Connection) -> Room:
        room = _own_room(conn, facilitator, code, lock=True)
        if room.closed:
            return room
        return _set(conn, room, voting_open=False, updated_at=now, closed_at=now)

    return store.write(work)


# --- participants ----------------------------------------------------------------------------

def join_room(
    store: Store, code: str, nickname: str, now: datetime, *, browser_key: str | None = None,
    max_participants: int = MAX_PARTICIPANTS,
) -> Joined:
    """Join the room with ``code`` as ``nickname``; the returned token identifies this phone from now on.

    With ``browser_key`` (the phone's own secret, from its cookie), a browser already in the room
    gets its participant back (``rejoined``; the nickname typed now is not used) instead of
    becoming a second voter, even in a full or finished room. A new participant is refused when
    the room has ``max_participants`` already (``RoomFull``), has finished (``RoomClosed``), or the
    nickname is taken (``NicknameRefused``). Joins to one room take turns (a row lock on
    PostgreSQL, the write lock on SQLite), so parallel joins never pass the cap.
    """
    wanted = _room_code(code)
    token = browser_token(browser_key, wanted) if browser_key else secrets.token_urlsafe(24)

    def work(conn: Connection) -> Joined:
        row = conn.execute(select(*_ROOM_COLUMNS).where(RoomRow.code == wanted).with_for_update()).first()
        if row is None:
            raise RoomNotFound(_no_room(code))
        room = _room(row)
        if browser_key:
            mine = conn.execute(_participant_query(token)).first()
            if mine is not None and mine[1] == room.id:
                return Joined(_participant(mine), token, room, rejoined=True)
        if room.closed:
            raise RoomClosed(f"The workshop room {room.code} has finished, so it takes no new participants. "
                             "Ask the facilitator for the code of the room running now.")
        shown, key = clean_nickname(nickname)
        joined = conn.scalar(select(func.count()).where(RoomParticipantRow.room_id == room.id)) or 0
        if joined >= max_participants:
            raise RoomFull(f"The workshop room {room.code} is full: it has {joined} participants, the most a room "
                           "takes on this server. Tell the facilitator: they can open a second room for the others.")
        taken = conn.scalar(select(RoomParticipantRow.id).where(
            RoomParticipantRow.room_id == room.id, RoomParticipantRow.nickname_key == key))
        if taken is not None:
            raise NicknameRefused(f"Someone in this room already goes by “{shown}”. Pick another nickname.")
        participant_id = conn.execute(insert(RoomParticipantRow).values(
            room_id=room.id, nickname=shown, nickname_key=key, token_hash=token_hash(token), joined_at=now,
        ).returning(RoomParticipantRow.id)).scalar_one()
        return Joined(Participant(participant_id, room.id, shown, now), token, room)

    try:
        return store.write(work)
    except IntegrityError as error:  # the same nickname, or this browser, joined at the same moment
        if browser_key:
            again = store.read(lambda conn: conn.execute(_participant_query(token)).first())
            if again is not None:
                return Joined(_participant(again), token, _room_of(store, again[1]), rejoined=True)
        shown, _ = clean_nickname(nickname)
        raise NicknameRefused(f"Someone in this room already goes by “{shown}”. Pick another nickname.") from error


def phone_view(store: Store, token: str) -> PhoneView | None:
    """Everything a phone shows, in one transaction; None for an unknown token."""
    if not token:
        return None

    def work(conn: Connection) -> PhoneView | None:
        row = conn.execute(_participant_query(token)).first()
        if row is None:
            return None
        participant = _participant(row)
        room = _room_by_id(conn, participant.room_id)
        mine = conn.scalar(select(RoomVoteRow.choice_id).where(
            RoomVoteRow.room_id == room.id, RoomVoteRow.decision == room.decision,
            RoomVoteRow.participant_id == participant.id))
        split = _split(conn, room.id, room.decision) if room.revealed else None
        return PhoneView(participant=participant, room=room, my_vote=mine, split=split)

    return store.read(work)


def phone_phase(store: Store, token: str) -> RoomPhase | None:
    """The phase of the room this phone's token is in (one indexed read); None for an unknown token.
    What a waiting phone polls: cheap enough for a room of phones every couple of seconds."""
    if not token:
        return None
    query = (select(RoomRow.decision, RoomRow.voting_open, RoomRow.revealed, RoomRow.closed_at.is_not(None))
             .join(RoomParticipantRow, RoomParticipantRow.room_id == RoomRow.id)
             .where(RoomParticipantRow.token_hash == token_hash(token)))
    row = store.read(lambda conn: conn.execute(query).first())
    return RoomPhase(int(row[0]), bool(row[1]), bool(row[2]), bool(row[3])) if row else None


def cast_vote(store: Store, token: str, *, decision: int, node_id: str, choice_id: str, now: datetime) -> None:
    """Record (or change) this participant's vote at ``decision``; refused unless voting is open there."""

    def work(conn: Connection) -> None:
        participant, room = open_ballot(
            conn, token, decision, finished="This workshop has finished, so voting is over. Thank you for taking part!",
            not_open="Voting on this decision is closed. Wait for the facilitator to open the next vote.")
        upsert(conn, RoomVoteRow, {"room_id": room.id, "decision": decision, "participant_id": participant.id},
               {"node_id": node_id, "choice_id": choice_id, "voted_at": now})

    store.write(work)


def open_ballot(conn: Connection, token: str, decision: int, *, finished: str,
                not_open: str) -> tuple[Participant, Room]:
    """The participant of ``token`` and their room, if the room is voting on ``decision`` now;
    ``RoomNotFound``, ``RoomClosed`` (``finished``), ``RoomMovedOn`` or ``VotingClosed``
    (``not_open``) otherwise. Shared by votes and typed replies.

    A shared lock on the room: phones act side by side, but reveal/advance (which update the room)
    wait for them, so nothing lands after voting closed (SQLite serialises writers anyway)."""
    row = conn.execute(_participant_query(token)).first()
    if row is None:
        raise RoomNotFound("This phone is not in a workshop room any more. Join again with the room's code.")
    participant = _participant(row)
    room = _room(conn.execute(
        select(*_ROOM_COLUMNS).where(RoomRow.id == participant.room_id).with_for_update(read=True)).one())
    if room.closed:
        raise RoomClosed(finished)
    if room.decision != decision:
        raise RoomMovedOn("The room has moved on to another decision. Here is where it is now.")
    if not room.voting_open:
        raise VotingClosed(not_open)
    return participant, room


# --- helpers ---------------------------------------------------------------------------------

def _participant_query(token: str) -> Select[int, int, str, datetime]:
    return select(RoomParticipantRow.id, RoomParticipantRow.room_id, RoomParticipantRow.nickname,
                  RoomParticipantRow.joined_at).where(RoomParticipantRow.token_hash == token_hash(token))


def _own_room(conn: Connection, facilitator: User, code: str, *, lock: bool = False) -> Room:
    require_role(conn, facilitator, Role.FACILITATOR)
    hint = " Open it from Workshop rooms, where your rooms are listed."
    query = select(*_ROOM_COLUMNS).where(RoomRow.code == _room_code(code, hint),
                                         RoomRow.facilitator_id == facilitator.id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise RoomNotFound(_no_room(code) + hint)
    return _room(row)


def _room_code(code: str, hint: str = "") -> str:
    """``code`` in its stored form, or ``RoomNotFound`` for anything that cannot be a room's code (a
    crafted ``?room=`` with a NUL byte, Markdown or a megabyte of text never reaches the database)."""
    wanted = normalise_code(code)
    if not CODE_SHAPE.fullmatch(wanted):
        raise RoomNotFound(_no_room(code) + hint)
    return wanted


def _no_room(code: str) -> str:
    shown = normalise_code(code)
    if not shown:
        return "Type the room's code: it is on the presenter's screen, under the QR code."
    if not CODE_SHAPE.fullmatch(shown):
        return (f"That is not a workshop room's code. Check the code on the presenter's screen (codes have "
                f"{CODE_LENGTH} letters and digits, never 0, O, 1 or I).")
    return (f"There is no workshop room with the code {shown}. Check the code on the presenter's screen "
            f"(codes have {CODE_LENGTH} letters and digits, never 0, O, 1 or I).")


def _check_current(room: Room, decision: int) -> None:
    if room.closed:
        raise RoomClosed("This room has finished. Open a new room to play again; its summary stays available.")
    if room.decision != decision:
        raise RoomMovedOn("The room has already moved on (another window acted first). The screen now shows "
                          "where it is.")


def _set(conn: Connection, room: Room, **values: Any) -> Room:
    conn.execute(update(RoomRow).where(RoomRow.id == room.id).values(**values))
    return _room_by_id(conn, room.id)


def _split(conn: Connection, room_id: int, decision: int) -> dict[str, int]:
    rows = conn.execute(
        select(RoomVoteRow.choice_id, func.count()).where(RoomVoteRow.room_id == room_id,
                                                          RoomVoteRow.decision == decision)
        .group_by(RoomVoteRow.choice_id)
    )
    return {str(choice_id): int(count) for choice_id, count in rows}


def _count(value: Any) -> int:
    return int(value or 0)


def _room_of(store: Store, room_id: int) -> Room:
    return store.read(lambda conn: _room_by_id(conn, room_id))


def _room_by_id(conn: Connection, room_id: int) -> Room:
    return _room(conn.execute(select(*_ROOM_COLUMNS).where(RoomRow.id == room_id)).one())


def _room(row: Sequence[Any]) -> Room:
    return Room(
        id=row[0], code=row[1], facilitator_id=row[2], scenario_id=row[3], scenario_version=row[4], run_json=row[5],
        decision=row[6], voting_open=row[7], revealed=row[8], created_at=row[9], updated_at=row[10],
        closed_at=row[11],
    )


def _participant(row: Sequence[Any]) -> Participant:
    return Participant(id=row[0], room_id=row[1], nickname=row[2], joined_at=row[3])


def _decision(row: Sequence[Any]) -> RoomDecision:
    return RoomDecision(decision=row[0], node_id=row[1], choice_id=row[2], majority_choice_id=row[3],
                        overridden=row[4], votes=dict(row[5]), decided_at=row[6])

