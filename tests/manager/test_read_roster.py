"""``read_roster`` on its own: the CSV is read and checked row by row, with no database involved."""

from __future__ import annotations

import pytest

from elearn.manage.roster import COLUMNS, MAX_ROWS, read_roster
from elearn.store import Role

TEAMS = {"Helpdesk East": 1, "Billing": 2}
HEADER = ",".join(COLUMNS) + "\n"


def test_a_good_file_gives_one_person_per_row_with_defaults_filled_in() -> None:
    roster = read_roster((HEADER + "ann,Ann Lee,ann@example.com,helpdesk east,,,\n"
                          "bob,,,,facilitator; ADMIN,Billing,\n").encode(), TEAMS)
    assert roster.ok
    ann, bob = roster.people
    assert (ann.line, ann.username, ann.display_name, ann.email, ann.team_id) == (2, "ann", "Ann Lee",
                                                                                    "ann@example.com", 1)
    assert ann.roles == frozenset({Role.LEARNER})  # no roles given: a learner
    assert bob.display_name == "bob"  # no display name: the username
    assert bob.roles == frozenset({Role.FACILITATOR, Role.ADMIN, Role.MANAGER})  # managing a team makes a manager
    assert bob.manages == (2,)


def test_the_header_may_come_in_any_order_case_and_spacing_after_a_byte_order_mark() -> None:
    roster = read_roster("\ufeff Display_Name , USERNAME\nAnn Lee,ann\n".encode(), {})
    assert [(p.username, p.display_name) for p in roster.people] == [("ann", "Ann Lee")]


def test_blank_rows_are_passed_over_but_keep_their_row_numbers() -> None:
    roster = read_roster((HEADER + ",,,,,,\n\nbob,Bob,,,,,\n").encode(), {})
    assert [(p.line, p.username) for p in roster.people] == [(4, "bob")]


@pytest.mark.parametrize(("data", "problem"), [
    (b"name,email\nann,a@example.com\n",
     "Row 1: the header must name a 'username' column (columns: " + ", ".join(COLUMNS) + ")."),
    (b"username,emial\nann,a@example.com\n",
     "Row 1: unknown column 'emial' (Did you mean 'email'?). The columns are: " + ", ".join(COLUMNS) + "."),
    ("username,display_name\nann,Ann Lé\n".encode("latin-1"),
     "The file is not UTF-8 text (byte 32 is not). Save it as 'CSV UTF-8' and upload it again."),
    (HEADER.encode(), "The file has a header but no people. Add one row per person below the header."),
])
def test_a_file_that_cannot_be_read_says_why_on_its_own(data: bytes, problem: str) -> None:
    roster = read_roster(data, TEAMS)
    assert (roster.people, roster.problems) == ((), (problem,))
    assert not roster.ok


@pytest.mark.parametrize(("row", "problem"), [
    ("ann,Ann,,Helpdesk West,,,", "Row 2: team: there is no team called 'Helpdesk West'. Create it first. "
                                  "Did you mean 'Helpdesk East'?"),
    ("ann,Ann,,,leaner,,", "Row 2: unknown role 'leaner'. Use learner, manager, facilitator or admin. "
                           "Did you mean 'learner'?"),
    ("ann,Ann,,,,Sales,", "Row 2: manages: there is no team called 'Sales'. Create it first."),
    ("ann,Ann,,,,,,extra", "Row 2: more values than columns. Put values containing commas in double quotes."),
])
def test_a_bad_row_names_its_row_and_what_to_change(row: str, problem: str) -> None:
    roster = read_roster((HEADER + row + "\nbob,Bob,,,,,\n").encode(), TEAMS)
    assert roster.problems == (problem,)
    assert [p.username for p in roster.people] == ["bob"]  # the other rows are still read


def test_a_repeated_username_or_email_points_at_the_first_row() -> None:
    roster = read_roster((HEADER + "ann,Ann,a@example.com,,,,\nANN,Again,,,,,\ncat,Cat,a@example.com,,,,\n")
                         .encode(), {})
    assert roster.problems == ("Row 3: username 'ann' is already on row 2.",
                               "Row 4: email 'a@example.com' is already on row 2.")


def test_an_unclosed_quote_stops_the_reading_at_its_row() -> None:
    roster = read_roster((HEADER + "ann,Ann,,,,,\nbob,\"Bob" + "x" * 140_000 + "\ncat,Cat,,,,,\n").encode(), {})
    assert [p.username for p in roster.people] == ["ann"]
    assert len(roster.problems) == 1
    assert roster.problems[0].startswith("Row 3: a value is longer than the")


def test_too_many_rows_stop_at_the_limit() -> None:
    rows = "".join(f"user{i},User {i},,,,,\n" for i in range(MAX_ROWS + 1))
    roster = read_roster((HEADER + rows).encode(), {})
    assert len(roster.people) == MAX_ROWS
    assert roster.problems == (f"The file has more than {MAX_ROWS:,} people. Split it into smaller files.",)
