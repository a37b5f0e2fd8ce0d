"""Who is signed in, checked on the server on every script run.

A session is a random token whose SHA-256 the store keeps. This browser tab holds the token in
``st.session_state``; to survive a reload or a new tab it is also put in an HttpOnly, SameSite
cookie by the app's own route (``ui/routes.py``): the page asks the route to set it, because a
script cannot set response cookies. Each run looks the token up in the store, so a signed-out
or expired session is refused at once, whatever the browser still holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import streamlit as st

from elearn.names import tidy_name
from elearn.store import Role, User, create_user, end_session, session_user, start_session, user_by_email
from elearn.store.fields import DISPLAY_NAME_MAX
from ui.store import current_store, now, secrets, setting

COOKIE = "elearn_session"
SET_COOKIE_PATH = "/auth/session"
CLEAR_COOKIE_PATH = "/auth/signout"
_TOKEN_KEY = "session_token"  # noqa: S105 - the session_state key, not a secret
_THIS_RUN: ContextVar[tuple[User | None] | None] = ContextVar("user_resolved_in_this_run", default=None)
"""Set by app.py while it runs a page, so the page's own check reuses the lookup of this very run.
A page or fragment run without app.py (a fragment rerun, or a page file run on its own) finds it
unset and looks the session up itself."""


def _token() -> str | None:
    token = st.session_state.get(_TOKEN_KEY)
    if token:
        return str(token)
    cookie = st.context.cookies.get(COOKIE)
    return cookie if isinstance(cookie, str) and cookie else None


def resolve_user() -> User | None:
    """Look the session up in the store. app.py does it once per run (``signed_in_run``); pages,
    fragments and callbacks reach it through ``user_for_this_run``.

    Someone signed in through single sign-on but without a session of ours (their first visit,
    or after their session expired) gets one, if their email matches an account.
    """
    token = _token()
    user = session_user(current_store(), token, now()) if token else None
    if user is None:
        st.session_state.pop(_TOKEN_KEY, None)
        user = _from_single_sign_on()
    return user


def sso_configured() -> bool:
    """True when secrets hold an ``[auth]`` section for ``st.login`` (OpenID Connect)."""
    section = (secrets() or {}).get("auth")
    return isinstance(section, dict) and bool(section.get("redirect_uri"))


def _from_single_sign_on() -> User | None:
    """Match an identity-provider sign-in to an account by its email, and start a session for it.

    An unknown email gets a learner account when self-registration is on; otherwise the person
    is told to ask for an account. An email the provider marks as unverified is never trusted.
    """
    if not sso_configured() or not st.user.is_logged_in or st.session_state.get("_sso_signed_out"):
        return None
    email = str(st.user.get("email") or "").strip().lower()
    if not email or st.user.get("email_verified") is False:
        st.session_state["_sso_problem"] = "Your organisation's sign-in did not give a verified email address."
        return None
    store = current_store()
    user = user_by_email(store, email)
    if user is None and setting("self_registration", "on").lower() in ("on", "true", "1", "yes"):
        # The provider's name is not typed here and cannot be fixed here: drop hidden characters
        # (create_user refuses them in names people type) rather than refuse the sign-in.
        name = tidy_name(str(st.user.get("name") or email.split("@")[0]), limit=DISPLAY_NAME_MAX)
        user = create_user(store, username=_sso_username(email), display_name=name, password=None, email=email,
                           now=now())
    if user is None:
        st.session_state["_sso_problem"] = f"There is no account for {email} yet. Ask your administrator for one."
        return None
    sign_in(user)
    return user


def _sso_username(email: str) -> str:
    """A username for a new single-sign-on account: the email, which is unique and valid as a username."""
    return email[:64]


@contextmanager
def signed_in_run() -> Iterator[User | None]:
    """Resolve the user for this script run and let pages run inside the block reuse the answer.

    The answer lives only inside the block (a context variable reset on the way out, whatever
    the page raised), so nothing carries it into another run.
    """
    user = resolve_user()
    marker = _THIS_RUN.set((user,))
    try:
        yield user
    finally:
        _THIS_RUN.reset(marker)


def user_for_this_run() -> User | None:
    """The user checked against the store in this run: app.py's lookup if this page runs inside
    it, otherwise a fresh lookup. A page must never trust that app.py ran first."""
    resolved = _THIS_RUN.get()
    return resolved[0] if resolved is not None else resolve_user()


def require(*roles: Role) -> User:
    """The signed-in user if they hold one of ``roles``; otherwise stop the page with a refusal."""
    user = user_for_this_run()
    if user is None or not any(user.has(role) for role in roles):
        st.error("You don't have access to this page.", icon="🔒")
        st.stop()
    return user


def sign_in(user: User) -> None:
    """Start a session for ``user`` in this tab and ask the browser to keep it across reloads."""
    token = start_session(current_store(), user.id, now())
    st.session_state[_TOKEN_KEY] = token
    st.session_state["_pending_cookie"] = token


def sign_out() -> None:
    """End the session on the server, forget it in this tab, clear the browser cookie, and sign out of
    single sign-on too (otherwise the next run would sign the person straight back in)."""
    for token in {st.session_state.get(_TOKEN_KEY), _token()} - {None}:
        end_session(current_store(), str(token), now())
    single_sign_on = sso_configured() and st.user.is_logged_in
    st.session_state.clear()
    st.session_state["_clear_cookie"] = True
    if single_sign_on:
        # Until the browser has left for the provider's sign-out, st.user still says "signed in":
        # don't let a run turn that back into a session. The sign-out itself happens at the start
        # of the next run (finish_sign_out), in a run that ends normally: st.logout's redirect
        # could be lost in a run that ends with st.rerun.
        st.session_state["_sso_signed_out"] = True
        st.session_state["_sso_logout_pending"] = True


def finish_sign_out() -> None:
    """Complete a single-sign-on sign-out started by ``sign_out`` (sends the browser to the provider)."""
    if st.session_state.pop("_sso_logout_pending", False):
        st.logout()
        st.stop()


def sync_cookie() -> None:
    """Emit the small script that sets or clears the session cookie through our route, if due."""
    token = st.session_state.pop("_pending_cookie", None)
    if token:
        _post(SET_COOKIE_PATH, {"token": token})
    if st.session_state.pop("_clear_cookie", False):
        _post(CLEAR_COOKIE_PATH, {})


def _post(path: str, fields: dict[str, str]) -> None:
    body = json.dumps(fields)
    st.html(
        f"<script>fetch({json.dumps(path)}, {{method: 'POST', credentials: 'same-origin', "
        f"headers: {{'Content-Type': 'application/json'}}, body: {json.dumps(body)}}});</script>",
        unsafe_allow_javascript=True,
    )
