"""A learner's answer, stored in one transaction: the choice event, the run after it, and the finish.

The scenario player saves every answer before it shows the result. Event and run go in together,
so no crash, lost connection or second process can leave a run that moved on without its event
(or an event whose run never moved): either both are stored or neither is, and the running
aggregates (``elearn.store.aggregates``) move with them, and so do the xAPI statements that
describe the answer when a Learning Record Store is configured (``elearn.store.xapi_outbox``). The event's key
makes the write idempotent: a retried transaction whose first commit did succeed finds its own
event and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from elearn.store.db import Store
from elearn.store.events import insert_choice_of_attempt
from elearn.store.progress import update_run
from elearn.store.records import Finish, NewChoice, User
from elearn.store.replies import clean_reply, insert_reply
from elearn.store.xapi_outbox import queue_statements_in


def record_answer(store: Store, user: User, choice: NewChoice, run_json: str, now: datetime,
                  finish: Finish | None = None, typed_reply: str | None = None,
                  statements: Sequence[Mapping[str, Any]] = ()) -> bool:
    """Record ``choice`` in ``user``'s attempt with the run after it; with ``finish``, the attempt ends too.

    With ``typed_reply`` ("Say it your way": what the learner typed before seeing the answers), the
    reply is stored in the same transaction, keyed like the event (``elearn.store.replies``).
    ``statements`` (the xAPI statements of this answer, and of the finish, each with its
    deterministic id) are queued for the LRS in that transaction too, only if the event is new.

    True if stored now; False if this ``choice.event_key`` was already recorded (with its run, by
    an earlier call), in which case nothing changes. Raises ``AccessDenied`` if the attempt is not
    the user's and ``AttemptFinished`` if it has already ended; then nothing is stored.
    """

    if typed_reply is not None:
        clean_reply(typed_reply)  # a reply past the limit is refused before anything is written

    def work(conn: Connection) -> bool:
        times = insert_choice_of_attempt(conn, user, choice, lock=True)
        if times is None:
            return False
        if typed_reply is not None:
            insert_reply(conn, user, choice, typed_reply)
        update_run(conn, user, choice.attempt_id, run_json, now, finish, saved_before=times)
        queue_statements_in(conn, statements, now)
        return True

    return store.write(work)
