"""The LRS settings (endpoint, key, secret: the secret never shown), what an LRS's refusal
means, and ``python -m elearn lrs`` against a real Ralph: ``send --once``, ``status``, and
``retry-dead`` bringing back what the LRS refused."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from elearn.cli.main import main
from elearn.lrs.client import Verdict, sort_refusal
from elearn.settings import Settings, SettingsError, load_settings
from elearn.store import open_store, upgrade
from elearn.store.xapi_outbox import outbox_status, queue_statements
from tests.lrs.conftest import Ralph
from tests.store.helpers import NOW

GOOD = {"id": "00000000-0000-5000-8000-000000000001", "actor": {"objectType": "Agent", "account": {
    "homePage": "https://training.example.org", "name": "ana"}}, "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
    "object": {"objectType": "Activity", "id": "https://training.example.org/xapi/activities/course"},
    "timestamp": "2025-01-06T09:00:00.000Z"}
BAD = {**GOOD, "id": "00000000-0000-5000-8000-000000000002", "actor": {"objectType": "Agent"}}  # nobody


def test_the_lrs_settings_come_from_the_secrets_and_the_secret_is_never_shown() -> None:
    secrets = {"elearn": {"lrs_endpoint": "https://lrs.example.org/xAPI/", "lrs_key": "calm",
                          "lrs_secret": "s3cret", "public_url": "https://training.example.org"}}
    settings = load_settings({}, secrets)
    lrs = settings.lrs
    assert (lrs.statements_url, lrs.key, lrs.secret, lrs.configured) == (
        "https://lrs.example.org/xAPI/statements", "calm", "s3cret", True)
    assert "s3cret" not in repr(settings)
    assert lrs.problems(settings.xapi_home_page) == []
    assert not load_settings({}).lrs.configured


@pytest.mark.parametrize(("environ", "problem"), [
    ({"ELEARN_LRS_ENDPOINT": "lrs.example.org"},
     "ELEARN_LRS_ENDPOINT is 'lrs.example.org': expected the LRS's http(s) address, like https://lrs.example.org/xAPI/."),
    ({"ELEARN_LRS_ENDPOINT": "https://calm:s3cret@lrs.example.org/xAPI/"},
     "ELEARN_LRS_ENDPOINT holds a username or password: put them in lrs_key and lrs_secret instead."),
    ({"ELEARN_LRS_ENDPOINT": "https://lrs.example.org/xAPI/"},
     "ELEARN_LRS_ENDPOINT is set but not both ELEARN_LRS_KEY and ELEARN_LRS_SECRET: give the credentials the LRS "
     "issued for this app (lrs_key and lrs_secret under [elearn] in the secrets)."),
])
def test_a_malformed_lrs_setting_is_refused_with_what_to_do(environ: dict[str, str], problem: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"ELEARN_LRS_KEY": "calm", "ELEARN_LRS_SECRET": "s3cret", **environ}
                      if "not both" not in problem else environ)
    assert refused.value.problems == (problem,)
    assert "s3cret" not in str(refused.value)


@pytest.mark.parametrize(("status", "verdict"), [
    (200, Verdict.REFUSED), (400, Verdict.REFUSED), (422, Verdict.REFUSED), (413, Verdict.REFUSED),
    (409, Verdict.CONFLICT), (401, Verdict.DOWN), (403, Verdict.DOWN), (404, Verdict.DOWN), (408, Verdict.DOWN),
    (429, Verdict.DOWN), (500, Verdict.DOWN), (503, Verdict.DOWN),
])
def test_what_an_lrs_answer_means(status: int, verdict: Verdict) -> None:
    assert sort_refusal(status, "said").verdict is verdict


def test_the_command_line_sends_reports_and_retries_dead_letters(ralph: Ralph, tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = open_store(None, data)
    upgrade(store)
    queue_statements(store, [GOOD, BAD], NOW)
    settings = Settings(data_dir=data, public_url="https://training.example.org", lrs=ralph.settings())
    out = io.StringIO()
    assert main(["lrs", "send", "--once"], out, settings) == 0
    assert out.getvalue().splitlines()[-1] == "1 sent, 0 already in the LRS, 1 refused (dead letters), 0 waiting " \
                                              "for the LRS."
    assert [s["id"] for s in ralph.statements()] == [GOOD["id"]]
    out = io.StringIO()
    assert main(["lrs", "status"], out, settings) == 0
    report = out.getvalue()
    assert f"LRS: {ralph.endpoint}statements" in report
    assert "Waiting: 0\nSent: 1" in report
    assert f"Dead letters: 1\n  {BAD['id']}: 422 the LRS refused the statement: body.0.actor" in report
    assert "ralph-test-secret" not in report
    assert main(["lrs", "retry-dead"], io.StringIO(), settings) == 0
    assert (outbox_status(store).pending, outbox_status(store).dead_count) == (1, 0)
    ralph.stop()
    assert main(["lrs", "send", "--once"], io.StringIO(), settings) == 1  # the LRS is down: it waits
    assert outbox_status(store).pending == 1
    store.dispose()


def test_send_without_an_lrs_says_what_to_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lrs", "send", "--once"], io.StringIO(), Settings(data_dir=tmp_path)) == 2
    assert "ELEARN_LRS_ENDPOINT is not set" in capsys.readouterr().err
