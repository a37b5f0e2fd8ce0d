"""A minimal asyncio HTTP/1.1 client for loopback: a page load and the app's cookie route.

Just enough for a simulated browser: one request per connection, the status, and the cookies
from ``Set-Cookie`` (the load balancer's sticky cookie, the app's session cookie). The body is
read and discarded, as a browser with the static files cached would barely use it.
"""

from __future__ import annotations

import asyncio
import urllib.parse

TIMEOUT = 30.0


async def _request(method: str, url: str, cookies: dict[str, str], body: bytes = b"",
                   extra: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost"):
        raise ValueError(f"the harness only talks to loopback, not {parts.hostname}")
    host = f"{parts.hostname}:{parts.port}"
    headers = {"Host": host, "Connection": "close", "User-Agent": "elearn-bench", **(extra or {})}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body or method == "POST":
        headers["Content-Length"] = str(len(body))
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    reader, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, parts.port), TIMEOUT)
    try:
        writer.write(head.encode("latin-1") + body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), TIMEOUT)
    finally:
        writer.close()
    header_block = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = header_block.split("\r\n")
    status = int(lines[0].split()[1])
    got: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "set-cookie":
            pair = value.strip().split(";", 1)[0]
            key, _, val = pair.partition("=")
            got[key.strip()] = val.strip()
    return status, got


async def http_get(url: str, cookies: dict[str, str]) -> tuple[int, dict[str, str]]:
    return await _request("GET", url, cookies)


async def http_post(url: str, body: str, cookies: dict[str, str], origin: str) -> tuple[int, dict[str, str]]:
    return await _request("POST", url, cookies, body.encode(),
                          {"Content-Type": "application/json", "Origin": origin})
