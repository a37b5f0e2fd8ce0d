"""Sessions: a token that survives reloads until it expires or its owner signs out."""

from __future__ import annotations

from datetime import timedelta

from elearn.store import Store, end_all_sessions, end_session, session_user, start_session

from .helpers import NOW, World


def test_a_session_signs_its_user_in_until_it_expires(store: Store, world: World) -> None:
    token = start_session(store, world.ana.id, NOW, ttl=timedelta(hours=8))
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    signed_in = session_user(store, token, NOW + timedelta(hours=7, minutes=59))
    assert signed_in is not None
    assert signed_in.id == world.ana.id
    assert session_user(store, token, NOW + timedelta(hours=8)) is None


def test_signing_out_ends_the_session_on_the_server(store: Store, world: World) -> None:
    token = start_session(store, world.ana.id, NOW)
    other_tab = start_session(store, world.ana.id, NOW)
    end_session(store, token, NOW)
    end_session(store, token, NOW)  # a second click changes nothing
    assert session_user(store, token, NOW) is None
    assert session_user(store, other_tab, NOW) is not None


def test_signing_out_everywhere_ends_every_session(store: Store, world: World) -> None:
    tokens = [start_session(store, world.ana.id, NOW) for _ in range(3)]
    bea = start_session(store, world.bea.id, NOW)
    end_all_sessions(store, world.ana.id, NOW)
    assert [session_user(store, token, NOW) for token in tokens] == [None, None, None]
    assert session_user(store, bea, NOW) is not None


def test_unknown_or_empty_tokens_sign_nobody_in(store: Store, world: World) -> None:
    start_session(store, world.ana.id, NOW)
    assert session_user(store, "", NOW) is None
    assert session_user(store, "not-a-token", NOW) is None


def test_last_seen_is_recorded_at_most_once_a_minute(store: Store, world: World) -> None:
    token = start_session(store, world.ana.id, NOW)
    seen = []
    for seconds in (0, 30, 59, 61, 90, 125):
        user = session_user(store, token, NOW + timedelta(seconds=seconds))
        assert user is not None
        seen.append(user.last_seen_at)
    first, second, third = NOW, NOW + timedelta(seconds=61), NOW + timedelta(seconds=125)
    assert seen == [first, first, first, second, second, third]
