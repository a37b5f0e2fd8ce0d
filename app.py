"""Entry point (``streamlit run serve.py`` runs this script): the shared frame and navigation.

Navigation is built on every run from the signed-in user's roles, so a page a user may not see
is not in their app at all: its script never runs. Its address shows a stand-in instead (the
sign-in form when signed out, "You don't have access to this page" when signed in; see
``ui.nav.navigation_for``), never Streamlit's "Page not found". Pages check the role again
themselves (``ui.auth.require``). The layout is decided here, before the page runs, on every
run: wide for the pages of managers, administrators and facilitators, centred for the rest.
"""

from __future__ import annotations

import streamlit as st

from elearn.store import User
from ui import a11y
from ui.auth import finish_sign_out, sign_out, signed_in_run, sync_cookie
from ui.deep_links import asked_here, asking_for, follow_after_sign_in, no_access, signed_in_already
from ui.errors import run_guarded
from ui.nav import PAGES_DIR, Navigation, navigation_for, running, wide
from ui.text import md_escape

st.set_page_config(page_title="Calm under fire", page_icon="🗣️")


def main() -> None:
    finish_sign_out()
    with signed_in_run() as user:
        frame(user)


def frame(user: User | None) -> None:
    """The navigation this user may see, and the page they asked for (run inside ``signed_in_run``)."""
    sync_cookie()
    a11y.frame()  # focus styles, skip link, focus after navigation and answers (ui/a11y.py)
    nav = navigation_for(user, sign_in_first=PAGES_DIR / "signin.py", no_access=no_access,
                         signed_in_already=signed_in_already)
    sections = nav.sections
    if user is None:
        run(nav, st.navigation(sections, position="hidden"))
        return
    with st.sidebar:
        st.markdown(f"Signed in as **{md_escape(user.display_name or user.username)}**")
        if st.button("Sign out", icon="🚪"):
            sign_out()
            st.rerun()
    if not user.roles:  # "My account" alone is no course
        st.info("Your account has no role that gives access to the course yet. Ask your administrator.")
        return
    chosen = st.navigation(sections)
    follow_after_sign_in(user, at_root=nav.is_root(chosen))
    run(nav, chosen)


def run(nav: Navigation, chosen: st.Page) -> None:
    """Run the chosen page with its layout; a stand-in learns which page the address asked for."""
    name, stand_in = nav.name_of(chosen), nav.is_stand_in(chosen)
    # Set on every run, before the page draws anything: a page that set it itself would leave the
    # previous page's width in place until (and unless) its own call came.
    st.set_page_config(layout="wide" if wide(name) and not stand_in else "centered")
    with running(nav), asking_for(asked_here(name) if stand_in else None):
        chosen.run()


run_guarded(main)
