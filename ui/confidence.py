"""The self-assessment form: how confident the learner is in each skill, before the course and
after the capstones (``elearn.learner.confidence.moment_due`` says when)."""

from __future__ import annotations

import streamlit as st

from elearn.course.catalogue import Course
from elearn.learner.confidence import LEVELS, moment_due
from elearn.store import Progress, User
from elearn.store.confidence import ConfidenceRating, confidence_for, rate_confidence
from ui.store import current_store, now
from ui.text import md_escape

INTRO = {
    "before": ("Before you start: how confident are you?",
               "Rate yourself in each skill before the first lesson. There is no right answer: at the end, My skills "
               "shows where your answers in the scenarios agree with how you felt, and where they do not."),
    "after": ("You have finished the capstones: how confident are you now?",
              "Rate yourself again. My skills then shows how your confidence compares with what your answers show."),
}


def my_confidence(user: User) -> tuple[ConfidenceRating, ...]:
    return confidence_for(current_store(), user, user.id)


def offer(user: User, course: Course, progress: Progress) -> None:
    """Show the self-assessment form when one is due; store it when it is sent complete."""
    moment = moment_due(course, progress, my_confidence(user))
    if moment is None:
        return
    title, intro = INTRO[moment]
    with st.container(border=True), st.form(f"confidence-{moment}"):
        st.markdown(f"**{title}**")
        st.caption(intro)
        chosen: dict[str, int | None] = {}
        for skill in course.skills.values():
            chosen[skill.id] = st.radio(
                skill.name, options=list(LEVELS), format_func=LEVELS.__getitem__, index=None, horizontal=True,
                key=f"confidence-{moment}-{skill.id}", help=skill.description,
            )
        sent = st.form_submit_button("Save my ratings", type="primary")
    if not sent:
        return
    missing = [course.skills[skill].name for skill, level in chosen.items() if level is None]
    if missing:
        first = md_escape(missing[0])
        st.error(f"Rate every skill before saving: {len(missing):d} still have no rating, starting with "
                 f"'{first}'. Your choices so far are kept.", icon="✏️")
        return
    rate_confidence(current_store(), user, moment, {skill: level for skill, level in chosen.items() if level}, now())
    st.rerun()
