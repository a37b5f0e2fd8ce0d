"""The course, loaded once per server process and shared by every session.

Content is parsed and checked once per process, not on every rerun: ``st.cache_resource``
keeps the ``Course`` keyed by its directory and read limits, so a rerun costs a dictionary
look-up.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from elearn.course.catalogue import Course, load_course
from elearn.course.passing import PassRule
from elearn.limits import ReadLimits
from elearn.store import Role, User
from ui.store import current_settings

log = logging.getLogger("elearn.app")


def course_dir() -> Path:
    """The course directory: ``ELEARN_COURSE_DIR``, else ``course_dir`` in secrets, else this repository."""
    return current_settings().course_dir


def read_limits() -> ReadLimits:
    """The caps on reading course files: ``ELEARN_MAX_COURSE_FILE_BYTES`` / ``[elearn] max_course_file_bytes``
    and the other ``ELEARN_MAX_COURSE_*`` settings (``elearn.limits``)."""
    return current_settings().read_limits


@st.cache_resource(show_spinner="Loading the course…")
def _load(directory: str, limits: ReadLimits) -> Course:
    course = load_course(directory, limits)
    if course.problems:
        # Learners are only told that some content is unavailable; whoever runs the server learns why here.
        log.warning("the course has %d problem(s); %d file(s) or entries were skipped. Run `python -m elearn check` "
                    "for the list.", len(course.problems), len(course.skipped))
    return course


_loaded: dict[tuple[str, ReadLimits], Course] = {}
"""The courses ``_load`` returned, by its arguments: pages ask for the course several times a run,
and ``st.cache_resource`` hashes its arguments on every call (~0.5 ms of CPU here)."""


def current_course() -> Course:
    """The course for this process (parsed once; see the module docstring). The directory is
    resolved on every call, so a course directory that is a symlink switched to a new release is
    loaded anew."""
    settings = current_settings()
    key = (str(settings.course_dir.resolve()), settings.read_limits)
    course = _loaded.get(key)
    if course is None:
        course = _loaded.setdefault(key, _load(*key))
    return course


def content_problems_notice(user: User, course: Course) -> None:
    """Say that some course content is unavailable, when it is: with the full list of problems for
    administrators, with no details for anyone else.

    The problems name course files and quote (short excerpts of) their content, which is for the
    people who maintain the course, not for learners.
    """
    if not course.problems:
        return
    if not user.has(Role.ADMIN):
        st.info("Some course content is unavailable right now. Everything shown above works as usual.", icon="🛠️")
        return
    with st.expander(f"Some course content was skipped ({len(course.problems):d} problems)", icon="🛠️"):
        st.caption("Only administrators see this list. `python -m elearn check` on the server prints it too.")
        st.code("\n".join(str(p) for p in course.problems), language=None)


def pass_rule() -> PassRule:
    """The course-wide pass rule: ``ELEARN_PASS_THRESHOLD`` / ``[elearn] pass_threshold`` (percent, default 70).

    A malformed value stops the page with a message naming the setting (``SettingsError``),
    rather than quietly passing everyone.
    """
    return current_settings().pass_rule
