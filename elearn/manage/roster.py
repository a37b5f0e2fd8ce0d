"""Reading a CSV of people to create: one account per row, checked row by row before anything is made.

Columns (a header row names them, in any order; only ``username`` is required)::

    username,display_name,email,team,roles,manages,password

- ``team``: the name of an existing team the person belongs to (empty: none).
- ``roles``: any of learner, manager, facilitator, admin separated by ``;`` (empty: learner).
- ``manages``: names of existing teams this person manages, separated by ``;`` (gives the manager role).
- ``password``: leave empty for a single-sign-on account (it cannot sign in with a password).

Every problem names its row (the header is row 1) and says what to change. Rows are checked
against the database's own limits (``elearn.store.fields``: a display name of at most 200
characters, an e-mail address of at most 320 and of the right shape, no control, text-direction
or zero-width characters) and then against the database (usernames and e-mails in use), so that
``import_roster`` creates everyone or no one, and says why.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from elearn.errors import ElearnError, did_you_mean
from elearn.names import excerpt
from elearn.store.db import Store
from elearn.store.errors import PeopleRefused
from elearn.store.people import account_problems, add_people, check_people
from elearn.store.records import NewAccount, Role, User, Viewer

COLUMNS = ("username", "display_name", "email", "team", "roles", "manages", "password")
MAX_ROWS = 5_000
MAX_BYTES = 10_000_000
"""The largest file read: 5,000 rows of the longest legal values stay well under it."""


@dataclass(frozen=True)
class PersonRow:
    """One valid row: who to create, where they belong, what they may do."""

    line: int
    username: str
    display_name: str
    email: str | None
    team_id: int | None
    roles: frozenset[Role]
    manages: tuple[int, ...]
    password: str | None

    def account(self) -> NewAccount:
        """This row as an account for ``add_people`` (its problems say "Row N")."""
        return NewAccount(username=self.username, display_name=self.display_name, email=self.email,
                          team_id=self.team_id, roles=self.roles, manages=self.manages, password=self.password,
                          where=f"Row {self.line}")


@dataclass(frozen=True)
class Roster:
    people: tuple[PersonRow, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.people)


def read_roster(data: bytes, teams: Mapping[str, int]) -> Roster:
    """Parse and check a CSV upload; ``teams`` maps existing team names to ids.

    Returns every valid row and every problem; the caller creates nothing unless there are none.
    A cell too large for the CSV reader (usually a missing closing quote, which makes one cell
    swallow the rest of the file) is a problem on its row, after which the file is not read on.
    """
    if len(data) > MAX_BYTES:
        return Roster((), (f"The file is {len(data) / 1e6:.1f} MB; the most one upload takes is "
                           f"{MAX_BYTES / 1e6:.0f} MB. Split it into smaller files.",))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return Roster((), (f"The file is not UTF-8 text (byte {error.start + 1:,} is not). Save it as 'CSV UTF-8' "
                           "and upload it again.",))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    refused = _header_problem(reader)
    if refused:
        return Roster((), (refused,))
    people: list[PersonRow] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    emails: dict[str, int] = {}
    folded_teams = {name.casefold(): team_id for name, team_id in teams.items()}
    for line, cells in _data_rows(reader, problems):
        row, row_problems = _person(line, cells, folded_teams, teams)
        if row is not None and row.username in seen:
            row_problems.append(f"Row {line}: username '{row.username}' is already on row {seen[row.username]}.")
        if row is not None and row.email is not None and row.email in emails:
            row_problems.append(f"Row {line}: email '{excerpt(row.email)}' is already on row {emails[row.email]}.")
        if row_problems or row is None:
            problems += row_problems
            continue
        seen[row.username] = line
        if row.email is not None:
            emails[row.email] = line
        people.append(row)
    if not people and not problems:
        problems.append("The file has a header but no people. Add one row per person below the header.")
    return Roster(tuple(people), tuple(problems))


def _header_problem(reader: csv.DictReader[str]) -> str:
    """Check row 1 and normalise its column names in ``reader``; the problem with it, or ""."""
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as error:
        return _unreadable(1, error)
    header = [name.strip().casefold() for name in fieldnames]
    if "username" not in header:
        return "Row 1: the header must name a 'username' column (columns: " + ", ".join(COLUMNS) + ")."
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        hints = [f"'{excerpt(name)}'" + (f" ({hint})" if (hint := did_you_mean(name, COLUMNS)) else "")
                 for name in unknown]
        return f"Row 1: unknown column {', '.join(hints)}. The columns are: {', '.join(COLUMNS)}."
    reader.fieldnames = header
    return ""


def _data_rows(reader: csv.DictReader[str], problems: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, trimmed cells) of each non-blank row after the header. A row the CSV reader cannot
    split, or one row too many, adds its problem to ``problems`` and stops the reading there; a row
    with more values than columns adds its problem and is passed over.

    The row number is the file's line where the row ends, as a text editor counts it, so empty
    lines (which the CSV reader skips) do not shift the numbers of the rows after them.
    """
    rows = iter(reader)
    for count in itertools.count(1):
        try:
            raw = next(rows)
        except StopIteration:
            return
        except csv.Error as error:
            problems.append(_unreadable(reader.line_num + 1, error))  # the line it failed on is not counted yet
            return
        line = reader.line_num
        if count > MAX_ROWS:
            problems.append(f"The file has more than {MAX_ROWS:,} people. Split it into smaller files.")
            return
        if None in raw:
            problems.append(f"Row {line}: more values than columns. Put values containing commas in double quotes.")
            continue
        cells = {key: (value or "").strip() for key, value in raw.items()}
        if any(cells.values()):
            yield line, cells


class RosterRefused(ElearnError):
    """Nothing was created from a roster; ``problems`` lists every row's reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"Nothing was created: the file has {len(self.problems)} problem(s). Fix them and upload "
                         "it again.")


def roster_conflicts(store: Store, admin: Viewer, roster: Roster) -> tuple[str, ...]:
    """What the database has against a checked roster (usernames or e-mails already in use, teams
    gone), found before anyone waits for passwords to be hashed. Empty if nothing."""
    return check_people(store, admin, [person.account() for person in roster.people])


def import_roster(store: Store, admin: Viewer, roster: Roster, now: datetime, *,
                  on_progress: Callable[[int, int], object] | None = None) -> tuple[User, ...]:
    """Create every person of a checked roster in one transaction, or nobody: ``RosterRefused``
    lists each row's problem (a username taken meanwhile, say). ``on_progress(done, total)``
    follows the password hashing, the slow part. A roster with problems creates nobody at all,
    not even its good rows."""
    if roster.problems:
        raise RosterRefused(roster.problems)
    try:
        return add_people(store, admin, [person.account() for person in roster.people], now, on_hashed=on_progress)
    except PeopleRefused as refused:
        raise RosterRefused(refused.problems) from refused


def _unreadable(line: int, error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return (f"Row {line}: a value is longer than the {csv.field_size_limit():,} characters a cell may hold, "
                "usually because a double quote is not closed, so that one cell runs on over the rows after "
                "it. Check the quotes on this row; rows after it were not read.")
    return f"Row {line}: the CSV could not be read here ({error}). Rows after it were not read."


def _person(line: int, cells: Mapping[str, str], folded_teams: Mapping[str, int], teams: Mapping[str, int]
            ) -> tuple[PersonRow | None, list[str]]:
    problems: list[str] = []
    team_name = cells.get("team", "")
    team_id = _team(line, "team", team_name, folded_teams, teams, problems) if team_name else None
    roles: set[Role] = set()
    for word in _split(cells.get("roles", "")):
        try:
            roles.add(Role(word.casefold()))
        except ValueError:
            hint = did_you_mean(word.casefold(), [role.value for role in Role])
            problems.append(f"Row {line}: unknown role '{excerpt(word)}'. Use learner, manager, facilitator or "
                            f"admin. {hint}".rstrip())
    manages = tuple(team for name in _split(cells.get("manages", ""))
                    if (team := _team(line, "manages", name, folded_teams, teams, problems)) is not None)
    if manages:
        roles.add(Role.MANAGER)
    account, account_problems_found = account_problems(NewAccount(
        username=cells.get("username", ""), display_name=cells.get("display_name", ""),
        email=cells.get("email", "") or None, password=cells.get("password", "") or None, where=f"Row {line}"))
    problems = account_problems_found + problems
    if problems:
        return None, problems
    return PersonRow(line=line, username=account.username, display_name=account.display_name or account.username,
                     email=account.email, team_id=team_id, roles=frozenset(roles or {Role.LEARNER}), manages=manages,
                     password=account.password), []


def _team(line: int, column: str, name: str, folded: Mapping[str, int], teams: Mapping[str, int],
          problems: list[str]) -> int | None:
    found = folded.get(name.casefold())
    if found is None:
        hint = did_you_mean(name, teams)
        problems.append(f"Row {line}: {column}: there is no team called '{excerpt(name)}'. Create it first. {hint}"
                        .rstrip())
    return found


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.replace(",", ";").split(";") if part.strip()]
