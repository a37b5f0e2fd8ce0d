"""The app's own HTTP routes: set and clear the HttpOnly session cookie; one-click unsubscribe.

Mounted by ``serve.py`` through ``st.App(routes=...)``. The page never holds a session token: to
set the cookie it posts a one-time exchange code (``elearn.store.issue_cookie_code``), which this
route trades for the session's cookie token, once, within seconds. Both routes accept only
same-origin requests, so another site cannot plant its session in a learner's browser, and the
origin they compare with is the one the browser used: behind a trusted proxy, its forwarded
scheme and host (``ui/proxy.py`` rewrites the request before it gets here). Over HTTPS the cookie
is ``Secure``.
"""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from elearn.mail.compose import ONE_CLICK_PATH, UNSUBSCRIBE_PAGE
from elearn.store import end_session, redeem_cookie_code
from elearn.store.outbox import opt_out
from elearn.store.sessions import SESSION_TTL
from ui.auth import CLEAR_COOKIE_PATH, COOKIE, SET_COOKIE_PATH
from ui.lti import LTI_ROUTES
from ui.store import current_store, now


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    expected = f"{request.url.scheme}://{request.url.netloc}"
    return origin == expected


async def set_session_cookie(request: Request) -> Response:
    if not _same_origin(request):
        return JSONResponse({"error": "cross-origin request refused"}, status_code=403)
    try:
        code = str(json.loads(await request.body())["code"])
    except (ValueError, KeyError, TypeError):
        return JSONResponse({"error": "expected a JSON body with a code"}, status_code=400)
    token = redeem_cookie_code(current_store(), code, now())
    if token is None:
        return JSONResponse({"error": "not a valid code (used, expired or unknown)"}, status_code=403)
    response = JSONResponse({"ok": True})
    response.set_cookie(COOKIE, token, max_age=int(SESSION_TTL / timedelta(seconds=1)), httponly=True,
                        samesite="lax", secure=request.url.scheme == "https", path="/")
    return response


async def clear_session_cookie(request: Request) -> Response:
    """Sign the cookie's session out on the server as well: the tab that asks may have been
    signed in before this browser's cookie was set, and so never have seen its token."""
    if not _same_origin(request):
        return JSONResponse({"error": "cross-origin request refused"}, status_code=403)
    token = request.cookies.get(COOKIE)
    if token:
        end_session(current_store(), token, now())
    response = JSONResponse({"ok": True})
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response


async def one_click_unsubscribe(request: Request) -> Response:
    """RFC 8058: a mail client's one-click unsubscribe POSTs ``List-Unsubscribe=One-Click`` to the
    ``List-Unsubscribe`` address, from anywhere (no origin check: the token is the credential).
    A GET (a person, or a link scanner) only leads to the page with its button, changing nothing."""
    token = request.query_params.get("token", "")
    if request.method == "GET":
        return RedirectResponse(f"/{UNSUBSCRIBE_PAGE}?{urlencode({'token': token[:200]})}", status_code=303)
    form = (await request.body())[:1000].decode("utf-8", "replace")
    if "List-Unsubscribe=One-Click" not in form:
        return PlainTextResponse("expected the body List-Unsubscribe=One-Click (RFC 8058)", status_code=400)
    if not opt_out(current_store(), token, now()):
        return PlainTextResponse("unknown unsubscribe link", status_code=404)
    return PlainTextResponse("You will get no more reminder e-mails.")


ROUTES = [
    Route(SET_COOKIE_PATH, set_session_cookie, methods=["POST"]),
    Route(CLEAR_COOKIE_PATH, clear_session_cookie, methods=["POST"]),
    Route(ONE_CLICK_PATH, one_click_unsubscribe, methods=["GET", "POST"]),
    *LTI_ROUTES,
]
