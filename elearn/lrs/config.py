"""The Learning Record Store the app sends xAPI statements to, as ``elearn.settings`` reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class LrsSettings:
    """Where statements go. ``endpoint`` empty: no LRS, nothing is queued or sent."""

    endpoint: str = ""
    """The LRS's xAPI endpoint (``https://lrs.example.org/xAPI/``); statements go to its ``statements``."""
    key: str = ""
    """The Basic auth username the LRS gave this app (its "key")."""
    secret: str = field(default="", repr=False)
    """The Basic auth password (its "secret"): from the secrets or the environment, never shown."""
    timeout_seconds: float = 10.0
    """How long one POST may take before the LRS counts as down for this try."""

    @property
    def configured(self) -> bool:
        return bool(self.endpoint)

    @property
    def statements_url(self) -> str:
        """The statements resource: the endpoint with ``statements`` after it (unless it ends so already)."""
        base = self.endpoint.rstrip("/")
        return base if base.endswith("/statements") else f"{base}/statements"

    def problems(self, home_page: str) -> list[str]:
        """What stops statements from being sent, one line each (empty: ready)."""
        found = []
        if not self.endpoint:
            found.append("ELEARN_LRS_ENDPOINT is not set: give the LRS's xAPI endpoint, like "
                         "https://lrs.example.org/xAPI/ (or [elearn] lrs_endpoint in the secrets).")
        if not self.key or not self.secret:
            found.append("ELEARN_LRS_KEY and ELEARN_LRS_SECRET are not both set: give the credentials the LRS "
                         "issued for this app (best in .streamlit/secrets.toml as lrs_key and lrs_secret).")
        if not home_page:
            found.append("ELEARN_PUBLIC_URL (or ELEARN_HOME_PAGE) is not set: statements name learners and "
                         "activities under the app's address, like https://training.example.org.")
        return found


def endpoint_problem(raw: str, where: str) -> str | None:
    """Why ``raw`` is no LRS endpoint (None if it is one): an http(s) URL without credentials in it."""
    if "@" in raw:
        return f"{where} holds a username or password: put them in lrs_key and lrs_secret instead."
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{where} is '{raw[:40]}': expected the LRS's http(s) address, like https://lrs.example.org/xAPI/."
    if parts.query or parts.fragment:
        return f"{where} has a query or a fragment: give the plain xAPI endpoint, like https://lrs.example.org/xAPI/."
    return None
