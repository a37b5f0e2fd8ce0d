"""What ``/verify?code=...`` says: valid, expired or unknown, and for a known code whom it was
awarded to, for what and when. Nothing more: no team, no scores beyond the band printed on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from elearn.store.certificates import certificate_by_code
from elearn.store.db import Store

VALID, EXPIRED, UNKNOWN = "valid", "expired", "unknown"


@dataclass(frozen=True)
class Verification:
    status: str
    holder: str = ""
    title: str = ""
    earned_at: datetime | None = None
    expires_at: datetime | None = None

    def in_words(self) -> str:
        if self.status == UNKNOWN or self.earned_at is None:
            return "No certificate has this code. Check it against the certificate: it has 12 letters and digits."
        earned = f"{self.earned_at:%d %B %Y}"
        if self.status == EXPIRED and self.expires_at is not None:
            return (f"This certificate was awarded to {self.holder} for {self.title} on {earned}. "
                    f"It expired on {self.expires_at:%d %B %Y}.")
        until = f" It is valid until {self.expires_at:%d %B %Y}." if self.expires_at is not None else ""
        return f"This certificate is valid. It was awarded to {self.holder} for {self.title} on {earned}.{until}"


def verify(store: Store, code: str, now: datetime) -> Verification:
    found = certificate_by_code(store, code)
    if found is None:
        return Verification(UNKNOWN)
    return Verification(EXPIRED if found.expired(now) else VALID, holder=found.holder, title=found.title,
                        earned_at=found.earned_at, expires_at=found.expires_at)
