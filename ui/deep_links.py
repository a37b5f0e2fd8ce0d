"""Links into the app that survive signing in, and the notice for a page someone may not open.

Every page of ours has an address for everyone (``ui.nav.navigation_for`` puts a stand-in at the
address of each page a user may not open). Signed out, the stand-in is the sign-in form: signing
in with a password reruns the same address with its query string, so the real page opens with
nothing to redirect. Single sign-on leaves the app for the identity provider and comes back to
the root address, so before that the sign-in page keeps the address asked for in a short-lived
cookie, which the first signed-in run reads back: only one of our page names the user may open,
and only the query parameters our pages read, with plain short values (``parse_target``). Anything
else is ignored, so the cookie cannot send anyone to another site or smuggle in a parameter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlencode

import streamlit as st

from elearn.store import Role, User
from elearn.store.contacts import administrator_names
from ui.auth import user_for_this_run
from ui.nav import SPECS, allowed_pages, link_start, page, roles_for
from ui.store import current_store
from ui.text import md_escape

AFTER_SIGN_IN_COOKIE = "elearn_after_sign_in"
AFTER_SIGN_IN_SECONDS = 600  # long enough for a sign-in at the identity provider
SAFE_QUERY_KEYS = frozenset({"room", "scenario", "lesson", "user", "view", "section"})
"""The query parameters our pages read from a link (``?room=``, ``?scenario=``, ...)."""
_SAFE_VALUE = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_TARGET_MAX = 400
_FOLLOWED = "after-sign-in-followed"
ROLE_WORDS = {Role.LEARNER: "learners", Role.MANAGER: "team managers", Role.ADMIN: "administrators",
              Role.FACILITATOR: "workshop facilitators"}
ROLE_NAMES = {Role.LEARNER: "learner", Role.MANAGER: "manager", Role.ADMIN: "administrator",
              Role.FACILITATOR: "facilitator"}


@dataclass(frozen=True)
class Target:
    """One of our pages and the query parameters to open it with."""

    page: str
    query: Mapping[str, str] = field(default_factory=dict)

    def as_text(self) -> str:
        return self.page + (f"?{urlencode(dict(self.query))}" if self.query else "")


def parse_target(raw: str, allowed: Collection[str]) -> Target | None:
    """``raw`` ("present?room=K7QX2M") as a page to open, or None unless it is exactly one of our
    page names in ``allowed`` followed by nothing but known query keys, each once, with plain values."""
    if not raw or len(raw) > _TARGET_MAX:
        return None
    name, _, query = raw.partition("?")
    if name not in allowed or name not in SPECS:
        return None
    try:
        pairs = parse_qsl(query, strict_parsing=True, max_num_fields=len(SAFE_QUERY_KEYS)) if query else []
    except ValueError:
        return None
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys) or any(key not in SAFE_QUERY_KEYS or not _SAFE_VALUE.fullmatch(value)
                                          for key, value in pairs):
        return None
    return Target(name, dict(pairs))


_ASKED_FOR: ContextVar[Target | None] = ContextVar("page_asked_for", default=None)


@contextmanager
def asking_for(target: Target | None) -> Iterator[None]:
    """While a stand-in runs (app.py), the page whose address it stands at."""
    marker = _ASKED_FOR.set(target)
    try:
        yield
    finally:
        _ASKED_FOR.reset(marker)


def asked_for() -> Target | None:
    """The page the address asked for, when the page running stands in for it (else None)."""
    return _ASKED_FOR.get()


def asked_here(name: str) -> Target:
    """The page ``name`` with this run's query parameters (unsafe ones left out)."""
    query = {key: value for key, value in st.query_params.to_dict().items()
             if key in SAFE_QUERY_KEYS and _SAFE_VALUE.fullmatch(value)}
    return Target(name, query)


def remember_for_single_sign_on(target: Target) -> None:
    """Keep ``target`` in a short-lived cookie across the trip to the identity provider."""
    value = quote(target.as_text(), safe="")
    cookie = f"{AFTER_SIGN_IN_COOKIE}={value}; Path=/; Max-Age={AFTER_SIGN_IN_SECONDS}; SameSite=Lax"
    st.html(f"<script>document.cookie = {json.dumps(cookie)} + (location.protocol === 'https:' ? '; Secure' : '');"
            "</script>", unsafe_allow_javascript=True)


def follow_after_sign_in(user: User, *, at_root: bool) -> None:
    """On the first signed-in run of a session with the cookie, open the page it names (when this
    run landed on the root address, as single sign-on does), then forget the cookie."""
    raw = st.context.cookies.get(AFTER_SIGN_IN_COOKIE)
    state = st.session_state.get(_FOLLOWED)
    if not isinstance(raw, str) or not raw or state == "cleared":
        return
    if state == "followed":  # a later run: the page asked for is open; tell the browser to drop the cookie
        st.session_state[_FOLLOWED] = "cleared"
        st.html(f"<script>document.cookie = {json.dumps(f'{AFTER_SIGN_IN_COOKIE}=; Path=/; Max-Age=0')};</script>",
                unsafe_allow_javascript=True)
        return
    st.session_state[_FOLLOWED] = "followed"
    target = parse_target(unquote(raw), allowed_pages(user)) if at_root else None
    if target is not None:
        st.switch_page(page(target.page), query_params=dict(target.query) or None)


def no_access() -> None:
    """The page at the address of a page this user's roles don't allow: what it is for, and whom to ask."""
    user = user_for_this_run()
    target = asked_for()
    name = target.page if target else ""
    st.title(SPECS[name].title if name in SPECS else "No access")
    st.error("You don't have access to this page.", icon="🔒")
    roles = roles_for(name)
    needed = " or ".join(dict.fromkeys(ROLE_WORDS[role] for role in roles)) or "other people"
    admins = administrator_names(current_store())
    who = (f"an administrator ({', '.join(md_escape(n) for n in admins)})" if admins else "your administrator")
    role_names = " or ".join(dict.fromkeys(ROLE_NAMES[role] for role in roles))
    ask = f"ask {who} to give your account the {role_names} role" if role_names else f"ask {who}"
    signed = f" You are signed in as **{md_escape(user.display_name or user.username)}**." if user else ""
    st.markdown(f"This page is for {needed}.{signed} If you need it, {ask}.")
    link_start("Go to your start page", icon="🏠")


def signed_in_already() -> None:
    """The sign-in page's address, for someone who is signed in already."""
    user = user_for_this_run()
    st.title("Signed in")
    if user is not None:
        st.success(f"You are signed in as **{md_escape(user.display_name or user.username)}**.", icon="✅")
    link_start("Go to your start page", icon="🏠")
