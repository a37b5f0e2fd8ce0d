"""Self-assessment in the store: how confident a learner said they were in each skill.

A learner rates themselves at two moments, ``before`` the first lesson and ``after`` the
capstones. Each moment is asked once: the ratings of a moment are stored together, and a second
submission of the same moment (a double click, a second tab) keeps the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from elearn.store.access import require_read
from elearn.store.db import Store, insert_ignoring_duplicates
from elearn.store.records import User, Viewer
from elearn.store.tables import SelfAssessmentRow

MOMENTS = ("before", "after")
LOWEST, HIGHEST = 1, 5


@dataclass(frozen=True)
class ConfidenceRating:
    user_id: int
    moment: str
    skill_id: str
    confidence: int
    rated_at: datetime


def rate_confidence(store: Store, user: User, moment: str, ratings: Mapping[str, int], now: datetime) -> bool:
    """Store ``user``'s confidence (1-5) in each skill at ``moment``; True if stored now, False if
    ``user`` had already rated themselves at that moment (the first ratings stay)."""
    if moment not in MOMENTS:
        raise ValueError(f"moment must be one of {MOMENTS}, not {moment!r}")
    if not ratings:
        raise ValueError("there must be at least one rating")
    for skill, confidence in ratings.items():
        if not skill or len(skill) > 100 or not LOWEST <= confidence <= HIGHEST:
            raise ValueError(f"confidence in {skill!r} must be {LOWEST}-{HIGHEST}, not {confidence!r}")

    def work(conn: Connection) -> bool:
        done = conn.scalar(select(SelfAssessmentRow.skill_id).where(
            SelfAssessmentRow.user_id == user.id, SelfAssessmentRow.moment == moment).limit(1))
        if done is not None:
            return False
        for skill, confidence in sorted(ratings.items()):
            insert_ignoring_duplicates(conn, SelfAssessmentRow, {
                "user_id": user.id, "moment": moment, "skill_id": skill, "confidence": confidence, "rated_at": now,
            }, ("user_id", "moment", "skill_id"))
        return True

    return store.write(work)


# Read by the learner's home and My skills on every rerun: built once.
_RATINGS_OF = (select(SelfAssessmentRow).where(SelfAssessmentRow.user_id == bindparam("user_id"))
               .order_by(SelfAssessmentRow.moment, SelfAssessmentRow.skill_id))


def confidence_for(store: Store, viewer: Viewer, user_id: int) -> tuple[ConfidenceRating, ...]:
    """``user_id``'s confidence ratings (both moments), if ``viewer`` may see them."""

    def work(conn: Connection) -> tuple[ConfidenceRating, ...]:
        require_read(conn, viewer, user_id)
        rows = conn.execute(_RATINGS_OF, {"user_id": user_id})
        return tuple(ConfidenceRating(row.user_id, row.moment, row.skill_id, row.confidence, row.rated_at)
                     for row in rows)

    return store.read(work)
