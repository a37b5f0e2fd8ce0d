"""The administrator's "Accounts" and "Audit log" sections of Teams and people (``pages/people.py``).

Find someone, then change their roles, team, name or e-mail, deactivate (after a confirmation)
or reactivate them, or give them a one-time password-reset link: e-mailed once when e-mail is set
up and they have an address, else shown here once. Every action goes through
``elearn.store.administration`` (and ``elearn.store.resets``), which checks in its own transaction
that the signed-in user is still an active administrator and keeps the last one from locking
everyone out; the page re-checks the role on every run (``ui.auth.require``) before drawing any of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

import streamlit as st

from elearn.errors import ElearnError
from elearn.manage.exports import audit_csv
from elearn.store import (
    RESET_PATH,
    RESET_TTL,
    Role,
    User,
    audit_log,
    change_email,
    change_roles,
    change_team,
    deactivate,
    find_people,
    issue_reset_link,
    queue_reset_email,
    reactivate,
    rename,
)
from ui.auth import require
from ui.deep_links import ROLE_NAMES
from ui.store import current_settings, current_store, now
from ui.text import counted, md_escape

AUDIT_SHOWN = 200
_CONFIRM = "admin-confirm-deactivate"
_LINK = "admin-reset-link"


def accounts_section(teams: Mapping[int, str], done: Callable[[str], None]) -> None:
    """Find an account and act on it; ``done(message)`` reports a change and reruns the page."""
    admin = require(Role.ADMIN)
    store = current_store()
    search = st.text_input("Find an account", placeholder="Part of a name, username or e-mail address",
                           key="admin-search")
    found = find_people(store, admin, search) if search.strip() else ()
    if search.strip() and not found:
        st.caption("Nobody matches that.")
    labels = {user.id: _label(user) for user in found}
    chosen = st.selectbox("Account", list(labels), format_func=lambda key: labels[key], index=None,
                          placeholder="Search first", key="admin-person")
    user = next((u for u in found if u.id == chosen), None)
    if user is None:
        return
    _details(user, teams)
    link = st.session_state.pop(_LINK, None)
    if isinstance(link, tuple) and link[0] == user.id:
        st.success(f"A one-time link for {md_escape(user.username)} to set a new password, valid 24 hours. It is "
                   "shown only now: copy it and send it to them privately.", icon="🔗")
        st.code(link[1], language=None)
    try:
        _actions(admin, user, teams, done)
    except ElearnError as error:
        st.error(md_escape(str(error)), icon="⚠️")


def audit_section() -> None:
    """The latest administrative actions, and the whole log as CSV."""
    admin = require(Role.ADMIN)
    events = audit_log(current_store(), admin)
    st.caption(f"{counted(len(events), 'action')} recorded; the latest {AUDIT_SHOWN:d} are shown. Times are UTC.")
    st.dataframe(
        [{"When (UTC)": f"{e.occurred_at:%Y-%m-%d %H:%M:%S}", "Who": e.actor, "Action": e.action, "Account": e.subject,
          "Before": _fields(e.before), "After": _fields(e.after)} for e in events[:AUDIT_SHOWN]],
        hide_index=True, key="audit-table")
    st.download_button("Download the audit log (CSV)", data=audit_csv(events),
                       file_name=f"audit-log-{date.today().isoformat()}.csv", mime="text/csv", icon="⬇️",
                       on_click="ignore", key="audit-download")


def _details(user: User, teams: Mapping[int, str]) -> None:
    state = "active" if user.active else f"deactivated on {user.deactivated_at:%Y-%m-%d %H:%M} UTC"
    seen = f"{user.last_seen_at:%Y-%m-%d %H:%M} UTC" if user.last_seen_at else "never"
    st.markdown(
        f"**{md_escape(user.display_name)}** · username `{md_escape(user.username)}` · "
        f"{md_escape(user.email or 'no e-mail')} · {md_escape(teams.get(user.team_id or -1, 'no team'))}  \n"
        f"Roles: {md_escape(', '.join(ROLE_NAMES[role] for role in sorted(user.roles)) or 'none')} · "
        f"account {md_escape(state)} · "
        f"last seen {md_escape(seen)}" + ("" if user.has_password else " · signs in through single sign-on"))


def _actions(admin: User, user: User, teams: Mapping[int, str], done: Callable[[str], None]) -> None:
    store, who = current_store(), md_escape(user.username)
    key = f"-{user.id}"  # each account's fields start from its own values
    roles = st.multiselect("Roles", list(Role), default=sorted(user.roles), format_func=lambda r: ROLE_NAMES[r],
                           key=f"admin-roles{key}")
    if st.button("Save roles", key=f"admin-save-roles{key}"):
        change_roles(store, admin, user.id, roles, now())
        done(f"{who} now has the roles: {', '.join(ROLE_NAMES[r] for r in sorted(roles)) or 'none'}.")
    team_ids: list[int | None] = [None, *teams]
    team_id = st.selectbox("Team", team_ids, index=team_ids.index(user.team_id) if user.team_id in teams else 0,
                           format_func=lambda t: "No team" if t is None else teams[t], key=f"admin-team{key}")
    if st.button("Move to this team", key=f"admin-save-team{key}"):
        change_team(store, admin, user.id, team_id, now())
        done(f"{who} is now in {md_escape(teams.get(team_id or -1, 'no team'))}.")
    name = st.text_input("Display name", value=user.display_name, max_chars=200, key=f"admin-name{key}")
    if st.button("Save name", key=f"admin-save-name{key}"):
        changed = rename(store, admin, user.id, name, now())
        done(f"{who} is now shown as {md_escape(changed.display_name)}.")
    email = st.text_input("E-mail", value=user.email or "", max_chars=320, key=f"admin-email{key}",
                          help="Leave empty for none. An address you enter counts as confirmed for single sign-on.")
    if st.button("Save e-mail", key=f"admin-save-email{key}"):
        changed = change_email(store, admin, user.id, email, now())
        done(f"{who}'s e-mail is now {md_escape(changed.email or 'none')}.")
    st.divider()
    if user.has_password and user.active:
        _reset_link(admin, user, done)
    if not user.active:
        if st.button("Reactivate", key=f"admin-reactivate{key}"):
            reactivate(store, admin, user.id, now())
            done(f"{who} is active again and can sign in with their old password.")
        return
    if st.session_state.get(_CONFIRM) != user.id:
        if st.button("Deactivate…", key=f"admin-deactivate{key}"):
            st.session_state[_CONFIRM] = user.id
            st.rerun()
        return
    st.warning(f"Deactivate {md_escape(user.username)}? They are signed out everywhere at once and can no longer "
               "sign in. Their progress stays, shown as deactivated on Team progress. You can reactivate them later.",
               icon="⚠️")
    yes, no = st.columns(2)
    if yes.button(f"Yes, deactivate {md_escape(user.username)}", type="primary", key=f"admin-deactivate-yes{key}"):
        st.session_state.pop(_CONFIRM, None)
        deactivate(store, admin, user.id, now())
        done(f"{who} is deactivated and signed out everywhere.")
    if no.button("Cancel", key=f"admin-deactivate-no{key}"):
        st.session_state.pop(_CONFIRM, None)
        st.rerun()


def _reset_link(admin: User, user: User, done: Callable[[str], None]) -> None:
    """E-mail a one-time reset link once, or, when e-mail cannot reach them, show one here once."""
    settings, key, hours = current_settings(), f"-{user.id}", int(RESET_TTL.total_seconds() // 3600)
    if settings.smtp.configured and settings.public_url and user.email:
        if st.button("E-mail a password-reset link", key=f"admin-reset-mail{key}"):
            address = queue_reset_email(current_store(), admin, user.id, now())
            done(f"A one-time link to set a new password goes to {md_escape(address)} with the next mail run, valid "
                 f"{hours} hours from then. Links made before stop working now.")
        return
    st.caption("E-mail is not set up on this server, so a reset link is shown here once for you to pass on."
               if user.email else "They have no e-mail address, so a reset link is shown here once for you to pass on.")
    if st.button("Create a password-reset link", key=f"admin-reset{key}"):
        token = issue_reset_link(current_store(), admin, user.id, now())
        st.session_state[_LINK] = (user.id, _reset_url(token))
        st.rerun()


def _reset_url(token: str) -> str:
    base = current_settings().public_url or (st.context.url or "").split("?", 1)[0].rsplit("/", 1)[0]
    return f"{base.rstrip('/')}/{RESET_PATH}?token={token}"


def _label(user: User) -> str:
    state = "" if user.active else " · deactivated"
    return f"{user.display_name} ({user.username}){state}"


def _fields(values: Mapping[str, object]) -> str:
    return ", ".join(f"{name}: {value}" for name, value in values.items())
