"""The running aggregates (skill ratings, skill tallies, learner progress), on SQLite and PostgreSQL:
kept on write, they equal the from-scratch computation over the event log for any stream of
answers, a learner's own skills equal their heatmap cell, and the rebuild finds a tampered row."""

from __future__ import annotations

import contextlib
import itertools
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from elearn.course.schema import RATING_CREDIT, fold_rating
from elearn.learner.mastery import Observation, estimate, mastery_by_skill
from elearn.manage.dashboard import masteries_from
from elearn.store import (
    AttemptFinished,
    Finish,
    NewChoice,
    Role,
    Store,
    User,
    complete_lesson,
    create_user,
    first_attempt_evidence,
    record_answer,
    record_choice,
    start_attempt,
)
from elearn.store.analytics import skill_evidence
from elearn.store.assignments import assign, current_assignments, revoke, visible_assignments
from elearn.store.progress_rules import AttemptFacts, progress_values
from elearn.store.rebuild import differences, expected_for, rebuild_aggregates, stored_for
from elearn.store.standing_rules import Outline, asked
from elearn.store.standings import sync_outline
from elearn.store.tables import LearnerProgressRow, LearnerStandingRow, SkillTallyRow

from .helpers import NOW, World

SKILLS = ("empathy", "boundaries", "ownership")
SCENARIOS = ("refund-call", "late-delivery")
names = itertools.count()

evidence = st.dictionaries(st.sampled_from(SKILLS), st.sampled_from(sorted(RATING_CREDIT)), max_size=3)
answer = st.fixed_dictionaries({
    "kind": st.just("answer"),
    "attempt": st.integers(0, 2),
    "evidence": evidence,
    # Minutes from NOW, in any order and with ties: the fold must still follow (time, event id).
    "minute": st.integers(0, 40),
    "first_attempt": st.booleans(),
    "through_player": st.booleans(),
    "finish": st.sampled_from([None, None, None, ("win", "resolved", 80.0), ("lose", "customer_lost", 35.5)]),
    "repeat": st.booleans(),
})
lesson = st.fixed_dictionaries({"kind": st.just("lesson"), "lesson": st.sampled_from(["one", "two"]),
                                "minute": st.integers(0, 40)})
streams = st.lists(st.one_of(answer, answer, lesson), min_size=1, max_size=25)


def new_learner(store: Store, team_id: int | None = None) -> User:
    return create_user(store, username=f"prop{next(names)}", display_name="Prop", password=None, now=NOW,
                       roles=(Role.LEARNER,), team_id=team_id)


def play_stream(store: Store, stream: list[dict[str, object]]) -> int:
    """Write ``stream`` as a new learner; return their id."""
    return play_as(store, new_learner(store), stream)


def play_as(store: Store, user: User, stream: list[dict[str, object]]) -> int:
    """Write ``stream`` as ``user`` (three attempts started first); return their id."""
    attempts = [start_attempt(store, user, SCENARIOS[i % 2], 1, run_json="{}", now=NOW + timedelta(seconds=i))
                for i in range(3)]
    last_key = None
    for number, step in enumerate(stream):
        at = NOW + timedelta(minutes=int(step["minute"]))  # type: ignore[call-overload]
        if step["kind"] == "lesson":
            complete_lesson(store, user, str(step["lesson"]), at)
            continue
        key = last_key if step["repeat"] and last_key else f"{user.id}-{number}"
        last_key = key
        choice = NewChoice(event_key=key, attempt_id=attempts[int(step["attempt"])].id,  # type: ignore[call-overload]
                           node_id="n", choice_id="c", evidence=step["evidence"],  # type: ignore[arg-type]
                           anger_before=50, anger_after=40, first_attempt=bool(step["first_attempt"]), occurred_at=at)
        if not step["through_player"]:
            record_choice(store, user, choice)
            continue
        finish = Finish(*step["finish"]) if step["finish"] else None  # type: ignore[misc]
        with contextlib.suppress(AttemptFinished):
            record_answer(store, user, choice, "{}", at, finish)
    return user.id


def assert_aggregates_exact(store: Store, world: World, user_id: int) -> None:
    stored = store.read(lambda conn: stored_for(conn, [user_id]))
    expected = store.read(lambda conn: expected_for(conn, [user_id]))
    assert list(differences(stored, expected)) == []
    # The learner's own skills (My skills) and the dashboard's cell: the same values, exactly.
    own = mastery_by_skill(SKILLS, [Observation(e.skill, e.rating, e.occurred_at)
                                    for e in first_attempt_evidence(store, world.admin, user_id)])
    cells = masteries_from(skill_evidence(store, world.admin), SKILLS).get(user_id, {})
    measured = {skill: mastery for skill, mastery in own.items() if mastery.observations}
    assert {skill: cell for skill, cell in cells.items() if cell.observations} == measured


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stream=streams)
def test_aggregates_equal_the_from_scratch_computation(store: Store, world: World,
                                                       stream: list[dict[str, object]]) -> None:
    assert_aggregates_exact(store, world, play_stream(store, stream))


OUTLINE = Outline(lessons=("one", "two"), scenarios=SCENARIOS,
                  practice={"one": ("refund-call",), "two": ("late-delivery",)})
terms = st.fixed_dictionaries({
    "modules": st.sampled_from([(), ("one",), ("two",), ("two", "gone")]),
    "recertify": st.sampled_from([None, 1, 30]),
    "due_in_days": st.integers(-5, 40),
    "to_team": st.booleans(),
    "when": st.sampled_from(["none", "before", "after", "revoked"]),
})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stream=streams, given_terms=terms)
def test_standings_kept_on_write_equal_the_from_scratch_computation(
        store: Store, world: World, stream: list[dict[str, object]], given_terms: dict[str, Any]) -> None:
    # Whatever the learner does and whenever their assignment comes (before, after, withdrawn),
    # the standing kept on write is the one computed from the event log and the assignments.
    sync_outline(store, OUTLINE, NOW)
    team = world.team_b.id if given_terms["to_team"] else None
    user = new_learner(store, team)

    def give() -> int:
        return assign(store, world.admin, team_id=team, user_id=None if team else user.id,
                      modules=given_terms["modules"], due_at=NOW + timedelta(days=given_terms["due_in_days"]),
                      recertify_days=given_terms["recertify"], now=NOW - timedelta(days=60)).id

    if given_terms["when"] == "before":
        give()
    play_as(store, user, stream)
    if given_terms["when"] in ("after", "revoked"):
        made = give()
        if given_terms["when"] == "revoked":
            revoke(store, world.admin, made, NOW)
    for learner in (user.id, world.bea.id):
        assert_aggregates_exact(store, world, learner)
    standing = store.read(lambda conn: conn.execute(
        select(LearnerStandingRow).where(LearnerStandingRow.user_id == user.id)).one())
    # Examples share the database: the team may hold an assignment from an earlier one.
    current = current_assignments(visible_assignments(store, world.admin), [(user.id, team)]).get(user.id)
    if given_terms["when"] in ("before", "after"):
        assert current is not None
        assert current.modules == given_terms["modules"]
    assert standing.assignment_id == (current.id if current else None)
    assert standing.items_asked == sum(map(len, asked(OUTLINE, current.modules if current else ())))


def test_the_store_folds_a_rating_as_the_mastery_model_does(store: Store, world: World) -> None:
    ratings = ["good", "poor", "partial", "poor", "good", "good", "partial"]
    stream: list[dict[str, object]] = [
        {"kind": "answer", "attempt": 0, "evidence": {"empathy": rating}, "minute": n, "first_attempt": True,
         "through_player": True, "finish": None, "repeat": False} for n, rating in enumerate(ratings)]
    user_id = play_stream(store, stream)
    tally = store.read(lambda conn: conn.execute(select(SkillTallyRow).where(SkillTallyRow.user_id == user_id)).one())
    successes = failures = 0.0
    for rating in ratings:
        successes, failures = fold_rating(successes, failures, rating)
    assert (tally.successes, tally.failures, tally.observations) == (successes, failures, len(ratings))
    assert masteries_from(skill_evidence(store, world.admin), ["empathy"])[user_id]["empathy"] == \
        estimate("empathy", ratings)


def test_a_rating_older_than_the_tally_is_folded_in_its_place(store: Store, world: World) -> None:
    late: list[dict[str, object]] = [
        {"kind": "answer", "attempt": 0, "evidence": {"empathy": rating}, "minute": minute, "first_attempt": True,
         "through_player": False, "finish": None, "repeat": False}
        for rating, minute in (("good", 10), ("poor", 20), ("partial", 5))]  # the last one arrives late
    user_id = play_stream(store, late)
    assert_aggregates_exact(store, world, user_id)
    cell = masteries_from(skill_evidence(store, world.admin), ["empathy"])[user_id]["empathy"]
    assert cell == estimate("empathy", ["partial", "good", "poor"])


def test_rebuild_verify_finds_a_tampered_aggregate_and_rebuild_repairs_it(store: Store, world: World) -> None:
    stream: list[dict[str, object]] = [
        {"kind": "answer", "attempt": 0, "evidence": {"empathy": "good", "ownership": "poor"}, "minute": n,
         "first_attempt": True, "through_player": True, "finish": None, "repeat": False} for n in range(4)]
    user_id = play_stream(store, stream)
    clean = rebuild_aggregates(store, verify=True)
    assert (clean.differences, clean.ratings, clean.tallies) == (0, 8, 2)

    store.write(lambda conn: conn.execute(update(SkillTallyRow).where(
        SkillTallyRow.user_id == user_id, SkillTallyRow.skill == "empathy").values(successes=0.5)))
    store.write(lambda conn: conn.execute(update(LearnerProgressRow).where(
        LearnerProgressRow.user_id == user_id).values(seconds_in_scenarios=999_999)))
    found = rebuild_aggregates(store, verify=True)
    assert found.differences == 2
    assert any(f"skill tally ({user_id}, 'empathy'): successes is 0.5, expected " in line for line in found.shown)
    assert any(f"learner progress {user_id}: seconds_in_scenarios is 999999, expected " in line
               for line in found.shown)
    assert rebuild_aggregates(store, verify=True).differences == 2  # verifying changed nothing

    assert rebuild_aggregates(store).differences == 2
    assert rebuild_aggregates(store, verify=True).differences == 0
    assert_aggregates_exact(store, world, user_id)


def test_the_mean_best_score_does_not_depend_on_the_order_attempts_are_read_in() -> None:
    # Summed left to right, these give 80.2 in one order and 80.19999999999999 in another: the
    # demo generator and the rebuild read attempts in different orders and disagreed in the last digit.
    attempts = [AttemptFacts(scenario, NOW, NOW + timedelta(minutes=5), NOW + timedelta(minutes=5), "resolved", score)
                for scenario, score in (("a", 70.1), ("b", 80.2), ("c", 90.3))]
    means = {progress_values(order, ()).mean_best_score for order in itertools.permutations(attempts)}
    assert means == {80.2}
