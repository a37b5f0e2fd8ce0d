"""Replies typed from phones in a room, on SQLite and PostgreSQL: replaced in place, only while the
room is voting at that decision, and read by the room's facilitator as anonymous, sorted texts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from elearn.store import AccessDenied, Store
from elearn.store.room_records import RoomClosed, RoomMovedOn, RoomNotFound, VotingClosed
from elearn.store.room_replies import my_room_reply, room_replies, type_room_reply
from elearn.store.rooms import close_room, join_room, open_room, open_voting, reveal
from tests.store.helpers import NOW

from .conftest import FIRST, SCENARIO, People

LATER = NOW + timedelta(minutes=5)
D = 1  # a new room is at its first decision


def voting_room(store: Store, people: People) -> tuple[str, list[str]]:
    room = open_room(store, people.fran, scenario_id=SCENARIO.id, scenario_version=1, run_json="{}", now=NOW)
    assert room.decision == D
    tokens = [join_room(store, room.code, name, NOW).token for name in ("Ann", "Bob", "Cy")]
    open_voting(store, people.fran, room.code, room.decision, NOW)
    return room.code, tokens


def test_phones_type_and_the_projector_lists_the_texts_without_names(store: Store, people: People) -> None:
    code, (ann, bob, cy) = voting_room(store, people)
    type_room_reply(store, ann, decision=D, node_id=FIRST.id, text="zzz I'm sorry, Ann here", now=NOW)
    type_room_reply(store, bob, decision=D, node_id=FIRST.id, text="Calm down please", now=NOW)
    type_room_reply(store, bob, decision=D, node_id=FIRST.id, text="  I can see why you're upset  ", now=LATER)
    type_room_reply(store, cy, decision=D, node_id=FIRST.id, text="   ", now=LATER)
    assert room_replies(store, people.fran, code, D) == ("I can see why you're upset", "zzz I'm sorry, Ann here")
    assert my_room_reply(store, bob, D) == "I can see why you're upset"
    assert my_room_reply(store, cy, D) == ""
    type_room_reply(store, ann, decision=D, node_id=FIRST.id, text="", now=LATER)  # taken back
    assert room_replies(store, people.fran, code, D) == ("I can see why you're upset",)


def test_replies_only_while_the_room_votes_at_that_decision(store: Store, people: People) -> None:
    code, (ann, _, _) = voting_room(store, people)
    with pytest.raises(RoomMovedOn):
        type_room_reply(store, ann, decision=D + 1, node_id=FIRST.id, text="early", now=NOW)
    reveal(store, people.fran, code, D, NOW)
    with pytest.raises(VotingClosed):
        type_room_reply(store, ann, decision=D, node_id=FIRST.id, text="late", now=NOW)
    close_room(store, people.fran, code, NOW)
    with pytest.raises(RoomClosed):
        type_room_reply(store, ann, decision=D, node_id=FIRST.id, text="after", now=NOW)
    with pytest.raises(RoomNotFound):
        type_room_reply(store, "not-a-token", decision=D, node_id=FIRST.id, text="who?", now=NOW)
    assert room_replies(store, people.fran, code, D) == ()


def test_only_the_rooms_facilitator_reads_its_replies(store: Store, people: People) -> None:
    code, (ann, _, _) = voting_room(store, people)
    type_room_reply(store, ann, decision=D, node_id=FIRST.id, text="my words", now=NOW)
    with pytest.raises(RoomNotFound):
        room_replies(store, people.gus, code, D)
    with pytest.raises(AccessDenied):
        room_replies(store, people.lea, code, D)
    assert room_replies(store, people.fran, code, D) == ("my words",)
