"""LTI Advantage end to end against ``lti1p3platform`` (PyPI), a third-party platform
implementation, served over HTTP by ``tests/lti_advantage_platform.py``, and the real app server:
an instructor's login initiation and deep-linking launch, their pick posted back and checked by
the platform; a learner's launch of the picked scenario; the scores of their attempts posted to the
platform's line item with an access token got by a signed assertion (once each, also across the
platform going down and coming back); the course's roster synced into its team. And what must
be refused: a learner's deep-linking request, a pick sent twice, an unknown pick."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from elearn.cli.main import main
from elearn.course.passing import PassRule
from elearn.lti.grades import queue_owed, send_due
from elearn.play.engine import choose, start
from elearn.settings import settings_from_files
from elearn.store import (
    Finish,
    NewChoice,
    User,
    create_user,
    open_store,
    record_answer,
    session_user,
    start_attempt,
)
from elearn.store.db import Store
from elearn.store.identities import identities_of
from elearn.store.lti_rosters import linked_subjects, rosters_for
from elearn.store.lti_scores import queue_state
from elearn.store.tables import UserRow
from elearn.store.users import fetch_users
from tests.browser.conftest import Server, start_server, stop_server
from tests.conftest import shipped_course
from tests.lti_advantage_platform import CLIENT_ID, CONTEXT, DEPLOYMENT_ID, AdvantageLms, Launch, Login, PreflightAnswer
from tests.lti_platform import INSTRUCTOR, LEARNER, fresh_subject
from tests.test_lti_launch import Answer, request

pytestmark = pytest.mark.system
COURSE = shipped_course()
SCENARIO = COURSE.scenarios[0]
BEST = [(step.node_id, step.choice_id) for step in COURSE.analyses[SCENARIO.id].best.steps]
LINE_ITEM = "7"
DEADLINE_SECONDS = 30


@dataclass
class World:
    lms: AdvantageLms
    server: Server

    def store(self) -> Store:
        return open_store(None, self.server.data_dir)

    def launch(self, subject: str, roles: list[str], *, name: str = "Lee Learner", deep_link: bool = False,
               custom: dict[str, str] | None = None, document_target: str | None = None) -> Answer:
        """A launch as the platform makes it: login initiation, our redirect, its signed id_token."""
        login = Login(None, self.lms.platform)
        login.set_lti_message_hint(resource_link="link-1")
        preflight = request(login.initiate_login(subject))
        assert preflight.status == 302, preflight.body
        query = {k: v[0] for k, v in parse_qs(urlsplit(preflight.headers["location"]).query).items()}
        launch = Launch(PreflightAnswer(query), self.lms.platform)
        launch.set_user_data(subject, roles, full_name=name, email_address=f"{subject}@lms.example")
        launch.set_launch_context_claim(CONTEXT.id, context_title=CONTEXT.title, context_label=CONTEXT.label)
        issuer = self.lms.issuer
        if deep_link:
            launch.set_dl(issuer + "/deep-link-return", title="Add an activity", extra_data={"slot": "week-3"})
        else:
            launch.set_ags(issuer + "/lineitems", f"{issuer}/lineitems/{LINE_ITEM}")
        launch.set_nrps(issuer + "/memberships")
        if custom:
            launch.set_custom_parameters_claim(custom)
        if document_target:
            launch.set_launch_presentation_claim(document_target=document_target)
        sent = launch.lti_launch()
        assert sent["launch_url"] == self.server.url + "/lti/launch"
        return request(sent["launch_url"], {"id_token": sent["id_token"], "state": sent["state"]})

    def signed_in(self, answer: Answer) -> User:
        store = self.store()
        try:
            user = session_user(store, answer.cookies["elearn_session"].value, datetime.now(UTC))
        finally:
            store.dispose()
        assert user is not None
        return user


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = tmp_path_factory.mktemp("lti-advantage") / "data"
    server = start_server(data, data.parent / "server.log")
    lms = AdvantageLms(server.url)
    try:
        out = io.StringIO()
        assert main(["lti", "add-platform", "--issuer", lms.issuer, "--client-id", CLIENT_ID,
                     "--deployment-id", DEPLOYMENT_ID, "--auth-login-url", lms.issuer + "/auth",
                     "--token-url", lms.issuer + "/token", "--jwks-url", lms.issuer + "/jwks",
                     "--data-dir", str(data)], out, settings_from_files({})) == 0, out.getvalue()
        yield World(lms, server)
    finally:
        lms.stop()
        stop_server(server)


def _picker_token(answer: Answer) -> str:
    assert answer.status == 303, answer.body
    location = urlsplit(answer.headers["location"])
    assert location.path == "/lti/deep-link"
    return parse_qs(location.query)["request"][0]


def _pick(world: World, token: str, item: str) -> Answer:
    return request(world.server.url + "/lti/deep-link", {"request": token, "item": item})


def _posted_back(page: Answer) -> tuple[str, str]:
    """The (return URL, JWT) of the page that auto-posts the deep-linking response."""
    action = re.search(r'<form id="deep-link-response" method="post" action="([^"]+)"', page.body)
    token = re.search(r'name="JWT" value="([^"]+)"', page.body)
    assert action is not None, page.body
    assert token is not None, page.body
    return unescape(action.group(1)), unescape(token.group(1))


def _play(store: Store, user: User) -> None:
    """One attempt at the scenario along its best path, stored as the player stores it."""
    now = datetime.now(UTC)
    attempt = start_attempt(store, user, SCENARIO.id, SCENARIO.version, run_json=start(SCENARIO).to_json(), now=now)
    run = start(SCENARIO, seed=attempt.id)
    for index, (_, choice_id) in enumerate(BEST):
        run = choose(run, choice_id)
        step = run.log[index]
        ending = run.ending
        record_answer(store, user, NewChoice(
            event_key=f"attempt-{attempt.id}-answer-{index}", attempt_id=attempt.id, node_id=step.node_id,
            choice_id=step.choice_id, evidence=dict(step.evidence), anger_before=step.anger_before,
            anger_after=step.anger_after, first_attempt=step.first_attempt, occurred_at=now),
            run.to_json(), now, Finish(ending.id, ending.outcome, run.score) if ending is not None else None)
    assert run.ending is not None


def _wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_deep_linking_launch_grade_passback_and_roster_sync(world: World) -> None:
    lms, recorded = world.lms, world.lms.recorded
    # 1. The instructor adds the scenario from the LMS's "add an activity" screen.
    instructor_subject = fresh_subject()
    token = _picker_token(world.launch(instructor_subject, [INSTRUCTOR], name="Ida Instructor", deep_link=True))
    picker = request(world.server.url + "/lti/deep-link?request=" + token)
    assert picker.status == 200
    assert f'value="scenario:{SCENARIO.id}"' in picker.body
    assert picker.headers["referrer-policy"] == "no-referrer"
    return_url, signed = _posted_back(_pick(world, token, f"scenario:{SCENARIO.id}"))
    assert return_url == lms.issuer + "/deep-link-return"
    accepted = request(return_url, {"JWT": signed})
    assert accepted.status == 200, accepted.body  # the platform checked the signature against /lti/jwks
    claims = recorded.deep_link_claims[-1]
    assert (claims["iss"], claims["aud"]) == (CLIENT_ID, lms.issuer)
    assert claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == DEPLOYMENT_ID
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == {"slot": "week-3"}
    [item] = recorded.content_items
    assert item == {"type": "ltiResourceLink", "title": f"Scenario: {SCENARIO.title}",
                    "url": world.server.url + "/lti/launch", "custom": {"scenario": SCENARIO.id},
                    "lineItem": {"scoreMaximum": 1, "label": f"Scenario: {SCENARIO.title}",
                                 "resourceId": f"scenario:{SCENARIO.id}"}}

    # 2. A learner launches the link the platform made of it, and lands on the scenario.
    subject = fresh_subject()
    landed = world.launch(subject, [LEARNER], custom=item["custom"])
    assert landed.status == 303, landed.body
    assert landed.headers["location"] == f"/scenario?scenario={SCENARIO.id}"
    learner = world.signed_in(landed)

    # 3. They finish it: one score for the attempt reaches the line item.
    store = world.store()
    _play(store, learner)
    assert queue_owed(store, COURSE, learner, PassRule(), datetime.now(UTC)) == 1
    send_due(store, lambda: datetime.now(UTC))
    _wait_for(lambda: len(recorded.scores) == 1, "the first score")
    line_item, score = recorded.scores[0]
    assert line_item == LINE_ITEM
    assert {k: score[k] for k in ("userId", "scoreMaximum", "activityProgress", "gradingProgress")} == {
        "userId": subject, "scoreMaximum": 1, "activityProgress": "Completed", "gradingProgress": "FullyGraded"}
    assert 0 < score["scoreGiven"] <= 1
    assert score["comment"].endswith(": passed")
    assert recorded.tokens >= 1

    # 4. The LMS goes down: the next attempt's score waits, with the error for administrators...
    lms.stop()
    _play(store, learner)
    assert queue_owed(store, COURSE, learner, PassRule(), datetime.now(UTC)) == 1
    report = send_due(store, lambda: datetime.now(UTC))
    assert (report.sent, len(report.retrying)) == ([], 1)
    state = queue_state(store)
    assert (state.waiting, state.sent) == (1, 1)
    assert state.last_error is not None
    assert "could not be reached" in state.last_error
    # ... and goes once it is back, when its retry is due.
    lms.start()
    report = send_due(store, lambda: datetime.now(UTC) + timedelta(minutes=2))
    assert len(report.sent) == 1, report
    assert len(recorded.scores) == 2
    assert recorded.scores[0][1]["timestamp"] != recorded.scores[1][1]["timestamp"]
    # Nothing is queued or posted twice for the same attempt.
    assert queue_owed(store, COURSE, learner, PassRule(), datetime.now(UTC)) == 0
    assert send_due(store, lambda: datetime.now(UTC) + timedelta(hours=2)).sent == []
    assert len(recorded.scores) == 2
    assert (queue_state(store).waiting, queue_state(store).sent) == (0, 2)

    # 5. The roster: a new member (whose e-mail is a local account's), an inactive one, and the two above.
    local = create_user(store, username="nina", display_name="Nina Local", password=None, now=datetime.now(UTC),
                        email="nina@example.org")
    recorded.members = [
        {"user_id": instructor_subject, "roles": [INSTRUCTOR], "name": "Ida Instructor"},
        {"user_id": subject, "roles": [LEARNER], "name": "Lee Learner"},
        {"user_id": "member-new", "roles": [LEARNER], "name": "Nina New", "email": "nina@example.org"},
        {"user_id": "member-gone", "roles": [LEARNER], "name": "Gone", "status": "Inactive"},
    ]
    [roster] = rosters_for(store, None)
    assert roster.team_name == CONTEXT.title
    out = io.StringIO()
    assert main(["lti", "sync-roster", str(roster.context_row_id), "--data-dir", str(world.server.data_dir)],
                out, settings_from_files({})) == 0, out.getvalue()
    assert out.getvalue().startswith("Synced: 1 new, 2 already here")
    members = {u.display_name: u for u in store.read(lambda conn: fetch_users(
        conn, UserRow.team_id == roster.team_id))}
    assert set(members) == {"Lee Learner", "Nina New"}
    assert identities_of(store, members["Nina New"].id) == ((lms.issuer, "member-new"),)
    assert members["Nina New"].id != local.id  # never matched by e-mail
    assert members["Nina New"].email is None
    assert identities_of(store, local.id) == ()
    assert "member-gone" not in linked_subjects(store, lms.issuer)
    store.dispose()


def test_a_learner_cannot_deep_link_and_gets_no_account(world: World) -> None:
    subject = fresh_subject()
    refused = world.launch(subject, [LEARNER], deep_link=True)
    assert refused.status == 403
    assert "Only an instructor or an administrator of the LMS course can choose" in refused.body
    assert "elearn_session" not in refused.cookies
    store = world.store()
    assert subject not in linked_subjects(store, world.lms.issuer)
    store.dispose()


def test_a_pick_is_good_once_and_an_unknown_one_is_refused(world: World) -> None:
    token = _picker_token(world.launch(fresh_subject(), [INSTRUCTOR], deep_link=True))
    assert _pick(world, token, "course:course").status == 200
    again = _pick(world, token, "course:course")
    assert again.status == 403
    assert "This choice has expired or was sent already" in again.body
    unknown = request(world.server.url + "/lti/deep-link?request=not-a-request")
    assert unknown.status == 403
    assert "expired or was sent already" in unknown.body


def test_a_framed_launch_offers_a_new_window_that_signs_in_once(world: World) -> None:
    framed = world.launch(fresh_subject(), [LEARNER], custom={"scenario": SCENARIO.id}, document_target="iframe")
    assert framed.status == 200, framed.body
    link = re.search(r'<a href="(/lti/continue\?[^"]+)" target="_blank" rel="noopener"', framed.body)
    assert link is not None, framed.body
    assert "Open the course in a new window" in framed.body
    assert f'href="/scenario?scenario={SCENARIO.id}"' in framed.body  # "continue here"
    opened = request(world.server.url + unescape(link.group(1)))
    assert opened.status == 303
    assert opened.headers["location"] == f"/scenario?scenario={SCENARIO.id}"
    assert world.signed_in(opened).id == world.signed_in(framed).id
    assert request(world.server.url + unescape(link.group(1))).status == 403


def test_the_tool_key_is_what_the_platform_checks(world: World) -> None:
    """A response signed with another key than the one at /lti/jwks is refused by the platform."""
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    forged = jwt.encode({"alg": "RS256", "kid": "someone-else"}, {"iss": CLIENT_ID, "aud": world.lms.issuer},
                        RSAKey.generate_key(2048, private=True))
    assert request(world.lms.issuer + "/deep-link-return", {"JWT": forged}).status == 400
