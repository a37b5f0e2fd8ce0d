"""An LTI Advantage platform for tests, built on ``lti1p3platform`` (PyPI): its own key and
JWKS, its OAuth 2 token endpoint (``get_access_token``: it checks the tool's signed JWT
assertion against the tool's published JWKS), its Assignment and Grade Services score endpoint
and its Names and Role Provisioning memberships endpoint (the library's services, which check
the bearer token's signature, issuer, expiry and scope), and a deep-linking return URL
(``validate_deeplinking_resp``: the response's signature against the tool's JWKS), served over
real HTTP from a thread. What the tool posts is recorded for the test to read.

The library gives the platform-side services but no HTTP server, so this module adds the
smallest faithful one: it hands each request to the library and answers with the library's
status, body and media type. It can be stopped and started again on the same port, to play an
LMS that goes down.
"""

from __future__ import annotations

import html
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from joserfc.jwk import RSAKey
from jwt import PyJWTError
from lti1p3platform.exceptions import LtiException
from lti1p3platform.lineitem import TLineItem
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.membership import Context
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request, TRequest
from lti1p3platform.response import Response
from lti1p3platform.score import TScore, UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService, NamesRoleProvisioningService, TPage

CLIENT_ID = "advantage-client"
DEPLOYMENT_ID = "advantage-deployment"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
CONTEXT = Context(id="lms-course-42", label="CC42", title="Customer care, advanced")


class Platform(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: Any) -> None:
        key = RSAKey.generate_key(2048, private=True)
        tool = kwargs["tool"]
        self._registration = (
            Registration().set_iss(kwargs["issuer"]).set_client_id(CLIENT_ID).set_deployment_id(DEPLOYMENT_ID)
            .set_oidc_login_url(tool + "/lti/login").set_launch_url(tool + "/lti/launch")
            .set_deeplink_launch_url(tool + "/lti/launch").set_tool_key_set_url(tool + "/lti/jwks")
            .set_platform_private_key(key.as_pem(private=True).decode())
            .set_platform_public_key(key.as_pem(private=False).decode()))

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        assert self._registration is not None
        return self._registration


class Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = json.dumps(kwargs)

    def get_redirect(self, url: str) -> str:
        return url


class PreflightAnswer:
    """What the platform's framework hands its launch: the tool's redirect to its auth URL."""

    def __init__(self, query: dict[str, str]) -> None:
        self.get_data = query
        self.form_data: dict[str, str] = {}


class Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return launch_data


@dataclass
class Recorded:
    """What the tool sent: scores per line item, deep-linking content items, tokens granted; and
    what the next browser launch (``/auth``) says: the ``custom`` parameters of its link, or (with
    ``deep_link``) an instructor's deep-linking request."""

    scores: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    content_items: list[dict[str, Any]] = field(default_factory=list)
    deep_link_claims: list[dict[str, Any]] = field(default_factory=list)
    tokens: int = 0
    members: list[dict[str, Any]] = field(default_factory=list)
    custom: dict[str, str] = field(default_factory=dict)
    deep_link: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


class _HttpRequest(Request):
    def build_metadata(self, request: Any) -> TRequest:
        method, path, query, headers, body = request
        return {"method": method, "form_data": {}, "get_data": query, "headers": headers, "content_type":
                headers.get("Content-Type"), "path": path, "json": json.loads(body) if body else None}


def _grades(platform: Platform, recorded: Recorded, base: str) -> type[AssignmentsGradesService]:
    class Grades(AssignmentsGradesService):
        def find_lineitems(self, page: int = 1, limit: int | None = None, line_item_id: str | None = None,
                           resource_link_id: str | None = None, resource_id: str | None = None,
                           tag: str | None = None) -> TPage:
            return {"content": [], "has_next": False}

        def find_lineitem(self, line_item_id: str) -> TLineItem:
            return {"id": f"{base}/lineitems/{line_item_id}", "scoreMaximum": 1, "label": "Calm under fire"}

        def create_lineitem(self, creation_data: TLineItem) -> TLineItem:
            return creation_data

        def update_lineitem(self, update_data: TLineItem) -> TLineItem:
            return update_data

        def delete_lineitem(self, line_item_id: str) -> None:
            return None

        def update_score(self, line_item_id: str, score: TScore) -> UpdateScoreStatus:
            with recorded.lock:
                recorded.scores.append((line_item_id, dict(score)))
            return UpdateScoreStatus.SUCCESS

        def get_results(self, line_item_id: str, page: int = 1, limit: int | None = None,
                        user_id: str | None = None) -> TPage:
            return {"content": [], "has_next": False}

    return Grades


def _roster(recorded: Recorded) -> type[NamesRoleProvisioningService]:
    class Roster(NamesRoleProvisioningService):
        def get_member_data_page(self, page: int = 1, limit: int | None = None, role: str | None = None,
                                 since: str | None = None) -> TPage:
            return {"content": [dict(m) for m in recorded.members], "has_next": False}

        def get_context_by_id(self) -> Context:
            return CONTEXT

    return Roster


def _launch_page(platform: Platform, base: str, recorded: Recorded, query_string: str) -> str:
    """The platform's authorisation endpoint as a browser meets it: the learner named by the
    login hint launched into the link's ``custom`` item, with AGS and NRPS, by an auto-posting form."""
    query = {k: v[0] for k, v in parse_qs(query_string).items()}
    launch = Launch(PreflightAnswer(query), platform)
    launch.set_user_data(query["login_hint"], [INSTRUCTOR if recorded.deep_link else LEARNER],
                         full_name="Bea Browser")
    launch.set_launch_context_claim(CONTEXT.id, context_title=CONTEXT.title, context_label=CONTEXT.label)
    if recorded.deep_link:
        launch.set_dl(base + "/deep-link-return", title="Add an activity")
    else:
        launch.set_ags(base + "/lineitems", base + "/lineitems/7")
    launch.set_nrps(base + "/memberships")
    if recorded.custom:
        launch.set_custom_parameters_claim(dict(recorded.custom))
    sent = launch.lti_launch()
    return ("<!doctype html><html lang='en'><head><title>LMS</title></head><body><main><h1>LMS</h1>"
            f"<form id='launch' method='post' action='{html.escape(sent['launch_url'])}'>"
            f"<input type='hidden' name='id_token' value='{html.escape(sent['id_token'])}'>"
            f"<input type='hidden' name='state' value='{html.escape(sent['state'])}'>"
            "<button>Launch</button></form></main>"
            "<script>document.getElementById('launch').submit()</script></body></html>")


def _handler(platform: Platform, recorded: Recorded, base: str) -> type[BaseHTTPRequestHandler]:
    grades, roster = _grades(platform, recorded, base), _roster(recorded)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/jwks":
                self._json(200, platform.get_jwks())
            elif url.path == "/auth":
                self._send(200, "text/html", _launch_page(platform, base, recorded, url.query).encode())
            elif url.path == "/memberships":
                service = roster(self._request(b""), platform, base + "/memberships")
                self._library(service.handle_resp(service.handle_get_members))
            else:
                self._json(404, {"error": "not found"})

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if url.path == "/token":
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                try:
                    granted = platform.get_access_token(form)
                except (LtiException, PyJWTError, AssertionError, ValueError, KeyError) as refused:
                    self._json(400, {"error": "invalid_client", "error_description": str(refused)})
                    return
                with recorded.lock:
                    recorded.tokens += 1
                self._json(200, dict(granted))
            elif url.path.startswith("/lineitems/") and url.path.endswith("/scores"):
                line_item = url.path.removeprefix("/lineitems/").removesuffix("/scores")
                service = grades(self._request(body), platform, base + "/lineitems", f"{base}/lineitems/{line_item}")
                self._library(service.handle_resp(service.handle_update_score, line_item_id=line_item))
            elif url.path == "/deep-link-return":
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                try:
                    items = platform.validate_deeplinking_resp({"JWT": form["JWT"]})
                    claims = platform.tool_validate_and_decode(form["JWT"])
                except (LtiException, PyJWTError, KeyError, ValueError) as refused:
                    self._json(400, {"error": str(refused)})
                    return
                with recorded.lock:
                    recorded.content_items += items
                    recorded.deep_link_claims.append(claims)
                self._send(200, "text/html", b"<!doctype html><title>LMS</title><p>Activity added.</p>")
            else:
                self._json(404, {"error": "not found"})

        def _request(self, body: bytes) -> _HttpRequest:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            return _HttpRequest((self.command, url.path, query, dict(self.headers.items()), body))

        def _library(self, answer: Response) -> None:
            data = b"" if answer.result is None else json.dumps(answer.result).encode()
            if answer.result is None and answer.code >= 400:
                data = json.dumps({"error": answer.message}).encode()
            self._send(answer.code, answer.media_type, data)

        def _json(self, status: int, body: Any) -> None:
            self._send(status, "application/json", json.dumps(body).encode())

        def _send(self, status: int, kind: str, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class AdvantageLms:
    """The platform, served on one port of 127.0.0.1 as ``http://localhost:<port>``; ``stop``
    and ``start`` again on the same port play an LMS that goes down and comes back."""

    def __init__(self, tool: str) -> None:
        self.recorded = Recorded()
        self._server: ThreadingHTTPServer | None = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
        self.port = self._server.server_address[1]
        self.platform = Platform(issuer=self.issuer, tool=tool)
        self._serve(self._server)

    @property
    def issuer(self) -> str:
        return f"http://localhost:{self.port}"

    def _serve(self, server: ThreadingHTTPServer) -> None:
        server.RequestHandlerClass = _handler(self.platform, self.recorded, self.issuer)
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def start(self) -> None:
        """Serve again on the same port (after ``stop``)."""
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), BaseHTTPRequestHandler)
        self._serve(self._server)

    def stop(self) -> None:
        """Stop answering: connections to the port are refused until ``start``."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
