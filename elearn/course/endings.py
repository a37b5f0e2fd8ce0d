"""What an ending tells a learner about their path, and the checks that keep it true.

An ending's ``debrief`` is shown to everyone who reaches it, so it must hold for every path
there. ``notes`` add paragraphs for the paths they match ("You blamed the warehouse at first;
…"), and ``claims`` declare what the debrief asserts ("nobody was blamed"). ``ending_problems``
walks every path to each ending and reports, at the claim's line, any path that contradicts it,
with the answers that make up that path.

A path here is the conversation as it stood when it ended: the answers on it, not the ones a
learner rewound.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from elearn.course.paths import walk_paths
from elearn.course.schema import DebriefNote, Ending, PathCondition, Scenario
from elearn.course.yamlsource import YamlDocument
from elearn.errors import Problem, did_you_mean

AT_OR_BELOW = {"partial": frozenset({"partial", "poor"}), "poor": frozenset({"poor"})}
SHOWN_STEPS = 8
"""A contradicting path longer than this is shown by its first answers only."""


class TakenStep(Protocol):
    """One answer on a path: ``elearn.play.engine.Step`` and ``elearn.course.graph.PathStep`` both fit."""

    @property
    def choice_id(self) -> str: ...
    @property
    def evidence(self) -> tuple[tuple[str, str], ...]: ...


def holds(condition: PathCondition, path: Sequence[TakenStep]) -> bool:
    """True if every key of ``condition`` is true of ``path``."""
    chosen = {step.choice_id for step in path}
    ratings = [pair for step in path for pair in step.evidence]
    if condition.chose is not None and not chosen & set(condition.chose):
        return False
    if condition.never_chose is not None and chosen & set(condition.never_chose):
        return False
    rated = condition.rated or {}
    if not all(_rated(ratings, skill, level) for skill, level in rated.items()):
        return False
    return condition.never_rated is None or not any(
        _rated(ratings, skill, level) for skill, level in condition.never_rated.items())


def _rated(ratings: Iterable[tuple[str, str]], skill: str, level: str) -> bool:
    return any(rated_skill == skill and rating in AT_OR_BELOW[level] for rated_skill, rating in ratings)


def notes_for(ending: Ending, path: Sequence[TakenStep]) -> tuple[DebriefNote, ...]:
    """The ending's conditional paragraphs that apply to ``path``, in the order written."""
    return tuple(note for note in ending.notes if holds(note, path))


def debrief_for(ending: Ending, path: Sequence[TakenStep]) -> str:
    """The debrief this path earns: the ending's text, then each note that applies, as paragraphs."""
    return "\n\n".join([ending.debrief, *(note.text for note in notes_for(ending, path))])


# --- the checker ------------------------------------------------------------------------------

def ending_problems(scenario: Scenario, doc: YamlDocument) -> list[Problem]:
    """Unknown choice or skill ids in notes and claims, and every claim some path contradicts.

    Needs a scenario that passed the graph checks. Reports the first contradicting path found
    for each claim (paths are walked in choice order), so one slip gives one problem. Claims are
    proven over the paths the analysis walks (at most ``PATH_LIMIT``, like every path figure).
    """
    problems = _reference_problems(scenario, doc)
    if problems:
        return problems
    claimed = {ending.id: index for index, ending in enumerate(scenario.endings) if ending.claims}
    if not claimed:
        return []
    reported: set[tuple[str, int]] = set()
    for steps, ending_id in walk_paths(scenario):
        if ending_id not in claimed:
            continue
        index = claimed[ending_id]
        ending = scenario.endings[index]
        for c, claim in enumerate(ending.claims):
            if (ending_id, c) in reported or holds(claim, steps):
                continue
            reported.add((ending_id, c))
            problems.append(doc.problem(
                ("endings", index, "claims", c, "says"), "claim-contradicted",
                f"Ending '{ending_id}' claims \"{_excerpt(claim.says)}\", but the path {_describe(steps)} "
                f"reaches it and {_why_not(claim, steps)}.",
                "Reword the debrief so it holds for every path here, move that part into a note with a "
                "condition, or route that path to an ending of its own.",
            ))
    return sorted(problems)


def _reference_problems(scenario: Scenario, doc: YamlDocument) -> list[Problem]:
    choice_ids = {choice.id for node in scenario.nodes for choice in node.choices}
    skills = set(scenario.skills)
    problems: list[Problem] = []
    for e, ending in enumerate(scenario.endings):
        entries: list[tuple[str, int, PathCondition]] = [("notes", i, note) for i, note in enumerate(ending.notes)]
        entries += [("claims", i, claim) for i, claim in enumerate(ending.claims)]
        for key, i, condition in entries:
            for field in ("chose", "never_chose"):
                for j, choice_id in enumerate(getattr(condition, field) or ()):
                    if choice_id not in choice_ids:
                        problems.append(doc.problem(
                            ("endings", e, key, i, field, j), "unknown-choice",
                            f"Ending '{ending.id}' refers to choice '{choice_id}', which no node of this scenario has.",
                            did_you_mean(choice_id, choice_ids)))
            for field in ("rated", "never_rated"):
                for skill in getattr(condition, field) or {}:
                    if skill not in skills:
                        problems.append(doc.problem(
                            ("endings", e, key, i, field, skill), "unknown-skill",
                            f"Ending '{ending.id}' refers to skill '{skill}', which no choice of this scenario rates.",
                            did_you_mean(skill, skills) or f"Rated here: {', '.join(sorted(skills))}.", key=True))
    return problems


def _describe(steps: Sequence[TakenStep]) -> str:
    shown = " → ".join(f"'{step.choice_id}'" for step in steps[:SHOWN_STEPS])
    return shown + (f" → … ({len(steps)} answers)" if len(steps) > SHOWN_STEPS else "")


def _why_not(claim: PathCondition, steps: Sequence[TakenStep]) -> str:
    chosen = [step.choice_id for step in steps]
    ratings = [pair for step in steps for pair in step.evidence]
    if claim.chose is not None and not set(chosen) & set(claim.chose):
        return f"takes none of {_names(claim.chose)}"
    if claim.never_chose is not None and (taken := [c for c in chosen if c in claim.never_chose]):
        return f"takes '{taken[0]}'"
    for skill, level in (claim.rated or {}).items():
        if not _rated(ratings, skill, level):
            return f"never rates '{skill}' {level}{' or poor' if level == 'partial' else ''}"
    for skill, level in (claim.never_rated or {}).items():
        if _rated(ratings, skill, level):
            return f"rates '{skill}' {level}{' or poor' if level == 'partial' else ''}"
    return "does not meet the claim"  # pragma: no cover - holds() and this function agree


def _names(ids: Sequence[str]) -> str:
    return ", ".join(f"'{i}'" for i in ids)


def _excerpt(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

