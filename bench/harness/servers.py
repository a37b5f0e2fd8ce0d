"""Real servers for a load run: ``streamlit run`` on free loopback ports, a database of their own,
and optionally nginx in front of several processes (the configuration shipped in deploy/).

Every process gets the same settings: the repository's ``.streamlit/config.toml`` (the working
directory is the repository) plus the flags in ``STREAMLIT_FLAGS``, so the blank baseline page
and the app differ only in their script.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APP = "serve.py"
BLANK = str(Path(__file__).resolve().parent / "blank_app.py")
TWIN = str(Path(__file__).resolve().parent / "static_twin.py")
NGINX_SITE = REPO / "deploy" / "nginx.conf"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
STREAMLIT_FLAGS = [
    "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
    # A deployment does not watch its source files; the file watcher costs CPU on every run.
    "--server.fileWatcherType", "none", "--server.runOnSave", "false",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Database:
    """Where the app keeps its data for one run: ``url`` None means SQLite in ``data_dir``."""

    data_dir: Path
    url: str | None

    def env(self) -> dict[str, str]:
        env = {"ELEARN_DATA_DIR": str(self.data_dir)}
        if self.url:
            env["ELEARN_DATABASE_URL"] = self.url
        return env


@contextmanager
def temporary_database(kind: str, workdir: Path) -> Iterator[Database]:
    """A fresh, empty database: ``sqlite`` (a file in ``workdir``) or ``postgres`` (a schema of its own
    in ``$BENCH_DATABASE_URL`` / ``$TEST_DATABASE_URL``, dropped afterwards)."""
    data_dir = workdir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        yield Database(data_dir, None)
        return
    if kind != "postgres":
        raise ValueError(f"unknown database kind {kind!r}: use sqlite or postgres")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)
    try:
        yield Database(data_dir, url)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def upgrade_database(database: Database) -> None:
    """``python -m elearn db upgrade``, as deploy/README.md says to run once before starting several
    processes (each would otherwise migrate a fresh database on its first request, at the same time)."""
    subprocess.run([sys.executable, "-m", "elearn", "db", "upgrade"], cwd=REPO, env={**os.environ, **database.env()},
                   check=True, capture_output=True)


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Deployment:
    """What the simulated users talk to: one process, or nginx in front of several."""

    url: str
    servers: list[Server]
    proxy: subprocess.Popen[bytes] | None = None
    extra_pids: list[int] = field(default_factory=list)

    @property
    def pids(self) -> list[int]:
        pids = [s.process.pid for s in self.servers] + self.extra_pids
        return pids + ([self.proxy.pid] if self.proxy else [])


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server at {url} did not become healthy; its log:\n{log.read_text(errors='replace')}")


def spawn_streamlit(script: str, env: dict[str, str], log: Path, flags: list[str] | None = None,
                    port: int | None = None) -> Server:
    """Start ``streamlit run script`` on ``port`` (else a free loopback port), without waiting for it to be ready.

    Through ``ui.launch``, as deployed (TCP_NODELAY on every connection); ``--nagle`` among ``flags``
    starts it with Streamlit's socket as it ships."""
    port = port or free_port()
    # As deployed (deploy/README.md): Streamlit's server trusts no X-Forwarded-* header itself, so
    # ELEARN_TRUSTED_PROXIES alone decides (serve.py).
    environment = {**os.environ, "FORWARDED_ALLOW_IPS": "", **env}
    if "ELEARN_DATABASE_URL" not in env:
        environment.pop("ELEARN_DATABASE_URL", None)
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "ui.launch", script, "--server.port", str(port), *STREAMLIT_FLAGS,
             *(flags or [])],
            cwd=REPO, env=environment, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )
    return Server(port, process, log)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def nginx_site(upstreams: list[int], listen: int, tls: tuple[Path, Path] | None = None) -> str:
    """deploy/nginx.conf with its upstream servers and listening port replaced for this run. With
    ``tls`` (a certificate and its key), the file's own commented TLS lines replace ``listen 80;``."""
    site = NGINX_SITE.read_text()
    servers = "".join(f"    server 127.0.0.1:{port};\n" for port in upstreams)
    site, count = re.subn(r"(upstream elearn \{\n(?:\s*#[^\n]*\n|\s*hash[^\n]*\n)*)(?:\s*server [^\n]*\n)+",
                          lambda m: m.group(1) + servers, site)
    if count != 1:
        raise RuntimeError(f"{NGINX_SITE}: expected one 'upstream elearn' block with server lines")
    if tls is None:
        site, count = re.subn(r"listen [^;]+;", f"listen 127.0.0.1:{listen};", site, count=1)
        if count != 1:
            raise RuntimeError(f"{NGINX_SITE}: expected a 'listen' line")
        return site
    certificate, key = tls
    for pattern, line in ((r"\n\s*listen 80;", ""),
                          (r"#\s*listen 443 ssl;", f"listen 127.0.0.1:{listen} ssl;"),
                          (r"#\s*ssl_certificate\s+[^;]+;", f"ssl_certificate {certificate};"),
                          (r"#\s*ssl_certificate_key\s+[^;]+;", f"ssl_certificate_key {key};")):
        site, count = re.subn(pattern, lambda _m, line=line: line, site, count=1)
        if count != 1:
            raise RuntimeError(f"{NGINX_SITE}: expected the commented TLS lines and `listen 80;` ({pattern})")
    return site


def start_nginx(upstreams: list[int], workdir: Path,
                tls: tuple[Path, Path] | None = None) -> tuple[subprocess.Popen[bytes], int]:
    """nginx with deploy/nginx.conf in front of ``upstreams``, on a free port, once it answers
    (over HTTPS with ``tls``, a certificate and its key: see ``nginx_site``)."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        raise RuntimeError("nginx is not installed: apt-get install -y nginx-light (Debian)")
    port = free_port()
    root = workdir / "nginx"
    for sub in ("logs", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "site.conf").write_text(nginx_site(upstreams, port, tls))
    (root / "nginx.conf").write_text(f"""
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    include {root}/site.conf;
}}
""")
    process = subprocess.Popen([binary, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=(root / "logs" / "stderr.log").open("wb"),
                               start_new_session=True)
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    unverified = _unverified_tls() if tls else None
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2, context=unverified):
                return process, port
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"nginx did not start: {(root / 'logs' / 'stderr.log').read_text(errors='replace')}"
                       f"{(root / 'logs' / 'error.log').read_text(errors='replace')}")


def _unverified_tls() -> ssl.SSLContext:
    """A client context for the run's own self-signed certificate: there is nothing to verify it against."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@contextmanager
def deploy(script: str, env: dict[str, str], processes: int = 1, workdir: Path | None = None,
           proxy: bool | None = None, flags: list[str] | None = None) -> Iterator[Deployment]:
    """Start ``processes`` servers of ``script`` (behind nginx when more than one, or when ``proxy``);
    ``flags`` are extra ``streamlit run`` options, e.g. ``["--runner.postScriptGC", "false"]``."""
    with ExitStack() as stack:
        root = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="elearn-bench-")))
        root.mkdir(parents=True, exist_ok=True)
        servers: list[Server] = []

        def stop_all() -> None:
            for server in servers:
                stop(server.process)

        stack.callback(stop_all)
        for index in range(processes):  # started together, then waited for: they boot in parallel
            servers.append(spawn_streamlit(script, env, root / f"server-{Path(script).stem}-{index}.log", flags))
        for server in servers:
            wait_healthy(server.url, server.process, server.log)
        if processes == 1 and not proxy:
            yield Deployment(servers[0].url, servers)
            return
        nginx, port = start_nginx([s.port for s in servers], root)
        stack.callback(stop, nginx)
        yield Deployment(f"http://127.0.0.1:{port}", servers, nginx)
