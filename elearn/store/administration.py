"""People administration: find an account, change its roles, team, name or e-mail, the teams
it manages, deactivate and reactivate it, and read the audit log of all of it.

Every action is taken by an ``actor``: a signed-in administrator (checked against the database in
the action's own transaction, and refused if deactivated meanwhile), or ``SERVER_SHELL``, the
server's own command line (``python -m elearn user ...``), whose operator already holds the
database. Each writes one ``audit_events`` row in the same transaction as the change, so the log
never misses an action nor records one that did not happen.

Guards, on the server whatever the page or command asked: no change may leave the server without
an active administrator, so the last one cannot remove their own admin role nor deactivate
themselves (``LastAdministrator``). Deactivating revokes every session of the account at once;
its data stays, and reports show it as deactivated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from elearn.store.access import require_role
from elearn.store.db import Store, casefolded, insert_ignoring_duplicates
from elearn.store.errors import AccessDenied, LastAdministrator, NotFound, UsernameTaken
from elearn.store.fields import checked_display_name, checked_email
from elearn.store.records import MAX_ID, AuditEvent, Role, Team, User, Viewer
from elearn.store.sessions import revoke_sessions
from elearn.store.standings import refresh_standings
from elearn.store.tables import AuditEventRow, TeamManagerRow, TeamRow, UserRoleRow, UserRow
from elearn.store.users import fetch_user, fetch_users, normalize_username

FOUND_MAX = 50
"""The most accounts one search lists: a search is for finding someone, not for browsing everyone."""


@dataclass(frozen=True)
class Shell:
    """The server's own command line as the actor of an administrative action."""

    name: str = "server shell"


SERVER_SHELL: Final = Shell()
Actor = Viewer | Shell


def find_people(store: Store, actor: Actor, text: str, *, limit: int = FOUND_MAX) -> tuple[User, ...]:
    """Accounts whose username, display name or e-mail contains ``text`` (any case), by username;
    at most ``limit``. Administrators only."""
    needle = text.strip().casefold()

    def work(conn: Connection) -> tuple[User, ...]:
        require_admin(conn, actor)
        if not needle:
            return ()
        matches = or_(*(casefolded(conn, column).contains(needle, autoescape=True)
                        for column in (UserRow.username, UserRow.display_name, UserRow.email)))
        ids = conn.scalars(select(UserRow.id).where(matches).order_by(UserRow.username).limit(limit)).all()
        return tuple(fetch_users(conn, UserRow.id.in_(ids))) if ids else ()

    return store.read(work)


def person(store: Store, actor: Actor, username: str) -> User:
    """The account called ``username``, for an administrator (``NotFound`` if there is none)."""

    def work(conn: Connection) -> User:
        require_admin(conn, actor)
        found = fetch_users(conn, UserRow.username == normalize_username(username))
        if not found:
            raise NotFound(f"There is no account with the username '{normalize_username(username)}'.")
        return found[0]

    return store.read(work)


def all_teams(store: Store, actor: Actor) -> tuple[Team, ...]:
    """Every team, by name, for an administrator (or the shell)."""

    def work(conn: Connection) -> tuple[Team, ...]:
        require_admin(conn, actor)
        rows = conn.execute(select(TeamRow.id, TeamRow.name, TeamRow.created_at).order_by(TeamRow.name))
        return tuple(Team(id=row[0], name=row[1], created_at=row[2]) for row in rows)

    return store.read(work)


def team_named(store: Store, actor: Actor, name: str) -> Team:
    """The team called ``name`` (any case), for an administrator; ``NotFound`` naming the teams there are."""

    def work(conn: Connection) -> Team:
        require_admin(conn, actor)
        rows = conn.execute(select(TeamRow.id, TeamRow.name, TeamRow.created_at).order_by(TeamRow.name)).all()
        teams = [Team(id=row[0], name=row[1], created_at=row[2]) for row in rows]
        for team in teams:
            if team.name.casefold() == name.strip().casefold():
                return team
        known = ", ".join(f"'{team.name}'" for team in teams) or "none yet"
        raise NotFound(f"There is no team called '{name.strip()}'. Teams: {known}.")

    return store.read(work)


def change_roles(store: Store, actor: Actor, user_id: int, roles: Iterable[Role], now: datetime) -> User:
    """Replace ``user_id``'s roles. ``LastAdministrator`` if that leaves no active administrator."""
    wanted = sorted(set(roles))

    def work(conn: Connection) -> User:
        require_admin(conn, actor)
        before = _subject(conn, user_id)
        conn.execute(delete(UserRoleRow).where(UserRoleRow.user_id == user_id))
        if wanted:
            conn.execute(insert(UserRoleRow), [{"user_id": user_id, "role": role.value} for role in wanted])
        if not active_admins(conn):
            raise LastAdministrator(
                "You are the last active administrator, so you can't remove your own admin role. Make someone "
                "else an administrator first." if _is(actor, user_id) else
                "This would leave no active administrator. Make someone else an administrator first.")
        return _audited(conn, actor, "set roles", before, {"roles": sorted(before.roles)}, {"roles": wanted}, now)

    return store.write(work)


def change_team(store: Store, actor: Actor, user_id: int, team_id: int | None, now: datetime) -> User:
    """Put ``user_id`` in team ``team_id`` (None: in no team)."""

    def work(conn: Connection) -> User:
        require_admin(conn, actor)
        before = _subject(conn, user_id)
        if team_id is not None and conn.scalar(select(TeamRow.id).where(TeamRow.id == team_id)) is None:
            raise NotFound(f"There is no team with id {team_id}.")
        conn.execute(update(UserRow).where(UserRow.id == user_id).values(team_id=team_id))
        refresh_standings(conn, [user_id])
        return _audited(conn, actor, "set team", before, {"team": _team_name(conn, before.team_id)},
                        {"team": _team_name(conn, team_id)}, now)

    return store.write(work)


def rename(store: Store, actor: Actor, user_id: int, display_name: str, now: datetime) -> User:
    """Change the name shown for ``user_id`` (empty: their username). ``AccountError`` for a name
    too long or with hidden characters."""
    name = checked_display_name(display_name)

    def work(conn: Connection) -> User:
        require_admin(conn, actor)
        before = _subject(conn, user_id)
        shown = name or before.username
        conn.execute(update(UserRow).where(UserRow.id == user_id).values(display_name=shown))
        return _audited(conn, actor, "rename", before, {"display_name": before.display_name},
                        {"display_name": shown}, now)

    return store.write(work)


def change_email(store: Store, actor: Actor, user_id: int, email: str | None, now: datetime) -> User:
    """Change ``user_id``'s e-mail (empty or None: none). An administrator vouches for the address,
    so it counts as verified. ``UsernameTaken`` if another account uses it."""
    address = checked_email(email)

    def work(conn: Connection) -> User:
        require_admin(conn, actor)
        before = _subject(conn, user_id)
        try:
            with conn.begin_nested():
                conn.execute(update(UserRow).where(UserRow.id == user_id)
                             .values(email=address, email_verified=address is not None))
        except IntegrityError as error:
            raise UsernameTaken("Another account already uses that e-mail address.") from error
        return _audited(conn, actor, "set email", before, {"email": before.email}, {"email": address}, now)

    return store.write(work)


def deactivate(store: Store, actor: Actor, user_id: int, now: datetime) -> User:
    """Deactivate ``user_id``: every session of theirs ends now and they can no longer sign in.
    Their progress stays. ``LastAdministrator`` for the last active administrator. Idempotent."""

    def work(conn: Connection) -> User:
        require_admin(conn, actor)
        before = _subject(conn, user_id)
        if before.active and before.has(Role.ADMIN) and active_admins(conn) <= 1:
            raise LastAdministrator(
                "You are the last active administrator, so you can't deactivate yourself. Make someone else an "
                "administrator first." if _is(actor, user_id) else
                "This is the last active administrator; deactivating them would leave nobody to administer.")
        if not before.active:
            return before
        conn.execute(update(UserRow).where(UserRow.id == user_id).values(deactivated_at=now))
        ended = revoke_sessions(conn, user_id, now)
        return _audited(conn, actor, "deactivate", before, {"active": True},
                        {"active": False, "sessions_ended": ended}, now)

    return store.write(work)


def reactivate(store: Store, actor: Actor, user_id: int, now: datetime) -> User:
    """Let a deactivated ``user_id`` sign in again (with their old password). Idempotent."""

    def work(conn: Connection) -> User:
        require_admin(conn, actor)
        before = _subject(conn, user_id)
        if before.active:
            return before
        conn.execute(update(UserRow).where(UserRow.id == user_id).values(deactivated_at=None))
        return _audited(conn, actor, "reactivate", before, {"active": False}, {"active": True}, now)

    return store.write(work)


def add_team_manager(store: Store, actor: Actor, user_id: int, team_id: int, now: datetime) -> User:
    """Let ``user_id`` see ``team_id``'s people and progress, granting the manager role if they
    lack it. ``NotFound`` for an unknown account or team. Idempotent: nothing is audited when
    they already manage the team."""

    def work(conn: Connection) -> User:
        require_admin(conn, actor)
        before = _subject(conn, user_id)
        if _team_name(conn, team_id) is None:
            raise NotFound(f"There is no team with id {team_id}.")
        managed = _managed_teams(conn, user_id)
        if not insert_ignoring_duplicates(conn, TeamManagerRow, {"user_id": user_id, "team_id": team_id},
                                          ("user_id", "team_id")):
            return before
        was: dict[str, object] = {"manages": managed}
        now_is: dict[str, object] = {"manages": _managed_teams(conn, user_id)}
        if insert_ignoring_duplicates(conn, UserRoleRow, {"user_id": user_id, "role": Role.MANAGER.value},
                                      ("user_id", "role")):
            was["roles"], now_is["roles"] = sorted(before.roles), sorted(before.roles | {Role.MANAGER})
        return _audited(conn, actor, "add team manager", before, was, now_is, now)

    return store.write(work)


def remove_team_manager(store: Store, actor: Actor, user_id: int, team_id: int, now: datetime) -> User:
    """Stop ``user_id`` seeing ``team_id``. Their manager role stays (they may manage other teams,
    or get one later). ``NotFound`` for an unknown account or team. Idempotent: nothing is audited
    when they did not manage the team."""

    def work(conn: Connection) -> User:
        require_admin(conn, actor)
        before = _subject(conn, user_id)
        if _team_name(conn, team_id) is None:
            raise NotFound(f"There is no team with id {team_id}.")
        managed = _managed_teams(conn, user_id)
        if not conn.execute(delete(TeamManagerRow).where(TeamManagerRow.user_id == user_id,
                                                         TeamManagerRow.team_id == team_id)).rowcount:
            return before
        return _audited(conn, actor, "remove team manager", before, {"manages": managed},
                        {"manages": _managed_teams(conn, user_id)}, now)

    return store.write(work)


def managed_teams(store: Store, actor: Actor, user_id: int) -> tuple[str, ...]:
    """The names of the teams ``user_id`` manages, by name, for an administrator."""

    def work(conn: Connection) -> tuple[str, ...]:
        require_admin(conn, actor)
        return tuple(_managed_teams(conn, user_id))

    return store.read(work)


def audit_log(store: Store, actor: Actor, *, limit: int | None = None) -> tuple[AuditEvent, ...]:
    """The audit log, newest first (all of it, or the latest ``limit``). Administrators only."""

    def work(conn: Connection) -> tuple[AuditEvent, ...]:
        require_admin(conn, actor)
        doer, subject = aliased(UserRow), aliased(UserRow)
        query = (
            select(AuditEventRow.id, AuditEventRow.occurred_at, doer.username, AuditEventRow.action,
                   subject.username, AuditEventRow.before, AuditEventRow.after)
            .outerjoin(doer, doer.id == AuditEventRow.actor_id)
            .outerjoin(subject, subject.id == AuditEventRow.subject_id)
            .order_by(AuditEventRow.occurred_at.desc(), AuditEventRow.id.desc())
        )
        if limit is not None:
            query = query.limit(limit)
        return tuple(AuditEvent(id=row[0], occurred_at=row[1], actor=row[2] or SERVER_SHELL.name, action=row[3],
                                subject=row[4] or "", before=row[5] or {}, after=row[6] or {})
                     for row in conn.execute(query))

    return store.read(work)


def record_audit(conn: Connection, actor: Actor, action: str, subject_id: int | None,
                 before: Mapping[str, object], after: Mapping[str, object], now: datetime) -> None:
    """Write one audit row in the caller's transaction (the action's own)."""
    conn.execute(insert(AuditEventRow).values(
        actor_id=None if isinstance(actor, Shell) else actor.id, action=action, subject_id=subject_id,
        before=dict(before), after=dict(after), occurred_at=now))


def record_account_created(conn: Connection, actor: Actor, action: str, user: User, now: datetime) -> None:
    """Audit a new account in the caller's transaction (the one that created it): who it is, its
    roles, team and the teams it manages. Never its password."""
    record_audit(conn, actor, action, user.id, {}, {
        "username": user.username, "display_name": user.display_name, "email": user.email,
        "roles": sorted(role.value for role in user.roles), "team": _team_name(conn, user.team_id),
        "manages": _managed_teams(conn, user.id)}, now)


def record_team_created(conn: Connection, actor: Actor, team: Team, now: datetime) -> None:
    """Audit a new team in the caller's transaction."""
    record_audit(conn, actor, "create team", None, {}, {"team": team.name}, now)


def require_admin(conn: Connection, actor: Actor) -> None:
    """``AccessDenied`` unless ``actor`` is the server shell or an active administrator, as the
    database says now."""
    if isinstance(actor, Shell):
        return
    require_role(conn, actor, Role.ADMIN)
    if conn.scalar(select(UserRow.deactivated_at).where(UserRow.id == actor.id)) is not None:
        raise AccessDenied("Your account has been deactivated.")


def _subject(conn: Connection, user_id: int) -> User:
    found = fetch_user(conn, user_id) if 1 <= user_id <= MAX_ID else None
    if found is None:
        raise NotFound(f"There is no user with id {user_id}.")
    return found


def _audited(conn: Connection, actor: Actor, action: str, before: User, was: Mapping[str, object],
             now_is: Mapping[str, object], now: datetime) -> User:
    record_audit(conn, actor, action, before.id, was, now_is, now)
    after = fetch_user(conn, before.id)
    assert after is not None
    return after


def active_admins(conn: Connection) -> int:
    """How many administrators are not deactivated."""
    return int(conn.scalar(
        select(func.count()).select_from(UserRoleRow).join(UserRow, UserRow.id == UserRoleRow.user_id)
        .where(UserRoleRow.role == Role.ADMIN.value, UserRow.deactivated_at.is_(None))) or 0)


def _managed_teams(conn: Connection, user_id: int) -> list[str]:
    return list(conn.scalars(select(TeamRow.name).join(TeamManagerRow, TeamManagerRow.team_id == TeamRow.id)
                             .where(TeamManagerRow.user_id == user_id).order_by(TeamRow.name)))


def _is(actor: Actor, user_id: int) -> bool:
    return not isinstance(actor, Shell) and actor.id == user_id


def _team_name(conn: Connection, team_id: int | None) -> str | None:
    return None if team_id is None else conn.scalar(select(TeamRow.name).where(TeamRow.id == team_id))
