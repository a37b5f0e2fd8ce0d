"""The server entry point: ``streamlit run serve.py``.

Streamlit runs ``app.py`` as the page script; this file adds the app's own HTTP routes (the
session cookie) through ``st.App``.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from ui.routes import ROUTES

# A `pages/` folder beside the main script makes Streamlit fall back to its old multipage mode
# (every file in it a page of its own, run without app.py) until the first st.navigation call in
# the process switches it off. Switch it off from the start, so no request ever reaches a page
# script without app.py's frame. Pages re-check the session themselves as well.
PagesManager.uses_pages_directory = False

app = st.App("app.py", routes=ROUTES)
