"""Replies typed from phones in a workshop room, and the anonymous list the projector shows.

A participant may type what they would say at the decision the room is voting on; typing again
replaces their reply until voting there closes. The facilitator reads the room's replies as
texts only, in an order of their own (sorted), never with nicknames: the projector shows the
room's words, not who wrote them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, select
from sqlalchemy.engine import Connection

from elearn.store.db import Store, upsert
from elearn.store.records import User
from elearn.store.replies import clean_reply
from elearn.store.rooms import _own_room, _participant, _participant_query, open_ballot
from elearn.store.tables import RoomReplyRow


def type_room_reply(store: Store, token: str, *, decision: int, node_id: str, text: str, now: datetime) -> None:
    """Store (or replace) this phone's typed reply at ``decision``; refused unless voting is open there.

    An empty ``text`` (after trimming) takes the reply back."""
    cleaned = clean_reply(text)

    def work(conn: Connection) -> None:
        participant, room = open_ballot(
            conn, token, decision, finished="This workshop has finished. Thank you for taking part!",
            not_open="Replies to this decision are closed. Wait for the facilitator to open the next one.")
        keys = {"room_id": room.id, "decision": decision, "participant_id": participant.id}
        if not cleaned:
            conn.execute(delete(RoomReplyRow).where(and_(*(getattr(RoomReplyRow, k) == v for k, v in keys.items()))))
            return
        upsert(conn, RoomReplyRow, keys, {"node_id": node_id, "text": cleaned, "typed_at": now})

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
