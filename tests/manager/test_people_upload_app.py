"""The people upload through the page (AppTest): a file with bad rows lists every problem and
creates no one; an account made between the preview and the click refuses the whole file."""

from __future__ import annotations

from datetime import UTC, datetime

from elearn.store import create_user, visible_users

from .test_manager_app import App, people_page, upload
from .test_manager_app import app as app  # the fixture: a database with teams, learners and play

HEADER = "username,display_name,email,team,roles,manages,password\n"


def usernames(app: App) -> set[str]:
    return {user.username for user in visible_users(app.store, app.world.admin)}


def test_a_file_with_a_long_name_a_nul_and_a_huge_cell_creates_no_one(app: App) -> None:
    before = usernames(app)
    at = upload(people_page(app, "Upload people"),
                HEADER
                + "good.one,Good One,,Team A,,,\n"
                + "long.name," + "n" * 201 + ",,,,,\n"
                + "nul.name,Nul\x00Name,,,,,\n"
                + "huge," + "x" * 140_000 + ",,,,,\n")
    problems = list(at.dataframe[0].value["Problem"])
    assert problems[:2] == [
        "Row 3: display_name is 201 characters long; use at most 200.",
        "Row 4: display_name contains a control character (U+0000) at character 4. Use only letters, digits, "
        "spaces, punctuation or emoji.",
    ]
    assert problems[2].startswith("Row 5: a value is longer than the 131,072 characters a cell may hold")
    assert [e.value for e in at.error] == ["Nothing was created: the file has 3 problem(s). Fix them and upload it "
                                           "again."]
    assert not [b for b in at.button if b.key == "people-create"]
    assert usernames(app) == before


def test_a_username_in_use_is_listed_before_the_create_button(app: App) -> None:
    at = upload(people_page(app, "Upload people"), HEADER + "fresh,Fresh,,,,,\nAna,Another Ana,,,,,\n")
    assert list(at.dataframe[0].value["Problem"]) == [
        "Row 3: username 'ana' is already taken by an existing account. Choose another, or remove the row."]
    assert not [b for b in at.button if b.key == "people-create"]


def test_an_account_made_after_the_preview_refuses_the_whole_file(app: App) -> None:
    before = usernames(app)
    at = upload(people_page(app, "Upload people"), HEADER + "first,First,,,,,\nlate,Late,,,,,\n")
    create_user(app.store, username="late", display_name="Someone else", password=None, now=datetime.now(UTC))
    at.button(key="people-create").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Nothing was created: the file has 1 problem(s). Fix them and upload it "
                                           "again."]
    assert list(at.dataframe[-1].value["Problem"]) == [
        "Row 3: username 'late' is already taken by an existing account. Choose another, or remove the row."]
    assert usernames(app) == before | {"late"}
