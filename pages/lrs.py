"""The Learning Record Store, for administrators: where statements go, the queue, the last error,
and the dead letters with the LRS's reasons, with "send them again" (docs/lrs.md)."""

from __future__ import annotations

import streamlit as st

from elearn.store import Role
from elearn.store.xapi_outbox import outbox_status, retry_dead
from ui.auth import acting_user, require
from ui.errors import guarded_callback
from ui.store import current_settings, current_store, now
from ui.text import md_escape

require(Role.ADMIN)
settings = current_settings()

st.title("Learning Record Store")
st.caption("Every answer, finished scenario and completed lesson goes to the LRS as an xAPI statement, "
           "queued with the event and sent in the background; nothing is lost while the LRS is down.")
if settings.lrs.configured:
    st.markdown(f"Sending to **{md_escape(settings.lrs.statements_url)}** as **{md_escape(settings.lrs.key)}**.")
else:
    st.info("No LRS is configured, so nothing is queued. " + " ".join(
        md_escape(line) for line in settings.lrs.problems(settings.xapi_home_page)), icon="⚙️")

if done := st.session_state.pop("lrs-requeued", None):
    st.success(f"{int(done):d} dead letters queued again.", icon="✅")

status = outbox_status(current_store())
waiting, sent, dead = st.columns(3)
waiting.metric("Waiting to be sent", status.pending)
sent.metric("Sent", status.sent)
dead.metric("Refused (dead letters)", status.dead_count)
if status.oldest_pending_at is not None:
    st.markdown(f"The oldest waiting statement was queued at {status.oldest_pending_at:%Y-%m-%d %H:%M:%S} UTC.")
if status.last_sent_at is not None:
    st.markdown(f"Last sent at {status.last_sent_at:%Y-%m-%d %H:%M:%S} UTC.")
if status.last_error:
    when = f" at {status.last_error_at:%Y-%m-%d %H:%M:%S} UTC" if status.last_error_at else ""
    st.warning(f"Last error{when}: {md_escape(status.last_error)}", icon="⚠️")

st.subheader("Dead letters")
if not status.dead:
    st.caption("None: the LRS has refused no statement.")
else:
    st.dataframe([{"Statement id": d.statement_id, "Refused at (UTC)": d.dead_at, "The LRS's reason": d.dead_reason,
                   "Verb": str(d.statement.get("verb", {}).get("id", ""))} for d in status.dead], hide_index=True)

    def send_again() -> None:
        acting_user(Role.ADMIN)  # the click is checked on the server, like the page
        st.session_state["lrs-requeued"] = retry_dead(current_store(), now())

    st.button("Retry dead letters", icon="🔁", key="lrs-retry-dead", on_click=guarded_callback(send_again),
              help="Queue them again, after the LRS or the course was fixed.")
