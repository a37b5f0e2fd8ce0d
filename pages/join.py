"""Join a workshop room from a phone, with no account: the room's code (or the QR link's ?room=CODE)
and a nickname; then one vote per decision, changeable until the facilitator reveals the votes.

A public page (visitors may open it; there is no role to require). The participant's token is kept
in the URL (?p=TOKEN), so a reload, or reopening the tab, keeps the same participant; and it comes
from the browser's own key (ui/participant.py), so the QR link opened again, or a second join from
the same browser, finds that participant instead of adding a voter. A waiting phone updates by
itself: a small fragment asks every ``PHONE_CHECK_SECONDS`` whether the room's phase changed (one
indexed read, nothing drawn) and reruns the page only when it did, so the opened question and the
revealed votes arrive without a tap while another phone's vote costs this one nothing.
"""

from __future__ import annotations

import streamlit as st

from elearn.store.room_records import CODE_LENGTH, NICKNAME_MAX, RoomPhase
from elearn.workshop.rules import LETTERS
from ui import a11y, participant, typed_replies
from ui import workshop as ws
from ui.course import current_course
from ui.text import counted, md_escape


def join_form() -> None:
    slot = st.empty()
    with slot.container():
        st.title("Join the workshop")
        with st.form("join"):
            code = st.text_input("Room code", value=st.query_params.get("room", ""), max_chars=12, key="join-code",
                                 placeholder=f"{CODE_LENGTH} letters and digits, on the presenter's screen")
            name = st.text_input("Your nickname", max_chars=NICKNAME_MAX, key="join-nickname",
                                 help="So the facilitator can tell you apart. No account needed.")
            submitted = st.form_submit_button("Join", type="primary", width="stretch")
    if submitted:
        token = ws.join(code, name)
        if token:
            st.query_params.clear()
            st.query_params["p"] = token  # a reload keeps this participant
            slot.empty()
            a11y.move_focus(f".st-key-{BALLOT}")  # the form is gone: focus what replaced it


# The key of the decision (or waiting message) a phone shows; focus goes there after Join and whenever
# the room moves on (ui.workshop.watch_room).
BALLOT = "ballot"


def voted(token: str, decision: int, node_id: str, choice_id: str, letter: str) -> None:
    """Cast the vote, then keep focus on the button just pressed and say that the vote is in."""
    ws.vote_clicked(token, decision, node_id, choice_id)
    a11y.focus_next_run(f".st-key-vote-{decision}-{choice_id} button")
    if ws.notice() is None:  # a refusal shows (and is announced) as a warning instead
        a11y.announce_next_run(f"Your vote, {letter}, is in. You can change it until the votes are revealed.")


def ballot(token: str) -> None:
    """The decision the room is at: its answers while voting is open, the split once revealed.

    Run as a fragment, so a vote (or typed words) reruns only this: the tap costs about what a
    blank page's rerun does, not the whole page's frame and navigation. It reads the phone's view
    itself on every run, since a fragment's arguments are the ones its page's last full run gave.
    The room moving on is the room check's business (``ws.watch_room``), which reruns the page."""
    view = ws.phone(token)
    if view is None:  # this place in the room is gone: the full page says so and offers the form
        st.rerun(scope="app")
    a11y.requests_here()  # a vote's focus and announcement: this run draws what they are about
    ws.show_notice()  # a refused vote says why, here, where the tap was
    room = view.room
    if not room.voting_open:  # no typed box below to say why words sent as the vote closed were refused
        ws.show_notice(ws.TYPED_NOTICE)
    run = ws.room_run(current_course(), room)
    node = run.node
    if room.closed or node is None:
        ending = run.ending
        with st.container(key=BALLOT):
            if ending is not None:
                st.success(f"The conversation ended: **{ending.title}**. Thank you for playing! The facilitator "
                           "will talk you through what happened.", icon="🎉")
            else:
                st.info("The facilitator has closed this room. Thank you for taking part!", icon="👋")
        return
    with st.container(key=BALLOT):
        st.markdown(f"**Decision {room.decision:d}** · {run.scenario.persona.name}: “{node.customer}”")
        if room.voting_open:
            st.markdown("**What should you say or do?** Tap one; you can change it until the votes are revealed.")
        elif view.split is None:
            st.info("Waiting for the facilitator to open the vote. The answers appear here by themselves.", icon="⏳")
    if room.voting_open:
        for index, choice in enumerate(run.choices_shown(node)):  # the room's order: the projector's letters
            mine = view.my_vote == choice.id
            st.button(f"{LETTERS[index]} · {choice.say}", key=f"vote-{room.decision}-{choice.id}", width="stretch",
                      type="primary" if mine else "secondary", icon="✅" if mine else None,
                      on_click=voted, args=(token, room.decision, node.id, choice.id, LETTERS[index]))
        if view.my_vote:
            st.caption("Your vote is in. Tap another answer to change it.")
    elif view.split is not None:
        total = sum(view.split.values()) or 1
        st.markdown("**The votes are in:**")
        for index, choice in enumerate(run.choices_shown(node)):
            votes = view.split.get(choice.id, 0)
            yours = " (your vote)" if view.my_vote == choice.id else ""
            st.progress(votes / total, text=f"{LETTERS[index]} · {counted(votes, 'vote')}{yours}")
        st.caption("Watch the big screen for what happens next: this phone shows the next question by itself.")


# The room check's fixed place, first on the page. A fragment's id comes from its place, and a
# fragment drawn below the ballot got a new id whenever a run drew more or fewer elements above it
# (a vote's caption, a notice, the join form's leftovers); a timer tick for the old id is then
# dropped without a word. Here its id is the same on every run.
room_watch = st.container()
participant.keep_browser_key()
token = st.query_params.get("p", "")
view = ws.phone(token)
if view is None and not token and (mine := participant.already_in(st.query_params.get("room", ""))):
    token, view = mine  # this browser joined the room already (the QR link again, a new tab): carry on
    st.query_params.clear()
    st.query_params["p"] = token
if view is None:
    if token:
        st.warning("This phone's place in the room was not found. Join again with the room's code.", icon="🔎")
    join_form()
    token = st.query_params.get("p", "")
    view = ws.phone(token)
if view is not None:
    st.caption(f"Room **{md_escape(view.room.code)}** · you are **{md_escape(view.participant.nickname)}**")
    st.fragment(ballot)(token)
    node = ws.room_run(current_course(), view.room).node
    if view.room.voting_open and not view.room.closed and node is not None:
        # A fragment of its own, below the answers: a vote does not redraw (or reread) the typed words.
        st.fragment(typed_replies.phone_box)(token, view.room.decision, node)
    if not view.room.closed and node is not None:
        with room_watch:  # while the room has a decision to move on from
            st.fragment(ws.watch_room, run_every=ws.PHONE_CHECK_SECONDS)(token, RoomPhase.of(view.room))
