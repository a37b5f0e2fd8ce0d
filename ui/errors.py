"""Turn any failure into a message with a way forward: a learner never sees a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec

import streamlit as st
from sqlalchemy.exc import DBAPIError

from elearn.errors import ElearnError
from elearn.store import AccessDenied, StoreUnavailable
from ui.nav import link
from ui.text import md_escape

log = logging.getLogger("elearn.app")
P = ParamSpec("P")
_CALLBACK_PROBLEM = "_callback_problem"
OUTAGE = ("We can't reach the progress database right now. Everything you have done so far is saved. Wait a "
          "moment and try again.")
OUR_SIDE = ("Something went wrong on our side. Your progress is saved; try again, and if it keeps happening tell "
            "your administrator.")


def run_guarded(page: Callable[[], None]) -> None:
    """Run ``page``; show store outages, refusals and our own errors as messages, log the rest."""
    problem = st.session_state.pop(_CALLBACK_PROBLEM, None)
    if problem:
        st.error(md_escape(str(problem)), icon="⚠️")
    try:
        page()
    except (StoreUnavailable, DBAPIError):
        st.error(OUTAGE, icon="🔌")
        st.button("Try again", key="retry-after-outage")
    except AccessDenied:
        st.error("You don't have access to this page or this person's progress.", icon="🔒")
        link("home", "Back to the course", icon="🏠")
    except ElearnError as error:
        st.error(md_escape(str(error)), icon="⚠️")
    except Exception:  # a bug of ours: log it in full, show the learner a calm message
        log.exception("page failed")
        st.error(OUR_SIDE, icon="⚠️")
        st.button("Try again", key="retry-after-error")


def guarded_callback(action: Callable[P, None]) -> Callable[P, None]:
    """``action`` as a widget callback (``on_click``) that fails like a page does, never with a traceback.

    A callback runs before the script, so a click is one script run instead of two (the run that
    meets the button, then the ``st.rerun`` after it). What it raises becomes a message that the
    run after it shows at the top of the page (``run_guarded``); a refusal means the session no
    longer allows the action, and nothing was done.
    """

    @wraps(action)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            action(*args, **kwargs)
        except (StoreUnavailable, DBAPIError):
            st.session_state[_CALLBACK_PROBLEM] = OUTAGE
        except AccessDenied:
            st.session_state[_CALLBACK_PROBLEM] = "You don't have access to that any more. Nothing was changed."
        except ElearnError as error:
            st.session_state[_CALLBACK_PROBLEM] = str(error)
        except Exception:
            log.exception("action failed")
            st.session_state[_CALLBACK_PROBLEM] = OUR_SIDE

    return guarded
