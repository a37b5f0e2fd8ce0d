"""The LTI 1.3 routes: ``/lti/login`` (login initiation), ``/lti/launch``, ``/lti/jwks``,
``/lti/continue`` (a framed launch's "open in a new window") and the deep-linking picker
(``ui/lti_picker.py``).

Mounted with the cookie routes (``ui/routes.py``). The launch arrives as a cross-site form post
from the LMS. What binds it to its login initiation is the state and nonce kept in the store
(``elearn.lti.launch``) and, over HTTPS, a per-state SameSite=None cookie the login set in the
browser (``state_cookie``): a launch without it is refused, so nobody can finish their own login
in someone else's browser. Over plain HTTP (development) browsers refuse such cookies, so only
the server-side checks apply there. A verified launch gets a session
and the same HttpOnly cookie the sign-in flow sets (through the one-time code, redeemed here on
the server), then a redirect to its page. A launch the LMS shows inside its own page (its
``launch_presentation`` says iframe) gets a page offering "open in a new window" first (a one-time
link that gives that window a session of its own) and "continue here", with the cookie set
``SameSite=None; Secure; Partitioned`` over HTTPS so browsers that allow it keep it in the frame.
A refusal is a short HTML page with the reason.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from elearn.errors import ElearnError
from elearn.lti import LaunchRefused, begin_login, state_cookie, verify_launch
from elearn.lti.deep_linking import PICKER_PATH
from elearn.lti.keys import fetch_key_set, tool_jwks
from elearn.lti.launch import STATE_TTL
from elearn.lti.platforms import JWKS_PATH, LAUNCH_PATH, LOGIN_PATH
from elearn.store import issue_cookie_code, redeem_cookie_code, start_session
from elearn.store.sessions import SESSION_TTL
from ui.auth import COOKIE
from ui.lti_picker import PICKER_ROUTES
from ui.store import current_settings, current_store, now

_OTHER_BROWSER = (
    "This launch did not come back to the browser window that started it (its check cookie is missing), so it "
    "was refused. Launch the activity again from your LMS; if it opens inside the LMS page, set the tool to "
    "open in a new window: browsers block the cookies of a site shown inside another site's page."
)
CONTINUE_PATH = "/lti/continue"
HANDOFF_TTL = timedelta(minutes=10)
"""How long a framed launch's "open in a new window" link works (once)."""
_OUR_PAGE = re.compile(r"/((scenario\?scenario|lesson\?lesson)=[A-Za-z0-9_.-]{1,100})?")
_FIELD_MAX = 64 * 1024  # longer than any id_token an LMS sends (a few KiB); a longer value is dropped


def _tool_base(request: Request) -> str:
    """This app's address as the LMS knows it: the ``public_url`` setting, else the request's
    scheme and host (behind a trusted proxy, the forwarded ones: ``ui/proxy.py``)."""
    return current_settings().public_url or f"{request.url.scheme}://{request.url.netloc}"


def refusal_page(message: str, status: int) -> HTMLResponse:
    """A plain, accessible page that says why the LMS's request was refused (``message`` escaped)."""
    body = (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>Launch refused</title></head>"
        "<body style=\"font-family:sans-serif;max-width:40rem;margin:2rem auto;color:#1a1a1a;background:#fff\">"
        "<main><h1>This launch from your LMS was refused</h1>"
        f"<p role=\"alert\">{html.escape(message)}</p></main></body></html>"
    )
    return HTMLResponse(body, status_code=status)


async def _params(request: Request) -> dict[str, str]:
    if request.method == "POST":
        form = await request.form(max_files=0, max_fields=20, max_part_size=_FIELD_MAX)
        pairs = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    else:
        pairs = list(request.query_params.multi_items())
    return {k: v for k, v in pairs if len(v) <= _FIELD_MAX}


async def lti_login(request: Request) -> Response:
    params, base = await _params(request), _tool_base(request)
    try:
        redirect = await run_in_threadpool(begin_login, current_store(), params, base, now())
    except LaunchRefused as refused:
        return refusal_page(str(refused), 400)
    response = RedirectResponse(redirect.url, status_code=302)
    if request.url.scheme == "https":
        # SameSite=None, or the LMS's cross-site post of the launch would arrive without it.
        response.set_cookie(state_cookie(redirect.state), "1", max_age=int(STATE_TTL.total_seconds()),
                            httponly=True, samesite="none", secure=True, path=LAUNCH_PATH)
    return response


async def lti_launch(request: Request) -> Response:
    form = await _params(request)
    store = current_store()
    state_kept = state_cookie(form.get("state", ""))
    if request.url.scheme == "https" and state_kept not in request.cookies:
        return refusal_page(_OTHER_BROWSER, 403)
    try:
        landing = await run_in_threadpool(verify_launch, store, form, fetch_key_set, now())
    except LaunchRefused as refused:
        return refusal_page(str(refused), 403)
    except ElearnError as failed:  # the platform's keys unreachable, the store down
        return refusal_page(str(failed), 503)

    def cookie_token() -> str | None:
        code = issue_cookie_code(store, start_session(store, landing.user.id, now()), now())
        return None if code is None else redeem_cookie_code(store, code, now())

    token = await run_in_threadpool(cookie_token)
    if token is None:
        return refusal_page("Your session could not be started. Launch the activity again from your LMS.", 503)
    https = request.url.scheme == "https"
    if landing.framed and not landing.path.startswith(PICKER_PATH):
        def handoff_code() -> str | None:  # a session of its own for the new window
            return issue_cookie_code(store, start_session(store, landing.user.id, now()), now(), HANDOFF_TTL)

        handoff = await run_in_threadpool(handoff_code)
        response: Response = framed_landing(landing.path, handoff)
    else:
        response = RedirectResponse(landing.path, status_code=303)
    if https:
        response.delete_cookie(state_kept, path=LAUNCH_PATH, httponly=True, samesite="none", secure=True)
    # Inside the LMS's page the cookie is a third-party one: over HTTPS, SameSite=None and
    # Partitioned (CHIPS) let the browsers that allow it keep it for this LMS's frame only.
    framed_cookie = landing.framed and https
    response.set_cookie(COOKIE, token, max_age=int(SESSION_TTL / timedelta(seconds=1)), httponly=True,
                        samesite="none" if framed_cookie else "lax", secure=https, path="/")
    if framed_cookie:
        _partitioned(response, COOKIE)
    return response


def _partitioned(response: Response, name: str) -> None:
    """Mark the cookie ``name`` Partitioned (CHIPS). Starlette's ``set_cookie`` does that only on
    Python 3.14 and later (``http.cookies`` learnt the attribute there), so add it to the header."""
    prefix = f"{name}=".encode()
    response.raw_headers = [
        (key, value + b"; Partitioned" if key == b"set-cookie" and value.startswith(prefix) else value)
        for key, value in response.raw_headers]


def framed_landing(path: str, handoff: str | None) -> HTMLResponse:
    """What a launch shown inside the LMS's page gets: "open in a new window" first (it always
    works), and "continue here" (works where the browser keeps the frame's cookie)."""
    opens = ("" if handoff is None else
             f"<p><a href=\"{CONTINUE_PATH}?{html.escape(urlencode({'code': handoff, 'to': path}))}\" "
             "target=\"_blank\" rel=\"noopener\" style=\"font-size:1.1rem;font-weight:bold;color:#0b5394\">"
             "Open the course in a new window</a> (recommended)</p>")
    body = (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>Calm under fire</title></head>"
        "<body style=\"font-family:sans-serif;max-width:40rem;margin:2rem auto;color:#1a1a1a;background:#fff\">"
        "<main><h1>Calm under fire</h1><p>Your LMS shows this course inside its own page. Many browsers block "
        "the sign-in of a site shown that way, so the course works best in a window of its own.</p>"
        f"{opens}<p><a href=\"{html.escape(path)}\" style=\"color:#0b5394\">Continue inside the LMS page</a>"
        "</p></main></body></html>")
    return HTMLResponse(body, headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})


async def lti_continue(request: Request) -> Response:
    """A framed launch's "open in a new window": the one-time code becomes this window's cookie."""
    code, path = request.query_params.get("code", "")[:200], request.query_params.get("to", "/")
    token = await run_in_threadpool(redeem_cookie_code, current_store(), code, now()) if code else None
    if token is None:
        return refusal_page("This link has expired or was used already. Launch the activity again from your LMS.",
                            403)
    response = RedirectResponse(path if _OUR_PAGE.fullmatch(path) else "/", status_code=303)
    response.set_cookie(COOKIE, token, max_age=int(SESSION_TTL / timedelta(seconds=1)), httponly=True,
                        samesite="lax", secure=request.url.scheme == "https", path="/")
    return response


async def lti_jwks(request: Request) -> Response:
    return JSONResponse(await run_in_threadpool(tool_jwks, current_store(), now()))


LTI_ROUTES = [
    Route(LOGIN_PATH, lti_login, methods=["GET", "POST"]),
    Route(LAUNCH_PATH, lti_launch, methods=["POST"]),
    Route(JWKS_PATH, lti_jwks, methods=["GET"]),
    Route(CONTINUE_PATH, lti_continue, methods=["GET"]),
    *PICKER_ROUTES,
]
