"""The deep-linking picker: ``/lti/deep-link``, where an instructor launched from the LMS's
"add an activity" screen picks the course, a scenario or a lesson, and the page that posts the
signed answer back to the LMS (``elearn.lti.deep_linking``).

A plain HTML page, not a Streamlit one, so that it works inside the LMS's iframe or dialog,
where browsers block this site's cookies: the request is named by its random token alone
(kept hashed, good for 30 minutes, used up by the pick). The pages send no referrer and are not
cached, so the token does not travel on.
"""

from __future__ import annotations

import html

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from elearn.lti.deep_linking import PICKER_PATH, answer_pick, picks
from elearn.lti.refusals import LaunchRefused
from elearn.store.lti import platforms
from elearn.store.lti_deep_links import deep_link
from ui.course import current_course
from ui.store import current_settings, current_store, now

_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
_STYLE = ("font-family:sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;background:#fff;"
          "line-height:1.5")
_BUTTON = ("font-size:1rem;padding:.6rem 1.2rem;background:#0b5394;color:#fff;border:2px solid #0b5394;"
           "border-radius:.3rem;cursor:pointer")


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    """A small accessible page: ``title`` (escaped) as its title and heading, ``body`` as given."""
    return HTMLResponse(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)}</title></head><body style=\"{_STYLE}\"><main>"
        f"<h1>{html.escape(title)}</h1>{body}</main></body></html>", status_code=status, headers=_HEADERS)


def _refused(message: str) -> HTMLResponse:
    return page("This request from your LMS was refused", f"<p role=\"alert\">{html.escape(message)}</p>", 403)


async def picker(request: Request) -> Response:
    if request.method == "POST":
        return await _picked(request)
    token = request.query_params.get("request", "")[:200]
    if not token or await run_in_threadpool(deep_link, current_store(), token, now()) is None:
        return _refused("This choice has expired or was sent already. Start adding the activity again from your LMS.")
    options = "".join(
        f"<div style=\"margin:.4rem 0\"><input type=\"radio\" name=\"item\" id=\"item-{index}\" "
        f"value=\"{html.escape(pick.value)}\"{' checked' if index == 0 else ''}>"
        f" <label for=\"item-{index}\">{html.escape(pick.title)}</label></div>"
        for index, pick in enumerate(picks(current_course())))
    body = (f"<form method=\"post\" action=\"{PICKER_PATH}\">"
            f"<input type=\"hidden\" name=\"request\" value=\"{html.escape(token)}\">"
            "<fieldset style=\"border:1px solid #767676;padding:1rem\">"
            "<legend>Choose what this LMS activity opens</legend>"
            f"{options}</fieldset><p>Scenarios and the whole course send a score (0 to 1) to the LMS's gradebook "
            "when a learner finishes them; lessons send none.</p>"
            f"<button type=\"submit\" style=\"{_BUTTON}\">Add to the LMS course</button></form>")
    return page("Add Calm under fire to your LMS course", body)


async def _picked(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=5, max_part_size=4096)
    token, value = (str(form.get(name, ""))[:200] for name in ("request", "item"))
    base = current_settings().public_url or f"{request.url.scheme}://{request.url.netloc}"
    store = current_store()
    try:
        answer = await run_in_threadpool(answer_pick, store, {p.id: p for p in platforms(store)}, token, value,
                                         current_course(), base, now())
    except LaunchRefused as refused:
        return _refused(str(refused))
    body = (f"<p>Adding <strong>{html.escape(answer.pick.title)}</strong> to your LMS course…</p>"
            f"<form id=\"deep-link-response\" method=\"post\" action=\"{html.escape(answer.return_url)}\">"
            f"<input type=\"hidden\" name=\"JWT\" value=\"{html.escape(answer.jwt)}\">"
            f"<button type=\"submit\" style=\"{_BUTTON}\">Return to the LMS</button></form>"
            "<script>document.getElementById('deep-link-response').submit()</script>")
    return page("Returning to your LMS", body)


PICKER_ROUTES = [Route(PICKER_PATH, picker, methods=["GET", "POST"])]
