"""Rosters from the LMS, for an LMS course's instructors (managers of its team) and
administrators: sync the course's membership into its team (LTI Names and Role Provisioning)."""

from __future__ import annotations

import streamlit as st

from elearn.lti.roster import RosterFailed, sync_roster
from elearn.store import Role
from elearn.store.lti_rosters import rosters_for
from ui.auth import acting_user, require
from ui.errors import guarded_callback
from ui.store import current_store, now
from ui.text import md_escape

user = require(Role.MANAGER, Role.ADMIN)
store = current_store()

st.title("Rosters from the LMS")
st.caption("Bring everyone enrolled in an LMS course into its team now, before they launch the course: new "
           "accounts are made for them (matched by their LMS identity, never by e-mail), and their LMS roles "
           "are added here. Nobody is removed.")

if done := st.session_state.pop("lms-roster-done", None):
    st.success(md_escape(done), icon="✅")
if failed := st.session_state.pop("lms-roster-failed", None):
    st.error(md_escape(failed), icon="⚠️")


def sync(context_row_id: int, team: str) -> None:
    try:
        result = sync_roster(current_store(), acting_user(Role.MANAGER, Role.ADMIN), context_row_id, now())
    except RosterFailed as refused:
        st.session_state["lms-roster-failed"] = f"{team}: {refused}"
    else:
        st.session_state["lms-roster-done"] = f"{team}: {result}."


rosters = rosters_for(store, user)
if not rosters:
    st.info("No LMS course of yours has a roster to sync yet. One appears here once an instructor or learner has "
            "launched the course from an LMS that grants the tool the Names and Role Provisioning service.",
            icon="ℹ️")
for roster in rosters:
    with st.container(border=True):
        st.markdown(f"**{md_escape(roster.team_name)}**")
        last = (f"Last synced {roster.synced_at:%d %b %Y %H:%M} UTC: {roster.last_result}" if roster.synced_at
                else "Never synced.")
        st.caption(md_escape(last))
        st.button(f"Sync {md_escape(roster.team_name)} from the LMS", key=f"sync-{roster.context_row_id}", icon="🔄",
                  on_click=guarded_callback(sync), args=(roster.context_row_id, roster.team_name))
