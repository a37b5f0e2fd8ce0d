"""One POST of a batch of statements to the LRS, and what its answer means for the batch.

xAPI 1.0.3 (Communication 2.1.2): ``POST statements`` takes a JSON array, with the
``X-Experience-API-Version`` header and, here, HTTP Basic credentials. The LRS stores the whole
batch or none of it. It answers 200 (the ids stored) or 204 (nothing new: each was already
stored, the same); 409 when it holds a *different* statement under one of the ids; 400 (or
another 4xx, like Ralph's 422) when a statement is not valid xAPI.

The answer is sorted into an ``Answer``: ``STORED``, ``CONFLICT``, ``REFUSED`` (the batch holds a
statement the LRS will never take), or ``DOWN`` (unreachable, a timeout, 5xx, 429, 408, or the
LRS refusing this app's credentials or address, which no statement can fix: try again later).
The message never holds the credentials, only the LRS's own words and the status.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from elearn.lrs.config import LrsSettings

XAPI_VERSION = "1.0.3"
REASON_LENGTH = 400


class Verdict(Enum):
    STORED = "stored"
    CONFLICT = "conflict"
    REFUSED = "refused"
    DOWN = "down"


@dataclass(frozen=True)
class Answer:
    """What the LRS said to one POST: its verdict, and a line saying why (empty when stored)."""

    verdict: Verdict
    reason: str = ""


Post = Callable[[Sequence[Mapping[str, Any]]], Answer]
"""Send one batch and sort the answer: ``post_statements`` bound to the settings, or a test's stand-in."""

_NOT_THE_STATEMENTS = {401: "refused this app's credentials (check lrs_key and lrs_secret)",
                       403: "does not let this app's credentials write statements",
                       404: "has no statements resource at this endpoint (check lrs_endpoint)",
                       405: "has no statements resource at this endpoint (check lrs_endpoint)"}
_TRY_LATER = {408, 425, 429}


def post_statements(lrs: LrsSettings, statements: Sequence[Mapping[str, Any]]) -> Answer:
    """POST ``statements`` as one batch to ``lrs`` and sort its answer (never raises for the LRS's sake)."""
    body = json.dumps(list(statements), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    credentials = base64.b64encode(f"{lrs.key}:{lrs.secret}".encode()).decode("ascii")
    # The endpoint is http(s) only (``config.endpoint_problem``): no file: or custom scheme.
    request = urllib.request.Request(lrs.statements_url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json; charset=utf-8", "X-Experience-API-Version": XAPI_VERSION,
        "Authorization": f"Basic {credentials}", "Accept": "application/json",
    })
    try:
        with urllib.request.urlopen(request, timeout=lrs.timeout_seconds) as response:  # noqa: S310
            response.read()
            return Answer(Verdict.STORED)
    except urllib.error.HTTPError as error:
        return sort_refusal(error.code, _said(error))
    except OSError as error:  # URLError, a timeout, a refused or reset connection
        reason = getattr(error, "reason", error)
        return Answer(Verdict.DOWN, f"cannot reach the LRS at {lrs.statements_url} ({_brief(reason)})")


def sort_refusal(status: int, said: str) -> Answer:
    """The verdict of an HTTP error ``status`` with the LRS's words ``said``."""
    words = f": {said}" if said else ""
    if status == 409:
        return Answer(Verdict.CONFLICT, f"409 the LRS already holds a statement with this id{words}")
    if status in _NOT_THE_STATEMENTS:
        return Answer(Verdict.DOWN, f"{status} the LRS {_NOT_THE_STATEMENTS[status]}{words}")
    if status >= 500 or status in _TRY_LATER:
        return Answer(Verdict.DOWN, f"{status} the LRS is unavailable or busy{words}")
    return Answer(Verdict.REFUSED, f"{status} the LRS refused the statement{words}")


def _said(error: urllib.error.HTTPError) -> str:
    """The LRS's reason: ``detail`` (or ``message``) of a JSON body, else its text, cut short."""
    try:
        raw = error.read(20_000).decode("utf-8", errors="replace")
    except OSError:
        return ""
    try:
        parsed = json.loads(raw)
    except ValueError:
        return " ".join(raw.split())[:REASON_LENGTH]
    if isinstance(parsed, dict):
        parsed = parsed.get("detail", parsed.get("message", parsed))
    if isinstance(parsed, list) and all(isinstance(item, dict) and "msg" in item for item in parsed):
        # A validation report (FastAPI's, as Ralph sends): where in the body, and what.
        parsed = "; ".join(f"{'.'.join(str(part) for part in item.get('loc', ()))}: {item['msg']}"
                           for item in parsed)
    text = parsed if isinstance(parsed, str) else json.dumps(parsed, ensure_ascii=False)
    return text[:REASON_LENGTH]


def _brief(reason: object) -> str:
    text = str(reason)
    return text.splitlines()[0][:150] if text else type(reason).__name__
