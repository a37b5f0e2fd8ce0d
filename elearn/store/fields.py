"""What a user or team row accepts, checked before anything is written.

The limits are the database's own (the column lengths in ``tables.py``), so a value that passes
here is never refused by the database half-way through a batch. Every way an account is made
(``create_user``, ``claim_setup_token``, ``add_people``) and every team (``create_team``) uses these
checks; the CSV upload (``elearn.manage.roster``) runs the same ones first, to list every row's problems.
"""

from __future__ import annotations

from sqlalchemy import String

from elearn.names import NameRefused, clean_name, excerpt, first_hidden
from elearn.store.errors import AccountError
from elearn.store.tables import TeamRow, UserRow
from elearn.store.users import normalize_email


def _length(column: object) -> int:
    kind = getattr(column, "type", None)
    length = kind.length if isinstance(kind, String) else None
    if length is None:
        raise TypeError(f"{column} is not a String column with a length")
    return length


USERNAME_MAX = _length(UserRow.username)
DISPLAY_NAME_MAX = _length(UserRow.display_name)
EMAIL_MAX = _length(UserRow.email)
TEAM_NAME_MAX = _length(TeamRow.name)
EMAIL_LOCAL_MAX = 64  # RFC 5321: the part before the @
EMAIL_DOMAIN_MAX = 255
EMAIL_LABEL_MAX = 63  # each dot-separated part of the domain
_NOT_IN_LOCAL_PART = frozenset('"(),:;<>[\\]')


def display_name_problem(typed: str, *, label: str) -> tuple[str, str | None]:
    """The display name as it would be stored, and what is wrong with it (None if nothing)."""
    try:
        return clean_name(typed, label=label, limit=DISPLAY_NAME_MAX), None
    except NameRefused as refused:
        return "", str(refused)


def email_problem(address: str, *, label: str, quote: bool = True) -> str | None:
    """What is wrong with a (trimmed, non-empty) e-mail address, or None: length and shape.

    Addresses with letters beyond ASCII are accepted (they are legal); spaces, control and
    invisible characters, and quoted or bracketed forms are not. With ``quote`` the message
    quotes (an excerpt of) the address, for a list of rows; a form beside the field needs not.
    """
    if len(address) > EMAIL_MAX:
        return f"{label} is {len(address):,} characters long; an address has at most {EMAIL_MAX}."
    hidden = first_hidden(address)
    named = f"{label} '{excerpt(address)}'" if quote else label
    if hidden is not None or any(c.isspace() for c in address):
        return f"{named} contains a space or an invisible character. Type the address again."
    local, at, domain = address.rpartition("@")
    labels = domain.split(".")
    if (not at or not local or "@" in local or len(labels) < 2 or len(domain) > EMAIL_DOMAIN_MAX
            or set(local) & _NOT_IN_LOCAL_PART or local.startswith(".") or local.endswith(".") or ".." in local
            or not all(_domain_label(part) for part in labels)):
        return f"{named} does not look like an address (name@example.com)."
    if len(local) > EMAIL_LOCAL_MAX:
        return f"{label} has {len(local)} characters before the @; an address has at most {EMAIL_LOCAL_MAX}."
    return None


def checked_display_name(typed: str) -> str:
    """The display name to store (``""``: use the username), or ``AccountError`` saying what to fix."""
    name, problem = display_name_problem(typed, label="The name")
    if problem is not None:
        raise AccountError(problem)
    return name


def checked_email(address: str | None) -> str | None:
    """The address to store (normalised; None if empty), or ``AccountError`` saying what to fix."""
    if address is None or not address.strip():
        return None
    problem = email_problem(address.strip(), label="The email address", quote=False)
    if problem is not None:
        raise AccountError(problem)
    return normalize_email(address)


def checked_team_name(typed: str) -> str:
    """A new team's name as stored, or ``AccountError`` (empty, too long, hidden characters)."""
    try:
        name = clean_name(typed, label="The team's name", limit=TEAM_NAME_MAX)
    except NameRefused as refused:
        raise AccountError(str(refused)) from refused
    if not name:
        raise AccountError("A team needs a name.")
    return name


def _domain_label(part: str) -> bool:
    return (0 < len(part) <= EMAIL_LABEL_MAX and not part.startswith("-") and not part.endswith("-")
            and all(c.isalnum() or c == "-" for c in part))
