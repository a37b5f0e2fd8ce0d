"""Workshop rooms, for facilitators: open a room on any scenario, see every room you have run, and
reopen a room's summary (?room=CODE): at each decision the room's vote split beside self-paced
learners' first answers, the skills the room struggled with, and exports (CSV, one-page HTML report).
"""

from __future__ import annotations

import streamlit as st

from elearn.store import Role
from elearn.store.rooms import room_summary, rooms_of, self_paced_split
from elearn.workshop.report import scores_line, summary_csv, summary_html
from elearn.workshop.review import review_room
from elearn.workshop.rules import MIN_SELF_PACED
from ui import workshop as ws
from ui.auth import require
from ui.course import current_course
from ui.nav import link, page
from ui.store import current_store
from ui.text import counted

user = require(Role.FACILITATOR)
course = current_course()
store = current_store()
code = st.query_params.get("room", "")


def summary() -> None:
    found = room_summary(store, user, code)  # RoomNotFound (a clear message) unless it is this facilitator's
    room = found.room
    run = ws.room_run(course, room)
    review = review_room(course, run, found.decisions, participants=found.participants,
                         self_paced=self_paced_split(store, user, room.scenario_id))
    st.title(f"Room {room.code}: {review.scenario_title}")
    status = "finished" if room.closed else "still running"
    st.caption(f"Opened {room.created_at:%d %b %Y %H:%M} UTC · {status} · "
               f"{counted(found.participants, 'participant')} · {counted(len(review.decisions), 'decision')}")
    if review.ending_title:
        (st.success if review.ending_successful else st.error)(
            f"**{review.ending_title}** · {review.ending_outcome}\n\n{review.ending_debrief}")
    st.markdown(scores_line(review))
    if not room.closed:
        link("present", "Back to the presenter view", icon="📽️", room=room.code)
    left, right = st.columns(2)
    # The files are made when a button is clicked (a callable), not on every run of this page.
    left.download_button("Export CSV", lambda: summary_csv(review), file_name=f"room-{room.code}.csv", mime="text/csv",
                         icon="📄", on_click="ignore", key="export-csv")
    right.download_button("One-page report (HTML)",
                          lambda: summary_html(review, code=room.code, held_on=room.created_at),
                          file_name=f"room-{room.code}-report.html", mime="text/html", icon="🖨️",
                          on_click="ignore", key="export-html")

    st.subheader("Skills the room struggled with")
    if review.struggled:
        for skill in review.struggled:
            revisit = f" · revisit *{skill.lesson}*" if skill.lesson else ""
            st.markdown(f"- **{skill.name}**: the room's answers earned {skill.credit:.0%} of full credit{revisit}")
    elif review.skills:
        st.markdown("None: the room's own answers earned at least 60% credit on every skill they touched.")
    else:
        st.markdown("No decisions yet.")

    st.subheader("Decision by decision")
    st.caption(f"The room's votes beside self-paced learners' first answers at the same decision (shown when at "
               f"least {MIN_SELF_PACED:d} learners answered it).")
    for row in review.decisions:
        with st.container(border=True):
            note = " · **the facilitator overrode the room**" if row.overridden else " · a tie" if row.tie else ""
            st.markdown(f"**{row.number:d}.** “{row.customer}”{note}")
            st.dataframe(
                [{"": s.letter, "Answer": s.say, "Room": s.room_share, "Self-paced": s.self_paced_share,
                  "Taken": "✔" if s.taken else ""} for s in row.shares],
                hide_index=True, width="stretch",
                column_config={
                    "": st.column_config.TextColumn(width=30),
                    "Answer": st.column_config.TextColumn(width="large"),
                    "Room": st.column_config.ProgressColumn(f"Room ({counted(row.room_votes, 'vote')})",
                                                            format="percent",
                                                            width="medium"),
                    "Self-paced": st.column_config.ProgressColumn(
                        f"Self-paced ({counted(row.self_paced_learners, 'learner')})" if row.comparable
                        else "Self-paced (too few to compare)", format="percent", width="medium"),
                    "Taken": st.column_config.TextColumn(width=60),
                })
    link("rooms", "All your rooms", icon="🎤")


def overview() -> None:
    st.title("Workshop rooms")
    st.caption("Open a room on a scenario, show the presenter view on the projector, and the room votes from "
               "their phones. Every room keeps its summary.")
    with st.form("open-room"):
        titles = {s.id: s.title for s in course.scenarios}
        scenario_id = st.selectbox("Scenario", list(titles), key="room-scenario", format_func=titles.__getitem__)
        if st.form_submit_button("Open a room", type="primary", icon="🎤"):
            chosen = course.scenario(scenario_id or "")
            if chosen is not None:
                opened = ws.new_room(user, chosen)
                st.switch_page(page("present"), query_params={"room": opened.code})
    listings = rooms_of(store, user)
    if not listings:
        st.info("You have not opened a room yet.", icon="🎤")
    for listing in listings:
        room = listing.room
        scenario = course.scenario(room.scenario_id)
        title = scenario.title if scenario else room.scenario_id
        status = "finished" if room.closed else f"decision {room.decision:d}, running"
        with st.container(border=True):
            st.markdown(f"**{room.code}** · {title}")
            st.caption(f"{room.created_at:%d %b %Y %H:%M} UTC · {status} · {listing.participants:d} joined")
            if not room.closed:
                link("present", "Present", icon="📽️", room=room.code)
            link("rooms", "Summary", icon="📋", room=room.code)


if code:
    summary()
else:
    overview()
