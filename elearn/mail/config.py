"""The SMTP server and the sender address, as ``elearn.settings`` reads them."""

from __future__ import annotations

from dataclasses import dataclass, field

TLS_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True)
class SmtpSettings:
    """Where e-mail goes out. ``host`` empty: e-mail is off (``mail send`` says so and sends nothing)."""

    host: str = ""
    port: int | None = None
    """None: the usual port of ``tls`` (587, 465 or 25)."""
    tls: str = "starttls"
    """``starttls`` (upgrade a plain connection), ``ssl`` (TLS from the start) or ``none`` (a local relay)."""
    username: str = ""
    password: str = field(default="", repr=False)
    sender: str = ""
    """The From address, e.g. ``Calm under fire <training@example.org>``."""
    timeout_seconds: float = 30.0

    @property
    def configured(self) -> bool:
        return bool(self.host and self.sender)

    @property
    def port_in_use(self) -> int:
        return self.port if self.port is not None else DEFAULT_PORTS[self.tls]

    def problems(self, public_url: str) -> list[str]:
        """What stops e-mail from being sent, one line each (empty: ready)."""
        found = []
        if not self.host:
            found.append("ELEARN_SMTP_HOST is not set: name the SMTP server (or [elearn] smtp_host in the secrets).")
        if not self.sender:
            found.append("ELEARN_MAIL_SENDER is not set: give the From address, like training@example.org.")
        if not public_url:
            found.append("ELEARN_PUBLIC_URL is not set: e-mails link to the app, so give its address, "
                         "like https://training.example.org.")
        return found
