"""Feedback on a learner's own words ("Say it your way"): what we noticed, never a grade.

The learner types what they would say before they see the answers. ``notice`` reads the reply
against the course's rubric (``elearn.course.rubric``): each phrase that inflames or helps,
with the exact words that matched and the lesson to read; the reply's length against the
channel's norm; and whether it asks a question. It claims nothing the rubric does not know:
a reply with no hits is "nothing the rubric looks for", not a good reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from elearn.course.phrases import Match, Reading
from elearn.course.rubric import Phrase, Rubric, customer_names
from elearn.course.schema import CHANNEL_LABELS, Scenario
from elearn.store.replies import MAX_REPLY_CHARS

_SENTENCE_END = re.compile(r"[.!?]+")
_ASKING = re.compile(r"^(?:can|could|would|will|shall|may|is|are|was|were|do|does|did|have|has|what|when|where|"
                     r"which|who|why|how)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Hit:
    """One rubric phrase found in the reply, with the words that matched it."""

    phrase: Phrase
    match: Match
    quoted: str
    """The matched words as typed ("calm … down")."""


@dataclass(frozen=True)
class OwnWords:
    """What we noticed in one typed reply."""

    text: str
    hits: tuple[Hit, ...]
    words: int
    norm: int
    channel_label: str
    questions: int

    @property
    def inflaming(self) -> tuple[Hit, ...]:
        return tuple(hit for hit in self.hits if hit.phrase.inflaming)

    @property
    def helpful(self) -> tuple[Hit, ...]:
        return tuple(hit for hit in self.hits if not hit.phrase.inflaming)

    @property
    def too_long(self) -> bool:
        return self.words > self.norm

    @property
    def asks_question(self) -> bool:
        return self.questions > 0

    def length_note(self) -> str:
        """The reply's length against the channel's norm, in words."""
        words = f"{self.words:d} word{'' if self.words == 1 else 's'}"
        if self.too_long:
            return (f"Your reply has {words}; on {self.channel_label.lower()} a reply usually stays under "
                    f"{self.norm:d}. A long answer can bury the point.")
        return f"Your reply has {words}, within the {self.norm:d} a {self.channel_label.lower()} reply usually takes."

    def question_note(self) -> str:
        if not self.asks_question:
            return "It asks no question. When you need facts, one closed question keeps you in control."
        return f"It asks {'a question' if self.questions == 1 else f'{self.questions:d} questions'}."


def notice(rubric: Rubric, scenario: Scenario, typed: str) -> OwnWords:
    """Read ``typed`` (cut to ``MAX_REPLY_CHARS``) against ``rubric`` for a decision in ``scenario``."""
    text = typed[:MAX_REPLY_CHARS]
    reading = Reading(text, customer_names(scenario))
    hits: list[Hit] = []
    for phrase in rubric.phrases:
        found = [m for pattern in phrase.patterns if (m := reading.find(pattern)) is not None]
        if found:
            first = min(found, key=lambda m: (m.spans[0][0], m.spans[-1][1], -len(m.spans)))
            hits.append(Hit(phrase, first, first.quoted(text)))
    # Words that inflame are not also praised: "I'm sorry" inside "I'm sorry if you feel that way".
    flagged = {span for hit in hits if hit.phrase.inflaming for span in hit.match.spans}
    hits = [hit for hit in hits if hit.phrase.inflaming or not flagged.intersection(hit.match.spans)]
    hits.sort(key=lambda hit: (not hit.phrase.inflaming, hit.match.spans[0][0]))
    return OwnWords(text=text, hits=tuple(hits), words=len(text.split()), norm=rubric.norm(scenario.channel),
                    channel_label=CHANNEL_LABELS[scenario.channel], questions=count_questions(text))


def count_questions(text: str) -> int:
    """Sentences that ask: ending in "?", or (unpunctuated, as people type) opening with a question word."""
    count = 0
    position = 0
    for end in _SENTENCE_END.finditer(text + "."):
        sentence = text[position:end.start()].strip()
        if sentence and ("?" in end.group() or (end.start() == len(text) and _ASKING.match(sentence))):
            count += 1
        position = end.end()
    return count
