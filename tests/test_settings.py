"""``elearn.settings``: one resolution of every setting, the same for the app and the command line."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from elearn.cli.main import main
from elearn.course.passing import PassRule
from elearn.limits import ReadLimits
from elearn.settings import REPO, Settings, SettingsError, load_settings, read_secrets_file, settings_from_files

from .conftest import FIXTURES


def test_with_nothing_set_every_setting_has_its_default() -> None:
    assert load_settings({}, None) == Settings()
    assert Settings().course_dir == REPO
    assert Settings().data_dir == REPO / "data"
    assert Settings().database_url is None
    assert Settings().pass_rule == PassRule()


def test_the_environment_wins_over_the_secrets_and_blank_counts_as_unset() -> None:
    secrets = {"elearn": {"db_retry_seconds": 3, "public_url": "https://secrets.example/", "home_page": "x",
                          "self_registration": False, "room_max_participants": "40", "pass_threshold": "80"},
               "connections": {"elearn": {"url": "sqlite:///from-secrets.db"}}}
    environ = {"ELEARN_DB_RETRY_SECONDS": "0.5", "ELEARN_HOME_PAGE": "   ", "ELEARN_DATABASE_URL": "sqlite:///env.db"}
    settings = load_settings(environ, secrets)
    assert settings.db_retry_seconds == 0.5
    assert settings.home_page == "x"  # the blank variable did not hide the secret
    assert settings.public_url == "https://secrets.example"
    assert settings.self_registration is False  # a TOML boolean
    assert settings.room_max_participants == 40
    assert settings.pass_rule == PassRule(80.0)
    assert settings.database_url == "sqlite:///env.db"


@pytest.mark.parametrize(("secrets", "expected"), [
    ({"course_dir": "/srv/course"}, Path("/srv/course")),  # where the first edition put it
    ({"elearn": {"course_dir": "/srv/other"}, "course_dir": "/srv/course"}, Path("/srv/other")),
])
def test_the_course_directory_comes_from_either_place_in_the_secrets(secrets: dict[str, object],
                                                                     expected: Path) -> None:
    assert load_settings({}, secrets).course_dir == expected
    assert load_settings({"ELEARN_COURSE_DIR": "/env/course"}, secrets).course_dir == Path("/env/course")


@pytest.mark.parametrize("value", ["on", "ON", "true", "yes", "1"])
def test_a_flag_reads_the_usual_spellings_of_on(value: str) -> None:
    assert load_settings({"ELEARN_SELF_REGISTRATION": value}).self_registration is True
    assert load_settings({"ELEARN_SELF_REGISTRATION": {"on": "off", "ON": "Off", "true": "false", "yes": "no",
                                                       "1": "0"}[value]}).self_registration is False


def test_every_malformed_setting_is_reported_at_once_naming_where_it_came_from() -> None:
    environ = {"ELEARN_DB_RETRY_SECONDS": "ten", "ELEARN_SELF_REGISTRATION": "maybe",
               "ELEARN_MAX_COURSE_FILE_BYTES": "lots"}
    secrets = {"elearn": {"room_max_participants": "-3", "pass_threshold": "seventy"}}
    with pytest.raises(SettingsError) as raised:
        load_settings(environ, secrets)
    assert raised.value.problems == (
        "ELEARN_DB_RETRY_SECONDS is 'ten': expected a number of seconds greater than 0, like 10.",
        "pass_threshold under [elearn] in the secrets is 'seventy': expected a percentage from 0 to 100, like 70.",
        "ELEARN_MAX_COURSE_FILE_BYTES is 'lots': expected a whole number of 1 or more, like 2097152 (the default).",
        "ELEARN_SELF_REGISTRATION is 'maybe': expected on or off.",
        "room_max_participants under [elearn] in the secrets is '-3': expected a whole number of 1 or more, like 200.",
    )
    assert str(raised.value) == "\n".join(raised.value.problems)


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", ""])
def test_the_retry_wait_must_be_a_positive_number(value: str) -> None:
    if not value:
        assert load_settings({"ELEARN_DB_RETRY_SECONDS": value}).db_retry_seconds == 10.0
        return
    with pytest.raises(SettingsError, match="ELEARN_DB_RETRY_SECONDS"):
        load_settings({"ELEARN_DB_RETRY_SECONDS": value})


def test_the_read_limits_come_from_either_source() -> None:
    settings = load_settings({"ELEARN_MAX_COURSE_YAML_NODES": "500"}, {"elearn": {"max_course_yaml_depth": 10}})
    assert settings.read_limits == ReadLimits(max_yaml_nodes=500, max_yaml_depth=10)


def test_a_secrets_file_that_is_not_toml_is_named_without_its_path(tmp_path: Path) -> None:
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text("[elearn\n", encoding="utf-8")
    with pytest.raises(SettingsError) as raised:
        settings_from_files({}, tmp_path)
    assert str(raised.value).startswith(".streamlit/secrets.toml is not valid TOML")
    assert str(tmp_path) not in str(raised.value)
    assert read_secrets_file(tmp_path / "absent.toml") is None


def test_the_command_line_reads_the_same_secrets_file_as_the_app(tmp_path: Path) -> None:
    """``check`` with no folder checks the course the app would load: ``course_dir`` in the secrets."""
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(f'course_dir = "{FIXTURES / "course"}"\n', encoding="utf-8")
    out = io.StringIO()
    assert main(["check"], out, settings_from_files({}, tmp_path)) == 0
    assert out.getvalue().rstrip().endswith(f"in {FIXTURES / 'course'}")


def test_a_malformed_setting_stops_a_command_with_the_reason_and_status_2(tmp_path: Path) -> None:
    env = {**os.environ, "ELEARN_PASS_THRESHOLD": "lots"}
    done = subprocess.run([sys.executable, "-m", "elearn", "check"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr == "ELEARN_PASS_THRESHOLD is 'lots': expected a percentage from 0 to 100, like 70.\n"
    assert "Traceback" not in done.stderr


def test_the_smtp_settings_come_from_the_secrets_and_the_password_is_never_shown() -> None:
    secrets = {"elearn": {"smtp_host": "smtp.example.org", "smtp_port": 2525, "smtp_tls": "SSL",
                          "smtp_username": "mailer", "smtp_password": "s3cret", "mail_sender": "Calm <t@example.org>"}}
    smtp = load_settings({}, secrets).smtp
    assert (smtp.host, smtp.port_in_use, smtp.tls, smtp.username, smtp.password, smtp.sender) == (
        "smtp.example.org", 2525, "ssl", "mailer", "s3cret", "Calm <t@example.org>")
    assert "s3cret" not in repr(load_settings({}, secrets))
    assert load_settings({"ELEARN_SMTP_TLS": "none"}).smtp.port_in_use == 25
    assert load_settings({}).smtp.problems("") == [
        "ELEARN_SMTP_HOST is not set: name the SMTP server (or [elearn] smtp_host in the secrets).",
        "ELEARN_MAIL_SENDER is not set: give the From address, like training@example.org.",
        "ELEARN_PUBLIC_URL is not set: e-mails link to the app, so give its address, like https://training.example.org.",
    ]


def test_every_malformed_smtp_setting_is_reported_at_once() -> None:
    environ = {"ELEARN_SMTP_PORT": "70000", "ELEARN_SMTP_TLS": "tls", "ELEARN_MAIL_SENDER": "nobody",
               "ELEARN_SMTP_USERNAME": "mailer"}
    with pytest.raises(SettingsError) as raised:
        load_settings(environ)
    assert raised.value.problems == (
        "ELEARN_SMTP_PORT is '70000': expected a port number from 1 to 65535, like 587.",
        "ELEARN_SMTP_TLS is 'tls': expected starttls, ssl or none.",
        "ELEARN_MAIL_SENDER is 'nobody': expected an e-mail address, like training@example.org or "
        "'Calm under fire <training@example.org>'.",
        "ELEARN_SMTP_USERNAME is set but ELEARN_SMTP_PASSWORD is not: give both, or neither.",
    )
def test_the_first_administrators_extra_roles_can_be_turned_off_either_way() -> None:
    assert Settings().first_admin_roles is True
    assert load_settings({"ELEARN_FIRST_ADMIN_ROLES": "off"}).first_admin_roles is False
    assert load_settings({}, {"elearn": {"first_admin_roles": False}}).first_admin_roles is False
    with pytest.raises(SettingsError, match="ELEARN_FIRST_ADMIN_ROLES is 'sometimes': expected on or off"):
        load_settings({"ELEARN_FIRST_ADMIN_ROLES": "sometimes"})
