"""Workshop fixtures: a database per test on SQLite and PostgreSQL (as in the store suite), a
facilitator, and the shipped course with a short way through one scenario."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from elearn.course.schema import Node, Scenario
from elearn.play.engine import ScenarioRun, choose, start
from elearn.store import Role, Store, User, create_user
from tests.browser.conftest import browser as browser  # the Chromium fixture, for this folder too
from tests.conftest import shipped_course
from tests.store.helpers import NOW, PASSWORD

COURSE = shipped_course()
SCENARIO = COURSE.scenarios[0]


def node_of(scenario: Scenario, node_id: str) -> Node:
    found = scenario.node(node_id)
    assert found is not None, node_id
    return found


FIRST = node_of(SCENARIO, SCENARIO.start)


def shortest_path(scenario: Scenario) -> list[tuple[str, str]]:
    """(node id, choice id) of a shortest way from the start to an ending (breadth first)."""
    frontier: list[ScenarioRun] = [start(scenario)]
    while frontier:
        following = []
        for run in frontier:
            node = run.node
            assert node is not None
            for choice in node.choices:
                after = choose(run, choice.id)
                if after.ended:
                    return [(step.node_id, step.choice_id) for step in after.path]
                following.append(after)
        frontier = following
    raise AssertionError(f"{scenario.id} has no ending")


SHORT = shortest_path(SCENARIO)


@dataclass(frozen=True)
class People:
    fran: User  # facilitator
    gus: User  # another facilitator
    lea: User  # a learner, no facilitator role


def make_people(store: Store) -> People:
    def person(name: str, *roles: Role) -> User:
        return create_user(store, username=name, display_name=name.title(), password=PASSWORD, now=NOW, roles=roles)

    return People(fran=person("fran", Role.FACILITATOR, Role.LEARNER), gus=person("gus", Role.FACILITATOR),
                  lea=person("lea", Role.LEARNER))


@pytest.fixture
def people(store: Store) -> People:
    return make_people(store)
