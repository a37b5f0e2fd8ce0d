"""The scenario engine: an immutable run through a branching conversation.

    run = start(scenario, seed=1234)
    run.choices_shown()                   # the current decision's choices, in this attempt's order
    run = choose(run, "acknowledge")     # a new run; the old one is unchanged
    run = rewind(run)                     # step back to learn; the first answer still counts
    run.ended, run.ending, run.anger, run.path, run.score

Every answer is kept in ``run.log`` (rewound ones too) with a ``first_attempt`` flag: the first
answer a learner gives at a decision is the evidence for their skills; later answers after a
rewind are practice. A run serialises to JSON with its scenario's id and version; reading it
back against a scenario that has changed raises ``StaleRunError`` instead of misbehaving.

Each run carries a ``seed`` that fixes the order its choices are shown in (``display_order``):
the same run shows the same order after a reload, a resume or a rewind, and a new attempt (a
new seed) shows a new one, so the best answer cannot be found by its place in the list.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass, replace
from typing import Any

from elearn.course.graph import clamp_anger
from elearn.course.paths import score_evidence
from elearn.course.schema import Choice, Ending, Node, Scenario
from elearn.errors import RunError, StaleRunError

RUN_FORMAT = 1


@dataclass(frozen=True)
class Step:
    """One answer: at ``node_id`` the learner chose ``choice_id``; the anger moved; it led on to ``leads_to``."""

    node_id: str
    choice_id: str
    anger_before: int
    anger_after: int
    leads_to: str
    evidence: tuple[tuple[str, str], ...]
    """(skill id, rating) pairs, as the scenario rated this choice."""
    first_attempt: bool
    """True for the first answer the learner gave at this node in this run."""
    attempt: int
    """1 for the first answer at this node in this run, 2 for the next after a rewind, ..."""


@dataclass(frozen=True)
class ScenarioRun:
    """A learner's way through one scenario so far. Immutable: ``choose`` and ``rewind`` return new runs."""

    scenario: Scenario
    seed: int = 0
    """Fixes the order the choices are shown in; chosen at random when an attempt starts."""
    path: tuple[Step, ...] = ()
    """The conversation as it stands: the answers that led from the start to the current position."""
    log: tuple[Step, ...] = ()
    """Every answer given, in order, including those later rewound."""

    @property
    def position(self) -> str:
        """The id of the current node, or of the ending if the conversation is over."""
        return self.path[-1].leads_to if self.path else self.scenario.start

    @property
    def anger(self) -> int:
        """The customer's anger now, 0 (calm) to 100 (furious)."""
        return self.path[-1].anger_after if self.path else self.scenario.start_anger

    @property
    def mood(self) -> str:
        """The anger now in a word (``mood_of``)."""
        return mood_of(self.anger)

    @property
    def last_change(self) -> int:
        """How much the last answer on the path moved the anger (0 before any answer)."""
        return self.path[-1].anger_after - self.path[-1].anger_before if self.path else 0

    @property
    def node(self) -> Node | None:
        """The decision the learner faces now (None once the conversation has ended)."""
        return self.scenario.node(self.position)

    @property
    def ending(self) -> Ending | None:
        return self.scenario.ending(self.position)

    def choices_shown(self, node: Node | None = None) -> tuple[Choice, ...]:
        """The choices of ``node`` (default: the current decision) in the order this run shows them."""
        node = node if node is not None else self.node
        return display_order(node, self.seed) if node is not None else ()

    @property
    def ended(self) -> bool:
        return self.ending is not None

    @property
    def can_rewind(self) -> bool:
        return bool(self.path)

    @property
    def anger_curve(self) -> list[int]:
        """The anger at the start and after each answer on the current path."""
        return [self.scenario.start_anger, *(step.anger_after for step in self.path)]

    @property
    def first_attempts(self) -> tuple[Step, ...]:
        """The answers that count as skill evidence: the first at each decision."""
        return tuple(step for step in self.log if step.first_attempt)

    @property
    def score(self) -> float:
        """Average credit of the first-attempt evidence, 0-100 (what this run shows about the learner)."""
        return score_evidence([rating for step in self.first_attempts for _, rating in step.evidence])

    def to_json(self) -> str:
        """Serialise for storage; ``from_json`` reads it back."""
        index = {id(step): i for i, step in enumerate(self.log)}
        return json.dumps({
            "format": RUN_FORMAT,
            "scenario_id": self.scenario.id,
            "scenario_version": self.scenario.version,
            "seed": self.seed,
            "log": [_step_to_dict(step) for step in self.log],
            "path": [index[id(step)] for step in self.path],
        }, separators=(",", ":"))


def mood_of(anger: int) -> str:
    """Anger in a word: calm (below 30), irritated (30 and up), angry (55 and up), furious (80 and up)."""
    return "furious" if anger >= 80 else "angry" if anger >= 55 else "irritated" if anger >= 30 else "calm"


def start(scenario: Scenario, seed: int = 0) -> ScenarioRun:
    """A new run at the scenario's first node, at its starting anger, showing choices in ``seed``'s order.

    Callers that start a real attempt pass a fresh random seed (``new_seed``); tests pass a fixed one.
    """
    return ScenarioRun(scenario=scenario, seed=seed)


def new_seed() -> int:
    """A seed for a new attempt or room: unpredictable, so no two attempts share an order by design."""
    return random.SystemRandom().randrange(1, 2**31)


def display_order(node: Node, seed: int) -> tuple[Choice, ...]:
    """``node``'s choices in the order ``seed`` gives, with ``pin: last`` options kept at the end.

    Deterministic: the same seed and node always give the same order. Seeds come in blocks of as
    many seeds as the node has orders (24 for four choices): within a block each seed shows a
    different order, so attempts whose seeds are neighbours (consecutive attempt ids) never share
    one; each block lists the orders in a sequence of its own, so orders at different decisions
    of one attempt are not tied to each other.
    """
    free = [choice for choice in node.choices if choice.pin != "last"]
    orders = list(itertools.permutations(free))
    block, offset = divmod(seed, len(orders))
    random.Random(f"{block}:{node.id}").shuffle(orders)  # noqa: S311 - an order to show, not a secret
    return (*orders[offset], *(choice for choice in node.choices if choice.pin == "last"))


def choose(run: ScenarioRun, choice_id: str) -> ScenarioRun:
    """Answer the current decision with ``choice_id``; raises ``RunError`` if that is not possible."""
    node = run.node
    if node is None:
        raise RunError("This conversation has already ended. Rewind a step or start again.")
    choice = node.choice(choice_id)
    if choice is None:
        known = ", ".join(c.id for c in node.choices)
        raise RunError(f"'{choice_id}' is not one of the choices here ({known}).")
    after = clamp_anger(run.anger + choice.anger)
    earlier = sum(1 for step in run.log if step.node_id == node.id)
    step = Step(
        node_id=node.id, choice_id=choice.id, anger_before=run.anger, anger_after=after,
        leads_to=choice.target(after), evidence=tuple(choice.evidence.items()),
        first_attempt=earlier == 0, attempt=earlier + 1,
    )
    return replace(run, path=(*run.path, step), log=(*run.log, step))


def rewind(run: ScenarioRun) -> ScenarioRun:
    """Take back the last answer on the path (it stays in the log, and still counts if it was first)."""
    if not run.path:
        raise RunError("There is nothing to rewind: this is the start of the conversation.")
    return replace(run, path=run.path[:-1])


def from_json(text: str, scenario: Scenario) -> ScenarioRun:
    """Read a run saved by ``ScenarioRun.to_json`` and check it still fits ``scenario``.

    Raises ``StaleRunError`` (with a message for the learner) if the scenario's version has
    changed, or if the saved answers no longer fit it; the learner then starts the scenario again.
    """
    try:
        data = json.loads(text)
        if data.get("format") != RUN_FORMAT or data.get("scenario_id") != scenario.id:
            raise StaleRunError("Your saved progress in this scenario cannot be read, so it starts again.")
        if data.get("scenario_version") != scenario.version:
            raise StaleRunError(
                f"'{scenario.title}' has been updated since you started it (version {data.get('scenario_version')} "
                f"→ {scenario.version}), so it starts again. Your earlier answers still count towards your skills."
            )
        log = tuple(_step_from_dict(item) for item in data["log"])
        path = tuple(log[i] for i in data["path"])
        seed = int(data.get("seed", 0))  # runs saved before choices were shuffled have none
    except StaleRunError:
        raise
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise StaleRunError("Your saved progress in this scenario cannot be read, so it starts again.") from exc
    run = ScenarioRun(scenario=scenario, seed=seed, path=path, log=log)
    _check_fits(run)
    return run


def _check_fits(run: ScenarioRun) -> None:
    """Replay the path against the scenario; every step must be a move the scenario allows."""
    replay = start(run.scenario, run.seed)
    for step in run.path:
        try:
            again = choose(replay, step.choice_id)
        except RunError as exc:
            raise StaleRunError("This scenario has changed since you saved your progress, so it starts again.") from exc
        if step.node_id != replay.position or again.path[-1].leads_to != step.leads_to \
                or again.anger != step.anger_after:
            raise StaleRunError("This scenario has changed since you saved your progress, so it starts again.")
        replay = again


def _step_to_dict(step: Step) -> dict[str, Any]:
    return {
        "node": step.node_id, "choice": step.choice_id, "anger_before": step.anger_before,
        "anger_after": step.anger_after, "to": step.leads_to, "evidence": dict(step.evidence),
        "first": step.first_attempt, "attempt": step.attempt,
    }


def _step_from_dict(item: dict[str, Any]) -> Step:
    evidence = item["evidence"]
    if not isinstance(evidence, dict):
        raise TypeError("evidence must be a mapping")
    return Step(
        node_id=str(item["node"]), choice_id=str(item["choice"]), anger_before=int(item["anger_before"]),
        anger_after=int(item["anger_after"]), leads_to=str(item["to"]),
        evidence=tuple((str(k), str(v)) for k, v in evidence.items()),
        first_attempt=bool(item["first"]), attempt=int(item["attempt"]),
    )
