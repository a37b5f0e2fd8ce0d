"""Sign in, create an account, or (on a new server) set up the first administrator.

Also shown at the address of any other page for someone signed out (``ui.nav.navigation_for``):
signing in reruns that address, so the page asked for opens with its query string.
"""

from __future__ import annotations

import streamlit as st

from elearn.store import (
    FIRST_ADMIN_EXTRA_ROLES,
    AccountDeactivated,
    AccountError,
    SetupClosed,
    Throttled,
    admin_exists,
    authenticate,
    claim_setup_token,
    register,
)
from elearn.store.signup import sign_up_problems
from ui.auth import client_address, sign_in, sso_configured, wait_phrase
from ui.deep_links import asked_for, remember_for_single_sign_on
from ui.nav import SPECS
from ui.store import current_settings, current_store, now
from ui.text import md_escape

store = current_store()
st.title("Calm under fire")
st.caption("A course in calming angry and abusive customers.")
wanted = asked_for()
if wanted is not None:
    st.info(f"Sign in to open **{SPECS[wanted.page].title}**. You will go straight there.", icon="🔑")

settings = current_settings()
allow_registration = settings.self_registration
tabs = ["Sign in"] + (["Create account"] if allow_registration else [])
first_run = not admin_exists(store)
if first_run:
    tabs.append("First-time set-up")
panes = dict(zip(tabs, st.tabs(tabs), strict=True))

if sso_configured():
    if wanted is not None:
        remember_for_single_sign_on(wanted)  # the identity provider sends the browser back to the root address
    with panes["Sign in"]:
        problem = st.session_state.pop("_sso_problem", "")
        if problem:
            st.error(md_escape(problem))  # it quotes the e-mail the identity provider sent
        st.button("Sign in with your organisation account", type="primary", icon="🏢", on_click=st.login,
                  key="sso-sign-in")
        st.caption("Or with a username and password:")

with panes["Sign in"], st.form("sign-in"):
    username = st.text_input("Username", autocomplete="username", key="signin-username")
    password = st.text_input("Password", type="password", autocomplete="current-password", key="signin-password")
    if st.form_submit_button("Sign in", type="primary"):
        try:
            result = authenticate(store, username, password, now(), client=client_address())
        except AccountDeactivated as deactivated:  # only said to someone who typed the right password
            st.error(md_escape(str(deactivated)), icon="🚫")
        else:
            if isinstance(result, Throttled):
                st.error(f"Too many sign-in attempts. Wait {wait_phrase(result)}, then try again.", icon="⏳")
            elif result is None:
                st.error("That username and password don't match an account. Check them and try again.")
            else:
                sign_in(result)
                st.rerun()

if "Create account" in panes:
    with panes["Create account"], st.form("register"):
        new_username = st.text_input("Username", help="Lower-case letters, digits and . _ @ + -",
                                     autocomplete="username", key="reg-username")
        display_name = st.text_input("Your name", max_chars=80, key="reg-name")
        email = st.text_input("Work email (optional)", autocomplete="email", key="reg-email")
        new_password = st.text_input("Password", type="password", help="At least 10 characters.",
                                     autocomplete="new-password", key="reg-password")
        repeat = st.text_input("Password again", type="password", autocomplete="new-password", key="reg-repeat")
        if st.form_submit_button("Create account", type="primary"):
            problems = sign_up_problems(username=new_username, display_name=display_name, email=email,
                                        password=new_password, repeat=repeat)
            if problems:  # all of them at once, so the form is fixed in one go
                st.error("Please fix these and submit again:\n\n" + "\n".join(f"- {md_escape(problem)}"
                                                                               for problem in problems))
            else:
                try:
                    user = register(store, username=new_username, display_name=display_name.strip(),
                                    password=new_password, email=email.strip() or None, now=now(),
                                    allow_self_registration=allow_registration)
                except AccountError as error:
                    st.error(md_escape(str(error)))
                else:
                    sign_in(user)
                    st.rerun()

if first_run:
    with panes["First-time set-up"], st.form("setup"):
        st.caption("The server printed a one-time set-up token in its log when it started. Use it to create the "
                   "first administrator (who is also a facilitator and a manager, unless the server turns that "
                   "off). Or run `python -m elearn admin create --username you` on the server.")
        token = st.text_input("Set-up token", type="password", key="setup-token")
        admin_name = st.text_input("Administrator username", key="setup-username")
        admin_password = st.text_input("Password", type="password", key="setup-password",
                                       help="At least 10 characters.")
        if st.form_submit_button("Create administrator"):
            try:
                admin = claim_setup_token(store, token.strip(), admin_name, admin_password, now(),
                                          extra_roles=FIRST_ADMIN_EXTRA_ROLES if settings.first_admin_roles else ())
            except (SetupClosed, AccountError) as error:
                st.error(md_escape(str(error)))
            else:
                sign_in(admin)
                st.rerun()
