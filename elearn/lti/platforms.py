"""Registering an LMS as a platform, and the tool's own addresses to give it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from elearn.errors import ElearnError
from elearn.store.db import Store
from elearn.store.lti import Platform, add_platform

LOGIN_PATH = "/lti/login"
LAUNCH_PATH = "/lti/launch"
JWKS_PATH = "/lti/jwks"
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_FIELD_MAX = 255
_URL_MAX = 1000


class PlatformProblem(ElearnError):
    """A registration that can't be kept, or tool URLs that can't be given; one line per problem."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class ToolUrls:
    """What an LMS administrator pastes into the LMS's tool registration."""

    login: str
    launch: str
    jwks: str


def tool_urls(public_url: str) -> ToolUrls:
    """The tool's URLs under ``public_url`` (the ``public_url`` setting)."""
    if not public_url:
        raise PlatformProblem(["public_url is not set: set ELEARN_PUBLIC_URL (or public_url in "
                               ".streamlit/secrets.toml) to the address the LMS reaches this app at."])
    return ToolUrls(public_url + LOGIN_PATH, public_url + LAUNCH_PATH, public_url + JWKS_PATH)


def register_platform(store: Store, *, issuer: str, client_id: str, deployment_ids: Iterable[str],
                      auth_login_url: str, token_url: str, jwks_url: str, now: datetime) -> Platform:
    """Check every field, then register the platform; ``PlatformProblem`` lists everything wrong."""
    deployments = tuple(dict.fromkeys(d.strip() for d in deployment_ids if d.strip()))
    problems = [*_text_problems("issuer", issuer.strip()), *_text_problems("client id", client_id.strip())]
    if issuer.strip() and _url_problem(issuer.strip()):
        problems.append(f"issuer: {issuer.strip()!r} is not an http(s) URL; LTI 1.3 issuers are (the LMS's address).")
    if not deployments:
        problems.append("deployment ids: give at least one (the LMS shows it once the tool is deployed).")
    problems += [f"deployment id {d!r}: longer than {_FIELD_MAX} characters."
                 for d in deployments if len(d) > _FIELD_MAX]
    for label, url in (("auth login URL", auth_login_url), ("token URL", token_url), ("JWKS URL", jwks_url)):
        problem = _url_problem(url.strip())
        if problem:
            problems.append(f"{label}: {problem}")
    if problems:
        raise PlatformProblem(problems)
    return add_platform(store, issuer=issuer.strip(), client_id=client_id.strip(), deployment_ids=deployments,
                        auth_login_url=auth_login_url.strip(), token_url=token_url.strip(),
                        jwks_url=jwks_url.strip(), now=now)


def _text_problems(label: str, value: str) -> list[str]:
    if not value:
        return [f"{label}: missing (the LMS shows it on the tool's registration)."]
    if len(value) > _FIELD_MAX:
        return [f"{label}: longer than {_FIELD_MAX} characters."]
    return []


def service_url_problem(url: str) -> str:
    """Why ``url`` (a service address a launch names) can't be called, or "": the rule of ``_url_problem``."""
    return _url_problem(url)


def _url_problem(url: str) -> str:
    """Why ``url`` can't be a platform URL, or "": https, or http on this machine only (for tests)."""
    if not url:
        return "missing."
    if len(url) > _URL_MAX:
        return f"longer than {_URL_MAX} characters."
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return ""
    if parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS:
        return ""
    return f"{url!r} must be an https:// URL (plain http only for localhost)."
