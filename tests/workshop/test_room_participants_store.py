"""Who may be in a room, on SQLite and PostgreSQL: one participant per browser (its key gives the
same token every time), a cap on participants that parallel joins cannot pass, and crafted room
codes refused before they reach the database."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from elearn.play.engine import start
from elearn.store import Store
from elearn.store.room_records import Joined, Room, RoomError, RoomFull, RoomNotFound, browser_token
from elearn.store.rooms import close_room, join_room, open_room, room_for, room_state
from elearn.store.tables import RoomParticipantRow
from tests.store.helpers import NOW

from .conftest import SCENARIO, People

KEY = "k" * 43
OTHER_KEY = "o" * 43
NOT_A_CODE = ("That is not a workshop room's code. Check the code on the presenter's screen (codes have 6 letters "
              "and digits, never 0, O, 1 or I).")


def new_room(store: Store, people: People) -> Room:
    return open_room(store, people.fran, scenario_id=SCENARIO.id, scenario_version=SCENARIO.version,
                     run_json=start(SCENARIO).to_json(), now=NOW)


def participants(store: Store) -> int:
    return store.read(lambda conn: conn.scalar(select(func.count()).select_from(RoomParticipantRow))) or 0


def test_the_browser_token_is_the_same_in_one_room_and_unrelated_across_rooms() -> None:
    assert browser_token(KEY, "ABC234") == browser_token(KEY, " abc-234 ")
    assert browser_token(KEY, "ABC234") != browser_token(KEY, "ABC235")
    assert browser_token(KEY, "ABC234") != browser_token(OTHER_KEY, "ABC234")
    assert KEY not in browser_token(KEY, "ABC234")


def test_a_second_join_from_the_same_browser_reuses_its_participant(store: Store, people: People) -> None:
    room = new_room(store, people)
    first = join_room(store, room.code, "Ann", NOW, browser_key=KEY)
    again = join_room(store, room.code.lower(), "Bob", NOW, browser_key=KEY)
    assert (first.rejoined, again.rejoined) == (False, True)
    assert again.participant == first.participant  # still "Ann": the nickname typed the second time is not used
    assert again.token == first.token == browser_token(KEY, room.code)
    assert participants(store) == 1
    other = join_room(store, room.code, "Bob", NOW, browser_key=OTHER_KEY)
    assert (other.rejoined, other.participant.nickname) == (False, "Bob")
    assert participants(store) == 2


def test_without_a_browser_key_every_join_is_a_new_participant(store: Store, people: People) -> None:
    room = new_room(store, people)
    tokens = {join_room(store, room.code, name, NOW).token for name in ("Ann", "Bob")}
    assert len(tokens) == 2
    assert participants(store) == 2


def test_the_same_browser_in_two_rooms_is_two_participants(store: Store, people: People) -> None:
    one, two = new_room(store, people), new_room(store, people)
    first = join_room(store, one.code, "Ann", NOW, browser_key=KEY)
    second = join_room(store, two.code, "Ann", NOW, browser_key=KEY)
    assert not second.rejoined
    assert first.participant.id != second.participant.id


def test_a_full_room_takes_no_one_new_but_lets_its_own_back_in(store: Store, people: People) -> None:
    room = new_room(store, people)
    join_room(store, room.code, "Ann", NOW, browser_key=KEY, max_participants=2)
    join_room(store, room.code, "Bob", NOW, max_participants=2)
    with pytest.raises(RoomFull) as refused:
        join_room(store, room.code, "Cy", NOW, browser_key=OTHER_KEY, max_participants=2)
    assert str(refused.value) == (f"The workshop room {room.code} is full: it has 2 participants, the most a room "
                                  "takes on this server. Tell the facilitator: they can open a second room for the "
                                  "others.")
    assert join_room(store, room.code, "Ann", NOW, browser_key=KEY, max_participants=2).rejoined
    assert room_state(store, people.fran, room.code).participants == 2


def test_a_finished_room_lets_its_own_back_in_to_see_the_end(store: Store, people: People) -> None:
    room = new_room(store, people)
    first = join_room(store, room.code, "Ann", NOW, browser_key=KEY)
    close_room(store, people.fran, room.code, NOW)
    again = join_room(store, room.code, "Ann", NOW, browser_key=KEY)
    assert (again.rejoined, again.participant, again.room.closed) == (True, first.participant, True)


def race(count: int, join: Callable[[int], Joined]) -> tuple[list[Joined], list[RoomError]]:
    """``count`` joins at once, released together; what each got."""
    go = threading.Barrier(count)
    done: list[Joined] = []
    refused: list[RoomError] = []
    lock = threading.Lock()

    def phone(number: int) -> None:
        go.wait()
        try:
            got = join(number)
        except RoomError as error:
            with lock:
                refused.append(error)
        else:
            with lock:
                done.append(got)

    threads = [threading.Thread(target=phone, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done, refused


def test_parallel_joins_never_pass_the_cap(store: Store, people: People) -> None:
    room = new_room(store, people)
    done, refused = race(12, lambda n: join_room(store, room.code, f"Phone {n}", NOW, browser_key=f"{n:043d}",
                                                 max_participants=5))
    assert len(done) == 5
    assert len(refused) == 7
    assert all(isinstance(error, RoomFull) for error in refused)
    assert participants(store) == 5


def test_parallel_joins_from_one_browser_make_one_participant(store: Store, people: People) -> None:
    room = new_room(store, people)
    done, refused = race(6, lambda n: join_room(store, room.code, f"Phone {n}", NOW, browser_key=KEY))
    assert refused == []
    assert len({joined.participant.id for joined in done}) == 1
    assert sum(not joined.rejoined for joined in done) == 1
    assert participants(store) == 1


@pytest.mark.parametrize("code", ["AB\x00CD", "A" * 13, "[X](HTTP://E)", "ABC\u202eDEF", "É" * 6, "A" * 1_000_000,
                                  "ABC'; DROP TABLE rooms; --"])
def test_a_crafted_room_code_is_no_code_and_never_reaches_the_database(store: Store, people: People,
                                                                        code: str) -> None:
    new_room(store, people)
    with pytest.raises(RoomNotFound) as refused:
        join_room(store, code, "Ann", NOW, browser_key=KEY)
    assert str(refused.value) == NOT_A_CODE
    with pytest.raises(RoomNotFound) as refused:
        room_for(store, people.fran, code)
    assert str(refused.value) == NOT_A_CODE + " Open it from Workshop rooms, where your rooms are listed."
