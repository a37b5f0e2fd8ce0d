"""What the store raises on purpose: runtime problems, never an author's mistake.

Every class here is an ``ElearnError`` (via ``StoreError``), so a page can catch the base and
show ``str(error)`` with a next step. Messages are written for the person at the screen and never
say whether an account exists.
"""

from __future__ import annotations

from elearn.errors import ElearnError


class StoreError(ElearnError):
    """Base of everything the progress store raises on purpose."""


class StoreUnavailable(StoreError):
    """The database stayed busy or unreachable past the retry deadline."""


class AccessDenied(StoreError):
    """The acting user may not read or change this data (checked on the server, every call)."""


class NotFound(StoreError):
    """The thing asked for does not exist (only said to callers allowed to know)."""


class AttemptFinished(StoreError):
    """A scenario attempt is already finished, so its run can no longer change."""


class AccountError(StoreError):
    """An account could not be created or changed; the message says why and what to do."""


class WeakPassword(AccountError):
    """The password does not meet the policy."""


class UsernameTaken(AccountError):
    """Another account already uses this username or email."""


class RegistrationClosed(AccountError):
    """Self-registration is switched off on this server."""


class AccountDeactivated(AccountError):
    """The account was deactivated by an administrator; said only to someone who knew its password."""


class LastAdministrator(AccountError):
    """The change would leave no active administrator (an admin removing their own role, or
    deactivating themselves, while nobody else can administer)."""


class SetupClosed(AccountError):
    """First-run set-up is over (an administrator exists) or the set-up token is not valid."""


class PeopleRefused(AccountError):
    """A batch of accounts was refused as a whole: nothing was created. ``problems`` lists every
    reason, each beginning with where the account came from ("Row 3: ...")."""

    def __init__(self, problems: list[str] | tuple[str, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"Nothing was created: {len(self.problems)} problem(s). Fix them and try again.")


class StoreMoved(StoreError):
    """The SQLite file this process opened was deleted or replaced: nothing more can be saved."""
