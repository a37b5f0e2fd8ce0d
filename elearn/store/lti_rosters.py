"""Rosters in the store: the NRPS context memberships URL each LMS course's launches gave, and
the last sync, for the course's instructors (the managers of its team) and administrators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from elearn.store.db import Store, insert_ignoring_duplicates
from elearn.store.records import Role, User
from elearn.store.tables import IdentityLinkRow, LtiContextRow, LtiRosterRow, TeamManagerRow, TeamRow

RESULT_LENGTH = 300


@dataclass(frozen=True)
class Roster:
    """An LMS course whose roster can be synced into its team."""

    context_row_id: int
    platform_id: int
    context_id: str
    team_id: int
    team_name: str
    memberships_url: str
    synced_at: datetime | None
    last_result: str | None


def keep_roster_url(store: Store, platform_id: int, context_id: str, memberships_url: str) -> None:
    """Remember (or update) the memberships URL of the course ``context_id`` (its team exists already)."""

    def work(conn: Connection) -> None:
        row_id = conn.scalar(select(LtiContextRow.id).where(
            LtiContextRow.platform_id == platform_id, LtiContextRow.context_id == context_id))
        if row_id is None:
            return
        if not insert_ignoring_duplicates(conn, LtiRosterRow, {"context_row_id": row_id,
                                                               "memberships_url": memberships_url},
                                          ["context_row_id"]):
            conn.execute(update(LtiRosterRow).where(LtiRosterRow.context_row_id == row_id)
                         .values(memberships_url=memberships_url))

    store.write(work)


def rosters_for(store: Store, viewer: User | None) -> tuple[Roster, ...]:
    """The rosters ``viewer`` may sync: every one for an administrator (or ``None``, the server's
    shell), those of the teams they manage for a manager (an LMS instructor manages their course's
    team), none for anyone else."""

    def work(conn: Connection) -> tuple[Roster, ...]:
        query = (select(LtiRosterRow.context_row_id, LtiContextRow.platform_id, LtiContextRow.context_id,
                        LtiContextRow.team_id, TeamRow.name, LtiRosterRow.memberships_url, LtiRosterRow.synced_at,
                        LtiRosterRow.last_result)
                 .join(LtiContextRow, LtiContextRow.id == LtiRosterRow.context_row_id)
                 .join(TeamRow, TeamRow.id == LtiContextRow.team_id).order_by(TeamRow.name))
        if viewer is not None and Role.ADMIN not in viewer.roles:
            if Role.MANAGER not in viewer.roles:
                return ()
            query = query.where(LtiContextRow.team_id.in_(
                select(TeamManagerRow.team_id).where(TeamManagerRow.user_id == viewer.id)))
        return tuple(Roster(*row) for row in conn.execute(query))

    return store.read(work)


def record_roster_sync(store: Store, context_row_id: int, now: datetime, result: str) -> None:
    """Note when the roster was last synced and what came of it (shown beside its button)."""
    store.write(lambda conn: conn.execute(update(LtiRosterRow).where(LtiRosterRow.context_row_id == context_row_id)
                                          .values(synced_at=now, last_result=result[:RESULT_LENGTH])))


def linked_subjects(store: Store, issuer: str) -> frozenset[str]:
    """The subjects at ``issuer`` that have an account here (to count who a sync creates)."""
    return store.read(lambda conn: frozenset(conn.scalars(
        select(IdentityLinkRow.subject).where(IdentityLinkRow.issuer == issuer))))
