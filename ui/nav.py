"""The app's pages: who may see which, addressed by name, with absolute script paths.

Absolute paths keep page links working whatever directory Streamlit treats as the app's root
(the test harness runs app.py from a temporary launcher script). Navigation is built from
``SECTIONS`` on every run, so a page is only ever served to the roles listed for it; each page
also checks the role itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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
    "lti": PageSpec("LMS (LTI)", "🔌"),
    "lrs": PageSpec("Learning Record Store", "📡"),
    "lms_roster": PageSpec("Rosters from the LMS", "🔄"),
    "rooms": PageSpec("Workshop rooms", "🎤"),
    "present": PageSpec("Presenter view", "📽️", hidden=True),
    "join": PageSpec("Join a workshop", "📱", hidden=True),
    "certificates": PageSpec("Certificates", "🎓"),
    "verify": PageSpec("Verify a certificate", "✅", hidden=True),
    "unsubscribe": PageSpec("Stop reminders", "✉️", hidden=True),
    "account": PageSpec("My account", "🔐"),
    "reset": PageSpec("Set a new password", "🗝️", hidden=True),
    "signin": PageSpec("Sign in", "🔑"),
}

# (section title, role that unlocks it, page names). The first page a user can see is their default.
SECTIONS: list[tuple[str, Role, list[str]]] = [
    ("Learn", Role.LEARNER, ["home", "lesson", "scenario", "review", "skills", "job_aid"]),
    ("Manage", Role.MANAGER, ["dashboard", "learner", "certificates", "lms_roster"]),
    ("Manage", Role.ADMIN, ["dashboard", "learner", "people", "certificates", "lti", "lms_roster", "lrs"]),
    ("Workshops", Role.FACILITATOR, ["rooms", "present"]),
]
VISITOR_PAGES = ["signin", "join", "verify", "unsubscribe", "reset"]
"""What someone who is not signed in may open: signing in, joining a workshop room by code,
verifying a certificate, stopping reminder e-mails from a reminder's link, and a password-reset link."""
SIGNED_IN_PAGES = ["join", "verify", "unsubscribe", "reset", "account"]
"""What everyone signed in may open, whatever their roles (``account``: their own password)."""


START = "start"
"""The ``url_path`` of the app's root page. The root URL runs the user's first page under this
name, so that every real page keeps its own address: ``/dashboard`` is the dashboard for everyone,
also for a manager whose first page it is (Streamlit serves its default page at ``/`` only)."""


@dataclass(frozen=True)
class Navigation:
    """What ``st.navigation`` gets for one user (``sections``), and which of our pages each of
    those pages is (``names``, by the page object's id; stand-ins map to the page they stand in for)."""

    sections: dict[str, list[st.Page]]
    names: dict[int, str]
    stand_ins: frozenset[int]
    root: int | None

    def name_of(self, chosen: st.Page) -> str:
        """The name of the page of ours that ``chosen`` shows (or stands in for)."""
        return self.names.get(id(chosen), START)

    def is_root(self, chosen: st.Page) -> bool:
        """True when ``chosen`` runs at the root address (the user's first page, under ``START``)."""
        return id(chosen) == self.root

    def is_stand_in(self, chosen: st.Page) -> bool:
        """True for a page shown in place of the one asked for: the sign-in form, or a refusal."""
        return id(chosen) in self.stand_ins

    def registered(self, name: str) -> st.Page | None:
        """The page object at ``name``'s address (``START``: the root), the real page or its stand-in."""
        for pages in self.sections.values():
            for listed in pages:
                if (id(listed) == self.root) if name == START else \
                        (self.names.get(id(listed)) == name and id(listed) != self.root):
                    return listed
        return None


_CURRENT: ContextVar[Navigation | None] = ContextVar("navigation_of_this_run", default=None)


@contextmanager
def running(nav: Navigation) -> Iterator[None]:
    """While app.py runs a page: the navigation of this run, so links point at the page objects it
    registered (Streamlit refuses a link whose page differs from the one at that address)."""
    marker = _CURRENT.set(nav)
    try:
        yield
    finally:
        _CURRENT.reset(marker)


def page(name: str, *, default: bool = False) -> st.Page:
    spec = SPECS[name]
    return st.Page(PAGES_DIR / f"{name}.py", title=spec.title, icon=spec.icon, url_path=name, default=default,
                   visibility="hidden" if spec.hidden else "visible")


def wide(name: str) -> bool:
    """Manager, administrator and facilitator pages use the whole width (tables, heatmaps, the
    projector); the learner's pages and the visitor's stay a readable column."""
    learner_pages = {page_name for _, role, names in SECTIONS if role == Role.LEARNER for page_name in names}
    return name in SPECS and name not in learner_pages and name not in VISITOR_PAGES and name not in SIGNED_IN_PAGES


def roles_for(name: str) -> list[Role]:
    """The roles that unlock page ``name``, in the order of ``SECTIONS``."""
    return [role for _, role, names in SECTIONS if name in names]


def _exists(name: str) -> bool:
    if (PAGES_DIR / f"{name}.py").exists():
        return True
    log.error("page script pages/%s.py is missing; it is left out of the navigation", name)
    return False


def allowed_pages(user: User | None) -> list[str]:
    """The names of the pages ``user`` may open (a visitor: signing in and joining a room)."""
    if user is None:
        return [name for name in VISITOR_PAGES if _exists(name)]
    names: list[str] = []
    for _, role, section in SECTIONS:
        if user.has(role):
            names += [name for name in section if name not in names and _exists(name)]
    # A signed-in colleague can join a room too, open a reset link, and change their own password.
    names += [name for name in SIGNED_IN_PAGES if name not in names and _exists(name)]
    return names


def navigation_for(user: User | None, *, sign_in_first: Path, no_access: Callable[[], None],
                   signed_in_already: Callable[[], None]) -> Navigation:
    """The pages ``user`` may open, by section, and a hidden stand-in at the address of every
    other page, so that no address of ours ends in Streamlit's "Page not found":

    - a visitor gets the sign-in form (``sign_in_first``, a page script) at every page's address:
      signing in reruns the same address, with its query string, which then opens the real page;
    - a signed-in user gets ``no_access`` at the address of a page their roles don't allow,
      and ``signed_in_already`` at the sign-in page's.
    """
    names: dict[int, str] = {}
    stand_ins: set[int] = set()

    def made(name: str, built: st.Page, *, stand_in: bool = False) -> st.Page:
        names[id(built)] = name
        if stand_in:
            stand_ins.add(id(built))
        return built

    allowed = allowed_pages(user)
    sections: dict[str, list[st.Page]] = {}
    if user is None:
        sections[""] = [made(name, page(name)) for name in allowed]
    else:
        for title, role, section in SECTIONS:
            if user.has(role):
                listed = sections.setdefault(title, [])
                known = {names[id(p)] for p in listed}
                listed += [made(name, page(name)) for name in section if name in allowed and name not in known]
        for name in SIGNED_IN_PAGES:  # hidden ones (join, reset) by address only; "My account" under its own title
            if name in allowed:
                sections.setdefault("" if SPECS[name].hidden else "Account", []).append(made(name, page(name)))
    first = next((name for name in allowed if not SPECS[name].hidden), None)
    hidden: list[st.Page] = []
    root: int | None = None
    if first is not None:  # the root address runs the first page (under another url_path: see START)
        spec = SPECS[first]
        hidden.append(made(first, st.Page(PAGES_DIR / f"{first}.py", title=spec.title, icon=spec.icon,
                                          url_path=START, default=True, visibility="hidden")))
        root = id(hidden[-1])
    for name in SPECS:
        if name in allowed:
            continue
        if user is None:
            stand_in = st.Page(sign_in_first, title=SPECS["signin"].title, icon=SPECS["signin"].icon, url_path=name,
                               visibility="hidden")
        else:
            shown = signed_in_already if name == "signin" else no_access
            stand_in = st.Page(shown, title=SPECS[name].title, icon=SPECS[name].icon, url_path=name,
                               visibility="hidden")
        hidden.append(made(name, stand_in, stand_in=True))
    sections.setdefault("", []).extend(hidden)
    return Navigation({title: pages for title, pages in sections.items() if pages}, names, frozenset(stand_ins),
                      root)


def link(name: str, label: str, icon: str | None = None, **query: str) -> None:
    """A link to one of our pages, with query parameters (``?lesson=...``) that survive a reload.
    A page this user may not open links to its stand-in (which says so), never to a broken page."""
    current = _CURRENT.get()
    target = (current.registered(name) if current else None) or page(name)
    st.page_link(target, label=label, icon=icon, query_params=query or None)



def link_start(label: str, icon: str | None = None) -> None:
    """A link to the root address: the user's first page (drawn only while app.py runs a page)."""
    current = _CURRENT.get()
    root = current.registered(START) if current else None
    if root is not None:
        st.page_link(root, label=label, icon=icon)
