"""Accounts: password policy, sign-in that tells nothing away, throttling, rehashing, set-up."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from sqlalchemy import select

from elearn.store import (
    AccountError,
    RegistrationClosed,
    Role,
    SetupClosed,
    Store,
    Throttled,
    User,
    UsernameTaken,
    WeakPassword,
    admin_exists,
    authenticate,
    claim_setup_token,
    create_admin,
    create_user,
    issue_setup_token,
    password_problems,
    register,
    upgrade,
    user_by_email,
)
from elearn.store.accounts import SIGN_IN
from elearn.store.db import password_hasher
from elearn.store.tables import UserRow

from .helpers import NOW, PASSWORD, Target

CLIENT = "203.0.113.7"
OTHER_CLIENT = "198.51.100.9"


class CountingHasher(PasswordHasher):
    """A real Argon2 hasher that counts verifications: both failure paths must pay for one."""

    verified = 0

    def verify(self, stored: str | bytes, password: str | bytes) -> Literal[True]:
        CountingHasher.verified += 1
        return super().verify(stored, password)


@pytest.mark.parametrize(
    ("username", "password", "problems"),
    [
        ("ana", "long enough password", []),
        ("ana", "short", ["Use at least 10 characters."]),
        ("longusername", "LongUserName", ["The password must not be the username."]),
        ("ana", "x" * 1025, ["Use at most 1024 characters."]),
        ("ana", "", ["Use at least 10 characters."]),
    ],
)
def test_password_policy(username: str, password: str, problems: list[str]) -> None:
    assert password_problems(username, password) == problems


def test_weak_password_is_refused(store: Store) -> None:
    with pytest.raises(WeakPassword, match="at least 10"):
        create_user(store, username="ana", display_name="Ana", password="2short", now=NOW)


@pytest.mark.parametrize("username", ["", " ", "-dash-first", "has space", "x" * 65, "semi;colon"])
def test_bad_usernames_are_refused(store: Store, username: str) -> None:
    with pytest.raises(AccountError, match="A username is 1-64 characters"):
        create_user(store, username=username, display_name="X", password=PASSWORD, now=NOW)


def test_usernames_are_case_insensitive_and_unique(store: Store) -> None:
    create_user(store, username="Ana", display_name="Ana", password=PASSWORD, now=NOW)
    with pytest.raises(UsernameTaken):
        create_user(store, username=" ANA ", display_name="Other", password=PASSWORD, now=NOW)
    assert isinstance(authenticate(store, "aNa", PASSWORD, NOW, client=CLIENT), User)


def test_sign_in_with_the_right_password(store: Store) -> None:
    ana = create_user(store, username="ana", display_name="Ana", password=PASSWORD, now=NOW, email="Ana@Example.org")
    assert authenticate(store, "ana", PASSWORD, NOW, client=CLIENT) == ana
    assert ana.roles == frozenset({Role.LEARNER})
    assert ana.email == "ana@example.org"


def test_unknown_user_and_wrong_password_look_the_same(target: Target) -> None:
    store = target.open(hasher=CountingHasher(time_cost=1, memory_cost=1024, parallelism=1))
    upgrade(store)
    create_user(store, username="ana", display_name="Ana", password=PASSWORD, now=NOW)
    sso = create_user(store, username="sso", display_name="SSO", password=None, now=NOW)
    assert not sso.has_password
    results = []
    for username in ("ana", "nobody", "sso"):
        CountingHasher.verified = 0
        results.append(authenticate(store, username, "wrong password!", NOW, client=CLIENT))
        assert CountingHasher.verified == 1, f"{username}: an Argon2 verification must be paid for"
    assert results == [None, None, None]


@pytest.mark.parametrize(("username", "signs_in"), [("ana", True), ("nobody", False)])
def test_failures_bring_growing_delays_for_known_and_unknown_users_alike(
    store: Store, username: str, signs_in: bool
) -> None:
    create_user(store, username="ana", display_name="Ana", password=PASSWORD, now=NOW)
    moment = NOW
    for _ in range(SIGN_IN.free):
        moment += timedelta(seconds=1)
        assert authenticate(store, username, "wrong password!", moment, client=CLIENT) is None
    soon = moment + timedelta(seconds=1)
    # Even the right password waits now, so the answer says nothing about it.
    assert authenticate(store, username, PASSWORD, soon, client=CLIENT) == Throttled(moment + SIGN_IN.first_delay)
    # The same client may still try another username, and another client this one.
    assert authenticate(store, "someone-else", "wrong password!", soon, client=CLIENT) is None
    assert authenticate(store, username, "wrong password!", soon, client=OTHER_CLIENT) is None
    # One more failure once the wait is over doubles the next wait.
    moment += SIGN_IN.first_delay
    assert authenticate(store, username, "wrong password!", moment, client=CLIENT) is None
    assert authenticate(store, username, PASSWORD, moment + timedelta(seconds=1), client=CLIENT) == Throttled(
        moment + 2 * SIGN_IN.first_delay)
    result = authenticate(store, username, PASSWORD, moment + 2 * SIGN_IN.first_delay, client=CLIENT)
    assert isinstance(result, User) if signs_in else result is None


def test_the_waits_grow_to_a_ceiling_and_never_lock() -> None:
    waits = [SIGN_IN.wait_after(count) for count in range(13)]
    assert waits == [timedelta(0)] * 5 + [timedelta(seconds=s) for s in (30, 60, 120, 240, 480)] + [
        timedelta(minutes=15)] * 3
    assert SIGN_IN.wait_after(10_000) == timedelta(minutes=15)


def test_a_quiet_hour_forgets_the_failures(store: Store) -> None:
    create_user(store, username="ana", display_name="Ana", password=PASSWORD, now=NOW)
    for second in range(SIGN_IN.free + 3):
        authenticate(store, "ana", "wrong password!", NOW + timedelta(minutes=20 * second), client=CLIENT)
    last = NOW + timedelta(minutes=20 * (SIGN_IN.free + 2))
    assert isinstance(authenticate(store, "ana", PASSWORD, last + timedelta(minutes=1), client=CLIENT), Throttled)
    quiet = last + SIGN_IN.forget_after
    for second in range(SIGN_IN.free - 1):
        assert authenticate(store, "ana", "wrong password!", quiet + timedelta(seconds=second), client=CLIENT) is None
    assert isinstance(authenticate(store, "ana", PASSWORD, quiet + timedelta(seconds=10), client=CLIENT), User)


def test_a_throttled_attempt_costs_no_password_check(target: Target) -> None:
    store = target.open(hasher=CountingHasher(time_cost=1, memory_cost=1024, parallelism=1))
    upgrade(store)
    create_user(store, username="ana", display_name="Ana", password=PASSWORD, now=NOW)
    CountingHasher.verified = 0
    results = [authenticate(store, "ana", "wrong password!", NOW, client=CLIENT) for _ in range(SIGN_IN.free + 10)]
    assert CountingHasher.verified == SIGN_IN.free
    assert results[:SIGN_IN.free] == [None] * SIGN_IN.free
    assert set(results[SIGN_IN.free:]) == {Throttled(NOW + SIGN_IN.first_delay)}


def test_success_resets_the_failure_count(store: Store) -> None:
    create_user(store, username="ana", display_name="Ana", password=PASSWORD, now=NOW)
    moment = NOW
    for _ in range(3):
        for _ in range(SIGN_IN.free - 1):
            moment += timedelta(seconds=10)
            assert authenticate(store, "ana", "wrong password!", moment, client=CLIENT) is None
        moment += timedelta(seconds=10)
        assert isinstance(authenticate(store, "ana", PASSWORD, moment, client=CLIENT), User)


def test_password_hashed_with_old_parameters_is_rehashed(target: Target) -> None:
    old = target.open(hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    upgrade(old)
    ana = create_user(old, username="ana", display_name="Ana", password=PASSWORD, now=NOW)
    newer_hasher = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    new = target.open(hasher=newer_hasher)

    def stored_hash() -> str:
        return str(new.read(lambda conn: conn.scalar(select(UserRow.password_hash).where(UserRow.id == ana.id))))

    assert newer_hasher.check_needs_rehash(stored_hash())
    assert authenticate(new, "ana", PASSWORD, NOW, client=CLIENT) == ana
    assert not newer_hasher.check_needs_rehash(stored_hash())
    assert authenticate(new, "ana", PASSWORD, NOW, client=CLIENT) == ana


def test_the_shipped_hasher_is_argon2id_at_owasps_minimum_or_above() -> None:
    parameters = extract_parameters(password_hasher().hash(PASSWORD))
    assert parameters.type is Type.ID
    assert parameters.memory_cost >= 19 * 1024  # KiB
    assert parameters.time_cost >= 2
    assert parameters.parallelism >= 1


def test_registration_follows_the_setting(store: Store) -> None:
    with pytest.raises(RegistrationClosed):
        register(store, username="ana", display_name="Ana", password=PASSWORD, now=NOW, allow_self_registration=False)
    ana = register(store, username="ana", display_name="Ana", password=PASSWORD, now=NOW, allow_self_registration=True)
    assert ana.roles == frozenset({Role.LEARNER})


def test_no_account_exists_until_someone_creates_one(store: Store) -> None:
    assert not admin_exists(store)
    for username in ("admin", "administrator", "root"):
        for password in ("admin", "password", "changeme", PASSWORD):
            assert authenticate(store, username, password, NOW, client=CLIENT) is None


def test_setup_token_creates_the_first_admin_once(store: Store) -> None:
    token = issue_setup_token(store, NOW)
    with pytest.raises(SetupClosed):
        claim_setup_token(store, token + "x", "root", PASSWORD, NOW)
    admin = claim_setup_token(store, token, "root", PASSWORD, NOW)
    assert admin.roles == frozenset({Role.ADMIN, Role.LEARNER, Role.FACILITATOR, Role.MANAGER})  # issue 16
    assert admin_exists(store)
    with pytest.raises(SetupClosed):
        claim_setup_token(store, token, "intruder", PASSWORD, NOW)
    with pytest.raises(SetupClosed):
        issue_setup_token(store, NOW)
    assert authenticate(store, "intruder", PASSWORD, NOW, client=CLIENT) is None


def test_setup_token_expires_and_a_new_one_voids_the_old(store: Store) -> None:
    expired = issue_setup_token(store, NOW, ttl=timedelta(minutes=5))
    with pytest.raises(SetupClosed):
        claim_setup_token(store, expired, "root", PASSWORD, NOW + timedelta(minutes=6))
    first = issue_setup_token(store, NOW)
    second = issue_setup_token(store, NOW)
    with pytest.raises(SetupClosed):
        claim_setup_token(store, first, "root", PASSWORD, NOW)
    assert claim_setup_token(store, second, "root", PASSWORD, NOW).has(Role.ADMIN)


def test_create_admin_closes_setup(store: Store) -> None:
    token = issue_setup_token(store, NOW)
    create_admin(store, "boss", PASSWORD, NOW)
    with pytest.raises(SetupClosed):
        claim_setup_token(store, token, "root", PASSWORD, NOW)


def test_single_sign_on_users_are_found_by_email(store: Store) -> None:
    sso = create_user(store, username="sam", display_name="Sam", password=None, now=NOW, email="Sam@Corp.example")
    assert user_by_email(store, "sam@corp.EXAMPLE") == sso
    assert user_by_email(store, "nobody@corp.example") is None
    assert user_by_email(store, "  ") is None
    assert authenticate(store, "sam", "", NOW, client=CLIENT) is None
