"""Bad states get a clear message and a way forward, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from tests.conftest import REPO, shipped_course

from .conftest import as_read, new_app, open_page, sign_in, sign_up, texts

COURSE = shipped_course()
SCENARIO = COURSE.scenarios[0]


def course_copy(target: Path, version_bump: int = 0) -> Path:
    shutil.copytree(REPO / "content", target / "content")
    shutil.copytree(REPO / "quizzes", target / "quizzes")
    if version_bump:
        path = target / COURSE.files[SCENARIO.id]
        data = yaml.safe_load(path.read_text())
        path.write_text(path.read_text().replace(f"version: {data['version']}\n",
                                                 f"version: {data['version'] + version_bump}\n", 1))
    return target


def test_a_changed_scenario_under_an_in_progress_run_restarts_with_a_notice(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELEARN_COURSE_DIR", str(course_copy(tmp_path / "before")))
    at = sign_up("ana")
    open_page(at, "scenario", scenario=SCENARIO.id)
    next(b for b in at.button if b.label == "Start the conversation").click().run()
    first = COURSE.analyses[SCENARIO.id].best.steps[0].choice_id
    next(b for b in at.button if b.key and b.key.endswith(f"-{first}")).click().run()

    # The authors publish a new version of the scenario while Ana is in the middle of it.
    monkeypatch.setenv("ELEARN_COURSE_DIR", str(course_copy(tmp_path / "after", version_bump=1)))
    again = sign_in("ana")
    open_page(again, "scenario", scenario=SCENARIO.id)
    assert not again.exception
    [notice] = [as_read(w.value) for w in again.warning]  # escaped: the title may hold Markdown
    assert f"'{SCENARIO.title}' has been updated since you started it" in notice
    assert "Your earlier answers still count towards your skills." in notice
    assert "Start the conversation" in texts(again)


def test_an_unreachable_database_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing listens on port 9 of the loopback: every connection is refused.
    monkeypatch.setenv("ELEARN_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    monkeypatch.setenv("ELEARN_DB_RETRY_SECONDS", "0.5")
    at = new_app().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "We can't reach the progress database right now. Everything you have done so far is saved. Wait a "
        "moment and try again."]
    assert any(b.label == "Try again" for b in at.button)


def _started(username: str) -> AppTest:
    at = sign_up(username)
    open_page(at, "scenario", scenario=SCENARIO.id)
    next(b for b in at.button if b.label == "Start the conversation").click().run()
    return at


def _choice_buttons(at: AppTest) -> list[Button]:
    return [b for b in at.button if b.key and b.key.startswith("choice-")]


def test_a_click_after_the_session_ended_elsewhere_records_nothing(own_database: Path) -> None:
    """The choice buttons act in callbacks, which run before the page's own check: each looks the
    session up again. Signed out in another tab, a click on a choice drawn earlier changes nothing."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from elearn.store import end_all_sessions, open_store

    at = _started("ben")
    store = open_store(None, own_database)
    try:
        with store.engine.connect() as conn:
            ben = conn.execute(text("SELECT id FROM users WHERE username = 'ben'")).scalar_one()
        end_all_sessions(store, ben, datetime.now(UTC))
        _choice_buttons(at)[0].click().run()
        assert not at.exception
        shown = [as_read(e.value) for e in at.error]
        assert "You don't have access to that any more. Nothing was changed." in shown
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM choice_events")).scalar_one() == 0
    finally:
        store.dispose()


def test_a_failing_answer_is_a_message_and_the_run_is_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    at = _started("cleo")
    before = [b.key for b in _choice_buttons(at)]

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("disk on fire at /srv/secret/path")

    monkeypatch.setattr("ui.player.record_answer", broken)
    _choice_buttons(at)[0].click().run()
    assert not at.exception
    shown = " ".join(as_read(e.value) for e in at.error)
    assert "Something went wrong on our side. Your progress is saved" in shown
    assert "/srv/secret" not in shown
    assert "disk on fire" not in shown
    assert [b.key for b in _choice_buttons(at)] == before  # still at the same decision
