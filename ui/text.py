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
