"""Entry point: ``streamlit run app.py``. The shared frame and navigation; nothing else."""

from __future__ import annotations

import streamlit as st

from ui.course import current_course

st.set_page_config(page_title="Calm under fire", page_icon="🗣️", layout="centered")


def course_overview() -> None:
    course = current_course()
    st.title("Calm under fire")
    st.caption("Calming angry and abusive customers, one technique at a time.")
    if course.problems:
        with st.expander(f"Content problems: {len(course.problems)} (what was skipped and why)"):
            st.code("\n".join(str(p) for p in course.problems), language=None)
    st.subheader("Lessons")
    for lesson in course.lessons:
        practice = ", ".join(s.title for s in course.practice_for(lesson))
        st.markdown(f"**{lesson.meta.order}. {lesson.title}** · {lesson.meta.minutes} min — {lesson.meta.summary}")
        if practice:
            st.caption(f"Practice: {practice}")
    if course.capstones:
        st.subheader("Capstone scenarios")
        for scenario in course.capstones:
            st.markdown(f"**{scenario.title}** · {scenario.minutes} min — {scenario.summary}")


st.navigation([st.Page(course_overview, title="Course", icon="📚", default=True)]).run()
