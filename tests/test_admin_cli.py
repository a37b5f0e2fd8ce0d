"""The server's shell tools: upgrading the database and creating an administrator."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from elearn.store import Role, User, authenticate, open_store, register, upgrade, user_by_email

from .conftest import REPO


def run(*args: str, stdin: str = "", data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "elearn", *args, "--data-dir", str(data_dir)], cwd=REPO,
                          input=stdin, capture_output=True, text=True, check=False,
                          env={"PATH": "/usr/bin:/bin"})


def test_db_upgrade_creates_the_database(tmp_path: Path) -> None:
    result = run("db", "upgrade", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "newest schema (sqlite)" in result.stdout
    assert (tmp_path / "elearn.db").exists()


def test_admin_create_then_sign_in(tmp_path: Path) -> None:
    result = run("admin", "create", "--username", "root-admin", "--password-stdin", stdin="a long passphrase\n",
                 data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    store = open_store(None, tmp_path)
    user = authenticate(store, "root-admin", "a long passphrase", datetime.now(UTC), client="test")
    assert isinstance(user, User)
    assert Role.ADMIN in user.roles


def test_admin_create_refuses_a_weak_password(tmp_path: Path) -> None:
    result = run("admin", "create", "--username", "root-admin", "--password-stdin", stdin="short\n",
                 data_dir=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("Not created:")
    assert "Traceback" not in result.stderr


def test_admin_confirm_email_lets_single_sign_on_trust_a_self_registered_address(tmp_path: Path) -> None:
    store = open_store(None, tmp_path)
    upgrade(store)
    register(store, username="ana", display_name="Ana", password="a long passphrase", email="ana@example.com",
             now=datetime.now(UTC), allow_self_registration=True)
    assert not user_by_email(store, "ana@example.com").email_verified  # type: ignore[union-attr]
    result = run("admin", "confirm-email", "--username", "ana", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Confirmed ana@example.com as the e-mail of 'ana': single sign-on may now link to it.\n"
    assert user_by_email(store, "ana@example.com").email_verified  # type: ignore[union-attr]
    unknown = run("admin", "confirm-email", "--username", "nobody", data_dir=tmp_path)
    assert (unknown.returncode, unknown.stderr) == (1, "Not confirmed: There is no user 'nobody'.\n")
