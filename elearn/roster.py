"""Reading a CSV of people to create: one account per row, checked row by row before anything is made.

Columns (a header row names them, in any order; only ``username`` is required)::

    username,display_name,email,team,roles,manages,password

- ``team``: the name of an existing team the person belongs to (empty: none).
- ``roles``: any of learner, manager, facilitator, admin separated by ``;`` (empty: learner).
- ``manages``: names of existing teams this person manages, separated by ``;`` (gives the manager role).
- ``password``: leave empty for a single-sign-on account (it cannot sign in with a password).

Every problem names its row (the header is row 1) and says what to change.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

from elearn.errors import did_you_mean
from elearn.store.accounts import USERNAME_PATTERN, password_problems
from elearn.store.records import Role
from elearn.store.users import normalize_username

COLUMNS = ("username", "display_name", "email", "team", "roles", "manages", "password")
MAX_ROWS = 5_000


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
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Roster((), ("The file is not UTF-8 text. Save it as 'CSV UTF-8' and upload it again.",))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().casefold() for name in reader.fieldnames or []]
    if "username" not in header:
        return Roster((), ("Row 1: the header must name a 'username' column (columns: " + ", ".join(COLUMNS) + ").",))
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        hints = [f"'{name}'" + (f" ({hint})" if (hint := did_you_mean(name, COLUMNS)) else "") for name in unknown]
        return Roster((), (f"Row 1: unknown column {', '.join(hints)}. The columns are: {', '.join(COLUMNS)}.",))
    reader.fieldnames = header
    people: list[PersonRow] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    folded_teams = {name.casefold(): team_id for name, team_id in teams.items()}
    for line, raw in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            problems.append(f"The file has more than {MAX_ROWS:,} people. Split it into smaller files.")
            break
        if None in raw:
            problems.append(f"Row {line}: more values than columns. Put values containing commas in double quotes.")
            continue
        cells = {key: (value or "").strip() for key, value in raw.items()}
        if not any(cells.values()):
            continue
        row, row_problems = _person(line, cells, folded_teams, teams)
        if row is not None and row.username in seen:
            row_problems.append(f"Row {line}: username '{row.username}' is already on row {seen[row.username]}.")
        if row_problems:
            problems += row_problems
        elif row is not None:
            seen[row.username] = line
            people.append(row)
    if not people and not problems:
        problems.append("The file has a header but no people. Add one row per person below the header.")
    return Roster(tuple(people), tuple(problems))


def _person(line: int, cells: Mapping[str, str], folded_teams: Mapping[str, int], teams: Mapping[str, int]
            ) -> tuple[PersonRow | None, list[str]]:
    problems: list[str] = []
    username = normalize_username(cells.get("username", ""))
    if not USERNAME_PATTERN.match(username):
        problems.append(f"Row {line}: username '{cells.get('username', '')}' is not valid: use 1-64 letters, digits "
                        "and . _ @ + - (starting with a letter or digit).")
    team_name = cells.get("team", "")
    team_id = _team(line, "team", team_name, folded_teams, teams, problems) if team_name else None
    roles: set[Role] = set()
    for word in _split(cells.get("roles", "")):
        try:
            roles.add(Role(word.casefold()))
        except ValueError:
            hint = did_you_mean(word.casefold(), [role.value for role in Role])
            problems.append(f"Row {line}: unknown role '{word}'. Use learner, manager, facilitator or admin. {hint}"
                            .rstrip())
    manages = tuple(team for name in _split(cells.get("manages", ""))
                    if (team := _team(line, "manages", name, folded_teams, teams, problems)) is not None)
    if manages:
        roles.add(Role.MANAGER)
    password = cells.get("password", "") or None
    if password is not None:
        problems += [f"Row {line}: password: {problem}" for problem in password_problems(username, password)]
    email = cells.get("email", "") or None
    if email is not None and ("@" not in email or " " in email):
        problems.append(f"Row {line}: email '{email}' does not look like an address (name@example.com).")
    if problems:
        return None, problems
    return PersonRow(line=line, username=username, display_name=cells.get("display_name", "") or username,
                     email=email, team_id=team_id, roles=frozenset(roles or {Role.LEARNER}), manages=manages,
                     password=password), []


def _team(line: int, column: str, name: str, folded: Mapping[str, int], teams: Mapping[str, int],
          problems: list[str]) -> int | None:
    found = folded.get(name.casefold())
    if found is None:
        hint = did_you_mean(name, teams)
        problems.append(f"Row {line}: {column}: there is no team called '{name}'. Create it first. {hint}".rstrip())
    return found


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.replace(",", ";").split(";") if part.strip()]
