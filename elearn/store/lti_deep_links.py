"""Deep-linking requests in the store: what an instructor's ``LtiDeepLinkingRequest`` launch
asked for, kept (under the SHA-256 of a random token) until they pick what to add to the course.

The picker page names the request by its token alone (it also works where the LMS shows the tool
in an iframe, whose cookies browsers block), so the token is long, random, kept only as its hash,
good for ``expires_at`` and used up by the pick: one request makes one response.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from elearn.store.db import Store
from elearn.store.tables import LtiDeepLinkRow


@dataclass(frozen=True)
class DeepLinkRequest:
    """A deep-linking request waiting for the instructor's pick."""

    platform_id: int
    deployment_id: str
    return_url: str
    data: str | None
    user_id: int
    expires_at: datetime


def save_deep_link(store: Store, token: str, request: DeepLinkRequest, now: datetime) -> None:
    """Keep ``request`` under ``token`` (its hash), dropping the expired ones on the way."""

    def work(conn: Connection) -> None:
        conn.execute(delete(LtiDeepLinkRow).where(LtiDeepLinkRow.expires_at <= now))
        conn.execute(insert(LtiDeepLinkRow).values(
            token_hash=_hash(token), platform_id=request.platform_id, deployment_id=request.deployment_id,
            return_url=request.return_url, data=request.data, user_id=request.user_id, expires_at=request.expires_at))

    store.write(work)


def deep_link(store: Store, token: str, now: datetime) -> DeepLinkRequest | None:
    """The request ``token`` names, if it is still waiting (not expired, not used)."""
    return store.read(lambda conn: _find(conn, token, now))


def take_deep_link(store: Store, token: str, now: datetime) -> DeepLinkRequest | None:
    """The request ``token`` names, used up by this call: None if unknown, expired or used. One
    DELETE decides, so of two picks with one token only one gets it."""

    def work(conn: Connection) -> DeepLinkRequest | None:
        found = _find(conn, token, now)
        if found is None:
            return None
        taken = conn.execute(delete(LtiDeepLinkRow).where(LtiDeepLinkRow.token_hash == _hash(token)))
        return found if taken.rowcount == 1 else None

    return store.write(work)


def _find(conn: Connection, token: str, now: datetime) -> DeepLinkRequest | None:
    row = conn.execute(select(LtiDeepLinkRow).where(
        LtiDeepLinkRow.token_hash == _hash(token), LtiDeepLinkRow.expires_at > now)).one_or_none()
    if row is None:
        return None
    return DeepLinkRequest(platform_id=row.platform_id, deployment_id=row.deployment_id, return_url=row.return_url,
                           data=row.data, user_id=row.user_id, expires_at=row.expires_at)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
