"""My skills: mastery of all twelve skills with its uncertainty, what to improve next, and progress."""

from __future__ import annotations

import streamlit as st

from elearn.charts import progress_chart, skills_chart
from elearn.journey import skill_masteries
from elearn.mastery import MIN_OBSERVATIONS, Observation, history, to_improve
from ui.course import current_course
from ui.session import learner, link_lesson, link_scenario, my_progress

user = learner()
course = current_course()
progress = my_progress(user)
masteries = skill_masteries(course, progress)
names = {skill.id: skill.name for skill in course.skills.values()}

st.title("My skills")
st.caption(f"Estimated from your first answer at each decision. Below {MIN_OBSERVATIONS:d} answers a skill shows "
           "as 'not enough evidence yet'. Bands: needs practice below 60%, developing below 80%, proficient above.")
st.plotly_chart(skills_chart(list(masteries.values()), names), config={"displayModeBar": False})

st.subheader("What to improve next")
ranked = to_improve(masteries.values())
if not ranked:
    st.success("Every skill is proficient. Replay a capstone scenario now and then to keep it that way.")
for mastery in ranked[:5]:
    skill = course.skills[mastery.skill]
    with st.container(border=True):
        shown = f"{mastery.mastery:.0%} ± {mastery.uncertainty:.0%}" if mastery.enough_evidence else \
            f"not enough evidence yet ({mastery.observations:d} of {MIN_OBSERVATIONS:d} answers)"
        st.markdown(f"**{skill.name}** · {shown}")
        st.caption(skill.description)
        lesson = course.lesson(skill.lesson)
        if lesson is not None:
            link_lesson(lesson.id, f"Lesson: {lesson.title}")
        practice = next((s for s in course.scenarios if skill.id in s.skills and not s.capstone), None)
        if practice is not None:
            link_scenario(practice.id, f"Practise: {practice.title}")

points = history(course.skills, [Observation(e.skill, e.rating, e.occurred_at) for e in progress.evidence])
if len(points) >= 2:
    st.plotly_chart(progress_chart(points), config={"displayModeBar": False})
