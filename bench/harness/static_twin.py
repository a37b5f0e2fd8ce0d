"""The static twin: the learner journey's pages drawn from fixed data, with none of our logic.

The second baseline of the load benchmarks (the first is bench/harness/blank_app.py). Served
like the app (same working directory, config and flags, through ``ui.launch``) and driven by the
same ``LearnerJourney``, it draws the same elements the app's pages do: the sign-in forms, the
course home's modules and links, a lesson's Markdown, the scenario's anger meter, chat messages,
choice buttons, feedback and debrief with its chart, and My skills' charts. Its data comes
worked out from bench/harness/twin_data.py (the file named by ``ELEARN_TWIN_DATA``), read once.
No session, store, course or scheduling code runs; a click is one script run (callbacks). So the
app's figures over the twin's are the cost of our code, and the twin's over the blank page's are
Streamlit's cost of drawing those elements.
"""

from __future__ import annotations

import json
import os
from typing import Any

import plotly.io as pio
import streamlit as st

st.set_page_config(page_title="Calm under fire", page_icon="🗣️")


@st.cache_resource
def data() -> dict[str, Any]:
    with open(os.environ["ELEARN_TWIN_DATA"], encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    for scenario in loaded["scenarios"].values():
        scenario["anger_chart"] = pio.from_json(scenario["anger_chart"])
    loaded["skills"]["skills_chart"] = pio.from_json(loaded["skills"]["skills_chart"])
    loaded["skills"]["progress_chart"] = pio.from_json(loaded["skills"]["progress_chart"])
    return loaded


DATA = data()
state = st.session_state


def frame() -> None:
    st.html(DATA["css"])
    with st.container(key="elearn-a11y-frame"):
        st.html(DATA["frame_script"], unsafe_allow_javascript=True)
        st.html("<span hidden></span>", unsafe_allow_javascript=True)


def sign_in_page() -> None:
    st.title("Calm under fire")
    st.caption("A course in calming angry and abusive customers.")
    signin, register = st.tabs(["Sign in", "Create account"])
    with signin, st.form("sign-in"):
        st.text_input("Username", autocomplete="username", key="signin-username")
        st.text_input("Password", type="password", autocomplete="current-password", key="signin-password")
        st.form_submit_button("Sign in", type="primary", on_click=_sign_in)
    with register, st.form("register"):
        st.text_input("Username", help="Lower-case letters, digits and . _ @ + -", key="reg-username")
        st.text_input("Your name", max_chars=80, key="reg-name")
        st.text_input("Work email (optional)", key="reg-email")
        st.text_input("Password", type="password", help="At least 10 characters.", key="reg-password")
        st.text_input("Password again", type="password", key="reg-repeat")
        st.form_submit_button("Create account", type="primary", on_click=_sign_in)


def _sign_in() -> None:
    state["signed_in"] = True


def home() -> None:
    st.title("Calm under fire")
    st.markdown("Welcome, **Load Learner**. Read a short lesson, then practise it with an angry customer. "
                "Every choice you make shows you what it does.")
    st.progress(0.0, text="Course progress: 0%")
    modules = DATA["modules"]
    first = modules[0]
    left, right = st.columns(2)
    with left, st.container(border=True):
        st.markdown("**Continue where you left off**")
        st.caption("Start with the first lesson.")
        st.page_link(LESSON, label=f"Read: {first['title']}", icon="▶️", query_params={"lesson": first["lesson"]["id"]})
    with right, st.container(border=True):
        st.markdown("**Recommended next**")
        st.caption("Not enough evidence yet on any skill.")
        st.page_link(LESSON, label=f"Lesson: {first['title']}", icon="📖",
                     query_params={"lesson": first["lesson"]["id"]})
    st.page_link(JOB_AID, label="The course on one page: the job aid, to print and keep by your desk", icon="🧾")
    st.subheader("Modules")
    for number, module in enumerate(modules, start=1):
        with st.container(border=True):
            st.markdown(f"**{number}. {module['title']}** :gray-badge[not started]")
            if module["lesson"]:
                st.page_link(LESSON, label=module["lesson"]["label"], icon="📖",
                             query_params={"lesson": module["lesson"]["id"]})
            for item in module["scenarios"]:
                st.page_link(SCENARIO, label=item["label"], icon="💬", query_params={"scenario": item["id"]})


def lesson() -> None:
    shown = DATA["lessons"].get(st.query_params.get("lesson", ""))
    if shown is None:
        st.error("No lesson was chosen.", icon="🔎")
        return
    st.title(shown["title"])
    st.caption(shown["caption"])
    st.markdown(shown["teaching"])
    if shown["sources"]:
        st.markdown("## Sources")
        for source in shown["sources"]:
            st.markdown(source)
        st.page_link(JOB_AID, label="The course's source list", icon="📚")
    st.divider()
    key = f"done-{st.query_params.get('lesson', '')}"
    if state.get(key):
        with st.container(key="lesson-done"):
            st.success("You have marked this lesson as done.", icon="✅")
    else:
        st.button("Mark as done", type="primary", icon="✅", on_click=state.__setitem__, args=(key, True))
    for item in shown["practise"]:
        st.page_link(SCENARIO, label=item["label"], icon="▶️", query_params={"scenario": item["id"]})
    if shown["next"]:
        st.page_link(LESSON, label=shown["next"]["label"], icon="➡️", query_params={"lesson": shown["next"]["id"]})
    st.page_link(HOME, label="Back to the course", icon="🏠")


def scenario() -> None:
    scenario_id = st.query_params.get("scenario", "")
    shown = DATA["scenarios"].get(scenario_id)
    if shown is None:
        st.error("No scenario was chosen.", icon="🔎")
        return
    key = f"at-{scenario_id}"
    st.title(shown["title"])
    st.caption(shown["caption"])
    at = state.get(key)
    if at is None:
        st.markdown(shown["persona"])
        st.button("Start the conversation", type="primary", icon="▶️", on_click=state.__setitem__, args=(key, 0))
        return
    steps = shown["steps"]
    st.html(shown["meters"][at])
    for index, step in enumerate(steps[:at]):
        with st.chat_message("customer", avatar="😠"):
            if step["narration"]:
                st.caption(step["narration"])
            st.markdown(step["customer"])
        with st.chat_message("you", avatar="🧑‍💼"):
            st.markdown(step["said"])
            if step["reaction"]:
                st.caption(step["reaction"])
        if index == at - 1:
            with st.container(key=f"feedback-{index}"):
                st.success(step["feedback"])
    if at >= len(steps):
        debrief(shown)
        st.button("Try again", type="primary", icon="🔁", on_click=state.__setitem__, args=(key, 0))
    else:
        step = steps[at]
        with st.container(key="decision"):
            with st.chat_message("customer", avatar="😠"):
                if step["narration"]:
                    st.caption(step["narration"])
                st.markdown(step["customer"])
            st.markdown("**What do you say or do?**")
        for choice in step["choices"]:
            st.button(choice["say"], key=f"choice-1-{at}-{choice['id']}", width="stretch",
                      on_click=state.__setitem__, args=(key, at + 1))
        if at:
            st.button("Rewind one step", icon="⏪",
                      help="Go back and try another answer. Your first answer still counts.",
                      on_click=state.__setitem__, args=(key, at - 1))
    st.page_link(HOME, label="Back to the course", icon="🏠")


def debrief(shown: dict[str, Any]) -> None:
    with st.container(key="debrief"):
        st.success(shown["ending"])
        st.metric("Your score (first answers)", shown["score"])
    st.plotly_chart(shown["anger_chart"], config={"displayModeBar": False})
    st.subheader("Where it turned")
    for point in shown["turned"]:
        with st.container(border=True):
            st.markdown(point["title"])
            st.markdown(point["said"])
            st.markdown(point["better"])
    st.markdown("**What each decision showed**")
    with st.container(key="decision-table"):
        for row in shown["rows"]:
            st.markdown(row)


def skills() -> None:
    shown = DATA["skills"]
    st.title("My skills")
    st.caption("Estimated from your first answer at each decision.")
    st.plotly_chart(shown["skills_chart"], config={"displayModeBar": False})
    with st.expander("The chart in words"):
        st.markdown("\n".join(shown["in_words"]))
    st.subheader("What to improve next")
    for item in shown["advice"]:
        with st.container(border=True):
            st.markdown(item["title"])
            st.caption(item["description"])
            st.page_link(LESSON, label=item["lesson"]["label"], icon="📖",
                         query_params={"lesson": item["lesson"]["id"]})
    st.plotly_chart(shown["progress_chart"], config={"displayModeBar": False})
    st.subheader("What you still remember")
    st.caption("Nothing reviewed yet.")


def job_aid() -> None:
    st.title("Job aid")


HOME = st.Page(home, title="Course", icon="📚", url_path="home", default=True)
LESSON = st.Page(lesson, title="Lesson", icon="📖", url_path="lesson", visibility="hidden")
SCENARIO = st.Page(scenario, title="Practice", icon="💬", url_path="scenario", visibility="hidden")
SKILLS = st.Page(skills, title="My skills", icon="📈", url_path="skills")
JOB_AID = st.Page(job_aid, title="Job aid", icon="🧾", url_path="job_aid")

frame()
if not state.get("signed_in"):
    st.navigation([st.Page(sign_in_page, title="Sign in", icon="🔑", url_path="signin")], position="hidden").run()
else:
    with st.sidebar:
        st.markdown("Signed in as **Load Learner**")
        st.button("Sign out", icon="🚪", on_click=state.pop, args=("signed_in", None))
    st.navigation([HOME, SKILLS, JOB_AID, LESSON, SCENARIO]).run()
