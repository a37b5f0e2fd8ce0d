"""Certificates: awarded once per achievement, read within the viewer's scope, verified by code.

``award`` inserts certificates ignoring those already held: each is keyed by the learner, what
was met (an assignment, or the whole course) and the moment it was met, so awarding on every page
view or command run is safe, and a recertification (met again later) earns a new certificate.
Each gets a random verification code (``XXXX-XXXX-XXXX``, about 59 bits): it is printed on the
certificate, so it is kept as it is, and ``verify`` answers for it with the holder's name, what
was met and when, and nothing more. Reads check the viewer's scope on the server
(``elearn.store.access``): a learner gets their own, a manager their teams', an admin everyone's.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from elearn.store.access import require_read, scope_of
from elearn.store.db import Store, insert_ignoring_duplicates, one_of
from elearn.store.errors import AccessDenied
from elearn.store.records import Viewer
from elearn.store.tables import CertificateRow, TeamRow, UserRow

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: read aloud and typed without doubt
CODE_GROUPS = 3
CODE_GROUP_LENGTH = 4
NOT_YOURS = "You can only download the certificates of your own teams' members."


@dataclass(frozen=True)
class NewCertificate:
    """What a learner met: ``assignment_id`` (None: the whole course), described by ``title``."""

    user_id: int
    assignment_id: int | None
    title: str
    modules: tuple[str, ...]
    score_band: str
    earned_at: datetime
    expires_at: datetime | None

    @property
    def award_key(self) -> str:
        what = f"assignment:{self.assignment_id}" if self.assignment_id is not None else "course"
        return f"user:{self.user_id}:{what}:{int(self.earned_at.timestamp())}"


@dataclass(frozen=True)
class Certificate:
    id: int
    code: str
    user_id: int
    holder: str
    """The holder's display name, as it is now."""
    team: str
    assignment_id: int | None
    title: str
    modules: tuple[str, ...]
    score_band: str
    earned_at: datetime
    expires_at: datetime | None
    issued_at: datetime

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at


def new_code() -> str:
    characters = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_LENGTH))
    return "-".join(characters[i:i + CODE_GROUP_LENGTH] for i in range(0, len(characters), CODE_GROUP_LENGTH))


def normal_code(text: str) -> str | None:
    """A code as typed or linked (any case, with or without dashes and spaces) in its stored
    form, or None when it cannot be one."""
    letters = "".join(text.split()).replace("-", "").upper()[:100]
    if len(letters) != CODE_GROUPS * CODE_GROUP_LENGTH or any(c not in CODE_ALPHABET for c in letters):
        return None
    return "-".join(letters[i:i + CODE_GROUP_LENGTH] for i in range(0, len(letters), CODE_GROUP_LENGTH))


def award(store: Store, earned: Iterable[NewCertificate], now: datetime) -> int:
    """Record each of ``earned`` unless already awarded; returns how many are new."""
    wanted = list(earned)
    if not wanted:
        return 0

    def work(conn: Connection) -> int:
        added = 0
        for item in wanted:
            added += insert_ignoring_duplicates(conn, CertificateRow, {
                "code": new_code(), "award_key": item.award_key, "user_id": item.user_id,
                "assignment_id": item.assignment_id, "title": item.title[:300], "modules": list(item.modules),
                "score_band": item.score_band, "earned_at": item.earned_at, "expires_at": item.expires_at,
                "issued_at": now,
            }, ["award_key"])
        return added

    return store.write(work)


_COLUMNS = (CertificateRow.id, CertificateRow.code, CertificateRow.user_id, UserRow.display_name, TeamRow.name,
            CertificateRow.assignment_id, CertificateRow.title, CertificateRow.modules, CertificateRow.score_band,
            CertificateRow.earned_at, CertificateRow.expires_at, CertificateRow.issued_at)


def _select() -> Any:
    return (select(*_COLUMNS).join(UserRow, UserRow.id == CertificateRow.user_id)
            .outerjoin(TeamRow, TeamRow.id == UserRow.team_id))


def certificates_for(store: Store, viewer: Viewer, user_ids: Collection[int] | None = None) -> tuple[Certificate, ...]:
    """The certificates of the people ``viewer`` may see (only ``user_ids`` if given), newest first."""

    def work(conn: Connection) -> tuple[Certificate, ...]:
        query = _select().where(scope_of(conn, viewer).covers(CertificateRow.user_id))
        if user_ids is not None:
            query = query.where(one_of(conn, CertificateRow.user_id, sorted(user_ids)))
        rows = conn.execute(query.order_by(CertificateRow.earned_at.desc(), CertificateRow.id.desc()))
        return tuple(_certificate(row) for row in rows)

    return store.read(work)


def certificate_for(store: Store, viewer: Viewer, certificate_id: int) -> Certificate:
    """One certificate, if ``viewer`` may see its holder; else ``AccessDenied`` (also for an unknown id)."""

    def work(conn: Connection) -> Certificate:
        row = conn.execute(_select().where(CertificateRow.id == certificate_id)).first()
        if row is None:
            raise AccessDenied(NOT_YOURS)
        try:
            require_read(conn, viewer, row[2])
        except AccessDenied:
            raise AccessDenied(NOT_YOURS) from None
        return _certificate(row)

    return store.read(work)


def certificate_by_code(store: Store, code: str) -> Certificate | None:
    """The certificate with verification ``code`` (as typed; see ``normal_code``), or None.
    Public: the verify page shows only its holder's name, title and dates."""
    normal = normal_code(code)
    if normal is None:
        return None
    return store.read(lambda conn: next((_certificate(row) for row in conn.execute(
        _select().where(CertificateRow.code == normal))), None))


def _certificate(row: Sequence[Any]) -> Certificate:
    return Certificate(id=row[0], code=row[1], user_id=row[2], holder=row[3], team=row[4] or "", assignment_id=row[5],
                       title=row[6], modules=tuple(row[7] or ()), score_band=row[8], earned_at=row[9],
                       expires_at=row[10], issued_at=row[11])
