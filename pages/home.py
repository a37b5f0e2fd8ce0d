"""Course home: every module in order with its status, overall progress, where to continue and
a recommended next step aimed at the learner's weakest skill."""

from __future__ import annotations

import streamlit as st

from elearn.course.schema import CHANNEL_LABELS
from elearn.learner.journey import best_result, completion, continue_where_left_off, modules
from elearn.learner.recommend import recommendations
from ui import confidence, review
from ui.course import content_problems_notice, current_course, pass_rule
from ui.nav import link
from ui.session import learner, link_lesson, link_scenario, my_progress, status_badge
from ui.store import now
from ui.text import md_escape

user = learner()
course = current_course()
progress = my_progress(user)
rule = pass_rule()
course_modules = modules(course, progress, rule=rule)

st.title("Calm under fire")
st.markdown(f"Welcome, **{md_escape(user.display_name or user.username)}**. Read a short lesson, then practise it "
            "with an angry customer. Every choice you make shows you what it does.")
share = completion(course_modules)
st.progress(share, text=f"Course progress: {share:.0%}")
confidence.offer(user, course, progress)

left, right = st.columns(2)
with left, st.container(border=True):
    st.markdown("**Continue where you left off**")
    step = continue_where_left_off(course, progress)
    if step is None:
        st.success("You have finished the whole course. Replay any scenario to keep your skills sharp.")
    else:
        st.caption(step.reason)
        if step.scenario is not None:
            link_scenario(step.scenario.id, f"Practise: {step.scenario.title}", icon="▶️")
        elif step.lesson is not None:
            link_lesson(step.lesson.id, f"Read: {step.lesson.title}", icon="▶️")
with right, st.container(border=True):
    st.markdown("**Recommended next**")
    # The first of My skills' "What to improve next": the same function, so the two always agree.
    advice = next(iter(recommendations(course, progress)), None)
    if advice is None:
        st.caption("Every skill is proficient. Replay a capstone scenario now and then to keep it that way.")
    else:
        st.caption(md_escape(advice.reason))
        if advice.lesson is not None:
            link_lesson(advice.lesson.id, f"Lesson: {advice.lesson.title}")
        if advice.scenario is not None:
            link_scenario(advice.scenario.id, f"Practise: {advice.scenario.title}")

cards, due = review.due_now(user, course, progress, now())
if cards:
    with st.container(border=True):
        if len(due) == 1:
            line = f"**Review** · 1 of the {len(cards):d} decisions you have met is due"
        else:
            line = f"**Review** · {len(due):d} of the {len(cards):d} decisions you have met are due"
        st.markdown(line)
        if due:
            link("review", "Review a few now (about two minutes)", icon="🔁")
        else:
            st.caption("Nothing is due now: decisions come back just before you would forget them.")

link("job_aid", "The course on one page: the job aid, to print and keep by your desk", icon="🧾")

st.subheader("Modules")
for number, module in enumerate(course_modules, start=1):
    with st.container(border=True):
        st.markdown(f"**{number}. {module.title}** {status_badge(module.status)}")
        if module.lesson is not None:
            done = " ✓" if module.lesson_done else ""
            link_lesson(module.lesson.id, f"Lesson · {module.lesson.meta.minutes} min{done}")
        for item in module.scenarios:
            result = best_result(item, rule)
            best = f" · {result}" if result else ""
            channel = CHANNEL_LABELS[item.scenario.channel]
            link_scenario(item.scenario.id, f"{item.scenario.title} · {channel} · {item.status}{best}")

content_problems_notice(user, course)
