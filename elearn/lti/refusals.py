"""The one error an LMS's request is refused with (its message is safe to show the person)."""

from elearn.errors import ElearnError


class LaunchRefused(ElearnError):
    """A login initiation, launch or deep-linking pick that is refused; the message says what was
    wrong and what to do, and names nothing secret."""
