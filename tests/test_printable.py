"""The job aid: the shipped course has one, it renders as a self-contained page, and raw HTML in it
never becomes markup."""

from __future__ import annotations

from pathlib import Path

from elearn.course.catalogue import load_course
from elearn.course.printable import printable_html, render_markdown
from tests.conftest import FIXTURES, shipped_course


def test_the_shipped_course_has_a_job_aid_with_the_boundary_sequence() -> None:
    aid = shipped_course().job_aid
    assert aid is not None
    for heading in ("## Say this", "## Avoid this", "## The insult rule", "## The boundary sequence", "## Safety",
                    "## The escalation rule"):
        assert heading in aid


def test_a_course_without_one_has_none_and_no_problem() -> None:
    course = load_course(FIXTURES / "course")
    assert course.job_aid is None
    assert course.ok


def test_the_page_is_self_contained_and_escapes_raw_html() -> None:
    page = printable_html("Aid <1>", "# Title\n\n- one\n\n<script>alert(1)</script>\n\n<img src=http://x/i.png>")
    assert page.startswith("<!doctype html>")
    assert "<title>Aid &lt;1&gt;</title>" in page
    assert "<h1>Title</h1>" in page
    assert "<li>one</li>" in page
    assert "<script" not in page
    assert "<img" not in page
    assert "&lt;script&gt;" in page


def test_markdown_renders_lists_and_emphasis() -> None:
    assert render_markdown("**Warn**, then *repeat*.") == "<p><strong>Warn</strong>, then <em>repeat</em>.</p>\n"


def test_an_unreadable_job_aid_is_a_located_problem(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(FIXTURES / "course", tmp_path / "course")
    aid = tmp_path / "course" / "content" / "aids"
    aid.mkdir()
    (aid / "job-aid.md").write_bytes(b"\xff\xfe not utf-8")
    course = load_course(tmp_path / "course")
    assert course.job_aid is None
    assert [p.file for p in course.problems] == ["content/aids/job-aid.md"]
