"""Find a rubric's phrases in what a learner typed, tolerantly, and say exactly which words matched.

A pattern is a few words ("calm down", "that's our policy"). It matches typed text when its
words occur in order with at most ``MAX_GAP`` other words between neighbours, so "calm right
down" and "calm yourself down" match "calm down" (but a negation in between stops it: "you won't
need to" is not "you need to"). Each word matches:

- whatever its case ("CALM down");
- in another inflection: both sides are reduced to their Snowball English stem
  (snowballstemmer), so "blaming" matches "blame" and "policies" matches "policy";
- with a near spelling: an optimal-string-alignment distance (rapidfuzz) of 1 for words of five
  to eight letters and 2 for longer ones ("polcy", "inconveneince"); words under five letters
  must be spelled right, so "claim" never matches "calm";
- through a contraction: "that's", "won't", "I'll" are read as "that is", "will not", "I will"
  (in the pattern and in the text alike), keeping each word's place in the typed text.

A pattern word in braces is a class: ``{customer}`` is a word of the customer's name (given
per scenario), ``{day}`` a day word (Monday, today, tomorrow...), ``{clock}`` a time of day
(5pm, 12:30, noon, eight) and ``{number}`` a number (48, two, twenty).

This module knows nothing of rubric files or lessons: ``elearn.course.rubric`` compiles the
patterns and ``elearn.play.own_words`` turns matches into feedback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from rapidfuzz.distance import OSA

MAX_GAP = 2
"""How many other words may stand between two neighbouring words of a pattern."""

NEGATIONS = frozenset({"not", "never", "no", "nothing", "nobody"})
"""Words that may not stand in a gap: "you won't need to" is not "you need to"."""

_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:['’][A-Za-z]+)?(?::[0-9]{2})?")
_CLASS = re.compile(r"^\{([a-z]+)\}$")

# Contractions, read as their full words. "'s" is "is" only after these words; elsewhere it is a
# possessive and dropped ("the courier's fault" is "the courier fault").
_SUFFIXES = {"n't": "not", "'ll": "will", "'re": "are", "'m": "am", "'ve": "have", "'d": "would"}
_IRREGULAR = {"won't": ("will", "not"), "can't": ("can", "not"), "shan't": ("shall", "not"),
              "ain't": ("is", "not"), "let's": ("let", "us")}
_IS_AFTER = {"it", "that", "there", "here", "what", "who", "he", "she", "this", "where", "how", "everything",
             "nothing", "someone", "everyone"}

_DAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today", "tomorrow",
         "tonight", "weekend"}
_NUMBER_WORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                 "fifteen", "twenty", "thirty", "forty", "fifty", "sixty", "ninety", "hundred", "half"}
_CLOCK_WORDS = {"noon", "midday", "midnight"} | (_NUMBER_WORDS - {"hundred", "half"})
_CLOCK = re.compile(r"^[0-9]{1,2}(?::[0-9]{2})?(?:am|pm)?$")
_NUMBER = re.compile(r"^[0-9]+(?:am|pm|h|st|nd|rd|th)?$")

CLASSES = ("customer", "day", "clock", "number")
"""The word classes a pattern may use, in braces."""


@dataclass(frozen=True)
class Token:
    """One word of typed text, as read for matching: its folded form, stem, and place in the text."""

    word: str
    stem: str
    start: int
    end: int


@dataclass(frozen=True)
class Pattern:
    """A compiled pattern: its words as written (folded and expanded) and their stems; a class is ``{name}``."""

    text: str
    words: tuple[str, ...]
    stems: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    """Where a pattern matched: the character spans of the words that matched, in order."""

    pattern: str
    spans: tuple[tuple[int, int], ...]

    def words(self, text: str) -> tuple[str, ...]:
        """The words of ``text`` that matched, as typed."""
        return tuple(text[start:end] for start, end in self.spans)

    def quoted(self, text: str) -> str:
        """The matched words as typed, with "…" where other words stood between them (punctuation is kept)."""
        shown = text[self.spans[0][0]:self.spans[0][1]]
        for (_, end), (start, stop) in zip(self.spans, self.spans[1:], strict=False):
            between = text[end:start]
            shown += (between if not _WORD.search(between) else " … ") + text[start:stop]
        return shown


_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=4096)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def _expand(raw: str) -> tuple[str, ...]:
    """A typed word as the words it stands for ("won't" -> "will", "not"; "courier's" -> "courier")."""
    word = raw.lower().replace("’", "'")
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    for suffix, full in _SUFFIXES.items():
        if word.endswith(suffix) and len(word) > len(suffix):
            return (word[: -len(suffix)], full)
    if word.endswith("'s"):
        base = word[:-2]
        return (base, "is") if base in _IS_AFTER else (base,)
    return (word.replace("'", ""),)


def tokens(text: str) -> tuple[Token, ...]:
    """The words of ``text`` for matching, each with its span (a contraction's words share one)."""
    found: list[Token] = []
    for hit in _WORD.finditer(text):
        for word in _expand(hit.group()):
            found.append(Token(word, _stem(word), hit.start(), hit.end()))
    return tuple(found)


def compile_pattern(text: str) -> Pattern:
    """Read a pattern's words the way typed text is read; class words (``{day}``) are kept as written."""
    words: list[str] = []
    for part in text.split():
        if _CLASS.match(part):
            words.append(part)
            continue
        words += [token.word for token in tokens(part)]
    return Pattern(text, tuple(words), tuple(w if w.startswith("{") else _stem(w) for w in words))


def unknown_classes(pattern: Pattern) -> list[str]:
    """The ``{class}`` words of ``pattern`` that are not one of ``CLASSES``."""
    return [w for w in pattern.words if w.startswith("{") and w.strip("{}") not in CLASSES]


def _allowed_edits(word: str) -> int:
    return 0 if len(word) < 5 else 1 if len(word) < 9 else 2


def _word_matches(token: Token, word: str, stem: str, names: frozenset[str]) -> bool:
    if word.startswith("{"):
        kind = word[1:-1]
        if kind == "customer":
            return token.word in names
        if kind == "day":
            return token.word in _DAYS
        if kind == "clock":
            return bool(_CLOCK.match(token.word)) or token.word in _CLOCK_WORDS
        return bool(_NUMBER.match(token.word)) or token.word in _NUMBER_WORDS
    if token.stem == stem or token.word == word:
        return True
    edits = _allowed_edits(word)
    return edits > 0 and len(token.word) >= 5 and OSA.distance(token.word, word, score_cutoff=edits) <= edits


class Reading:
    """One typed text, read once for many patterns: its tokens, and which of them each pattern word matches.

    ``names`` are the customer's names for ``{customer}`` (folded to lower case here). Exact words
    and stems are looked up in a table; only words long enough for a near spelling are compared
    one by one (``OSA.distance``, in C), and each pattern word is worked out once per text.
    """

    def __init__(self, text: str, names: Iterable[str] = ()) -> None:
        self.text = text
        self.words = tokens(text)
        self.names = frozenset(name.lower() for name in names)
        self._by_form: dict[str, set[int]] = {}
        for index, token in enumerate(self.words):
            self._by_form.setdefault(token.word, set()).add(index)
            self._by_form.setdefault(token.stem, set()).add(index)
        self._long = sorted({token.word for token in self.words if len(token.word) >= 5})
        self._at: dict[tuple[str, str], frozenset[int]] = {}

    def at(self, word: str, stem: str) -> frozenset[int]:
        """The positions of the tokens that ``word`` (with its ``stem``) matches."""
        key = (word, stem)
        found = self._at.get(key)
        if found is None:
            if word.startswith("{"):
                found = frozenset(i for i, t in enumerate(self.words) if _word_matches(t, word, stem, self.names))
            else:
                hits = set(self._by_form.get(stem, ())) | self._by_form.get(word, set())
                edits = _allowed_edits(word)
                for near in self._long if edits else ():
                    if OSA.distance(near, word, score_cutoff=edits) <= edits:
                        hits |= self._by_form[near]
                found = frozenset(hits)
            self._at[key] = found
        return found

    def find(self, pattern: Pattern) -> Match | None:
        """The first place ``pattern`` matches (leftmost, then tightest), or None."""
        words = self.words
        size = len(pattern.words)
        if not size:
            return None
        places = [self.at(word, stem) for word, stem in zip(pattern.words, pattern.stems, strict=True)]
        if any(not place for place in places):
            return None

        def extend(at: int, part: int) -> list[int] | None:
            if part == size:
                return []
            for index in range(at, min(at + MAX_GAP + 1, len(words))):
                if index > at and words[index - 1].word in NEGATIONS:
                    break
                if index in places[part]:
                    rest = extend(index + 1, part + 1)
                    if rest is not None:
                        return [index, *rest]
            return None

        for first in sorted(places[0]):
            rest = extend(first + 1, 1)
            if rest is not None:
                spans: list[tuple[int, int]] = []
                for index in (first, *rest):
                    span = (words[index].start, words[index].end)
                    if not spans or spans[-1] != span:
                        spans.append(span)
                return Match(pattern.text, tuple(spans))
        return None


def find(pattern: Pattern, text: str, names: Iterable[str] = ()) -> Match | None:
    """The first place ``pattern`` matches ``text`` (leftmost, then tightest), or None; to try many
    patterns on one text, read it once with ``Reading``."""
    return Reading(text, names).find(pattern)
