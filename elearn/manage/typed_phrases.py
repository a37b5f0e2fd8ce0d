"""The Answers view's typed replies: per decision, the inflaming phrases a team typed most often.

Read from the replies learners typed in "Say it your way" (``elearn.store.scenario_replies``,
already limited to the manager's scope) against the course's rubric, at read time: a better
rubric changes the counts for past replies too. Each phrase counts once per reply.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from elearn.course.rubric import Rubric
from elearn.course.schema import Scenario
from elearn.play.own_words import notice
from elearn.store.replies import TypedReply

TOP = 5
"""How many phrases each decision lists."""


@dataclass(frozen=True)
class TypedPhrase:
    phrase_id: str
    replies: int
    words: str
    """The matched words as most often typed (lower case), e.g. "calm down"."""
    lesson: str


@dataclass(frozen=True)
class DecisionPhrases:
    node_id: str
    customer: str
    replies: int
    inflaming: tuple[TypedPhrase, ...]


def inflaming_by_decision(rubric: Rubric, scenario: Scenario, replies: Iterable[TypedReply],
                          user_ids: frozenset[int] | None = None) -> tuple[DecisionPhrases, ...]:
    """Per decision of ``scenario`` (in the scenario's order), its typed replies and the top inflaming phrases.

    ``user_ids`` keeps only those learners' replies (the dashboard's team filter); None keeps all.
    """
    counted: dict[str, Counter[str]] = {}
    forms: dict[tuple[str, str], Counter[str]] = {}
    totals: Counter[str] = Counter()
    lessons: dict[str, str] = {}
    for reply in replies:
        if reply.scenario_id != scenario.id or (user_ids is not None and reply.user_id not in user_ids):
            continue
        totals[reply.node_id] += 1
        for hit in notice(rubric, scenario, reply.text).inflaming:
            counted.setdefault(reply.node_id, Counter())[hit.phrase.id] += 1
            forms.setdefault((reply.node_id, hit.phrase.id), Counter())[" ".join(hit.quoted.lower().split())] += 1
            lessons[hit.phrase.id] = hit.phrase.lesson
    found = []
    for node in scenario.nodes:
        if not totals[node.id]:
            continue
        top = tuple(TypedPhrase(phrase, count, forms[(node.id, phrase)].most_common(1)[0][0], lessons[phrase])
                    for phrase, count in counted.get(node.id, Counter()).most_common(TOP))
        found.append(DecisionPhrases(node.id, node.customer, totals[node.id], top))
    return tuple(found)
