"""AppTest fixtures: every test gets its own data directory, so its own SQLite database."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO

APP = str(REPO / "app.py")
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def own_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The app reads its database location from the environment, as a deployment would.
    monkeypatch.setenv("ELEARN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ELEARN_DATABASE_URL", raising=False)
    return tmp_path / "data"


def _launch(app_path: str) -> None:
    import runpy

    runpy.run_path(app_path, run_name="__main__")


def new_app() -> AppTest:
    # A launcher in a temporary folder runs app.py: AppTest, started on app.py itself, would see
    # the pages/ folder beside it and fall back to Streamlit's old multipage mode (page scripts
    # run without app.py), which the real server switches off in serve.py.
    return AppTest.from_function(_launch, args=(APP,), default_timeout=60)


def sign_up(username: str, name: str = "Ana Learner") -> AppTest:
    at = new_app().run()
    at.text_input(key="reg-username").input(username)
    at.text_input(key="reg-name").input(name)
    at.text_input(key="reg-password").input(PASSWORD)
    at.text_input(key="reg-repeat").input(PASSWORD)
    at.button(key="FormSubmitter:register-Create account").click().run()
    assert not at.exception
    return at


def sign_in(username: str, password: str = PASSWORD) -> AppTest:
    at = new_app().run()
    at.text_input(key="signin-username").input(username)
    at.text_input(key="signin-password").input(password)
    at.button(key="FormSubmitter:sign-in-Sign in").click().run()
    assert not at.exception
    return at


def open_page(at: AppTest, page: str, **params: str) -> AppTest:
    for key in list(at.query_params):
        del at.query_params[key]
    at.query_params.update(params)
    # An absolute path: the launcher script lives in a temporary folder (see new_app).
    at.switch_page(str(REPO / "pages" / f"{page}.py"))
    return at.run()


def as_read(markdown: str) -> str:
    """What a reader sees of ``markdown``: rendered as CommonMark, without the tags (escapes resolved)
    and without the invisible word joiners ``md_escape`` puts in bare addresses."""
    from markdown_it import MarkdownIt

    made = MarkdownIt("commonmark").render(markdown)
    return html.unescape(re.sub(r"<[^>]+>", "", made)).strip().replace("\u2060", "")


def texts(at: AppTest) -> str:
    """Everything the page shows as text, for assertions on what a learner reads."""
    parts = [e.value for e in (*at.markdown, *at.caption, *at.error, *at.warning, *at.success, *at.info, *at.title)]
    parts += [str(b.label) for b in at.button]
    return "\n".join(str(p) for p in parts)


Make = Callable[..., AppTest]
