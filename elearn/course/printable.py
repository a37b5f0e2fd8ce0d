"""Course text as a self-contained printable page (the job aid): Markdown in, one HTML file out.

Rendered with markdown-it's CommonMark preset with raw HTML switched off, so whatever the file
holds becomes text and formatting, never markup or scripts; the page loads nothing from outside.
"""

from __future__ import annotations

import html

from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")

_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:780px;margin:20px auto;color:#111;font-size:13.5px;"
    "line-height:1.4}h1{font-size:21px;margin:0 0 8px}h2{font-size:15px;margin:14px 0 4px;"
    "border-bottom:1px solid #ccc}ul,ol{margin:4px 0;padding-left:22px}p{margin:4px 0}"
    "@media print{body{margin:0;font-size:11.5px}h2{break-after:avoid}}"
)


def render_markdown(text: str) -> str:
    """``text`` as HTML, with any raw HTML in it escaped rather than passed through."""
    return str(_MARKDOWN.render(text))


def printable_html(title: str, text: str) -> str:
    """A one-page HTML document of ``text`` (Markdown), titled ``title``, ready to print."""
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_CSS}</style></head><body>{render_markdown(text)}</body></html>")
