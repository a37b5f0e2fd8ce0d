"""Teams and people (administrators): create teams, put learners and managers in them, upload people
from a CSV file, assign the course, administer accounts (``ui.people_admin``) and read the audit log."""

from __future__ import annotations

from collections import Counter

import streamlit as st

from elearn.errors import ElearnError
from elearn.manage.roster import COLUMNS, RosterRefused, read_roster, roster_conflicts
from elearn.store import (
    Role,
    add_team_manager,
    change_team,
    create_team,
    remove_team_manager,
    visible_teams,
    visible_users,
)
from ui import manage, people_admin
from ui.auth import require
from ui.course import current_course
from ui.store import current_store, now
from ui.text import md_escape

admin = require(Role.ADMIN)
course = current_course()
store = current_store()
all_teams = visible_teams(store, admin)
teams = {team.id: team.name for team in all_teams}

st.title("Teams and people")
section = st.segmented_control("Section", ["Teams", "Move people", "Upload people", "Assign", "Accounts", "Audit log"],
                               default="Teams", key="people-section", label_visibility="collapsed") or "Teams"


def done(message: str) -> None:
    """Remember what was done (user text in it is escaped), drop stale aggregates, and show the page anew."""
    manage.forget_cached()
    st.session_state["people-notice"] = message
    st.rerun()


if notice := st.session_state.pop("people-notice", None):
    st.success(notice, icon="✅")

if section == "Teams":
    with st.form("new-team", clear_on_submit=True):
        name = st.text_input("New team's name", max_chars=100)
        if st.form_submit_button("Create team", type="primary"):
            try:
                create_team(store, admin, name, now())
                done(f"Team '{md_escape(name.strip())}' created.")
            except ElearnError as error:
                st.error(md_escape(str(error)), icon="⚠️")
    members = Counter(person.team_id for person in visible_users(store, admin))  # one pass, not one per team
    st.dataframe([{"Team": team_name, "Members": members[team_id]} for team_id, team_name in teams.items()],
                 hide_index=True)

elif section == "Move people":
    search = st.text_input("Find a person", placeholder="Part of a name or username", key="move-search")
    needle = search.strip().casefold()
    people = visible_users(store, admin) if needle else ()  # read only once there is something to look for
    found = [p for p in people if needle in p.username or needle in p.display_name.casefold()][:50]
    if needle and not found:
        st.caption("Nobody matches that.")
    labels = {p.id: f"{p.display_name} ({p.username})" + (f" · {teams.get(p.team_id, '')}" if p.team_id else "")
              for p in found}
    person_id = st.selectbox("Person", list(labels), format_func=lambda key: labels[key], index=None,
                             placeholder="Search first", key="move-person")
    team_id = st.selectbox("Team", [None, *teams], format_func=lambda key: "No team" if key is None else teams[key],
                           key="move-team")
    member, manager, stop = st.columns(3)
    try:
        if member.button("Make them a member", disabled=person_id is None) and person_id is not None:
            change_team(store, admin, person_id, team_id, now())  # audited, like the Accounts section
            done(f"{md_escape(labels[person_id])} is now in {md_escape(teams.get(team_id or -1, 'no team'))}.")
        if manager.button("Make them its manager", disabled=person_id is None or team_id is None) \
                and person_id is not None and team_id is not None:
            add_team_manager(store, admin, person_id, team_id, now())  # audited too
            done(f"{md_escape(labels[person_id])} now manages {md_escape(teams[team_id])}.")
        if stop.button("Stop them managing it", disabled=person_id is None or team_id is None) \
                and person_id is not None and team_id is not None:
            remove_team_manager(store, admin, person_id, team_id, now())
            done(f"{md_escape(labels[person_id])} no longer manages {md_escape(teams[team_id])}.")
    except ElearnError as error:
        st.error(md_escape(str(error)), icon="⚠️")

elif section == "Upload people":
    st.caption(f"A CSV file with a header row. Columns: {', '.join(COLUMNS)} (only username is required). Teams "
               "are named as they are here; roles and managed teams are separated by ';'. Leave password empty for "
               "single sign-on accounts.")
    upload = st.file_uploader("CSV file of people", type=["csv"], key="people-csv")
    if upload is not None:
        roster = read_roster(upload.getvalue(), {name: team_id for team_id, name in teams.items()})
        problems = roster.problems or roster_conflicts(store, admin, roster)
        if problems:
            st.error(str(RosterRefused(problems)), icon="📄")
            st.dataframe({"Problem": list(problems)}, hide_index=True)
        else:
            st.dataframe([{"Row": p.line, "Username": p.username, "Name": p.display_name,
                           "Team": teams.get(p.team_id or -1, ""), "Roles": ", ".join(sorted(p.roles)),
                           "Manages": ", ".join(teams[t] for t in p.manages)} for p in roster.people],
                         hide_index=True)
            if st.button(f"Create {len(roster.people)} account(s)", type="primary", key="people-create"):
                try:
                    made = manage.import_people(admin, roster)
                except RosterRefused as refused:  # changed since the check above: still, nobody was created
                    st.error(str(refused), icon="📄")
                    st.dataframe({"Problem": list(refused.problems)}, hide_index=True)
                else:
                    done(f"Created {len(made)} account(s).")

elif section == "Accounts":
    people_admin.accounts_section(teams, done)

elif section == "Audit log":
    people_admin.audit_section()

else:
    st.subheader("Assign training")
    manage.assignment_form(admin, course, all_teams)
    st.subheader("Assignments in force")
    manage.assignments_table(admin, course, all_teams)
