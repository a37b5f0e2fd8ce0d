"""LTI Advantage in the store, on SQLite and PostgreSQL: line items linked once, scores queued
once per key and claimed by one sender, marked only by the sender holding them; deep-linking
requests good once; rosters for the course's managers and admins only; and the scores a
learner's line items are owed, with the pass rule's honest verdict."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from elearn.course.passing import PassRule
from elearn.lti import register_platform
from elearn.lti.grades import backoff, scores_owed, scores_url
from elearn.store import Role, Store, User, finish_attempt, start_attempt
from elearn.store.lti import LaunchedPerson, Platform, sign_in_launched
from elearn.store.lti_deep_links import DeepLinkRequest, deep_link, save_deep_link, take_deep_link
from elearn.store.lti_rosters import keep_roster_url, record_roster_sync, rosters_for
from elearn.store.lti_scores import (
    GradeLink,
    NewScore,
    claim_scores,
    grade_links_of,
    link_line_item,
    mark_score_dropped,
    mark_score_retry,
    mark_score_sent,
    queue_scores,
    queue_state,
    queued_scores,
)
from tests.conftest import shipped_course

from .helpers import NOW, World

ISSUER = "https://lms.example.org"
LINE_ITEM = ISSUER + "/lineitems/3?type=score"
LEASE = timedelta(minutes=5)


def _platform(store: Store) -> Platform:
    return register_platform(store, issuer=ISSUER, client_id="c", deployment_ids=["d"], auth_login_url=ISSUER + "/a",
                             token_url=ISSUER + "/t", jwks_url=ISSUER + "/j", now=NOW)


def _link(store: Store, user: User, target: str = "scenario:refund-rage") -> GradeLink:
    return link_line_item(store, user_id=user.id, platform_id=_platform(store).id, subject="sub-" + user.username,
                          lineitem_url=LINE_ITEM, target=target, now=NOW)


def test_a_line_item_is_linked_once_and_follows_the_latest_launch(store: Store, world: World) -> None:
    first = _link(store, world.ana)
    again = link_line_item(store, user_id=world.ana.id, platform_id=first.platform_id, subject=first.subject,
                           lineitem_url=LINE_ITEM, target="course", now=NOW + timedelta(days=1))
    assert again.id == first.id
    assert (again.target, again.linked_at) == ("course", NOW)
    assert grade_links_of(store, world.ana.id) == (again,)
    assert grade_links_of(store, world.abe.id) == ()


def test_a_score_is_queued_once_claimed_by_one_sender_and_marked_by_it_only(store: Store, world: World) -> None:
    link = _link(store, world.ana)
    score = NewScore("attempt:1:link:1", link, {"userId": link.subject, "scoreGiven": 0.5})
    assert queue_scores(store, [score, score], NOW) == 1
    assert queue_scores(store, [score], NOW) == 0
    [mine] = claim_scores(store, "sender-a", NOW, LEASE)
    assert claim_scores(store, "sender-b", NOW, LEASE) == ()  # held by sender-a
    assert not mark_score_sent(store, mine.id, "sender-b", NOW)
    assert mark_score_retry(store, mine.id, "sender-a", NOW + backoff(mine.tries), "the LMS could not be reached")
    assert claim_scores(store, "sender-b", NOW, LEASE) == ()  # not due yet
    state = queue_state(store)
    assert (state.waiting, state.sent, state.dropped, state.last_error) == (1, 0, 0, "the LMS could not be reached")
    [again] = claim_scores(store, "sender-b", NOW + timedelta(minutes=1), LEASE)
    assert again.tries == 1
    assert mark_score_sent(store, again.id, "sender-b", NOW + timedelta(minutes=1))
    assert not mark_score_dropped(store, again.id, "sender-b", NOW, "too late")  # sent already
    [done] = queued_scores(store, world.ana.id)
    assert (done.sent_at, done.tries, done.last_error) == (NOW + timedelta(minutes=1), 2, None)
    assert queue_state(store).waiting == 0
    assert claim_scores(store, "sender-c", NOW + timedelta(days=1), LEASE) == ()


def test_a_dead_senders_lease_runs_out_and_a_refused_score_is_kept_with_its_reason(store: Store,
                                                                                   world: World) -> None:
    link = _link(store, world.ana)
    queue_scores(store, [NewScore("attempt:2:link:1", link, {})], NOW)
    assert claim_scores(store, "dies", NOW, LEASE)
    [taken] = claim_scores(store, "lives", NOW + LEASE, LEASE)
    assert mark_score_dropped(store, taken.id, "lives", NOW + LEASE, "the LMS answered HTTP 404 to a score")
    assert queue_state(store).dropped == 1
    assert queued_scores(store)[0].last_error == "the LMS answered HTTP 404 to a score"


@pytest.mark.parametrize(("tries", "minutes"), [(0, 1), (1, 2), (3, 8), (6, 60), (40, 60)])
def test_the_backoff_doubles_up_to_an_hour(tries: int, minutes: int) -> None:
    assert backoff(tries) == timedelta(minutes=minutes)


@pytest.mark.parametrize(("lineitem", "scores"), [
    ("https://lms.example.org/lineitems/3", "https://lms.example.org/lineitems/3/scores"),
    ("https://lms.example.org/lineitems/3/", "https://lms.example.org/lineitems/3/scores"),
    ("https://lms.example.org/mod/lti/services.php/2/lineitems/7/lineitem?type_id=1",
     "https://lms.example.org/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=1"),
])
def test_the_scores_endpoint_keeps_the_line_items_query(lineitem: str, scores: str) -> None:
    assert scores_url(lineitem) == scores


def test_a_deep_linking_request_is_good_once_and_until_it_expires(store: Store, world: World) -> None:
    request = DeepLinkRequest(platform_id=_platform(store).id, deployment_id="d", return_url=ISSUER + "/return",
                              data='{"a": 1}', user_id=world.manager.id, expires_at=NOW + timedelta(minutes=30))
    save_deep_link(store, "token-1", request, NOW)
    assert deep_link(store, "token-1", NOW) == request
    assert deep_link(store, "token-1", NOW + timedelta(minutes=30)) is None
    assert take_deep_link(store, "token-2", NOW) is None
    assert take_deep_link(store, "token-1", NOW) == request
    assert take_deep_link(store, "token-1", NOW) is None


def test_a_roster_is_for_its_teams_managers_and_the_admins(store: Store, world: World) -> None:
    platform = _platform(store)
    instructor = sign_in_launched(store, platform, LaunchedPerson(
        subject="t-1", name="Tess", roles=frozenset({Role.MANAGER}), manages_context=True, context_id="course-9",
        context_title="Course nine"), NOW)
    keep_roster_url(store, platform.id, "course-9", ISSUER + "/memberships/9")
    keep_roster_url(store, platform.id, "course-unknown", ISSUER + "/memberships/x")  # no team: nothing kept
    [roster] = rosters_for(store, instructor)
    assert (roster.team_name, roster.memberships_url, roster.synced_at) == ("Course nine", ISSUER + "/memberships/9",
                                                                           None)
    assert rosters_for(store, world.admin) == (roster,)
    assert rosters_for(store, None) == (roster,)
    assert rosters_for(store, world.manager) == ()  # manages Team A, not this course
    assert rosters_for(store, world.ana) == ()
    keep_roster_url(store, platform.id, "course-9", ISSUER + "/memberships/9b")
    record_roster_sync(store, roster.context_row_id, NOW, "2 new")
    [synced] = rosters_for(store, None)
    assert (synced.memberships_url, synced.synced_at, synced.last_result) == (ISSUER + "/memberships/9b", NOW, "2 new")


def test_each_finished_attempt_after_the_link_is_owed_one_honest_score(store: Store, world: World) -> None:
    course = shipped_course()
    scenario = course.scenarios[0]

    def finished(score: float, outcome: str, days: int) -> int:
        attempt = start_attempt(store, world.ana, scenario.id, scenario.version, run_json="{}",
                                now=NOW + timedelta(days=days))
        finish_attempt(store, world.ana, attempt.id, ending_id="e", outcome=outcome, score=score, run_json="{}",
                       now=NOW + timedelta(days=days))
        return attempt.id

    before = finished(100.0, "resolved", -1)  # finished before the learner's launch linked the line item
    link = _link(store, world.ana, "scenario:" + scenario.id)
    costly = finished(60.0, "resolved", 1)
    good = finished(90.0, "resolved", 2)
    owed = scores_owed(store, course, world.ana, PassRule(70.0), NOW + timedelta(days=3))
    assert [s.score_key for s in owed] == [f"attempt:{costly}:link:{link.id}", f"attempt:{good}:link:{link.id}"]
    assert before not in {int(s.score_key.split(":")[1]) for s in owed}
    assert [(s.payload["scoreGiven"], s.payload["comment"]) for s in owed] == [
        (0.6, "Resolved, with costly mistakes: not passed (the pass mark is 70%)"), (0.9, "Resolved: passed")]
    assert {s.payload["userId"] for s in owed} == {link.subject}
    assert scores_owed(store, course, world.abe, PassRule(), NOW) == []


def test_revision_0012_downgrades_to_0011_and_upgrades_again(store: Store) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from elearn.store.migrate import _alembic_config, current_revision, upgrade

    ours = {"lti_grade_links", "lti_scores", "lti_deep_links", "lti_rosters"}

    def tables() -> set[str]:
        return store.read(lambda conn: set(inspect(conn).get_table_names()))

    def downgrade(conn: Any) -> None:
        config = _alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0011")

    assert ours <= tables()
    store.write(downgrade)
    assert current_revision(store) == "0011"
    assert not ours & tables()
    assert "lti_contexts" in tables()
    upgrade(store)
    assert ours <= tables()


def test_the_course_is_owed_one_score_when_complete_the_share_of_scenarios_passed(store: Store, world: World) -> None:
    from elearn.store import complete_lesson

    course = shipped_course()
    link = _link(store, world.ana, "course")
    assert scores_owed(store, course, world.ana, PassRule(), NOW) == []  # nothing done yet
    for index, lesson in enumerate(course.lessons):
        complete_lesson(store, world.ana, lesson.id, NOW + timedelta(minutes=index))
    for index, scenario in enumerate(course.scenarios):
        at = NOW + timedelta(hours=1, minutes=index)
        attempt = start_attempt(store, world.ana, scenario.id, scenario.version, run_json="{}", now=at)
        finish_attempt(store, world.ana, attempt.id, ending_id="e", outcome="resolved",
                       score=60.0 if index == 0 else 100.0, run_json="{}", now=at)
    [owed] = scores_owed(store, course, world.ana, PassRule(70.0), NOW + timedelta(days=1))
    total = len(course.scenarios)
    assert owed.score_key.startswith(f"course:{world.ana.id}:")
    assert owed.score_key.endswith(f":link:{link.id}")
    assert owed.payload["scoreGiven"] == round((total - 1) / total, 4)
    assert owed.payload["comment"] == f"Course complete; {total - 1} of {total} scenarios passed"
    [passed] = scores_owed(store, course, world.ana, PassRule(50.0), NOW + timedelta(days=1))
    assert (passed.payload["scoreGiven"], passed.payload["comment"]) == (1.0, "Course passed")
