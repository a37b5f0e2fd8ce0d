"""What a resource-link launch's LTI Advantage claims leave behind: the learner's line item for
grade passback (AGS) and the course's roster address (NRPS). Only https addresses (or http on
this machine, for tests), as for registration; a claim that is missing or unusable is ignored:
the launch still works, without that service."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from elearn.lti.deep_linking import deep_linking_settings, start_picking
from elearn.lti.grades import COURSE_TARGET, SCENARIO_TARGET
from elearn.lti.platforms import service_url_problem
from elearn.lti.services import AGS_SCORE
from elearn.store.db import Store
from elearn.store.lti import LaunchedPerson, Platform
from elearn.store.lti_rosters import keep_roster_url
from elearn.store.lti_scores import link_line_item
from elearn.store.records import User

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

__all__ = ["deep_linking_settings", "keep_services", "start_picking"]


def keep_services(store: Store, platform: Platform, claims: Mapping[str, Any], user: User, person: LaunchedPerson,
                  target: tuple[str, str] | None, now: datetime) -> None:
    """Link ``user`` to the launch's line item (for a scenario or the course: a lesson has no
    score), and remember the course's memberships URL."""
    endpoint = claims.get(AGS)
    if isinstance(endpoint, dict):
        lineitem, scopes = endpoint.get("lineitem"), endpoint.get("scope")
        graded = target is None or target[0] == "scenario"
        if (graded and isinstance(lineitem, str) and not service_url_problem(lineitem)
                and isinstance(scopes, list) and AGS_SCORE in scopes):
            link_line_item(store, user_id=user.id, platform_id=platform.id, subject=person.subject,
                           lineitem_url=lineitem, now=now,
                           target=COURSE_TARGET if target is None else SCENARIO_TARGET + target[1])
    roster = claims.get(NRPS)
    if isinstance(roster, dict) and person.context_id is not None:
        url = roster.get("context_memberships_url")
        if isinstance(url, str) and not service_url_problem(url):
            keep_roster_url(store, platform.id, person.context_id, url)
