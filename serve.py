"""The server entry point: ``streamlit run serve.py``.

Streamlit runs ``app.py`` as the page script; this file adds the app's own HTTP routes (the
session cookie) through ``st.App``.
"""

# Imported here, once, in the main thread before any session runs. plotly and narwhals look
# pandas, numpy and pyarrow up in sys.modules without importing them; while one session's thread
# is still importing pandas, another's chart then finds a half-initialised module and fails
# ("partially initialized module 'pandas' has no attribute 'Series'", seen under load with 120
# learners, docs/performance.md).
import numpy  # noqa: F401
import pandas  # noqa: F401
import plotly.graph_objects  # noqa: F401
import pyarrow  # noqa: F401
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from ui.routes import ROUTES

# A `pages/` folder beside the main script makes Streamlit fall back to its old multipage mode
# (every file in it a page of its own, run without app.py) until the first st.navigation call in
# the process switches it off. Switch it off from the start, so no request ever reaches a page
# script without app.py's frame. Pages re-check the session themselves as well.
PagesManager.uses_pages_directory = False

app = st.App("app.py", routes=ROUTES)
