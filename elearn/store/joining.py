"""How fast one client may try to join workshop rooms: join attempts, and join-code guesses.

A join code is six characters from 32 (about a billion codes) and few rooms are open at once,
so guessing one blindly takes many tries: ``CODE_GUESSES`` makes that slow, per client address.
``JOIN_ATTEMPTS`` bounds how fast one client can join at all (filling a room with made-up
participants). Both are generous, because a whole room of phones may share one venue Wi-Fi
address. The page asks ``admit_join`` before looking the code up (so parallel guesses are
counted too) and calls ``code_was_right`` once the code turned out to name a room.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from elearn.store.db import Store
from elearn.store.records import Throttled
from elearn.store.throttle import Bucket, ThrottleRule, forgive_attempt, take_attempt

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


def admit_join(store: Store, client: str, now: datetime) -> Throttled | None:
    """Let one join attempt from ``client`` through, counting it as a join and as a code guess;
    ``Throttled`` (and nothing counted) if this client must wait first."""
    return take_attempt(store, join_buckets(client), now)


def code_was_right(store: Store, client: str) -> None:
    """The code named a room after all: take the code guess back (the join itself stays counted)."""
    forgive_attempt(store, join_buckets(client)[1:])
