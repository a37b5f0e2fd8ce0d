"""Workshop mode's Streamlit side: the room's run, the presenter's actions, the phone's actions,
the join link and its QR code, and the pieces of screen the presenter, phone and summary share.

Nothing about a room is kept here between runs: every run reads the room from the store, so any
server process can serve any screen. Actions run as button callbacks (before the script or
fragment draws), so one click costs one rerun; a refusal (another window acted first, voting
closed) becomes a notice shown on the same run instead of an exception.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

import plotly.graph_objects as go
import segno
import streamlit as st

from elearn.course.catalogue import Course
from elearn.course.schema import Node, Scenario
from elearn.errors import ElearnError, StaleRunError
from elearn.play.engine import ScenarioRun, choose, from_json, new_seed, start
from elearn.store import Role, User, admit_join
from elearn.store.room_records import PhoneView, Room, RoomDecision, RoomNotFound, RoomPhase, RoomState
from elearn.store.room_replies import type_room_reply
from elearn.store.rooms import (
    advance,
    cast_vote,
    close_room,
    join_room,
    open_room,
    open_voting,
    phone_phase,
    phone_view,
    reveal,
    room_state,
)
from elearn.workshop.rules import LETTERS, Verdict, decide, letter, majority, verdict
from ui import a11y, participant
from ui.auth import client_address, user_for_this_run, wait_phrase
from ui.store import current_settings, current_store, now
from ui.text import md_escape

REFRESH_SECONDS = 1.0
"""How often the presenter's live part reruns (a fragment)."""
PHONE_CHECK_SECONDS = 1.5
"""How often a phone asks whether its room moved on (``phone_phase``, one indexed read): the
opened question and the revealed votes reach a waiting phone within this, plus one redraw,
without a tap. The check draws nothing; only a change reruns the phone's page."""
NOTICE_SECONDS = 8.0
_NOTICE = "workshop-notice"
TYPED_NOTICE = "workshop-typed-notice"
"""Where a refused typed reply waits to be shown: the phone's typed box is a fragment of its own
(``ui.typed_replies.phone_box``) and shows it there, apart from a refused vote's notice."""


# --- the room's run ----------------------------------------------------------------------------

def room_run(course: Course, room: Room) -> ScenarioRun:
    """The room's shared run, read against the course. Raises ``ElearnError`` with a next step if the
    scenario has gone or changed since the room was opened."""
    scenario = course.scenario(room.scenario_id)
    if scenario is None:
        raise ElearnError(f"This room plays '{room.scenario_id}', which is not in the course any more. "
                          "Open a new room on another scenario.")
    try:
        return from_json(room.run_json, scenario)
    except StaleRunError as stale:
        raise ElearnError(f"'{scenario.title}' was updated while this room was open, so the room cannot go on. "
                          "Open a new room to play the new version; this room's summary stays.") from stale


def new_room(user: User, scenario: Scenario) -> Room:
    """Open a room whose run has a seed of its own: every screen of the room shows the choices in its order."""
    run = start(scenario, new_seed())
    return open_room(current_store(), user, scenario_id=scenario.id, scenario_version=scenario.version,
                     run_json=run.to_json(), now=now())


def live_state(user: User, code: str) -> RoomState:
    return room_state(current_store(), user, code)


# --- presenter actions (button callbacks) -------------------------------------------------------

def _act(action: Callable[[], object], key: str = _NOTICE) -> None:
    clear_notice()
    try:
        action()
    except ElearnError as refused:
        st.session_state[key] = (str(refused), time.monotonic())


def _act_as(facilitator: User, action: Callable[[User], object]) -> None:
    """Run a presenter action for ``facilitator`` after checking their session again.

    A callback runs before the page's own check, with the user the screen was drawn for; a
    session signed out (or a role taken away) since then must not act one last time.
    """
    checked = user_for_this_run()
    if checked is None or checked.id != facilitator.id or not checked.has(Role.FACILITATOR):
        st.session_state[_NOTICE] = ("Your session has ended: sign in again to run the room.", time.monotonic())
        return
    _act(lambda: action(checked))


def show_notice(key: str = _NOTICE) -> None:
    """Show the last refusal for a few seconds: long enough to read on a screen that reruns every
    second (the presenter), without haunting the screens after it. ``key``: ``TYPED_NOTICE`` for
    a refused typed reply."""
    notice = st.session_state.get(key)
    if notice and time.monotonic() - notice[1] < NOTICE_SECONDS:
        st.warning(md_escape(notice[0]), icon="ℹ️")  # may quote a nickname


def notice() -> str | None:
    """The refusal ``show_notice`` would show now, if any."""
    shown = st.session_state.get(_NOTICE)
    return str(shown[0]) if shown and time.monotonic() - shown[1] < NOTICE_SECONDS else None


def clear_notice() -> None:
    st.session_state.pop(_NOTICE, None)
    st.session_state.pop(TYPED_NOTICE, None)


def open_voting_clicked(user: User, code: str, decision: int) -> None:
    _act_as(user, lambda checked: open_voting(current_store(), checked, code, decision, now()))


def reveal_clicked(user: User, code: str, decision: int) -> None:
    _act_as(user, lambda checked: reveal(current_store(), checked, code, decision, now()))


def close_clicked(user: User, code: str) -> None:
    _act_as(user, lambda checked: close_room(current_store(), checked, code, now()))


def advance_clicked(user: User, course: Course, code: str, decision: int, override: str | None) -> None:
    """Move the story on with the majority (``override`` None) or the facilitator's pick."""

    def move(checked: User) -> None:
        state = room_state(current_store(), checked, code)
        run = room_run(course, state.room)
        node = run.node
        if node is None or state.room.decision != decision:
            raise ElearnError("The room has already moved on (another window acted first).")
        choice_id = decide(verdict(run.choices_shown(node), state.split or {}), override)
        after = choose(run, choice_id)
        advance(current_store(), checked, code, decision=decision, node_id=node.id, choice_id=choice_id,
                run_json=after.to_json(), finished=after.ended, now=now(), majority=majority)

    _act_as(user, move)


# --- phone actions ------------------------------------------------------------------------------

def phone(token: str) -> PhoneView | None:
    return phone_view(current_store(), token) if token else None


def join(code: str, nickname: str) -> str | None:
    """Join a room; returns the participant token, or None after showing why not. Joins and wrong
    codes are throttled per client (``elearn.store.joining``)."""
    throttled = admit_join(current_store(), client_address(), code, now())
    if throttled is not None:
        st.error(f"Too many tries to join from this network. Wait {wait_phrase(throttled)}, then try again.",
                 icon="⏳")
        return None
    try:
        joined = join_room(current_store(), code, nickname, now(), browser_key=participant.browser_key(),
                           max_participants=participant.max_participants())
    except RoomNotFound as refused:
        st.error(md_escape(str(refused)), icon="⚠️")  # quotes the code typed
        return None
    except ElearnError as refused:
        st.error(md_escape(str(refused)), icon="⚠️")  # may quote the nickname typed
        return None
    return joined.token


def watch_room(token: str, seen: RoomPhase) -> None:
    """A phone's check for a room that moved on (run as a fragment every ``PHONE_CHECK_SECONDS``):
    rerun the page when the room's phase is no longer ``seen``, the one the page was drawn for."""
    if phone_phase(current_store(), token) != seen:
        clear_notice()  # a refusal ("voting is closed") is about the phase that has just ended
        a11y.focus_next_run(".st-key-ballot")  # pages/join.py's BALLOT: what changed is read out first
        st.rerun()


def vote_clicked(token: str, decision: int, node_id: str, choice_id: str) -> None:
    _act(lambda: cast_vote(current_store(), token, decision=decision, node_id=node_id, choice_id=choice_id,
                           now=now()))


def reply_typed(token: str, decision: int, node_id: str, text: str) -> None:
    """A phone sent its typed reply ("Say it your way" in a room); a refusal shows in the typed box."""
    _act(lambda: type_room_reply(current_store(), token, decision=decision, node_id=node_id, text=text, now=now()),
         TYPED_NOTICE)


# --- the join link and QR code -------------------------------------------------------------------

def join_url(code: str) -> str:
    """The URL phones open: ``ELEARN_PUBLIC_URL`` if set (behind a proxy), else this page's own address."""
    base = current_settings().public_url
    if base:
        return f"{base}/join?room={code}"
    here = urlsplit(st.context.url or "")
    path = here.path.rsplit("/", 1)[0] if here.path.endswith("/present") else here.path.rstrip("/")
    return urlunsplit((here.scheme, here.netloc, f"{path}/join", f"room={code}", ""))


@lru_cache(maxsize=64)
def qr_png(url: str) -> bytes:
    """The QR code of ``url`` as a PNG, big enough to scan from the back of a room (a pure memo)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=12, border=2)
    return out.getvalue()


# --- pieces of screen -----------------------------------------------------------------------------

PROJECTOR_CSS = """<style>
/* The projector has no one to scroll it: sizes follow the screen's width (1280x720 and 1920x1080 are
   both 16:9, so what fits one fits the other), and Streamlit's generous page padding goes. */
[data-testid="stMainBlockContainer"] { padding-top: 3.5rem; padding-bottom: 0.5rem; }
.st-key-projector-title h1 { font-size: clamp(1.5rem, 2.1vw, 3rem); padding: 0 0 0.25rem 0; }
.st-key-stage p, .st-key-stage li { font-size: clamp(1rem, 1.3vw, 1.9rem); line-height: 1.3; }
.st-key-stage h3 { font-size: clamp(1.25rem, 1.8vw, 2.6rem); line-height: 1.25; padding: 0.1rem 0; }
.st-key-stage [data-testid="stCaptionContainer"] p { font-size: clamp(0.9rem, 1vw, 1.4rem); }
.st-key-stage [data-testid="stAlert"] p { font-size: clamp(0.9rem, 1.05vw, 1.5rem); line-height: 1.3; }
.st-key-stage [data-testid="stMetricValue"], .st-key-stage [data-testid="stMetricValue"] p {
  font-size: clamp(2rem, 3vw, 4.2rem); }
.st-key-stage [data-testid="stMetricLabel"] p { font-size: clamp(0.9rem, 1vw, 1.4rem); }
.st-key-join-panel h1 { font-size: clamp(2rem, 2.8vw, 4rem); letter-spacing: 0.1rem; white-space: nowrap;
  text-align: center; padding: 0.25rem 0; }
</style>"""


def customer_line(scenario: Scenario, node: Node, *, large: bool = True) -> None:
    if node.narration:
        st.caption(node.narration)
    st.markdown(f"{'### ' if large else ''}**{scenario.persona.name}:** “{node.customer}”")


def choice_list(run: ScenarioRun, node: Node, vote: Verdict | None = None) -> None:
    """The decision's answers with their letters, in the room's order (and the tallies once revealed)."""
    counts = dict(vote.split) if vote else {}
    for index, choice in enumerate(run.choices_shown(node)):
        tally = f" · **{counts[choice.id]:d}**" if vote else ""
        st.markdown(f"**{LETTERS[index]}** · {choice.say}{tally}")


def consequence(run: ScenarioRun, decided: RoomDecision | None) -> None:
    """What the last answer did: who chose it, the customer's reaction, and why (the feedback)."""
    step = run.path[-1]
    node = run.scenario.node(step.node_id)
    choice = node.choice(step.choice_id) if node else None
    if node is None or choice is None:
        return
    how = "The room chose"
    if decided is not None and decided.overridden:
        how = "The facilitator overrode the room and chose"
    elif decided is not None and decided.majority_choice_id is None:
        how = "The facilitator broke the tie with" if any(decided.votes.values()) else "The facilitator chose"
    ratings = {rating for _, rating in step.evidence}
    box = st.success if ratings == {"good"} else st.error if ratings == {"poor"} else st.warning
    reaction = f"\n\n*{choice.reaction}*" if choice.reaction else ""
    note = f"\n\n**The customer's anger:** {choice.anger_note}" if choice.anger_note else ""
    box(f"{how} **{letter(run.choices_shown(node), choice.id)}**: {choice.say}{reaction}\n\n"
        f"**Why:** {choice.feedback}{note}")


SPLIT_TOP, SPLIT_OTHER = "#1d4ed8", "#4b5563"


def split_chart(vote: Verdict, *, height: int = 300) -> go.Figure:
    """The revealed vote as big horizontal bars (A-D, the split's order is the room's), the most-voted in a
    strong colour; no template."""
    labels = [LETTERS[index] for index in range(len(vote.split))]
    counts = [votes for _, votes in vote.split]
    total = vote.total or 1
    top = {vote.majority, *vote.tied}
    bar = {"type": "bar", "orientation": "h", "y": labels, "x": counts, "hoverinfo": "skip",
           # Blue for the most voted, grey for the rest: both 3:1 or more on white, with white text on them.
           "marker": {"color": [SPLIT_TOP if c in top else SPLIT_OTHER for c, _ in vote.split]},
           "text": [f"{n} ({n / total:.0%})" for n in counts], "textposition": "auto", "textfont": {"size": 22},
           "insidetextfont": {"color": "#ffffff"}, "outsidetextfont": {"color": "#111827"}}
    return go.Figure({"data": [bar], "layout": {
        "height": height, "font": {"size": 20}, "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "yaxis": {"autorange": "reversed", "tickfont": {"size": 26}}, "showlegend": False,
        "xaxis": {"visible": False, "range": [0, max(counts, default=0) * 1.2 + 0.5]},
    }})

