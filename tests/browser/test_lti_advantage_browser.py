"""LTI Advantage in Chromium: the LMS (``lti1p3platform`` served by
``tests/lti_advantage_platform.py``, on localhost against the app's 127.0.0.1) launches a
learner into a scenario with grade passback; they play it to its debrief in the browser, and
the app's own sender thread posts the attempt's score to the LMS's line item, once. And an
instructor's deep-linking request: the picker (checked with axe), the pick, and the page that
posts it back to the LMS."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from elearn.cli.main import main
from elearn.settings import settings_from_files
from tests.browser import axe
from tests.browser import test_learner_journey as journey
from tests.browser.conftest import Server, shot, start_server, stop_server
from tests.lti_advantage_platform import CLIENT_ID, DEPLOYMENT_ID, AdvantageLms

pytestmark = pytest.mark.browser
TIMEOUT = 30_000
SCENARIO = journey.SCENARIO.id
SCORE_DEADLINE_SECONDS = 60  # the sender wakes at once after a finish; 60 s covers a slow machine


@pytest.fixture(scope="module")
def lms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AdvantageLms, Server]]:
    data = tmp_path_factory.mktemp("lti-advantage-browser") / "data"
    server = start_server(data, Path(data.parent) / "server.log")
    platform = AdvantageLms(server.url)
    try:
        out = io.StringIO()
        assert main(["lti", "add-platform", "--issuer", platform.issuer, "--client-id", CLIENT_ID,
                     "--deployment-id", DEPLOYMENT_ID, "--auth-login-url", platform.issuer + "/auth",
                     "--token-url", platform.issuer + "/token", "--jwks-url", platform.issuer + "/jwks",
                     "--data-dir", str(data)], out, settings_from_files({})) == 0, out.getvalue()
        yield platform, server
    finally:
        platform.stop()
        stop_server(server)


def test_a_scenario_played_after_a_launch_sends_its_score_to_the_lms(lms: tuple[AdvantageLms, Server],
                                                                    browser: object) -> None:
    platform, server = lms
    platform.recorded.custom = {"scenario": SCENARIO}
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        page.goto(server.url + "/lti/login?" + urlencode({
            "iss": platform.issuer, "login_hint": "browser-learner-1", "client_id": CLIENT_ID,
            "lti_deployment_id": DEPLOYMENT_ID, "target_link_uri": server.url + "/lti/launch"}))
        page.wait_for_url(f"**/scenario?scenario={SCENARIO}")
        page.get_by_text("Bea Browser").first.wait_for()
        page.get_by_role("button", name="Start the conversation").click()
        for node_id, choice_id in journey.BEST:
            journey.wait_for_choices(page, node_id)
            journey.click_choice(page, choice_id)
        page.get_by_role("heading", name="Where it turned").wait_for()
        shot(page, "lti-advantage-01-debrief")
        deadline = time.monotonic() + SCORE_DEADLINE_SECONDS
        while not platform.recorded.scores:
            assert time.monotonic() < deadline, "no score reached the LMS"
            time.sleep(0.2)
        [(line_item, score)] = platform.recorded.scores
        assert line_item == "7"
        assert score["userId"] == "browser-learner-1"
        assert score["scoreMaximum"] == 1
        assert score["scoreGiven"] == 1.0  # the best path earns full first-attempt credit
        assert score["activityProgress"] == "Completed"
        assert score["gradingProgress"] == "FullyGraded"
    except BaseException:
        shot(page, "failure-lti-advantage")
        raise
    finally:
        context.close()


def test_an_instructor_picks_a_scenario_and_the_browser_posts_it_to_the_lms(lms: tuple[AdvantageLms, Server],
                                                                            browser: object) -> None:
    platform, server = lms
    platform.recorded.deep_link = True
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        page.goto(server.url + "/lti/login?" + urlencode({
            "iss": platform.issuer, "login_hint": "browser-instructor-1",
            "target_link_uri": server.url + "/lti/launch"}))
        page.get_by_role("heading", name="Add Calm under fire to your LMS course").wait_for()
        page.evaluate(axe.AXE_SCRIPT)  # a plain page: axe runs at once (axe.scan waits for Streamlit)
        found = page.evaluate("async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
                              ".violations.map(v => v.id)", axe.TAGS)
        assert found == []
        page.get_by_label(f"Scenario: {journey.SCENARIO.title}").check()
        page.get_by_role("button", name="Add to the LMS course").press("Enter")  # the keyboard works
        page.get_by_text("Activity added.").wait_for()
        [item] = platform.recorded.content_items
        assert item["custom"] == {"scenario": SCENARIO}
    except BaseException:
        shot(page, "failure-lti-deep-link")
        raise
    finally:
        platform.recorded.deep_link = False
        context.close()
