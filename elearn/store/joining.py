"""How fast one client may try to join workshop rooms: join attempts, and join-code guesses.

A join code is six characters from 32 (about a billion codes) and few rooms are open at once,
so guessing one blindly takes many tries: ``CODE_GUESSES`` makes that slow, per client address.
``JOIN_ATTEMPTS`` bounds how fast one client can join at all (filling a room with made-up
participants). Both are generous, because a whole room of phones may share one venue Wi-Fi
address. ``admit_join`` counts the join and, only if the code names no room, a code guess, in
one transaction that holds this client's buckets: parallel joins from one address are counted
one at a time, each seeing the others', so a burst of guesses is held back as surely as a slow
one, while sixty phones typing the right code at once never count as guesses at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection

from elearn.store.db import Store
from elearn.store.records import Throttled
from elearn.store.room_records import CODE_SHAPE, normalise_code
from elearn.store.tables import RoomRow
from elearn.store.throttle import Bucket, ThrottleRule, count_attempt, lock_buckets, refusal

JOIN_ATTEMPTS = ThrottleRule("room-join", free=300, first_delay=timedelta(seconds=1), max_delay=timedelta(minutes=1),
                             forget_after=timedelta(minutes=10))
"""Every join from one client (several rooms at one venue may share an address): 300, then 1 s,
2 s, ... at most a minute apart, until it is quiet for 10 minutes."""
CODE_GUESSES = ThrottleRule("room-code", free=10, first_delay=timedelta(seconds=5), max_delay=timedelta(minutes=15),
                            forget_after=timedelta(hours=1))
"""Wrong join codes from one client: 10, then 5 s, 10 s, ... at most 15 minutes apart, until it is
quiet for an hour."""


def join_buckets(client: str) -> tuple[Bucket, Bucket]:
    address = client.strip().lower()
    return Bucket(JOIN_ATTEMPTS, address), Bucket(CODE_GUESSES, address)


def admit_join(store: Store, client: str, code: str, now: datetime) -> Throttled | None:
    """Let one attempt from ``client`` to join with ``code`` through: count it as a join, and as a
    code guess unless ``code`` names a room (open or not: ``join_room`` then says which); or
    ``Throttled`` (and nothing counted) if this client must wait first."""
    join, guess = join_buckets(client)

    def work(conn: Connection) -> Throttled | None:
        states = lock_buckets(conn, (join, guess), now)
        refused = refusal(states.values(), now)
        if refused is None:
            counted = [states[join]] if _names_a_room(conn, code) else [states[join], states[guess]]
            count_attempt(conn, counted, now)
        return refused

    return store.write(work)


def _names_a_room(conn: Connection, code: str) -> bool:
    wanted = normalise_code(code)
    if not CODE_SHAPE.fullmatch(wanted):
        return False
    return conn.scalar(select(RoomRow.id).where(RoomRow.code == wanted)) is not None
