"""Showing user-entered text safely inside Markdown."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md_escape(text: str) -> str:
    """Escape ``text`` so that Markdown shows it literally (no links, emphasis or HTML)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
