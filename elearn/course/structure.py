"""Author messages about a scenario's shape: ids and targets, then what can and cannot be reached.

The structural checks (ids, targets) must pass before the state-space checks run, and those
must pass before ``elearn.course.paths`` enumerates paths; ``elearn.course.catalogue`` calls
them in that order.
"""

from __future__ import annotations

from collections import defaultdict, deque

from elearn.course.graph import State, explore, find_loop
from elearn.course.schema import Choice, Scenario
from elearn.course.yamlsource import YamlDocument
from elearn.errors import Problem, did_you_mean


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


def reachability_problems(scenario: Scenario, doc: YamlDocument) -> list[Problem]:
    """Unreachable nodes and endings, nodes that cannot reach an ending, loops with no way out."""
    reachable, successors, finishing, endings_reached = explore(scenario)
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
    loop = find_loop(edges, sorted(trap_nodes))
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
