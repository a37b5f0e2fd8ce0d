"""An LTI 1.3 launch in Chromium: the LMS (a local platform on another site, localhost against
the app's 127.0.0.1) starts the login, its authorisation page posts the signed id_token to the
tool, and the learner lands on the scenario signed in, plays it to its debrief, and a new tab
keeps the session."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from elearn.cli.main import main
from elearn.settings import settings_from_files
from tests.browser import axe
from tests.browser import test_learner_journey as journey
from tests.browser.conftest import Server, shot, start_server, stop_server
from tests.lti_platform import CLIENT_ID, DEPLOYMENT_ID, LocalPlatform, running_platform

pytestmark = pytest.mark.browser
TIMEOUT = 30_000
SCENARIO = journey.SCENARIO.id  # the scenario the learner journey plays, and its best path


@pytest.fixture(scope="module")
def lms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalPlatform, Server]]:
    data = tmp_path_factory.mktemp("lti-browser") / "data"
    with running_platform("localhost") as platform:
        out = io.StringIO()
        assert main(["lti", "add-platform", "--issuer", platform.issuer, "--client-id", CLIENT_ID,
                     "--deployment-id", DEPLOYMENT_ID, "--auth-login-url", platform.auth_url,
                     "--token-url", platform.issuer + "/token", "--jwks-url", platform.jwks_url,
                     "--data-dir", str(data)], out, settings_from_files({})) == 0, out.getvalue()
        server = start_server(data, Path(data.parent) / "server.log")
        try:
            yield platform, server
        finally:
            stop_server(server)


def test_a_launch_from_the_lms_lands_on_the_scenario_signed_in_and_plays_it(lms: tuple[LocalPlatform, Server],
                                                              browser: object) -> None:
    platform, server = lms
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    login = server.url + "/lti/login?" + urlencode({
        "iss": platform.issuer, "login_hint": "hint-1",
        "target_link_uri": f"{server.url}/lti/launch?scenario={SCENARIO}"})
    try:
        page.goto(login)
        page.wait_for_url(f"**/scenario?scenario={SCENARIO}")
        page.get_by_text("Lee Launch").first.wait_for()
        page.get_by_role("heading", name=journey.SCENARIO.title).wait_for()
        assert platform.launches == 1
        shot(page, "lti-01-launched-scenario")
        page.get_by_role("button", name="Start the conversation").click()
        for node_id, choice_id in journey.BEST:
            journey.wait_for_choices(page, node_id)
            journey.click_choice(page, choice_id)
        page.get_by_role("heading", name="Where it turned").wait_for()
        shot(page, "lti-02-debrief")
        again = context.new_page()
        again.set_default_timeout(TIMEOUT)
        again.goto(server.url + "/skills")
        again.get_by_text("Lee Launch").first.wait_for()
        again.get_by_role("heading", name="My skills").wait_for()
    except BaseException:
        shot(page, "failure-lti-launch")
        raise
    finally:
        context.close()


def test_a_refused_launch_shows_why_in_the_browser(lms: tuple[LocalPlatform, Server], browser: object) -> None:
    _, server = lms
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        page.goto(server.url + "/lti/login?" + urlencode({
            "iss": "https://lms.unknown.example", "login_hint": "h", "target_link_uri": server.url + "/lti/launch"}))
        page.get_by_role("heading", name="This launch from your LMS was refused").wait_for()
        assert "is not registered with this app" in page.get_by_role("alert").inner_text()
        # Not a Streamlit page, so axe runs at once (axe.scan waits for a Streamlit run to end).
        page.evaluate(axe.AXE_SCRIPT)
        found = page.evaluate("async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
                              ".violations.map(v => v.id)", axe.TAGS)
        assert found == []
    finally:
        context.close()
