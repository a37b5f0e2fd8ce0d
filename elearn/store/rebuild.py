"""Recompute the running aggregates from the event log: ``python -m elearn db rebuild-aggregates``.

``rebuild_aggregates`` reads, learner by learner (``CHUNK`` at a time, each chunk its own
transaction), the first-attempt choice events, attempts and lesson completions, computes what
``skill_ratings``, ``skill_tallies`` and ``learner_progress`` should hold with the same rules as
the write path (``elearn.store.progress_rules``) and, once the app stored a course outline, each
person's ``learner_standings`` row (``elearn.store.standing_rules``), and either replaces the
stored rows (rebuild) or only compares them (``verify=True``), reporting every difference. The demo generator computes
its batches' aggregates with ``aggregates_of`` and inserts them in bulk (``insert_aggregates``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import delete, func, insert, select, union
from sqlalchemy.engine import Connection

from elearn.store.db import Store, one_of
from elearn.store.progress_rules import AttemptFacts, fold_ratings, progress_values
from elearn.store.standings import expected_standings, stored_outline
from elearn.store.tables import (
    AttemptRow,
    ChoiceEventRow,
    CourseOutlineRow,
    LearnerProgressRow,
    LearnerStandingRow,
    LessonCompletionRow,
    SkillRatingRow,
    SkillTallyRow,
    UserRow,
)

CHUNK = 500
SHOWN_DIFFERENCES = 20


@dataclass(frozen=True)
class Expected:
    """What the aggregates of some learners should hold, as rows keyed like their tables."""

    ratings: dict[tuple[int, str], dict[str, Any]]
    tallies: dict[tuple[int, str], dict[str, Any]]
    progress: dict[int, dict[str, Any]]
    standings: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Empty before the app stored a course outline (``elearn.store.standings.sync_outline``)."""


@dataclass(frozen=True)
class RebuildReport:
    learners: int
    ratings: int
    tallies: int
    differences: int
    shown: tuple[str, ...]
    """The first ``SHOWN_DIFFERENCES`` differences, in words."""
    verified_only: bool


def expected_for(conn: Connection, user_ids: Sequence[int]) -> Expected:
    """The aggregates of ``user_ids`` computed from scratch from their events, attempts and lessons."""
    events = conn.execute(
        select(ChoiceEventRow.user_id, ChoiceEventRow.id, ChoiceEventRow.occurred_at, ChoiceEventRow.evidence)
        .where(one_of(conn, ChoiceEventRow.user_id, user_ids), ChoiceEventRow.first_attempt.is_(True)))
    attempts = conn.execute(
        select(AttemptRow.user_id, AttemptRow.scenario_id, AttemptRow.started_at, AttemptRow.updated_at,
               AttemptRow.finished_at, AttemptRow.outcome, AttemptRow.score)
        .where(one_of(conn, AttemptRow.user_id, user_ids)))
    lessons = conn.execute(
        select(LessonCompletionRow.user_id, LessonCompletionRow.lesson_id, LessonCompletionRow.completed_at)
        .where(one_of(conn, LessonCompletionRow.user_id, user_ids)))
    found = aggregates_of((dict(row._mapping) for row in events), (dict(row._mapping) for row in attempts),
                          (dict(row._mapping) for row in lessons))
    outline = stored_outline(conn)
    if outline is None:
        return found
    standings = expected_standings(conn, outline, user_ids, {user_id: found.progress.get(user_id, {})
                                                             for user_id in user_ids})
    return replace(found, standings={row["user_id"]: row for row in standings})


def aggregates_of(events: Iterable[Mapping[str, Any]], attempts: Iterable[Mapping[str, Any]],
                  lessons: Iterable[Mapping[str, Any]]) -> Expected:
    """The aggregates of the learners of these rows (column names as in their tables; ``events``
    of first attempts only are rated, others are skipped): the from-scratch computation."""
    ratings: dict[tuple[int, str], dict[str, Any]] = {}
    per_skill: dict[tuple[int, str], list[tuple[Any, int, str]]] = defaultdict(list)
    for event in events:
        if not event.get("first_attempt", True):
            continue
        user_id, event_id, occurred_at = event["user_id"], event["id"], event["occurred_at"]
        for skill, rating in event["evidence"].items():
            ratings[(event_id, skill)] = {"event_id": event_id, "skill": skill, "user_id": user_id, "rating": rating,
                                          "occurred_at": occurred_at}
            per_skill[(user_id, skill)].append((occurred_at, event_id, rating))
    tallies = {}
    for (user_id, skill), found in per_skill.items():
        tally = fold_ratings(found)
        assert tally is not None
        tallies[(user_id, skill)] = {"user_id": user_id, "skill": skill, "successes": tally.successes,
                                     "failures": tally.failures, "observations": tally.observations,
                                     "last_at": tally.last_at, "last_event_id": tally.last_event_id}
    played: dict[int, list[AttemptFacts]] = defaultdict(list)
    for row in attempts:
        played[row["user_id"]].append(AttemptFacts(row["scenario_id"], row["started_at"], row["updated_at"],
                                                   row["finished_at"], row["outcome"], row["score"]))
    read: dict[int, list[tuple[str, Any]]] = defaultdict(list)
    for row in lessons:
        read[row["user_id"]].append((row["lesson_id"], row["completed_at"]))
    progress = {user_id: progress_values(played.get(user_id, ()), read.get(user_id, ())).as_row(user_id)
                for user_id in sorted(set(played) | set(read))}
    return Expected(ratings=ratings, tallies=tallies, progress=progress)


def insert_aggregates(conn: Connection, found: Expected) -> None:
    """Insert the rows of ``found`` (its learners must have none stored)."""
    for table, rows in ((SkillRatingRow, found.ratings), (SkillTallyRow, found.tallies),
                        (LearnerProgressRow, found.progress), (LearnerStandingRow, found.standings)):
        for part in _parts(list(rows.values()), 5_000):
            conn.execute(insert(table), part)


def stored_for(conn: Connection, user_ids: Sequence[int]) -> Expected:
    """The aggregates of ``user_ids`` as stored."""

    def rows(table: Any, column: Any) -> Iterator[dict[str, Any]]:
        for row in conn.execute(select(table).where(one_of(conn, column, user_ids))):
            yield dict(row._mapping)

    return Expected(
        ratings={(r["event_id"], r["skill"]): r for r in rows(SkillRatingRow.__table__, SkillRatingRow.user_id)},
        tallies={(r["user_id"], r["skill"]): r for r in rows(SkillTallyRow.__table__, SkillTallyRow.user_id)},
        progress={r["user_id"]: r for r in rows(LearnerProgressRow.__table__, LearnerProgressRow.user_id)},
        standings={r["user_id"]: r for r in rows(LearnerStandingRow.__table__, LearnerStandingRow.user_id)},
    )


def differences(stored: Expected, expected: Expected) -> Iterator[str]:
    """Every way ``stored`` differs from ``expected``, in words."""
    tables: tuple[tuple[str, Mapping[Any, dict[str, Any]], Mapping[Any, dict[str, Any]]], ...] = (
        ("skill rating", stored.ratings, expected.ratings),
        ("skill tally", stored.tallies, expected.tallies),
        ("learner progress", stored.progress, expected.progress),
        ("learner standing", stored.standings, expected.standings),
    )
    for name, have, want in tables:
        for key in sorted(set(have) | set(want), key=repr):
            if key not in have:
                yield f"{name} {key}: missing (expected {want[key]})"
            elif key not in want:
                yield f"{name} {key}: stored but not in the event log ({have[key]})"
            elif have[key] != want[key]:
                changed = {column: (have[key][column], want[key][column]) for column in want[key]
                           if have[key][column] != want[key][column]}
                yield f"{name} {key}: " + ", ".join(f"{column} is {was!r}, expected {should!r}"
                                                    for column, (was, should) in changed.items())


def rebuild_users(conn: Connection, user_ids: Sequence[int]) -> Expected:
    """Replace the aggregates of ``user_ids`` with their from-scratch values; return those."""
    expected = expected_for(conn, user_ids)
    for table, column in ((SkillRatingRow, SkillRatingRow.user_id), (SkillTallyRow, SkillTallyRow.user_id),
                          (LearnerProgressRow, LearnerProgressRow.user_id),
                          (LearnerStandingRow, LearnerStandingRow.user_id)):
        conn.execute(delete(table).where(one_of(conn, column, user_ids)))
    insert_aggregates(conn, expected)
    return expected


def rebuild_aggregates(store: Store, *, verify: bool = False,
                       progress: Callable[[int, int], None] | None = None) -> RebuildReport:
    """Recompute every learner's aggregates; with ``verify``, only compare and report."""
    learners = store.read(_learners_with_activity)
    ratings = tallies = count = 0
    shown: list[str] = []
    for start in range(0, len(learners), CHUNK):
        chunk = learners[start:start + CHUNK]

        def work(conn: Connection, chunk: list[int] = chunk) -> tuple[Expected, list[str]]:
            expected = expected_for(conn, chunk)
            found = list(differences(stored_for(conn, chunk), expected))
            if found and not verify:
                rebuild_users(conn, chunk)
            return expected, found

        expected, found = store.write(work) if not verify else store.read(work)
        ratings += len(expected.ratings)
        tallies += len(expected.tallies)
        count += len(found)
        shown += found[:SHOWN_DIFFERENCES - len(shown)]
        if progress is not None:
            progress(min(start + CHUNK, len(learners)), len(learners))
    return RebuildReport(learners=len(learners), ratings=ratings, tallies=tallies, differences=count,
                         shown=tuple(shown), verified_only=verify)


def _learners_with_activity(conn: Connection) -> list[int]:
    """Everyone with an event, an attempt, a lesson done or a stored aggregate, by id; everyone at
    all once a course outline is stored (each person then has a standing)."""
    found = union(select(AttemptRow.user_id), select(LessonCompletionRow.user_id),
                  select(SkillTallyRow.user_id), select(LearnerProgressRow.user_id),
                  select(LearnerStandingRow.user_id), select(func.distinct(ChoiceEventRow.user_id)),
                  select(UserRow.id).where(select(CourseOutlineRow.id).exists())).subquery()
    return sorted(conn.scalars(select(found.c[0])))


def _parts(rows: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]
