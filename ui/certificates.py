"""Certificates in the app: awarding on view, the public address their links use, download buttons.

Every download re-reads the certificate through ``elearn.store.certificates`` with the signed-in
viewer, so the server checks on each click that it is theirs or their team's.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from elearn.certificates.award import award_earned
from elearn.certificates.pdf import certificate_pdf, certificates_zip, file_name
from elearn.store import User
from elearn.store.certificates import Certificate, certificate_for, certificates_for
from ui.course import current_course, pass_rule
from ui.store import current_settings, current_store, now
from ui.text import md_escape


def public_base() -> str:
    """The app's address for the verify link: ``ELEARN_PUBLIC_URL``, else the address the browser used."""
    configured = current_settings().public_url
    if configured:
        return configured
    parts = urlsplit(st.context.url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "http://localhost:8501"


def certificates_of(viewer: User) -> tuple[Certificate, ...]:
    """Award what the people ``viewer`` may see have earned, then list their certificates."""
    store = current_store()
    award_earned(store, current_course(), viewer, now(), pass_rule())
    return certificates_for(store, viewer)


def status_words(certificate: Certificate) -> str:
    if certificate.expires_at is None:
        return "valid, no expiry"
    if certificate.expired(now()):
        return f"expired on {certificate.expires_at:%d %b %Y}: recertification due"
    return f"valid until {certificate.expires_at:%d %b %Y}"


def pdf_button(viewer: User, certificate: Certificate, label: str = "Download the PDF") -> None:
    """A download of ``certificate``'s PDF, labelled ``label`` (plain text: escaped here)."""
    def made() -> bytes:
        checked = certificate_for(current_store(), viewer, certificate.id)  # the server's check, on the click
        return certificate_pdf(checked, public_base())

    st.download_button(md_escape(label), made, file_name=file_name(certificate), mime="application/pdf", icon="📄",
                       key=f"certificate-{certificate.id}", on_click="ignore")


def zip_button(viewer: User, ids: list[int], label: str) -> None:
    def made() -> bytes:
        chosen = set(ids)
        mine = [c for c in certificates_for(current_store(), viewer) if c.id in chosen]  # scoped on the server
        return certificates_zip(mine, public_base())

    st.download_button(md_escape(label), made, file_name=f"certificates-{now():%Y-%m-%d}.zip", mime="application/zip",
                       icon="🗂️", key="certificates-zip", on_click="ignore", disabled=not ids)


def my_certificates(user: User) -> None:
    """The learner's own certificates, each with its download (My skills)."""
    mine = certificates_of(user)
    st.subheader("Your certificates")
    if not mine:
        st.caption("A certificate comes when you complete what was assigned to you, or the whole course, and pass "
                   "every scenario in it (a successful ending with a first-attempt score at the pass mark).")
        return
    for certificate in mine:
        with st.container(border=True):
            st.markdown(f"**{md_escape(certificate.title)}**  \n"
                        f"Earned {certificate.earned_at:%d %b %Y} · {md_escape(certificate.score_band)} · "
                        f"{md_escape(status_words(certificate))} · code {md_escape(certificate.code)}")
            pdf_button(user, certificate)
