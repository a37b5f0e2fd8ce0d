"""LTI Deep Linking: an instructor, launched from the LMS's "add an activity" screen, picks the
course, a lesson or a scenario, and the tool answers with a signed ``LtiDeepLinkingResponse``.

The request (``deep_linking_settings``) is checked at launch, before any account changes: it must
come from an instructor or administrator, say where to return, and accept ``ltiResourceLink``
items. It is kept (``elearn.store.lti_deep_links``) under a random token for ``PICK_TTL``; the
picker (``ui/lti_picker.py``) names it by that token. The pick uses the request up and gives the
JWT to post back: signed RS256 with the tool's key (``iss`` the client id, ``aud`` the platform's
issuer, a fresh nonce, the request's deployment id and ``data``), holding one ``ltiResourceLink``
whose custom parameter (``scenario=...`` or ``lesson=...``) makes its launches land on the item;
scenarios and the course carry a ``lineItem`` (``scoreMaximum`` 1) so the LMS makes a gradebook
column that scores are posted to (``elearn.lti.grades``).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

from elearn.course.catalogue import Course
from elearn.lti.keys import make_tool_key
from elearn.lti.platforms import LAUNCH_PATH
from elearn.lti.refusals import LaunchRefused
from elearn.store.db import Store
from elearn.store.lti import LaunchedPerson, Platform, tool_key
from elearn.store.lti_deep_links import DeepLinkRequest, save_deep_link, take_deep_link
from elearn.store.records import Role, User

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
PICKER_PATH = "/lti/deep-link"
PICK_TTL = timedelta(minutes=30)
RESPONSE_TTL_SECONDS = 600
RESOURCE_LINK = "ltiResourceLink"
_DATA_MAX = 4096


@dataclass(frozen=True)
class DeepLinkSettings:
    """What a verified deep-linking request asked for."""

    return_url: str
    deployment_id: str
    data: str | None


@dataclass(frozen=True)
class Pick:
    """Something an instructor can add: ``kind`` is ``course``, ``lesson`` or ``scenario``."""

    kind: str
    id: str
    title: str

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class DeepLinkAnswer:
    """The signed response and where the browser posts it (as the form field ``JWT``)."""

    return_url: str
    jwt: str
    pick: Pick


def deep_linking_settings(claims: dict[str, Any], person: LaunchedPerson) -> DeepLinkSettings:
    """The request's settings, or ``LaunchRefused`` (before anything is stored) if it is not
    one this tool can answer or does not come from an instructor or administrator."""
    if not (person.manages_context or Role.ADMIN in person.roles):
        raise LaunchRefused("Only an instructor or an administrator of the LMS course can choose what to add "
                            "from this tool. Ask an instructor of the course to add the activity.")
    settings = claims.get(DL + "deep_linking_settings")
    if not isinstance(settings, dict):
        raise LaunchRefused("This deep-linking request has no deep_linking_settings claim, so there is nowhere to "
                            "send the choice back. Ask your administrator to check the tool's registration.")
    return_url = settings.get("deep_link_return_url")
    parts = urlsplit(return_url) if isinstance(return_url, str) else None
    if parts is None or parts.scheme not in ("https", "http") or not parts.hostname or len(str(return_url)) > 1000:
        raise LaunchRefused("This deep-linking request has no usable deep_link_return_url. Ask your "
                            "administrator to check the tool's registration in the LMS.")
    accepted = settings.get("accept_types")
    if isinstance(accepted, list) and RESOURCE_LINK not in accepted:
        raise LaunchRefused("The LMS asked for content this tool does not make (it adds LTI resource links "
                            "only). Add the tool where the LMS offers external tool activities.")
    # ``data`` is opaque to the tool and must come back as it was sent (kept as its JSON).
    data = json.dumps(settings["data"]) if "data" in settings else None
    if data is not None and len(data) > _DATA_MAX:
        raise LaunchRefused(f"This deep-linking request carries more than {_DATA_MAX} characters of data for the "
                            "tool to send back. Ask your administrator.")
    return DeepLinkSettings(return_url=str(return_url), deployment_id=str(claims[LTI + "deployment_id"]), data=data)


def start_picking(store: Store, platform: Platform, user: User, settings: DeepLinkSettings, now: datetime) -> str:
    """Keep the request and return the picker's path (with its token) to send the instructor to."""
    token = secrets.token_urlsafe(32)
    save_deep_link(store, token, DeepLinkRequest(platform_id=platform.id, deployment_id=settings.deployment_id,
                                                 return_url=settings.return_url, data=settings.data, user_id=user.id,
                                                 expires_at=now + PICK_TTL), now)
    return f"{PICKER_PATH}?{urlencode({'request': token})}"


def picks(course: Course) -> tuple[Pick, ...]:
    """What can be added, in the course's order: the whole course, each scenario, each lesson."""
    return (Pick("course", "course", "Calm under fire: the whole course"),
            *(Pick("scenario", s.id, f"Scenario: {s.title}") for s in course.scenarios),
            *(Pick("lesson", lesson.id, f"Lesson: {lesson.title}") for lesson in course.lessons))


def answer_pick(store: Store, platforms_by_id: dict[int, Platform], token: str, value: str, course: Course,
                tool_base: str, now: datetime) -> DeepLinkAnswer:
    """Use the request ``token`` names up and sign the response adding ``value`` (a ``Pick.value``)."""
    chosen = next((p for p in picks(course) if p.value == value), None)
    if chosen is None:
        raise LaunchRefused("Choose the course, a scenario or a lesson from the list, then press Add.")
    request = take_deep_link(store, token, now)
    if request is None:
        raise LaunchRefused(f"This choice has expired or was sent already (each one is good once, for "
                            f"{int(PICK_TTL.total_seconds() // 60)} minutes). Start adding the activity again "
                            "from your LMS.")
    platform = platforms_by_id.get(request.platform_id)
    if platform is None:
        raise LaunchRefused("The LMS this choice was for is no longer registered here. Ask your administrator.")
    kid, pem = tool_key(store, make_tool_key, now)
    issued = int(now.timestamp())
    claims: dict[str, Any] = {
        "iss": platform.client_id, "aud": platform.issuer, "azp": platform.client_id, "iat": issued,
        "exp": issued + RESPONSE_TTL_SECONDS, "nonce": secrets.token_urlsafe(24),
        LTI + "message_type": "LtiDeepLinkingResponse", LTI + "version": "1.3.0",
        LTI + "deployment_id": request.deployment_id, DL + "content_items": [content_item(chosen, tool_base)],
    }
    if request.data is not None:
        claims[DL + "data"] = json.loads(request.data)
    signed = jwt.encode({"alg": "RS256", "kid": kid, "typ": "JWT"}, claims, RSAKey.import_key(pem))
    return DeepLinkAnswer(request.return_url, signed, chosen)


def content_item(pick: Pick, tool_base: str) -> dict[str, Any]:
    """The ``ltiResourceLink`` for ``pick``: launches of it land on the item; scenarios and the
    course get a line item in the gradebook."""
    item: dict[str, Any] = {"type": RESOURCE_LINK, "title": pick.title[:255], "url": tool_base + LAUNCH_PATH}
    if pick.kind != "course":
        item["custom"] = {pick.kind: pick.id}
    if pick.kind in ("course", "scenario"):
        item["lineItem"] = {"scoreMaximum": 1, "label": pick.title[:255], "resourceId": pick.value}
    return item
