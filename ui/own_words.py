"""'Say it your way' in the player: the toggle, the reply typed before the answers, and what we noticed.

The learner's choice of the mode is stored (``elearn.store.own_words_setting``). What they type
waits in ``st.session_state`` until they pick the closest answer, and is stored with that
answer (``ui.player.answer``). Everything the learner typed is shown escaped (``ui.text.md_escape``),
so a bare address or Markdown in a reply stays plain text.
"""

from __future__ import annotations

import streamlit as st

from elearn.course.catalogue import Course
from elearn.course.schema import Scenario
from elearn.play.engine import ScenarioRun
from elearn.play.own_words import notice
from elearn.store import (
    MAX_REPLY_CHARS,
    Attempt,
    TypedReply,
    User,
    own_words_setting,
    set_own_words,
    typed_replies_for,
)
from ui import a11y
from ui.session import link_lesson
from ui.store import current_store, now
from ui.text import md_escape

CHOOSE = "own-words-choose"
"""Key of the "Which answer is closest" heading, where focus moves once the learner has typed."""
SAID = "own-words-said-{:d}-{:d}"
"""Session key of the reply typed at an attempt's decision (attempt id, position in the run's log)."""


def mode_toggles(user: User, scenario: Scenario) -> bool:
    """The learner's switches for the mode (this scenario; every scenario); True if it is on here."""
    here, everywhere = own_words_setting(current_store(), user, scenario.id)
    with st.expander("Say it your way" + (" · on" if here else ""), icon="✍️"):
        st.caption("Type what you would say before you see the answers, then pick the answer closest to it. "
                   "Afterwards we point out phrases in your words that tend to inflame or help. Your typed "
                   "replies are kept with your answers; you, your manager and administrators can read them.")
        wanted_here = st.toggle("Type my own reply first in this scenario", value=here, key="own-words-here")
        wanted_everywhere = st.toggle("… and in every scenario", value=everywhere, key="own-words-everywhere")
    if wanted_everywhere != everywhere:
        set_own_words(current_store(), user, wanted_everywhere, now())
        st.rerun()
    if wanted_here != here:
        set_own_words(current_store(), user, wanted_here, now(), scenario.id)
        st.rerun()
    return here


def typed_first(attempt: Attempt, run: ScenarioRun) -> str | None:
    """The reply typed at this decision, or None while the learner has yet to type it (the form is shown)."""
    key = SAID.format(attempt.id, len(run.log))
    said = st.session_state.get(key)
    if isinstance(said, str):
        st.markdown(f"**You said:** {md_escape(said)}")
        return said
    spoken = run.scenario.channel not in ("chat", "email", "internal")
    label = "What would you say? Type it as you would say it." if spoken else "Type your reply."
    with st.form(key=f"own-words-{attempt.id}-{len(run.log)}", enter_to_submit=False):
        text = st.text_area(label, max_chars=MAX_REPLY_CHARS, height=120,
                            help="The answers appear once you have typed yours. A few words are enough.")
        sent = st.form_submit_button("Show the answers", type="primary")
    if sent:
        if not text.strip():
            st.warning("Type what you would say first: a few words are enough.", icon="✍️")
            return None
        st.session_state[key] = text.strip()[:MAX_REPLY_CHARS]  # a crafted message may pass the text area's limit
        a11y.focus_next_run(f".st-key-{CHOOSE}")
        st.rerun()
    return None


def typed_at(attempt: Attempt, position: int) -> str | None:
    """The reply typed at this decision of ``attempt`` (its position in the run's log), if one waits."""
    said = st.session_state.get(SAID.format(attempt.id, position))
    return said if isinstance(said, str) else None


def forget(attempt: Attempt, position: int) -> None:
    st.session_state.pop(SAID.format(attempt.id, position), None)


def reply_at(user: User, attempt: Attempt | None, scenario_id: str, node_id: str, choice_id: str) -> TypedReply | None:
    """The reply the learner typed before this answer of ``attempt`` (the latest, after a rewind), if any."""
    if attempt is None:
        return None
    found = [r for r in typed_replies_for(current_store(), user, user.id, scenario_id)
             if r.attempt_id == attempt.id and r.node_id == node_id and r.choice_id == choice_id]
    return found[-1] if found else None


def noticed_panel(course: Course, scenario: Scenario, reply: TypedReply) -> None:
    """What we noticed in the learner's own words: phrases with the words that matched, length, questions."""
    if course.rubric is None:
        return
    said = notice(course.rubric, scenario, reply.text)
    with st.container(border=True, key="own-words-noticed"):
        st.markdown("**What we noticed in your words**")
        st.markdown(f"> {md_escape(said.text)}")
        for hit in said.hits:
            mark = "⚠️ Can inflame" if hit.phrase.inflaming else "✅ Tends to help"
            st.markdown(f"{mark}: “{md_escape(hit.quoted)}”. {md_escape(hit.phrase.noticed)}")
        if not said.hits:
            st.markdown("We noticed none of the phrases our rubric looks for. That says nothing either way about "
                        "the rest of your reply.")
        st.markdown(f"{md_escape(said.length_note())}  \n{md_escape(said.question_note())}")
        lessons = {hit.phrase.lesson for hit in said.hits}
        for lesson in course.lessons:
            if lesson.id in lessons:
                link_lesson(lesson.id, f"Read: {lesson.title}")
        st.caption("This is what a short list of phrases from the lessons picks up, not a mark: it can miss what a "
                   "person would hear, and it never changes your skill estimates.")



def my_typed_replies(user: User) -> tuple[TypedReply, ...]:
    """Every reply the signed-in learner typed (My skills' separate stream)."""
    return typed_replies_for(current_store(), user, user.id)
