"""People's names as typed (display names, room nicknames): tidied, and refused when they hide characters.

Every way a name comes in (self-registration, an administrator's form, the CSV upload, a room
nickname) goes through ``clean_name``, so a name can never carry:

- control characters (NUL, escape, ...), which databases refuse or terminals obey;
- text-direction controls (U+202A-202E, U+2066-2069, U+200E/F, U+061C), which make a name
  display in another order than it is stored ("Trojan Source");
- zero-width and other invisible characters (U+200B-200D, U+2060, U+FEFF, Hangul fillers,
  ...), which make two different names look the same, or a name look empty.

The zero-width joiner is kept inside an emoji sequence (👩‍💻 is 👩, U+200D, 💻), the one place it
is what the person typed and what they see. Tabs and line breaks count as spaces: runs of
spaces collapse to one, and the ends are trimmed. A leaf module: it imports nothing of ours, so
the store may use it.
"""

from __future__ import annotations

import unicodedata

from elearn.errors import ElearnError

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
ZERO_WIDTH_JOINER = "\u200d"
# Letters and marks that draw nothing: a name made of them looks blank, or like another name.
BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5\u180e")
_SPACES_KEPT = frozenset("\t\n\r")  # control characters that are only spacing: they become one space
_EMOJI_BEFORE_JOINER = frozenset({"So", "Sk"})  # a pictograph, or a skin-tone modifier
_VARIATION_SELECTOR_16 = "\ufe0f"  # "show as emoji", often right before the joiner
_SUFFIX = "Use only letters, digits, spaces, punctuation or emoji."
_KINDS = {
    "control": ("a control character", ""),
    "bidi": ("a text-direction control", ", which can make it display in a misleading order"),
    "zero-width": ("a zero-width character", ", which can make two different names look the same"),
    "invisible": ("an invisible character", ""),
    "unassigned": ("an invisible or unassigned character", ""),
}


class NameRefused(ElearnError, ValueError):
    """A name holds a hidden character or is too long; the message says which, where and what to do."""


def clean_name(typed: str, *, label: str, limit: int) -> str:
    """``typed`` tidied (NFC, spaces collapsed, ends trimmed), or ``NameRefused``.

    ``label`` begins the message ("That nickname", "Row 3: display_name"); ``limit`` is the most
    characters the name may have once tidied (the database column's length, or less). An empty
    result is returned as ``""``: whether a name is required is the caller's rule.
    """
    found = first_hidden(typed)
    if found is not None:
        position, character, kind = found
        noun, why = _KINDS[kind]
        raise NameRefused(f"{label} contains {noun} (U+{ord(character):04X}) at character {position}{why}. "
                          f"{_SUFFIX}")
    name = " ".join(unicodedata.normalize("NFC", typed).split())
    if len(name) > limit:
        raise NameRefused(f"{label} is {len(name):,} characters long; use at most {limit:,}.")
    return name


def tidy_name(given: str, *, limit: int) -> str:
    """``given`` with every hidden character dropped, tidied and cut to ``limit`` characters.

    For names nobody typed here and nobody can fix on the spot (an identity provider's "name"
    claim): they are cleaned rather than refused.
    """
    kept = "".join(c for index, c in enumerate(given) if _kind(given, index) is None)
    return " ".join(unicodedata.normalize("NFC", kept).split())[:limit].rstrip()


def first_hidden(text: str) -> tuple[int, str, str] | None:
    """The first hidden character of ``text``: its 1-based position, itself, and its kind
    (``control``, ``bidi``, ``zero-width``, ``invisible`` or ``unassigned``)."""
    for index, character in enumerate(text):
        kind = _kind(text, index)
        if kind is not None:
            return index + 1, character, kind
    return None


def _kind(text: str, index: int) -> str | None:
    character = text[index]
    if character in BIDI_CONTROLS:
        return "bidi"
    if character == ZERO_WIDTH_JOINER and _inside_emoji(text, index):
        return None
    if character in ZERO_WIDTH:
        return "zero-width"
    if character in BLANK_LOOKING:
        return "invisible"
    category = unicodedata.category(character)
    if category == "Cc":
        return None if character in _SPACES_KEPT else "control"
    if category.startswith("C"):  # Cf format, Co private use, Cs surrogate, Cn unassigned
        return "unassigned"
    return None


def _inside_emoji(text: str, index: int) -> bool:
    """True for a zero-width joiner between two parts of one emoji (👩‍💻, 🏳️‍🌈, 👨🏽‍🚀)."""
    if index == 0 or index + 1 >= len(text):
        return False
    before, after = text[index - 1], text[index + 1]
    before_is_emoji = before == _VARIATION_SELECTOR_16 or unicodedata.category(before) in _EMOJI_BEFORE_JOINER
    return before_is_emoji and unicodedata.category(after) == "So"


def excerpt(text: str, limit: int = 40) -> str:
    """``text`` fit to quote in a message: hidden characters spelled out, a long value cut short."""
    shown = "".join(f"<U+{ord(c):04X}>" if _kind(text, i) is not None or not c.isprintable() else c
                    for i, c in enumerate(text[:limit]))
    return shown if len(text) <= limit else f"{shown}… ({len(text):,} characters)"
