"""The app's own HTTP routes: set and clear the HttpOnly session cookie.

Mounted by ``serve.py`` through ``st.App(routes=...)``. Setting the cookie needs a valid,
unexpired session token (checked in the store), and both routes accept only same-origin
requests, so another site cannot plant its session in a learner's browser.
"""

from __future__ import annotations

import json
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from elearn.store import session_user
from elearn.store.sessions import SESSION_TTL
from ui.auth import CLEAR_COOKIE_PATH, COOKIE, SET_COOKIE_PATH
from ui.store import current_store, now


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    expected = f"{request.url.scheme}://{request.url.netloc}"
    return origin == expected


async def set_session_cookie(request: Request) -> Response:
    if not _same_origin(request):
        return JSONResponse({"error": "cross-origin request refused"}, status_code=403)
    try:
        token = str(json.loads(await request.body())["token"])
    except (ValueError, KeyError, TypeError):
        return JSONResponse({"error": "expected a JSON body with a token"}, status_code=400)
    if session_user(current_store(), token, now()) is None:
        return JSONResponse({"error": "not a valid session"}, status_code=403)
    response = JSONResponse({"ok": True})
    response.set_cookie(COOKIE, token, max_age=int(SESSION_TTL / timedelta(seconds=1)), httponly=True,
                        samesite="lax", secure=request.url.scheme == "https", path="/")
    return response


async def clear_session_cookie(request: Request) -> Response:
    if not _same_origin(request):
        return JSONResponse({"error": "cross-origin request refused"}, status_code=403)
    response = JSONResponse({"ok": True})
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
    return response


ROUTES = [
    Route(SET_COOKIE_PATH, set_session_cookie, methods=["POST"]),
    Route(CLEAR_COOKIE_PATH, clear_session_cookie, methods=["POST"]),
]
