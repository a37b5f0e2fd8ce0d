"""Home's "Recommended next" and My skills' "What to improve next" in the running app: the same
advice for a learner with progress, never the scenario just finished; honest results on home."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from streamlit.testing.v1 import AppTest

from elearn.course.paths import score_evidence
from elearn.course.schema import OUTCOME_LABELS
from elearn.learner.recommend import Recommendation, recommendations
from elearn.store import (
    NewChoice,
    Progress,
    User,
    authenticate,
    finish_attempt,
    open_store,
    progress_for,
    record_choice,
    start_attempt,
    upgrade,
)
from elearn.store.db import Store
from tests.conftest import shipped_course
from ui.text import md_escape

from .conftest import PASSWORD, open_page, sign_in, sign_up

COURSE = shipped_course()
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _signed_up(data_dir: Path) -> tuple[Store, User]:
    """Ana, signed up through the app, and the app's store to give her progress directly."""
    sign_up("ana")
    store = open_store(None, data_dir)
    upgrade(store)
    ana = authenticate(store, "ana", PASSWORD, datetime.now(UTC), client="test")
    assert isinstance(ana, User)
    return store, ana


def _play(store: Store, user: User, scenario_id: str, *, worst: bool, at: datetime) -> None:
    """Play ``scenario_id`` to its end along its worst (or best) path, recording every first answer."""
    scenario = COURSE.scenario(scenario_id)
    assert scenario is not None
    path = COURSE.analyses[scenario_id].worst if worst else COURSE.analyses[scenario_id].best
    attempt = start_attempt(store, user, scenario_id, scenario.version, run_json="{}", now=at)
    ratings = []
    for number, step in enumerate(path.steps):
        node = scenario.node(step.node_id)
        assert node is not None
        choice = node.choice(step.choice_id)
        assert choice is not None
        ratings += list(choice.evidence.values())
        record_choice(store, user, NewChoice(
            event_key=f"{attempt.id}-{number}", attempt_id=attempt.id, node_id=node.id, choice_id=choice.id,
            evidence=choice.evidence, anger_before=step.anger_before, anger_after=step.anger_after,
            first_attempt=True, occurred_at=at + timedelta(seconds=number)))
    ending = scenario.ending(path.ending_id)
    assert ending is not None
    finish_attempt(store, user, attempt.id, ending_id=ending.id, outcome=ending.outcome,
                   score=score_evidence(ratings), run_json="{}", now=at + timedelta(minutes=5))


def _learner_with_progress(own_database: Path) -> tuple[AppTest, Progress]:
    store, user = _signed_up(own_database)
    first, second = COURSE.scenarios[0].id, COURSE.scenarios[1].id
    _play(store, user, first, worst=True, at=T0)
    _play(store, user, second, worst=True, at=T0 + timedelta(hours=1))
    _play(store, user, first, worst=True, at=T0 + timedelta(hours=2))  # the one just finished
    return sign_in("ana"), progress_for(store, user, user.id)


def _links(at: AppTest) -> list[tuple[str, str]]:
    return [(link.proto.label, link.proto.query_string) for link in at.get("page_link")]


def _advice_links(item: Recommendation) -> list[tuple[str, str]]:
    links = []
    if item.lesson is not None:
        links.append((f"Lesson: {item.lesson.title}", f"lesson={item.lesson.id}"))
    if item.scenario is not None:
        links.append((f"Practise: {item.scenario.title}", f"scenario={item.scenario.id}"))
    return links


def test_home_and_my_skills_give_the_same_recommendation(own_database: Path) -> None:
    at, progress = _learner_with_progress(own_database)
    advice = recommendations(COURSE, progress)
    first = advice[0]
    assert first.enough_evidence, "the worst paths measured some skills"
    assert first.scenario is not None
    assert first.scenario.id != COURSE.scenarios[0].id, "never the scenario just finished"

    open_page(at, "home")
    assert not at.exception
    assert md_escape(first.reason) in [c.value for c in at.caption]
    home_links = _links(at)
    assert all(link in home_links for link in _advice_links(first))
    assert ("Practise: " + COURSE.scenarios[0].title, f"scenario={COURSE.scenarios[0].id}") not in home_links

    open_page(at, "skills")
    assert not at.exception
    shown = [c.value for c in at.caption if c.value in {md_escape(r.reason) for r in advice}]
    assert shown == [md_escape(r.reason) for r in advice[:5]]
    practise = [link for link in _links(at) if link[0].startswith(("Lesson: ", "Practise: "))]
    assert practise[:len(_advice_links(first))] == _advice_links(first)


def test_my_skills_says_which_skills_lack_evidence_and_what_would_give_it(own_database: Path) -> None:
    at, progress = _learner_with_progress(own_database)
    unmeasured = [r for r in recommendations(COURSE, progress) if not r.enough_evidence and r.scenario is not None]
    assert unmeasured, "two scenarios leave some skills without enough evidence"
    open_page(at, "skills")
    words = "\n".join(m.value for m in at.markdown)
    for item in unmeasured:
        line = f"{item.skill.name}: not enough evidence yet ({item.mastery.observations} of 3 answers); " \
               f"play '{item.scenario.title}' to give it some."  # type: ignore[union-attr]
        assert md_escape(line) in words


def test_home_says_when_a_success_came_with_costly_mistakes(own_database: Path) -> None:
    store, user = _signed_up(own_database)
    scenario = COURSE.scenarios[0]
    attempt = start_attempt(store, user, scenario.id, scenario.version, run_json="{}", now=T0)
    success = next(e for e in scenario.endings if e.successful)
    finish_attempt(store, user, attempt.id, ending_id=success.id, outcome=success.outcome, score=55.0,
                   run_json="{}", now=T0 + timedelta(minutes=5))
    at = sign_in("ana")
    open_page(at, "home")
    labels = [label for label, _ in _links(at)]
    expected = f" · done · best 55% ({OUTCOME_LABELS[success.outcome]}, with costly mistakes)"
    assert any(label.startswith(scenario.title) and label.endswith(expected) for label in labels), labels
