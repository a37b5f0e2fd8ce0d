"""Who is signed in, checked on the server on every script run.

A session is a random token whose SHA-256 the store keeps. This browser tab holds the token in
``st.session_state`` (server memory, never the page). To survive a reload or a new tab the
session also gets an HttpOnly, SameSite cookie from the app's own route (``ui/routes.py``),
because a script cannot set response cookies: the page receives a one-time exchange code, good
for seconds, posts it to the route, which answers with the cookie, and then removes the script
that carried the code. Each run looks the token up in the store, so a signed-out or expired
session is refused at once, whatever the browser still holds.
"""

from __future__ import annotations

import json
import math
import secrets as random_ids
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import streamlit as st

from elearn.store import (
    AccessDenied,
    Identity,
    IdentityRefused,
    Role,
    Throttled,
    User,
    end_session,
    issue_cookie_code,
    session_user,
    sign_in_with_identity,
    start_session,
)
from ui.store import current_settings, current_store, now, secrets

COOKIE = "elearn_session"
SET_COOKIE_PATH = "/auth/session"
CLEAR_COOKIE_PATH = "/auth/signout"
_TOKEN_KEY = "session_token"  # noqa: S105 - the session_state key, not a secret
LOCAL_CLIENT = "local"
"""The client address of a browser on the server itself (Streamlit reports no address for loopback)."""
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


def client_address() -> str:
    """The address this browser connects from, for throttles: the websocket's peer, or the
    client a trusted proxy forwarded (``ui/proxy.py`` decides which to believe)."""
    address = st.context.ip_address
    # Anything but a non-empty string (no client context, as under AppTest) counts as this machine.
    return address if isinstance(address, str) and address else LOCAL_CLIENT


def wait_phrase(throttled: Throttled) -> str:
    """How long a throttled person should wait, in words: "30 seconds", "2 minutes"."""
    seconds = max(1, math.ceil((throttled.retry_after - now()).total_seconds()))
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


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
    """The account of an identity-provider sign-in, and a session for it; None with the reason
    kept for the sign-in page (``_sso_problem``) when there is none.

    ``elearn.store.identities`` decides: by the provider's (issuer, subject) once linked, and
    before that only by an e-mail that both the provider and this server have verified.
    """
    if not sso_configured() or not st.user.is_logged_in or st.session_state.get("_sso_signed_out"):
        return None
    identity = Identity(
        issuer=str(st.user.get("iss") or ""),
        subject=str(st.user.get("sub") or ""),
        email=str(st.user.get("email") or "") or None,
        # Some providers send the claim as the string "true".
        email_verified=str(st.user.get("email_verified")).lower() == "true",
        name=str(st.user.get("name") or ""),
    )
    allow_sign_up = current_settings().self_registration
    try:
        user = sign_in_with_identity(current_store(), identity, now(), allow_sign_up=allow_sign_up)
    except IdentityRefused as refused:
        st.session_state["_sso_problem"] = str(refused)
        return None
    sign_in(user)
    return user


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


def acting_user(*roles: Role) -> User:
    """For a widget callback: the user this session belongs to now, looked up afresh, if they hold
    one of ``roles``. Raises ``AccessDenied`` otherwise (``ui.errors.guarded_callback`` says so).

    A callback runs before the script, outside app.py's check, on a click the page drew in an
    earlier run: the session may have ended or lost the role since."""
    user = resolve_user()
    if user is None or not any(user.has(role) for role in roles):
        raise AccessDenied("the session no longer allows this")
    return user


def sign_in(user: User) -> None:
    """Start a session for ``user`` in this tab and ask the browser to keep it across reloads
    (through a one-time code: the token itself stays on the server)."""
    store = current_store()
    token = start_session(store, user.id, now())
    st.session_state[_TOKEN_KEY] = token
    code = issue_cookie_code(store, token, now())
    if code is not None:
        st.session_state["_pending_cookie"] = code


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
    code = st.session_state.pop("_pending_cookie", None)
    if code:
        _post(SET_COOKIE_PATH, {"code": code})
    if st.session_state.pop("_clear_cookie", False):
        _post(CLEAR_COOKIE_PATH, {})


def _post(path: str, fields: dict[str, str]) -> None:
    """Post ``fields`` to our route from the page, then take the script out of the page again, so
    the code it carried does not sit in the DOM (it is spent by then, and expires in seconds anyway)."""
    marker = f"elearn-post-{random_ids.token_hex(8)}"
    body = json.dumps(fields)
    st.html(
        f"<script data-elearn-post={json.dumps(marker)}>(() => {{"
        f"const gone = () => document.querySelectorAll('[data-elearn-post={marker}]').forEach(e => e.remove());"
        f"fetch({json.dumps(path)}, {{method: 'POST', credentials: 'same-origin', "
        f"headers: {{'Content-Type': 'application/json'}}, body: {json.dumps(body)}}}).finally(gone);"
        f"}})();</script>",
        unsafe_allow_javascript=True,
    )
