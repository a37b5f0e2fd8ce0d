"""My account (everyone signed in): who they are, and changing their own password."""

from __future__ import annotations

import streamlit as st

from elearn.store import AccountError, Role, change_password
from ui.auth import client_address, require, sign_in
from ui.deep_links import ROLE_NAMES
from ui.store import current_store, now
from ui.text import md_escape

user = require(*Role)
st.title("My account")
st.markdown(f"**{md_escape(user.display_name)}** · username `{md_escape(user.username)}` · "
            f"{md_escape(user.email or 'no e-mail')}  \n"
            f"Roles: {md_escape(', '.join(ROLE_NAMES[role] for role in sorted(user.roles)))}. An administrator "
            "changes these.")
if st.session_state.pop("account-password-changed", False):
    st.success("Your password is changed. You were signed out everywhere else.", icon="✅")

st.subheader("Change your password")
if not user.has_password:
    st.info("You sign in through your organisation's account, so your password is changed there.", icon="🏢")
    st.stop()
with st.form("change-password", clear_on_submit=True):
    current = st.text_input("Current password", type="password", autocomplete="current-password",
                            key="account-current")
    new = st.text_input("New password", type="password", autocomplete="new-password", help="At least 10 characters.",
                        key="account-new")
    repeat = st.text_input("New password again", type="password", autocomplete="new-password", key="account-repeat")
    if st.form_submit_button("Change password", type="primary"):
        if new != repeat:
            st.error("The two new passwords are different. Type them again.")
        else:
            try:
                changed = change_password(current_store(), user, current, new, now(), client=client_address())
            except AccountError as error:
                st.error(md_escape(str(error)))
            else:
                sign_in(changed)  # every session ended with the old password, this tab's too: start a new one
                st.session_state["account-password-changed"] = True
                st.rerun()
