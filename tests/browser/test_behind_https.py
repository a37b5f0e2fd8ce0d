"""Behind the shipped nginx over HTTPS: a sign-in survives a reload, with a ``Secure`` cookie.

Debian's nginx serves deploy/nginx.conf with its own commented TLS lines switched on and a
self-signed certificate made here with openssl; the app trusts nginx's address
(``ELEARN_TRUSTED_PROXIES=127.0.0.1``), so it sees the browser's ``https`` scheme, the cookie
route accepts the browser's ``https://`` Origin, and the cookie is marked ``Secure``. Without
that setting the route refuses the origin and the sign-in is lost at the first reload.
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.harness.servers import start_nginx, stop

from .conftest import Server, fill_sign_up, shot, start_server, stop_server

pytestmark = pytest.mark.browser
TIMEOUT = 30_000


def nginx_installed() -> None:
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        missing = "nginx is not installed (Debian: apt-get install -y nginx-light; make test installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {missing}: the HTTPS test must run in CI.")
        pytest.skip(missing)


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, valid for a day."""
    certificate, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )
    return certificate, key


@pytest.fixture
def https_site(tmp_path: Path) -> Iterator[tuple[str, Server]]:
    nginx_installed()
    app = start_server(tmp_path / "data", tmp_path / "server.log", {"ELEARN_TRUSTED_PROXIES": "127.0.0.1"})
    try:
        nginx, port = start_nginx([int(app.url.rsplit(":", 1)[1])], tmp_path, tls=self_signed(tmp_path))
        try:
            yield f"https://127.0.0.1:{port}", app
        finally:
            stop(nginx)
    finally:
        stop_server(app)


def session_cookie(context: object) -> dict[str, object]:
    deadline = time.monotonic() + TIMEOUT / 1000
    while time.monotonic() < deadline:
        for cookie in context.cookies():  # type: ignore[attr-defined]
            if cookie["name"] == "elearn_session":
                return dict(cookie)
        time.sleep(0.1)
    raise AssertionError("the session cookie was never set: did the cookie route refuse the https origin?")


def test_a_sign_in_survives_a_reload_over_https_with_a_secure_cookie(
    https_site: tuple[str, Server], browser: object
) -> None:
    url, _app = https_site
    context = browser.new_context(ignore_https_errors=True)  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        page.goto(url)
        fill_sign_up(page, "harriet", "Harriet Https")
        page.get_by_role("button", name="Create account").click()
        page.get_by_text("Welcome, Harriet Https").wait_for()
        cookie = session_cookie(context)
        assert (cookie["secure"], cookie["httpOnly"], cookie["sameSite"]) == (True, True, "Lax")
        page.reload()
        page.get_by_text("Welcome, Harriet Https").wait_for()
        shot(page, "https-01-signed-in-after-reload")
    except BaseException:
        shot(page, "failure-behind-https")
        raise
    finally:
        context.close()


def test_the_proxy_keeps_streamlits_metrics_in(https_site: tuple[str, Server]) -> None:
    url, app = https_site
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    for base, context in ((url, unverified), (app.url, None)):  # through nginx, and the app itself
        with pytest.raises(urllib.error.HTTPError) as hidden:
            urllib.request.urlopen(f"{base}/_stcore/metrics", timeout=10, context=context)
        assert hidden.value.code == 404, base
