"""Where the store lives: the database URL, from the environment or Streamlit-shaped secrets.

The core never imports streamlit: the app passes ``st.secrets`` in as a plain mapping, the CLI
passes nothing, and tests pass whatever they like (starlette's ``Config(environ=...)`` idea).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

ENV_VAR = "ELEARN_DATABASE_URL"
SECRETS_CONNECTION = "elearn"
SQLITE_FILE = "elearn.db"

# Keys of a ``[connections.elearn]`` section that Streamlit's SQLConnection also understands,
# for a deployment that spells the URL out in parts instead of one string.
_URL_PARTS = ("username", "password", "host", "port", "database")


def resolve_database_url(environ: Mapping[str, str], secrets: Mapping[str, Any] | None) -> str | None:
    """Return the configured database URL, or None for the embedded SQLite default.

    ``ELEARN_DATABASE_URL`` wins; otherwise ``secrets["connections"]["elearn"]`` is read, either
    its ``url`` or Streamlit's ``dialect``/``driver``/``host``/... parts. Empty values count as
    unset, so an exported-but-blank variable does not switch databases by accident.
    """
    from_env = environ.get(ENV_VAR, "").strip()
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
    built = URL.create(
        drivername=f"{dialect}+{driver}" if driver else dialect,
        username=_optional_str(parts.get("username")),
        password=_optional_str(parts.get("password")),
        host=_optional_str(parts.get("host")),
        port=int(parts["port"]) if "port" in parts else None,
        database=_optional_str(parts.get("database")),
    )
    return built.render_as_string(hide_password=False)


def database_url(url: str | None, data_dir: Path) -> URL:
    """The URL to connect to: ``url`` with a usable driver, or the SQLite file in ``data_dir``.

    ``postgresql://`` and ``postgres://`` are read as psycopg 3, the PostgreSQL driver we ship
    (SQLAlchemy would otherwise look for psycopg2, which is not installed).
    """
    if url is None:
        return URL.create("sqlite", database=str(data_dir / SQLITE_FILE))
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


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
