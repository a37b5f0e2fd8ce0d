"""The scenario engine on the fixture course's 'outage' scenario.

The scenario: 'opening' (anger 70) -> acknowledge (-15) -> 'options'; policy (+15) routes on
the anger after it: >= 80 -> 'wants-manager', otherwise 'options'.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from elearn.course.catalogue import load_course
from elearn.course.paths import analyse
from elearn.course.schema import Choice, Node, Scenario
from elearn.errors import RunError, StaleRunError
from elearn.play.engine import ScenarioRun, choose, display_order, from_json, mood_of, rewind, start

from .conftest import FIXTURES


@pytest.fixture(scope="module")
def outage() -> Scenario:
    scenario = load_course(FIXTURES / "course").scenario("outage")
    assert scenario is not None
    return scenario


def play(scenario: Scenario, *choices: str) -> ScenarioRun:
    run = start(scenario)
    for choice in choices:
        run = choose(run, choice)
    return run


def test_start(outage: Scenario) -> None:
    run = start(outage)
    assert (run.position, run.anger, run.ended, run.path, run.log) == ("opening", 70, False, (), ())
    assert run.node is not None
    assert [c.id for c in run.node.choices] == ["acknowledge", "policy"]


def test_choose_moves_anger_and_branches(outage: Scenario) -> None:
    run = play(outage, "acknowledge", "engineer")
    assert run.position == "confirm"
    assert run.anger == 30
    assert run.anger_curve == [70, 55, 30]
    step = run.path[0]
    assert (step.node_id, step.choice_id, step.anger_before, step.anger_after, step.leads_to) == (
        "opening", "acknowledge", 70, 55, "options")
    assert step.evidence == (("empathy", "good"),)


def test_mood_and_last_change_follow_the_anger(outage: Scenario) -> None:
    assert (start(outage).mood, start(outage).last_change) == ("angry", 0)  # 70 at the start
    assert (play(outage, "acknowledge").mood, play(outage, "acknowledge").last_change) == ("angry", -15)  # 55
    assert (play(outage, "acknowledge", "engineer").mood, play(outage, "acknowledge", "engineer").last_change) == (
        "irritated", -25)  # 30


@pytest.mark.parametrize(("anger", "word"), [(0, "calm"), (29, "calm"), (30, "irritated"), (54, "irritated"),
                                             (55, "angry"), (79, "angry"), (80, "furious"), (100, "furious")])
def test_mood_words_and_their_thresholds(anger: int, word: str) -> None:
    assert mood_of(anger) == word


def test_choose_does_not_change_the_old_run(outage: Scenario) -> None:
    before = start(outage)
    after = choose(before, "acknowledge")
    assert before.path == ()
    assert after.path != ()


def test_reaching_an_ending(outage: Scenario) -> None:
    run = play(outage, "acknowledge", "engineer", "promise")
    assert run.ended
    assert run.ending is not None
    assert run.ending.outcome == "resolved"
    assert run.node is None
    assert run.score == 100.0
    with pytest.raises(RunError, match="already ended"):
        choose(run, "promise")


def test_routing_uses_the_anger_after_the_choice(outage: Scenario) -> None:
    # 70 + 15 = 85 >= 80: the customer demands a manager.
    assert play(outage, "policy").position == "wants-manager"


def test_routing_takes_the_otherwise_branch_below_the_threshold(outage: Scenario) -> None:
    calmer = outage.model_copy(update={"start_anger": 50})
    calmer.model_post_init(None)
    # 50 + 15 = 65 < 80: otherwise branch.
    assert play(calmer, "policy").position == "options"


def test_anger_is_clamped(outage: Scenario) -> None:
    furious = outage.model_copy(update={"start_anger": 95})
    furious.model_post_init(None)
    run = play(furious, "policy", "refuse")
    assert run.anger_curve == [95, 100, 100]


def test_unknown_choice_is_refused_with_the_options(outage: Scenario) -> None:
    with pytest.raises(RunError, match=r"'hang-up' is not one of the choices here \(acknowledge, policy\)"):
        choose(start(outage), "hang-up")


def test_rewind_returns_to_the_decision_and_the_first_answer_still_counts(outage: Scenario) -> None:
    run = play(outage, "acknowledge", "restart")
    assert run.ending is not None
    assert run.ending.id == "lost"
    run = rewind(run)
    assert (run.position, run.anger) == ("options", 55)
    run = choose(run, "engineer")
    run = choose(run, "promise")
    assert run.ending is not None
    assert run.ending.id == "fixed"
    assert [s.choice_id for s in run.path] == ["acknowledge", "engineer", "promise"]
    assert [(s.choice_id, s.first_attempt, s.attempt) for s in run.log] == [
        ("acknowledge", True, 1), ("restart", True, 1), ("engineer", False, 2), ("promise", True, 1)]
    # Evidence comes from first attempts: the rewound 'restart' counts, the retried 'engineer' does not.
    assert [s.choice_id for s in run.first_attempts] == ["acknowledge", "restart", "promise"]
    # acknowledge: empathy good (1); restart: empathy poor (0), solutions partial (0.5); promise: good (1).
    assert run.score == 62.5


def test_rewind_at_the_start_is_refused(outage: Scenario) -> None:
    with pytest.raises(RunError, match="nothing to rewind"):
        rewind(start(outage))


def test_rewind_after_the_ending(outage: Scenario) -> None:
    run = rewind(play(outage, "policy", "refuse"))
    assert (run.position, run.ended, run.anger) == ("wants-manager", False, 85)


def test_json_round_trip_resumes_exactly(outage: Scenario) -> None:
    run = rewind(play(outage, "acknowledge", "restart"))
    again = from_json(run.to_json(), outage)
    assert again == run
    assert (again.position, again.anger) == ("options", 55)
    resumed = choose(again, "engineer")
    assert resumed.path[-1].first_attempt is False


def test_json_carries_scenario_id_and_version(outage: Scenario) -> None:
    data = json.loads(play(outage, "acknowledge").to_json())
    assert (data["scenario_id"], data["scenario_version"], data["format"]) == ("outage", 1, 1)


def test_version_change_is_detected(outage: Scenario) -> None:
    saved = play(outage, "acknowledge").to_json()
    newer = outage.model_copy(update={"version": 2})
    with pytest.raises(StaleRunError, match=r"'Third outage' has been updated since you started it \(version 1 → 2\)"):
        from_json(saved, newer)


def test_changed_scenario_with_the_same_version_is_detected(outage: Scenario) -> None:
    saved = play(outage, "acknowledge").to_json()
    changed = outage.model_copy(update={"start_anger": 40})
    changed.model_post_init(None)
    with pytest.raises(StaleRunError, match="has changed since you saved"):
        from_json(saved, changed)


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"format": 1}', '{"format": 1, "scenario_id": "outage", '
                                  '"scenario_version": 1, "log": [{"node": "opening"}], "path": [0]}',
                                  '{"format": 1, "scenario_id": "outage", "scenario_version": 1, "log": [], '
                                  '"path": [3]}'])
def test_unreadable_saved_runs_are_stale_not_crashes(outage: Scenario, text: str) -> None:
    with pytest.raises(StaleRunError):
        from_json(text, outage)


def test_best_path_is_derived(outage: Scenario) -> None:
    best = analyse(outage).best
    assert [s.choice_id for s in best.steps] == ["acknowledge", "engineer", "promise"]
    assert best.ending_id == "fixed"


# --- the order choices are shown in ------------------------------------------------------------

def _node(choice_ids: list[str], pinned: str | None = None) -> Node:
    return Node(id="n", customer="Where is my parcel?", choices=[
        Choice(id=cid, say=f"Say {cid}", feedback="Why.", evidence={"empathy": "good"}, anger=0, next="end",
               pin="last" if cid == pinned else None)
        for cid in choice_ids])


def test_the_same_seed_always_gives_the_same_order() -> None:
    node = _node(["a", "b", "c", "d"])
    assert [c.id for c in display_order(node, 7)] == [c.id for c in display_order(node, 7)]
    assert sorted(c.id for c in display_order(node, 7)) == ["a", "b", "c", "d"]


def test_seeds_within_one_block_of_orders_never_share_an_order() -> None:
    node = _node(["a", "b", "c", "d"])
    for block in (0, 1, 7):
        orders = {tuple(c.id for c in display_order(node, seed)) for seed in range(24 * block, 24 * block + 24)}
        assert len(orders) == 24  # every one of the 4! orders, once each
    assert display_order(node, 1) != display_order(node, 2)  # the first two attempts of a new course


def test_orders_spread_the_first_authored_choice_over_every_place() -> None:
    node = _node(["a", "b", "c", "d"])
    places = Counter([c.id for c in display_order(node, seed)].index("a") for seed in range(240))
    assert places == {0: 60, 1: 60, 2: 60, 3: 60}


def test_a_pinned_choice_stays_last_whatever_the_seed() -> None:
    node = _node(["a", "say-nothing", "b", "c"], pinned="say-nothing")
    for seed in range(30):
        assert display_order(node, seed)[-1].id == "say-nothing"
    assert len({tuple(c.id for c in display_order(node, seed)) for seed in range(6)}) == 6  # 3! orders


def test_two_decisions_of_one_attempt_are_ordered_independently() -> None:
    first, second = _node(["a", "b", "c"]), _node(["a", "b", "c"]).model_copy(update={"id": "m"})
    pairs = Counter((display_order(first, seed)[0].id, display_order(second, seed)[0].id) for seed in range(600))
    assert len(pairs) == 9  # every combination of first answers occurs, not just three


def test_the_run_keeps_its_order_through_answers_rewinds_and_json(outage: Scenario) -> None:
    run = start(outage, seed=5)
    shown = run.choices_shown()
    assert shown == display_order(outage.node("opening"), 5)  # type: ignore[arg-type]
    back = rewind(choose(run, "acknowledge"))
    assert back.choices_shown() == shown
    again = from_json(choose(run, "acknowledge").to_json(), outage)
    assert again.seed == 5
    assert rewind(again).choices_shown() == shown


def test_a_run_saved_before_shuffling_reads_with_seed_zero(outage: Scenario) -> None:
    saved = json.loads(start(outage, seed=9).to_json())
    del saved["seed"]
    assert from_json(json.dumps(saved), outage).seed == 0
