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


def test_db_rebuild_aggregates_verifies_then_repairs(tmp_path: Path) -> None:
    from sqlalchemy import update

    from elearn.store import NewChoice, Role, create_user, record_choice, start_attempt
    from elearn.store.tables import SkillTallyRow

    now = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    store = open_store(None, tmp_path)
    upgrade(store)
    learner = create_user(store, username="lea", display_name="Lea", password=None, now=now, roles=(Role.LEARNER,))
    attempt = start_attempt(store, learner, "refund-call", 1, run_json="{}", now=now)
    record_choice(store, learner, NewChoice(event_key="lea-1", attempt_id=attempt.id, node_id="n", choice_id="c",
                                            evidence={"empathy": "good"}, anger_before=50, anger_after=40,
                                            first_attempt=True, occurred_at=now))
    assert run("db", "rebuild-aggregates", "--verify", data_dir=tmp_path).returncode == 0
    store.write(lambda conn: conn.execute(update(SkillTallyRow).values(observations=7)))
    store.dispose()

    found = run("db", "rebuild-aggregates", "--verify", data_dir=tmp_path)
    assert found.returncode == 1
    assert f"skill tally ({learner.id}, 'empathy'): observations is 7, expected 1" in found.stdout
    assert "1 stored aggregate(s) differ" in found.stdout
    repaired = run("db", "rebuild-aggregates", data_dir=tmp_path)
    assert repaired.returncode == 0, repaired.stderr
    assert "differed (listed above) and were rewritten" in repaired.stdout
    # The first rebuild after revision 0014 also gives the store the course outline, so every
    # person gets a standing (the admin shell's own course directory: the repository's).
    assert "The course outline changed: 1 standings recomputed." in repaired.stdout
    clean = run("db", "rebuild-aggregates", "--verify", data_dir=tmp_path)
    assert clean.returncode == 0
    assert "match them exactly" in clean.stdout
