"""A small LTI 1.3 platform for tests: its own RSA key, its JWKS served over HTTP from a thread,
an OIDC authorisation endpoint that answers like an LMS (a page that posts the signed id_token
to the tool's redirect URI), and ``id_token`` to sign launches by hand for the negative cases."""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
ADMINISTRATOR = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
CLIENT_ID = "tool-client-1"
DEPLOYMENT_ID = "deployment-1"
KID = "platform-key-1"


@dataclass
class LocalPlatform:
    """The platform's address (``issuer``) once started, and what its next launch will say."""

    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": KID}, private=True))
    issuer: str = ""
    subject: str = "learner-1"
    roles: tuple[str, ...] = (LEARNER,)
    custom: dict[str, str] = field(default_factory=dict)
    launches: int = 0

    @property
    def jwks_url(self) -> str:
        return self.issuer + "/jwks"

    @property
    def auth_url(self) -> str:
        return self.issuer + "/auth"

    def claims(self, nonce: str, **changes: Any) -> dict[str, Any]:
        """A resource-link launch's claims, as an LMS sends them; ``changes`` replace or add claims."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer, "aud": CLIENT_ID, "sub": self.subject, "iat": now, "exp": now + 300, "nonce": nonce,
            "name": "Lee Launch",
            LTI + "message_type": "LtiResourceLinkRequest", LTI + "version": "1.3.0",
            LTI + "deployment_id": DEPLOYMENT_ID, LTI + "roles": list(self.roles),
            LTI + "resource_link": {"id": "link-1"},
            LTI + "context": {"id": "course-7", "title": "Customer care 101"},
        }
        if self.custom:
            claims[LTI + "custom"] = dict(self.custom)
        claims.update(changes)
        return claims

    def id_token(self, nonce: str, key: RSAKey | None = None, **changes: Any) -> str:
        return jwt.encode({"alg": "RS256", "kid": KID}, self.claims(nonce, **changes), key or self.key)


def _handler(platform: LocalPlatform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/jwks":
                self._send(200, "application/json", json.dumps({"keys": [platform.key.as_dict(private=False)]}))
                return
            if url.path == "/auth":
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                platform.launches += 1
                token = platform.id_token(query["nonce"], aud=query["client_id"])
                page = ("<!doctype html><html lang='en'><head><title>Platform</title></head><body>"
                        f"<form id='launch' method='post' action='{html.escape(query['redirect_uri'])}'>"
                        f"<input type='hidden' name='id_token' value='{html.escape(token)}'>"
                        f"<input type='hidden' name='state' value='{html.escape(query['state'])}'>"
                        "<button>Launch</button></form>"
                        "<script>document.getElementById('launch').submit()</script></body></html>")
                self._send(200, "text/html", page)
                return
            self._send(404, "text/plain", "not found")

        def _send(self, status: int, kind: str, body: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_platform(host: str = "localhost") -> Iterator[LocalPlatform]:
    """A platform served on a free port of ``host`` (localhost: another site than the app's 127.0.0.1)."""
    platform = LocalPlatform()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(platform))
    platform.issuer = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield platform
    finally:
        server.shutdown()
        server.server_close()


def other_key() -> RSAKey:
    """A key the platform never published, under the platform's own key id (a forged launch)."""
    return RSAKey.generate_key(2048, parameters={"kid": KID}, private=True)


def fresh_subject() -> str:
    return "person-" + secrets.token_hex(4)
