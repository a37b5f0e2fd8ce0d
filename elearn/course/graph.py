"""Traversal of a scenario's state space: the moves from a state, everything reachable, loops.

A conversation's state is the pair (node, anger): routing depends on the anger after each
choice, so two visits to the same node can go different ways. Anger is clamped to 0-100, so
the state space is finite (at most 101 states a node) and every check built on it is exact: a
route whose condition can never hold really makes its target unreachable.
``elearn.course.structure`` turns these facts into author messages; ``elearn.course.paths``
enumerates the complete paths.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator

from elearn.course.schema import Choice, Scenario

ANGER_MIN, ANGER_MAX = 0, 100

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


def explore(scenario: Scenario) -> tuple[set[State], dict[State, set[State]], set[State], set[str]]:
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


def find_loop(edges: dict[str, set[str]], nodes: list[str]) -> list[str]:
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
