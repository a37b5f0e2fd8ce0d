"""Errors and content problems.

An author's mistake (bad lesson or scenario files) is never raised: loading the course collects
``Problem`` values, each saying where, what and what to do, and skips only the broken part.
``ElearnError`` is the base of everything this package raises on purpose; ``RunError`` and its
subclasses are things that go wrong while the course runs (a stored run that no longer fits its
scenario, a choice that does not exist). Pages turn any of them into a message with a next
step, never a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the course content, located as precisely as we can.

    ``file`` is relative to the course directory; ``line`` and ``column`` are 1-based and 0
    when the problem belongs to the file (or the course) as a whole. ``rule`` is a stable
    identifier (``unknown-key``, ``missing-target``, ...) for tools and tests.
    """

    file: str
    line: int
    column: int
    rule: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column}"
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" {self.hint}"
        return text


EXCERPT_CHARS = 40


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """A short, printable excerpt of a value from a course file, for quoting it in a problem.

    A problem names the offending value but never echoes a file's content: at most ``limit``
    characters are kept (then "…"), and control and invisible characters are shown as escapes
    (``\\n``, ``\\x1b``, ``\\u202e``) so they cannot rewrite a terminal or reorder the text around them.
    """
    text = str(value)
    cut = text[:limit]
    shown = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in cut)
    return shown + ("…" if len(text) > limit else "")


def did_you_mean(wrong: str, choices: Iterable[str]) -> str:
    """Return a "Did you mean 'x'?" hint for the closest valid name, or "" if none is close."""
    matches = difflib.get_close_matches(wrong, sorted(set(choices)), n=1, cutoff=0.6)
    return f"Did you mean '{matches[0]}'?" if matches else ""


class ElearnError(Exception):
    """Base of every error this package raises on purpose."""


class RunError(ElearnError):
    """A scenario run cannot do what was asked (unknown choice, nothing to rewind, ...)."""


class StaleRunError(RunError):
    """A stored run no longer fits its scenario (the scenario changed since it was saved).

    The learner's earlier answers stay in the event log; only this in-progress run has to
    restart. ``message`` is written for the learner.
    """
