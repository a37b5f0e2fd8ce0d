"""Entry point (``streamlit run serve.py`` runs this script): the shared frame and navigation.

Navigation is built on every run from the signed-in user's roles, so a page a user may not see
is not in their app at all: its URL falls back to the home page and its script never runs.
Pages check the role again themselves (``ui.auth.require``).
"""

from __future__ import annotations

import streamlit as st

from elearn.store import User
from ui import a11y
from ui.auth import finish_sign_out, sign_out, signed_in_run, sync_cookie
from ui.errors import run_guarded
from ui.nav import navigation_for
from ui.text import md_escape

st.set_page_config(page_title="Calm under fire", page_icon="🗣️", layout="centered")


def main() -> None:
    finish_sign_out()
    with signed_in_run() as user:
        frame(user)


def frame(user: User | None) -> None:
    """The navigation this user may see, and the page they asked for (run inside ``signed_in_run``)."""
    sync_cookie()
    a11y.frame()  # focus styles, skip link, focus after navigation and answers (ui/a11y.py)
    sections = navigation_for(user)
    if user is None:
        st.navigation(sections[""], position="hidden").run()
        return
    with st.sidebar:
        st.markdown(f"Signed in as **{md_escape(user.display_name or user.username)}**")
        if st.button("Sign out", icon="🚪"):
            sign_out()
            st.rerun()
    if not any(page.visibility == "visible" for pages in sections.values() for page in pages):
        st.info("Your account has no role that gives access to the course yet. Ask your administrator.")
        return
    st.navigation(sections).run()


run_guarded(main)
