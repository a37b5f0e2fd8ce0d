"""With an LRS configured, the player and the lesson page queue their statements with the answer
and the completion (through the widgets, as a learner clicks); with none, they queue nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from elearn.manage.exports import VERB_IRIS
from elearn.store import open_store, upgrade
from elearn.store.xapi_outbox import queued_statements
from tests.conftest import shipped_course

from .conftest import open_page, sign_up
from .test_learner_app import BEST, SCENARIO, choose, start_scenario

COURSE = shipped_course()


def _queued(data_dir: Path) -> list[dict[str, object]]:
    store = open_store(None, data_dir)
    upgrade(store)
    try:
        return [dict(q.statement) for q in queued_statements(store)]
    finally:
        store.dispose()


def _configure_lrs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELEARN_PUBLIC_URL", "https://training.example.org")
    monkeypatch.setenv("ELEARN_LRS_ENDPOINT", "http://127.0.0.1:9/xAPI/")
    monkeypatch.setenv("ELEARN_LRS_KEY", "calm")
    monkeypatch.setenv("ELEARN_LRS_SECRET", "s3cret")


def test_a_playthrough_and_a_lesson_queue_their_statements(own_database: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _configure_lrs(monkeypatch)
    at = sign_up("ana")
    start_scenario(at)
    for choice_id in BEST:
        choose(at, choice_id)
    lesson = COURSE.lessons[0]
    open_page(at, "lesson", lesson=lesson.id)
    [done] = [b for b in at.button if b.label == "Mark as done"]
    done.click().run()
    assert not at.exception

    queued = _queued(own_database)
    verbs = [statement["verb"]["id"] for statement in queued]  # type: ignore[index]
    assert verbs == [VERB_IRIS["answered"]] * len(BEST) + [VERB_IRIS["completed"], VERB_IRIS["passed"],
                                                           VERB_IRIS["completed"]]
    assert [s["result"]["response"] for s in queued[:len(BEST)]] == BEST  # type: ignore[index]
    assert queued[len(BEST)]["object"]["id"] == (  # type: ignore[index]
        f"https://training.example.org/xapi/activities/scenarios/{SCENARIO.id}")
    assert queued[-1]["object"]["id"] == f"https://training.example.org/xapi/activities/lessons/{lesson.id}"  # type: ignore[index]
    assert {s["actor"]["account"]["name"] for s in queued} == {"ana"}  # type: ignore[index]


def test_without_an_lrs_nothing_is_queued(own_database: Path) -> None:
    at = sign_up("ana")
    start_scenario(at)
    choose(at, BEST[0])
    assert _queued(own_database) == []
