"""Every way a name or an address is stored refuses hidden characters and values over the column,
on SQLite and PostgreSQL, before anything is written (PostgreSQL used to refuse them itself, as a
database error, and SQLite stored them)."""

from __future__ import annotations

import pytest

from elearn.store import (
    AccountError,
    Store,
    admin_exists,
    claim_setup_token,
    create_team,
    create_user,
    issue_setup_token,
    register,
    visible_teams,
    visible_users,
)

from .helpers import NOW, PASSWORD, World

ONLY_LETTERS = "Use only letters, digits, spaces, punctuation or emoji."
NAME_PROBLEMS = [
    ("\u202eAnn", "The name contains a text-direction control (U+202E) at character 1, which can make it display in "
     f"a misleading order. {ONLY_LETTERS}"),
    ("An\u200bn", "The name contains a zero-width character (U+200B) at character 3, which can make two different "
     f"names look the same. {ONLY_LETTERS}"),
    ("Ann\x00", f"The name contains a control character (U+0000) at character 4. {ONLY_LETTERS}"),
    ("n" * 201, "The name is 201 characters long; use at most 200."),
]


@pytest.mark.parametrize(("name", "message"), NAME_PROBLEMS)
def test_self_registration_refuses_hidden_characters_in_names(store: Store, name: str, message: str) -> None:
    with pytest.raises(AccountError) as refused:
        register(store, username="ann", display_name=name, password=PASSWORD, now=NOW, allow_self_registration=True)
    assert str(refused.value) == message
    assert not store.read(lambda conn: conn.exec_driver_sql("SELECT count(*) FROM users").scalar())


@pytest.mark.parametrize(("name", "message"), NAME_PROBLEMS[:2])
def test_an_administrator_and_the_first_set_up_are_held_to_the_same_rule(store: Store, world: World, name: str,
                                                                         message: str) -> None:
    with pytest.raises(AccountError) as refused:
        create_user(store, username="zed", display_name=name, password=None, now=NOW)
    assert str(refused.value) == message
    assert "zed" not in {user.username for user in visible_users(store, world.admin)}


def test_the_set_up_token_route_checks_the_name_too(store: Store) -> None:
    token = issue_setup_token(store, NOW)
    with pytest.raises(AccountError, match="text-direction control"):
        claim_setup_token(store, token, "root", PASSWORD, NOW, display_name="\u2067Root")
    assert not admin_exists(store)
    assert claim_setup_token(store, token, "root", PASSWORD, NOW, display_name=" Root  Admin ").display_name == \
        "Root Admin"


@pytest.mark.parametrize(("email", "message"), [
    ("a" * 309 + "@example.com", "The email address is 321 characters long; an address has at most 320."),
    ("ann@example", "The email address does not look like an address (name@example.com)."),
    ("[x](http://e.example)@example.com", "The email address does not look like an address (name@example.com)."),
    ("ann\x00@example.com", "The email address contains a space or an invisible character. Type the address "
     "again."),
])
def test_email_addresses_are_checked_before_they_are_stored(store: Store, email: str, message: str) -> None:
    with pytest.raises(AccountError) as refused:
        register(store, username="ann", display_name="Ann", password=PASSWORD, now=NOW, email=email,
                 allow_self_registration=True)
    assert str(refused.value) == message


def test_names_are_stored_tidied(store: Store) -> None:
    user = register(store, username="ann", display_name="  Ann \t Lee ", password=PASSWORD, now=NOW,
                    email=" Ann@Example.com ", allow_self_registration=True)
    assert (user.display_name, user.email) == ("Ann Lee", "ann@example.com")


@pytest.mark.parametrize(("name", "message"), [
    ("t" * 101, "The team's name is 101 characters long; use at most 100."),
    ("Team\u200bA", "The team's name contains a zero-width character (U+200B) at character 5, which can make two "
     f"different names look the same. {ONLY_LETTERS}"),
    ("   ", "A team needs a name."),
])
def test_team_names_are_checked_before_they_are_stored(store: Store, world: World, name: str, message: str) -> None:
    with pytest.raises(AccountError) as refused:
        create_team(store, world.admin, name, NOW)
    assert str(refused.value) == message
    assert len(visible_teams(store, world.admin)) == 2
