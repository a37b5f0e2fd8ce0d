"""Choices are shown in a different order on every attempt, so what is stored, counted and exported
names a choice by its id (and its words where shown), never by a letter or a place in the list.

Two learners each click the first answer as shown to them, under seeds that show different first
answers: the events, the answer counts, the charts and the xAPI statements must tell the two apart.
Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from elearn.course.passing import PassRule
from elearn.course.schema import Scenario
from elearn.manage.dashboard import decision_counts
from elearn.manage.exports import VERB_IRIS, XapiSource, statements, write_json_array
from elearn.manage.team_charts import decision_bars
from elearn.play.engine import choose, display_order, start
from elearn.store import NewChoice, Store, User, events_for, finish_attempt, record_choice, start_attempt
from elearn.store.analytics import choice_flows, export_events, finished_attempts
from tests.store.helpers import World

from .conftest import COURSE, Clock

HOME = "https://learn.example.com"
SCENARIO = COURSE.scenarios[0]
OPENING = SCENARIO.nodes[0]


def seeds_showing_different_first_answers() -> tuple[int, int]:
    first_shown = {seed: display_order(OPENING, seed)[0].id for seed in range(1, 200)}
    one = 1
    other = next(seed for seed, choice_id in first_shown.items() if choice_id != first_shown[one])
    return one, other


ANA_SEED, ABE_SEED = seeds_showing_different_first_answers()


def click_first_shown(store: Store, user: User, scenario: Scenario, seed: int, clock: Clock) -> list[tuple[str, str]]:
    """Play ``scenario`` as the player page does, always clicking the first answer shown; return
    (decision, choice id) for every click."""
    run = start(scenario, seed)
    attempt = start_attempt(store, user, scenario.id, scenario.version, run_json=run.to_json(), now=clock.tick())
    clicked = []
    while run.node is not None:
        shown = run.choices_shown()
        run = choose(run, shown[0].id)
        step = run.log[-1]
        record_choice(store, user, NewChoice(
            event_key=f"{attempt.id}-{len(run.log) - 1}", attempt_id=attempt.id, node_id=step.node_id,
            choice_id=step.choice_id, evidence=dict(step.evidence), anger_before=step.anger_before,
            anger_after=step.anger_after, first_attempt=step.first_attempt, occurred_at=clock.tick()))
        clicked.append((step.node_id, shown[0].id))
    assert run.ending is not None
    finish_attempt(store, user, attempt.id, ending_id=run.ending.id, outcome=run.ending.outcome, score=run.score,
                   run_json=run.to_json(), now=clock.tick())
    return clicked


@pytest.fixture
def clicks(store: Store, world: World) -> dict[str, list[tuple[str, str]]]:
    clock = Clock()
    return {"ana": click_first_shown(store, world.ana, SCENARIO, ANA_SEED, clock),
            "abe": click_first_shown(store, world.abe, SCENARIO, ABE_SEED, clock)}


def test_both_clicked_the_first_place_but_not_the_same_answer(clicks: dict[str, list[tuple[str, str]]]) -> None:
    assert clicks["ana"][0][0] == clicks["abe"][0][0] == OPENING.id
    assert clicks["ana"][0][1] != clicks["abe"][0][1]


def test_events_store_the_choice_clicked_by_its_id(store: Store, world: World,
                                                   clicks: dict[str, list[tuple[str, str]]]) -> None:
    for user in (world.ana, world.abe):
        events = events_for(store, world.admin, user.id)
        assert [(e.node_id, e.choice_id) for e in events] == clicks[user.username]
        for event in events:
            node = SCENARIO.node(event.node_id)
            assert node is not None
            choice = node.choice(event.choice_id)
            assert choice is not None, event.choice_id
            assert dict(choice.evidence) == dict(event.evidence)


def test_answer_counts_and_charts_name_choices_by_id_and_words(store: Store, world: World,
                                                               clicks: dict[str, list[tuple[str, str]]]) -> None:
    flows = choice_flows(store, world.admin, SCENARIO.id)
    at_opening = {f.choice_id: f.count for f in flows if f.node_id == OPENING.id}
    assert at_opening == {clicks["ana"][0][1]: 1, clicks["abe"][0][1]: 1}
    opening = decision_counts(SCENARIO, flows)[0]
    assert {c.choice_id: c.count for c in opening.choices if c.count} == at_opening
    assert {c.choice_id: c.says for c in opening.choices} == {c.id: c.say for c in OPENING.choices}
    bars = decision_bars(opening).data[0]
    assert sorted(bars.hovertext) == sorted(c.say for c in OPENING.choices)  # words, not letters
    counted = dict(zip(bars.hovertext, bars.x, strict=True))
    assert {c.say: counted[c.say] for c in OPENING.choices if counted[c.say]} == {
        OPENING.choice(choice_id).say: 1 for choice_id in at_opening}  # type: ignore[union-attr]


def answered(store: Store, world: World) -> list[dict[str, Any]]:
    ids = [world.ana.id, world.abe.id]
    out = io.StringIO()
    source = XapiSource(COURSE, HOME, PassRule())
    write_json_array(out, statements(source, [], finished_attempts(store, world.admin, ids),
                                     export_events(store, world.admin, ids)))
    return [s for s in json.loads(out.getvalue()) if s["verb"]["id"] == VERB_IRIS["answered"]]


def test_exported_events_and_xapi_carry_the_choice_id_and_its_words(store: Store, world: World,
                                                                     clicks: dict[str, list[tuple[str, str]]]) -> None:
    exported = [e for batch in export_events(store, world.admin, [world.ana.id, world.abe.id]) for e in batch]
    assert sorted((e.username, e.node_id, e.choice_id) for e in exported) == sorted(
        (name, node_id, choice_id) for name, pairs in clicks.items() for node_id, choice_id in pairs)
    found = answered(store, world)
    assert len(found) == len(exported)
    choices = {(node.id, choice.id): choice.say for node in SCENARIO.nodes for choice in node.choices}
    for statement in found:
        node_id = statement["object"]["id"].rsplit("/", 1)[1]
        response = statement["result"]["response"]
        assert (node_id, response) in choices
        assert statement["result"]["extensions"][f"{HOME}/xapi/extensions/choice-text"] == choices[(node_id, response)]
        definition = statement["object"]["definition"]
        if "choices" in definition:  # the decision's definition: every choice by id, with its words
            assert definition["choices"] == [{"id": c.id, "description": {"en-US": c.say}}
                                             for c in SCENARIO.node(node_id).choices]  # type: ignore[union-attr]
    opening = {s["actor"]["account"]["name"]: s["result"]["response"] for s in found
               if s["object"]["id"].endswith(f"/decisions/{OPENING.id}")}
    assert opening == {"ana": clicks["ana"][0][1], "abe": clicks["abe"][0][1]}
