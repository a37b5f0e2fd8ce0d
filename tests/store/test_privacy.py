"""Privacy: every read of someone's data is checked on the server, for every role.

A learner reads only themselves; a manager also their teams' members; an admin everyone. The
matrix runs every function in ``PER_USER_READS`` for every viewer/subject pair, and a registry
test makes sure no function that takes a viewer escapes classification.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest

import elearn.store
from elearn.store import (
    PER_USER_READS,
    AccessDenied,
    NewChoice,
    NotFound,
    Role,
    Store,
    User,
    add_team_manager,
    add_user,
    change_roles,
    change_team,
    complete_lesson,
    create_team,
    finish_attempt,
    get_attempt,
    progress_for,
    record_answer,
    record_choice,
    remove_team_manager,
    replies_with_names,
    save_run,
    scenario_events,
    scenario_replies,
    start_attempt,
    visible_teams,
    visible_users,
)

from .helpers import NOW, PASSWORD, World

SCOPED_READS = {visible_users, visible_teams, scenario_events, get_attempt, scenario_replies, replies_with_names}
EVERYONE = ("ana", "abe", "bea", "loner", "manager", "admin")
# (viewer, subject, allowed); every pair not listed here is denied.
ALLOWED = {
    *((name, name) for name in ("ana", "abe", "bea", "loner", "manager", "admin")),
    ("manager", "ana"),
    ("manager", "abe"),
    *(("admin", name) for name in ("ana", "abe", "bea", "loner", "manager")),
}
PAIRS = [
    (viewer, subject, (viewer, subject) in ALLOWED)
    for viewer in ("ana", "abe", "bea", "loner", "manager", "admin")
    for subject in ("ana", "abe", "bea", "loner", "manager", "admin")
]


def _activity(store: Store, world: World) -> dict[str, int]:
    """Give everyone some progress, so an allowed read has something to show."""
    attempts = {}
    for name in EVERYONE:
        user: User = getattr(world, name)
        complete_lesson(store, user, "empathy-not-agreement", NOW)
        attempt = start_attempt(store, user, "refund-call", 1, run_json=f'{{"who": "{name}"}}', now=NOW)
        record_choice(store, user, NewChoice(
            event_key=f"{name}-1", attempt_id=attempt.id, node_id="greet", choice_id="ack",
            evidence={"empathy": "good"}, anger_before=50, anger_after=40, first_attempt=True, occurred_at=NOW,
        ))
        attempts[name] = attempt.id
    return attempts


def _typed_replies(store: Store, world: World) -> None:
    """Everyone types a reply in "Say it your way": their own words, read under the same rules."""
    for name in EVERYONE:
        user: User = getattr(world, name)
        attempt = start_attempt(store, user, "refund-call", 1, run_json="{}", now=NOW)
        record_answer(store, user, NewChoice(
            event_key=f"{name}-typed", attempt_id=attempt.id, node_id="greet", choice_id="ack",
            evidence={"empathy": "good"}, anger_before=50, anger_after=40, first_attempt=False, occurred_at=NOW,
        ), "{}", NOW, typed_reply=f"{name} typed this")


@pytest.fixture(scope="module")
def active_world(shared_world: tuple[Store, World]) -> tuple[Store, World]:
    _activity(*shared_world)
    _typed_replies(*shared_world)
    return shared_world


@pytest.mark.parametrize("read", PER_USER_READS, ids=lambda read: read.__name__)
@pytest.mark.parametrize(("viewer", "subject", "allowed"), PAIRS, ids=[f"{v}-reads-{s}" for v, s, _ in PAIRS])
def test_reads_of_a_user_are_checked_for_every_role(
    active_world: tuple[Store, World],
    read: Callable[[Store, User, int], Any],
    viewer: str,
    subject: str,
    allowed: bool,
) -> None:
    store, world = active_world
    acting: User = getattr(world, viewer)
    subject_id: int = getattr(world, subject).id
    if allowed:
        assert read(store, acting, subject_id)
    else:
        with pytest.raises(AccessDenied):
            read(store, acting, subject_id)


@pytest.mark.parametrize("read", PER_USER_READS, ids=lambda read: read.__name__)
def test_a_missing_user_is_denied_to_learners_and_not_found_for_admins(
    active_world: tuple[Store, World], read: Callable[[Store, User, int], Any]
) -> None:
    store, world = active_world
    with pytest.raises(AccessDenied):
        read(store, world.ana, 999_999)
    with pytest.raises(AccessDenied):
        read(store, world.manager, 999_999)
    with pytest.raises(NotFound):
        read(store, world.admin, 999_999)


def test_every_read_taking_a_viewer_is_covered() -> None:
    takes_viewer: set[object] = {
        function
        for name in elearn.store.__all__
        if inspect.isfunction(function := getattr(elearn.store, name))
        and "viewer" in inspect.signature(function).parameters
    }
    assert takes_viewer == {*PER_USER_READS, *SCOPED_READS}


# Reads and actions outside elearn.store's own exports that take a viewer (or act for a
# facilitator or manager): each is classified by the test that checks its scope.
ANALYTICS, ASSIGNMENTS, ROOMS, REVIEWS = (f"tests.{suite}::" for suite in (
    "manager.test_analytics", "manager.test_assignments", "workshop.test_rooms_store", "store.test_reviews"))
SCOPE_TESTS: dict[str, str] = {
    "analytics.learner_facts": ANALYTICS + "test_learner_rows_follow_the_viewers_scope",
    "analytics.skill_evidence": ANALYTICS + "test_skill_evidence_skips_answers_after_a_rewind_and_other_teams",
    "analytics.choice_flows": ANALYTICS + "test_choice_flows_keep_to_the_managers_teams",
    "analytics.export_events": ANALYTICS + "test_exports_never_include_someone_outside_the_scope",
    "analytics.finished_attempts": ANALYTICS + "test_exports_never_include_someone_outside_the_scope",
    "analytics.finished_attempt_batches": ANALYTICS + "test_exports_never_include_someone_outside_the_scope",
    "analytics.count_events": ANALYTICS + "test_exports_never_include_someone_outside_the_scope",
    "analytics.scope_fingerprint": ANALYTICS + "test_the_scope_fingerprint_changes_with_access",
    "assignments.assign": ASSIGNMENTS + "test_who_may_assign_to_whom",
    "assignments.revoke": ASSIGNMENTS + "test_revoking",
    "assignments.visible_assignments": ASSIGNMENTS + "test_visible_assignments_follow_the_scope",
    "assignments.assignable_learners": ASSIGNMENTS + "test_assignable_people_and_teams",
    "assignments.assignable_team_ids": ASSIGNMENTS + "test_assignable_people_and_teams",
    **{f"rooms.{name}": ROOMS + "test_another_facilitator_cannot_see_or_run_a_room"
       for name in ("room_for", "room_state", "room_summary", "open_voting", "reveal", "advance",
                    "close_room")},
    "rooms.rooms_of": ROOMS + "test_a_facilitator_lists_their_own_rooms_newest_first",
    "rooms.open_room": ROOMS + "test_only_facilitators_open_rooms",
    "rooms.self_paced_split": ROOMS + "test_the_self_paced_split_counts_first_answers_of_first_attempts",
    "room_replies.room_replies":
        "tests.workshop.test_room_replies_store::test_only_the_rooms_facilitator_reads_its_replies",
    **dict.fromkeys(("reviews.review_cards_for", "reviews.review_answers_for", "confidence.confidence_for"),
                    REVIEWS + "test_reviews_and_confidence_are_read_only_by_those_who_may"),
    **dict.fromkeys(("certificates.certificates_for", "certificates.certificate_for"),
                    "tests.certificates.test_certificates::test_managers_get_their_teams_certificates_only"),
}
SCOPE_TESTS["lti_rosters.rosters_for"] = \
    "tests.store.test_lti_services::test_a_roster_is_for_its_teams_managers_and_the_admins"
SCOPE_TESTS.update(dict.fromkeys(("administration.record_audit", "administration.require_admin"),
                                 "tests.store.test_administration::test_only_admins_administer_people"))
SCOPE_TESTS.update(dict.fromkeys(
    ("analytics.audience_of", "completion.standing_counts", "completion.standing_page", "completion.standing_pages",
     "completion.standing_team_names"),
    "tests.manager.test_completion_table::test_the_completion_reads_keep_to_the_viewers_scope"))
# Written in the transaction of an action that checked its actor first (create_team, add_people, ...).
SCOPE_TESTS.update(dict.fromkeys(("administration.record_account_created", "administration.record_team_created"),
                                 "tests.store.test_administration::test_a_refused_upload_or_team_writes_nothing_to_the_log"))
ACTING_PARAMETERS = {"viewer", "actor", "facilitator"}


def test_every_function_acting_for_someone_in_any_store_module_is_classified() -> None:
    """A new read or action that takes a viewer fails here until a test that checks its scope is named."""
    exported = set(elearn.store.__all__)
    found: set[str] = set()
    for module in pkgutil.iter_modules(elearn.store.__path__):
        if module.name == "access":
            continue  # the checks themselves, which the matrix above exercises
        loaded = importlib.import_module(f"elearn.store.{module.name}")
        for name, function in inspect.getmembers(loaded, inspect.isfunction):
            if (function.__module__ == loaded.__name__ and not name.startswith("_") and name not in exported
                    and ACTING_PARAMETERS & set(inspect.signature(function).parameters)):
                found.add(f"{module.name}.{name}")
    assert found == set(SCOPE_TESTS)
    for test in set(SCOPE_TESTS.values()):
        module_name, test_name = test.split("::")
        assert callable(getattr(importlib.import_module(module_name), test_name, None)), f"{test} does not exist"


def test_visible_users_follow_the_scope(store: Store, world: World) -> None:
    def names(viewer: User) -> list[str]:
        return [user.username for user in visible_users(store, viewer)]

    assert names(world.ana) == ["ana"]
    assert names(world.loner) == ["loner"]
    assert names(world.manager) == ["abe", "ana", "manny"]
    assert names(world.admin) == ["abe", "admin", "ana", "bea", "loner", "manny"]


def test_visible_teams_follow_the_scope(store: Store, world: World) -> None:
    def names(viewer: User) -> list[str]:
        return [team.name for team in visible_teams(store, viewer)]

    assert names(world.ana) == ["Team A"]
    assert names(world.bea) == ["Team B"]
    assert names(world.loner) == []
    assert names(world.manager) == ["Team A"]
    assert names(world.admin) == ["Team A", "Team B"]


def test_scenario_events_show_only_visible_users(store: Store, world: World) -> None:
    _activity(store, world)

    def keys(viewer: User) -> list[str]:
        return sorted(event.event_key for event in scenario_events(store, viewer, "refund-call"))

    assert keys(world.ana) == ["ana-1"]
    assert keys(world.manager) == ["abe-1", "ana-1", "manager-1"]
    assert keys(world.admin) == ["abe-1", "admin-1", "ana-1", "bea-1", "loner-1", "manager-1"]
    assert scenario_events(store, world.admin, "no-such-scenario") == ()


def test_typed_replies_show_only_visible_users(store: Store, world: World) -> None:
    _typed_replies(store, world)

    def texts(viewer: User) -> list[str]:
        return sorted(reply.text for reply in scenario_replies(store, viewer, "refund-call"))

    def names(viewer: User) -> list[str]:
        return sorted(named.username for named in replies_with_names(store, viewer))

    assert texts(world.ana) == ["ana typed this"]
    assert texts(world.bea) == ["bea typed this"]
    assert texts(world.manager) == ["abe typed this", "ana typed this", "manager typed this"]
    assert names(world.manager) == ["abe", "ana", "manny"]
    assert names(world.admin) == ["abe", "admin", "ana", "bea", "loner", "manny"]
    assert scenario_replies(store, world.admin, "no-such-scenario") == ()


def test_attempts_are_read_only_by_those_who_may(store: Store, world: World) -> None:
    attempts = _activity(store, world)
    assert get_attempt(store, world.ana, attempts["ana"]).run_json == '{"who": "ana"}'
    assert get_attempt(store, world.manager, attempts["abe"]).user_id == world.abe.id
    assert get_attempt(store, world.admin, attempts["bea"]).user_id == world.bea.id
    for viewer, attempt in (("ana", "abe"), ("ana", "bea"), ("manager", "bea"), ("manager", "loner")):
        with pytest.raises(AccessDenied):
            get_attempt(store, getattr(world, viewer), attempts[attempt])
    with pytest.raises(AccessDenied):
        get_attempt(store, world.admin, 999_999)


@pytest.mark.parametrize(
    "write",
    [
        lambda store, user, attempt: save_run(store, user, attempt, "{}", NOW),
        lambda store, user, attempt: finish_attempt(
            store, user, attempt, ending_id="calm", outcome="resolved", score=1.0, run_json="{}", now=NOW
        ),
        lambda store, user, attempt: record_choice(store, user, NewChoice(
            event_key="forged", attempt_id=attempt, node_id="n", choice_id="c", evidence={}, anger_before=0,
            anger_after=0, first_attempt=True, occurred_at=NOW,
        )),
    ],
    ids=["save_run", "finish_attempt", "record_choice"],
)
@pytest.mark.parametrize("writer", ["abe", "manager", "admin"])
def test_nobody_writes_into_someone_elses_attempt(
    store: Store, world: World, write: Callable[[Store, User, int], Any], writer: str
) -> None:
    attempts = _activity(store, world)
    with pytest.raises(AccessDenied):
        write(store, getattr(world, writer), attempts["ana"])
    ana = progress_for(store, world.ana, world.ana.id)
    assert [(a.run_json, a.in_progress) for a in ana.attempts] == [('{"who": "ana"}', True)]
    assert [e.event_key for e in elearn.store.events_for(store, world.ana, world.ana.id)] == ["ana-1"]


def test_losing_a_role_takes_effect_on_the_next_call(store: Store, world: World) -> None:
    assert progress_for(store, world.manager, world.ana.id)
    change_roles(store, world.admin, world.manager.id, [Role.LEARNER], NOW)
    assert world.manager.has(Role.MANAGER)  # the page's stale copy still says manager...
    with pytest.raises(AccessDenied):
        progress_for(store, world.manager, world.ana.id)  # ...but the store asks the database


def test_a_manager_removed_from_a_team_no_longer_sees_it(store: Store, world: World) -> None:
    remove_team_manager(store, world.admin, world.manager.id, world.team_a.id, NOW)
    with pytest.raises(AccessDenied):
        progress_for(store, world.manager, world.ana.id)
    add_team_manager(store, world.admin, world.manager.id, world.team_b.id, NOW)
    assert progress_for(store, world.manager, world.bea.id)


def test_moving_a_learner_between_teams_moves_who_sees_them(store: Store, world: World) -> None:
    change_team(store, world.admin, world.bea.id, world.team_a.id, NOW)
    assert progress_for(store, world.manager, world.bea.id)
    change_team(store, world.admin, world.ana.id, None, NOW)
    with pytest.raises(AccessDenied):
        progress_for(store, world.manager, world.ana.id)


@pytest.mark.parametrize(
    "admin_action",
    [
        lambda store, actor, world: create_team(store, actor, "Team C", NOW),
        lambda store, actor, world: add_user(store, actor, username="eve", display_name="Eve", password=PASSWORD,
                                             now=NOW),
        lambda store, actor, world: change_team(store, actor, actor.id, world.team_a.id, NOW),
        lambda store, actor, world: change_roles(store, actor, actor.id, [Role.ADMIN], NOW),
        lambda store, actor, world: add_team_manager(store, actor, actor.id, world.team_b.id, NOW),
        lambda store, actor, world: remove_team_manager(store, world.manager, world.manager.id, world.team_a.id,
                                                        NOW),
    ],
    ids=["create_team", "add_user", "change_team", "change_roles", "add_team_manager", "remove_team_manager"],
)
@pytest.mark.parametrize("actor", ["ana", "manager"])
def test_only_admins_administer(
    store: Store, world: World, admin_action: Callable[[Store, User, World], Any], actor: str
) -> None:
    with pytest.raises(AccessDenied):
        admin_action(store, getattr(world, actor), world)
    assert visible_users(store, world.manager)[0].username == "abe"
    assert [team.name for team in visible_teams(store, world.admin)] == ["Team A", "Team B"]


def test_the_last_admin_cannot_be_demoted(store: Store, world: World) -> None:
    with pytest.raises(elearn.store.AccountError, match="last active administrator"):
        change_roles(store, world.admin, world.admin.id, [Role.LEARNER], NOW)
    assert elearn.store.get_user(store, world.admin, world.admin.id).has(Role.ADMIN)
