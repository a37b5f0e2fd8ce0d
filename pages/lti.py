"""LMS (LTI 1.3), for administrators: the tool's addresses and public key to paste into an LMS,
the platforms registered, and a form to register one (the same checks as ``python -m elearn lti``)."""

from __future__ import annotations

import json

import streamlit as st

from elearn.lti import PlatformProblem, register_platform, tool_urls
from elearn.lti.keys import tool_jwks
from elearn.store import Role
from elearn.store.lti import PlatformExists, platforms
from elearn.store.lti_scores import queue_state
from ui.auth import acting_user, require
from ui.errors import guarded_callback
from ui.lti_grades import send_scores_now
from ui.nav import link
from ui.store import current_settings, current_store, now
from ui.text import md_escape

require(Role.ADMIN)
store = current_store()

st.title("LMS (LTI 1.3)")
st.caption("Launch this course from an LMS such as Moodle or Canvas: launches, Deep Linking, grade passback "
           "and roster sync (see docs/lms.md).")

st.subheader("This tool, for the LMS")
try:
    urls = tool_urls(current_settings().public_url)
except PlatformProblem as missing:
    st.warning(md_escape(str(missing)), icon="⚙️")
else:
    st.dataframe([{"What the LMS asks for": label, "Value": value} for label, value in (
        ("Login initiation URL (OIDC login)", urls.login), ("Launch / redirect URL", urls.launch),
        ("Public keyset (JWKS) URL", urls.jwks))], hide_index=True)
    with st.expander("Public key (JWKS)"):
        st.code(json.dumps(tool_jwks(store, now()), indent=2), language="json")

if just_added := st.session_state.pop("lti-registered", None):
    st.success(f"Registered {md_escape(just_added[0])} (client id {md_escape(just_added[1])}).", icon="✅")

st.subheader("Registered platforms")
registered = platforms(store)
if registered:
    st.dataframe([{"Issuer": p.issuer, "Client id": p.client_id, "Deployment ids": ", ".join(p.deployment_ids),
                   "JWKS URL": p.jwks_url} for p in registered], hide_index=True)
else:
    st.caption("None yet.")

with st.form("lti-platform"):
    st.markdown("**Register a platform** (the LMS shows these values once the tool is added to it)")
    issuer = st.text_input("Issuer", max_chars=255, key="lti-issuer", placeholder="https://moodle.example.org")
    client_id = st.text_input("Client id", max_chars=255, key="lti-client-id")
    deployments = st.text_area("Deployment ids (one a line)", max_chars=4000, key="lti-deployments")
    auth_login_url = st.text_input("Authentication request URL", max_chars=1000, key="lti-auth-url")
    token_url = st.text_input("Access token URL", max_chars=1000, key="lti-token-url")
    jwks_url = st.text_input("Public keyset (JWKS) URL", max_chars=1000, key="lti-jwks-url")
    if st.form_submit_button("Register platform", type="primary"):
        try:
            added = register_platform(store, issuer=issuer, client_id=client_id,
                                      deployment_ids=deployments.splitlines(), auth_login_url=auth_login_url,
                                      token_url=token_url, jwks_url=jwks_url, now=now())
        except PlatformProblem as refused:
            st.error("Not registered:\n\n" + "\n".join(f"- {md_escape(p)}" for p in refused.problems), icon="⚠️")
        except PlatformExists as taken:
            st.error(md_escape(str(taken)), icon="⚠️")
        else:
            st.session_state["lti-registered"] = (added.issuer, added.client_id)
            st.rerun()

st.subheader("Grades sent to LMS gradebooks")
if sent := st.session_state.pop("lti-scores-sent", None):
    st.info(md_escape(sent), icon="📤")
state = queue_state(store)
waiting, went, dropped = st.columns(3)
waiting.metric("Waiting to be sent", state.waiting)
went.metric("Sent", state.sent)
dropped.metric("Refused by the LMS", state.dropped)
if state.last_error:
    st.warning(f"Last error ({md_escape(state.last_error_key or '')}): {md_escape(state.last_error)}", icon="⚠️")
st.caption("Scores are sent in the background and retried while an LMS is down (every 1, 2, 4... minutes, at "
           "most hourly). `python -m elearn lti send-scores` does the same from cron.")


def send_now() -> None:
    acting_user(Role.ADMIN)
    report = send_scores_now()
    st.session_state["lti-scores-sent"] = (f"Sent {len(report.sent)}, retrying {len(report.retrying)}, "
                                           f"refused {len(report.dropped)}.")


st.button("Send waiting scores now", icon="📤", on_click=guarded_callback(send_now))
link("lms_roster", "Sync a course's roster from the LMS", icon="🔄")
