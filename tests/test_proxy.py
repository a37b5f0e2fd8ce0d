"""Which X-Forwarded-* headers the app believes (only a trusted proxy's), and the hidden metrics.

The middleware's rule on its own, on ASGI scopes built here; tests/browser/test_behind_https.py
runs it for real behind nginx."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from elearn.settings import SettingsError, load_settings
from ui.proxy import ProxyHeaders, TrustedProxies, forwarded_scope

NGINX = TrustedProxies(load_settings({"ELEARN_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"}).trusted_proxies)


def scope(peer: str, *headers: tuple[str, str], kind: str = "http", path: str = "/auth/session") -> dict[str, Any]:
    return {"type": kind, "scheme": "ws" if kind == "websocket" else "http", "path": path,
            "client": (peer, 51000), "server": ("127.0.0.1", 8501),
            "headers": [(b"host", b"127.0.0.1:8501"), *((k.encode(), v.encode()) for k, v in headers)]}


def seen(peer: str, *headers: tuple[str, str], kind: str = "http") -> tuple[str, str, str, list[str]]:
    """(scheme, Host, client address, the X-Forwarded-* header names left) after the middleware's rule."""
    out = forwarded_scope(scope(peer, *headers, kind=kind), NGINX)
    found = dict(out["headers"])
    return (out["scheme"], found[b"host"].decode(), out["client"][0],
            sorted(k.decode() for k, _ in out["headers"] if k.startswith(b"x-forwarded")))


HTTPS = ("x-forwarded-proto", "https")
SITE = ("x-forwarded-host", "learn.example.com")


@pytest.mark.parametrize(("peer", "headers", "kind", "expected"), [
    # From the trusted proxy: scheme, host and the client it saw.
    ("127.0.0.1", [HTTPS, SITE, ("x-forwarded-for", "203.0.113.5")], "http",
     ("https", "learn.example.com", "203.0.113.5", [])),
    ("127.0.0.1", [HTTPS], "websocket", ("wss", "127.0.0.1:8501", "127.0.0.1", [])),
    ("10.1.2.3", [("x-forwarded-proto", "http")], "http", ("http", "127.0.0.1:8501", "10.1.2.3", [])),
    # A client's own X-Forwarded-For is read from the right: the address the proxy appended wins.
    ("127.0.0.1", [("x-forwarded-for", "1.2.3.4, 203.0.113.5")], "http",
     ("http", "127.0.0.1:8501", "203.0.113.5", [])),
    # ...skipping proxies that are trusted themselves (a second hop inside the network).
    ("127.0.0.1", [("x-forwarded-for", "203.0.113.5, 10.0.0.7")], "http",
     ("http", "127.0.0.1:8501", "203.0.113.5", [])),
    # Nonsense is ignored: an unknown scheme, a host that is not one, a non-address.
    ("127.0.0.1", [("x-forwarded-proto", "gopher"), ("x-forwarded-host", "evil.com/<x>"),
                   ("x-forwarded-for", "not-an-ip")], "http", ("http", "127.0.0.1:8501", "127.0.0.1", [])),
    # From anyone else, the headers are believed in nothing and removed.
    ("203.0.113.9", [HTTPS, SITE, ("x-forwarded-for", "198.51.100.1")], "http",
     ("http", "127.0.0.1:8501", "203.0.113.9", [])),
    ("::1", [HTTPS], "websocket", ("ws", "127.0.0.1:8501", "::1", [])),
])
def test_forwarded_headers_are_believed_from_trusted_proxies_only(
    peer: str, headers: list[tuple[str, str]], kind: str, expected: tuple[str, str, str, list[str]]
) -> None:
    assert seen(peer, *headers, kind=kind) == expected


def test_by_default_no_proxy_is_trusted() -> None:
    out = forwarded_scope(scope("127.0.0.1", HTTPS, ("x-forwarded-for", "198.51.100.1")), TrustedProxies())
    assert (out["scheme"], out["client"][0]) == ("http", "127.0.0.1")


@pytest.mark.parametrize(("value", "networks"), [
    ("", []), (" 127.0.0.1 , ::1,", ["127.0.0.1/32", "::1/128"]), ("172.17.0.0/16", ["172.17.0.0/16"]),
])
def test_trusted_proxies_are_addresses_or_networks(value: str, networks: list[str]) -> None:
    assert [str(n) for n in load_settings({"ELEARN_TRUSTED_PROXIES": value}).trusted_proxies] == networks


@pytest.mark.parametrize("bad", ["*", "nginx.local", "10.0.0.0/33"])
def test_anything_else_in_the_setting_stops_the_server_with_a_reason(bad: str) -> None:
    message = (f"ELEARN_TRUSTED_PROXIES: {bad!r} is not an IP address or network. List the reverse proxies' "
               "addresses, comma-separated, e.g. 127.0.0.1 or 10.0.0.0/8 (host names and * are not accepted).")
    with pytest.raises(SettingsError, match=f"^{re.escape(message)}$"):
        load_settings({"ELEARN_TRUSTED_PROXIES": f"127.0.0.1,{bad}"})


@pytest.mark.parametrize(("path", "reaches_app"), [
    ("/_stcore/metrics", False), ("/_stcore/metrics/", False), ("/course/_stcore/metrics", False),
    ("/_stcore/health", True), ("/auth/session", True),
])
def test_streamlits_metrics_answer_404_to_everyone(path: str, reaches_app: bool) -> None:
    reached: list[str] = []
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:
        return {"type": "http.request"}

    middleware = ProxyHeaders(app, NGINX)
    asyncio.run(middleware(scope("127.0.0.1", path=path), receive, send))
    assert reached == ([path] if reaches_app else [])
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == ([] if reaches_app else [404])
