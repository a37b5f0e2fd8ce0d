"""The presenter view of a live room (?room=CODE): the projector screen and the facilitator's controls.

Large text, the customer's line and the anger meter. "Open voting" puts the choices on the phones;
while voting is open the screen shows how many have voted, never the split; "Reveal" closes voting
and shows the bar chart; the facilitator moves on with the majority or picks another answer (a tie
is always the facilitator's call); the consequence and the feedback follow; at an ending, the
room's debrief with the anger curve. Only the live part reruns, every ``REFRESH_SECONDS``, in a
fragment; the QR code and header do not. ``?view=controls`` is a compact layout for the
facilitator's phone, driving the same room as the projector.
"""

from __future__ import annotations

from collections.abc import Sequence
from textwrap import shorten

import streamlit as st

from elearn.course.schema import Choice
from elearn.learner.chart_text import anger_text
from elearn.learner.charts import anger_curve
from elearn.play.engine import ScenarioRun
from elearn.store import Role
from elearn.store.rooms import room_for, room_summary
from elearn.workshop.review import review_room
from elearn.workshop.rules import Verdict, letter, verdict
from elearn.workshop.vote_text import split_text
from ui import a11y, typed_replies
from ui import workshop as ws
from ui.anger import anger_meter
from ui.auth import require
from ui.course import current_course
from ui.nav import link
from ui.store import current_store
from ui.text import counted, md_escape

SAY_SHOWN = 70  # characters of an answer on the debrief's one line per decision (the summary has it all)


user = require(Role.FACILITATOR)
course = current_course()
code = st.query_params.get("room", "")
if not code:
    st.info("Choose the room to present from your workshop rooms.", icon="🎤")
    link("rooms", "Workshop rooms", icon="🎤")
    st.stop()
compact = st.query_params.get("view") == "controls"
room = room_for(current_store(), user, code)  # RoomNotFound (a clear message) unless it is this facilitator's
scenario = ws.room_run(course, room).scenario
live = not room.closed


def stage() -> None:
    # A fragment rerun does not run app.py or the page above: check the session again, so a
    # facilitator signed out elsewhere stops seeing the room within one refresh.
    facilitator = require(Role.FACILITATOR)
    state = ws.live_state(facilitator, room.code)
    if state.room.closed and live:
        st.rerun()  # the story ended (perhaps from the other window): a full run shows the debrief, no timer
    run = ws.room_run(course, state.room)
    ws.show_notice()
    node, decision = run.node, state.room.decision
    if state.room.closed or node is None:
        debrief(run, state.participants)
        return
    st.caption(f"Decision {decision:d} · {state.participants:d} joined")
    anger_meter(run, inline=True)
    ws.customer_line(scenario, node, large=not compact)
    shown = run.choices_shown(node)
    vote = verdict(shown, state.split or {}) if state.room.revealed else None
    # Before voting opens on this decision, the last answer's consequence is still being talked
    # through: it sits beside the answers, and gives way to the count and the chart once the
    # room votes (the projector has no room to scroll).
    before_vote = not state.room.voting_open and vote is None
    if compact:  # on the facilitator's phone the buttons come first, above the answers
        controls, answers = st.container(), st.container()
    else:
        answers, controls = st.columns([3, 2], gap="large")
    with answers:
        ws.choice_list(run, node, vote)
    with controls:
        if before_vote and run.path:
            ws.consequence(run, state.last_decision)
        typed_replies.projector_list(facilitator, course, scenario, room.code, decision)
        if state.room.voting_open:
            st.metric("Votes in", f"{state.votes_cast} of {state.participants}")
            st.button("Reveal the votes", key=f"reveal-{decision}", type="primary", icon="📊",
                      on_click=ws.reveal_clicked, args=(facilitator, room.code, decision))
        elif vote is not None:
            move_on(shown, vote, decision)  # above the chart, so the chart drawing cannot shift the buttons
            a11y.chart(ws.split_chart(vote, height=200 if compact else 176),
                       split_text(vote, {c.id: c.say for c in shown}), key=f"split-{decision}", static=True,
                       projected=True)
        else:
            st.button("Open voting", key=f"open-{decision}", type="primary", icon="🗳️",
                      on_click=ws.open_voting_clicked, args=(facilitator, room.code, decision))


def move_on(shown: Sequence[Choice], vote: Verdict, decision: int) -> None:
    """Go with the room's majority, or pick an answer (an override, or the call in a tie)."""
    majority = vote.majority
    if majority is not None:
        st.button(f"Go with the room: {letter(shown, majority)}", key=f"majority-{decision}", type="primary",
                  icon="➡️", on_click=ws.advance_clicked, args=(user, course, room.code, decision, None))
    else:
        st.markdown("**A tie, or no votes: your call.**" if vote.total else "**Nobody voted: your call.**")
    st.caption("Or take another answer instead:" if majority else "Take an answer:")
    with st.container(horizontal=True):
        for choice in (c for c in shown if c.id != majority):
            st.button(f"Take {letter(shown, choice.id)}", key=f"pick-{decision}-{choice.id}",
                      on_click=ws.advance_clicked, args=(user, course, room.code, decision, choice.id))


def debrief(run: ScenarioRun, participants: int) -> None:
    """The room's ending, its two scores and anger curve on the left, each decision in a line on
    the right: all on one projector screen."""
    summary = room_summary(current_store(), user, room.code)
    review = review_room(course, run, summary.decisions, participants=participants)
    story, steps = (st.container(), st.container()) if compact else st.columns([3, 2], gap="large")
    with story:
        if review.ending_title:
            box = st.success if review.ending_successful else st.error
            box(f"**{review.ending_title}** · {review.ending_outcome}\n\n{review.ending_debrief}")
        else:
            st.info("This room was closed before the conversation reached an ending.", icon="⏹️")
        own, taken = st.columns(2)
        own.metric("The room's answers (its majority at each decision)",
                   "no votes" if review.room_score is None else f"{review.room_score:.0f}%")
        taken.metric("The path taken", f"{review.path_score:.0f}%",
                     help="With the facilitator's picks, where the facilitator overrode the room or broke a tie.")
        curve = anger_curve(list(review.anger_curve), list(review.best_curve))
        curve.update_layout(height=260 if not compact else 300, margin={"t": 40, "b": 40})
        a11y.chart(curve, anger_text(list(review.anger_curve), list(review.best_curve)), key="room-anger",
                   projected=True)
    with steps:
        st.markdown("**Decision by decision**")
        for row in review.decisions:
            taken_share = next(share for share in row.shares if share.taken)
            how = "overridden" if row.overridden else "a tie, the facilitator's pick" if row.tie else "the room's vote"
            said = shorten(row.taken_say, SAY_SHOWN, placeholder="…")
            st.markdown(f"{row.number:d}. **{taken_share.letter}** · {said} "
                        f"({taken_share.room_votes:d} of {counted(row.room_votes, 'vote')}, {how})")
        if review.struggled:
            st.markdown("**The room struggled with:** " + ", ".join(s.name for s in review.struggled))
        link("rooms", "Open the room's summary and exports", icon="📋", room=room.code)


if not compact:
    st.set_page_config(initial_sidebar_state="collapsed")  # the layout: app.py (wide)
    st.html(ws.PROJECTOR_CSS)
    with st.container(key="projector-title"):
        st.title(scenario.title)
def room_controls() -> None:
    with st.expander("Room controls"):
        link("present", "Compact controls for your phone" if not compact else "Projector layout", icon="📱",
             room=room.code, **({} if compact else {"view": "controls"}))
        link("rooms", "All your rooms", icon="🎤")
        if live:
            st.button("Close the room now", key="close-room", icon="⏹️", on_click=ws.close_clicked,
                      args=(user, room.code))


if not compact and live:
    stage_column, join_column = st.columns([7, 2], gap="large")
    with join_column, st.container(key="join-panel"):
        url = ws.join_url(room.code)
        st.image(ws.qr_png(url), width="stretch", caption="Scan to join, or open the link and type the code",
                 alt=f"QR code of the join link, {url}")
        st.markdown(f"# {room.code}")
        st.caption(md_escape(url))  # built from the request's own address
        room_controls()  # here rather than under the stage, which has the screen's whole height to itself
else:
    if compact:
        st.markdown(f"**{scenario.title}** · room **{room.code}**")
    stage_column = st.container()
with stage_column, st.container(key="stage"):
    st.fragment(stage, run_every=ws.REFRESH_SECONDS if live else None)()
if compact or not live:
    room_controls()
