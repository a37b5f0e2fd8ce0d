"""The dashboard's SQL aggregates, on SQLite and PostgreSQL: right numbers, right people, nobody else."""

from __future__ import annotations

import pytest

from elearn.learner.journey import skill_masteries
from elearn.manage.dashboard import masteries_from
from elearn.store import (
    Role,
    Store,
    User,
    add_team_manager,
    change_roles,
    change_team,
    events_for,
    get_attempt,
    progress_for,
    remove_team_manager,
    save_run,
)
from elearn.store.analytics import (
    ATTEMPT_TIME_CAP_SECONDS,
    STARTED_ONLY,
    choice_flows,
    count_events,
    export_events,
    finished_attempt_batches,
    finished_attempts,
    learner_facts,
    scope_fingerprint,
    skill_evidence,
)
from tests.store.helpers import NOW, World

from .conftest import COURSE, Clock, Played, play

LESSONS = [lesson.id for lesson in COURSE.lessons]
SCENARIOS = [scenario.id for scenario in COURSE.scenarios]
FIRST, SECOND = COURSE.scenarios[0], COURSE.scenarios[1]


def facts_by_name(store: Store, viewer: User, team_ids: set[int] | None = None) -> dict[str, object]:
    return {f.username: f for f in learner_facts(store, viewer, LESSONS, SCENARIOS, team_ids)}


@pytest.mark.parametrize(("viewer", "expected"), [
    ("admin", {"admin", "ana", "abe", "bea", "loner"}),  # the admin also holds the learner role
    ("manager", {"ana", "abe"}),
    ("ana", {"ana"}),
    ("bea", {"bea"}),
])
def test_learner_rows_follow_the_viewers_scope(played: Played, viewer: str, expected: set[str]) -> None:
    assert set(facts_by_name(played.store, getattr(played.world, viewer))) == expected


def test_a_team_filter_narrows_but_never_widens(played: Played) -> None:
    world = played.world
    assert set(facts_by_name(played.store, world.admin, {world.team_b.id})) == {"bea"}
    assert set(facts_by_name(played.store, world.manager, {world.team_b.id})) == set()
    assert set(facts_by_name(played.store, world.manager, {world.team_a.id, world.team_b.id})) == {"ana", "abe"}


def test_learner_facts_count_lessons_finishes_and_time(played: Played) -> None:
    facts = facts_by_name(played.store, played.world.admin)
    ana, bea, loner = facts["ana"], facts["bea"], facts["loner"]
    assert ana.lessons_done.keys() == {LESSONS[0]}  # type: ignore[attr-defined]
    assert ana.scenario_finished[SECOND.id] == STARTED_ONLY  # type: ignore[attr-defined]
    assert ana.scenario_finished[FIRST.id] > STARTED_ONLY  # type: ignore[attr-defined]
    assert (ana.scenarios_finished, bea.scenarios_finished, loner.scenarios_finished) == (1, 1, 0)  # type: ignore[attr-defined]
    assert loner.last_activity is None
    assert loner.mean_best_score is None
    progress = progress_for(played.store, played.world.admin, played.world.ana.id)
    latest = max(a.updated_at for a in progress.attempts)
    last_lesson = max(c.completed_at for c in progress.completions)
    assert ana.last_activity == max(latest, last_lesson)  # type: ignore[attr-defined]
    spent = sum(min((a.updated_at - a.started_at).total_seconds(), ATTEMPT_TIME_CAP_SECONDS) for a in progress.attempts)
    assert ana.seconds_in_scenarios == spent  # type: ignore[attr-defined]
    best = max(a.score or 0 for a in progress.attempts if a.scenario_id == FIRST.id)
    assert ana.mean_best_score == pytest.approx(best)  # type: ignore[attr-defined]


def test_an_attempt_left_open_counts_for_an_hour_at_most(store: Store, world: World) -> None:
    clock = Clock()
    attempt_id = play(store, world.ana, FIRST, [0], clock, finish=False)
    assert facts_by_name(store, world.admin)["ana"].seconds_in_scenarios == 120  # type: ignore[attr-defined]
    save_run(store, world.ana, attempt_id, get_attempt(store, world.ana, attempt_id).run_json, clock.tick(60 * 24))
    assert facts_by_name(store, world.admin)["ana"].seconds_in_scenarios == ATTEMPT_TIME_CAP_SECONDS  # type: ignore[attr-defined]


@pytest.mark.parametrize("learner", ["ana", "abe", "bea"])
def test_skill_masteries_from_sql_equal_the_learners_own_chart(played: Played, learner: str) -> None:
    store, world = played.store, played.world
    user = getattr(world, learner)
    from_sql = masteries_from(skill_evidence(store, world.admin), COURSE.skills)[user.id]
    own = skill_masteries(COURSE, progress_for(store, user, user.id))
    for skill, mastery in own.items():
        assert from_sql[skill].observations == mastery.observations, skill
        assert from_sql[skill].mastery == pytest.approx(mastery.mastery, abs=1e-12), skill
        assert from_sql[skill].uncertainty == pytest.approx(mastery.uncertainty, abs=1e-12), skill


def test_skill_evidence_skips_answers_after_a_rewind_and_other_teams(played: Played) -> None:
    store, world = played.store, played.world
    abe_events = events_for(store, world.admin, world.abe.id)
    assert any(not e.first_attempt for e in abe_events)  # the fixture rewound once
    counted = sum(len(e.evidence) for e in abe_events if e.first_attempt)
    rows = [r for r in skill_evidence(store, world.admin) if r.user_id == world.abe.id]
    assert sum(r.observations for r in rows) == counted
    assert {r.user_id for r in skill_evidence(store, world.manager)} == {world.ana.id, world.abe.id}
    assert {r.user_id for r in skill_evidence(store, world.manager, {world.team_b.id})} == set()


def test_choice_flows_count_first_answers_of_first_attempts(played: Played) -> None:
    store, world = played.store, played.world
    flows = choice_flows(store, world.admin, FIRST.id)
    expected: dict[tuple[str, str, int], int] = {}
    for user in (world.ana, world.abe, world.bea):
        for event in events_for(store, world.admin, user.id, FIRST.id):
            if event.attempt_number == 1 and event.first_attempt:
                key = (event.node_id, event.choice_id, event.anger_after)
                expected[key] = expected.get(key, 0) + 1
    assert {(f.node_id, f.choice_id, f.anger_after): f.count for f in flows} == expected
    opening = FIRST.nodes[0].id
    assert sum(f.count for f in flows if f.node_id == opening) == 3  # one first answer each, not Ana's replay


def test_choice_flows_keep_to_the_managers_teams(played: Played) -> None:
    store, world = played.store, played.world
    opening = FIRST.nodes[0].id
    mine = choice_flows(store, world.manager, FIRST.id)
    assert sum(f.count for f in mine if f.node_id == opening) == 2
    assert choice_flows(store, world.manager, FIRST.id, {world.team_b.id}) == ()
    assert sum(f.count for f in choice_flows(store, world.admin, FIRST.id, {world.team_b.id})
               if f.node_id == opening) == 1


def test_exports_never_include_someone_outside_the_scope(played: Played) -> None:
    store, world = played.store, played.world
    everyone = [world.ana.id, world.abe.id, world.bea.id, world.loner.id]
    as_manager = [e for batch in export_events(store, world.manager, everyone) for e in batch]
    assert {e.username for e in as_manager} == {"ana", "abe"}
    assert {a.username for a in finished_attempts(store, world.manager, everyone)} == {"ana", "abe"}
    assert count_events(store, world.manager, everyone) == len(as_manager)
    assert count_events(store, world.ana, [world.bea.id]) == 0
    as_admin = [e for batch in export_events(store, world.admin, everyone, batch=3) for e in batch]
    assert len(as_admin) == count_events(store, world.admin, everyone)
    assert len({e.id for e in as_admin}) == len(as_admin)  # paging neither repeats nor skips
    paged = [a for batch in finished_attempt_batches(store, world.manager, everyone, batch=1) for a in batch]
    assert sorted(a.id for a in paged) == sorted(a.id for a in finished_attempts(store, world.manager, everyone))
    assert [a for batch in finished_attempt_batches(store, world.ana, [world.bea.id]) for a in batch] == []


@pytest.mark.parametrize("change", ["learner joins", "learner leaves", "team given", "team taken", "role taken"])
def test_the_scope_fingerprint_changes_with_access(store: Store, world: World, change: str) -> None:
    before = scope_fingerprint(store, world.manager)
    if change == "learner joins":
        change_team(store, world.admin, world.bea.id, world.team_a.id, NOW)
    elif change == "learner leaves":
        change_team(store, world.admin, world.ana.id, None, NOW)
    elif change == "team given":
        add_team_manager(store, world.admin, world.manager.id, world.team_b.id, NOW)
    elif change == "team taken":
        remove_team_manager(store, world.admin, world.manager.id, world.team_a.id, NOW)
    else:
        change_roles(store, world.admin, world.manager.id, [Role.LEARNER], NOW)
    assert scope_fingerprint(store, world.manager) != before
