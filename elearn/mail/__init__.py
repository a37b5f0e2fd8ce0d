"""E-mail (learners and managers): which e-mails are due (``schedule``), what they say
(``compose``), and sending them from the outbox (``outgoing``) with the SMTP settings (``config``).

``python -m elearn mail send`` runs it, from cron or a timer, in any number of processes at once:
the outbox (``elearn.store.outbox``) queues each e-mail once and lets one sender claim it.
See docs/mail-and-certificates.md.
"""
