"""The manager dashboard's logic: completion statuses, summary figures, filters, team skills.

Pure functions over what ``elearn.store.analytics`` aggregated in the database. The rules:

- What an assignment asks: its modules' lessons and their practice scenarios; the whole course
  (every lesson and every scenario, capstones included) when it names no module, and also for a
  learner with no assignment.
- **completed**: every lesson asked for is read and every scenario asked for is finished. With a
  recertification period of R days it stays complete while each of those scenarios was last
  finished within R days (lessons count once read); after that the completion has **expired**
  and the learner is due again, until they finish the lapsed scenarios anew.
- **overdue**: not complete and the due date has passed; **in progress**: something asked for
  is done or started; else **not started**.
- **at risk**: not complete, not overdue, and due within ``AT_RISK_DAYS`` days.
- **deactivated**: an administrator deactivated the account. Its row stays (with what it did),
  but it is neither overdue nor at risk, and the summary figures leave it out.
- Only people with the learner role are rows at all (``elearn.store.analytics.learner_facts``):
  an administrator or manager without it is not counted.
- **passed** (the pass rule of ``elearn.course.passing``, injected as a ``PassRule``): a scenario is
  passed once some attempt reached a successful ending with a first-attempt score at or above
  the threshold; a finished scenario that was not is only completed. The course is passed when
  what was asked is complete and every scenario asked for was passed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from elearn.course.catalogue import Course
from elearn.course.lessons import Lesson
from elearn.course.passing import PassRule
from elearn.course.schema import Scenario
from elearn.learner.mastery import MIN_OBSERVATIONS, SkillMastery, _Tally
from elearn.store.analytics import STARTED_ONLY, ChoiceFlow, LearnerFacts, SkillEvidence
from elearn.store.assignments import Assignment
from elearn.store.standing_rules import AT_RISK_DAYS as AT_RISK_DAYS  # re-exported
from elearn.store.standing_rules import COMPLETED as COMPLETED  # re-exported
from elearn.store.standing_rules import DEACTIVATED as DEACTIVATED  # re-exported
from elearn.store.standing_rules import EXPIRED as EXPIRED  # re-exported
from elearn.store.standing_rules import IN_PROGRESS as IN_PROGRESS  # re-exported
from elearn.store.standing_rules import NOT_STARTED as NOT_STARTED  # re-exported
from elearn.store.standing_rules import OVERDUE as OVERDUE  # re-exported
from elearn.store.standing_rules import STATUSES as STATUSES  # re-exported
from elearn.store.standing_rules import Outline, asked

WEAKEST_SHOWN = 3


@dataclass(frozen=True)
class Requirement:
    """The lessons and scenarios an assignment asks for."""

    lessons: tuple[str, ...]
    scenarios: tuple[str, ...]

    @property
    def items(self) -> int:
        return len(self.lessons) + len(self.scenarios)


@dataclass(frozen=True)
class CompletionRow:
    """One learner in the completion table."""

    user_id: int
    name: str
    username: str
    team_id: int | None
    team: str
    status: str
    share_done: float
    """0 to 1: lessons read and scenarios finished, of those asked for."""
    assigned_at: datetime | None
    due_at: datetime | None
    days_overdue: int
    at_risk: bool
    last_activity: datetime | None
    minutes_spent: int
    scenarios_completed: int
    scenarios_passed: int
    """Scenarios passed under the pass rule (of every scenario in the course)."""
    course_passed: bool
    """What was asked is complete (``completed_at`` is set) and every scenario asked for was passed."""
    mean_best_score: float | None
    weakest: tuple[str, ...]
    """Names of the learner's weakest measured skills, weakest first."""
    completed_at: datetime | None
    expires_at: datetime | None
    required_scenarios: tuple[str, ...] = ()
    """The scenarios asked of this learner."""


@dataclass(frozen=True)
class Summary:
    learners: int
    completed: int
    passed: int
    """Completed learners (in date, not expired) whose course is also passed."""
    in_progress: int
    not_started: int
    overdue: int
    expired: int
    at_risk: int

    @property
    def completion_rate(self) -> float:
        return self.completed / self.learners if self.learners else 0.0

    @property
    def pass_rate(self) -> float:
        return self.passed / self.learners if self.learners else 0.0


@dataclass(frozen=True)
class Filters:
    """What the manager narrowed the table to. Empty or None means "all"."""

    team_ids: frozenset[int] = frozenset()
    statuses: frozenset[str] = frozenset()
    due_from: date | None = None
    due_to: date | None = None
    overdue_only: bool = False
    search: str = ""


@dataclass(frozen=True)
class TeamSkill:
    """A skill across a group of learners: the mean mastery of those with enough evidence."""

    skill: str
    name: str
    mean_mastery: float | None
    measured: int
    learners: int
    lesson: Lesson | None

    @property
    def enough_evidence(self) -> bool:
        return self.measured >= MIN_OBSERVATIONS


def outline_of(course: Course) -> Outline:
    """What the store needs of ``course`` to keep each learner's standing (``elearn.store.standings``)."""
    return Outline(lessons=tuple(lesson.id for lesson in course.lessons),
                   scenarios=tuple(scenario.id for scenario in course.scenarios),
                   practice={lesson.id: tuple(s.id for s in course.practice_for(lesson)) for lesson in course.lessons})


def requirement(course: Course, modules: Sequence[str] = ()) -> Requirement:
    """What ``modules`` (lesson ids; empty for the whole course) ask for, in course order
    (``elearn.store.standing_rules.asked``, the rule the stored standings follow).

    Unknown lesson ids are ignored (a lesson may have been removed since the assignment).
    """
    return Requirement(*asked(outline_of(course), modules))


def masteries_from(evidence: Iterable[SkillEvidence], skills: Iterable[str]) -> dict[int, dict[str, SkillMastery]]:
    """Each learner's mastery of every skill in ``skills`` (in that order), from the tallies the
    database keeps; a skill without evidence gets the prior, as ``elearn.learner.mastery`` gives it."""
    order = list(skills)
    prior = {skill: _Tally().mastery(skill) for skill in order}
    found: dict[int, dict[str, SkillMastery]] = {}
    for row in evidence:
        learner = found.get(row.user_id)
        if learner is None:
            learner = found[row.user_id] = dict(prior)
        if row.skill in learner:
            # _Tally.mastery, inlined: this runs once per learner and skill (100,000 times at 10,000 learners).
            alpha, beta = 1 + row.successes, 1 + row.failures
            total = alpha + beta
            learner[row.skill] = SkillMastery(row.skill, alpha / total,
                                              math.sqrt(alpha * beta / (total * total * (total + 1))),
                                              row.observations)
    return found


def completion_rows(
    course: Course,
    facts: Iterable[LearnerFacts],
    assignments: Mapping[int, Assignment],
    masteries: Mapping[int, Mapping[str, SkillMastery]],
    now: datetime,
    *,
    pass_rule: PassRule,
) -> list[CompletionRow]:
    """The completion table: one row per learner, in the order of ``facts``; "passed" as
    ``pass_rule`` says (the caller reads the course's threshold setting)."""
    whole = requirement(course)
    required: dict[tuple[str, ...], Requirement] = {(): whole}
    minutes = {lesson.id: lesson.meta.minutes for lesson in course.lessons}
    names = {skill.id: skill.name for skill in course.skills.values()}
    rows = []
    for fact in facts:
        assignment = assignments.get(fact.user_id)
        modules = assignment.modules if assignment else ()
        if modules not in required:
            required[modules] = requirement(course, modules)
        rows.append(_row(fact, assignment, required[modules], masteries.get(fact.user_id, {}), minutes, names, now,
                         pass_rule))
    return rows


def _row(
    fact: LearnerFacts,
    assignment: Assignment | None,
    asked: Requirement,
    mastery: Mapping[str, SkillMastery],
    minutes: Mapping[str, int],
    names: Mapping[str, str],
    now: datetime,
    pass_rule: PassRule,
) -> CompletionRow:
    lesson_times = [fact.lessons_done[lid] for lid in asked.lessons if lid in fact.lessons_done]
    finishes = [fact.scenario_finished.get(sid) for sid in asked.scenarios]
    finished = [t for t in finishes if t is not None and t != STARTED_ONLY]
    done = len(lesson_times) + len(finished)
    all_done = done == asked.items
    started = done > 0 or any(t is not None for t in finishes)
    due = assignment.due_at if assignment else None
    completed_at = expires_at = None
    if all_done:
        completed_at = _time(max([*lesson_times, *finished], default=0))
        if assignment and assignment.recertify_days and finished:
            expires_at = _time(min(finished)) + timedelta(days=assignment.recertify_days)
    if fact.deactivated:
        status = DEACTIVATED
    elif all_done:
        status = EXPIRED if expires_at is not None and now >= expires_at else COMPLETED
    elif due is not None and now > due:
        status = OVERDUE
    else:
        status = IN_PROGRESS if started else NOT_STARTED
    at_risk = status in (NOT_STARTED, IN_PROGRESS) and due is not None and due - now <= timedelta(days=AT_RISK_DAYS)
    weakest = sorted((m for m in mastery.values() if m.enough_evidence and m.band != "proficient"),
                     key=lambda m: (m.mastery, m.skill))[:WEAKEST_SHOWN]
    reading = sum(minutes.get(lid, 0) for lid in fact.lessons_done)
    passed = {sid for sid, score in fact.best_success_score.items() if pass_rule.clears(score)}
    return CompletionRow(
        user_id=fact.user_id, name=fact.display_name, username=fact.username, team_id=fact.team_id,
        team=fact.team_name or "", status=status, share_done=done / asked.items if asked.items else 1.0,
        assigned_at=assignment.assigned_at if assignment else None, due_at=due,
        days_overdue=(now - due).days if status == OVERDUE and due is not None else 0, at_risk=at_risk,
        last_activity=fact.last_activity, minutes_spent=fact.seconds_in_scenarios // 60 + reading,
        scenarios_completed=fact.scenarios_finished, scenarios_passed=len(passed),
        course_passed=completed_at is not None and passed.issuperset(asked.scenarios),
        mean_best_score=fact.mean_best_score, weakest=tuple(names.get(m.skill, m.skill) for m in weakest),
        completed_at=completed_at, expires_at=expires_at, required_scenarios=asked.scenarios,
    )


def summary(rows: Iterable[CompletionRow]) -> Summary:
    counts = dict.fromkeys(STATUSES, 0)
    learners = at_risk = passed = 0
    for row in rows:
        if row.status == DEACTIVATED:
            continue
        learners += 1
        counts[row.status] += 1
        at_risk += row.at_risk
        passed += row.status == COMPLETED and row.course_passed
    return Summary(learners=learners, completed=counts[COMPLETED], passed=passed, in_progress=counts[IN_PROGRESS],
                   not_started=counts[NOT_STARTED], overdue=counts[OVERDUE], expired=counts[EXPIRED], at_risk=at_risk)


def apply_filters(rows: Iterable[CompletionRow], filters: Filters) -> list[CompletionRow]:
    """The rows that pass every filter (a learner with no due date fails any due-date bound)."""
    needle = filters.search.strip().casefold()
    kept = []
    for row in rows:
        if filters.team_ids and row.team_id not in filters.team_ids:
            continue
        if filters.statuses and row.status not in filters.statuses:
            continue
        if filters.overdue_only and row.status != OVERDUE:
            continue
        if filters.due_from is not None or filters.due_to is not None:
            if row.due_at is None:
                continue
            due_day = row.due_at.date()
            if (filters.due_from is not None and due_day < filters.due_from) or \
                    (filters.due_to is not None and due_day > filters.due_to):
                continue
        if needle and needle not in row.name.casefold() and needle not in row.username:
            continue
        kept.append(row)
    return kept


def filter_problems(filters: Filters) -> list[str]:
    """What is wrong with the filters as given, for the page to say (empty when fine)."""
    if filters.due_from is not None and filters.due_to is not None and filters.due_from > filters.due_to:
        return [f"The due-date range starts ({filters.due_from:%d %b %Y}) after it ends ({filters.due_to:%d %b %Y}). "
                "Swap the two dates."]
    return []


def team_skills(
    course: Course, rows: Iterable[CompletionRow], masteries: Mapping[int, Mapping[str, SkillMastery]]
) -> list[TeamSkill]:
    """Each skill across ``rows``' learners, weakest first; skills measured in fewer than
    ``MIN_OBSERVATIONS`` learners come last ("not enough evidence")."""
    learners = [masteries.get(row.user_id, {}) for row in rows]
    found = []
    for skill in course.skills.values():
        measured = [m[skill.id].mastery for m in learners if skill.id in m and m[skill.id].enough_evidence]
        mean = sum(measured) / len(measured) if measured else None
        found.append(TeamSkill(skill=skill.id, name=skill.name, mean_mastery=mean, measured=len(measured),
                               learners=len(learners), lesson=course.lesson(skill.lesson)))
    return sorted(found, key=lambda s: (not s.enough_evidence, s.mean_mastery if s.mean_mastery is not None else 1.0,
                                        s.skill))


def weakest_first(rows: Iterable[CompletionRow], masteries: Mapping[int, Mapping[str, SkillMastery]],
                  limit: int) -> list[CompletionRow]:
    """Up to ``limit`` learners for the heatmap: lowest mean measured mastery first, unmeasured last."""

    def key(row: CompletionRow) -> tuple[bool, float, str]:
        measured = [m.mastery for m in masteries.get(row.user_id, {}).values() if m.enough_evidence]
        return (not measured, sum(measured) / len(measured) if measured else 1.0, row.name.casefold())

    return sorted(rows, key=key)[:limit]


@dataclass(frozen=True)
class ChoiceCount:
    choice_id: str
    says: str
    count: int
    rating: str
    """The choice's overall rating: "good" if every skill it shows is rated good, "poor" if
    every one is poor, else "partial"."""


@dataclass(frozen=True)
class DecisionCounts:
    """At one decision of a scenario, how many learners' first answer took each choice."""

    number: int
    node_id: str
    customer: str
    choices: tuple[ChoiceCount, ...]

    @property
    def answers(self) -> int:
        return sum(c.count for c in self.choices)


@dataclass(frozen=True)
class PathLink:
    """Learners whose first answer at ``source`` led to ``target`` (a decision or an ending)."""

    source: str
    target: str
    count: int


def decision_counts(scenario: Scenario, flows: Iterable[ChoiceFlow]) -> list[DecisionCounts]:
    """Every decision of ``scenario`` in its order, with the count of each choice (zeros included).

    Answers recorded against decisions or choices the scenario no longer has are left out.
    """
    counted: dict[tuple[str, str], int] = {}
    for flow in flows:
        counted[(flow.node_id, flow.choice_id)] = counted.get((flow.node_id, flow.choice_id), 0) + flow.count
    return [
        DecisionCounts(number=number, node_id=node.id, customer=node.customer, choices=tuple(
            ChoiceCount(choice_id=choice.id, says=choice.say, count=counted.get((node.id, choice.id), 0),
                        rating=_overall_rating(choice.evidence.values()))
            for choice in node.choices))
        for number, node in enumerate(scenario.nodes, start=1)
    ]


def path_links(scenario: Scenario, flows: Iterable[ChoiceFlow]) -> list[PathLink]:
    """The Sankey links: from each decision to where learners' first answers took them."""
    links: dict[tuple[str, str], int] = {}
    for flow in flows:
        node = scenario.node(flow.node_id)
        choice = node.choice(flow.choice_id) if node else None
        if choice is None:
            continue
        key = (flow.node_id, choice.target(flow.anger_after))
        links[key] = links.get(key, 0) + flow.count
    return [PathLink(source, target, count) for (source, target), count in sorted(links.items())]


def _overall_rating(ratings: Iterable[str]) -> str:
    found = set(ratings)
    return "good" if found == {"good"} else "poor" if found == {"poor"} else "partial"


def _time(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
