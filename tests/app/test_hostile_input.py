"""Hostile input in the app: injected Markdown is shown as text, and hostile course files leave
the rest of the course served, with the problem list shown to administrators only."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from elearn.store import Role, create_user, open_store, upgrade
from tests.hostile import SECRET, build_all

from .conftest import PASSWORD, as_read, open_page, sign_in, sign_up, texts


def page_links(at: AppTest) -> list[str]:
    return [element.proto.label for element in at.get("page_link")]


@pytest.mark.parametrize(("page", "value"), [
    ("lesson", "[x](http://evil)"),
    ("scenario", "![i](http://evil/i.png)"),
    ("lesson", "<img src=http://evil/i.png> **bold** `code` :red[alarm]"),
])
def test_a_crafted_query_parameter_is_shown_as_text(page: str, value: str) -> None:
    at = sign_up("ana")
    open_page(at, page, **{page: value})
    assert not at.exception
    [error] = [e.value for e in at.error]
    made = MarkdownIt("commonmark").render(error)
    assert "<a " not in made
    assert "<img" not in made
    assert "<strong>" not in made
    assert "<code>" not in made
    assert f"'{value}'" in as_read(error)


@pytest.fixture
def hostile_course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    course = build_all(tmp_path)
    monkeypatch.setenv("ELEARN_COURSE_DIR", str(course))
    return course


def test_with_hostile_files_in_the_course_a_learner_gets_the_rest_and_no_details(hostile_course: Path) -> None:
    at = sign_up("ana")
    assert not at.exception
    shown = texts(at)
    assert "**1. Calm basics**" in shown
    assert "Lesson · 5 min" in page_links(at)
    assert any(label.startswith("Third outage") for label in page_links(at))
    assert "Some course content is unavailable right now. Everything shown above works as usual." in \
        [i.value for i in at.info]
    assert not at.expander
    assert not at.code
    for leak in ("quizzes/", "content/", SECRET, str(hostile_course.parent), "yaml"):
        assert leak not in shown
    open_page(at, "lesson", lesson="calm-basics")
    assert not at.exception
    assert [t.value for t in at.title] == ["Calm basics"]
    open_page(at, "scenario", scenario="outage")
    assert not at.exception
    assert [t.value for t in at.title] == ["Third outage"]


def test_an_administrator_sees_the_problem_list_without_secrets_or_server_paths(own_database: Path,
                                                                                hostile_course: Path) -> None:
    store = open_store(None, own_database)
    upgrade(store)
    create_user(store, username="root-admin", display_name="Admin", password=PASSWORD, now=datetime.now(UTC),
                roles=(Role.LEARNER, Role.ADMIN))
    store.dispose()
    at = sign_in("root-admin")
    assert not at.exception
    [expander] = at.expander
    assert re.fullmatch(r"Some course content was skipped \(\d+ problems\)", expander.label)
    [listing] = [c.value for c in at.code]
    assert ("quizzes/secrets.yaml: The file is a symbolic link to somewhere outside the course's content/ and "
            "quizzes/ folders, so it is not read. Copy the file into the course instead of linking to it.") \
        in listing.splitlines()
    assert "quizzes/pipe.yaml: This is a named pipe (FIFO), not a regular file, so it is not read. Remove it: only " \
        "regular files are course files." in listing.splitlines()
    assert SECRET not in listing
    assert str(hostile_course.parent) not in listing
    assert "**1. Calm basics**" in texts(at)
