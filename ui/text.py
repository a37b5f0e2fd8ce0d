"""Showing user-entered text safely inside Markdown."""

from __future__ import annotations

import re

# Every character that can start Markdown syntax in Streamlit: CommonMark (links, images, HTML,
# emphasis, code, headings, lists, entities such as &lt; or &#x202e;), GitHub's tables and
# strikethrough, and Streamlit's own :colour[...] directives and $maths$.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")
# GitHub's autolink literals (which Streamlit's Markdown turns on) are found in the text after the
# escapes are read, so a backslash cannot stop them: a bare "https://...", "www." or "a@b.c" would
# still become a link. A WORD JOINER (U+2060, invisible, never a break) inside the marker stops it.
_AUTOLINK_START = re.compile(r"(?i)(?<![\w\u2060])(https?|ftp|mailto|www)(?=:|\.)|@(?=[-\w])")
WORD_JOINER = "\u2060"


def md_escape(text: str) -> str:
    """Escape ``text`` so that Markdown shows it literally (no links, emphasis, HTML or entities),
    bare addresses included: "https://x.y", "www.x.y" and "a@x.y" stay text."""
    unlinked = _AUTOLINK_START.sub(lambda m: m.group() + WORD_JOINER, text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", unlinked)


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and its noun, singular for one: "1 vote", "2 votes", "0 votes", "1,200 learners"."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
