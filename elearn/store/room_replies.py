"""Replies typed from phones in a workshop room, and the anonymous list the projector shows.

A participant may type what they would say at the decision the room is voting on; typing again
replaces their reply until voting there closes. The facilitator reads the room's replies as
texts only, in an order of their own (sorted), never with nicknames: the projector shows the
room's words, not who wrote them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from elearn.store.db import Store
from elearn.store.records import User
from elearn.store.replies import clean_reply
from elearn.store.room_records import RoomClosed, RoomMovedOn, RoomNotFound, VotingClosed
from elearn.store.rooms import _ROOM_COLUMNS, _own_room, _participant, _participant_query, _room
from elearn.store.tables import RoomReplyRow, RoomRow


def type_room_reply(store: Store, token: str, *, decision: int, node_id: str, text: str, now: datetime) -> None:
    """Store (or replace) this phone's typed reply at ``decision``; refused unless voting is open there.

    An empty ``text`` (after trimming) takes the reply back."""
    cleaned = clean_reply(text)

    def work(conn: Connection) -> None:
        row = conn.execute(_participant_query(token)).first()
        if row is None:
            raise RoomNotFound("This phone is not in a workshop room any more. Join again with the room's code.")
        participant = _participant(row)
        room = _room(conn.execute(
            select(*_ROOM_COLUMNS).where(RoomRow.id == participant.room_id).with_for_update(read=True)).one())
        if room.closed:
            raise RoomClosed("This workshop has finished. Thank you for taking part!")
        if room.decision != decision:
            raise RoomMovedOn("The room has moved on to another decision. Here is where it is now.")
        if not room.voting_open:
            raise VotingClosed("Replies to this decision are closed. Wait for the facilitator to open the next one.")
        keys = {"room_id": room.id, "decision": decision, "participant_id": participant.id}
        where = and_(*(getattr(RoomReplyRow, key) == value for key, value in keys.items()))
        if not cleaned:
            conn.execute(delete(RoomReplyRow).where(where))
            return
        changed = {"node_id": node_id, "text": cleaned, "typed_at": now}
        if conn.dialect.name in ("sqlite", "postgresql"):
            build = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
            conn.execute(build(RoomReplyRow).values(**keys, **changed)
                         .on_conflict_do_update(index_elements=list(keys), set_=changed))
        elif conn.execute(update(RoomReplyRow).where(where).values(**changed)).rowcount == 0:
            conn.execute(insert(RoomReplyRow).values(**keys, **changed))

    store.write(work)


def my_room_reply(store: Store, token: str, decision: int) -> str:
    """The reply this phone typed at ``decision`` ("" if none, or for an unknown token)."""

    def work(conn: Connection) -> str:
        row = conn.execute(_participant_query(token)).first()
        if row is None:
            return ""
        participant = _participant(row)
        text = conn.scalar(select(RoomReplyRow.text).where(
            RoomReplyRow.room_id == participant.room_id, RoomReplyRow.decision == decision,
            RoomReplyRow.participant_id == participant.id))
        return text or ""

    return store.read(work) if token else ""


def room_replies(store: Store, facilitator: User, code: str, decision: int) -> tuple[str, ...]:
    """The texts the room typed at ``decision``, sorted, without who typed them (facilitator of the room only)."""

    def work(conn: Connection) -> tuple[str, ...]:
        room = _own_room(conn, facilitator, code)
        rows = conn.scalars(select(RoomReplyRow.text).where(RoomReplyRow.room_id == room.id,
                                                            RoomReplyRow.decision == decision))
        return tuple(sorted(rows, key=str.casefold))

    return store.read(work)
