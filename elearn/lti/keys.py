"""The tool's key pair (made on first use, the private half kept in the store only) and the
platform keys a launch is checked against."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime
from typing import Any

from joserfc.jwk import KeySet, RSAKey

from elearn.errors import ElearnError
from elearn.store.db import Store
from elearn.store.lti import tool_key

KEY_BITS = 2048
JWKS_MAX_BYTES = 256 * 1024
JWKS_TIMEOUT_SECONDS = 10


class KeysUnavailable(ElearnError):
    """A platform's JWKS could not be fetched or read; the message names the address."""


def make_tool_key() -> tuple[str, str]:
    """A new RSA key pair as (key id, private key PEM); the key id is its RFC 7638 thumbprint."""
    key = RSAKey.generate_key(KEY_BITS, private=True)
    return key.thumbprint(), key.as_pem(private=True).decode()


def tool_jwks(store: Store, now: datetime) -> dict[str, Any]:
    """The tool's public key as a JWKS (``/lti/jwks``), the key made on first use."""
    kid, pem = tool_key(store, make_tool_key, now)
    public = RSAKey.import_key(pem).as_dict(private=False)
    return {"keys": [{**public, "kid": kid, "use": "sig", "alg": "RS256"}]}


def fetch_key_set(url: str) -> KeySet:
    """The platform's public keys from its JWKS URL; ``KeysUnavailable`` when that fails."""
    try:
        with urllib.request.urlopen(url, timeout=JWKS_TIMEOUT_SECONDS) as response:  # noqa: S310 - an admin-registered http(s) URL
            body = response.read(JWKS_MAX_BYTES + 1)
        if len(body) > JWKS_MAX_BYTES:
            raise ValueError("too large")
        return KeySet.import_key_set(json.loads(body))
    except (OSError, ValueError, TypeError, KeyError) as failed:
        raise KeysUnavailable(
            f"The LMS's public keys could not be read from {url} ({type(failed).__name__}), so the launch can't "
            "be checked. Ask your administrator to check the platform's JWKS URL (`python -m elearn lti list`)."
        ) from failed
