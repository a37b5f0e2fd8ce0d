"""A lesson: the text, its sources (linked to the course's source list), "mark as done", the way to
its practice scenario, and the next lesson."""

from __future__ import annotations

import streamlit as st

from elearn.lrs.statements import lesson_statements
from elearn.store import Role, complete_lesson
from ui import a11y
from ui.auth import acting_user
from ui.course import current_course
from ui.errors import guarded_callback
from ui.lrs import xapi_source
from ui.lti_grades import after_progress
from ui.nav import link
from ui.session import learner, link_lesson, link_scenario, my_progress
from ui.store import current_store, now
from ui.text import md_escape

user = learner()
course = current_course()
lesson_id = st.query_params.get("lesson", "")
lesson = course.lesson(lesson_id)
if lesson is None:
    st.error(f"There is no lesson called '{md_escape(lesson_id)}'. It may have been renamed or removed." if lesson_id
             else "No lesson was chosen.", icon="🔎")
    link("home", "Back to the course", icon="🏠")
    st.stop()

st.title(lesson.title)
st.caption(f"{lesson.meta.minutes:d} min read · {lesson.meta.summary}")
st.markdown(lesson.teaching)
cited = [course.sources[source] for source in lesson.meta.sources if source in course.sources]
if cited:
    st.markdown("## Sources")
    for source in cited:
        by = f", by {source.author}" if source.author else ""
        st.markdown(f"- *{source.title}*{by}")
    link("job_aid", "The course's source list", icon="📚", section="sources")

st.divider()
done = lesson.id in my_progress(user).completed_lessons
if done:
    with st.container(key="lesson-done"):
        st.success("You have marked this lesson as done.", icon="✅")
else:
    def mark_done(lesson_id: str, title: str) -> None:
        acting, moment, source = acting_user(Role.LEARNER), now(), xapi_source()
        statements = lesson_statements(source, acting.username, lesson_id, title, moment) if source else []
        complete_lesson(current_store(), acting, lesson_id, moment, statements)
        after_progress(acting)  # the course may be complete now: the LMS's gradebook hears of it
        a11y.focus_next_run(".st-key-lesson-done")  # the button is gone: focus the message that replaced it

    # A callback: the click is one script run, which already shows the lesson as done.
    st.button("Mark as done", type="primary", icon="✅", on_click=guarded_callback(mark_done),
              args=(lesson.id, lesson.title))
for scenario in course.practice_for(lesson):
    link_scenario(scenario.id, f"Practise it: {scenario.title}", icon="▶️")
following = course.next_lesson(lesson)
if following is not None:
    link_lesson(following.id, f"Next lesson: {following.title}", icon="➡️")
link("home", "Back to the course", icon="🏠")
