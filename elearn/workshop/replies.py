"""The projector's view of a room's typed replies: the words the room used most, and its phrases.

The replies come without nicknames (``elearn.store.room_replies``). ``word_cloud`` counts each
word once per reply, leaving out short function words, so the cloud shows what the room said,
not "the" and "I"; ``room_phrases`` counts the rubric's phrases, inflaming and helpful.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from elearn.course.rubric import Rubric
from elearn.course.schema import Scenario
from elearn.play.own_words import notice

CLOUD_WORDS = 30
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_STOP = """a about after all also am an and any are as at be been but by can could did do does
doing don't for from get got had has have he her here him his how i i'd i'll i'm i've if in into is it it's its
just let me my no not now of on or our out so than that that's the their them then there they this to too up us
very was we we'll we're were what when where which while who will with would you you're your yours"""
STOP_WORDS = frozenset(_STOP.split())


def word_cloud(replies: Iterable[str], limit: int = CLOUD_WORDS) -> list[tuple[str, int]]:
    """The room's most used words (lower case, once per reply), most used first, then alphabetical."""
    counts: Counter[str] = Counter()
    for reply in replies:
        words = {w.lower().replace("’", "'") for w in _WORD.findall(reply)}
        counts.update(w for w in words if w not in STOP_WORDS and len(w) > 1)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


def room_phrases(rubric: Rubric, scenario: Scenario, replies: Iterable[str]) -> list[tuple[str, bool, int]]:
    """(the phrase's first pattern, whether it inflames, replies using it), most used first."""
    counts: Counter[tuple[str, bool]] = Counter()
    for reply in replies:
        for hit in notice(rubric, scenario, reply).hits:
            counts[(hit.phrase.patterns[0].text, hit.phrase.inflaming)] += 1
    return [(label, inflaming, n) for (label, inflaming), n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))]
