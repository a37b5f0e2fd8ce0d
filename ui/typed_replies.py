"""Typed replies ("Say it your way") for managers and rooms: the Answers view's phrases, the export,
the phone's reply box and the projector's anonymous list and word cloud.

Reads go through the store's scope checks (a manager sees their teams' replies; the projector
reads its own room's, without nicknames). Everything typed is shown escaped.
"""

from __future__ import annotations

import streamlit as st

from elearn.course.catalogue import Course
from elearn.course.schema import Node, Scenario
from elearn.manage.reply_export import replies_csv
from elearn.manage.typed_phrases import inflaming_by_decision
from elearn.store import MAX_REPLY_CHARS, User, replies_with_names, scenario_replies
from elearn.store.room_replies import my_room_reply, room_replies
from elearn.workshop.replies import room_phrases, word_cloud
from ui import workshop as ws
from ui.store import current_store
from ui.text import counted, md_escape


def answers_phrases(viewer: User, course: Course, scenario: Scenario, user_ids: frozenset[int] | None) -> None:
    """Per decision, the inflaming phrases the team typed most often (only when someone typed replies)."""
    if course.rubric is None:
        return
    decisions = inflaming_by_decision(course.rubric, scenario, scenario_replies(current_store(), viewer, scenario.id),
                                      user_ids)
    if not decisions:
        return
    st.subheader("What they typed first")
    st.caption("Learners who play in 'Say it your way' type their reply before they see the answers. Per decision: "
               "the phrases from the course's rubric that can inflame, and in how many typed replies they turned up.")
    for decision in decisions:
        with st.container(border=True):
            typed = counted(decision.replies, "typed reply", "typed replies")
            st.markdown(f"**{md_escape(decision.customer)}** · {md_escape(typed)}")
            if not decision.inflaming:
                st.caption("No inflaming phrase noticed in these replies.")
            for phrase in decision.inflaming:
                st.markdown(f"- “{md_escape(phrase.words)}” in {counted(phrase.replies, 'reply', 'replies')}")


def export(viewer: User, course: Course) -> None:
    """Typed replies as CSV, with names removed on request."""
    with st.container(border=True):
        anonymous = st.checkbox("Remove names (each person becomes 'Learner 1', 'Learner 2', …)",
                                key="replies-anonymous")
        if st.button("Prepare typed replies (CSV)", key="prepare-replies"):
            data = replies_csv(course, replies_with_names(current_store(), viewer), anonymous=anonymous)
            st.download_button("Download typed replies", data=data, mime="text/csv", on_click="ignore", icon="⬇️",
                               file_name="typed-replies-anonymous.csv" if anonymous else "typed-replies.csv",
                               key="download-replies")


def _typed(token: str, decision: int, node_id: str) -> None:
    typed = str(st.session_state.get(f"room-reply-{decision}", ""))
    ws.reply_typed(token, decision, node_id, typed.strip()[:MAX_REPLY_CHARS])  # past the box's limit: cut


def phone_box(token: str, decision: int, node: Node) -> None:
    """On a phone while the room votes: type what you would say (optional, shown on the big screen without
    your nickname). A fragment of its own on the phone: a refused reply says why here."""
    ws.show_notice(ws.TYPED_NOTICE)
    mine = my_room_reply(current_store(), token, decision)
    with st.form(key=f"room-reply-form-{decision}", enter_to_submit=False):
        st.text_area("What would you say? (optional; shown on the big screen without your name)", value=mine,
                     max_chars=MAX_REPLY_CHARS, key=f"room-reply-{decision}", height=90)
        st.form_submit_button("Send my words", on_click=_typed, args=(token, decision, node.id), width="stretch")
    if mine:
        st.caption("Your words are in. Send again to change them; send it empty to take them back.")


def projector_list(facilitator: User, course: Course, scenario: Scenario, code: str, decision: int) -> None:
    """The room's typed replies without names: the words used most, the rubric's phrases, then the list."""
    replies = room_replies(current_store(), facilitator, code, decision)
    if not replies:
        return
    with st.expander(f"The room's own words ({counted(len(replies), 'reply', 'replies')})", icon="💬"):
        cloud = word_cloud(replies)
        st.markdown(" · ".join(f"**{md_escape(word)}** {count:d}" if count > 1 else md_escape(word)
                               for word, count in cloud))
        if course.rubric is not None:
            for label, inflaming, count in room_phrases(course.rubric, scenario, replies)[:6]:
                mark = "⚠️" if inflaming else "✅"
                st.markdown(f"{mark} “{md_escape(label)}” · {count:d}")
        for text in replies:
            st.markdown(f"- {md_escape(text)}")
