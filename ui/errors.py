"""Turn any failure into a message with a way forward: a learner never sees a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st
from sqlalchemy.exc import DBAPIError

from elearn.errors import ElearnError
from elearn.store import AccessDenied, StoreUnavailable
from ui.nav import link
from ui.text import md_escape

log = logging.getLogger("elearn.app")


def run_guarded(page: Callable[[], None]) -> None:
    """Run ``page``; show store outages, refusals and our own errors as messages, log the rest."""
    try:
        page()
    except (StoreUnavailable, DBAPIError):
        st.error("We can't reach the progress database right now. Everything you have done so far is "
                 "saved. Wait a moment and try again.", icon="🔌")
        st.button("Try again", key="retry-after-outage")
    except AccessDenied:
        st.error("You don't have access to this page or this person's progress.", icon="🔒")
        link("home", "Back to the course", icon="🏠")
    except ElearnError as error:
        st.error(md_escape(str(error)), icon="⚠️")
    except Exception:  # a bug of ours: log it in full, show the learner a calm message
        log.exception("page failed")
        st.error("Something went wrong on our side. Your progress is saved; try again, and if it keeps "
                 "happening tell your administrator.", icon="⚠️")
        st.button("Try again", key="retry-after-error")
