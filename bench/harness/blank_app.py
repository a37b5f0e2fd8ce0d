"""The blank baseline page: the least a Streamlit rerun can cost on this machine.

Served by its own ``streamlit run`` with exactly the app's server settings (same working
directory, so the same ``.streamlit/config.toml``, and the same flags), and driven by the same
simulated users with the same think time. Every figure of a journey is compared with this
page's, measured in the same run. A click on "Next" reruns the script, like any click in the app.
With ``?fragment=1`` the page also has a fragment that reruns every second: the baseline of the
workshop's presenter screen, whose live part is such a fragment.
"""

import streamlit as st

st.set_page_config(page_title="Baseline", layout="centered")
st.title("Blank page")
st.button("Next", key="next")

if st.query_params.get("fragment"):

    @st.fragment(run_every=1.0)
    def live() -> None:
        st.button("Next", key="next-live")

    live()
