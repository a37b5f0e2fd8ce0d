"""The LTI Advantage parts of the app's pages: the LMS page's score queue with its last error,
for administrators; Rosters from the LMS, where an instructor (the manager of an LMS course's
team) syncs it and sees why it failed, and where nobody sees another course's roster."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from elearn.lti import register_platform
from elearn.store import Role, add_team_manager, create_user, open_store, upgrade
from elearn.store.lti import LaunchedPerson, sign_in_launched
from elearn.store.lti_rosters import keep_roster_url, rosters_for
from elearn.store.lti_scores import NewScore, claim_scores, link_line_item, mark_score_retry, queue_scores

from .conftest import PASSWORD, as_read, open_page, sign_in

LMS = "http://localhost:9"  # nothing listens on the discard port: every call is refused at once


@pytest.fixture
def lms_world(own_database: Path) -> Path:
    """An admin ("root"), an LMS course whose team "tess" manages (with a password, so the test can
    sign in), a score waiting after a failed try, and "manny", a manager of no LMS course."""
    now = datetime.now(UTC)
    store = open_store(None, own_database)
    upgrade(store)
    root = create_user(store, username="root", display_name="Root", password=PASSWORD, now=now, roles=(Role.ADMIN,))
    create_user(store, username="manny", display_name="Manny", password=PASSWORD, now=now, roles=(Role.MANAGER,))
    platform = register_platform(store, issuer=LMS, client_id="c", deployment_ids=["d"], auth_login_url=LMS + "/a",
                                 token_url=LMS + "/token", jwks_url=LMS + "/jwks", now=now)
    launched = sign_in_launched(store, platform, LaunchedPerson(
        subject="t-1", name="Tia", roles=frozenset({Role.MANAGER}), manages_context=True, context_id="course-9",
        context_title="Course nine"), now)
    tess = create_user(store, username="tess", display_name="Tess", password=PASSWORD, now=now,
                       roles=(Role.MANAGER,))
    keep_roster_url(store, platform.id, "course-9", LMS + "/memberships")
    [roster] = rosters_for(store, launched)
    add_team_manager(store, root, tess.id, roster.team_id, now)
    link = link_line_item(store, user_id=tess.id, platform_id=platform.id, subject="t-1", lineitem_url=LMS + "/li/1",
                          target="course", now=now)
    queue_scores(store, [NewScore("course:x:link:1", link, {})], now)
    [claimed] = claim_scores(store, "test", now, timedelta(minutes=5))
    mark_score_retry(store, claimed.id, "test", now + timedelta(hours=1), "the LMS could not be reached for a score")
    store.dispose()
    return own_database


def test_the_lms_page_shows_the_score_queue_and_its_last_error(lms_world: Path) -> None:
    at = open_page(sign_in("root"), "lti")
    assert not at.exception
    assert {m.label: m.value for m in at.metric} == {"Waiting to be sent": "1", "Sent": "0", "Refused by the LMS": "0"}
    assert any("the LMS could not be reached for a score" in as_read(w.value) for w in at.warning)


def test_an_instructor_syncs_their_courses_roster_and_sees_why_it_failed(lms_world: Path) -> None:
    at = open_page(sign_in("tess"), "lms_roster")
    assert not at.exception
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("sync-"))).click().run()
    assert not at.exception
    message = as_read(at.error[0].value)
    assert message.startswith("Course nine: The roster could not be read: the LMS could not be reached")
    store = open_store(None, lms_world)
    [roster] = rosters_for(store, None)
    assert roster.last_result is not None
    assert roster.last_result.startswith("failed: the LMS could not be reached")
    store.dispose()


def test_a_manager_of_no_lms_course_sees_no_roster(lms_world: Path) -> None:
    at = open_page(sign_in("manny"), "lms_roster")
    assert not at.exception
    assert not [b for b in at.button if b.key and b.key.startswith("sync-")]
    assert "No LMS course of yours has a roster to sync yet" in as_read(at.info[0].value)
