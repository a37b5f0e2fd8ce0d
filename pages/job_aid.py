"""The job aid: the whole course on one printable page (phrases to use and avoid, the insult rule,
the boundary sequence, safety, the escalation rule), with a download made for printing; and the
course's source list, which each lesson's sources link to (``?section=sources`` puts it first)."""

from __future__ import annotations

import streamlit as st

from elearn.course.printable import printable_html
from ui.course import current_course
from ui.nav import link
from ui.session import learner

learner()
course = current_course()


def source_list() -> None:
    st.header("Sources", anchor="sources")
    st.caption("The articles the course's advice is drawn from, restated in our own words.")
    for source in course.sources.values():
        by = f", by {source.author}" if source.author else ""
        lessons = ", ".join(lesson.title for lesson in course.cited_by(source.id)) or "no lesson yet"
        st.markdown(f"- *{source.title}*{by} · cited in: {lessons}")


if st.query_params.get("section") == "sources":
    source_list()
    st.divider()
if course.job_aid is None:
    st.info("This course has no job aid yet.", icon="🧾")
    link("home", "Back to the course", icon="🏠")
    st.stop()

st.markdown(course.job_aid)  # course text, written by the course's authors
st.divider()
st.download_button("Download a printable page (HTML)",
                   lambda: printable_html("Calm under fire: job aid", course.job_aid or ""),
                   file_name="calm-under-fire-job-aid.html", mime="text/html", icon="🖨️", on_click="ignore",
                   help="Opens in any browser; print it on one sheet and keep it by your desk.")
if st.query_params.get("section") != "sources":
    st.divider()
    source_list()
link("home", "Back to the course", icon="🏠")
