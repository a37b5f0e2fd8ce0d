"""My skills: mastery of every skill with its uncertainty, what to improve next, and progress."""

from __future__ import annotations

import streamlit as st

from elearn.learner.chart_text import progress_text, skills_text
from elearn.learner.charts import progress_chart, skills_chart, skills_in_words
from elearn.learner.confidence import calibration, calibration_table, calibration_words
from elearn.learner.journey import skill_masteries
from elearn.learner.mastery import MIN_OBSERVATIONS, Observation, history
from elearn.learner.own_words import words_evidence
from elearn.learner.recommend import recommendations
from elearn.learner.retention import retention_by_week, retention_chart, retention_in_words, retention_text
from ui import a11y
from ui.certificates import my_certificates
from ui.confidence import my_confidence
from ui.course import current_course
from ui.nav import link
from ui.own_words import my_typed_replies
from ui.review import my_answers
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

st.subheader("What you still remember")
weeks = retention_by_week(my_answers(user))
if not weeks:
    st.caption("Nothing reviewed yet. Decisions you have met come back on the Review page just before you would "
               "forget them; what you still remember shows here, week by week.")
    link("review", "Go to Review", icon="🔁")
else:
    st.caption("The share of review answers you got right or partly right, each week. Reviews are practice: they do "
               "not change the skill estimates above, which come from your first answers in the scenarios.")
    a11y.chart(retention_chart(weeks), retention_text(weeks))
    with st.expander("The chart in words"):
        st.markdown("\n".join(f"- {md_escape(line)}" for line in retention_in_words(weeks)))

read, words = words_evidence(course, my_typed_replies(user))
if read:
    st.subheader("From your own words (Say it your way)")
    st.caption(f"A separate record: in how many of the {read:,} replies you typed our rubric noticed phrases that "
               "tend to help or to inflame, by skill. A list of phrases can miss what a person would hear, so these "
               "counts do not change the skill estimates above, which come from the answers you chose.")
    st.dataframe([{"Skill": names.get(row.skill, row.skill), "Replies with helpful phrases": row.helpful,
                   "Replies with inflaming phrases": row.inflaming} for row in words], hide_index=True)

ratings = my_confidence(user)
if ratings:
    st.subheader("Your confidence beside your answers")
    st.caption("How confident you said you were (1-2 counts as 'needs practice', 3 as 'developing', 4-5 as "
               "'proficient'), beside what your first answers show.")
    rows = calibration(skill_masteries(course, progress), ratings)
    st.dataframe(calibration_table(rows, names), hide_index=True)
    with st.expander("The comparison in words"):
        st.markdown("\n".join(f"- {md_escape(calibration_words(row, names.get(row.skill, row.skill)))}"
                              for row in rows))

my_certificates(user)
