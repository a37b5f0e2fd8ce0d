"""The launch against a third-party LTI 1.3 platform implementation (``lti1p3platform`` from
PyPI), not our own test platform: its OIDC login initiation, its check of our authorisation
redirect, and its signed id_token, posted to the real app server, which signs the person in."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc.jwk import RSAKey
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import MessageLaunchAbstract
from lti1p3platform.registration import Registration

from elearn.cli.main import main
from elearn.settings import settings_from_files
from elearn.store import Role, open_store, session_user
from tests.browser.conftest import Server, start_server, stop_server
from tests.lti_advantage_platform import Login, PreflightAnswer
from tests.lti_platform import INSTRUCTOR
from tests.test_lti_launch import request

pytestmark = pytest.mark.system
CLIENT_ID = "library-client"
DEPLOYMENT_ID = "library-deployment"


class Platform(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: Any) -> None:
        key = RSAKey.generate_key(2048, private=True)
        self._registration = (
            Registration().set_iss(kwargs["issuer"]).set_client_id(CLIENT_ID).set_deployment_id(DEPLOYMENT_ID)
            .set_oidc_login_url(kwargs["tool"] + "/lti/login").set_launch_url(kwargs["tool"] + "/lti/launch")
            .set_platform_private_key(key.as_pem(private=True).decode())
            .set_platform_public_key(key.as_pem(private=False).decode()))

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        assert self._registration is not None
        return self._registration


class Launch(MessageLaunchAbstract):
    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return launch_data


@pytest.fixture(scope="module")
def platform_and_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Platform, Server]]:
    data = tmp_path_factory.mktemp("lti-library") / "data"
    server = start_server(data, data.parent / "server.log")
    keys = ThreadingHTTPServer(("127.0.0.1", 0), _serving(lambda: platform.get_jwks()))
    issuer = f"http://localhost:{keys.server_address[1]}"
    platform = Platform(issuer=issuer, tool=server.url)
    threading.Thread(target=keys.serve_forever, daemon=True).start()
    try:
        out = io.StringIO()
        assert main(["lti", "add-platform", "--issuer", issuer, "--client-id", CLIENT_ID,
                     "--deployment-id", DEPLOYMENT_ID, "--auth-login-url", issuer + "/auth",
                     "--token-url", issuer + "/token", "--jwks-url", issuer + "/jwks",
                     "--data-dir", str(data)], out, settings_from_files({})) == 0, out.getvalue()
        yield platform, server
    finally:
        keys.shutdown()
        keys.server_close()
        stop_server(server)


def test_a_launch_from_lti1p3platform_signs_an_instructor_in(platform_and_app: tuple[Platform, Server]) -> None:
    platform, server = platform_and_app
    login = Login(None, platform)
    login.set_lti_message_hint(resource_link="link-1")
    preflight = request(login.initiate_login("library-user-1"))
    assert preflight.status == 302, preflight.body
    query = {k: v[0] for k, v in parse_qs(urlsplit(preflight.headers["location"]).query).items()}

    launch = Launch(PreflightAnswer(query), platform)
    launch.set_user_data("library-user-1", [INSTRUCTOR], full_name="Ida Instructor")
    launch.set_launch_context_claim("lms-course-3", context_title="Complaints, level 2")
    launch.set_custom_parameters_claim({"scenario": "birthday-room-double-booked"})
    sent = launch.lti_launch()
    assert sent["launch_url"] == server.url + "/lti/launch"

    landed = request(sent["launch_url"], {"id_token": sent["id_token"], "state": sent["state"]})
    assert landed.status == 303, landed.body
    assert landed.headers["location"] == "/scenario?scenario=birthday-room-double-booked"
    store = open_store(None, server.data_dir)
    user = session_user(store, landed.cookies["elearn_session"].value, datetime.now(UTC))
    assert user is not None
    assert (user.display_name, user.roles) == ("Ida Instructor", {Role.MANAGER})
    store.dispose()


def _serving(jwks: Any) -> type[BaseHTTPRequestHandler]:
    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(jwks()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Keys
