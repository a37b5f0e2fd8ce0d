"""A learner's answer, stored in one transaction: the choice event, the run after it, and the finish.

The scenario player saves every answer before it shows the result. Event and run go in together,
so no crash, lost connection or second process can leave a run that moved on without its event
(or an event whose run never moved): either both are stored or neither is, and the running
aggregates (``elearn.store.aggregates``) move with them. The event's key
makes the write idempotent: a retried transaction whose first commit did succeed finds its own
event and changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from elearn.store.db import Store
from elearn.store.events import insert_choice_of_attempt
from elearn.store.progress import update_run
from elearn.store.records import Finish, NewChoice, User
from elearn.store.replies import clean_reply, insert_reply


def record_answer(store: Store, user: User, choice: NewChoice, run_json: str, now: datetime,
                  finish: Finish | None = None, typed_reply: str | None = None) -> bool:
    """Record ``choice`` in ``user``'s attempt with the run after it; with ``finish``, the attempt ends too.

    With ``typed_reply`` ("Say it your way": what the learner typed before seeing the answers), the
    reply is stored in the same transaction, keyed like the event (``elearn.store.replies``).

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
        return True

    return store.write(work)
