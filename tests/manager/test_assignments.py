"""Assignments: who may assign what to whom (checked on the server), revoking, and which one applies."""

from __future__ import annotations

from datetime import timedelta

import pytest

from elearn.store import AccessDenied, NotFound, Store, rename
from elearn.store.assignments import (
    Assignment,
    AssignmentError,
    assign,
    assignable_learners,
    assignable_team_ids,
    current_assignments,
    revoke,
    visible_assignments,
)
from tests.store.helpers import NOW, World

DUE = NOW + timedelta(days=30)


def target_of(world: World, whom: str) -> dict[str, int]:
    return {"team_a": {"team_id": world.team_a.id}, "team_b": {"team_id": world.team_b.id},
            "ana": {"user_id": world.ana.id}, "bea": {"user_id": world.bea.id},
            "loner": {"user_id": world.loner.id}}[whom]


@pytest.mark.parametrize(("actor", "whom", "allowed"), [
    ("admin", "team_a", True), ("admin", "team_b", True), ("admin", "bea", True), ("admin", "loner", True),
    ("manager", "team_a", True), ("manager", "ana", True),
    ("manager", "team_b", False), ("manager", "bea", False), ("manager", "loner", False),
    ("ana", "team_a", False), ("ana", "ana", False),
])
def test_who_may_assign_to_whom(store: Store, world: World, actor: str, whom: str, allowed: bool) -> None:
    def attempt() -> Assignment:
        return assign(store, getattr(world, actor), due_at=DUE, now=NOW, **target_of(world, whom))

    if allowed:
        made = attempt()
        assert made.assigned_by == getattr(world, actor).id
        assert made.whole_course
    else:
        with pytest.raises(AccessDenied, match="only assign training to the teams you manage"):
            attempt()
        assert visible_assignments(store, world.admin) == ()


@pytest.mark.parametrize(("options", "message"), [
    ({}, "Choose either a team or a learner"),
    ({"both": True}, "Choose either a team or a learner"),
    ({"due_at": NOW - timedelta(days=1)}, "The due date has already passed"),
    ({"recertify_days": 0}, "A recertification period is 1 to 3650 days"),
    ({"recertify_days": 5000}, "A recertification period is 1 to 3650 days"),
    ({"modules": ["  "]}, "A module is named by its lesson id"),
])
def test_bad_assignments_are_refused_with_a_reason(store: Store, world: World, options: dict[str, object],
                                                    message: str) -> None:
    arguments: dict[str, object] = {"due_at": options.get("due_at", DUE), "now": NOW}
    if "both" in options:
        arguments |= {"team_id": world.team_a.id, "user_id": world.ana.id}
    elif options:
        arguments["team_id"] = world.team_a.id
    arguments |= {key: value for key, value in options.items() if key in ("recertify_days", "modules")}
    with pytest.raises(AssignmentError, match=message):
        assign(store, world.admin, **arguments)  # type: ignore[arg-type]


def test_unknown_targets_are_not_found_for_admins_and_denied_to_managers(store: Store, world: World) -> None:
    with pytest.raises(NotFound):
        assign(store, world.admin, team_id=999, due_at=DUE, now=NOW)
    with pytest.raises(AccessDenied):
        assign(store, world.manager, team_id=999, due_at=DUE, now=NOW)
    with pytest.raises(AccessDenied):
        assign(store, world.manager, user_id=999, due_at=DUE, now=NOW)


def test_modules_are_kept_in_order_without_repeats(store: Store, world: World) -> None:
    made = assign(store, world.manager, team_id=world.team_a.id, modules=["b", "a", "b"], due_at=DUE, now=NOW,
                  recertify_days=365)
    assert (made.modules, made.recertify_days, made.due_at) == (("b", "a"), 365, DUE)
    assert visible_assignments(store, world.admin) == (made,)


def test_visible_assignments_follow_the_scope(store: Store, world: World) -> None:
    to_a = assign(store, world.admin, team_id=world.team_a.id, due_at=DUE, now=NOW)
    to_b = assign(store, world.admin, team_id=world.team_b.id, due_at=DUE, now=NOW)
    to_bea = assign(store, world.admin, user_id=world.bea.id, due_at=DUE, now=NOW + timedelta(seconds=1))
    assert set(visible_assignments(store, world.admin)) == {to_a, to_b, to_bea}
    assert visible_assignments(store, world.manager) == (to_a,)
    assert visible_assignments(store, world.ana) == (to_a,)
    assert set(visible_assignments(store, world.bea)) == {to_b, to_bea}
    assert visible_assignments(store, world.loner) == ()


def test_revoking(store: Store, world: World) -> None:
    to_a = assign(store, world.manager, team_id=world.team_a.id, due_at=DUE, now=NOW)
    to_b = assign(store, world.admin, team_id=world.team_b.id, due_at=DUE, now=NOW)
    with pytest.raises(AccessDenied):
        revoke(store, world.manager, to_b.id, NOW)
    with pytest.raises(AccessDenied):
        revoke(store, world.manager, 999, NOW)
    with pytest.raises(NotFound):
        revoke(store, world.admin, 999, NOW)
    revoke(store, world.manager, to_a.id, NOW)
    revoke(store, world.manager, to_a.id, NOW + timedelta(days=1))  # again: nothing changes
    assert visible_assignments(store, world.admin) == (to_b,)


def test_assignable_people_and_teams(store: Store, world: World) -> None:
    assert {p.username for p in assignable_learners(store, world.manager, "")} == {"ana", "abe"}
    assert {p.username for p in assignable_learners(store, world.manager, "B")} == {"abe"}
    assert {p.username for p in assignable_learners(store, world.admin, "e")} == {"abe", "bea", "loner"}
    assert assignable_learners(store, world.admin, "%") == ()  # wildcards are matched literally
    rename(store, world.admin, world.bea.id, "Béatrice Ærø", NOW)
    assert {p.username for p in assignable_learners(store, world.admin, "ÉATRICE ÆR")} == {"bea"}  # beyond ASCII
    assert assignable_team_ids(store, world.manager) == {world.team_a.id}
    assert assignable_team_ids(store, world.admin) == {world.team_a.id, world.team_b.id}
    assert assignable_team_ids(store, world.ana) == frozenset()


def _made(number: int, *, team: int | None = None, user: int | None = None, minutes: int = 0,
          revoked: bool = False) -> Assignment:
    return Assignment(id=number, team_id=team, user_id=user, modules=(), assigned_by=1,
                      assigned_at=NOW + timedelta(minutes=minutes), due_at=DUE, recertify_days=None,
                      revoked_at=NOW if revoked else None)


@pytest.mark.parametrize(("assignments", "expected"), [
    ([], {}),
    ([_made(1, team=10)], {1: 1, 2: 1}),
    ([_made(1, team=10), _made(2, user=1, minutes=5)], {1: 2, 2: 1}),
    ([_made(1, team=10, minutes=9), _made(2, user=1, minutes=5)], {1: 1, 2: 1}),
    ([_made(1, team=10), _made(2, team=10, minutes=1)], {1: 2, 2: 2}),
    ([_made(1, team=10), _made(2, team=10, minutes=1, revoked=True)], {1: 1, 2: 1}),
    ([_made(1, user=3)], {3: 1}),
])
def test_the_current_assignment_is_the_latest_for_the_learner_or_their_team(
    assignments: list[Assignment], expected: dict[int, int]
) -> None:
    people = [(1, 10), (2, 10), (3, None)]
    assert {user: a.id for user, a in current_assignments(assignments, people).items()} == expected
