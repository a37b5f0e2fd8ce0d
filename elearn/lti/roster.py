"""Names and Role Provisioning Services: an LMS course's membership synced into its team, on
demand (the LMS page's button, or ``python -m elearn lti sync-roster``).

Each active member is matched by (issuer, ``user_id``), never by e-mail, and signed up as a first
launch would (``elearn.store.lti.sign_in_launched``): the account created if new, the roles
mapped as at launch (``mapped_roles``) and added, never taken away; a learner with no team joins
the course's team, an instructor manages it. Members the LMS lists as Inactive or Deleted are
left as they are. Pages are followed through their ``Link: rel="next"`` headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from elearn.errors import ElearnError
from elearn.lti.launch import mapped_roles
from elearn.lti.platforms import service_url_problem
from elearn.lti.services import NRPS_MEMBERSHIPS, ServiceDown, ServiceRefused, access_token, call
from elearn.store.db import Store
from elearn.store.lti import LaunchedPerson, Platform, platforms, sign_in_launched
from elearn.store.lti_rosters import Roster, linked_subjects, record_roster_sync, rosters_for
from elearn.store.records import User

MEMBERSHIPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
PAGES_MAX = 200
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class RosterFailed(ElearnError):
    """The roster could not be synced; the message says why and what to do."""


@dataclass(frozen=True)
class RosterSync:
    """What a sync did."""

    created: int
    updated: int
    left_alone: int

    def __str__(self) -> str:
        return (f"{self.created} new, {self.updated} already here (roles added where the LMS gives more), "
                f"{self.left_alone} inactive or unusable left as they were")


def sync_roster(store: Store, viewer: User | None, context_row_id: int, now: datetime) -> RosterSync:
    """Sync the roster of the LMS course ``context_row_id`` into its team, if ``viewer`` may
    (an administrator, a manager of that team, or ``None``: the server's shell); ``RosterFailed``
    otherwise or on failure."""
    roster = next((r for r in rosters_for(store, viewer) if r.context_row_id == context_row_id), None)
    if roster is None and viewer is None:
        raise RosterFailed(f"No LMS course's roster has the number {context_row_id}: "
                           "`python -m elearn lti rosters` lists them.")
    if roster is None:
        raise RosterFailed("You can sync only the roster of an LMS course whose team you manage.")
    platform = next((p for p in platforms(store) if p.id == roster.platform_id), None)
    if platform is None:
        raise RosterFailed("The LMS of this course is no longer registered here. Ask your administrator.")
    try:
        members = _members(store, platform, roster, now)
    except (ServiceDown, ServiceRefused) as failed:
        record_roster_sync(store, roster.context_row_id, now, f"failed: {failed}")
        raise RosterFailed(f"The roster could not be read: {failed}. Try again later; if it keeps failing, ask "
                           "your administrator to check that the LMS grants the tool the Names and Role "
                           "Provisioning service.") from failed
    known = linked_subjects(store, platform.issuer)
    created = updated = left = 0
    for member in members:
        person = _person(member, roster)
        if person is None:
            left += 1
            continue
        sign_in_launched(store, platform, person, now)
        if person.subject in known:
            updated += 1
        else:
            created += 1
    done = RosterSync(created, updated, left)
    record_roster_sync(store, roster.context_row_id, now, str(done))
    return done


def _members(store: Store, platform: Platform, roster: Roster, now: datetime) -> list[dict[str, Any]]:
    token = access_token(store, platform, (NRPS_MEMBERSHIPS,), now)
    url: str | None = roster.memberships_url
    found: list[dict[str, Any]] = []
    for _ in range(PAGES_MAX):
        if url is None:
            break
        answer = call(url, token, accept=MEMBERSHIPS_TYPE, what="the course's roster")
        body = answer.json()
        members = body.get("members") if isinstance(body, dict) else None
        if not isinstance(members, list):
            raise ServiceRefused(f"the roster at {url[:200]} has no members list")
        found += [m for m in members if isinstance(m, dict)]
        link = next((v for k, v in answer.headers.items() if k.lower() == "link"), "")
        following = _NEXT.search(link)
        url = following.group(1) if following and not service_url_problem(following.group(1)) else None
    return found


def _person(member: dict[str, Any], roster: Roster) -> LaunchedPerson | None:
    subject = member.get("user_id")
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 255:
        return None
    if member.get("status", "Active") != "Active":
        return None
    roles, instructor = mapped_roles(member.get("roles"))
    parts = [member.get(k) for k in ("name", "given_name", "family_name")]
    full, given, family = (part if isinstance(part, str) else "" for part in parts)
    return LaunchedPerson(subject=subject.strip(), name=full or f"{given} {family}".strip(), roles=roles,
                          manages_context=instructor, context_id=roster.context_id, context_title=roster.team_name)
