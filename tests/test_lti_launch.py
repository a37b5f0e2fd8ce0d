"""An LTI 1.3 launch end to end, over HTTP: a local platform (its JWKS served from a thread, its
id_tokens signed with its own key) and the real app server, through login initiation, launch and
landing signed in; and every forged, stale or misdirected launch refused with a clear page and
no account made."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey

from elearn.cli.main import main
from elearn.lti.keys import KeysUnavailable, fetch_key_set
from elearn.settings import settings_from_files
from elearn.store import Role, open_store, session_user
from elearn.store.identities import identities_of
from tests.browser.conftest import Server, start_server, stop_server
from tests.lti_platform import (
    ADMINISTRATOR,
    CLIENT_ID,
    DEPLOYMENT_ID,
    INSTRUCTOR,
    LTI,
    LocalPlatform,
    fresh_subject,
    other_key,
    running_platform,
)

pytestmark = pytest.mark.system


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str
    cookies: SimpleCookie
    raw_cookies: tuple[str, ...] = ()

    @staticmethod
    def of(status: int, headers: Any, body: bytes) -> Answer:
        cookies: SimpleCookie = SimpleCookie()
        raw = tuple(headers.get_all("set-cookie") or [])
        for header in raw:
            cookies.load(header)
        return Answer(status, dict(headers), body.decode(), cookies, raw)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def request(url: str, form: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Answer:
    data = urlencode(form).encode() if form is not None else None
    try:
        with _OPENER.open(urllib.request.Request(url, data=data, headers=headers or {}), timeout=30) as response:
            return Answer.of(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Answer.of(error.code, error.headers, error.read())


@dataclass
class World:
    platform: LocalPlatform
    server: Server

    def store(self) -> Any:
        return open_store(None, self.server.data_dir)

    def login(self, target: str = "/lti/launch", **params: str) -> dict[str, str]:
        """Start a login initiation as the platform does; the state and nonce the tool chose."""
        query = {"iss": self.platform.issuer, "login_hint": "hint-1", "target_link_uri": self.server.url + target,
                 **params}
        answer = request(self.server.url + "/lti/login?" + urlencode(query))
        assert answer.status == 302, answer.body
        return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}

    def launch(self, token: str, state: str) -> Answer:
        return request(self.server.url + "/lti/launch", {"id_token": token, "state": state})


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from _world(tmp_path_factory, {})


@pytest.fixture(scope="module")
def behind_https(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The app behind a TLS proxy (127.0.0.1, trusted), which says so in X-Forwarded-Proto."""
    yield from _world(tmp_path_factory, {"ELEARN_TRUSTED_PROXIES": "127.0.0.1"})


def _world(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Iterator[World]:
    data = tmp_path_factory.mktemp("lti") / "data"
    with running_platform() as platform:
        out = io.StringIO()
        assert main(["lti", "add-platform", "--issuer", platform.issuer, "--client-id", CLIENT_ID,
                     "--deployment-id", DEPLOYMENT_ID, "--auth-login-url", platform.auth_url,
                     "--token-url", platform.issuer + "/token", "--jwks-url", platform.jwks_url,
                     "--data-dir", str(data)], out, settings_from_files({})) == 0, out.getvalue()
        server = start_server(data, data.parent / "server.log", env)
        try:
            yield World(platform, server)
        finally:
            stop_server(server)


def test_the_login_initiation_sends_the_browser_to_the_platform_with_a_state_and_nonce(world: World) -> None:
    answer = request(world.server.url + "/lti/login?" + urlencode(
        {"iss": world.platform.issuer, "login_hint": "hint-1", "target_link_uri": world.server.url + "/lti/launch",
         "lti_message_hint": "msg-9"}))
    assert answer.status == 302
    location = urlsplit(answer.headers["location"])
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert f"{location.scheme}://{location.netloc}{location.path}" == world.platform.auth_url
    assert query.keys() >= {"state", "nonce"}
    assert len(query["state"]) >= 40
    assert query["state"] != query["nonce"]
    assert {k: query[k] for k in ("scope", "response_type", "response_mode", "prompt", "client_id", "redirect_uri",
                                  "login_hint", "lti_message_hint")} == {
        "scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
        "client_id": CLIENT_ID, "redirect_uri": world.server.url + "/lti/launch", "login_hint": "hint-1",
        "lti_message_hint": "msg-9"}


def test_a_launch_signs_the_person_in_and_lands_on_the_lesson_asked_for(world: World) -> None:
    subject = fresh_subject()
    sent = world.login("/lti/launch?lesson=welcome")
    answer = world.launch(world.platform.id_token(sent["nonce"], sub=subject), sent["state"])
    assert answer.status == 303, answer.body
    assert answer.headers["location"] == "/lesson?lesson=welcome"
    cookie = answer.cookies["elearn_session"]
    assert cookie["httponly"]
    assert cookie["samesite"].lower() == "lax"
    store = world.store()
    user = session_user(store, cookie.value, datetime.now(UTC))
    assert user is not None
    assert user.display_name == "Lee Launch"
    assert user.roles == {Role.LEARNER}
    assert identities_of(store, user.id) == ((world.platform.issuer, subject),)
    assert user.team_id is not None
    # The next launch of the same person signs into the same account, wherever the LMS now sends them.
    again = world.login()
    custom = {LTI + "custom": {"scenario": "refund-rage"}}
    second = world.launch(world.platform.id_token(again["nonce"], sub=subject, **custom), again["state"])
    assert second.headers["location"] == "/scenario?scenario=refund-rage"
    token = second.cookies["elearn_session"].value
    again_user = session_user(store, token, datetime.now(UTC))
    assert again_user is not None
    assert again_user.id == user.id
    store.dispose()


def test_roles_map_to_a_manager_of_the_course_team_and_an_administrator(world: World) -> None:
    learner_sent, instructor_sent = world.login(), world.login()
    learner = world.launch(world.platform.id_token(learner_sent["nonce"], sub=fresh_subject()), learner_sent["state"])
    teacher = world.launch(world.platform.id_token(instructor_sent["nonce"], sub=fresh_subject(),
                                                   **{LTI + "roles": [INSTRUCTOR, ADMINISTRATOR]}),
                           instructor_sent["state"])
    store = world.store()
    now = datetime.now(UTC)
    student = session_user(store, learner.cookies["elearn_session"].value, now)
    instructor = session_user(store, teacher.cookies["elearn_session"].value, now)
    assert student is not None
    assert instructor is not None
    assert set(instructor.roles) == {Role.MANAGER, Role.ADMIN}
    assert instructor.team_id is None
    assert student.team_id is not None
    assert _manages(store, instructor.id) == {student.team_id}
    store.dispose()


def test_the_tool_publishes_its_public_key_only(world: World) -> None:
    answer = request(world.server.url + "/lti/jwks")
    keys = json.loads(answer.body)["keys"]
    assert answer.status == 200
    assert len(keys) == 1
    assert keys[0]["kty"] == "RSA"
    assert keys[0]["alg"] == "RS256"
    assert keys[0]["kid"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & keys[0].keys()
    KeySet.import_key_set({"keys": keys})  # a keyset a platform can read
    assert request(world.server.url + "/lti/jwks").body == answer.body  # made once, then kept


def _wrong(world: World, case: str, subject: str) -> tuple[str, str]:
    """A launch's (id_token, state) that is wrong in the way ``case`` says."""
    sent = world.login()
    nonce, platform = sent["nonce"], world.platform
    if case == "bad signature":
        return platform.id_token(nonce, key=other_key(), sub=subject), sent["state"]
    if case == "wrong audience":
        return platform.id_token(nonce, sub=subject, aud="someone-else"), sent["state"]
    if case == "expired":
        return platform.id_token(nonce, sub=subject, exp=1_000_000_000, iat=999_999_000), sent["state"]
    if case == "unknown deployment":
        return platform.id_token(nonce, sub=subject, **{LTI + "deployment_id": "deployment-9"}), sent["state"]
    if case == "replayed nonce":
        return platform.id_token(nonce, sub=subject), world.login()["state"]
    deep_link_request = {LTI + "message_type": "LtiDeepLinkingRequest"}
    if case == "a learner's deep-linking request":
        settings = {"deep_link_return_url": platform.issuer + "/return", "accept_types": ["ltiResourceLink"]}
        return platform.id_token(nonce, sub=subject, **deep_link_request, **{
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": settings}), sent["state"]
    if case == "deep linking without settings":
        return platform.id_token(nonce, sub=subject, **deep_link_request, **{LTI + "roles": [INSTRUCTOR]}), \
            sent["state"]
    if case == "another message type":
        return platform.id_token(nonce, sub=subject, **{LTI + "message_type": "LtiSubmissionReviewRequest"}), \
            sent["state"]
    if case == "not signed":
        return jwt.encode({"alg": "HS256"}, platform.claims(nonce, sub=subject),
                          OctKey.import_key("x" * 32), algorithms=["HS256"]), sent["state"]
    raise AssertionError(case)


@pytest.mark.parametrize(("case", "message"), [
    ("bad signature", "This launch's signature does not match the keys of"),
    ("wrong audience", "This launch is meant for another tool"),
    ("expired", "This launch has expired (its id_token is past its expiry time)."),
    ("unknown deployment", "from a deployment of the tool in"),
    ("replayed nonce", "has a missing or wrong 'nonce' claim"),
    ("not signed", "This launch's id_token could not be read"),
    ("a learner's deep-linking request", "Only an instructor or an administrator of the LMS course can choose"),
    ("deep linking without settings", "This deep-linking request has no deep_linking_settings claim"),
    ("another message type", "This launch is neither a resource-link launch nor a deep-linking request"),
])
def test_a_wrong_launch_is_refused_with_a_clear_page_and_no_account(world: World, case: str, message: str) -> None:
    subject = fresh_subject()
    token, state = _wrong(world, case, subject)
    answer = world.launch(token, state)
    assert answer.status == 403
    assert "set-cookie" not in {k.lower() for k in answer.headers}
    assert message in answer.body.replace("&#x27;", "'")
    _no_leak(answer.body, world)
    store = world.store()
    assert not _linked(store, world.platform.issuer, subject)
    store.dispose()


def test_a_launch_is_good_once(world: World) -> None:
    subject = fresh_subject()
    sent = world.login()
    token = world.platform.id_token(sent["nonce"], sub=subject)
    assert world.launch(token, sent["state"]).status == 303
    replay = world.launch(token, sent["state"])
    assert replay.status == 403
    assert "expired or was used already" in replay.body


@pytest.mark.parametrize(("params", "message"), [
    ({"iss": "https://lms.unknown.example"}, "is not registered with this app"),
    ({"client_id": "other-client"}, "is not registered with this app under client id"),
    ({"lti_deployment_id": "deployment-9"}, "from a deployment of the tool in"),
    ({"target_link_uri": "https://evil.example/steal"}, "which is not an address of this app"),
    ({"login_hint": ""}, "The LMS's login request is missing login_hint."),
])
def test_a_wrong_login_initiation_is_refused(world: World, params: dict[str, str], message: str) -> None:
    query = {"iss": world.platform.issuer, "login_hint": "hint-1", "target_link_uri": world.server.url + "/lti/launch",
             **params}
    answer = request(world.server.url + "/lti/login?" + urlencode(query))
    assert answer.status == 400
    assert message in answer.body.replace("&#x27;", "'")
    _no_leak(answer.body, world)


def _no_leak(body: str, world: World) -> None:
    assert "Traceback" not in body
    assert str(Path(__file__).parent.parent) not in body
    assert str(world.server.data_dir) not in body
    assert "PRIVATE KEY" not in body


def _linked(store: Any, issuer: str, subject: str) -> bool:
    from sqlalchemy import select

    from elearn.store.tables import IdentityLinkRow

    return store.read(lambda conn: conn.scalar(select(IdentityLinkRow.id).where(
        IdentityLinkRow.issuer == issuer, IdentityLinkRow.subject == subject))) is not None


def _manages(store: Any, user_id: int) -> set[int]:
    from sqlalchemy import select

    from elearn.store.tables import TeamManagerRow

    return set(store.read(lambda conn: conn.scalars(select(TeamManagerRow.team_id).where(
        TeamManagerRow.user_id == user_id)).all()))


def test_unreachable_platform_keys_are_named_in_the_refusal() -> None:
    with pytest.raises(KeysUnavailable) as failed:
        fetch_key_set("http://127.0.0.1:9/jwks")
    assert str(failed.value).startswith("The LMS's public keys could not be read from http://127.0.0.1:9/jwks (")


def test_over_https_the_launch_must_come_back_to_the_browser_that_started_it(behind_https: World) -> None:
    world, proxied = behind_https, {"X-Forwarded-Proto": "https"}
    https_app = world.server.url.replace("http://", "https://")
    query = {"iss": world.platform.issuer, "login_hint": "h", "target_link_uri": https_app + "/lti/launch"}
    started = [request(world.server.url + "/lti/login?" + urlencode(query), headers=proxied) for _ in range(2)]
    kept = [answer.cookies for answer in started]
    sent = [{k: v[0] for k, v in parse_qs(urlsplit(a.headers["location"]).query).items()} for a in started]
    (name, cookie), = kept[0].items()
    assert cookie.value == "1"
    assert cookie["secure"]
    assert cookie["samesite"] == "none"
    assert cookie["path"] == "/lti/launch"
    assert parse_qs(urlsplit(started[0].headers["location"]).query)["redirect_uri"] == [https_app + "/lti/launch"]
    # Another browser (the second login's cookie, or none) can't finish the first login.
    subject = fresh_subject()
    form = {"id_token": world.platform.id_token(sent[0]["nonce"], sub=subject), "state": sent[0]["state"]}
    (other_name, _), = kept[1].items()
    for cookies in ({}, {"Cookie": f"{other_name}=1"}):
        refused = request(world.server.url + "/lti/launch", form, {**proxied, **cookies})
        assert refused.status == 403
        assert "did not come back to the browser window that started it" in refused.body
    assert not _linked(world.store(), world.platform.issuer, subject)
    landed = request(world.server.url + "/lti/launch", form, {**proxied, "Cookie": f"{name}=1"})
    assert landed.status == 303
    session = landed.cookies
    assert session["elearn_session"]["secure"]


def test_over_https_a_framed_launch_gets_a_partitioned_cookie_and_a_new_window_link(behind_https: World) -> None:
    world, proxied = behind_https, {"X-Forwarded-Proto": "https"}
    https_app = world.server.url.replace("http://", "https://")
    query = {"iss": world.platform.issuer, "login_hint": "h", "target_link_uri": https_app + "/lti/launch"}
    started = request(world.server.url + "/lti/login?" + urlencode(query), headers=proxied)
    (name, _), = started.cookies.items()
    nonce, state = (parse_qs(urlsplit(started.headers["location"]).query)[k][0] for k in ("nonce", "state"))
    framed = {LTI + "launch_presentation": {"document_target": "iframe"}}
    landed = request(world.server.url + "/lti/launch",
                     {"id_token": world.platform.id_token(nonce, sub=fresh_subject(), **framed), "state": state},
                     {**proxied, "Cookie": f"{name}=1"})
    assert landed.status == 200
    assert "Open the course in a new window" in landed.body
    # Python 3.11's http.cookies can't parse the Partitioned attribute, so read the header itself.
    [header] = [value for value in landed.raw_cookies if value.startswith("elearn_session=")]
    attributes = {part.strip().lower() for part in header.split(";")[1:]}
    assert {"httponly", "secure", "samesite=none", "partitioned", "path=/"} <= attributes
