"""What a learner has earned: a certificate for each assignment met, and for the whole course,
under the honest pass rule (``elearn.course.passing``), exactly as Team progress counts it.

A learner **meets** what was asked when the dashboard's completion row (``elearn.manage.dashboard``)
says it is complete *and passed*: every lesson read, every scenario asked for finished, and each
of those passed (a successful ending with a first-attempt score at the threshold). The moment it
was met is the row's ``completed_at``; with a recertification period the certificate expires when
the completion does (``expires_at``). The whole course earns its own certificate when the current
assignment asked for only some modules, or when nothing was assigned.

The score band is the mean of the best passing first-attempt scores of the scenarios asked for:
``BANDS`` (every one of them cleared the threshold already).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from elearn.course.catalogue import Course
from elearn.course.passing import PassRule
from elearn.manage.dashboard import CompletionRow, completion_rows
from elearn.store.analytics import LearnerFacts, learner_facts
from elearn.store.assignments import Assignment, current_assignments, visible_assignments
from elearn.store.certificates import NewCertificate, award
from elearn.store.db import Store
from elearn.store.records import Viewer

COURSE_TITLE = "Calm under fire"
BANDS = ((90.0, "Distinction"), (80.0, "Merit"), (0.0, "Pass"))
"""(lowest mean score, band), best first: the band a certificate shows."""


def score_band(scores: Iterable[float]) -> str:
    found = list(scores)
    mean = sum(found) / len(found) if found else 0.0
    return next(band for lowest, band in BANDS if mean >= lowest)


def title_of(course: Course, modules: tuple[str, ...]) -> str:
    """What the certificate says was met: the course, or its modules by title."""
    if not modules:
        return f"{COURSE_TITLE}: the whole course"
    titles = [lesson.title for lesson_id in modules if (lesson := course.lesson(lesson_id)) is not None]
    return f"{COURSE_TITLE}: " + "; ".join(titles or modules)


def _earned(course: Course, row: CompletionRow, fact: LearnerFacts, assignment: Assignment | None
            ) -> NewCertificate | None:
    if not row.course_passed or row.completed_at is None:
        return None
    modules = assignment.modules if assignment is not None else ()
    scores = [fact.best_success_score[s] for s in row.required_scenarios if s in fact.best_success_score]
    return NewCertificate(user_id=row.user_id, assignment_id=assignment.id if assignment is not None else None,
                          title=title_of(course, modules), modules=modules, score_band=score_band(scores),
                          earned_at=row.completed_at, expires_at=row.expires_at)


def earned_certificates(course: Course, facts: Iterable[LearnerFacts], assignments: Mapping[int, Assignment],
                        now: datetime, pass_rule: PassRule) -> list[NewCertificate]:
    """Every certificate the learners of ``facts`` have earned, given their current ``assignments``."""
    by_user = {fact.user_id: fact for fact in facts}
    earned: list[NewCertificate] = []
    assigned = completion_rows(course, by_user.values(), assignments, {}, now, pass_rule=pass_rule)
    whole = completion_rows(course, by_user.values(), {}, {}, now, pass_rule=pass_rule)
    for row, course_row in zip(assigned, whole, strict=True):
        assignment = assignments.get(row.user_id)
        if assignment is not None:
            met = _earned(course, row, by_user[row.user_id], assignment)
            if met is not None:
                earned.append(met)
        if assignment is None or not assignment.whole_course:
            met = _earned(course, course_row, by_user[row.user_id], None)
            if met is not None:
                earned.append(met)
    return earned


def award_earned(store: Store, course: Course, viewer: Viewer, now: datetime, pass_rule: PassRule) -> int:
    """Award what the learners ``viewer`` may see have earned (a learner: themselves; a manager:
    their teams). Safe to call on every page view; returns how many certificates are new."""
    facts = learner_facts(store, viewer, [lesson.id for lesson in course.lessons], [s.id for s in course.scenarios])
    current = current_assignments(visible_assignments(store, viewer), [(f.user_id, f.team_id) for f in facts])
    return award(store, earned_certificates(course, facts, current, now, pass_rule), now)
