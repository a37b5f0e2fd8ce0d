"""A PostgreSQL server of the run's own when ``TEST_DATABASE_URL`` is not set (a pytest plugin).

So the README's ``make test`` runs the PostgreSQL tests on a fresh machine too, with no set-up:
Debian's ``postgresql`` package (installed by ``scripts/ensure-test-packages``) provides
``initdb`` and ``pg_ctl``; this plugin makes a cluster in a temporary folder, starts it on a
Unix socket only (nothing listens on the network), points ``TEST_DATABASE_URL`` at it for the
whole run (the xdist workers inherit it) and removes it afterwards. Durability is switched off:
the cluster lives for one run.

CI sets ``TEST_DATABASE_URL`` to the machine's own server, and then nothing here runs. PostgreSQL
refuses to run as root, so under root the server runs as the ``postgres`` system user (which the
Debian package creates), or ``nobody``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ENV = "TEST_DATABASE_URL"
PORT = 5432  # only names the socket file inside our own folder: no TCP port is opened


@dataclass
class Cluster:
    folder: Path
    bin_dir: Path
    user: str | None
    """The system user the server runs as (None: this process's own)."""

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@/test?host={self.folder}&port={PORT}"

    def run(self, *command: str) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        data = self.folder / "data"
        self.run(str(self.bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--no-sync", "--no-instructions")
        options = (f"-k {self.folder} -p {PORT} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c max_connections=200")
        self.run(str(self.bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.folder / "server.log"),
                 "-w", "-t", "60", "start")
        self.run(str(self.bin_dir / "createdb"), "-h", str(self.folder), "-p", str(PORT), "-U", "postgres", "test")

    def stop(self) -> None:
        try:
            self.run(str(self.bin_dir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def postgres_bin_dir() -> Path | None:
    """Where Debian's newest installed PostgreSQL server keeps ``initdb``, or None if none is installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root with neither a 'postgres' nor a 'nobody' user to run PostgreSQL as")


_cluster: Cluster | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _cluster
    if os.environ.get(ENV, "").strip() or hasattr(config, "workerinput") or config.option.collectonly:
        return
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        return  # the PostgreSQL tests then skip (or fail under CI=true), saying how to run them
    user = _server_user()
    folder = Path(tempfile.mkdtemp(prefix="elearn-pg-"))
    if user is not None:
        shutil.chown(folder, user=user)
    cluster = Cluster(folder, bin_dir, user)
    try:
        cluster.start()
    except subprocess.CalledProcessError as error:
        log = folder / "server.log"
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else error.stderr.decode(errors="replace")
        shutil.rmtree(folder, ignore_errors=True)
        raise pytest.UsageError(f"could not start a throwaway PostgreSQL for the tests:\n{detail}") from None
    _cluster = cluster
    os.environ[ENV] = cluster.url


def pytest_unconfigure(config: pytest.Config) -> None:
    global _cluster
    if _cluster is not None:
        os.environ.pop(ENV, None)
        _cluster.stop()
        _cluster = None
