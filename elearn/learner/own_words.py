"""My skills' second stream of evidence: what the rubric noticed in the replies a learner typed.

Kept apart from mastery on purpose. Mastery comes from first answers chosen among the options
(``elearn.learner.mastery``); a typed reply is read by a short list of phrases that can miss
what a person would hear, so its hits are shown as counts, clearly labelled, and never change a
skill's estimate (tests/test_own_words_evidence.py checks that mastery ignores them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from elearn.course.catalogue import Course
from elearn.play.own_words import notice
from elearn.store.replies import TypedReply


@dataclass(frozen=True)
class SkillWords:
    """For one skill: in how many typed replies the rubric noticed phrases that help or inflame it."""

    skill: str
    helpful: int
    inflaming: int


def words_evidence(course: Course, replies: Iterable[TypedReply]) -> tuple[int, tuple[SkillWords, ...]]:
    """(replies read, per-skill counts in the catalogue's order); a reply counts once per skill and kind."""
    if course.rubric is None:
        return 0, ()
    helpful: dict[str, int] = {}
    inflaming: dict[str, int] = {}
    read = 0
    for reply in replies:
        scenario = course.scenario(reply.scenario_id)
        if scenario is None:
            continue
        read += 1
        said = notice(course.rubric, scenario, reply.text)
        for counts, hits in ((helpful, said.helpful), (inflaming, said.inflaming)):
            for skill in {skill for hit in hits for skill in hit.phrase.skills}:
                counts[skill] = counts.get(skill, 0) + 1
    rows = tuple(SkillWords(skill, helpful.get(skill, 0), inflaming.get(skill, 0)) for skill in course.skills
                 if skill in helpful or skill in inflaming)
    return read, rows
