"""Set a new password with a one-time link an administrator made (``/reset?token=...``).

Reachable signed out. The token is read from the address and never shown; a used, expired or
replaced link says so and what to do.
"""

from __future__ import annotations

import streamlit as st

from elearn.store import AccountError, reset_link_user, reset_password
from ui.nav import link
from ui.store import current_store, now
from ui.text import md_escape

st.title("Set a new password")
if st.session_state.pop("reset-done", False):
    st.success("Your new password is set, and every earlier sign-in has ended. Sign in with it now.", icon="✅")
    link("signin", "Sign in", icon="🔑")
    st.stop()

token = st.query_params.get("token", "")
user = reset_link_user(current_store(), token, now()) if 0 < len(token) <= 100 else None
if user is None:
    st.error("This reset link is not valid any more: it was used already, it expired, or a newer one replaced it. "
             "Ask your administrator for a new link.", icon="🔗")
    st.stop()

st.caption(f"For the account **{md_escape(user.username)}**. The link works once.")
with st.form("reset-password"):
    new = st.text_input("New password", type="password", autocomplete="new-password", help="At least 10 characters.",
                        key="reset-new")
    repeat = st.text_input("New password again", type="password", autocomplete="new-password", key="reset-repeat")
    if st.form_submit_button("Set password", type="primary"):
        if new != repeat:
            st.error("The two passwords are different. Type them again.")
        else:
            try:
                reset_password(current_store(), token, new, now())
            except AccountError as error:
                st.error(md_escape(str(error)))
            else:
                st.session_state["reset-done"] = True
                st.query_params.clear()  # the spent token leaves the address bar
                st.rerun()
