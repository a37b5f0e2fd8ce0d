"""``python -m elearn lti``: registering an LMS, listing what is registered, and the tool's URLs
and public key to paste into the LMS, run as a real process on a real database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import REPO

PLATFORM = ["--issuer", "https://moodle.example.org", "--client-id", "abc123", "--deployment-id", "1",
            "--deployment-id", "7", "--auth-login-url", "https://moodle.example.org/mod/lti/auth.php",
            "--token-url", "https://moodle.example.org/mod/lti/token.php",
            "--jwks-url", "https://moodle.example.org/mod/lti/certs.php"]


def run(*args: str, data_dir: Path, public_url: str = "") -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", **({"ELEARN_PUBLIC_URL": public_url} if public_url else {})}
    return subprocess.run([sys.executable, "-m", "elearn", "lti", *args, "--data-dir", str(data_dir)], cwd=REPO,
                          capture_output=True, text=True, check=False, env=env)


def test_a_platform_is_registered_then_listed(tmp_path: Path) -> None:
    assert "No platform is registered yet" in run("list", data_dir=tmp_path).stdout
    added = run("add-platform", *PLATFORM, data_dir=tmp_path)
    assert added.returncode == 0, added.stderr
    assert added.stdout == "Registered platform 1: https://moodle.example.org (client id abc123).\n"
    listed = run("list", data_dir=tmp_path).stdout
    assert "deployment ids: 1, 7" in listed
    assert "JWKS URL: https://moodle.example.org/mod/lti/certs.php" in listed
    again = run("add-platform", *PLATFORM, data_dir=tmp_path)
    assert again.returncode == 1
    assert "is registered already" in again.stderr


def test_a_bad_registration_lists_every_problem_and_keeps_nothing(tmp_path: Path) -> None:
    bad = [value.replace("https://moodle", "http://moodle") if value.endswith(".php") else value
           for value in PLATFORM]
    refused = run("add-platform", *bad, data_dir=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.count("must be an https:// URL") == 3
    assert "Traceback" not in refused.stderr
    assert "No platform is registered yet" in run("list", data_dir=tmp_path).stdout


def test_show_tool_prints_the_urls_and_public_key_under_public_url(tmp_path: Path) -> None:
    shown = run("show-tool", data_dir=tmp_path, public_url="https://learn.example.org/")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[:3] == ["Login initiation URL (OIDC login): https://learn.example.org/lti/login",
                         "Launch / redirect URL: https://learn.example.org/lti/launch",
                         "Public keyset (JWKS) URL: https://learn.example.org/lti/jwks"]
    keys = json.loads("\n".join(lines[4:]))["keys"]
    assert keys[0]["kty"] == "RSA"
    assert "d" not in keys[0]
    assert run("show-tool", data_dir=tmp_path, public_url="https://learn.example.org").stdout == shown.stdout


def test_show_tool_without_public_url_says_what_to_set(tmp_path: Path) -> None:
    shown = run("show-tool", data_dir=tmp_path)
    assert shown.returncode == 1
    assert "public_url is not set: set ELEARN_PUBLIC_URL" in shown.stderr


def test_the_service_commands_on_a_fresh_database(tmp_path: Path) -> None:
    assert run("add-platform", *PLATFORM, data_dir=tmp_path).returncode == 0
    scores = run("scores", data_dir=tmp_path)
    assert (scores.returncode, scores.stdout) == (0, "Waiting: 0; sent: 0; dropped: 0.\n")
    sent = run("send-scores", data_dir=tmp_path)
    assert (sent.returncode, sent.stdout) == (0, "Queued 0 new score(s); sent 0, retrying 0, dropped 0.\n")
    assert "No LMS course has given a roster address yet" in run("rosters", data_dir=tmp_path).stdout
    unknown = run("sync-roster", "3", data_dir=tmp_path)
    assert unknown.returncode == 1
    assert unknown.stderr == ("Not synced: No LMS course's roster has the number 3: `python -m elearn lti rosters` "
                              "lists them.\n")
