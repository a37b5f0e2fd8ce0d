"""Behind a reverse proxy: which ``X-Forwarded-*`` headers to believe, and Streamlit's metrics kept in.

An ASGI middleware in front of everything the server answers (``serve.py``): pages, the
websocket, the app's cookie routes. When, and only when, the connection comes from a trusted
proxy (``ELEARN_TRUSTED_PROXIES``: addresses or networks, none by default) it takes

- ``X-Forwarded-Proto`` as the scheme, so the cookie route compares the browser's ``Origin``
  with ``https://...`` and marks the cookie ``Secure``;
- ``X-Forwarded-Host`` as the ``Host`` (Streamlit's websocket compares it with ``Origin`` too);
- ``X-Forwarded-For`` for the client's address, read from the right and skipping trusted
  proxies, so a client cannot choose its own address (and with it its sign-in throttle) by
  sending the header itself: the nearest proxy appends the address it saw.

From anyone else the headers are removed, so nothing further in can mistake them for the truth.
Streamlit's ``/_stcore/metrics`` (process statistics, public in Streamlit 1.67 with no switch to
turn it off) answers 404 whoever asks.

Pure ASGI, no Streamlit: ``forwarded_scope`` is the whole rule and is tested on its own.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

from elearn.settings import Network

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

FORWARDED = (b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host")
HIDDEN_PATH = "/_stcore/metrics"
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
                   r"[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")


@dataclass(frozen=True)
class TrustedProxies:
    networks: tuple[Network, ...] = ()

    def trusts(self, address: str | None) -> bool:
        ip = _ip(address)
        return ip is not None and any(ip in network for network in self.networks)


def forwarded_scope(scope: Scope, proxies: TrustedProxies) -> Scope:
    """The request as the browser made it: ``scope`` with scheme, Host and client taken from a
    trusted proxy's ``X-Forwarded-*`` headers, or with those headers removed if the peer is not one."""
    client = scope.get("client")
    peer = client[0] if client else None
    headers = [(name, value) for name, value in scope.get("headers", [])]
    kept = [(name, value) for name, value in headers if name not in FORWARDED]
    seen: Scope = dict(scope)
    seen["headers"] = kept
    if not proxies.trusts(peer):
        return seen
    values = {name.decode(): value.decode("latin-1") for name, value in headers if name in FORWARDED}
    proto = values.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    if proto in ("http", "https"):
        secure = proto == "https"
        seen["scheme"] = ("wss" if secure else "ws") if scope["type"] == "websocket" else proto
    host = values.get("x-forwarded-host", "").split(",")[0].strip()
    if host and _HOST.match(host):
        seen["headers"] = [(name, value) for name, value in kept if name != b"host"] + [(b"host", host.encode())]
    forwarded_for = values.get("x-forwarded-for")
    if forwarded_for:
        address = _client_from(forwarded_for.split(","), proxies)
        if address is not None:
            seen["client"] = (address, 0)
    return seen


def _client_from(hops: Iterable[str], proxies: TrustedProxies) -> str | None:
    """The rightmost address that is not a trusted proxy (the leftmost if all are); None if the
    header holds something that is not an address before such a hop is found."""
    found = None
    for hop in reversed([hop.strip() for hop in hops]):
        ip = _ip(hop)
        if ip is None:
            return found
        found = str(ip)
        if not proxies.trusts(found):
            return found
    return found


def _ip(address: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not address:
        return None
    try:
        return ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return None


class ProxyHeaders:
    """The middleware: ``st.App(..., middleware=[Middleware(ProxyHeaders, proxies=...)])``."""

    def __init__(self, app: ASGIApp, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "http" and str(scope.get("path", "")).rstrip("/").endswith(HIDDEN_PATH):
            await _not_found(send)
            return
        await self.app(forwarded_scope(scope, self.proxies), receive, send)


async def _not_found(send: Send) -> None:
    await send({"type": "http.response.start", "status": 404,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": b"Not found\n"})
