"""The course, loaded once per server process and shared by every session.

Content is parsed and checked once per process, not on every rerun: ``st.cache_resource``
keeps the ``Course`` keyed by its directory, so a rerun costs a dictionary look-up.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from elearn.catalogue import Course, load_course
from elearn.cli import COURSE_DIR_ENV, default_course_dir
from elearn.passing import PassRule, pass_rule_from
from ui.store import secrets, setting


def course_dir() -> Path:
    """The course directory: ``ELEARN_COURSE_DIR``, else ``course_dir`` in secrets, else this repository."""
    if os.environ.get(COURSE_DIR_ENV):
        return Path(os.environ[COURSE_DIR_ENV])
    configured = (secrets() or {}).get("course_dir")
    return Path(configured) if configured else default_course_dir()


@st.cache_resource(show_spinner="Loading the course…")
def _load(directory: str) -> Course:
    return load_course(directory)


def current_course() -> Course:
    """The course for this process (parsed once; see the module docstring)."""
    return _load(str(course_dir().resolve()))


def pass_rule() -> PassRule:
    """The course-wide pass rule: ``ELEARN_PASS_THRESHOLD`` / ``[elearn] pass_threshold`` (percent, default 70).

    A malformed value stops the page with a message naming the setting (``PassThresholdError``),
    rather than quietly passing everyone.
    """
    return pass_rule_from(setting("pass_threshold", ""), setting="pass_threshold (ELEARN_PASS_THRESHOLD)")
