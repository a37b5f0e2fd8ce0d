"""The server entry point: ``python -m ui.launch serve.py [streamlit run options]`` (``make run``).

``ui.launch`` prepares the server's socket before Streamlit binds it (TCP_NODELAY,
``ui/nodelay.py``), then runs ``streamlit run serve.py``; plain ``streamlit run serve.py`` works
too, without that.

Streamlit runs ``app.py`` as the page script; this file adds the app's own HTTP routes (the
session cookie) and, in front of everything, the middleware that believes ``X-Forwarded-*``
headers from trusted proxies only and hides Streamlit's metrics (``ui/proxy.py``).
"""

# Imported here, once, in the main thread before any session runs. plotly and narwhals look
# pandas, numpy and pyarrow up in sys.modules without importing them; while one session's thread
# is still importing pandas, another's chart then finds a half-initialised module and fails
# ("partially initialized module 'pandas' has no attribute 'Series'", seen under load with 120
# learners, docs/performance.md).
import os
import sys

import numpy  # noqa: F401
import pandas  # noqa: F401
import plotly.graph_objects  # noqa: F401
import pyarrow  # noqa: F401
import streamlit as st
from starlette.middleware import Middleware
from streamlit.runtime.pages_manager import PagesManager

from elearn.errors import ElearnError
from elearn.settings import SettingsError
from ui.lrs import start_sender
from ui.lti_grades import start_score_sender
from ui.proxy import ProxyHeaders, TrustedProxies
from ui.routes import ROUTES
from ui.store import current_settings, current_store

# A `pages/` folder beside the main script makes Streamlit fall back to its old multipage mode
# (every file in it a page of its own, run without app.py) until the first st.navigation call in
# the process switches it off. Switch it off from the start, so no request ever reaches a page
# script without app.py's frame. Pages re-check the session themselves as well.
PagesManager.uses_pages_directory = False


# Streamlit's server (uvicorn) applies X-Forwarded-For/Proto itself, from the addresses in
# FORWARDED_ALLOW_IPS (127.0.0.1 and ::1 when unset), before this file is even imported. Started
# with FORWARDED_ALLOW_IPS set to nothing, as the Makefile, the Dockerfile and deploy/README.md
# do, it trusts no one and ELEARN_TRUSTED_PROXIES alone decides.
if os.environ.get("FORWARDED_ALLOW_IPS") != "":
    print("Warning: Streamlit's server trusts X-Forwarded-For/Proto from "
          f"{os.environ.get('FORWARDED_ALLOW_IPS') or '127.0.0.1,::1'} whatever ELEARN_TRUSTED_PROXIES says. "
          "Start it with FORWARDED_ALLOW_IPS= (empty), as deploy/README.md shows.", file=sys.stderr, flush=True)

try:
    SETTINGS = current_settings()
except SettingsError as error:
    # Refuse to start rather than serve with a setting silently ignored; each line names one.
    print(f"The app's settings need fixing before it can start:\n{error}", file=sys.stderr, flush=True)
    raise SystemExit(2) from None
try:
    # Open (and upgrade) the database now, so that a new server prints its one-time set-up token at
    # start, as the README says, rather than at the first visit.
    current_store()
except ElearnError as error:  # e.g. PostgreSQL not reachable yet: pages will say so and retry
    print(f"The database could not be opened at start: {error}", file=sys.stderr, flush=True)
# The xAPI sender: one thread per server process, idle while no LRS is configured (docs/lrs.md).
start_sender()
start_score_sender()  # posts LTI scores to LMS gradebooks, retrying while one is down (ui/lti_grades.py)
PROXIES = TrustedProxies(SETTINGS.trusted_proxies)
app = st.App("app.py", routes=ROUTES, middleware=[Middleware(ProxyHeaders, proxies=PROXIES)])
