"""Crafted ``?user=`` links on the learner page (AppTest): a clear message, never an exception,
and the value shown as text, not Markdown."""

from __future__ import annotations

import pytest

from .test_manager_app import App, open_page, signed_in
from .test_manager_app import app as app  # the fixture: a database with teams, learners and play

NOT_A_NUMBER = "is not a learner's number. Open learners from the team progress table."


@pytest.mark.parametrize(("value", "message"), [
    ("99999999999999999999999", rf"'99999999999999999999999' {NOT_A_NUMBER}"),
    ("2147483648", rf"'2147483648' {NOT_A_NUMBER}"),
    ("²", rf"'²' {NOT_A_NUMBER}"),
    ("-1", rf"'\-1' {NOT_A_NUMBER}"),
    ("abc", rf"'abc' {NOT_A_NUMBER}"),
    ("1 OR 1=1", rf"'1 OR 1=1' {NOT_A_NUMBER}"),
    ("[x](http://evil.example)", "'\\[x\\]\\(http\u2060\\://evil\\.example\\)' " + NOT_A_NUMBER),
    ("\x00", rf"'<U+0000>' {NOT_A_NUMBER}".replace("<", "\\<").replace(">", "\\>").replace("+", "\\+")),
    ("7" * 50, "'" + "7" * 40 + rf"… \(50 characters\)' {NOT_A_NUMBER}"),
    ("", "No learner is chosen: open learners from the team progress table."),
])
def test_a_crafted_user_link_gets_a_clear_message(app: App, value: str, message: str) -> None:
    at = open_page(signed_in(app, app.world.manager), "learner", user=value)
    assert [e.value for e in at.error] == [message]
    assert not at.title
    assert not at.dataframe


@pytest.mark.parametrize("value", ["2147483647", "999999"])
def test_an_id_in_range_that_is_nobody_is_refused_like_someone_elses(app: App, value: str) -> None:
    at = open_page(signed_in(app, app.world.manager), "learner", user=value)
    assert [e.value for e in at.error] == [
        "You can't see this learner: they are not in a team you manage, or there is no such learner. Open "
        "learners from the team progress table."]
