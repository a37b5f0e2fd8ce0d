"""The server's connections have Nagle's algorithm off (``ui.nodelay``), guarded against Streamlit upgrades."""

from __future__ import annotations

import asyncio
import inspect
import socket
import subprocess
import sys

import pytest
from streamlit.web.server.starlette import starlette_server

from tests.conftest import REPO
from ui.nodelay import with_tcp_protocol


def nodelay_of_accepted(listening: socket.socket) -> int:
    """TCP_NODELAY of the connection an asyncio server (as uvicorn runs one) accepts on ``listening``."""

    async def main() -> int:
        accepted: asyncio.Queue[int] = asyncio.Queue()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                accepted.put_nowait(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=listening)
        port = listening.getsockname()[1]
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        found = await asyncio.wait_for(accepted.get(), timeout=10)
        writer.close()
        server.close()
        await server.wait_closed()
        return found

    return asyncio.run(main())


def test_streamlits_own_socket_leaves_nagle_on() -> None:
    """Why the fix exists: with Streamlit's binder as it ships, an accepted connection keeps Nagle on."""
    assert nodelay_of_accepted(starlette_server._bind_socket("127.0.0.1", 0, 8)) == 0


def test_the_wrapped_binder_gives_every_connection_tcp_nodelay() -> None:
    original = getattr(starlette_server._bind_socket, "__wrapped__", starlette_server._bind_socket)
    listening = with_tcp_protocol(original)("127.0.0.1", 0, 8)
    assert listening.proto == socket.IPPROTO_TCP
    assert not listening.getblocking()
    assert listening.get_inheritable()  # as Streamlit set it
    assert nodelay_of_accepted(listening) != 0


@pytest.mark.parametrize(("extra", "installed"), [([], "True"), (["--nagle"], "False")])
def test_the_launcher_installs_it_before_streamlit_runs_unless_told_not_to(extra: list[str], installed: str) -> None:
    code = ("import sys\nfrom streamlit.web import cli\n"
            "from streamlit.web.server.starlette import starlette_server as s\n"
            "cli.main = lambda args, prog_name: print(hasattr(s._bind_socket, '__wrapped__'), args)\n"
            "from ui import launch\nlaunch.main(sys.argv[1:])")
    done = subprocess.run([sys.executable, "-c", code, "serve.py", "--server.port", "9", *extra], cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == f"{installed} ['run', 'serve.py', '--server.port', '9']"


def test_streamlit_still_binds_through_that_function() -> None:
    source = inspect.getsource(starlette_server._bind_server_socket)
    assert "_bind_socket(" in source
    assert inspect.signature(starlette_server._bind_socket).parameters.keys() == {"address", "port", "backlog"}
