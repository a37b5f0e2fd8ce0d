"""Every deployment setting, resolved once: the environment, then the app's secrets, then the default.

The app (``ui.store.current_settings``), every ``python -m elearn`` command and the tests build one
frozen ``Settings`` with ``load_settings`` and hand its fields down; nothing below this module reads
``os.environ`` or a secrets file. So the app and the command line, given the same environment and
``.streamlit/secrets.toml``, open the same database and the same course.

A setting ``name`` is read from ``ELEARN_<NAME>`` in the environment, else from ``name`` under
``[elearn]`` in the secrets (``course_dir`` may also stand at the top of the secrets file, where the
first edition put it). The database URL has its own, Streamlit-shaped, sources
(``resolve_database_url``). An empty value counts as unset.

Every malformed value is reported at once, in one ``SettingsError`` whose lines each name the
setting, where it came from and what it should look like::

    ELEARN_DB_RETRY_SECONDS is 'ten': expected a number of seconds greater than 0, like 10.

The composition root sits above the domain: this module may import the layers below it (the pass
rule, the read limits, the store's URL rules), and no domain module imports it.
"""

from __future__ import annotations

import ipaddress
import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from elearn.course.passing import PassRule, pass_rule_from
from elearn.errors import ElearnError
from elearn.limits import SETTINGS as LIMIT_SETTINGS
from elearn.limits import ReadLimits, limits_from
from elearn.lrs.config import LrsSettings, endpoint_problem
from elearn.mail.config import TLS_MODES, SmtpSettings

REPO = Path(__file__).resolve().parent.parent
"""The checkout this package sits in: the default course and the parent of the default data folder."""

SECRETS_FILE = Path(".streamlit") / "secrets.toml"
"""Where Streamlit reads the app's secrets, relative to the folder it is started in (the repository)."""

DEFAULT_ROOM_MAX_PARTICIPANTS = 200
_FLAGS = {"on": True, "true": True, "yes": True, "1": True, "off": False, "false": False, "no": False, "0": False}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
T = TypeVar("T")


class SettingsError(ElearnError, ValueError):
    """One or more settings are malformed; ``problems`` holds one line per setting, and the message all."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Settings:
    """What one deployment is configured to do. Build it with ``load_settings``; tests may build it directly."""

    database_url: str | None = None
    """The SQLAlchemy URL, or None for the embedded SQLite file in ``data_dir``."""
    data_dir: Path = REPO / "data"
    course_dir: Path = REPO
    db_retry_seconds: float = 10.0
    """How long a page waits for a busy or unreachable database before saying so."""
    pass_rule: PassRule = field(default_factory=PassRule)
    read_limits: ReadLimits = field(default_factory=ReadLimits)
    self_registration: bool = True
    """Whether the sign-in page offers "Create an account" (``off``: administrators add people)."""
    first_admin_roles: bool = True
    """Whether the first administrator also gets the facilitator and manager roles (``off``: admin
    and learner only)."""
    public_url: str = ""
    """The app's address as people outside reach it (join links and QR codes), without a trailing slash."""
    home_page: str = ""
    """The IRI that xAPI statements name the app by; empty: the address of the request."""
    room_max_participants: int = DEFAULT_ROOM_MAX_PARTICIPANTS
    trusted_proxies: tuple[Network, ...] = ()
    """Reverse proxies whose ``X-Forwarded-*`` headers are believed (``ui.proxy``)."""
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    """Where e-mail goes out (``elearn.mail``); its links use ``public_url``."""
    lrs: LrsSettings = field(default_factory=LrsSettings)
    """The Learning Record Store xAPI statements are sent to (``elearn.lrs``); empty endpoint: none."""

    @property
    def xapi_home_page(self) -> str:
        """The IRI statements sent to an LRS name the app by: ``home_page``, else ``public_url``."""
        return self.home_page or self.public_url

def load_settings(environ: Mapping[str, str], secrets: Mapping[str, Any] | None = None) -> Settings:
    """Resolve every setting from ``environ`` and ``secrets`` (a parsed secrets file, or None).

    Raises ``SettingsError`` listing every malformed value; never returns half-read settings.
    """
    source = _Source(environ, secrets)
    problems: list[str] = []

    def read(name: str, parse: Callable[[str, str], T], default: T) -> T:
        found = source.get(name)
        if found is None:
            return default
        raw, where = found
        try:
            return parse(raw, where)
        except (ElearnError, ValueError) as error:
            problems.append(str(error))
            return default

    course = source.get("course_dir") or _top_level(secrets, "course_dir")
    settings = Settings(
        database_url=resolve_database_url(environ, secrets),
        data_dir=read("data_dir", lambda raw, _: Path(raw), REPO / "data"),
        course_dir=Path(course[0]) if course else REPO,
        db_retry_seconds=read("db_retry_seconds", _seconds, 10.0),
        pass_rule=read("pass_threshold", lambda raw, where: pass_rule_from(raw, setting=where), PassRule()),
        read_limits=_read_limits(source, problems),
        self_registration=read("self_registration", _flag, True),
        first_admin_roles=read("first_admin_roles", _flag, True),
        public_url=read("public_url", lambda raw, _: raw.rstrip("/"), ""),
        home_page=read("home_page", lambda raw, _: raw.rstrip("/"), ""),
        room_max_participants=read("room_max_participants", _whole_number, DEFAULT_ROOM_MAX_PARTICIPANTS),
        trusted_proxies=read("trusted_proxies", _networks, ()),
        smtp=_smtp(read, problems),
        lrs=_lrs(read, problems),
    )
    if problems:
        raise SettingsError(problems)
    return settings


def read_secrets_file(path: Path) -> dict[str, Any] | None:
    """The secrets file at ``path`` as a mapping (None if there is none), for the command line.

    Raises ``SettingsError`` naming the file's own name, never its full path, when it is not TOML.
    """
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        return None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SettingsError([f"{SECRETS_FILE} is not valid TOML ({error}). Fix the file or remove it."]) from None


def settings_from_files(environ: Mapping[str, str], cwd: Path | None = None) -> Settings:
    """``load_settings`` over ``environ`` and the secrets file the app would read when started in ``cwd``
    (default: the repository), which is what every ``python -m elearn`` command uses."""
    return load_settings(environ, read_secrets_file((cwd or REPO) / SECRETS_FILE))


DATABASE_URL_VAR = "ELEARN_DATABASE_URL"
SECRETS_CONNECTION = "elearn"
# Keys of a ``[connections.elearn]`` section that Streamlit's SQLConnection also understands,
# for a deployment that spells the URL out in parts instead of one string.
_URL_PARTS = ("username", "password", "host", "port", "database")


def resolve_database_url(environ: Mapping[str, str], secrets: Mapping[str, Any] | None) -> str | None:
    """Return the configured database URL, or None for the embedded SQLite default.

    ``ELEARN_DATABASE_URL`` wins; otherwise ``secrets["connections"]["elearn"]`` is read, either
    its ``url`` or Streamlit's ``dialect``/``driver``/``host``/... parts. Empty values count as
    unset, so an exported-but-blank variable does not switch databases by accident.
    """
    from_env = environ.get(DATABASE_URL_VAR, "").strip()
    if from_env:
        return from_env
    section = _secrets_section(secrets)
    if section is None:
        return None
    url = str(section.get("url") or "").strip()
    if url:
        return url
    dialect = str(section.get("dialect") or "").strip()
    if not dialect:
        return None
    driver = str(section.get("driver") or "").strip()
    parts = {key: section[key] for key in _URL_PARTS if section.get(key) not in (None, "")}
    from sqlalchemy.engine import URL  # only for a URL given in parts: the command line starts faster

    built = URL.create(
        drivername=f"{dialect}+{driver}" if driver else dialect,
        username=_optional_str(parts.get("username")),
        password=_optional_str(parts.get("password")),
        host=_optional_str(parts.get("host")),
        port=int(parts["port"]) if "port" in parts else None,
        database=_optional_str(parts.get("database")),
    )
    return built.render_as_string(hide_password=False)


def _secrets_section(secrets: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if secrets is None:
        return None
    connections = secrets.get("connections")
    if not isinstance(connections, Mapping):
        return None
    section = connections.get(SECRETS_CONNECTION)
    return section if isinstance(section, Mapping) else None


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


class _Source:
    """Where a named setting's text comes from: ``ELEARN_<NAME>``, else ``[elearn] name``; blank is unset."""

    def __init__(self, environ: Mapping[str, str], secrets: Mapping[str, Any] | None) -> None:
        self.environ = environ
        section = (secrets or {}).get("elearn")
        self.section: Mapping[str, Any] = section if isinstance(section, Mapping) else {}

    def get(self, name: str) -> tuple[str, str] | None:
        """(text, how to name it in a message), or None when the setting is not given anywhere."""
        variable = f"ELEARN_{name.upper()}"
        from_env = self.environ.get(variable, "").strip()
        if from_env:
            return from_env, variable
        value = self.section.get(name)
        if value is None or not str(value).strip():
            return None
        text = str(value).strip() if not isinstance(value, bool) else ("on" if value else "off")
        return text, f"{name} under [elearn] in the secrets"


def _top_level(secrets: Mapping[str, Any] | None, name: str) -> tuple[str, str] | None:
    value = (secrets or {}).get(name)
    return (str(value), name) if isinstance(value, str) and value.strip() else None


def _read_limits(source: _Source, problems: list[str]) -> ReadLimits:
    given = {}
    for variable in LIMIT_SETTINGS:
        found = source.get(variable.removeprefix("ELEARN_").lower())
        if found is not None:
            given[variable] = found[0]
    try:
        return limits_from(given)
    except ElearnError as error:
        problems.append(str(error))
        return ReadLimits()


def _smtp(read: Callable[[str, Callable[[str, str], Any], Any], Any], problems: list[str]) -> SmtpSettings:
    smtp = SmtpSettings(
        host=read("smtp_host", lambda raw, _: raw, ""),
        port=read("smtp_port", _port, None),
        tls=read("smtp_tls", _tls_mode, "starttls"),
        username=read("smtp_username", lambda raw, _: raw, ""),
        password=read("smtp_password", lambda raw, _: raw, ""),
        sender=read("mail_sender", _address, ""),
    )
    if smtp.username and not smtp.password:
        problems.append("ELEARN_SMTP_USERNAME is set but ELEARN_SMTP_PASSWORD is not: give both, or neither.")
    return smtp


def _lrs(read: Callable[[str, Callable[[str, str], Any], Any], Any], problems: list[str]) -> LrsSettings:
    lrs = LrsSettings(
        endpoint=read("lrs_endpoint", _endpoint, ""),
        key=read("lrs_key", lambda raw, _: raw, ""),
        secret=read("lrs_secret", lambda raw, _: raw, ""),
        timeout_seconds=read("lrs_timeout_seconds", _seconds, 10.0),
    )
    if lrs.endpoint and not (lrs.key and lrs.secret):
        problems.append("ELEARN_LRS_ENDPOINT is set but not both ELEARN_LRS_KEY and ELEARN_LRS_SECRET: give the "
                        "credentials the LRS issued for this app (lrs_key and lrs_secret under [elearn] in the "
                        "secrets).")
    return lrs


def _endpoint(raw: str, where: str) -> str:
    problem = endpoint_problem(raw, where)
    if problem:
        raise ValueError(problem)
    return raw


def _port(raw: str, where: str) -> int:
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 65535:
        return int(raw)
    raise ValueError(f"{where} is '{_shown(raw)}': expected a port number from 1 to 65535, like 587.")


def _tls_mode(raw: str, where: str) -> str:
    if raw.lower() in TLS_MODES:
        return raw.lower()
    raise ValueError(f"{where} is '{_shown(raw)}': expected starttls, ssl or none.")


def _address(raw: str, where: str) -> str:
    from email.utils import parseaddr

    address = parseaddr(raw)[1]
    local, at, domain = address.rpartition("@")
    if not (at and local and "." in domain) or "\n" in raw or "\r" in raw:
        raise ValueError(f"{where} is '{_shown(raw)}': expected an e-mail address, like "
                         "training@example.org or 'Calm under fire <training@example.org>'.")
    return raw


def _shown(raw: str) -> str:
    return raw if len(raw) <= 20 else raw[:20] + "…"


def _seconds(raw: str, where: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{where} is '{_shown(raw)}': expected a number of seconds greater than 0, like 10.")
    return value


def _flag(raw: str, where: str) -> bool:
    try:
        return _FLAGS[raw.lower()]
    except KeyError:
        raise ValueError(f"{where} is '{_shown(raw)}': expected on or off.") from None


def _whole_number(raw: str, where: str) -> int:
    if raw.isascii() and raw.isdigit() and int(raw) >= 1:
        return int(raw)
    raise ValueError(f"{where} is '{_shown(raw)}': expected a whole number of 1 or more, like 200.")


def _networks(raw: str, where: str) -> tuple[Network, ...]:
    """``"127.0.0.1, 10.0.0.0/8, ::1"`` as networks; raises ``ValueError`` naming the bad entry."""
    networks = []
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"{where}: {_shown(entry)!r} is not an IP address or network. List the reverse proxies' addresses, "
                "comma-separated, e.g. 127.0.0.1 or 10.0.0.0/8 (host names and * are not accepted)."
            ) from None
    return tuple(networks)
