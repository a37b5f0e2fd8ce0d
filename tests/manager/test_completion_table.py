"""The completion table from the kept standings (SQL status, summary, filters, pages) equals the
table built the old way (every learner's row in Python, then filtered), on SQLite and PostgreSQL:
for every status, at several moments, for an administrator and a manager."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from elearn.course.passing import PassRule
from elearn.manage.completion_table import counts, every_row, matching_ids, page_rows, rows_for, summary_of
from elearn.manage.dashboard import (
    STATUSES,
    CompletionRow,
    Filters,
    apply_filters,
    completion_rows,
    masteries_from,
    outline_of,
    summary,
)
from elearn.store import Store, User, complete_lesson, create_user, finish_attempt, start_attempt
from elearn.store.administration import deactivate
from elearn.store.analytics import learner_facts, skill_evidence
from elearn.store.assignments import assign, current_assignments, visible_assignments
from elearn.store.completion import (
    Narrowing,
    standing_counts,
    standing_page,
    standing_pages,
    standing_team_names,
)
from elearn.store.rebuild import rebuild_aggregates
from elearn.store.standings import sync_outline
from tests.store.helpers import NOW, PASSWORD, World

from .conftest import COURSE, Clock, play

RULE = PassRule(70.0)


def old_table(store: Store, viewer: User, now: datetime) -> list[CompletionRow]:
    """Every learner's row, as the dashboard built them before the standings."""
    facts = learner_facts(store, viewer, [lesson.id for lesson in COURSE.lessons], [s.id for s in COURSE.scenarios])
    masteries = masteries_from(skill_evidence(store, viewer), COURSE.skills)
    assigned = current_assignments(visible_assignments(store, viewer), [(f.user_id, f.team_id) for f in facts])
    return completion_rows(COURSE, facts, assigned, masteries, now, pass_rule=RULE)


def finish(store: Store, user: User, scenario_id: str, clock: Clock, *, outcome: str, score: float) -> None:
    attempt = start_attempt(store, user, scenario_id, 1, run_json="{}", now=clock.tick())
    finish_attempt(store, user, attempt.id, ending_id="end", outcome=outcome, score=score, run_json="{}",
                   now=clock.tick())


@pytest.fixture
def organisation(store: Store, world: World) -> World:
    """Learners in every status: complete and passed (ana), complete below the threshold (bea, on
    an assignment of one module), part-way (abe), started a scenario only (dan), nothing (cara,
    loner), deactivated (eve); team A due in 10 days with a 30-day recertification, team B in 40,
    bea's own assignment 3 days ago; one learner played through the engine (skills measured)."""
    clock = Clock(NOW - timedelta(days=5))
    sync_outline(store, outline_of(COURSE), NOW)
    cara = create_user(store, username="cara", display_name="Cara", password=PASSWORD, now=NOW,
                       team_id=world.team_a.id)
    dan = create_user(store, username="dan", display_name="Dan", password=PASSWORD, now=NOW, team_id=world.team_b.id)
    eve = create_user(store, username="eve", display_name="Éve", password=PASSWORD, now=NOW, team_id=world.team_b.id)
    first = COURSE.lessons[0]
    assign(store, world.admin, team_id=world.team_a.id, due_at=NOW + timedelta(days=10), recertify_days=30,
           now=NOW - timedelta(days=20))
    assign(store, world.admin, team_id=world.team_b.id, due_at=NOW + timedelta(days=40), now=NOW - timedelta(days=20))
    for lesson in COURSE.lessons:
        complete_lesson(store, world.ana, lesson.id, clock.tick())
    for scenario in COURSE.scenarios:
        finish(store, world.ana, scenario.id, clock, outcome="resolved", score=90.0)
    complete_lesson(store, world.bea, first.id, clock.tick())
    for scenario in COURSE.practice_for(first):
        finish(store, world.bea, scenario.id, clock, outcome="resolved", score=55.0)
    assign(store, world.admin, user_id=world.bea.id, modules=[first.id], due_at=NOW - timedelta(days=3),
           now=NOW - timedelta(days=20))
    complete_lesson(store, world.abe, first.id, clock.tick())
    play(store, world.abe, COURSE.scenarios[0], [0, 1, 2, 0], clock)
    start_attempt(store, dan, COURSE.scenarios[1].id, 1, run_json="{}", now=clock.tick())
    complete_lesson(store, eve, first.id, clock.tick())
    deactivate(store, world.admin, eve.id, NOW)
    assert cara.id  # in team A, assigned, nothing done
    return world


MOMENTS = [NOW, NOW + timedelta(days=20), NOW + timedelta(days=45)]
FILTERS = [
    Filters(),
    Filters(statuses=frozenset({"in progress", "not started"})),
    Filters(statuses=frozenset({"completed"}), overdue_only=True),
    Filters(overdue_only=True),
    Filters(statuses=frozenset({"expired", "deactivated"})),
    Filters(due_from=date.fromordinal(NOW.date().toordinal() + 5), due_to=(NOW + timedelta(days=10)).date()),
    Filters(due_to=NOW.date()),
    Filters(search="  A "),
    Filters(search="dan"),
    Filters(search="%"),
    Filters(search="éV"),  # beyond ASCII: "Éve", as Python's casefold() finds her
    Filters(search="ÉVE"),
]


@pytest.mark.parametrize("moment", MOMENTS, ids=["now", "team-a-overdue", "recertification-lapsed"])
@pytest.mark.parametrize("viewer", ["admin", "manager"])
def test_sql_statuses_summary_and_filters_equal_the_rows_built_in_python(
        store: Store, organisation: World, moment: datetime, viewer: str) -> None:
    who = getattr(organisation, viewer)
    everyone = old_table(store, who, moment)
    for filters in [*FILTERS, Filters(team_ids=frozenset({organisation.team_a.id})),
                    Filters(team_ids=frozenset({organisation.team_b.id}), statuses=frozenset({"in progress"}))]:
        expected = apply_filters(everyone, filters)
        assert matching_ids(store, who, filters, moment) == [row.user_id for row in expected], filters
        assert summary_of(counts(store, who, filters, moment, RULE)) == summary(expected), filters
        assert list(every_row(store, who, COURSE, filters, moment, RULE, batch=2)) == expected, filters


def test_the_organisation_shows_every_status_and_both_kinds_of_completion(store: Store, organisation: World) -> None:
    seen = [{row.name: row.status for row in old_table(store, organisation.admin, moment)} for moment in MOMENTS]
    assert {status for moment in seen for status in moment.values()} == set(STATUSES)
    assert [moment["Bea"] for moment in seen] == ["completed", "completed", "completed"]
    assert [moment["Ana"] for moment in seen] == ["completed", "completed", "expired"]
    assert [moment["Cara"] for moment in seen] == ["not started", "overdue", "overdue"]
    passed = {row.name: row.course_passed for row in old_table(store, organisation.admin, NOW)}
    assert (passed["Ana"], passed["Bea"]) == (True, False)


def test_a_page_is_the_slice_of_the_whole_table(store: Store, organisation: World) -> None:
    everyone = old_table(store, organisation.admin, NOW)
    pages = [page_rows(store, organisation.admin, COURSE, Filters(), NOW, RULE, offset=start, limit=3)
             for start in range(0, len(everyone), 3)]
    assert [row for page in pages for row in page] == everyone
    assert rows_for(store, organisation.admin, COURSE, [], NOW, RULE) == []


def test_the_standings_follow_assignments_team_moves_and_course_changes(store: Store, organisation: World) -> None:
    from elearn.store.administration import change_team
    from elearn.store.assignments import revoke

    made = assign(store, organisation.admin, team_id=organisation.team_b.id, modules=[COURSE.lessons[0].id],
                  due_at=NOW + timedelta(days=2), now=NOW)
    change_team(store, organisation.admin, organisation.abe.id, organisation.team_b.id, NOW)
    assert rebuild_aggregates(store, verify=True).differences == 0
    revoke(store, organisation.admin, made.id, NOW)
    assert rebuild_aggregates(store, verify=True).differences == 0
    before = summary_of(counts(store, organisation.admin, Filters(), NOW, RULE))
    # A course whose outline changed (here: one lesson fewer) recomputes every standing.
    smaller = outline_of(COURSE)
    changed = type(smaller)(smaller.lessons[1:], smaller.scenarios, smaller.practice)
    assert sync_outline(store, changed, NOW) > 0
    assert sync_outline(store, changed, NOW) == 0
    assert rebuild_aggregates(store, verify=True).differences == 0
    assert summary_of(counts(store, organisation.admin, Filters(), NOW, RULE)) != before


@pytest.mark.parametrize("viewer", ["admin", "manager", "ana", "bea"])
def test_the_completion_reads_keep_to_the_viewers_scope(store: Store, organisation: World, viewer: str) -> None:
    who = getattr(organisation, viewer)
    facts = learner_facts(store, who, [], [])
    visible = [fact.user_id for fact in facts]
    everyone = Narrowing()
    assert standing_counts(store, who, everyone, NOW, 70.0).rows == len(visible)
    assert standing_page(store, who, everyone, NOW, offset=0, limit=100) == tuple(visible)
    assert [user_id for page in standing_pages(store, who, everyone, NOW, size=2) for user_id in page] == visible
    assert set(standing_team_names(store, who, everyone, NOW)) == {fact.team_name for fact in facts}
    # A team filter narrows the audience, never widens it (the manager does not manage team B).
    other = Narrowing(team_ids=frozenset({organisation.team_b.id}))
    in_b = [fact.user_id for fact in facts if fact.team_id == organisation.team_b.id]
    assert list(standing_page(store, who, other, NOW, offset=0, limit=100)) == in_b
    assert standing_counts(store, who, other, NOW, 70.0).rows == len(in_b)
