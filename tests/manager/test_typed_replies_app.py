"""The dashboard's typed replies: the Answers view's inflaming phrases per decision, for the manager's
teams only, and the export with names removed on request."""

from __future__ import annotations

from datetime import UTC, datetime

from elearn.play.engine import choose, start
from elearn.store import NewChoice, User, record_answer, start_attempt

from .conftest import COURSE
from .test_manager_app import App, open_page, show, shown_text, signed_in
from .test_manager_app import app as app  # the fixture: ana, abe (Team A, managed) and bea have played

SCENARIO = COURSE.scenarios[0]


def typed(app: App, user: User, text: str) -> None:
    run = start(SCENARIO)
    attempt = start_attempt(app.store, user, SCENARIO.id, SCENARIO.version, run_json=run.to_json(),
                            now=datetime.now(UTC))
    assert run.node is not None
    after = choose(run, run.node.choices[0].id)
    step = after.log[-1]
    record_answer(app.store, user, NewChoice(
        event_key=f"typed-{attempt.id}", attempt_id=attempt.id, node_id=step.node_id, choice_id=step.choice_id,
        evidence=dict(step.evidence), anger_before=step.anger_before, anger_after=step.anger_after,
        first_attempt=False, occurred_at=datetime.now(UTC)), after.to_json(), datetime.now(UTC), typed_reply=text)


def test_the_answers_view_shows_the_teams_inflaming_phrases(app: App) -> None:
    typed(app, app.world.ana, "Please calm down, it's our policy.")
    typed(app, app.world.abe, "CALM DOWN")
    typed(app, app.world.bea, "Calm down, that's our policy")  # Team B: not the manager's
    at = show(open_page(signed_in(app, app.world.manager), "dashboard"), "Answers")
    text = shown_text(at)
    assert "What they typed first" in [s.value for s in at.subheader]
    assert "2 typed replies" in text
    assert "- “calm down” in 2 replies" in text
    assert "- “it's … policy” in 1 reply" in text


def test_the_export_of_typed_replies_removes_names_on_request(app: App) -> None:
    typed(app, app.world.ana, "=1+1 calm down")
    at = show(open_page(signed_in(app, app.world.manager), "dashboard"), "Exports")
    at.checkbox(key="replies-anonymous").check().run()
    at.button(key="prepare-replies").click().run()
    assert not at.exception
    [download] = [d for d in at.get("download_button") if d.proto.label == "Download typed replies"]
    assert download.proto.label == "Download typed replies"
