"""The app's pages: who may see which, addressed by name, with absolute script paths.

Absolute paths keep page links working whatever directory Streamlit treats as the app's root
(the test harness runs app.py from a temporary launcher script). Navigation is built from
``SECTIONS`` on every run, so a page is only ever served to the roles listed for it; each page
also checks the role itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from elearn.store import Role, User

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"
log = logging.getLogger("elearn.app")


@dataclass(frozen=True)
class PageSpec:
    title: str
    icon: str
    hidden: bool = False


SPECS: dict[str, PageSpec] = {
    "home": PageSpec("Course", "📚"),
    "lesson": PageSpec("Lesson", "📖", hidden=True),
    "scenario": PageSpec("Practice", "💬", hidden=True),
    "review": PageSpec("Review", "🔁"),
    "skills": PageSpec("My skills", "📈"),
    "job_aid": PageSpec("Job aid", "🧾"),
    "dashboard": PageSpec("Team progress", "📋"),
    "learner": PageSpec("Learner", "👤", hidden=True),
    "people": PageSpec("Teams and people", "🗂️"),
    "rooms": PageSpec("Workshop rooms", "🎤"),
    "present": PageSpec("Presenter view", "📽️", hidden=True),
    "join": PageSpec("Join a workshop", "📱", hidden=True),
    "signin": PageSpec("Sign in", "🔑"),
}

# (section title, role that unlocks it, page names). The first page a user can see is their default.
SECTIONS: list[tuple[str, Role, list[str]]] = [
    ("Learn", Role.LEARNER, ["home", "lesson", "scenario", "review", "skills", "job_aid"]),
    ("Manage", Role.MANAGER, ["dashboard", "learner"]),
    ("Manage", Role.ADMIN, ["dashboard", "learner", "people"]),
    ("Workshops", Role.FACILITATOR, ["rooms", "present"]),
]
VISITOR_PAGES = ["signin", "join"]
"""What someone who is not signed in may open: signing in, and joining a workshop room by code."""


def page(name: str, *, default: bool = False) -> st.Page:
    spec = SPECS[name]
    return st.Page(PAGES_DIR / f"{name}.py", title=spec.title, icon=spec.icon, url_path=name, default=default,
                   visibility="hidden" if spec.hidden else "visible")


def _exists(name: str) -> bool:
    if (PAGES_DIR / f"{name}.py").exists():
        return True
    log.error("page script pages/%s.py is missing; it is left out of the navigation", name)
    return False


def navigation_for(user: User | None) -> dict[str, list[st.Page]]:
    """The pages ``user`` may open, by section (a visitor gets the sign-in and join pages)."""
    if user is None:
        names = [name for name in VISITOR_PAGES if _exists(name)]
        return {"": [page(name, default=index == 0) for index, name in enumerate(names)]}
    sections: dict[str, list[str]] = {}
    for title, role, names in SECTIONS:
        if user.has(role):
            listed = sections.setdefault(title, [])
            listed += [name for name in names if name not in listed and _exists(name)]
    if _exists("join"):
        sections.setdefault("", []).append("join")  # a signed-in colleague can join a room too
    first = next((name for names in sections.values() for name in names if not SPECS[name].hidden), None)
    return {title: [page(name, default=name == first) for name in names]
            for title, names in sections.items() if names}


def link(name: str, label: str, icon: str | None = None, **query: str) -> None:
    """A link to one of our pages, with query parameters (``?lesson=...``) that survive a reload."""
    st.page_link(page(name), label=label, icon=icon, query_params=query or None)
