"""LTI 1.3 in the store, on SQLite and PostgreSQL: registering platforms, the tool's key made
once, launch states good once, and the accounts, teams and roles a launch brings in."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from elearn.lti import LaunchRefused, PlatformProblem, begin_login, register_platform
from elearn.lti.keys import make_tool_key, tool_jwks
from elearn.store import Role, Store
from elearn.store.identities import identities_of
from elearn.store.lti import (
    LaunchedPerson,
    Platform,
    PlatformExists,
    platforms,
    save_launch_state,
    sign_in_launched,
    take_launch_state,
    tool_key,
)
from elearn.store.tables import TeamManagerRow, TeamRow, UserRow

from .helpers import NOW, World

ISSUER = "https://lms.example.org"


def _register(store: Store, **changes: object) -> Platform:
    fields: dict[str, object] = {
        "issuer": ISSUER, "client_id": "client-1", "deployment_ids": ["d1", " d2 ", "d1"],
        "auth_login_url": ISSUER + "/auth", "token_url": ISSUER + "/token", "jwks_url": ISSUER + "/jwks", **changes}
    return register_platform(store, now=NOW, **fields)  # type: ignore[arg-type]


def _person(subject: str = "s-1", roles: frozenset[Role] = frozenset({Role.LEARNER}), *, manages: bool = False,
            context: str | None = "course-1", title: str = "Customer care") -> LaunchedPerson:
    return LaunchedPerson(subject=subject, name="Lee\u200b Launch", roles=roles, manages_context=manages,
                          context_id=context, context_title=title)


def test_a_platform_is_registered_with_its_deployments_once(store: Store) -> None:
    platform = _register(store)
    assert platforms(store) == (platform,)
    assert platform.deployment_ids == ("d1", "d2")
    with pytest.raises(PlatformExists, match="is registered already"):
        _register(store, deployment_ids=["d3"])
    assert _register(store, client_id="client-2").id != platform.id


def test_every_problem_of_a_registration_is_reported_at_once(store: Store) -> None:
    with pytest.raises(PlatformProblem) as refused:
        _register(store, issuer="lms.example.org", client_id=" ", deployment_ids=[" "],
                  auth_login_url="http://lms.example.org/auth", jwks_url="")
    assert refused.value.problems == (
        "client id: missing (the LMS shows it on the tool's registration).",
        "issuer: 'lms.example.org' is not an http(s) URL; LTI 1.3 issuers are (the LMS's address).",
        "deployment ids: give at least one (the LMS shows it once the tool is deployed).",
        "auth login URL: 'http://lms.example.org/auth' must be an https:// URL (plain http only for localhost).",
        "JWKS URL: missing.",
    )
    assert platforms(store) == ()


def test_the_tool_key_is_made_once_and_only_its_public_half_is_published(store: Store) -> None:
    first = tool_key(store, make_tool_key, NOW)
    assert tool_key(store, lambda: ("other", "not a key"), NOW) == first
    published = tool_jwks(store, NOW)["keys"]
    assert [key["kid"] for key in published] == [first[0]]
    assert not {"d", "p", "q"} & published[0].keys()


def test_a_launch_state_is_good_once_and_until_it_expires(store: Store) -> None:
    platform = _register(store)
    for state in ("fresh", "stale"):
        save_launch_state(store, state=state, nonce=f"nonce-{state}", platform=platform,
                          target_link_uri="https://tool/lti/launch", expires_at=NOW + timedelta(minutes=10), now=NOW)
    taken = take_launch_state(store, "fresh", NOW)
    assert taken is not None
    assert (taken.platform, taken.nonce) == (platform, "nonce-fresh")
    assert take_launch_state(store, "fresh", NOW) is None
    assert take_launch_state(store, "stale", NOW + timedelta(minutes=10)) is None
    assert take_launch_state(store, "never-issued", NOW) is None


def test_a_first_launch_makes_the_account_and_the_course_team(store: Store, world: World) -> None:
    platform = _register(store)
    before = _count(store, UserRow.id)
    user = sign_in_launched(store, platform, _person(title="Team A"), NOW)
    assert user.roles == {Role.LEARNER}
    assert user.display_name == "Lee Launch"
    assert not user.has_password
    assert user.email is None
    assert identities_of(store, user.id) == ((ISSUER, "s-1"),)
    team = store.read(lambda conn: conn.scalar(select(TeamRow.name).where(TeamRow.id == user.team_id)))
    assert team == "Team A (2)"  # "Team A" is the world's own team
    again = sign_in_launched(store, platform, _person(title="Renamed in the LMS"), NOW)
    assert again.id == user.id
    assert again.team_id == user.team_id
    assert _count(store, UserRow.id) == before + 1


def test_an_instructor_manages_the_course_team_and_roles_are_only_added(store: Store, world: World) -> None:
    platform = _register(store)
    learner = sign_in_launched(store, platform, _person("s-learner"), NOW)
    teacher = sign_in_launched(store, platform, _person("s-teacher", frozenset({Role.MANAGER}), manages=True), NOW)
    assert teacher.roles == {Role.MANAGER}
    assert teacher.team_id is None
    assert store.read(lambda conn: conn.scalars(select(TeamManagerRow.team_id).where(
        TeamManagerRow.user_id == teacher.id)).all()) == [learner.team_id]
    promoted = sign_in_launched(store, platform, _person("s-learner", frozenset({Role.ADMIN})), NOW)
    assert promoted.roles == {Role.LEARNER, Role.ADMIN}
    assert sign_in_launched(store, platform, _person("s-teacher", frozenset({Role.MANAGER}), manages=True),
                            NOW).id == teacher.id
    assert _count(store, TeamManagerRow.user_id) == 2  # the world's manager and the teacher, once


def test_the_same_subject_on_another_platform_is_another_person(store: Store) -> None:
    first = sign_in_launched(store, _register(store), _person(context=None), NOW)
    elsewhere = _register(store, issuer="https://other-lms.example.org")
    other = sign_in_launched(store, elsewhere, _person(context=None), NOW)
    assert first.id != other.id
    assert first.team_id is None


def _count(store: Store, column: object) -> int:
    return int(store.read(lambda conn: conn.scalar(select(func.count(column)))))  # type: ignore[call-overload]


def test_of_two_launches_with_one_state_only_one_gets_it(store: Store) -> None:
    platform = _register(store)
    save_launch_state(store, state="contested", nonce="n", platform=platform, target_link_uri="https://tool/",
                      expires_at=NOW + timedelta(minutes=10), now=NOW)
    barrier = threading.Barrier(4)

    def race() -> bool:
        barrier.wait()
        return take_launch_state(store, "contested", NOW) is not None

    with ThreadPoolExecutor(4) as pool:
        won = list(pool.map(lambda _: race(), range(4)))
    assert sorted(won) == [False, False, False, True]


BASE = "https://learn.example.org/calm"


@pytest.mark.parametrize(("link", "accepted"), [
    (BASE + "/lti/launch", True),
    (BASE + "/lti/launch?scenario=refund-rage", True),
    ("https://learn.example.org/lti/launch", False),
    ("https://learn.example.org/calmer/lti/launch", False),
    ("https://learn.example.org/calm.evil.example/lti/launch", False),
    ("https://learn.example.org.evil.example/calm/lti/launch", False),
    ("http://learn.example.org/calm/lti/launch", False),
])
def test_a_login_initiation_only_launches_an_address_under_the_app(store: Store, link: str, accepted: bool) -> None:
    platform = _register(store)
    params = {"iss": ISSUER, "login_hint": "h", "target_link_uri": link}
    if not accepted:
        with pytest.raises(LaunchRefused, match="which is not an address of this app"):
            begin_login(store, params, BASE, NOW)
        return
    redirect = urlsplit(begin_login(store, params, BASE, NOW).url)
    assert f"{redirect.scheme}://{redirect.netloc}{redirect.path}" == platform.auth_login_url
    assert parse_qs(redirect.query)["redirect_uri"] == [BASE + "/lti/launch"]
