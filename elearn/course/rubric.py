"""The rubric authors keep beside the lessons (``content/rubric.yaml``): phrases that inflame or help.

"Say it your way" (``elearn.play.own_words``) gives feedback on a learner's typed reply from
this file, never from phrases written into code. Each entry names the phrase's patterns (read
tolerantly by ``elearn.course.phrases``), whether it inflames or helps, the skills it bears on,
the lesson that teaches it and a short "we noticed" explanation. ``channels`` gives the length
a reply should stay within, in words, on each channel.

Checked like the rest of the course, every problem at file:line:column: the schema (unknown
keys, empty text), unknown skills and lessons, patterns with no words or an unknown ``{class}``,
repeated ids, and an inflaming pattern that matches what a good answer of the course says
(it would tell a learner off for the very words the course rates best). A bad entry skips only
itself; a file that cannot be read at all leaves the course with no rubric (the mode is off).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from elearn.course.phrases import Pattern, Reading, compile_pattern, tokens, unknown_classes
from elearn.course.schema import CHANNEL_LABELS, Channel, Scenario, Skill, Slug, Text, _Document
from elearn.course.validation import validate
from elearn.course.yamlsource import YamlDocument, read_yaml
from elearn.errors import Problem, did_you_mean, excerpt
from elearn.limits import ReadLimits

RUBRIC_FILE = "content/rubric.yaml"
Kind = Literal["inflaming", "helpful"]
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "sir", "madam"})


class PhraseEntry(_Document):
    """One entry of ``phrases:`` as written."""

    id: Slug
    kind: Kind
    patterns: list[str] = Field(min_length=1)
    skills: list[Slug] = Field(min_length=1)
    lesson: Slug
    noticed: Text


class ChannelNorms(_Document):
    """``channels:``: the most words a reply should take on each channel."""

    phone: int = Field(ge=5, le=1000)
    in_person: int = Field(ge=5, le=1000)
    chat: int = Field(ge=5, le=1000)
    email: int = Field(ge=5, le=1000)
    internal: int = Field(ge=5, le=1000)


@dataclass(frozen=True)
class Phrase:
    """A rubric phrase, its patterns compiled."""

    id: str
    kind: Kind
    patterns: tuple[Pattern, ...]
    skills: tuple[str, ...]
    lesson: str
    noticed: str

    @property
    def inflaming(self) -> bool:
        return self.kind == "inflaming"


@dataclass(frozen=True)
class Rubric:
    """The usable part of ``content/rubric.yaml``."""

    phrases: tuple[Phrase, ...]
    norms: Mapping[str, int]
    """Channel -> the most words a reply should take there."""

    def norm(self, channel: Channel) -> int:
        return self.norms[channel]


def customer_names(scenario: Scenario) -> tuple[str, ...]:
    """The words a learner may call the customer by (``{customer}``): the persona's names, not titles."""
    return tuple(t.word for t in tokens(scenario.persona.name) if t.word not in TITLES)


def load_rubric(text: str | None, limits: ReadLimits, skills: Mapping[str, Skill], lesson_ids: Iterable[str],
                scenarios: Iterable[Scenario]) -> tuple[Rubric | None, list[Problem]]:
    """Read and check the rubric (``text`` of ``RUBRIC_FILE``) against the course; None if unusable."""
    if text is None:
        return None, []
    doc = read_yaml(text, RUBRIC_FILE, limits=limits)
    problems = list(doc.problems)
    if doc.data is None or not isinstance(doc.data, dict):
        if doc.data is not None or not problems:
            problems.append(doc.problem((), "wrong-type", "The rubric must hold 'channels:' and a list under "
                                        "'phrases:'.", "See docs/authoring.md for an example."))
        return None, problems
    for extra in sorted(set(doc.data) - {"channels", "phrases"}, key=str):
        problems.append(doc.problem((extra,), "unknown-key", f"Unknown key '{excerpt(extra)}' at the top of the "
                                    "rubric.", did_you_mean(str(extra), ["channels", "phrases"]), key=True))
    norms, norm_problems = validate(doc, ChannelNorms, base=("channels",), what="'channels'") \
        if "channels" in doc.data else (None, [doc.problem((), "missing-field", "The rubric is missing 'channels:', "
                                                           "the most words a reply should take on each channel.",
                                                           f"Give each of: {', '.join(CHANNEL_LABELS)}.")])
    problems += norm_problems
    entries = doc.data.get("phrases")
    if not isinstance(entries, list):
        problems.append(doc.problem(("phrases",) if "phrases" in doc.data else (), "wrong-type",
                                    "The rubric must hold a list of phrases under 'phrases:'.",
                                    "See docs/authoring.md for an example."))
        return None, problems
    phrases = _phrases(doc, entries, skills, set(lesson_ids), problems)
    flagged = _flagged(phrases, scenarios)
    problems += [doc.problem(("phrases", index, "patterns"), "flags-good-answer", message,
                             "Make the pattern more specific, or check the answer's rating.")
                 for index, message in flagged]
    if norms is None:
        return None, problems
    bad = {index for index, _ in flagged}
    usable = tuple(phrase for index, phrase in phrases if index not in bad)
    return Rubric(usable, norms.model_dump()), problems


def _phrases(doc: YamlDocument, entries: list[object], skills: Mapping[str, Skill], lesson_ids: set[str],
             problems: list[Problem]) -> list[tuple[int, Phrase]]:
    found: list[tuple[int, Phrase]] = []
    seen: set[str] = set()
    for index, written in enumerate(entries):
        ident = written.get("id") if isinstance(written, dict) else None
        what = f"phrase '{excerpt(ident)}'" if isinstance(ident, str) else f"phrase {index + 1}"
        entry, entry_problems = validate(doc, PhraseEntry, base=("phrases", index), what=what)
        if entry is None:
            problems += entry_problems
            continue
        at = ("phrases", index)
        mine: list[Problem] = []
        if entry.id in seen:
            mine.append(doc.problem((*at, "id"), "duplicate-id", f"The phrase id '{entry.id}' appears twice in the "
                                    "rubric.", "Give each phrase an id of its own."))
        for s, skill in enumerate(entry.skills):
            if skill not in skills:
                mine.append(doc.problem((*at, "skills", s), "unknown-skill", f"Phrase '{entry.id}' names the skill "
                                        f"'{skill}', which is not in content/skills.yaml.",
                                        did_you_mean(skill, skills) or f"Known: {', '.join(skills) or 'none'}."))
        if entry.lesson not in lesson_ids:
            mine.append(doc.problem((*at, "lesson"), "unknown-lesson", f"Phrase '{entry.id}' links the lesson "
                                    f"'{entry.lesson}', which does not exist (or was skipped for its problems).",
                                    did_you_mean(entry.lesson, lesson_ids)))
        patterns: list[Pattern] = []
        for p, written in enumerate(entry.patterns):
            pattern = compile_pattern(written)
            if not pattern.words:
                mine.append(doc.problem((*at, "patterns", p), "empty-pattern", f"Pattern {p + 1} of phrase "
                                        f"'{entry.id}' has no words to match.", "Write the words, like 'calm down'."))
            for wrong in unknown_classes(pattern):
                mine.append(doc.problem((*at, "patterns", p), "unknown-class", f"Pattern '{excerpt(written)}' of "
                                        f"phrase '{entry.id}' uses {wrong}, which is not a word class.",
                                        "Known classes: {customer}, {day}, {clock}, {number}."))
            patterns.append(pattern)
        seen.add(entry.id)
        problems += mine
        if not mine:
            found.append((index, Phrase(entry.id, entry.kind, tuple(patterns), tuple(entry.skills), entry.lesson,
                                        entry.noticed)))
    return found


def good_answers(scenarios: Iterable[Scenario]) -> list[tuple[Scenario, str, str, str]]:
    """Every answer the course rates good on every skill: (scenario, node id, choice id, what it says)."""
    return [(scenario, node.id, choice.id, choice.say) for scenario in scenarios for node in scenario.nodes
            for choice in node.choices if set(choice.evidence.values()) == {"good"}]


def _flagged(phrases: list[tuple[int, Phrase]], scenarios: Iterable[Scenario]) -> list[tuple[int, str]]:
    """(entry index, message) for each inflaming pattern that matches a good answer."""
    flagged: list[tuple[int, str]] = []
    for scenario, node_id, choice_id, say in good_answers(scenarios):
        reading = Reading(say, customer_names(scenario))
        for index, phrase in phrases:
            if not phrase.inflaming:
                continue
            for pattern in phrase.patterns:
                hit = reading.find(pattern)
                if hit is not None:
                    flagged.append((index, f"The inflaming pattern '{excerpt(pattern.text)}' of phrase '{phrase.id}' "
                                           f"matches “{excerpt(hit.quoted(say))}” in the good answer '{choice_id}' "
                                           f"of node '{node_id}' in scenario '{scenario.id}'."))
    return flagged

