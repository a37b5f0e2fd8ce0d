"""Grade passback in the app's process: scores queued right after a learner finishes, and one
sender thread per process that posts them and retries while the LMS is down.

``after_progress`` is called by the player after an attempt ends and by the lesson page after a
lesson is marked done (the course may have just completed). Queueing is idempotent (the score
keys, ``elearn.lti.grades``), and the sender runs from ``serve.py`` every ``POLL`` and whenever
something is queued; ``python -m elearn lti send-scores`` does the same from cron. Several
processes may run senders: each score is claimed by one. A failure here never reaches the
learner's page (it is in the queue's last error, on the LMS page, for administrators).
"""

from __future__ import annotations

import logging
import threading

from elearn.errors import ElearnError
from elearn.lti.grades import SendReport, queue_owed, send_due, sweep
from elearn.store import User
from ui.course import current_course, pass_rule
from ui.store import current_store, now

POLL_SECONDS = 30.0
_log = logging.getLogger(__name__)
_wake = threading.Event()
_started = threading.Lock()
_thread: list[threading.Thread] = []


def after_progress(user: User) -> None:
    """Queue what ``user``'s LMS line items are owed now, and wake the sender if anything was."""
    try:
        if queue_owed(current_store(), current_course(), user, pass_rule(), now()):
            _wake.set()
    except ElearnError:
        _log.exception("LTI scores for user %s could not be queued now; the next sender run queues them", user.id)


def send_scores_now() -> SendReport:
    """Queue what anyone is owed and send what is due, now (the LMS page's button)."""
    store = current_store()
    sweep(store, current_course(), pass_rule(), now())
    return send_due(store, now)


def start_score_sender() -> None:
    """Start this process's sender thread, once (a daemon: it dies with the server)."""
    with _started:
        if not _thread:
            _thread.append(threading.Thread(target=_run, name="lti-score-sender", daemon=True))
            _thread[0].start()


def _run() -> None:
    while True:
        _wake.wait(POLL_SECONDS)
        _wake.clear()
        try:
            send_due(current_store(), now)
        except Exception:
            _log.exception("the LTI score sender failed; it tries again in %s seconds", POLL_SECONDS)
