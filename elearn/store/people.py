"""Reading users and teams on behalf of a viewer, and the administrator's changes to them,
including ``add_people``: many accounts at once, all of them or none."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import insert, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError, IntegrityError

from elearn.names import excerpt
from elearn.store.access import require_read, require_role, scope_of
from elearn.store.accounts import USERNAME_PATTERN, create_user, password_problems
from elearn.store.administration import record_account_created, record_team_created
from elearn.store.db import Store, one_of
from elearn.store.errors import AccountError, NotFound, PeopleRefused
from elearn.store.fields import checked_team_name, display_name_problem, email_problem
from elearn.store.records import NewAccount, Role, Team, User, Viewer
from elearn.store.standings import refresh_standings
from elearn.store.tables import TeamManagerRow, TeamRow, UserRoleRow, UserRow
from elearn.store.users import fetch_user, fetch_users, normalize_email, normalize_username

log = logging.getLogger(__name__)


def get_user(store: Store, viewer: Viewer, user_id: int) -> User:
    """One user, if ``viewer`` may see them (else ``AccessDenied``)."""

    def work(conn: Connection) -> User:
        require_read(conn, viewer, user_id)
        user = fetch_user(conn, user_id)
        assert user is not None  # require_read found the row in this transaction
        return user

    return store.read(work)


def visible_users(store: Store, viewer: Viewer) -> tuple[User, ...]:
    """Everyone ``viewer`` may see, by username: themselves, their teams' members, or all."""

    def work(conn: Connection) -> tuple[User, ...]:
        return tuple(fetch_users(conn, scope_of(conn, viewer).covers(UserRow.id)))

    return store.read(work)


def visible_teams(store: Store, viewer: Viewer) -> tuple[Team, ...]:
    """The teams ``viewer`` may see: all for an admin, else the ones they manage or belong to."""

    def work(conn: Connection) -> tuple[Team, ...]:
        query = select(TeamRow.id, TeamRow.name, TeamRow.created_at).order_by(TeamRow.name)
        if not scope_of(conn, viewer).everything:
            managed = select(TeamManagerRow.team_id).where(TeamManagerRow.user_id == viewer.id)
            own = select(UserRow.team_id).where(UserRow.id == viewer.id)
            query = query.where(or_(TeamRow.id.in_(managed), TeamRow.id.in_(own)))
        return tuple(Team(id=row[0], name=row[1], created_at=row[2]) for row in conn.execute(query))

    return store.read(work)


def create_team(store: Store, actor: Viewer, name: str, now: datetime) -> Team:
    """An administrator creates a team (audited); raises ``AccountError`` if the name is taken,
    empty, over 100 characters or holds hidden characters (``checked_team_name``)."""
    clean = checked_team_name(name)

    def work(conn: Connection) -> Team:
        require_role(conn, actor, Role.ADMIN)
        try:
            with conn.begin_nested():
                team_id = conn.execute(
                    insert(TeamRow).values(name=clean, created_at=now).returning(TeamRow.id)
                ).scalar_one()
        except IntegrityError as error:
            raise AccountError(f"A team called {clean!r} already exists.") from error
        team = Team(id=team_id, name=clean, created_at=now)
        record_team_created(conn, actor, team, now)
        return team

    return store.write(work)


def add_user(
    store: Store,
    actor: Viewer,
    *,
    username: str,
    display_name: str,
    password: str | None,
    now: datetime,
    email: str | None = None,
    team_id: int | None = None,
    roles: Iterable[Role] = (Role.LEARNER,),
) -> User:
    """An administrator creates an account (``password=None`` for single sign-on only), audited."""
    store.read(lambda conn: require_role(conn, actor, Role.ADMIN))
    return create_user(
        store, username=username, display_name=display_name, password=password, now=now, email=email,
        team_id=team_id, roles=roles, audited_by=actor,
    )


def account_problems(account: NewAccount) -> tuple[NewAccount, list[str]]:
    """One account's fields as they would be stored, and everything wrong with them, checked
    against the database's limits and the password policy without reading the database.

    Each problem begins with ``account.where`` ("Row 3: display_name is 201 characters long...").
    """
    where = account.where or "This account"
    problems = []
    username = normalize_username(account.username)
    if not USERNAME_PATTERN.match(username):
        problems.append(f"{where}: username '{excerpt(account.username.strip())}' is not valid: use 1-64 letters, "
                        "digits and . _ @ + - (starting with a letter or digit).")
    display_name, problem = display_name_problem(account.display_name, label=f"{where}: display_name")
    if problem is not None:
        problems.append(problem)
    email = normalize_email(account.email)
    if email is not None and (problem := email_problem((account.email or "").strip(), label=f"{where}: email")):
        problems.append(problem)
    if account.password is not None:
        problems += [f"{where}: password: {problem}" for problem in password_problems(username, account.password)]
    return replace(account, username=username, display_name=display_name, email=email), problems


def add_people(
    store: Store, actor: Viewer, accounts: Sequence[NewAccount], now: datetime, *,
    on_hashed: Callable[[int, int], object] | None = None,
) -> tuple[User, ...]:
    """An administrator creates every account in ``accounts``, or none of them.

    Everything is checked before anything is written: each account's fields
    (``account_problems``), usernames and emails repeated in the batch or already in use, teams
    that do not exist. Any problem raises ``PeopleRefused`` listing them all. Passwords are then
    hashed outside any transaction (``on_hashed(done, total)`` after each: Argon2 takes a while
    for thousands), and one transaction creates everyone, their roles and the teams they manage
    (``manages`` also grants the manager role), with an audit row for each account. It checks the
    database again first, so an account made meanwhile refuses the whole batch instead of half of
    it. Same on SQLite and PostgreSQL.
    """
    checked, problems = _checked(store, actor, accounts)
    if problems:
        raise PeopleRefused(problems)
    hashes = []
    for done, account in enumerate(checked, start=1):
        hashes.append(None if account.password is None else store.hasher.hash(account.password))
        if on_hashed is not None:
            on_hashed(done, len(checked))

    def work(conn: Connection) -> tuple[User, ...]:
        found = _conflicts(conn, actor, checked)
        if found:
            raise PeopleRefused(found)
        made = _insert_people(conn, checked, hashes, now)
        for user in made:
            record_account_created(conn, actor, "create account (upload)", user, now)
        return made

    try:
        return store.write(work)
    except IntegrityError as error:  # taken between the check and the insert, by another transaction
        found = store.read(lambda conn: _conflicts(conn, actor, checked))
        raise PeopleRefused(found or ["Another change to the accounts happened at the same moment. Upload the "
                                      "file again."]) from error
    except DataError as error:  # a value the checks let through: refuse the batch, say so plainly
        log.error("the database refused a value in a batch of %d accounts: %s", len(checked), type(error.orig))
        raise PeopleRefused(["The database refused one of the values, so nothing was created. Check the file for "
                             "unusual characters and try again; if it persists, tell your administrator."]) from error


def check_people(store: Store, actor: Viewer, accounts: Sequence[NewAccount]) -> tuple[str, ...]:
    """Every problem ``add_people`` would refuse ``accounts`` for, without writing or hashing anything."""
    return tuple(_checked(store, actor, accounts)[1])


def _checked(store: Store, actor: Viewer, accounts: Sequence[NewAccount]) -> tuple[list[NewAccount], list[str]]:
    checked = []
    problems = []
    for number, account in enumerate(accounts, start=1):
        cleaned, found = account_problems(replace(account, where=account.where or f"Account {number}"))
        checked.append(cleaned)
        problems += found
    problems += _repeated(checked)
    if not problems:
        problems = store.read(lambda conn: _conflicts(conn, actor, checked))
    return checked, problems


def _repeated(accounts: Sequence[NewAccount]) -> list[str]:
    problems = []
    usernames: dict[str, str] = {}
    emails: dict[str, str] = {}
    for account in accounts:
        if account.username in usernames:
            problems.append(f"{account.where}: username '{account.username}' is already on "
                            f"{usernames[account.username].lower()}.")
        usernames.setdefault(account.username, account.where)
        if account.email is not None:
            if account.email in emails:
                problems.append(f"{account.where}: email '{excerpt(account.email)}' is already on "
                                f"{emails[account.email].lower()}.")
            emails.setdefault(account.email, account.where)
    return problems


def _conflicts(conn: Connection, actor: Viewer, accounts: Sequence[NewAccount]) -> list[str]:
    """What the database says against the batch: the actor is no admin, names in use, teams gone."""
    require_role(conn, actor, Role.ADMIN)
    usernames = [account.username for account in accounts]
    emails = [account.email for account in accounts if account.email is not None]
    team_ids = sorted({team for account in accounts for team in (account.team_id, *account.manages)
                       if team is not None})
    taken = set(conn.scalars(select(UserRow.username).where(UserRow.username.in_(usernames)))) if usernames else set()
    used = set(conn.scalars(select(UserRow.email).where(UserRow.email.in_(emails)))) if emails else set()
    teams = set(conn.scalars(select(TeamRow.id).where(TeamRow.id.in_(team_ids)))) if team_ids else set()
    problems = []
    for account in accounts:
        if account.username in taken:
            problems.append(f"{account.where}: username '{account.username}' is already taken by an existing "
                            "account. Choose another, or remove the row.")
        if account.email in used:
            problems.append(f"{account.where}: email '{excerpt(account.email or '')}' is already used by an "
                            "existing account.")
        for team in (account.team_id, *account.manages):
            if team is not None and team not in teams:
                problems.append(f"{account.where}: the team with id {team} no longer exists. Upload the file again.")
    return problems


def _insert_people(conn: Connection, accounts: Sequence[NewAccount], hashes: Sequence[str | None], now: datetime
                   ) -> tuple[User, ...]:
    rows = [{"username": account.username, "display_name": account.display_name or account.username,
             "email": account.email, "team_id": account.team_id, "password_hash": password_hash, "created_at": now}
            for account, password_hash in zip(accounts, hashes, strict=True)]
    ids = list(conn.scalars(insert(UserRow).returning(UserRow.id, sort_by_parameter_order=True), rows))
    roles = [{"user_id": user_id, "role": role.value}
             for user_id, account in zip(ids, accounts, strict=True)
             for role in sorted(set(account.roles) | ({Role.MANAGER} if account.manages else set()))]
    if roles:
        conn.execute(insert(UserRoleRow), roles)
    managed = [{"user_id": user_id, "team_id": team_id}
               for user_id, account in zip(ids, accounts, strict=True) for team_id in sorted(set(account.manages))]
    if managed:
        conn.execute(insert(TeamManagerRow), managed)
    refresh_standings(conn, ids)
    made = {user.id: user for user in fetch_users(conn, one_of(conn, UserRow.id, ids))}
    return tuple(made[user_id] for user_id in ids)


def _require_team(conn: Connection, team_id: int | None) -> None:
    if team_id is not None and conn.scalar(select(TeamRow.id).where(TeamRow.id == team_id)) is None:
        raise NotFound(f"There is no team with id {team_id}.")
