"""TCP_NODELAY on every connection the server accepts, so no response waits on a delayed ACK.

Streamlit 1.67 binds its listening socket itself (``starlette_server._bind_socket``) as
``socket.socket(family)``, leaving the protocol number 0. asyncio switches Nagle's algorithm off
only for sockets whose protocol says TCP, so every accepted connection kept Nagle on: a
response written in two pieces waited for the browser's delayed ACK, 40 ms on Linux clients
and up to 200 ms on Windows ones, on some responses of every page (docs/performance.md).

``install`` wraps that private binder so the listening socket carries ``IPPROTO_TCP``; the
sockets it accepts inherit it and asyncio then sets TCP_NODELAY on each. No other option of the
socket changes. ``tests/test_nodelay.py`` fails if a Streamlit upgrade renames the binder or
stops calling it.
"""

from __future__ import annotations

import functools
import socket
from collections.abc import Callable

from streamlit.web.server.starlette import starlette_server

Binder = Callable[[str, int, int], socket.socket]


def with_tcp_protocol(bind: Binder) -> Binder:
    """``bind``, returning the same listening socket re-labelled as TCP (the file descriptor is kept)."""

    @functools.wraps(bind)
    def bind_tcp(address: str, port: int, backlog: int) -> socket.socket:
        sock = bind(address, port, backlog)
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.proto == socket.IPPROTO_TCP:
            return sock
        inheritable = sock.get_inheritable()
        tcp = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        tcp.setblocking(False)
        tcp.set_inheritable(inheritable)
        return tcp

    return bind_tcp


def install() -> None:
    """Make Streamlit's server bind its socket as TCP (idempotent). Call before the server starts."""
    current = starlette_server._bind_socket
    if not hasattr(current, "__wrapped__"):
        starlette_server._bind_socket = with_tcp_protocol(current)  # type: ignore[assignment]  # same signature
