"""Grade passback (LTI Assignment and Grade Services): what a launched learner's results are
worth to the LMS's gradebook, queued once, and sent with retries.

**What is posted.** A line item linked to a scenario gets each attempt at it finished since the
link: ``scoreGiven`` the attempt's first-attempt score as a fraction (0-1, of ``scoreMaximum`` 1),
``activityProgress`` Completed, ``gradingProgress`` FullyGraded, and a comment saying whether the
honest pass rule (``elearn.course.passing``) counts it as passed. A line item linked to the
course gets one score when the whole course is complete: the share of its scenarios passed under
the pass rule (1 exactly when the course is passed), as Team progress counts it. The timestamp
is the moment of the finish, so a re-post says the same thing.

**Queue, then send.** ``queue_owed`` runs right after a finish (and again from every sender run
of ``python -m elearn lti send-scores``), and queues what is owed under keys that name the
attempt or the completion, so it is idempotent: nothing is queued, or posted, twice for one
attempt. ``send_due`` claims queued scores with a lease, gets an access token per platform, and
posts them; while the LMS is down it backs off (1, 2, 4 ... minutes, at most an hour).
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from elearn.course.catalogue import Course
from elearn.course.passing import PassRule
from elearn.lti.services import AGS_SCORE, ServiceDown, ServiceRefused, access_token, call, forget_token
from elearn.manage.dashboard import completion_rows
from elearn.store.analytics import LearnerFacts, learner_facts
from elearn.store.db import Store
from elearn.store.lti import Platform, platforms
from elearn.store.lti_scores import (
    GradeLink,
    NewScore,
    QueuedScore,
    claim_scores,
    grade_links_of,
    linked_learners,
    mark_score_dropped,
    mark_score_retry,
    mark_score_sent,
    queue_scores,
)
from elearn.store.progress import attempts_for
from elearn.store.records import User

COURSE_TARGET = "course"
SCENARIO_TARGET = "scenario:"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(minutes=1)
LAST_RETRY = timedelta(hours=1)


@dataclass
class SendReport:
    """What one sender run did: score keys sent, retrying (with the reason) and dropped."""

    queued: int = 0
    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def backoff(tries: int) -> timedelta:
    """How long to wait after the ``tries``-th failed try: 1, 2, 4... minutes, at most an hour."""
    wait: timedelta = FIRST_RETRY * (2 ** min(tries, 12))
    return min(wait, LAST_RETRY)


def scores_owed(store: Store, course: Course, user: User, pass_rule: PassRule, now: datetime) -> list[NewScore]:
    """Every score ``user``'s line items are owed now (queued or not: the keys make it once)."""
    owed: list[NewScore] = []
    links = grade_links_of(store, user.id)
    for link in links:
        if link.target.startswith(SCENARIO_TARGET):
            scenario_id = link.target.removeprefix(SCENARIO_TARGET)
            for attempt in attempts_for(store, user, user.id, scenario_id):
                if attempt.finished_at is None or attempt.score is None or attempt.finished_at < link.linked_at:
                    continue
                passed = pass_rule.passed(attempt.outcome, attempt.score)
                comment = f"{pass_rule.label(attempt.outcome, attempt.score)}: " + (
                    "passed" if passed else f"not passed (the pass mark is {pass_rule.threshold:g}%)")
                owed.append(NewScore(f"attempt:{attempt.id}:link:{link.id}", link, _payload(
                    link, attempt.score / 100, comment, attempt.finished_at)))
    course_links = [link for link in links if link.target == COURSE_TARGET]
    if course_links:
        facts = learner_facts(store, user, [lesson.id for lesson in course.lessons], [s.id for s in course.scenarios])
        rows = completion_rows(course, facts, {}, {}, now, pass_rule=pass_rule)
        for row in rows:
            if row.user_id != user.id or row.completed_at is None:
                continue
            asked = row.required_scenarios or tuple(s.id for s in course.scenarios)
            cleared = sum(1 for s in asked if pass_rule.clears(_best(facts, user.id, s)))
            share = cleared / len(asked) if asked else 1.0
            comment = ("Course passed" if row.course_passed else
                       f"Course complete; {cleared} of {len(asked)} scenarios passed")
            for link in course_links:
                owed.append(NewScore(f"course:{user.id}:{int(row.completed_at.timestamp())}:link:{link.id}", link,
                                     _payload(link, share, comment, row.completed_at)))
    return owed


def queue_owed(store: Store, course: Course, user: User, pass_rule: PassRule, now: datetime) -> int:
    """Queue what ``user``'s line items are owed and not queued yet; how many scores are new."""
    return queue_scores(store, scores_owed(store, course, user, pass_rule, now), now)


def sweep(store: Store, course: Course, pass_rule: PassRule, now: datetime) -> int:
    """Queue what every linked learner is owed (what a crash between a finish and its queueing
    left out); how many scores are new. The sender's command runs it first."""
    return sum(queue_owed(store, course, user, pass_rule, now) for user in linked_learners(store))


def send_due(store: Store, now: Callable[[], datetime], *, owner: str | None = None) -> SendReport:
    """Post every due score this process can claim, until none is left or each platform with
    scores is down. Safe to run in several processes at once (each score is claimed by one)."""
    owner = owner or f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(4)}"
    report = SendReport()
    by_id = {p.id: p for p in platforms(store)}
    down: set[int] = set()
    while True:
        batch = claim_scores(store, owner, now(), LEASE)
        if not batch:
            return report
        for score in batch:
            platform = by_id.get(score.platform_id)
            if platform is None:
                mark_score_dropped(store, score.id, owner, now(), "the LMS of this score is no longer registered")
                report.dropped.append(f"{score.score_key}: the LMS is no longer registered")
                continue
            if platform.id in down:  # one failure per LMS and run: the rest of its scores wait with it
                mark_score_retry(store, score.id, owner, now() + backoff(score.tries),
                                 f"not tried: {platform.issuer} was down a moment ago")
                report.retrying.append(score.score_key)
                continue
            try:
                _post(store, platform, score)
            except ServiceDown as failed:
                down.add(platform.id)
                mark_score_retry(store, score.id, owner, now() + backoff(score.tries), str(failed))
                report.retrying.append(f"{score.score_key}: {failed}")
            except ServiceRefused as refused:
                mark_score_dropped(store, score.id, owner, now(), str(refused))
                report.dropped.append(f"{score.score_key}: {refused}")
            else:
                mark_score_sent(store, score.id, owner, now())
                report.sent.append(score.score_key)
        if down and all(s.platform_id in down for s in batch):
            return report


def scores_url(lineitem_url: str) -> str:
    """The line item's scores endpoint: its path with ``/scores`` appended (its query kept)."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def _post(store: Store, platform: Platform, score: QueuedScore) -> None:
    # The assertion's iat and exp are checked against the LMS's clock: the wall clock's, not the queue's.
    token = access_token(store, platform, (AGS_SCORE,), datetime.now(UTC))
    try:
        call(scores_url(score.lineitem_url), token, method="POST", payload=score.payload, content_type=SCORE_TYPE,
             what="a score")
    except ServiceDown:
        forget_token(platform, (AGS_SCORE,))  # a 401 means the token went stale; any failure: start afresh
        raise


def _payload(link: GradeLink, share: float, comment: str, at: datetime) -> dict[str, Any]:
    return {"userId": link.subject, "scoreGiven": round(min(1.0, max(0.0, share)), 4), "scoreMaximum": 1,
            "activityProgress": "Completed", "gradingProgress": "FullyGraded", "comment": comment[:250],
            "timestamp": at.isoformat(timespec="milliseconds")}


def _best(facts: Sequence[LearnerFacts], user_id: int, scenario_id: str) -> float | None:
    return next((fact.best_success_score.get(scenario_id) for fact in facts if fact.user_id == user_id), None)
