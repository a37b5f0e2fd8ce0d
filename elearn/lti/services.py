"""Calling an LMS's LTI Advantage services: an OAuth 2 access token got with a signed JWT
(``private_key_jwt``, the client-credentials grant of the IMS Security Framework), then
JSON requests with it as a bearer token.

The assertion is signed with the tool's own key (``elearn.lti.keys``, published at ``/lti/jwks``,
where the platform checks it): ``iss`` and ``sub`` the client id, ``aud`` the platform's token
URL, five minutes to live, a fresh ``jti``. Tokens are kept in this process until a minute before
they expire. A failure is a ``ServiceDown`` (may pass: the LMS unreachable, busy, or the token
refused, which an administrator may fix) or a ``ServiceRefused`` (this request will never work).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey

from elearn.errors import ElearnError
from elearn.lti.keys import make_tool_key
from elearn.store.db import Store
from elearn.store.lti import Platform, tool_key

AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NRPS_MEMBERSHIPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TIMEOUT_SECONDS = 15
BODY_MAX = 4 * 1024 * 1024
_TOKEN_MARGIN_SECONDS = 60


class ServiceDown(ElearnError):
    """The LMS's service could not be reached or refused for a reason that may pass; try later."""


class ServiceRefused(ElearnError):
    """The LMS refused this request for good (HTTP 4xx other than 401, 408 and 429)."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as broken:
            raise ServiceRefused(f"the LMS answered with something that is not JSON (HTTP {self.status})") from broken


_tokens: dict[tuple[int, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


def client_assertion(store: Store, platform: Platform, now: datetime) -> str:
    """The signed JWT that stands for the tool's client secret at ``platform``'s token URL."""
    kid, pem = tool_key(store, make_tool_key, now)
    issued = int(now.timestamp())
    claims = {"iss": platform.client_id, "sub": platform.client_id, "aud": platform.token_url, "iat": issued,
              "exp": issued + 300, "jti": secrets.token_urlsafe(24)}
    return jwt.encode({"alg": "RS256", "kid": kid, "typ": "JWT"}, claims, RSAKey.import_key(pem))


def access_token(store: Store, platform: Platform, scopes: tuple[str, ...], now: datetime) -> str:
    """A bearer token for ``scopes`` at ``platform``: a kept one, or a new one from its token URL."""
    scope = " ".join(sorted(scopes))
    with _tokens_lock:
        kept = _tokens.get((platform.id, scope))
    if kept is not None and kept[1] > time.monotonic():
        return kept[0]
    form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion(store, platform, now), "scope": scope}
    answer = _send(platform.token_url, method="POST", body=urlencode(form).encode(),
                   headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
                   what="the access token")
    if answer.status != 200:
        raise ServiceDown(f"the LMS's token URL {platform.token_url} refused the tool's access token request "
                          f"(HTTP {answer.status}: {_snippet(answer.body)}); check the client id and that the tool's "
                          "JWKS URL is registered in the LMS")
    found = answer.json()
    token = found.get("access_token") if isinstance(found, dict) else None
    if not isinstance(token, str) or not token:
        raise ServiceDown(f"the LMS's token URL {platform.token_url} answered without an access_token")
    lifetime = found.get("expires_in", 3600)
    seconds = float(lifetime) if isinstance(lifetime, int | float) else 3600.0
    with _tokens_lock:
        _tokens[(platform.id, scope)] = (token, time.monotonic() + max(0.0, seconds - _TOKEN_MARGIN_SECONDS))
    return token


def forget_token(platform: Platform, scopes: tuple[str, ...]) -> None:
    """Drop a kept token the LMS no longer takes (it answered 401), so the next call gets a new one."""
    with _tokens_lock:
        _tokens.pop((platform.id, " ".join(sorted(scopes))), None)


def call(url: str, token: str, *, method: str = "GET", payload: Any = None, content_type: str = "",
         accept: str = "application/json", what: str) -> Answer:
    """``method`` ``url`` with the bearer ``token`` (and ``payload`` as JSON); the answer if 2xx.
    401, 408, 429 and 5xx are ``ServiceDown``; other statuses ``ServiceRefused``."""
    headers = {"Authorization": f"Bearer {token}", "Accept": accept}
    body = None
    if payload is not None:
        body = json.dumps(payload).encode()
        headers["Content-Type"] = content_type or "application/json"
    answer = _send(url, method=method, body=body, headers=headers, what=what)
    if 200 <= answer.status < 300:
        return answer
    reason = f"the LMS answered HTTP {answer.status} to {what} at {url[:200]}: {_snippet(answer.body)}"
    if answer.status in (401, 408, 429) or answer.status >= 500:
        raise ServiceDown(reason)
    raise ServiceRefused(reason)


def _send(url: str, *, method: str, body: bytes | None, headers: dict[str, str], what: str) -> Answer:
    request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310 - checked http(s)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - admin-registered URLs
            return Answer(response.status, dict(response.headers), response.read(BODY_MAX))
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read(BODY_MAX))
    except (OSError, ValueError) as failed:
        raise ServiceDown(f"the LMS could not be reached for {what} at {url[:200]} "
                          f"({type(failed).__name__})") from failed


def _snippet(body: bytes) -> str:
    text = body[:200].decode("utf-8", "replace").replace("\n", " ").strip()
    return text or "no reason given"
