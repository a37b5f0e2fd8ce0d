"""The Learning Record Store for this server process: the statements source, and the sender thread.

``xapi_source`` is None while no LRS is configured: then nothing is queued, and events written
before an LRS is configured are never sent (the xAPI export covers them: docs/lrs.md).
``start_sender`` starts the background sender (``elearn.lrs.background``) once per process;
``serve.py`` calls it when the server starts.
"""

from __future__ import annotations

import threading

from elearn.lrs.background import BackgroundSender
from elearn.lrs.config import LrsSettings
from elearn.manage.exports import XapiSource
from ui.course import current_course, pass_rule
from ui.store import current_settings, current_store, now

_lock = threading.Lock()
_sender: list[BackgroundSender] = []


def xapi_source() -> XapiSource | None:
    """What live statements are built from, or None when no LRS is configured (nothing to queue)."""
    settings = current_settings()
    if not settings.lrs.configured or not settings.xapi_home_page:
        return None
    return XapiSource(current_course(), settings.xapi_home_page, pass_rule())


def _configured_lrs() -> LrsSettings | None:
    lrs = current_settings().lrs
    return lrs if lrs.configured else None


def start_sender() -> BackgroundSender:
    """The process's background sender, started on the first call (later calls return it)."""
    with _lock:
        if not _sender:
            _sender.append(BackgroundSender(current_store, _configured_lrs, now).start())
        return _sender[0]
