"""Path analysis of a valid scenario: every complete way through it, scored, within set limits."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from elearn.course.graph import State, transitions
from elearn.course.schema import RATING_CREDIT, Scenario
from elearn.course.yamlsource import YamlDocument
from elearn.errors import Problem

PATH_LIMIT = 100_000
"""Path enumeration stops after this many complete paths (the figures then say "at least")."""
DEPTH_LIMIT = 200
"""No path longer than this many choices is followed (loops that lower anger are finite but long)."""
FOLLOW_LIMIT = 200_000
"""Path enumeration follows at most this many choices in all (under a second), so a scenario built
to have astronomically many paths, every one of them long, cannot hang the checker or the app. The
largest shipped scenario needs about 11,000."""


class NoCompletePath(ValueError):
    """No path through the scenario reaches an ending within ``DEPTH_LIMIT`` answers (and ``FOLLOW_LIMIT``)."""



@dataclass(frozen=True)
class PathStep:
    node_id: str
    choice_id: str
    anger_before: int
    anger_after: int
    evidence: tuple[tuple[str, str], ...] = ()
    """(skill id, rating) pairs of the choice, as the scenario rates it."""


@dataclass(frozen=True)
class ScenarioPath:
    """A complete way through a scenario, from the start to ``ending_id``."""

    steps: tuple[PathStep, ...]
    ending_id: str
    score: float
    """Average evidence credit along the path, 0-100 (see ``score_evidence``)."""


@dataclass(frozen=True)
class ScenarioAnalysis:
    """Figures derived from a valid scenario by enumerating its paths."""

    scenario_id: str
    nodes: int
    endings: int
    paths: int
    complete: bool
    """False if enumeration stopped at ``PATH_LIMIT`` or ``FOLLOW_LIMIT``: ``paths`` is then a lower bound."""
    shortest: int
    longest: int
    best: ScenarioPath
    worst: ScenarioPath
    skills: tuple[str, ...]
    lowest_success: ScenarioPath | None = None
    """The lowest-scoring path that reaches a successful ending (None if no path does)."""

    @property
    def min_score(self) -> float:
        return self.worst.score

    @property
    def max_score(self) -> float:
        return self.best.score


def score_evidence(ratings: list[str]) -> float:
    """Average credit of a list of ratings as a percentage (good 1, partial 0.5, poor 0); 0 if empty."""
    if not ratings:
        return 0.0
    return round(100 * sum(RATING_CREDIT[r] for r in ratings) / len(ratings), 1)


@dataclass
class Walked:
    """What a ``walk_paths`` walk covered: complete paths yielded and choices followed."""

    paths: int = 0
    followed: int = 0

    @property
    def truncated(self) -> bool:
        """True if the walk stopped at a limit: the paths seen are then some of them, not all."""
        return self.paths >= PATH_LIMIT or self.followed >= FOLLOW_LIMIT


def walk_paths(scenario: Scenario, walked: Walked | None = None) -> Iterator[tuple[tuple[PathStep, ...], str]]:
    """Every complete path (simple in the state space) as (steps, ending id), depth first, in choice order.

    Stops after ``PATH_LIMIT`` paths or ``FOLLOW_LIMIT`` choices followed, and does not follow paths
    longer than ``DEPTH_LIMIT``. Needs a scenario that passed ``structure_problems`` and
    ``reachability_problems``. Pass ``walked`` to learn whether a limit cut the walk short.
    """
    steps: list[PathStep] = []
    on_path: set[State] = set()
    tally = walked if walked is not None else Walked()

    def walk(node_id: str, anger: int) -> Iterator[tuple[tuple[PathStep, ...], str]]:
        if len(steps) >= DEPTH_LIMIT:
            return
        state = (node_id, anger)
        on_path.add(state)
        for choice, after, target in transitions(scenario, node_id, anger):
            if tally.truncated:
                break
            tally.followed += 1
            steps.append(PathStep(node_id, choice.id, anger, after, tuple(choice.evidence.items())))
            if scenario.node(target) is None:
                tally.paths += 1
                yield tuple(steps), target
            elif (target, after) not in on_path:
                yield from walk(target, after)
            steps.pop()
        on_path.discard(state)

    yield from walk(scenario.start, scenario.start_anger)


def analyse(scenario: Scenario) -> ScenarioAnalysis:
    """Enumerate the scenario's paths (``walk_paths``) and derive its figures.

    The best path has the highest score, then the fewest steps, then the first choice ids in
    order; the worst (and the lowest-scoring successful one) the lowest score, then the fewest steps.
    Raises ``NoCompletePath`` if no path ends within the limits (``path_problems`` reports it).
    """
    count = 0
    shortest, longest = DEPTH_LIMIT, 0
    best: tuple[tuple[float, int, tuple[str, ...]], ScenarioPath] | None = None
    worst: tuple[tuple[float, int, tuple[str, ...]], ScenarioPath] | None = None
    lowest_success: tuple[tuple[float, int, tuple[str, ...]], ScenarioPath] | None = None
    walked = Walked()
    for steps, ending_id in walk_paths(scenario, walked):
        count += 1
        score = score_evidence([rating for step in steps for _, rating in step.evidence])
        shortest, longest = min(shortest, len(steps)), max(longest, len(steps))
        ids = tuple(step.choice_id for step in steps)
        low_key, path = (score, len(steps), ids), ScenarioPath(steps, ending_id, score)
        if best is None or (-score, len(steps), ids) < (-best[0][0], best[0][1], best[0][2]):
            best = (low_key, path)
        if worst is None or low_key < worst[0]:
            worst = (low_key, path)
        ending = scenario.ending(ending_id)
        if ending is not None and ending.successful and (lowest_success is None or low_key < lowest_success[0]):
            lowest_success = (low_key, path)
    if best is None or worst is None:
        raise NoCompletePath(scenario.id)
    return ScenarioAnalysis(
        scenario_id=scenario.id, nodes=len(scenario.nodes), endings=len(scenario.endings), paths=count,
        complete=not walked.truncated, shortest=shortest, longest=longest, best=best[1], worst=worst[1],
        skills=scenario.skills, lowest_success=lowest_success[1] if lowest_success else None,
    )


def path_problems(scenario: Scenario, doc: YamlDocument) -> tuple[ScenarioAnalysis | None, list[Problem]]:
    """The scenario's analysis, or a located problem when no path reaches an ending within the limits."""
    try:
        return analyse(scenario), []
    except NoCompletePath:
        return None, [doc.problem(
            ("start",), "no-path-in-reach",
            f"No way through this scenario reaches an ending within {DEPTH_LIMIT} answers (the checker follows at "
            f"most {FOLLOW_LIMIT:,} choices in all).",
            "Give the conversation a way to an ending in fewer decisions: even a capstone needs no more than 20.",
        )]
