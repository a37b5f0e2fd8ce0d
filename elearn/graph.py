"""Graph checks and path analysis of a scenario.

A conversation's state is the pair (node, anger): routing depends on the anger after each
choice, so two visits to the same node can go different ways. Anger is clamped to 0-100, so
the state space is finite (at most 101 states a node) and the checks below are exact: a route
whose condition can never hold really makes its target unreachable.

The structural checks (ids, targets) must pass before the state-space checks run, and those
must pass before ``analyse`` enumerates paths; ``elearn.catalogue`` calls them in that order.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass

from elearn.errors import Problem, did_you_mean
from elearn.schema import RATING_CREDIT, Choice, Scenario
from elearn.yamlsource import YamlDocument

ANGER_MIN, ANGER_MAX = 0, 100
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

State = tuple[str, int]


def clamp_anger(anger: int) -> int:
    return max(ANGER_MIN, min(ANGER_MAX, anger))


def transitions(scenario: Scenario, node_id: str, anger: int) -> Iterator[tuple[Choice, int, str]]:
    """Yield (choice, anger after it, where it leads) for every choice at ``node_id``."""
    node = scenario.node(node_id)
    assert node is not None, node_id
    for choice in node.choices:
        after = clamp_anger(anger + choice.anger)
        yield choice, after, choice.target(after)


# --- structure -----------------------------------------------------------------------------

def structure_problems(scenario: Scenario, doc: YamlDocument) -> list[Problem]:
    """Ids unique, start and every target exist, at least two endings."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    ids = [("node", "nodes", i, node.id) for i, node in enumerate(scenario.nodes)]
    ids += [("ending", "endings", i, ending.id) for i, ending in enumerate(scenario.endings)]
    for kind, key, index, item_id in ids:
        if item_id in seen:
            problems.append(doc.problem(
                (key, index, "id"), "duplicate-id",
                f"The {kind} id '{item_id}' is already used by a {seen[item_id]} in this scenario.",
                "Node and ending ids must be unique within a scenario: rename one of them.",
            ))
        else:
            seen[item_id] = kind
    for n, node in enumerate(scenario.nodes):
        choice_ids: set[str] = set()
        for c, choice in enumerate(node.choices):
            if choice.id in choice_ids:
                problems.append(doc.problem(
                    ("nodes", n, "choices", c, "id"), "duplicate-id",
                    f"Choice id '{choice.id}' appears twice in node '{node.id}'.",
                    "Choice ids must be unique within their node.",
                ))
            choice_ids.add(choice.id)
            problems += _target_problems(scenario, doc, n, c, choice, seen)
    if scenario.start not in seen:
        problems.append(doc.problem(
            ("start",), "missing-target", f"The start node '{scenario.start}' does not exist.",
            did_you_mean(scenario.start, [n.id for n in scenario.nodes]),
        ))
    elif scenario.ending(scenario.start) is not None and scenario.node(scenario.start) is None:
        problems.append(doc.problem(
            ("start",), "missing-target", f"The scenario starts at an ending ('{scenario.start}').",
            "Point 'start' at the first node of the conversation.",
        ))
    if len(scenario.endings) < 2:
        problems.append(doc.problem(
            ("endings",), "too-few-endings",
            f"The scenario has {len(scenario.endings)} ending; it needs at least two.",
            "Add the ending a learner reaches when the conversation goes wrong, so choices have consequences.",
        ))
    return problems


def _target_problems(scenario: Scenario, doc: YamlDocument, n: int, c: int, choice: Choice,
                     known: dict[str, str]) -> list[Problem]:
    node_id = scenario.nodes[n].id
    places: list[tuple[tuple[str | int, ...], str]] = []
    if choice.branch is not None:
        places = [(("nodes", n, "choices", c, "branch", r, "next"), route.next)
                  for r, route in enumerate(choice.branch)]
    elif choice.next is not None:
        places = [(("nodes", n, "choices", c, "next"), choice.next)]
    problems = []
    for path, target in places:
        if target not in known:
            problems.append(doc.problem(
                path, "missing-target",
                f"Choice '{choice.id}' in node '{node_id}' goes to '{target}', which is neither a node nor an ending.",
                did_you_mean(target, known),
            ))
    return problems


# --- state space ---------------------------------------------------------------------------

def _explore(scenario: Scenario) -> tuple[set[State], dict[State, set[State]], set[State], set[str]]:
    """Breadth-first search of the states reachable from the start.

    Returns the reachable node states, their successor states (node states only), the states
    with a choice that ends the conversation, and the ids of the endings reached.
    """
    start: State = (scenario.start, scenario.start_anger)
    reachable = {start}
    successors: dict[State, set[State]] = defaultdict(set)
    finishing: set[State] = set()
    endings_reached: set[str] = set()
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for _choice, after, target in transitions(scenario, *state):
            if scenario.node(target) is None:
                finishing.add(state)
                endings_reached.add(target)
                continue
            nxt = (target, after)
            successors[state].add(nxt)
            if nxt not in reachable:
                reachable.add(nxt)
                queue.append(nxt)
    return reachable, successors, finishing, endings_reached


def reachability_problems(scenario: Scenario, doc: YamlDocument) -> list[Problem]:
    """Unreachable nodes and endings, nodes that cannot reach an ending, loops with no way out."""
    reachable, successors, finishing, endings_reached = _explore(scenario)
    problems: list[Problem] = []
    reached_nodes = {node for node, _ in reachable}
    for index, node in enumerate(scenario.nodes):
        if node.id not in reached_nodes:
            problems.append(doc.problem(("nodes", index, "id"), "unreachable", f"Node '{node.id}' can never be reached "
                                        f"from the start node '{scenario.start}'.", _why_unreached(scenario, node.id)))
    for index, ending in enumerate(scenario.endings):
        if ending.id not in endings_reached:
            problems.append(doc.problem(("endings", index, "id"), "unreachable", f"Ending '{ending.id}' can never be "
                                        "reached.", _why_unreached(scenario, ending.id)))

    predecessors: dict[State, set[State]] = defaultdict(set)
    for state, nexts in successors.items():
        for nxt in nexts:
            predecessors[nxt].add(state)
    can_finish = set(finishing)
    queue = deque(finishing)
    while queue:
        for before in predecessors[queue.popleft()]:
            if before not in can_finish:
                can_finish.add(before)
                queue.append(before)
    trapped = reachable - can_finish
    if trapped:
        problems += _trap_problems(scenario, doc, trapped, successors)
    return problems


def _why_unreached(scenario: Scenario, target: str) -> str:
    for node in scenario.nodes:
        for choice in node.choices:
            if target in choice.targets:
                return ("Choices lead here only through anger conditions that never hold on the way: check the "
                        f"'branch' of choice '{choice.id}' in node '{node.id}'.")
    return "No choice leads here: point a choice's 'next' at it, or remove it."


def _trap_problems(scenario: Scenario, doc: YamlDocument, trapped: set[State],
                   successors: dict[State, set[State]]) -> list[Problem]:
    trap_nodes = {node for node, _ in trapped}
    edges: dict[str, set[str]] = defaultdict(set)
    for state in trapped:
        edges[state[0]].update(node for node, _ in successors[state] if node in trap_nodes)
    loop = _find_loop(edges, sorted(trap_nodes))
    problems: list[Problem] = []
    index = {node.id: i for i, node in enumerate(scenario.nodes)}
    if loop:
        shown = " → ".join(f"'{n}'" for n in [*loop, loop[0]])
        problems.append(doc.problem(
            ("nodes", index[loop[0]], "id"), "loop-without-exit",
            f"Nodes {shown} form a loop with no way out: no choice on it ever leads to an ending.",
            "Give one of these nodes a choice that leads towards an ending.",
        ))
    for node_id in sorted(trap_nodes - set(loop)):
        angers = sorted(anger for node, anger in trapped if node == node_id)
        span = f"{angers[0]}" if angers[0] == angers[-1] else f"{angers[0]}–{angers[-1]}"
        when = "" if len(angers) > 50 else f" (at anger {span})"
        problems.append(doc.problem(
            ("nodes", index[node_id], "id"), "dead-end",
            f"No ending can be reached from node '{node_id}'{when}: every way on leads into a loop.",
            "Make sure some choice from here leads, directly or through other nodes, to an ending.",
        ))
    return problems


def _find_loop(edges: dict[str, set[str]], nodes: list[str]) -> list[str]:
    """Return one cycle in ``edges`` as a list of nodes, or [] if there is none.

    Depth first with an explicit stack, so a scenario of thousands of nodes cannot exhaust
    Python's recursion limit.
    """
    colour: dict[str, int] = {}
    for root in nodes:
        if root in colour:
            continue
        path: list[str] = [root]
        pending: list[Iterator[str]] = [iter(sorted(edges.get(root, ())))]
        colour[root] = 1
        while pending:
            nxt = next(pending[-1], None)
            if nxt is None:
                colour[path.pop()] = 2
                pending.pop()
            elif colour.get(nxt) == 1:
                return path[path.index(nxt):]
            elif nxt not in colour:
                colour[nxt] = 1
                path.append(nxt)
                pending.append(iter(sorted(edges.get(nxt, ()))))
    return []


# --- paths ---------------------------------------------------------------------------------

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
