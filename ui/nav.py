"""The app's pages, addressed by name, with absolute script paths.

Absolute paths keep page links working whatever directory Streamlit treats as the app's root
(the test harness runs app.py from a temporary launcher script).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"

_SPECS: dict[str, dict[str, str]] = {
    "home": {"title": "Course", "icon": "📚"},
    "lesson": {"title": "Lesson", "icon": "📖"},
    "scenario": {"title": "Practice", "icon": "💬"},
    "skills": {"title": "My skills", "icon": "📈"},
    "signin": {"title": "Sign in", "icon": "🔑"},
}
HIDDEN = {"lesson", "scenario"}


def page(name: str, *, default: bool = False) -> st.Page:
    spec = _SPECS[name]
    return st.Page(PAGES_DIR / f"{name}.py", title=spec["title"], icon=spec["icon"], url_path=name,
                   default=default, visibility="hidden" if name in HIDDEN else "visible")


def link(name: str, label: str, icon: str | None = None, **query: str) -> None:
    """A link to one of our pages, with query parameters (``?lesson=...``) that survive a reload."""
    st.page_link(page(name), label=label, icon=icon, query_params=query or None)
