"""The sender as a background thread of a server process: it sends the outbox as statements come.

``BackgroundSender`` runs ``sender.send_due`` every ``poll`` seconds (a due statement waits that
long at most, while the LRS is up). While the LRS is down it waits longer after each failed run,
doubling with jitter up to ``Timing.last_retry``, and starts again at ``poll`` once a run gets
through. It reads the LRS settings afresh on every turn (a secrets file may change while the
server runs), and does nothing while no LRS is configured. Several server processes may each
run one: the outbox's leases share the work out.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from elearn.lrs.client import post_statements
from elearn.lrs.config import LrsSettings
from elearn.lrs.sender import DEFAULT_TIMING, Report, Timing, backoff, send_due
from elearn.store.db import Store
from elearn.store.leases import lease_owner_name

log = logging.getLogger(__name__)


class BackgroundSender:
    """A daemon thread sending the outbox of ``store()`` to ``lrs()`` (None: no LRS configured)."""

    def __init__(self, store: Callable[[], Store], lrs: Callable[[], LrsSettings | None],
                 now: Callable[[], datetime], *, poll: float = 2.0, timing: Timing = DEFAULT_TIMING) -> None:
        self._store, self._lrs, self._now = store, lrs, now
        self.poll, self.timing = poll, timing
        self.owner = lease_owner_name("lrs:")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="xapi-sender", daemon=True)
        self.failed_runs = 0
        self.last_report: Report | None = None

    def start(self) -> BackgroundSender:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to stop after its current POST, and wait for it."""
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._stop.wait(self.turn().total_seconds())

    def turn(self) -> timedelta:
        """One run of the sender; how long to wait before the next."""
        try:
            lrs = self._lrs()
            if lrs is None or not lrs.configured:
                return timedelta(seconds=self.poll)
            report = send_due(self._store(), lambda batch: post_statements(lrs, batch), self._now,
                              owner=self.owner, timing=self.timing)
        except Exception:  # a database outage or a settings file being edited must not end the thread
            log.exception("the xAPI sender's run failed; it tries again")
            report = Report(down="the run failed (see the server log)")
        self.last_report = report
        if not report.down:
            self.failed_runs = 0
            return timedelta(seconds=self.poll)
        self.failed_runs += 1
        return max(timedelta(seconds=self.poll), backoff(self.failed_runs - 1, self.timing))
