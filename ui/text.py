"""Showing user-entered text safely inside Markdown."""

from __future__ import annotations

import re

# Every character that can start Markdown syntax in Streamlit: CommonMark (links, images, HTML,
# emphasis, code, headings, lists, entities such as &lt; or &#x202e;), GitHub's tables and
# strikethrough, and Streamlit's own :colour[...] directives and $maths$.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def md_escape(text: str) -> str:
    """Escape ``text`` so that Markdown shows it literally (no links, emphasis, HTML or entities)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and its noun, singular for one: "1 vote", "2 votes", "0 votes", "1,200 learners"."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
