"""My skills: mastery of every skill with its uncertainty, what to improve next, and progress."""

from __future__ import annotations

import streamlit as st

from elearn.learner.chart_text import progress_text, skills_text
from elearn.learner.charts import progress_chart, skills_chart, skills_in_words
from elearn.learner.journey import skill_masteries
from elearn.learner.mastery import MIN_OBSERVATIONS, Observation, history
from elearn.learner.recommend import recommendations
from ui import a11y
from ui.course import current_course
from ui.session import learner, link_lesson, link_scenario, my_progress
from ui.text import md_escape

SHOWN = 5  # how many recommendations "What to improve next" lists (home shows the first)

user = learner()
course = current_course()
progress = my_progress(user)
masteries = list(skill_masteries(course, progress).values())
advice = recommendations(course, progress)
names = {skill.id: skill.name for skill in course.skills.values()}
# The scenario that would give each skill without enough evidence some: the recommendations' pick.
evidence_from = {item.skill.id: item.scenario.title for item in advice
                 if not item.enough_evidence and item.scenario is not None}

st.title("My skills")
st.caption(f"Estimated from your first answer at each decision. Below {MIN_OBSERVATIONS:d} answers a skill shows "
           "as 'not enough evidence yet'. Bands: needs practice below 60%, developing below 80%, proficient above.")
a11y.chart(skills_chart(masteries, names, evidence_from), skills_text(masteries, names))
with st.expander("The chart in words"):
    st.markdown("\n".join(f"- {md_escape(line)}" for line in skills_in_words(masteries, names, evidence_from)))

st.subheader("What to improve next")
if not advice:
    st.success("Every skill is proficient. Replay a capstone scenario now and then to keep it that way.")
for item in advice[:SHOWN]:
    with st.container(border=True):
        shown = f"{item.mastery.shown} ± {item.mastery.uncertainty:.0%}" if item.enough_evidence else \
            f"not enough evidence yet ({item.mastery.observations:d} of {MIN_OBSERVATIONS:d} answers)"
        st.markdown(f"**{md_escape(item.skill.name)}** · {shown}")
        st.caption(md_escape(item.skill.description))
        st.caption(md_escape(item.reason))
        if item.lesson is not None:
            link_lesson(item.lesson.id, f"Lesson: {item.lesson.title}")
        if item.scenario is not None:
            link_scenario(item.scenario.id, f"Practise: {item.scenario.title}")

points = history(course.skills, [Observation(e.skill, e.rating, e.occurred_at) for e in progress.evidence])
if len(points) >= 2:
    a11y.chart(progress_chart(points), progress_text(points))
