"""Review: short sessions of past decisions, due by FSRS, weakest skill first.

Each card is a decision the learner met in a scenario: the customer's line, the answers in a
new order each review, then the feedback on the answer picked and when the card comes back. A
session is about five cards or two minutes (``elearn.learner.review``). Review answers are kept
apart from the scenarios' evidence and do not change mastery (docs/review.md).
"""

from __future__ import annotations

import streamlit as st

from elearn.learner.review import SESSION_CARDS, SESSION_SECONDS, Answered, ReviewCard, better_answer, due_in_words
from ui import review
from ui.course import current_course
from ui.nav import link
from ui.session import learner, my_progress
from ui.store import now
from ui.text import md_escape

ANSWER_WORDS = {"good": "Good answer.", "partial": "Partly right.", "poor": "Not this time."}

user = learner()
course = current_course()
moment = now()
cards, due = review.due_now(user, course, my_progress(user), moment)

st.title("Review")
st.caption(f"A few decisions you have met before, back when you are about to forget them: about {SESSION_CARDS:d} "
           f"cards or {SESSION_SECONDS // 60:d} minutes at a time. Reviews keep your skills fresh; your skill "
           "estimates still come from your first answers in the scenarios.")


def feedback(done: Answered) -> None:
    card, choice = done.card, done.choice
    box = st.success if done.rating == "good" else st.error if done.rating == "poor" else st.warning
    box(f"**{ANSWER_WORDS[done.rating]}** {choice.feedback}")
    better = better_answer(card, choice)
    if better is not None:
        st.info(f"**A better answer:** {better.say}\n\n{better.feedback}", icon="💡")
    st.caption(f"This decision comes back {due_in_words(done.schedule.due_at, done.reviewed_at)}.")


def show(card: ReviewCard) -> None:
    review.shown(card, moment)  # the response time runs from the first time this card is shown
    st.caption(f"From '{card.scenario.title}'")
    with st.chat_message("customer", avatar="😠"):
        if card.node.narration:
            st.caption(card.node.narration)
        st.markdown(f"**{card.scenario.persona.name}:** {card.node.customer}")
    st.markdown("**What do you say or do?**")
    for choice in card.choices_shown():
        # The key carries the card's version: a late second click on an answered card does nothing.
        if st.button(choice.say, key=f"review-{card.key.text}-{card.version}-{choice.id}", width="stretch"):
            review.submit(user, card, choice.id, now())
            st.rerun()


result = review.last_result()
if result is not None:
    if result.answered is not None:
        feedback(result.answered)
    else:
        st.warning(md_escape(result.notice), icon="🔄")
    if st.button("Next card", type="primary", icon="➡️"):
        review.clear_result()
        st.rerun()
    st.stop()

current = review.session(moment)
card = current.next_card(due, moment)
if card is not None:
    st.progress(min(len(current.answered) / SESSION_CARDS, 1.0),
                text=f"Card {len(current.answered) + 1:d} of about {SESSION_CARDS:d}")
    show(card)
    st.stop()

left = [c for c in due if c.key.text not in current.answered]
if current.answered:
    st.success(f"Session done: {len(current.answered):d} decisions reviewed. Come back later for the next ones.",
               icon="✅")
    if left and st.button(f"Another short session ({len(left):d} still due)", icon="🔁"):
        review.new_session()
        st.rerun()
elif not cards:
    st.info("Nothing to review yet: every decision you meet in a scenario becomes a review card.", icon="🗂️")
    link("home", "Go to the course", icon="📚")
else:
    soonest = min(c.due_at for c in cards)
    st.success(f"Nothing is due now. The next decision comes back {due_in_words(soonest, moment)}.", icon="✅")
link("skills", "See how much you remember on My skills", icon="📈")
