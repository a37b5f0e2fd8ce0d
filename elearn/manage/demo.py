"""Demo data: ``python -m elearn demo --learners N --seed S`` fills a database for trying the dashboard.

It creates plausible teams with a manager each, assignments (the whole course or some modules,
some with recertification), and learners who read lessons and play the real scenarios through
the engine: each learner has an ability and a few stronger and weaker skills, their team has a
shared weak spot, and their choices follow from those, so the heatmap, the weakest skills and
the answer analytics show something worth reading. Some learners rewind, some replay, some stop
half-way, some never start. The same seed gives the same data.

Rows are inserted in bulk (explicit ids, one transaction per batch of learners, through the
driver's executemany or PostgreSQL's COPY: ``elearn.store.bulk``), so 10,000 learners and about
a million choice events take a few minutes. Demo accounts have no password:
to look around, create an administrator (``python -m elearn admin create``) and sign in.

It refuses to touch a database that holds anyone but demo accounts and administrators unless
``--force`` is given,
and refuses a database that already holds demo data (use a fresh one).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TextIO

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Connection

from elearn.course.catalogue import Course
from elearn.course.schema import RATING_CREDIT, Node, Scenario
from elearn.manage.dashboard import outline_of
from elearn.play.engine import ScenarioRun, choose, rewind, start
from elearn.store.assignment_rows import Assignment
from elearn.store.bulk import insert_rows
from elearn.store.db import Store
from elearn.store.rebuild import aggregates_of
from elearn.store.records import Role
from elearn.store.standing_rules import Outline
from elearn.store.standings import standings_row, sync_outline
from elearn.store.tables import (
    AssignmentRow,
    AttemptRow,
    ChoiceEventRow,
    LearnerProgressRow,
    LearnerStandingRow,
    LessonCompletionRow,
    SkillRatingRow,
    SkillTallyRow,
    TeamManagerRow,
    TeamRow,
    UserRoleRow,
    UserRow,
)

PREFIX = "demo-"
BATCH_LEARNERS = 250
TEAM_SIZE = 25

AREAS = ("Contact Centre", "Billing", "Front Desk", "Reservations", "Live Chat", "Returns", "Helpdesk",
         "Retail Floor", "Accounts", "Deliveries", "Membership", "Complaints")
SITES = ("North", "South", "East", "West", "Central", "Harbour", "Riverside", "Airport")
FIRST_NAMES = ("Ana", "Ben", "Chloé", "Dev", "Elif", "Femi", "Grace", "Hiro", "Ines", "Jonas", "Kofi", "Lena",
               "Marta", "Nikhil", "Olga", "Pablo", "Qi", "Rosa", "Sam", "Tariq", "Uma", "Viktor", "Wen", "Yara",
               "Zoltan", "Aisha", "Bruno", "Carmen", "Dmitri", "Emma", "Farah", "Gustav", "Hana", "Ivan", "Julia",
               "Kenji", "Leila", "Mateo", "Nora", "Oscar", "Priya", "Rafael", "Sofia", "Tomás", "Valentina")
LAST_NAMES = ("Pereira", "Okafor", "Nguyen", "Schmidt", "Kowalski", "Haddad", "Tanaka", "García", "Murphy",
              "Rossi", "Johansson", "Mensah", "Dubois", "Novak", "Silva", "Yilmaz", "Kim", "Fischer", "Ahmed",
              "O'Brien", "Costa", "Müller", "Ivanova", "Patel", "Moreau", "Lindqvist", "Abebe", "Santos", "Chen")


class DemoRefused(Exception):
    """The database is not one the demo may fill; the message says why and what to do."""


@dataclass
class Ids:
    """The next free id of each table (the demo inserts explicit ids, to link rows without round trips)."""

    user: int
    team: int
    attempt: int
    event: int
    assignment: int


@dataclass
class Batch:
    """Rows for one transaction."""

    users: list[dict[str, Any]] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)
    lessons: list[dict[str, Any]] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Organisation:
    """The teams, their managers and their assignments: inserted before any learner."""

    teams: list[dict[str, Any]] = field(default_factory=list)
    managers: list[dict[str, Any]] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)
    manages: list[dict[str, Any]] = field(default_factory=list)
    assignments: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class DemoSummary:
    teams: int
    managers: int
    learners: int
    assignments: int
    attempts: int
    events: int
    seconds: float


Progress = Callable[[int, int, int], None]
"""Called after each batch with (learners done, learners in all, events so far)."""


def generate(store: Store, course: Course, learners: int, seed: int, now: datetime, *, force: bool = False,
             progress: Progress | None = None) -> DemoSummary:
    """Fill ``store`` with ``learners`` demo learners and their teams, managers and progress."""
    if learners < 1:
        raise DemoRefused("--learners needs a number of 1 or more.")
    if not course.scenarios or not course.lessons:
        raise DemoRefused(f"The course in {course.directory} has no lessons or scenarios to play.")
    began = time.perf_counter()
    ids = store.read(lambda conn: _check_and_number(conn, force))
    rng = random.Random(seed)  # noqa: S311 - repeatable demo data, not secrets
    organisation = _organisation(course, learners, rng, ids, now)
    store.write(lambda conn: _insert_organisation(conn, organisation))
    outline = outline_of(course)
    sync_outline(store, outline, now)
    teams = organisation.teams
    weak_spot = {team["id"]: rng.sample(list(course.skills), k=min(2, len(course.skills))) for team in teams}
    assignment_of = {a["team_id"]: a for a in organisation.assignments}
    events = attempts = done = 0
    for first in range(0, learners, BATCH_LEARNERS):
        batch = Batch()
        for number in range(first, min(first + BATCH_LEARNERS, learners)):
            team = teams[number % len(teams)] if rng.random() > 0.02 else None
            _learner(course, rng, ids, batch, number, team, assignment_of, weak_spot, now)
        store.write(partial(_insert, batch=batch, outline=outline, assignment_of=assignment_of))
        done = min(first + BATCH_LEARNERS, learners)
        events += len(batch.events)
        attempts += len(batch.attempts)
        if progress is not None:
            progress(done, learners, events)
    store.write(_after_loading)
    return DemoSummary(teams=len(teams), managers=len(organisation.managers), learners=learners,
                       assignments=len(organisation.assignments),
                       attempts=attempts, events=events, seconds=time.perf_counter() - began)


def _check_and_number(conn: Connection, force: bool) -> Ids:
    if conn.scalar(select(func.count()).select_from(UserRow).where(UserRow.username.like(f"{PREFIX}%"))):
        raise DemoRefused("This database already holds demo data. Point --data-dir or --database-url at a new, "
                          "empty database.")
    # Administrators are not who the demo would mix with: the README has you create one first, to
    # sign in and look at the demo's teams.
    admins = select(UserRoleRow.user_id).where(UserRoleRow.role == Role.ADMIN.value)
    real = conn.scalar(select(func.count()).select_from(UserRow).where(UserRow.id.not_in(admins))) or 0
    if real and not force:
        raise DemoRefused(f"This database holds {real} real account(s) besides administrators; the demo would mix "
                          "made-up learners with them. Use a new database (--data-dir or --database-url), or add "
                          "--force if you mean it.")

    def after(column: Any) -> int:
        return int(conn.scalar(select(func.coalesce(func.max(column), 0))) or 0) + 1

    return Ids(user=after(UserRow.id), team=after(TeamRow.id), attempt=after(AttemptRow.id),
               event=after(ChoiceEventRow.id), assignment=after(AssignmentRow.id))


def _organisation(course: Course, learners: int, rng: random.Random, ids: Ids, now: datetime) -> Organisation:
    """Teams of about ``TEAM_SIZE``, a manager each (every fifth also runs the team before), and
    an assignment per team: mostly the whole course, some a few modules, some with recertification."""
    count = max(2, math.ceil(learners / TEAM_SIZE))
    names = [f"{area} {site}" for site in SITES for area in AREAS]
    rng.shuffle(names)
    created = now - timedelta(days=200)
    lessons = [lesson.id for lesson in course.lessons]
    found = Organisation()
    for index in range(count):
        name = names[index % len(names)] + (f" {index // len(names) + 1}" if index >= len(names) else "")
        team_id, manager_id = ids.team, ids.user
        ids.team += 1
        ids.user += 1
        found.teams.append({"id": team_id, "name": name, "created_at": created})
        found.managers.append({
            "id": manager_id, "username": f"{PREFIX}manager-{index + 1:04d}",
            "display_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", "email": None, "team_id": None,
            "password_hash": None, "created_at": created, "last_seen_at": now - timedelta(days=rng.randint(0, 10)),
        })
        found.roles.append({"user_id": manager_id, "role": Role.MANAGER.value})
        found.manages.append({"user_id": manager_id, "team_id": team_id})
        if index % 5 == 4:
            found.manages.append({"user_id": manager_id, "team_id": found.teams[index - 1]["id"]})
        due = (now + timedelta(days=rng.randint(-45, 60))).replace(hour=17, minute=0, second=0, microsecond=0)
        modules = [] if rng.random() < 0.7 else lessons[:rng.randint(min(3, len(lessons)), max(1, len(lessons) - 2))]
        found.assignments.append({
            "id": ids.assignment, "team_id": team_id, "user_id": None, "modules": modules, "assigned_by": manager_id,
            "assigned_at": min(due - timedelta(days=rng.randint(45, 100)), now - timedelta(days=7)), "due_at": due,
            "recertify_days": 90 if rng.random() < 0.2 else None, "revoked_at": None,
        })
        ids.assignment += 1
    return found


def _learner(course: Course, rng: random.Random, ids: Ids, batch: Batch, number: int, team: dict[str, Any] | None,
             assignment_of: dict[int, dict[str, Any]], weak_spot: dict[int, list[str]], now: datetime) -> None:
    user_id = ids.user
    ids.user += 1
    assignment = assignment_of.get(team["id"]) if team else None
    begins = assignment["assigned_at"] if assignment else now - timedelta(days=rng.randint(20, 120))
    ability = rng.betavariate(2.2, 2.0)
    strengths = {skill: rng.gauss(0, 0.15) for skill in course.skills}
    for skill in weak_spot.get(team["id"], []) if team else []:
        strengths[skill] -= 0.25
    engagement = rng.random()
    items = _course_items(course, assignment["modules"] if assignment else [])
    share = 0.0 if engagement < 0.12 else 1.0 if engagement > 0.55 else rng.uniform(0.1, 0.95)
    if engagement > 0.55 and rng.random() < 0.25:  # some finish only the part they were asked for
        share = 1.0
    moment = begins + timedelta(days=rng.uniform(0, 20), hours=rng.uniform(0, 8))
    spread = max((now - moment).total_seconds() / max(len(items), 1), 600.0)
    last_seen: datetime | None = None
    for kind, item in items[:round(share * len(items))]:
        moment = min(moment + timedelta(seconds=rng.uniform(0.2, 1.0) * spread), now - timedelta(minutes=5))
        if kind == "lesson":
            batch.lessons.append({"user_id": user_id, "lesson_id": item, "completed_at": moment})
        else:
            scenario = course.scenario(item)
            assert scenario is not None
            replays = 1 + (rng.random() < 0.6 + 0.3 * (1 - ability)) + (rng.random() < 0.35) + (rng.random() < 0.1)
            for attempt_number in range(1, replays + 1):
                moment = _attempt(rng, ids, batch, user_id, scenario, attempt_number, moment, ability, strengths,
                                  finish=True)
                ability = min(1.0, ability + 0.04)  # practice helps
        last_seen = moment
    if 0 < share < 1 and rng.random() < 0.5:  # left a scenario half-way
        open_scenario = next((item for kind, item in items[round(share * len(items)):] if kind == "scenario"), None)
        scenario = course.scenario(open_scenario) if open_scenario else None
        if scenario is not None:
            last_seen = _attempt(rng, ids, batch, user_id, scenario, 1, moment, ability, strengths, finish=False)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    batch.users.append({"id": user_id, "username": f"{PREFIX}learner-{number + 1:06d}",
                        "display_name": f"{first} {last}", "email": None, "team_id": team["id"] if team else None,
                        "password_hash": None, "created_at": begins - timedelta(days=1), "last_seen_at": last_seen})
    batch.roles.append({"user_id": user_id, "role": Role.LEARNER.value})


def _attempt(rng: random.Random, ids: Ids, batch: Batch, user_id: int, scenario: Scenario, attempt_number: int,
             moment: datetime, ability: float, strengths: dict[str, float], *, finish: bool) -> datetime:
    """Play one attempt with the engine, appending its attempt and event rows; return when it ended."""
    attempt_id = ids.attempt
    ids.attempt += 1
    started = moment
    run = start(scenario)
    stop_after = rng.randint(1, 3) if not finish else None
    while run.node is not None and (stop_after is None or len(run.log) < stop_after):
        run = choose(run, _pick(rng, run, ability, strengths))
        step = run.log[-1]
        moment += timedelta(seconds=rng.uniform(15, 80))
        batch.events.append({
            "id": ids.event, "event_key": f"{PREFIX}{attempt_id}-{len(run.log) - 1}", "user_id": user_id,
            "attempt_id": attempt_id, "scenario_id": scenario.id, "scenario_version": scenario.version,
            "node_id": step.node_id, "choice_id": step.choice_id, "evidence": dict(step.evidence),
            "anger_before": step.anger_before, "anger_after": step.anger_after, "attempt_number": attempt_number,
            "first_attempt": step.first_attempt, "occurred_at": moment,
        })
        ids.event += 1
        poor = all(rating == "poor" for _, rating in step.evidence)
        if poor and run.node is not None and rng.random() < 0.15:  # a second thought: rewind and answer again
            run = rewind(run)
    ending = run.ending
    batch.attempts.append({
        "id": attempt_id, "user_id": user_id, "scenario_id": scenario.id, "scenario_version": scenario.version,
        "attempt_number": attempt_number, "started_at": started, "updated_at": moment,
        "finished_at": moment if ending is not None else None, "run_json": run.to_json(),
        "ending_id": ending.id if ending else None, "outcome": ending.outcome if ending else None,
        "score": run.score if ending else None,
    })
    return moment + timedelta(minutes=rng.uniform(1, 30))


def _pick(rng: random.Random, run: ScenarioRun, ability: float, strengths: dict[str, float]) -> str:
    """A choice at the current decision: better answers are likelier the more able the learner is."""
    node = run.node
    assert node is not None
    weights = [math.exp(5.0 * (sum(ability + strengths.get(skill, 0.0) for skill in skills) / len(skills) - 0.35)
                        * (credit - 0.5)) for _, skills, credit in _choice_facts(node)]
    return rng.choices(_choice_facts(node), weights=weights)[0][0]


_FACTS: dict[int, tuple[Node, list[tuple[str, tuple[str, ...], float]]]] = {}


def _choice_facts(node: Node) -> list[tuple[str, tuple[str, ...], float]]:
    """(choice id, skills it shows, mean credit) for each choice at ``node``, worked out once per node."""
    cached = _FACTS.get(id(node))
    if cached is None or cached[0] is not node:
        facts = [(c.id, tuple(c.evidence), sum(RATING_CREDIT[r] for r in c.evidence.values()) / len(c.evidence))
                 for c in node.choices]
        cached = _FACTS[id(node)] = (node, facts)
    return cached[1]


def _course_items(course: Course, modules: list[str]) -> list[tuple[str, str]]:
    wanted = set(modules)
    items: list[tuple[str, str]] = []
    for lesson in course.lessons:
        if wanted and lesson.id not in wanted:
            continue
        items.append(("lesson", lesson.id))
        items += [("scenario", s.id) for s in course.practice_for(lesson)]
    if not wanted:
        items += [("scenario", s.id) for s in course.capstones]
    # A scenario that practises two lessons is played once, at the first of them.
    return list(dict.fromkeys(items))


def _insert_organisation(conn: Connection, organisation: Organisation) -> None:
    conn.execute(insert(TeamRow), organisation.teams)
    conn.execute(insert(UserRow), organisation.managers)
    conn.execute(insert(UserRoleRow), organisation.roles)
    conn.execute(insert(TeamManagerRow), organisation.manages)
    conn.execute(insert(AssignmentRow), organisation.assignments)


def _insert(conn: Connection, batch: Batch, outline: Outline, assignment_of: dict[int, dict[str, Any]]) -> None:
    # The running aggregates, computed from the batch in memory, as the write path would have
    # kept them (elearn.store.rebuild verifies they are); everything goes in by the driver's bulk
    # path (executemany, or COPY on PostgreSQL), not row by row through SQLAlchemy.
    found = aggregates_of(batch.events, batch.attempts, batch.lessons)
    standings = [standings_row(user["id"], outline, found.progress.get(user["id"]),
                               _assignment(assignment_of.get(user["team_id"] or -1)))
                 for user in batch.users]
    for table, rows in ((UserRow, batch.users), (UserRoleRow, batch.roles), (LessonCompletionRow, batch.lessons),
                        (AttemptRow, batch.attempts), (ChoiceEventRow, batch.events),
                        (SkillRatingRow, list(found.ratings.values())), (SkillTallyRow, list(found.tallies.values())),
                        (LearnerProgressRow, list(found.progress.values())), (LearnerStandingRow, standings)):
        for chunk in _chunks(rows, 10_000):
            insert_rows(conn, table, chunk)


def _assignment(row: dict[str, Any] | None) -> Assignment | None:
    if row is None:
        return None
    return Assignment(id=row["id"], team_id=row["team_id"], user_id=row["user_id"], modules=tuple(row["modules"]),
                      assigned_by=row["assigned_by"], assigned_at=row["assigned_at"], due_at=row["due_at"],
                      recertify_days=row["recertify_days"], revoked_at=row["revoked_at"])


def _after_loading(conn: Connection) -> None:
    """PostgreSQL hands out ids from sequences, which explicit ids do not advance: move them on. And
    refresh the planner's statistics, which a bulk load leaves behind until autovacuum passes (the
    dashboard's plans for one team went from ~250 ms to ~20 ms with them)."""
    if conn.dialect.name != "postgresql":
        return
    tables = ("teams", "users", "user_roles", "team_managers", "assignments", "lesson_completions",
              "scenario_attempts", "choice_events", "skill_ratings", "skill_tallies", "learner_progress",
              "learner_standings")
    for table in ("teams", "users", "scenario_attempts", "choice_events", "assignments"):
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - fixed names
                          f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"))
    conn.execute(text(f"ANALYZE {', '.join(tables)}"))


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for first in range(0, len(rows), size):
        yield rows[first:first + size]


def progress_line(out: TextIO) -> Progress:
    """A one-line progress bar on ``out`` (rewritten in place on a terminal, else a line per 10%)."""
    began = time.perf_counter()
    shown = [-1]

    def show(done: int, total: int, events: int) -> None:
        share = done / total
        tenth = int(share * 10)
        if not out.isatty() and tenth == shown[0] and done != total:
            return
        shown[0] = tenth
        bar = "#" * int(share * 30)
        line = (f"[{bar:<30}] {done:,}/{total:,} learners ({share:.0%}), {events:,} events, "
                f"{time.perf_counter() - began:.0f} s")
        end = "\n" if done == total or not out.isatty() else ""
        print(f"\r{line}" if out.isatty() else line, end=end, file=out, flush=True)

    return show
