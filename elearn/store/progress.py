"""A learner's progress: lesson completions and scenario attempts, written as that learner.

Writes take the signed-in ``user`` and only ever touch that user's rows; reads take a
``viewer`` and go through ``elearn.store.access``. Every write is safe to retry: completing a
lesson twice keeps the first completion, saving a run again overwrites it with the same value,
finishing a finished attempt returns it unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, func, insert, literal, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from elearn.store.access import DENIED, require_read
from elearn.store.aggregates import advance_progress, refresh_progress
from elearn.store.db import Store, insert_ignoring_duplicates
from elearn.store.errors import AccessDenied, AttemptFinished
from elearn.store.events import evidence_rows
from elearn.store.records import Attempt, Finish, LessonCompletion, Progress, User, Viewer
from elearn.store.tables import AttemptRow, LessonCompletionRow
from elearn.store.users import fetch_user
from elearn.store.xapi_outbox import queue_statements_in

_ATTEMPT_COLUMNS = (
    AttemptRow.id,
    AttemptRow.user_id,
    AttemptRow.scenario_id,
    AttemptRow.scenario_version,
    AttemptRow.attempt_number,
    AttemptRow.started_at,
    AttemptRow.updated_at,
    AttemptRow.finished_at,
    AttemptRow.run_json,
    AttemptRow.ending_id,
    AttemptRow.outcome,
    AttemptRow.score,
)
# Pages read every attempt's status on each rerun; a finished attempt's run (kilobytes of JSON
# each, hundreds of them for a keen learner) is only needed for its debrief, read with get_attempt.
_SUMMARY_COLUMNS = tuple(
    case((AttemptRow.finished_at.is_(None), AttemptRow.run_json), else_=literal("")).label("run_json")
    if column is AttemptRow.run_json else column
    for column in _ATTEMPT_COLUMNS
)
# Built once, with the values as bound parameters: the scenario page reads its attempts twice a
# click, and building a statement costs SQLAlchemy more CPU than running it.
_BY_START = (AttemptRow.started_at, AttemptRow.id)
_ATTEMPTS_OF = select(*_SUMMARY_COLUMNS).where(AttemptRow.user_id == bindparam("user_id")).order_by(*_BY_START)
_ATTEMPTS_AT = (select(*_SUMMARY_COLUMNS)
                .where(AttemptRow.user_id == bindparam("user_id"), AttemptRow.scenario_id == bindparam("scenario_id"))
                .order_by(*_BY_START))
_COMPLETIONS_OF = (select(LessonCompletionRow.lesson_id, LessonCompletionRow.completed_at)
                   .where(LessonCompletionRow.user_id == bindparam("user_id"))
                   .order_by(LessonCompletionRow.completed_at, LessonCompletionRow.lesson_id))
# Every answer saves its attempt's run (and the last one closes the attempt).
_OWN_OPEN_ATTEMPT = (AttemptRow.id == bindparam("attempt"), AttemptRow.user_id == bindparam("owner"),
                     AttemptRow.finished_at.is_(None))
# (An UPDATE's parameters may not be named like its columns.)
_SAVE_RUN = update(AttemptRow).where(*_OWN_OPEN_ATTEMPT).values(run_json=bindparam("run"), updated_at=bindparam("now"))
_FINISH_RUN = update(AttemptRow).where(*_OWN_OPEN_ATTEMPT).values(
    run_json=bindparam("run"), updated_at=bindparam("now"), finished_at=bindparam("now"),
    ending_id=bindparam("ending"), outcome=bindparam("result"), score=bindparam("points"))
_LAST_NUMBER = select(func.max(AttemptRow.attempt_number)).where(
    AttemptRow.user_id == bindparam("user_id"), AttemptRow.scenario_id == bindparam("scenario_id"))
_NEW_ATTEMPT = insert(AttemptRow).returning(AttemptRow.id)
_ONE_ATTEMPT = select(*_ATTEMPT_COLUMNS).where(AttemptRow.id == bindparam("attempt_id"))
# Two tabs starting the same scenario at once can pick the same attempt number on PostgreSQL;
# the unique constraint refuses the second, which then takes the next number.
_NUMBERING_TRIES = 5


def complete_lesson(store: Store, user: User, lesson_id: str, now: datetime,
                    statements: Sequence[Mapping[str, Any]] = ()) -> None:
    """Mark ``lesson_id`` done for ``user``. Doing it again keeps the first completion time.

    ``statements`` (its xAPI statements, when an LRS is configured) are queued in the same
    transaction, only with a first completion (``elearn.store.xapi_outbox``)."""

    def work(conn: Connection) -> None:
        if insert_ignoring_duplicates(
            conn, LessonCompletionRow, {"user_id": user.id, "lesson_id": lesson_id, "completed_at": now},
            ("user_id", "lesson_id"),
        ):
            refresh_progress(conn, user.id)
            queue_statements_in(conn, statements, now)

    store.write(work)


def start_attempt(
    store: Store, user: User, scenario_id: str, scenario_version: int, *, run_json: str, now: datetime,
    seeded_run: Callable[[int], str] | None = None,
) -> Attempt:
    """Start ``user``'s next attempt at a scenario with the engine's initial run.

    ``seeded_run``, if given, makes the run to store from the new attempt's id (the scenario
    player seeds the order of choices with it) and replaces ``run_json`` in the same
    transaction: one write for the start instead of a start and a save.
    """

    def work(conn: Connection) -> Attempt:
        last = conn.scalar(_LAST_NUMBER, {"user_id": user.id, "scenario_id": scenario_id})
        attempt_id = conn.execute(_NEW_ATTEMPT, {
            "user_id": user.id, "scenario_id": scenario_id, "scenario_version": scenario_version,
            "attempt_number": (last or 0) + 1, "started_at": now, "updated_at": now, "run_json": run_json,
        }).scalar_one()
        if seeded_run is not None:
            conn.execute(_SAVE_RUN, {"attempt": attempt_id, "owner": user.id, "run": seeded_run(attempt_id),
                                     "now": now})
        refresh_progress(conn, user.id)
        return _fetch_attempt(conn, attempt_id)

    for try_number in range(1, _NUMBERING_TRIES + 1):
        try:
            return store.write(work)
        except IntegrityError:
            if try_number == _NUMBERING_TRIES:
                raise
    raise AssertionError("unreachable")


def save_run(store: Store, user: User, attempt_id: int, run_json: str, now: datetime) -> None:
    """Save the in-progress run of ``user``'s attempt, so a reload resumes exactly here.

    Raises ``AccessDenied`` if the attempt is not the user's, ``AttemptFinished`` if it ended.
    """

    store.write(lambda conn: update_run(conn, user, attempt_id, run_json, now))


def update_run(conn: Connection, user: User, attempt_id: int, run_json: str, now: datetime,
               finish: Finish | None = None, *, saved_before: tuple[datetime, datetime] | None = None) -> None:
    """Store the run of ``user``'s in-progress attempt, and with ``finish`` close it, in the caller's transaction.

    ``saved_before`` is the attempt's start and latest save as read (under a lock) in this
    transaction: the learner's progress row then only moves its time spent and last activity on,
    instead of being recomputed. Raises ``AccessDenied`` if the attempt is not the user's,
    ``AttemptFinished`` if it has ended.
    """
    values: dict[str, Any] = {"attempt": attempt_id, "owner": user.id, "run": run_json, "now": now}
    if finish is not None:
        values.update(ending=finish.ending_id, result=finish.outcome, points=finish.score)
    saved = conn.execute(_SAVE_RUN if finish is None else _FINISH_RUN, values)
    if saved.rowcount != 1:
        _fetch_own_attempt(conn, user, attempt_id)  # raises AccessDenied if it is not theirs
        raise AttemptFinished("This attempt is already finished. Start the scenario again to play it anew.")
    # A save dated before the one it replaces (a clock set back) can lower the last activity: recompute.
    if finish is None and saved_before is not None and now >= saved_before[1]:
        advance_progress(conn, user.id, *saved_before, now)
    else:
        refresh_progress(conn, user.id)


def finish_attempt(
    store: Store,
    user: User,
    attempt_id: int,
    *,
    ending_id: str,
    outcome: str,
    score: float,
    run_json: str,
    now: datetime,
) -> Attempt:
    """Close ``user``'s attempt with its ending, outcome, score and final run.

    Finishing an already finished attempt changes nothing and returns it as it was stored.
    """

    def work(conn: Connection) -> Attempt:
        finished = conn.execute(
            update(AttemptRow)
            .where(AttemptRow.id == attempt_id, AttemptRow.user_id == user.id, AttemptRow.finished_at.is_(None))
            .values(
                finished_at=now, updated_at=now, ending_id=ending_id, outcome=outcome, score=score,
                run_json=run_json,
            )
        )
        if finished.rowcount == 1:
            refresh_progress(conn, user.id)
        return _fetch_own_attempt(conn, user, attempt_id)

    return store.write(work)


def get_attempt(store: Store, viewer: Viewer, attempt_id: int) -> Attempt:
    """One attempt, if ``viewer`` may read its learner's progress (else ``AccessDenied``)."""

    def work(conn: Connection) -> Attempt:
        owner = conn.scalar(select(AttemptRow.user_id).where(AttemptRow.id == attempt_id))
        if owner is None:
            raise AccessDenied(DENIED)
        require_read(conn, viewer, owner)
        return _fetch_attempt(conn, attempt_id)

    return store.read(work)


def progress_for(store: Store, viewer: Viewer, user_id: int) -> Progress:
    """Everything the learner page needs about ``user_id``, read in one consistent snapshot:
    lesson completions, every attempt (``Progress.resumable`` has the latest unfinished one per
    scenario, with its run) and the first-attempt evidence for mastery, oldest first.

    Finished attempts come without their run (``run_json`` is ""): read one with ``get_attempt``
    to show its debrief."""

    def work(conn: Connection) -> Progress:
        require_read(conn, viewer, user_id)
        user = fetch_user(conn, user_id)
        assert user is not None
        completions = tuple(
            LessonCompletion(user_id=user_id, lesson_id=row[0], completed_at=row[1])
            for row in conn.execute(_COMPLETIONS_OF, {"user_id": user_id})
        )
        attempts = tuple(_attempt(row) for row in conn.execute(_ATTEMPTS_OF, {"user_id": user_id}))
        return Progress(user=user, completions=completions, attempts=attempts, evidence=evidence_rows(conn, user_id))

    return store.read(work)


def attempts_for(store: Store, viewer: Viewer, user_id: int, scenario_id: str | None = None) -> tuple[Attempt, ...]:
    """``user_id``'s attempts (at one scenario, if given), oldest first, as in ``progress_for``
    (runs of unfinished attempts only): what the scenario page needs, without the rest."""

    def work(conn: Connection) -> tuple[Attempt, ...]:
        require_read(conn, viewer, user_id)
        if scenario_id is None:
            rows = conn.execute(_ATTEMPTS_OF, {"user_id": user_id})
        else:
            rows = conn.execute(_ATTEMPTS_AT, {"user_id": user_id, "scenario_id": scenario_id})
        return tuple(_attempt(row) for row in rows)

    return store.read(work)


def _fetch_own_attempt(conn: Connection, user: User, attempt_id: int) -> Attempt:
    owner = conn.scalar(select(AttemptRow.user_id).where(AttemptRow.id == attempt_id))
    if owner != user.id:
        raise AccessDenied("This attempt belongs to someone else.")
    return _fetch_attempt(conn, attempt_id)


def _fetch_attempt(conn: Connection, attempt_id: int) -> Attempt:
    return _attempt(conn.execute(_ONE_ATTEMPT, {"attempt_id": attempt_id}).one())


def _attempt(row: Sequence[Any]) -> Attempt:
    return Attempt(
        id=row[0], user_id=row[1], scenario_id=row[2], scenario_version=row[3], attempt_number=row[4],
        started_at=row[5], updated_at=row[6], finished_at=row[7], run_json=row[8], ending_id=row[9],
        outcome=row[10], score=row[11],
    )
