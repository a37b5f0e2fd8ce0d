"""Stop reminder e-mails: the page the link in every reminder opens (?token=...), reachable signed
out, with one button. Assignment notices still come; a learner's own token is the only key."""

from __future__ import annotations

import streamlit as st

from elearn.store.outbox import opt_out
from ui.store import current_store, now

st.title("Stop reminder e-mails")
token = st.query_params.get("token", "")
if not token:
    st.info("Open this page from the link at the end of a reminder e-mail.", icon="✉️")
    st.stop()
st.write("Reminders about training that is due soon or overdue will stop. You will still get an e-mail when "
         "new training is assigned to you.")
if st.button("Stop reminders", type="primary"):
    if opt_out(current_store(), token, now()):
        st.success("Done: you will get no more reminder e-mails.", icon="✅")
    else:
        st.error("This link is not one we sent, or part of it is missing. Open it again from the e-mail, or copy "
                 "the whole link into the address bar.", icon="⚠️")
