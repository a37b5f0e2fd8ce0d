"""The demo data generator: plausible, repeatable, bulk-inserted, and careful with real databases."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from elearn.cli.main import main
from elearn.manage.demo import DemoRefused, generate
from elearn.store import Store, create_admin, create_user, events_for, progress_for
from elearn.store.analytics import learner_facts
from elearn.store.rebuild import rebuild_aggregates
from elearn.store.tables import AssignmentRow, AttemptRow, ChoiceEventRow, LearnerStandingRow, TeamRow, UserRow
from tests.store.helpers import PASSWORD

from .conftest import COURSE

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def counts(store: Store) -> dict[str, int]:
    def work(conn: object) -> dict[str, int]:
        return {table.__tablename__: int(conn.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[attr-defined]
                for table in (UserRow, TeamRow, AssignmentRow, AttemptRow, ChoiceEventRow)}

    return store.read(work)  # type: ignore[arg-type]


def test_the_demo_fills_an_empty_database(store: Store) -> None:
    seen: list[tuple[int, int, int]] = []
    summary = generate(store, COURSE, 60, seed=3, now=NOW, progress=lambda *step: seen.append(step))
    found = counts(store)
    assert found["teams"] == summary.teams == 3
    assert found["users"] == summary.learners + summary.managers == 63
    assert found["assignments"] == summary.assignments == 3
    assert found["scenario_attempts"] == summary.attempts > 0
    assert found["choice_events"] == summary.events > 60 * 20
    assert seen[-1][:2] == (60, 60)
    assert [step[0] for step in seen] == sorted(step[0] for step in seen)


def test_the_demos_aggregates_and_standings_are_what_the_rebuild_computes(store: Store) -> None:
    # The demo computes its aggregates in memory and inserts them in bulk; ``rebuild-aggregates
    # --verify`` recomputes them from the events, attempts, lessons and assignments (it found
    # last-digit differences in the mean best score before both summed with math.fsum).
    generate(store, COURSE, 250, seed=11, now=NOW)
    report = rebuild_aggregates(store, verify=True)
    assert report.learners > 250
    assert (report.differences, report.shown) == (0, ())
    assert store.read(lambda conn: conn.scalar(select(func.count()).select_from(LearnerStandingRow))) == \
        counts(store)["users"]


def test_the_demo_is_played_through_the_real_scenarios(store: Store) -> None:
    generate(store, COURSE, 30, seed=5, now=NOW)
    admin = create_admin(store, "boss", PASSWORD, NOW)  # the ids the demo used do not clash with new ones
    facts = learner_facts(store, admin, [lesson.id for lesson in COURSE.lessons], [s.id for s in COURSE.scenarios])
    busy = max(facts, key=lambda f: f.scenarios_finished)
    progress = progress_for(store, admin, busy.user_id)
    for attempt in progress.attempts:
        scenario = COURSE.scenario(attempt.scenario_id)
        assert scenario is not None
        if attempt.ending_id is not None:
            assert scenario.ending(attempt.ending_id) is not None
    for event in events_for(store, admin, busy.user_id):
        scenario = COURSE.scenario(event.scenario_id)
        assert scenario is not None
        node = scenario.node(event.node_id)
        assert node is not None
        assert node.choice(event.choice_id) is not None
        assert dict(node.choice(event.choice_id).evidence) == dict(event.evidence)  # type: ignore[union-attr]
    assert {f.username.split("-")[1] for f in facts if f.username.startswith("demo-")} == {"learner"}


def test_the_same_seed_gives_the_same_data(tmp_path: Path) -> None:
    from elearn.store import open_store, upgrade

    results = []
    for name in ("one", "two"):
        store = open_store(f"sqlite:///{tmp_path / name}.db", tmp_path)
        upgrade(store)
        summary = generate(store, COURSE, 25, seed=9, now=NOW)
        results.append((summary.attempts, summary.events, counts(store)))
        store.dispose()
    assert results[0] == results[1]


def test_the_demo_refuses_real_accounts_unless_forced(store: Store) -> None:
    create_user(store, username="real", display_name="Real Person", password=None, now=NOW)
    with pytest.raises(DemoRefused, match=r"holds 1 real account\(s\).*add --force"):
        generate(store, COURSE, 5, seed=1, now=NOW)
    assert counts(store)["users"] == 1
    generate(store, COURSE, 5, seed=1, now=NOW, force=True)
    assert counts(store)["users"] == 1 + 5 + 2
    with pytest.raises(DemoRefused, match="already holds demo data"):
        generate(store, COURSE, 5, seed=1, now=NOW, force=True)
    create_user(store, username="later", display_name="Later", password=None, now=NOW)  # sequences moved on


def test_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    assert main(["demo", "--learners", "12", "--seed", "2", "--data-dir", str(tmp_path)], out) == 0
    assert "Created 12 learners in 2 teams with 2 managers" in out.getvalue()
    assert "python -m elearn admin create" in out.getvalue()
    assert "12/12 learners (100%)" in capsys.readouterr().err
    assert main(["demo", "--learners", "12", "--data-dir", str(tmp_path)], io.StringIO()) == 1
    assert "Nothing was created: This database already holds demo data." in capsys.readouterr().err
    assert main(["demo", "--learners", "0", "--data-dir", str(tmp_path / "other")], io.StringIO()) == 1
    assert "--learners needs a number of 1 or more." in capsys.readouterr().err
