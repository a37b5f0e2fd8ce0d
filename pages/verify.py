"""Verify a certificate: anyone (signed in or not) enters its code, or opens the link printed on it
(?code=...), and learns whether it is valid, expired or unknown, for whom and when. Nothing more."""

from __future__ import annotations

import streamlit as st

from elearn.certificates.verify import EXPIRED, VALID, verify
from ui.store import current_store, now
from ui.text import md_escape

st.title("Verify a certificate")
with st.form("verify"):
    typed = st.text_input("Verification code", value=st.query_params.get("code", "")[:40], max_chars=40,
                          placeholder="XXXX-XXXX-XXXX", help="Printed at the foot of the certificate.")
    checked = st.form_submit_button("Check the code", type="primary")
if checked:
    st.query_params["code"] = typed.strip()[:40]
code = typed.strip()
if code:
    result = verify(current_store(), code, now())
    words = md_escape(result.in_words())
    if result.status == VALID:
        st.success(words, icon="✅")
    elif result.status == EXPIRED:
        st.warning(words, icon="⌛")
    else:
        st.error(words, icon="❓")
