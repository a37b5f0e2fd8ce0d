"""Certificates of the learners a manager may see (their teams; an admin: everyone): one PDF at a
time, or all shown as a zip. Each download is checked on the server against the viewer's scope."""

from __future__ import annotations

import streamlit as st

from ui import manage
from ui.certificates import certificates_of, pdf_button, status_words, zip_button
from ui.text import counted

viewer = manage.require_manager()
found = certificates_of(viewer)

st.title("Certificates")
st.caption("Earned when a learner completes what was assigned (or the whole course) and passes every scenario in "
           "it. Each shows a code that anyone can check on the public Verify page.")
if not found:
    st.info("None of your learners has earned a certificate yet.", icon="🎓")
    st.stop()
teams = sorted({c.team for c in found})
team = st.selectbox("Team", ["All teams", *teams], key="certificates-team")
shown = [c for c in found if team == "All teams" or c.team == team]
st.dataframe({
    "Learner": [c.holder for c in shown], "Team": [c.team for c in shown], "For": [c.title for c in shown],
    "Earned": [c.earned_at.date() for c in shown], "Band": [c.score_band for c in shown],
    "Status": [status_words(c) for c in shown], "Code": [c.code for c in shown],
}, hide_index=True)
zip_button(viewer, [c.id for c in shown], f"Download {counted(len(shown), 'certificate')} as a zip")
labels = {c.id: f"{c.holder} · {c.title} · {c.earned_at:%d %b %Y}" for c in shown}
chosen = st.selectbox("One certificate", list(labels), format_func=lambda key: labels[key], key="certificates-one")
pick = next(c for c in shown if c.id == chosen)
pdf_button(viewer, pick, f"Download {pick.holder}'s certificate")
