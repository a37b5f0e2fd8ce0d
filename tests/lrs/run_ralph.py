"""Run Ralph's LRS (``ralph.api:app``) with its file-system backend appending: run by the Ralph
venv's Python (``tests/lrs/conftest.py``), never imported by the app's.

Ralph 5.1.0's file-system LRS backend writes each POSTed batch with its default operation,
``create``, which refuses once the statements file exists: every batch after the first then
fails with 500 "Statements bulk indexation failed". Its data backend appends when asked to, so
this launcher makes ``append`` the LRS backend's default before the app starts. Usage:
``python run_ralph.py HOST PORT`` (the other settings come from ``RALPH_*`` variables).
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

from ralph.api import app  # noqa: E402  (after the backend is set: the app builds its client on import)

uvicorn.run(app, host=sys.argv[1], port=int(sys.argv[2]), log_level="warning")
