"""The Verify and Stop-reminders pages with crafted links: a clear message, no exception, nothing changed;
and My skills lists the certificate a learner has earned."""

from __future__ import annotations

import pytest

from .conftest import as_read, open_page, sign_up, texts


@pytest.mark.parametrize("code", ["x" * 5000, "[x](http://evil)", "ABCD-EFGH-JKMN", "' or 1=1 --"])
def test_a_crafted_code_is_unknown_and_shown_as_nothing_but_a_message(code: str) -> None:
    at = sign_up("ana")
    open_page(at, "verify", code=code)
    assert not at.exception
    [error] = [e.value for e in at.error]
    assert as_read(error).startswith("No certificate has this code.")
    assert "evil" not in texts(at)


@pytest.mark.parametrize("token", ["y" * 5000, "[x](http://evil)", "not-ours"])
def test_a_crafted_unsubscribe_link_changes_nothing_and_says_so(token: str) -> None:
    at = sign_up("ana")
    open_page(at, "unsubscribe", token=token)
    assert not at.exception
    next(b for b in at.button if b.label == "Stop reminders").click().run()
    assert not at.exception
    [error] = [e.value for e in at.error]
    assert as_read(error).startswith("This link is not one we sent")


def test_the_unsubscribe_page_without_a_token_says_where_it_comes_from() -> None:
    at = sign_up("ana")
    open_page(at, "unsubscribe")
    assert not at.exception
    assert "Open this page from the link at the end of a reminder e-mail." in texts(at)
    assert "Stop reminders" not in [b.label for b in at.button]


def test_my_skills_says_how_a_certificate_is_earned_before_there_is_one() -> None:
    at = sign_up("ana")
    open_page(at, "skills")
    assert not at.exception
    assert "Your certificates" in [s.value for s in at.subheader]
    assert "A certificate comes when you complete what was assigned to you" in texts(at)
