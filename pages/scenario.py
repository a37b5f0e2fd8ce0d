"""The scenario player: the conversation as a chat, the anger meter, choices with feedback, rewind,
and the debrief at the end. Every answer is saved before its result is shown (``ui/player.py``).

Choices are shown in the order the attempt's seed gives (``ScenarioRun.choices_shown``): the same
after a reload or a rewind, new for each attempt. The debrief is the one the learner's path
earns (``elearn.course.endings.debrief_for``), and "Where it turned" lists each first answer that fell
short beside the better answer."""

from __future__ import annotations

import streamlit as st

from elearn.course.endings import debrief_for
from elearn.course.schema import CHANNEL_LABELS, Scenario
from elearn.learner.chart_text import anger_text
from elearn.learner.charts import anger_curve
from elearn.play.debrief import best_anger_curve, decisions, lessons_to_revisit, where_it_turned
from elearn.play.engine import ScenarioRun
from elearn.store import Attempt, Role, User
from ui import a11y, own_words, player
from ui.anger import anger_meter
from ui.auth import acting_user
from ui.course import current_course, pass_rule
from ui.errors import guarded_callback
from ui.nav import link
from ui.session import learner, link_lesson
from ui.text import md_escape

RATING_WORDS = {"good": "✅ good", "partial": "🟡 partly", "poor": "❌ poor"}
# Keys of what focus moves to (no docstrings here: a bare string in a page script is drawn on it).
FEEDBACK = "feedback-{:d}"  # the feedback on the answer at this place in the run
DEBRIEF = "debrief"
DECISION = "decision"  # the customer's line and the question (after Start, Rewind, Try again)

user = learner()
course = current_course()
scenario_id = st.query_params.get("scenario", "")
scenario = course.scenario(scenario_id)
if scenario is None:
    # One message whether the id is unknown or its file was skipped for problems: a learner must not
    # be able to probe which course files are broken (admins see the problems on the course home).
    shown = md_escape(scenario_id[:80])
    st.error(f"There is no scenario called '{shown}' that can be played right now. It may have been renamed, "
             "removed or taken down while the authors fix it." if scenario_id else "No scenario was chosen.",
             icon="🔎")
    link("home", "Back to the course", icon="🏠")
    st.stop()

loaded = player.load(user, scenario)
if loaded.notice:
    st.warning(md_escape(loaded.notice), icon="🔄")
attempt, run = loaded.attempt, loaded.run

st.title(scenario.title)
st.caption(f"{CHANNEL_LABELS[scenario.channel]} · about {scenario.minutes:d} min · {scenario.summary}")
typing_first = own_words.mode_toggles(user, scenario) if course.rubric is not None else False

# The buttons act in callbacks (one script run per click). Each callback looks the session and the
# attempt up again and acts only if the click still fits them: a second tab, a double click or a
# late click on an old decision does nothing.


def acting(scenario_id: str) -> tuple[User, Scenario, player.Loaded] | None:
    user = acting_user(Role.LEARNER)
    scenario = current_course().scenario(scenario_id)
    return (user, scenario, player.load(user, scenario)) if scenario is not None else None


def begin(scenario_id: str) -> None:
    """Start (or after an ending, start again): unless an attempt is already under way."""
    found = acting(scenario_id)
    if found is None:
        return
    user, scenario, loaded = found
    if loaded.run is not None and not loaded.run.ended:
        return
    player.begin(user, scenario, previous=loaded.run)
    a11y.focus_next_run(f".st-key-{DECISION}")


def answer(scenario_id: str, attempt_id: int, position: int, choice_id: str) -> None:
    found = acting(scenario_id)
    if found is None:
        return
    user, _, loaded = found
    current = loaded.run
    if loaded.attempt is None or loaded.attempt.id != attempt_id or current is None or current.ended \
            or len(current.log) != position or choice_id not in {c.id for c in current.choices_shown()}:
        return
    # In "Say it your way", the words typed before this answer are stored with it.
    after = player.answer(user, loaded.attempt, current, choice_id,
                          typed_reply=own_words.typed_at(loaded.attempt, position))
    own_words.forget(loaded.attempt, position)
    # Keyboard and screen-reader users land on what their answer did: the debrief at an ending,
    # else the feedback (which follows the conversation they just added to).
    landing = DEBRIEF if after.ended else FEEDBACK.format(len(after.path) - 1)
    a11y.focus_next_run(f".st-key-{landing}")


def step_back(scenario_id: str, attempt_id: int, position: int) -> None:
    found = acting(scenario_id)
    if found is None:
        return
    user, _, loaded = found
    current = loaded.run
    if loaded.attempt is None or loaded.attempt.id != attempt_id or current is None or current.ended \
            or len(current.log) != position or not current.can_rewind:
        return
    player.step_back(user, loaded.attempt, current)
    a11y.focus_next_run(f".st-key-{DECISION}")


if attempt is None or run is None:
    st.markdown(f"**{scenario.persona.name}**: {scenario.persona.description}")
    st.button("Start the conversation", type="primary", icon="▶️", on_click=guarded_callback(begin),
              args=(scenario.id,))
    st.stop()


def conversation(current: ScenarioRun) -> None:
    scenario = current.scenario
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
    scenario = current.scenario
    step = current.path[index]
    node = scenario.node(step.node_id)
    choice = node.choice(step.choice_id) if node else None
    if choice is None:
        return
    ratings = {rating for _, rating in step.evidence}
    box = st.success if ratings == {"good"} else st.error if ratings == {"poor"} else st.warning
    skills = " · ".join(f"{course.skills[s].name if s in course.skills else s}: {RATING_WORDS[r]}"
                        for s, r in step.evidence)
    note = f"\n\n**The customer's anger:** {choice.anger_note}" if choice.anger_note else ""
    # Keyed by the answer's place in the run: after an answer, focus moves here (``FEEDBACK``).
    with st.container(key=FEEDBACK.format(index)):
        box(f"**Why:** {choice.feedback}{note}\n\n{skills}")
        for lesson in lessons_to_revisit(course, step):
            link_lesson(lesson.id, f"Revisit: {lesson.title}", icon="📖")
    reply = own_words.reply_at(user, attempt, scenario.id, step.node_id, step.choice_id)
    if reply is not None:
        own_words.noticed_panel(course, scenario, reply)


def choices(current: ScenarioRun, attempt: Attempt) -> None:
    scenario = current.scenario
    node = current.node
    assert node is not None
    with st.container(key=DECISION):
        with st.chat_message("customer", avatar="😠"):
            if node.narration:
                st.caption(node.narration)
            st.markdown(f"**{scenario.persona.name}:** {node.customer}")
        if not typing_first:
            st.markdown("**What do you say or do?**")
    typed = own_words.typed_first(attempt, current) if typing_first else None
    if typing_first and typed is None:
        return
    if typed is not None:
        with st.container(key=own_words.CHOOSE):  # focus lands here once the learner has typed
            st.markdown("**Which answer is closest to what you meant?**")
    position = len(current.log)
    for choice in current.choices_shown():
        # The key carries the position in the run, so a late second click on an old decision does nothing.
        st.button(choice.say, key=f"choice-{attempt.id}-{position}-{choice.id}", width="stretch",
                  on_click=guarded_callback(answer), args=(scenario.id, attempt.id, position, choice.id))


def debrief(current: ScenarioRun) -> None:
    scenario = current.scenario
    ending = current.ending
    assert ending is not None
    rule = pass_rule()
    passed = rule.passed(ending.outcome, current.score)
    box = st.success if passed else st.warning if rule.costly(ending.outcome, current.score) else st.error
    with st.container(key=DEBRIEF):
        box(f"**{ending.title}** · {rule.label(ending.outcome, current.score)}\n\n{debrief_for(ending, current.path)}")
        st.metric("Your score (first answers)", f"{current.score:.0f}%",
                  help=f"Passing takes a good ending and at least {rule.threshold:.0f}% on your first answers.")
    best = best_anger_curve(course, scenario)
    a11y.chart(anger_curve(current.anger_curve, best), anger_text(current.anger_curve, best))
    turned = where_it_turned(course, current)
    st.subheader("Where it turned")
    if not turned:
        st.markdown("Every first answer you gave was the best one on offer.")
    for point in turned:
        with st.container(border=True):
            rated = " · ".join(f"{name}: {RATING_WORDS[rating]}" for name, rating in point.evidence)
            st.markdown(f"**Decision {point.number:d}.** {scenario.persona.name}: “{point.customer}”")
            st.markdown(f"**You said:** {point.said}  \n{rated}\n\n**Why it fell short:** {point.why}")
            st.markdown(f"**Better:** {point.better}\n\n**Why:** {point.better_why}")
            for lesson in point.lessons:
                link_lesson(lesson.id, f"Revisit: {lesson.title}", icon="📖")
    st.markdown("**What each decision showed**")
    # One block per decision rather than a table: the answer's words wrap, and nothing is cut off
    # at a phone's width (a table's Skills, Anger and Counts columns would be).
    with st.container(key="decision-table"):
        for row in decisions(course, current):
            rated = " · ".join(f"{name}: {RATING_WORDS[rating]}" for name, rating in row.evidence)
            counts = "counts" if row.first_attempt else "a retry, does not count"
            st.markdown(f"**{row.number:d}.** {row.answer}  \n{rated or 'no skill rated'} · "
                        f"anger {row.anger_change:+d} · {counts}")

anger_meter(run)
conversation(run)
if run.ended:
    debrief(run)
    st.button("Try again", type="primary", icon="🔁", on_click=guarded_callback(begin), args=(scenario.id,))
else:
    choices(run, attempt)
    if run.can_rewind:
        st.button("Rewind one step", icon="⏪", help="Go back and try another answer. Your first answer still counts.",
                  on_click=guarded_callback(step_back), args=(scenario.id, attempt.id, len(run.log)))
link("home", "Back to the course", icon="🏠")
