"""Sessions: a token that survives reloads until it expires or its owner signs out, and the
one-time code that gets the browser its cookie token without the page ever holding a token."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from elearn.store import (
    Store,
    end_all_sessions,
    end_session,
    issue_cookie_code,
    redeem_cookie_code,
    session_user,
    start_session,
)
from elearn.store.sessions import COOKIE_CODE_TTL

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


def test_a_cookie_code_is_traded_once_for_a_cookie_token_of_the_same_session(store: Store, world: World) -> None:
    tab = start_session(store, world.ana.id, NOW)
    code = issue_cookie_code(store, tab, NOW)
    assert code is not None
    cookie = redeem_cookie_code(store, code, NOW + timedelta(seconds=1))
    assert cookie is not None
    assert cookie not in (tab, code)
    assert redeem_cookie_code(store, code, NOW + timedelta(seconds=2)) is None  # spent
    assert session_user(store, code, NOW) is None  # a code is not a session
    signed_in = session_user(store, cookie, NOW)
    assert signed_in is not None
    assert signed_in.id == world.ana.id
    # One session: signing out with either token ends both (the tab, and the browser after a reload).
    end_session(store, cookie, NOW)
    assert session_user(store, tab, NOW) is None


def test_a_cookie_code_expires_within_seconds_and_dies_with_its_session(store: Store, world: World) -> None:
    tab = start_session(store, world.ana.id, NOW)
    late = issue_cookie_code(store, tab, NOW)
    assert late is not None
    assert timedelta(seconds=30) >= COOKIE_CODE_TTL
    assert redeem_cookie_code(store, late, NOW + COOKIE_CODE_TTL) is None
    signed_out = issue_cookie_code(store, tab, NOW)
    assert signed_out is not None
    end_session(store, tab, NOW)
    assert redeem_cookie_code(store, signed_out, NOW) is None
    assert issue_cookie_code(store, tab, NOW) is None  # no code for a session that has ended
    assert issue_cookie_code(store, "not a token", NOW) is None
    assert redeem_cookie_code(store, "", NOW) is None


def test_a_new_code_voids_the_last_and_two_redemptions_at_once_get_one_token(store: Store, world: World) -> None:
    tab = start_session(store, world.ana.id, NOW)
    first = issue_cookie_code(store, tab, NOW)
    second = issue_cookie_code(store, tab, NOW)
    assert first is not None
    assert second is not None
    assert redeem_cookie_code(store, first, NOW) is None
    barrier = threading.Barrier(8)

    def redeem() -> str | None:
        barrier.wait()
        return redeem_cookie_code(store, second, NOW)

    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = [token for token in pool.map(lambda _: redeem(), range(8)) if token is not None]
    assert len(tokens) == 1
