"""An LTI 1.3 launch (a resource link, or an instructor's deep-linking request): the OIDC login
initiation, then the id_token checked and turned into an account and a page to land on (for a
deep-linking request, the picker: ``elearn.lti.deep_linking``); a resource link's AGS and NRPS
claims are kept on the way (``elearn.lti.advantage``).

The platform starts at ``begin_login`` (its third-party login initiation); we answer with a
redirect to its authorisation URL carrying a fresh state and nonce, kept in the store for
``STATE_TTL``. The platform then posts the signed id_token with that state to the launch URL;
``verify_launch`` uses the state up (good once), checks the token against the platform's JWKS
(signature, issuer, audience, expiry, the nonce of that very state) and its LTI claims, and only
then touches accounts. Every refusal is a ``LaunchRefused`` that says what was wrong and what to
do, and names nothing secret.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from joserfc import jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet

from elearn.lti.advantage import deep_linking_settings, keep_services, start_picking
from elearn.lti.platforms import LAUNCH_PATH
from elearn.lti.refusals import LaunchRefused
from elearn.store.db import Store
from elearn.store.lti import (
    LaunchedPerson,
    Platform,
    platforms_of,
    save_launch_state,
    sign_in_launched,
    take_launch_state,
)
from elearn.store.records import Role, User

STATE_TTL = timedelta(minutes=10)
CLOCK_LEEWAY_SECONDS = 60
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LTI_VERSION = "1.3.0"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
_FRAMED = frozenset({"iframe", "frame", "embed"})
_MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
_ADMIN_ROLES = frozenset({
    _MEMBERSHIP + "Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
})
_TARGET_KEYS = ("scenario", "lesson")  # a named page wins over the course; a scenario over a lesson
_TARGET_VALUE = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_AGAIN = "Launch the activity again from your LMS."


@dataclass(frozen=True)
class LoginRedirect:
    """Where a login initiation sends the browser, and the state it chose (for ``state_cookie``)."""

    url: str
    state: str


@dataclass(frozen=True)
class Landing:
    """A verified launch: who signed in and the page of ours to open (a path with its query);
    ``framed`` when the LMS shows it inside its own page (``launch_presentation``)."""

    user: User
    path: str
    framed: bool = False


def state_cookie(state: str) -> str:
    """The name of the cookie that ties ``state`` to the browser that started the login: the
    launch must come back with it, so nobody can finish someone else's login in their browser.
    One per state, so two logins in two tabs don't overwrite each other's."""
    return "elearn_lti_" + hashlib.sha256(state.encode()).hexdigest()[:24]


def begin_login(store: Store, params: Mapping[str, str], tool_base: str, now: datetime) -> LoginRedirect:
    """Where to send the browser (the platform's authorisation endpoint), for a login
    initiation with ``params`` (iss, login_hint, target_link_uri, and optionally client_id,
    lti_deployment_id, lti_message_hint). ``tool_base``: this app's address (``public_url``, else
    the request's scheme and host); the launch must come back under it."""
    issuer, login_hint, target = (params.get(k, "").strip() for k in ("iss", "login_hint", "target_link_uri"))
    missing = [name for name, value in (("iss", issuer), ("login_hint", login_hint), ("target_link_uri", target))
               if not value]
    if missing:
        raise LaunchRefused(f"The LMS's login request is missing {', '.join(missing)}. {_AGAIN} If it happens "
                            "again, ask your administrator to check the tool's login URL in the LMS.")
    platform = _platform(store, issuer, params.get("client_id", "").strip())
    deployment = params.get("lti_deployment_id", "").strip()
    if deployment and deployment not in platform.deployment_ids:
        raise _unknown_deployment(platform)
    if not (target == tool_base or target.startswith(tool_base + "/") or target.startswith(tool_base + "?")):
        raise LaunchRefused(f"The LMS asked to launch {target[:200]!r}, which is not an address of this app "
                            f"({tool_base}). Ask your administrator to check the tool's launch URL in the LMS.")
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    save_launch_state(store, state=state, nonce=nonce, platform=platform, target_link_uri=target[:1000],
                      expires_at=now + STATE_TTL, now=now)
    query = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
             "client_id": platform.client_id, "redirect_uri": tool_base + LAUNCH_PATH,
             "login_hint": login_hint, "state": state, "nonce": nonce}
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if urlsplit(platform.auth_login_url).query else "?"
    return LoginRedirect(platform.auth_login_url + separator + urlencode(query), state)


def verify_launch(store: Store, form: Mapping[str, str], key_set_of: Callable[[str], KeySet], now: datetime) -> Landing:
    """Check a launch (the posted ``id_token`` and ``state``) and sign its person in.

    ``key_set_of`` fetches a platform's keys from its JWKS URL (``elearn.lti.keys.fetch_key_set``).
    Nothing is created unless every check passes."""
    token, state = form.get("id_token", ""), form.get("state", "")
    if not token or not state:
        raise LaunchRefused(f"This launch came without an id_token or a state. {_AGAIN}")
    taken = take_launch_state(store, state, now)
    if taken is None:
        raise LaunchRefused(f"This launch has expired or was used already (each one is good once, for "
                            f"{int(STATE_TTL.total_seconds() // 60)} minutes). {_AGAIN}")
    platform = taken.platform
    claims = _verified_claims(token, platform, taken.nonce, key_set_of(platform.jwks_url), now)
    person = _person(claims)
    picking = deep_linking_settings(claims, person) if claims[LTI + "message_type"] == DEEP_LINKING_REQUEST else None
    user = sign_in_launched(store, platform, person, now)
    presentation = claims.get(LTI + "launch_presentation")
    framed = isinstance(presentation, dict) and presentation.get("document_target") in _FRAMED
    if picking is not None:
        return Landing(user, start_picking(store, platform, user, picking, now), framed)
    target = _landing_target(claims, taken.target_link_uri)
    keep_services(store, platform, claims, user, person, target, now)
    return Landing(user, "/" if target is None else f"/{target[0]}?{urlencode({target[0]: target[1]})}", framed)


def _platform(store: Store, issuer: str, client_id: str) -> Platform:
    found = [p for p in platforms_of(store, issuer) if not client_id or p.client_id == client_id]
    if not found:
        raise LaunchRefused(f"The LMS {issuer[:200]!r} is not registered with this app" +
                            (f" under client id {client_id[:100]!r}" if client_id else "") +
                            ". Ask your administrator to register it (`python -m elearn lti add-platform`).")
    if len(found) > 1:
        raise LaunchRefused(f"The LMS {issuer[:200]!r} is registered here more than once and its login request "
                            "did not say which client id it is for. Ask your administrator.")
    return found[0]


def _unknown_deployment(platform: Platform) -> LaunchRefused:
    return LaunchRefused(f"This launch comes from a deployment of the tool in {platform.issuer} that is not "
                         "registered here. Ask your administrator to add its deployment id "
                         "(`python -m elearn lti add-platform ... --deployment-id`).")


def _verified_claims(token: str, platform: Platform, nonce: str, keys: KeySet, now: datetime) -> dict[str, Any]:
    try:
        claims = jwt.decode(token, keys, algorithms=["RS256"]).claims
    except BadSignatureError as bad:
        raise LaunchRefused(f"This launch's signature does not match the keys of {platform.issuer}, so it was "
                            f"refused. {_AGAIN} If it happens again, ask your administrator to check the "
                            "platform's JWKS URL.") from bad
    except (JoseError, ValueError) as broken:
        raise LaunchRefused(f"This launch's id_token could not be read or its key was not found in the "
                            f"platform's JWKS ({type(broken).__name__}). {_AGAIN}") from broken
    registry = jwt.JWTClaimsRegistry(
        now=int(now.timestamp()), leeway=CLOCK_LEEWAY_SECONDS,
        iss={"essential": True, "value": platform.issuer}, exp={"essential": True}, iat={"essential": True},
        nonce={"essential": True, "value": nonce})
    try:
        registry.validate(claims)
    except ExpiredTokenError as expired:
        raise LaunchRefused(f"This launch has expired (its id_token is past its expiry time). {_AGAIN}") from expired
    except (InvalidClaimError, MissingClaimError) as wrong:
        raise LaunchRefused(f"This launch's id_token has a missing or wrong {wrong.claim!r} claim, so it was "
                            f"refused. {_AGAIN}") from wrong
    except JoseError as other:
        raise LaunchRefused(f"This launch's id_token was refused ({other.error}). {_AGAIN}") from other
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if platform.client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != platform.client_id):
        raise LaunchRefused(f"This launch is meant for another tool (its audience is not this app's client id "
                            f"at {platform.issuer}), so it was refused. Ask your administrator to check the "
                            "client id registered here.")
    if claims.get(LTI + "message_type") not in (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST):
        raise LaunchRefused("This launch is neither a resource-link launch nor a deep-linking request (other LTI "
                            "messages are not supported). Add the activity to your course as a link to the tool.")
    if claims.get(LTI + "version") != LTI_VERSION:
        raise LaunchRefused(f"This launch is not LTI {LTI_VERSION}. Ask your administrator to register the tool "
                            "as an LTI 1.3 tool.")
    if claims.get(LTI + "deployment_id") not in platform.deployment_ids:
        raise _unknown_deployment(platform)
    return claims


def mapped_roles(raw_roles: object) -> tuple[frozenset[Role], bool]:
    """The app's roles for a list of LTI role URIs (a launch's or a roster member's), and whether
    they make the person an instructor of the course (a manager of its team). None of ours: learner."""
    roles = {r for r in raw_roles if isinstance(r, str)} if isinstance(raw_roles, list) else set()
    granted: set[Role] = set()
    instructor = bool(roles & {_MEMBERSHIP + "Instructor", "Instructor"})
    if roles & {_MEMBERSHIP + "Learner", "Learner"}:
        granted.add(Role.LEARNER)
    if instructor:
        granted.add(Role.MANAGER)
    if roles & _ADMIN_ROLES:
        granted.add(Role.ADMIN)
    return frozenset(granted or {Role.LEARNER}), instructor


def _person(claims: Mapping[str, Any]) -> LaunchedPerson:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 255:
        raise LaunchRefused("This launch does not say who you are (no user id: an anonymous launch), and this "
                            "app keeps each person's progress. Ask your administrator to send the user's id.")
    roles, instructor = mapped_roles(claims.get(LTI + "roles"))
    context = claims.get(LTI + "context")
    context_id = context.get("id") if isinstance(context, dict) else None
    title = context.get("title") or context.get("label") if isinstance(context, dict) else None
    parts = [claims.get(k) for k in ("name", "given_name", "family_name")]
    full, given, family = (part if isinstance(part, str) else "" for part in parts)
    return LaunchedPerson(
        subject=subject.strip(), name=full or f"{given} {family}".strip(), roles=roles, manages_context=instructor,
        context_id=context_key(context_id) if isinstance(context_id, str) and context_id else None,
        context_title=title if isinstance(title, str) else "")


def context_key(context_id: str) -> str:
    """The context id as stored (255 characters at most): a longer one by its hash, so two long
    ids that share a beginning never become one team."""
    return context_id if len(context_id) <= 255 else "sha256:" + hashlib.sha256(context_id.encode()).hexdigest()


def _landing_target(claims: Mapping[str, Any], target_link_uri: str) -> tuple[str, str] | None:
    """What to open, as (``scenario`` or ``lesson``, its id), named by a custom claim, else by the
    target_link_uri's query; None for the course. Only plain ids pass, so nothing else gets through."""
    custom = claims.get(LTI + "custom")
    asked: dict[str, str] = dict(parse_qsl(urlsplit(target_link_uri).query))
    if isinstance(custom, dict):
        asked.update({k: v for k, v in custom.items() if isinstance(v, str)})
    for key in _TARGET_KEYS:
        value = asked.get(key, "")
        if _TARGET_VALUE.fullmatch(value):
            return key, value
    return None
