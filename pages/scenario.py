"""The scenario player: the conversation as a chat, the anger meter, choices with feedback, rewind,
and the debrief at the end. Every answer is saved before its result is shown (``ui/player.py``)."""

from __future__ import annotations

import streamlit as st

from elearn.charts import anger_curve
from elearn.debrief import best_anger_curve, best_answers, decisions, lessons_to_revisit
from elearn.engine import ScenarioRun
from elearn.schema import CHANNEL_LABELS, OUTCOME_LABELS, SUCCESSFUL_OUTCOMES
from ui import player
from ui.anger import anger_meter
from ui.course import current_course
from ui.nav import link
from ui.session import learner, link_lesson
from ui.text import md_escape

RATING_WORDS = {"good": "✅ good", "partial": "🟡 partly", "poor": "❌ poor"}

user = learner()
course = current_course()
scenario_id = st.query_params.get("scenario", "")
scenario = course.scenario(scenario_id)
if scenario is None:
    skipped = any(p.file.startswith("quizzes/") and scenario_id in p.file for p in course.problems)
    st.error(f"The scenario '{md_escape(scenario_id)}' can't be played right now: its file has problems the authors "
             "need to fix." if skipped else f"There is no scenario called '{md_escape(scenario_id)}'." if scenario_id
             else "No scenario was chosen.", icon="🔎")
    link("home", "Back to the course", icon="🏠")
    st.stop()

loaded = player.load(user, scenario)
if loaded.notice:
    st.warning(loaded.notice, icon="🔄")
attempt, run = loaded.attempt, loaded.run
if attempt is not None and run is not None and attempt.in_progress and not st.session_state.get(f"healed-{attempt.id}"):
    player.record_all(user, attempt, run)
    st.session_state[f"healed-{attempt.id}"] = True

st.title(scenario.title)
st.caption(f"{CHANNEL_LABELS[scenario.channel]} · about {scenario.minutes} min · {scenario.summary}")

if attempt is None or run is None:
    st.markdown(f"**{scenario.persona.name}**: {scenario.persona.description}")
    if st.button("Start the conversation", type="primary", icon="▶️"):
        player.begin(user, scenario)
        st.rerun()
    st.stop()


def conversation(current: ScenarioRun) -> None:
    for index, step in enumerate(current.path):
        node = scenario.node(step.node_id)
        choice = node.choice(step.choice_id) if node else None
        if node is None or choice is None:
            continue
        with st.chat_message("customer", avatar="😠"):
            if node.narration:
                st.caption(node.narration)
            st.markdown(f"**{scenario.persona.name}:** {node.customer}")
        with st.chat_message("you", avatar="🧑‍💼"):
            st.markdown(choice.say)
            if choice.reaction:
                st.caption(choice.reaction)
        if index == len(current.path) - 1:
            feedback(current, index)


def feedback(current: ScenarioRun, index: int) -> None:
    step = current.path[index]
    node = scenario.node(step.node_id)
    choice = node.choice(step.choice_id) if node else None
    if choice is None:
        return
    ratings = {rating for _, rating in step.evidence}
    box = st.success if ratings == {"good"} else st.error if ratings == {"poor"} else st.warning
    skills = " · ".join(f"{course.skills[s].name if s in course.skills else s}: {RATING_WORDS[r]}"
                        for s, r in step.evidence)
    box(f"**Why:** {choice.feedback}\n\n{skills}")
    for lesson in lessons_to_revisit(course, step):
        link_lesson(lesson.id, f"Revisit: {lesson.title}", icon="📖")


def choices(current: ScenarioRun) -> None:
    node = current.node
    assert node is not None
    with st.chat_message("customer", avatar="😠"):
        if node.narration:
            st.caption(node.narration)
        st.markdown(f"**{scenario.persona.name}:** {node.customer}")
    st.markdown("**What do you say or do?**")
    for choice in node.choices:
        # The key carries the position in the run, so a late second click on an old decision does nothing.
        if st.button(choice.say, key=f"choice-{attempt.id}-{len(current.log)}-{choice.id}", width="stretch"):
            player.answer(user, attempt, current, choice.id)
            st.rerun()


def debrief(current: ScenarioRun) -> None:
    ending = current.ending
    assert ending is not None
    outcome = OUTCOME_LABELS[ending.outcome]
    good = ending.outcome in SUCCESSFUL_OUTCOMES
    (st.success if good else st.error)(f"**{ending.title}** · {outcome}\n\n{ending.debrief}")
    st.metric("Your score (first answers)", f"{current.score:.0f}%")
    st.plotly_chart(anger_curve(current.anger_curve, best_anger_curve(course, scenario)),
                    config={"displayModeBar": False})
    mine, best = st.columns(2)
    with mine:
        st.markdown("**Your path**")
        for row in decisions(course, current):
            st.markdown(f"{row.number}. {row.answer}")
    with best:
        st.markdown("**The best path**")
        for number, text in enumerate(best_answers(course, scenario), start=1):
            st.markdown(f"{number}. {text}")
    st.markdown("**What each decision showed**")
    st.dataframe(
        [{"Decision": row.number, "You said": row.answer,
          "Skills": ", ".join(f"{name}: {rating}" for name, rating in row.evidence),
          "Anger": f"{row.anger_change:+d}", "Counts": "yes" if row.first_attempt else "retry"}
         for row in decisions(course, current)],
        hide_index=True,
    )


anger_meter(run)
conversation(run)
if run.ended:
    debrief(run)
    if st.button("Try again", type="primary", icon="🔁"):
        player.begin(user, scenario)
        st.rerun()
else:
    choices(run)
    if run.can_rewind and st.button("Rewind one step", icon="⏪",
                                    help="Go back and try another answer. Your first answer still counts."):
        player.step_back(user, attempt, run)
        st.rerun()
link("home", "Back to the course", icon="🏠")
