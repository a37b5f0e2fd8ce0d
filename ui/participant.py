"""This phone's place in workshop rooms: the browser's own key, kept in a cookie, and the room cap.

A phone that joins a room becomes a participant derived from a random key its browser keeps
(``elearn.store.rooms.browser_token``), so a reload, the QR link opened again or a second tab
brings back the same participant instead of adding a voter. The key is made here on the phone's
first visit, kept in this session at once, and handed to the browser by a one-line script (a
page script cannot set response cookies); every later page load sends it, and
``st.context.cookies`` reads it from there.

The cookie is not HttpOnly, since a script sets it. It opens no account, only this browser's
place in the rooms it joined, and a script running in the page could tap the vote buttons
anyway. The server never stores it.
"""

from __future__ import annotations

import json
import logging
import re
import secrets

import streamlit as st

from elearn.store.room_records import PhoneView, browser_token
from elearn.store.rooms import phone_view
from ui.store import current_settings, current_store

BROWSER_COOKIE = "elearn_browser"
COOKIE_MAX_AGE_SECONDS = 24 * 3600  # a workshop day; the phone's URL keeps its place after that
_KEY = "workshop-browser-key"
_NEW_KEY = "workshop-browser-key-new"
_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")  # what browser_key makes; anything else is ignored

log = logging.getLogger("elearn.app")


def browser_key() -> str:
    """This browser's key: this session's, else the cookie's, else a new one (which
    ``keep_browser_key`` then hands to the browser)."""
    key = st.session_state.get(_KEY)
    if isinstance(key, str):
        return key
    cookie = st.context.cookies.get(BROWSER_COOKIE)
    if isinstance(cookie, str) and _SHAPE.fullmatch(cookie):
        key = cookie
    else:
        key = secrets.token_urlsafe(32)
        st.session_state[_NEW_KEY] = key
    st.session_state[_KEY] = key
    return key


def keep_browser_key() -> None:
    """Make sure this browser has a key, and ask it to keep one made in this session (once). Call it
    as the join page starts, so the cookie is set before anyone can reload."""
    browser_key()
    key = st.session_state.pop(_NEW_KEY, None)
    if not key:
        return
    cookie = f"{BROWSER_COOKIE}={key}; Path=/; Max-Age={COOKIE_MAX_AGE_SECONDS}; SameSite=Lax"
    st.html(f"<script>document.cookie = {json.dumps(cookie)} + (location.protocol === 'https:' ? '; Secure' : '');"
            "</script>", unsafe_allow_javascript=True)


def already_in(code: str) -> tuple[str, PhoneView] | None:
    """This browser's participant token and phone view in the room with ``code``, if it joined it."""
    if not code:
        return None
    token = browser_token(browser_key(), code)
    view = phone_view(current_store(), token)
    return (token, view) if view is not None else None


def max_participants() -> int:
    """``ELEARN_ROOM_MAX_PARTICIPANTS`` (``[elearn] room_max_participants``), 200 by default."""
    return current_settings().room_max_participants
