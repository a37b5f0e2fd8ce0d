"""``python -m elearn user ...``: every sub-command, its messages and exit codes, on a real SQLite file."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from elearn.cli.main import main
from elearn.cli.user_commands import ROLE_NAMES
from elearn.mail.config import SmtpSettings
from elearn.settings import Settings
from elearn.store import (
    AccountDeactivated,
    Role,
    Store,
    authenticate,
    create_user,
    open_store,
    reset_password,
    upgrade,
)
from elearn.store.outbox import jobs
from tests.store.helpers import FAST_HASHER, seed_team

from .conftest import REPO

PASSWORD = "correct horse battery"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    store = open_store(None, tmp_path, hasher=FAST_HASHER)
    upgrade(store)
    now = datetime.now(UTC)
    # Seeded by nobody (not audited), so each test's audit log holds only what its commands did.
    create_user(store, username="boss", display_name="", password=PASSWORD, now=now, roles=(Role.ADMIN, Role.LEARNER))
    seed_team(store, "Help Desk", now)
    create_user(store, username="ana", display_name="Ana Berg", password=PASSWORD, now=now, email="ana@example.org")
    store.dispose()
    return tmp_path


def user(data: Path, *args: str, public_url: str = "") -> tuple[int, str, str]:
    out = io.StringIO()
    err = io.StringIO()
    stderr, sys.stderr = sys.stderr, err
    try:
        status = main(["user", *args, "--data-dir", str(data)], out=out, settings=Settings(data_dir=data,
                                                                                       public_url=public_url))
    finally:
        sys.stderr = stderr
    return status, out.getvalue(), err.getvalue()


def opened(data: Path) -> Store:
    return open_store(None, data, hasher=FAST_HASHER)


def test_role_names_are_the_stores() -> None:
    assert tuple(role.value for role in Role) == ROLE_NAMES


def test_find_and_show(data: Path) -> None:
    status, out, _ = user(data, "find", "BERG")
    assert status == 0
    assert out == "ana  'Ana Berg'  ana@example.org  learner  no team  active\n1 account found.\n"
    assert user(data, "find", "nobody-like-this") == (1, "0 accounts found.\n", "")
    assert user(data, "show", "boss")[1].startswith("boss  'boss'  -  admin,learner  no team  active")
    assert user(data, "show", "ghost") == (1, "", "Refused: There is no account with the username 'ghost'.\n")


def test_set_roles_team_rename_and_email(data: Path) -> None:
    assert user(data, "set-roles", "ana", "learner", "Facilitator")[0] == 0
    assert user(data, "set-team", "ana", "help desk")[1] == (
        "ana  'Ana Berg'  ana@example.org  facilitator,learner  team 'Help Desk'  active\n")
    assert user(data, "rename", "ana", "Ana Andersson")[1].startswith("ana  'Ana Andersson'")
    assert user(data, "set-email", "ana", "ana.a@example.org")[1].startswith("ana  'Ana Andersson'  ana.a@example.org")
    assert "no team" in user(data, "set-team", "ana", "--no-team")[1]
    assert user(data, "set-email", "ana", "")[1].startswith("ana  'Ana Andersson'  -  ")


def test_manage_and_stop_managing_a_team_are_audited(data: Path) -> None:
    assert user(data, "manage", "ana", "help desk") == (
        0, "ana  'Ana Berg'  ana@example.org  learner,manager  no team  active\nana manages: 'Help Desk'\n", "")
    assert user(data, "manage", "ana", "Help Desk")[1].endswith("ana manages: 'Help Desk'\n")  # already: no change
    assert user(data, "stop-managing", "ana", "Help Desk")[1].endswith("ana manages: no team\n")
    lines = user(data, "audit")[1].splitlines()
    assert [line.split("  ")[1:] for line in lines] == [
        ["server shell", "remove team manager", "ana", "{'manages': ['Help Desk']} -> {'manages': []}"],
        ["server shell", "add team manager", "ana",
         "{'manages': [], 'roles': ['learner']} -> {'manages': ['Help Desk'], 'roles': ['learner', 'manager']}"]]


@pytest.mark.parametrize(("args", "status", "message"), [
    (("set-roles", "ana", "facilitatr"), 2, "'facilitatr' is not a role. Did you mean 'facilitator'?\n"),
    (("set-roles", "ana", "boss"), 2, "'boss' is not a role. Roles: learner, manager, facilitator, admin.\n"),
    (("set-roles", "boss", "learner"), 1, "Refused: This would leave no active administrator. Make someone else an "
                                          "administrator first.\n"),
    (("deactivate", "boss"), 1, "Refused: This is the last active administrator; deactivating them would leave "
                                "nobody to administer.\n"),
    (("set-team", "ana", "Night shift"), 1, "Refused: There is no team called 'Night shift'. Teams: 'Help Desk'.\n"),
    (("set-team", "ana"), 2, "Name one team, or give --no-team (not both).\n"),
    (("set-team", "ana", "Help Desk", "--no-team"), 2, "Name one team, or give --no-team (not both).\n"),
    (("set-email", "ana", "not an address"), 1, "Refused: The email address contains a space or an invisible "
                                                "character. Type the address again.\n"),
    (("rename", "ana", "x" * 201), 1, "Refused: The name is 201 characters long; use at most 200.\n"),
    (("audit", "--limit", "-1"), 2, "--limit needs 0 (all) or more.\n"),
    (("manage", "ana", "Night shift"), 1, "Refused: There is no team called 'Night shift'. Teams: 'Help Desk'.\n"),
    (("stop-managing", "ghost", "Help Desk"), 1, "Refused: There is no account with the username 'ghost'.\n"),
], ids=["typo-role", "unknown-role", "last-admin-role", "last-admin-deactivate", "unknown-team", "no-team-named",
        "team-and-no-team", "bad-email", "long-name", "negative-limit", "manage-unknown-team",
        "stop-managing-unknown-account"])
def test_refusals_say_why_with_the_exit_code(data: Path, args: tuple[str, ...], status: int, message: str) -> None:
    assert user(data, *args) == (status, "", message)


def test_deactivate_and_reactivate(data: Path) -> None:
    status, out, _ = user(data, "deactivate", "ana")
    assert status == 0
    assert " deactivated " in out
    store = opened(data)
    with pytest.raises(AccountDeactivated):
        authenticate(store, "ana", PASSWORD, datetime.now(UTC), client="test")
    assert user(data, "reactivate", "ana")[1].endswith("  active\n")
    assert authenticate(store, "ana", PASSWORD, datetime.now(UTC), client="test") is not None
    store.dispose()


def test_reset_link_is_printed_once_and_works(data: Path) -> None:
    status, out, _ = user(data, "reset-link", "ana", public_url="https://learn.example.com")
    assert status == 0
    link = out.splitlines()[1].strip()
    assert link.startswith("https://learn.example.com/reset?token=")
    store = opened(data)
    reset_password(store, link.split("token=", 1)[1], "my fresh passphrase", datetime.now(UTC))
    assert authenticate(store, "ana", "my fresh passphrase", datetime.now(UTC), client="test") is not None
    store.dispose()
    assert "Set ELEARN_PUBLIC_URL" in user(data, "reset-link", "ana")[1]


def test_reset_link_by_email_is_queued_not_printed_and_refused_without_email_settings(data: Path) -> None:
    status, out, err = user(data, "reset-link", "ana", "--email")
    assert (status, out) == (1, "")
    assert err.splitlines() == [
        "E-mail is not set up, so nothing was queued:",
        "  ELEARN_SMTP_HOST is not set: name the SMTP server (or [elearn] smtp_host in the secrets).",
        "  ELEARN_MAIL_SENDER is not set: give the From address, like training@example.org.",
        "  ELEARN_PUBLIC_URL is not set: e-mails link to the app, so give its address, like "
        "https://training.example.org.",
        "(Without --email the link is printed here instead.)"]
    settings = Settings(data_dir=data, public_url="https://learn.example.com",
                        smtp=SmtpSettings(host="127.0.0.1", tls="none", sender="training@example.org"))
    printed = io.StringIO()
    assert main(["user", "reset-link", "ana", "--email", "--data-dir", str(data)], out=printed, settings=settings) == 0
    assert printed.getvalue() == (
        "Queued a one-time link for 'ana' to set a new password, to ana@example.org. The next 'python -m elearn mail "
        "send' sends it; it is valid 24 hours from then. Links made before stop working now.\n")
    assert "token=" not in printed.getvalue()
    store = opened(data)
    assert [(job.kind, job.sent_at) for job in jobs(store)] == [("reset", None)]
    store.dispose()
    assert user(data, "audit")[1].split("  ")[1:4] == ["server shell", "e-mail reset link", "ana"]


def test_audit_prints_and_exports_every_action(data: Path, tmp_path: Path) -> None:
    user(data, "rename", "ana", "=cmd|' /C calc'!A0")
    user(data, "deactivate", "ana")
    status, out, _ = user(data, "audit")
    assert status == 0
    lines = out.splitlines()
    assert [line.split("  ")[1:4] for line in lines] == [["server shell", "deactivate", "ana"],
                                                        ["server shell", "rename", "ana"]]
    target = tmp_path / "audit.csv"
    assert user(data, "audit", "--csv", str(target)) == (0, f"Wrote 2 audit events to {target}.\n", "")
    rows = list(csv.reader(io.StringIO(target.read_text("utf-8-sig"))))
    assert rows[2][5] == '{"display_name": "=cmd|\' /C calc\'!A0"}'
    assert user(data, "audit", "--csv", str(tmp_path / "missing" / "audit.csv"))[0] == 1


def test_no_traceback_reaches_the_shell(data: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "elearn", "user", "set-roles", "boss", "learner", "--data-dir",
                             str(data)], cwd=REPO, capture_output=True, text=True, check=False,
                            env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert result.stderr == ("Refused: This would leave no active administrator. Make someone else an administrator "
                             "first.\n")
