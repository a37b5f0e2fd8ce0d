"""The certificate as a one-page PDF (fpdf2): name, what was met, date, score band, expiry, and
the verification code with the address that checks it.

Names may be in any script: the text is set in DejaVu Sans when the system has it (Debian's
``fonts-dejavu-core``, installed in deploy/Dockerfile); otherwise in the PDF's built-in Helvetica,
which covers Latin-1 only, so other characters print as "?" rather than failing.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from fpdf import FPDF

from elearn.store.certificates import Certificate

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/local/share/fonts"))
FONT = "DejaVuSans.ttf"
BOLD = "DejaVuSans-Bold.ttf"


def _font_dir() -> Path | None:
    return next((d for d in FONT_DIRS if (d / FONT).is_file() and (d / BOLD).is_file()), None)


def verify_url(base_url: str, code: str) -> str:
    return f"{base_url}/verify?code={code}"


def certificate_pdf(certificate: Certificate, base_url: str) -> bytes:
    """The PDF of ``certificate``; ``base_url`` is the app's public address (for the verify link)."""
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(f"Certificate {certificate.code}")
    pdf.set_author("Calm under fire")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    fonts = _font_dir()
    family = "helvetica"
    if fonts is not None:
        pdf.add_font("body", "", str(fonts / FONT))
        pdf.add_font("body", "B", str(fonts / BOLD))
        family = "body"

    def fit(text: str) -> str:
        return text if fonts is not None else text.encode("latin-1", "replace").decode("latin-1")

    pdf.set_draw_color(31, 78, 121)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)

    def line(text: str, size: float, style: str = "", gap: float = 4) -> None:
        pdf.set_font(family, style, size)
        pdf.multi_cell(0, size * 0.5, fit(text), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    pdf.set_y(30)
    line("Certificate of achievement", 30, "B", 10)
    line("This certifies that", 14)
    line(certificate.holder, 26, "B", 8)
    line("has met", 14)
    line(certificate.title, 16, "B", 8)
    line(f"on {certificate.earned_at:%d %B %Y}, under the course's pass rule.", 13)
    line(f"Score band: {certificate.score_band}", 13)
    if certificate.expires_at is not None:
        line(f"Valid until {certificate.expires_at:%d %B %Y}; recertification is due then.", 13)
    pdf.set_y(170)
    line(f"Verification code: {certificate.code}", 12, "B", 2)
    line(f"Check it at {verify_url(base_url, certificate.code)}", 10)
    return bytes(pdf.output())


def file_name(certificate: Certificate) -> str:
    """A safe file name: ``certificate-ana-lopez-ABCD-EFGH-JKMN.pdf`` (ASCII letters, digits, dashes)."""
    slug = re.sub(r"[^a-z0-9]+", "-", certificate.holder.lower()).strip("-")[:40] or "learner"
    return f"certificate-{slug}-{certificate.code}.pdf"


def certificates_zip(certificates: Iterable[Certificate], base_url: str) -> bytes:
    """One zip of the PDFs of ``certificates``, each under its ``file_name``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in certificates:
            archive.writestr(file_name(certificate), certificate_pdf(certificate, base_url))
    return buffer.getvalue()
