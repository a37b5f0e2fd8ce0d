"""Streamlit helpers for the manager pages: who may open them, cached aggregates, filters, exports.

The dashboard reads the standings kept on write (``elearn.manage.completion_table``): the summary
and the filters are SQL, and rows are built only for the page of the table shown (``PAGE_ROWS``).
What it read is cached per viewer for ``CACHE_SECONDS``, keyed on a fingerprint of what the viewer
may see *now* (``scope_fingerprint``: roles, managed teams, who is in them), so a change of access
never serves a stale scope; a page or filter seen before is served from the cache. Once an entry
is older than that, the page is served from it while a fresh one is computed in the background
(``refresh_mode="background"``). The cache holds frozen rows shared between reruns
(``st.cache_resource``: no copy per rerun); treat them as read-only.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

import streamlit as st

from elearn.course.catalogue import Course
from elearn.course.passing import PassRule
from elearn.errors import ElearnError
from elearn.learner.mastery import SkillMastery
from elearn.manage.completion_table import counts, every_row, matching_ids, page_rows, summary_of, team_names
from elearn.manage.dashboard import (
    STATUSES,
    CompletionRow,
    Filters,
    Summary,
    masteries_from,
    outline_of,
    requirement,
)
from elearn.manage.exports import (
    XAPI_BATCH,
    XapiSource,
    completion_csv,
    completion_xlsx,
    file_name,
    statements,
    write_xapi_zip,
)
from elearn.manage.roster import Roster, import_roster
from elearn.store import Role, Team, User, visible_teams
from elearn.store.analytics import (
    ChoiceFlow,
    ExportEvent,
    FinishedAttempt,
    choice_flows,
    count_events,
    export_events,
    finished_attempt_batches,
    scope_fingerprint,
    skill_evidence,
)
from elearn.store.assignments import (
    assign,
    assignable_learners,
    assignable_team_ids,
    revoke,
    visible_assignments,
)
from elearn.store.completion import StandingCounts
from elearn.store.standings import sync_outline
from ui.auth import require
from ui.store import current_settings, current_store, now
from ui.text import md_escape

CACHE_SECONDS = 120
PAGE_ROWS = 100


@dataclass(frozen=True)
class DashboardData:
    """What the dashboard shows whatever the filters, for one viewer at one moment."""

    everyone: StandingCounts
    """The learners the viewer may see (deactivated included), unfiltered."""
    teams: tuple[Team, ...]
    loaded_at: datetime
    fingerprint: tuple[object, ...]
    """The key it was cached under (``fingerprint(viewer)``): the run's other cached reads (answers,
    exports) reuse it instead of asking the database for it again."""
    pass_rule: PassRule
    """The rule the rows' "passed" figures follow; the exports use the same one."""


def require_manager() -> User:
    """The signed-in user if they manage a team or administer the app; otherwise stop with a refusal."""
    return require(Role.MANAGER, Role.ADMIN)


def fingerprint(viewer: User) -> tuple[object, ...]:
    """What cached results are keyed on: the database, and what the viewer may see in it now."""
    store = current_store()
    return (store.engine.url.render_as_string(hide_password=True), *scope_fingerprint(store, viewer))


def dashboard_data(viewer: User, course: Course, pass_rule: PassRule) -> DashboardData:
    """The viewer's unfiltered counts and teams (read from the kept standings, then cached);
    "passed" as ``pass_rule`` says (``ui.course.pass_rule()``). The course's outline is given to
    the store first, so the standings follow the course as it is now."""
    return _dashboard(viewer, fingerprint(viewer), str(course.directory), course, pass_rule.threshold)


@st.cache_resource(ttl=CACHE_SECONDS, max_entries=16, show_spinner="Adding up everyone's progress…",
                   refresh_mode="background")
def _dashboard(_viewer: User, key: tuple[object, ...], course_dir: str, _course: Course,
               threshold: float) -> DashboardData:
    rule = PassRule(threshold)
    store = current_store()
    sync_outline(store, outline_of(_course), now())  # one read when it is stored already
    moment = now()
    return DashboardData(everyone=counts(store, _viewer, Filters(), moment, rule), teams=visible_teams(store, _viewer),
                         loaded_at=moment, fingerprint=key, pass_rule=rule)


@dataclass(frozen=True)
class TableView:
    """The learners the filters keep: their counts and summary, and the rows of one page."""

    counts: StandingCounts
    summary: Summary
    rows: tuple[CompletionRow, ...]
    page: int
    """1-based, within ``pages`` (a page past the end is the last page)."""
    pages: int


def table_view(viewer: User, course: Course, board: DashboardData, filters: Filters, page: int) -> TableView:
    """The filtered counts and page ``page`` of the table, as of ``board.loaded_at`` (cached)."""
    return _table(viewer, board.fingerprint, board.loaded_at, str(course.directory), course, board.pass_rule.threshold,
                  _filter_key(filters), filters, page, board.everyone)


@st.cache_resource(ttl=CACHE_SECONDS, max_entries=64, show_spinner=False)
def _table(_viewer: User, key: tuple[object, ...], loaded_at: datetime, course_dir: str, _course: Course,
           threshold: float, filter_key: tuple[object, ...], _filters: Filters, page: int,
           _everyone: StandingCounts) -> TableView:
    rule = PassRule(threshold)
    store = current_store()
    found = _everyone if _filters == Filters() else counts(store, _viewer, _filters, loaded_at, rule)
    pages = max(1, -(-found.rows // PAGE_ROWS))
    shown = min(max(page, 1), pages)
    rows = page_rows(store, _viewer, _course, _filters, loaded_at, rule, offset=(shown - 1) * PAGE_ROWS,
                     limit=PAGE_ROWS) if found.rows else []
    return TableView(counts=found, summary=summary_of(found), rows=tuple(rows), page=shown, pages=pages)


def _filter_key(filters: Filters) -> tuple[object, ...]:
    return (tuple(sorted(filters.team_ids)), tuple(sorted(filters.statuses)), filters.due_from, filters.due_to,
            filters.overdue_only, filters.search)


@dataclass(frozen=True)
class TeamSkillsData:
    """Every learner the filters keep, with their masteries: the Team skills view."""

    rows: tuple[CompletionRow, ...]
    masteries: dict[int, dict[str, SkillMastery]]


def team_skills_data(viewer: User, course: Course, board: DashboardData, filters: Filters) -> TeamSkillsData:
    """The rows and masteries of every learner the filters keep (cached): built in batches."""
    return _team_skills(viewer, board.fingerprint, board.loaded_at, str(course.directory), course,
                        board.pass_rule.threshold, _filter_key(filters), filters)


@st.cache_resource(ttl=CACHE_SECONDS, max_entries=16, show_spinner="Reading everyone's skills…")
def _team_skills(_viewer: User, key: tuple[object, ...], loaded_at: datetime, course_dir: str, _course: Course,
                 threshold: float, filter_key: tuple[object, ...], _filters: Filters) -> TeamSkillsData:
    store = current_store()
    rows = tuple(every_row(store, _viewer, _course, _filters, loaded_at, PassRule(threshold)))
    masteries = masteries_from(skill_evidence(store, _viewer, sorted(_filters.team_ids) or None), _course.skills)
    return TeamSkillsData(rows=rows, masteries=masteries)


def members(viewer: User, board: DashboardData, filters: Filters) -> frozenset[int]:
    """The ids of every learner the filters keep."""
    return frozenset(matching_ids(current_store(), viewer, filters, board.loaded_at))


def flows(viewer: User, board: DashboardData, scenario_id: str, team_ids: frozenset[int]) -> tuple[ChoiceFlow, ...]:
    """First answers at one scenario by the viewer's learners (in ``team_ids`` if any), cached briefly."""
    return _flows(viewer, board.fingerprint, scenario_id, tuple(sorted(team_ids)))


@st.cache_data(ttl=CACHE_SECONDS, max_entries=64, show_spinner="Counting answers…", refresh_mode="background")
def _flows(_viewer: User, key: tuple[object, ...], scenario_id: str, team_ids: tuple[int, ...]
           ) -> tuple[ChoiceFlow, ...]:
    return choice_flows(current_store(), _viewer, scenario_id, team_ids or None)


def forget_cached() -> None:
    """Drop every cached aggregate (after an assignment or a change of teams: it concerns others too)."""
    _dashboard.clear()
    _table.clear()
    _team_skills.clear()
    _flows.clear()


def refresh(viewer: User, course: Course, board: DashboardData) -> None:
    """Drop this viewer's cached dashboard, so the next run reads the database afresh."""
    _dashboard.clear(viewer, board.fingerprint, str(course.directory), course, board.pass_rule.threshold)
    _table.clear()  # keyed on the moment it was read as of: a fresh board reads afresh anyway
    _team_skills.clear()


def filter_controls(teams: Sequence[Team]) -> Filters:
    """The filter widgets above the completion table; returns what they say."""
    names = {team.id: team.name for team in teams}
    left, middle, right = st.columns([2, 2, 2])
    chosen_teams = left.multiselect("Team", list(names), format_func=lambda team_id: names[team_id],
                                    placeholder="All teams", key="filter-teams")
    statuses = middle.multiselect("Status", list(STATUSES), placeholder="Any status", key="filter-status")
    span = right.date_input("Due between", value=[], format="YYYY-MM-DD", key="filter-due")
    search_column, toggle_column = st.columns([4, 2])
    search = search_column.text_input("Search by name", placeholder="Name or username", key="filter-search")
    overdue = toggle_column.toggle("Overdue only", key="filter-overdue")
    bounds = [day for day in (span if isinstance(span, tuple | list) else [span]) if isinstance(day, date)]
    return Filters(team_ids=frozenset(chosen_teams), statuses=frozenset(statuses),
                   due_from=bounds[0] if bounds else None, due_to=bounds[1] if len(bounds) > 1 else None,
                   overdue_only=overdue, search=search)


def pass_rule_words(rule: PassRule) -> str:
    """What "passed" means, for captions and help texts."""
    return f"a successful ending with a first-attempt score of at least {rule.threshold:g}%"


def summary_figures(figures: Summary, rule: PassRule) -> None:
    columns = st.columns(6)
    columns[0].metric("Learners", f"{figures.learners:,}")
    columns[1].metric("Completion rate", f"{figures.completion_rate:.0%}", help="Completed, of the learners shown.")
    columns[2].metric("Pass rate", f"{figures.pass_rate:.0%}",
                      help=f"Completed and passed every scenario asked ({pass_rule_words(rule)}), of the learners "
                           "shown.")
    columns[3].metric("Overdue", f"{figures.overdue:,}", help="Not complete and past the due date.")
    columns[4].metric("At risk", f"{figures.at_risk:,}", help="Not complete and due within 14 days.")
    columns[5].metric("Expired", f"{figures.expired:,}", help="Completed, but the recertification period has passed.")


def home_page() -> str:
    """The app's home page IRI for xAPI ids: ``ELEARN_HOME_PAGE`` if set, else this request's origin."""
    configured = current_settings().home_page
    if configured:
        return configured
    parts = urlsplit(st.context.url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "http://localhost:8501"


@dataclass(frozen=True)
class Prepared:
    key: tuple[object, ...]
    data: bytes
    file_name: str
    mime: str

    def bytes_when_clicked(self) -> bytes:
        """The file, handed to the download button as a callable so it is sent only on the click."""
        return self.data


EXPORTS = {  # label, file name's stem and extension (elearn.manage.exports.file_name), MIME type
    "csv": ("CSV", "completion", "csv", "text/csv"),
    "xlsx": ("Excel (XLSX)", "completion", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "xapi": ("xAPI statements (zip of NDJSON)", "statements", "zip", "application/zip"),
}


def export_panel(viewer: User, course: Course, board: DashboardData, filters: Filters, view: TableView) -> None:
    """Prepare-then-download buttons for the learners the filters keep (every page); each file is
    made with visible progress, its rows built in batches from the same SQL as the table."""
    key = (board.fingerprint, board.loaded_at, _filter_key(filters))
    total = view.counts.rows
    teams = team_names(current_store(), viewer, filters, board.loaded_at)
    st.caption(f"Exports hold the {total:,} learners shown by the filters above.")
    for kind, (label, stem, extension, mime) in EXPORTS.items():
        name = file_name(stem, now().date(), teams, extension)
        with st.container(border=True):
            if st.button(f"Prepare {label}", key=f"prepare-{kind}", disabled=not total):
                with st.status(f"Preparing {label} for {total:,} learners…") as status:
                    rows = every_row(current_store(), viewer, course, filters, board.loaded_at, board.pass_rule)
                    data = _make(kind, viewer, course, board.pass_rule, rows, status.write)
                    st.session_state[f"export-{kind}"] = Prepared(key, data, name, mime)
                    status.update(label=f"{label} ready ({len(data) / 1e6:.1f} MB)", state="complete")
            prepared = st.session_state.get(f"export-{kind}")
            if isinstance(prepared, Prepared) and prepared.key == key:
                st.download_button(f"Download {md_escape(prepared.file_name)}", data=prepared.bytes_when_clicked,
                                   file_name=prepared.file_name, mime=prepared.mime, on_click="ignore",
                                   icon="⬇️", key=f"download-{kind}")


def _make(kind: str, viewer: User, course: Course, rule: PassRule, made: Iterator[CompletionRow],
          say: Callable[[str], object]) -> bytes:
    if kind == "csv":
        return completion_csv(made)
    if kind == "xlsx":
        return completion_xlsx(made)
    rows = list(made)  # the xAPI file reads them twice: ids for the events, then completions
    store = current_store()
    user_ids = [row.user_id for row in rows]
    total = count_events(store, viewer, user_ids)
    say(f"{total:,} choices, plus finished scenarios and course completions, in files of "
        f"{XAPI_BATCH:,} statements (NDJSON) in one zip.")
    bar = st.progress(0.0, text="Writing statements…")
    done = [0]

    def batches() -> Iterator[list[ExportEvent]]:
        for batch in export_events(store, viewer, user_ids):
            done[0] += len(batch)
            bar.progress(min(1.0, done[0] / max(total, 1)), text=f"Writing statements… {done[0]:,} of {total:,}")
            yield batch

    def attempts() -> Iterator[FinishedAttempt]:
        for batch in finished_attempt_batches(store, viewer, user_ids):
            yield from batch

    source = XapiSource(course=course, home_page=home_page(), pass_rule=rule)
    # Written to a file on disk as it streams; only the compressed zip is read back for the button.
    with tempfile.TemporaryFile() as out:
        count = write_xapi_zip(out, statements(source, rows, attempts(), batches()))
        out.seek(0)
        data = out.read()
    bar.progress(1.0, text=f"{count:,} statements written.")
    return data


def lesson_names(course: Course) -> dict[str, str]:
    return {lesson.id: f"{number}. {lesson.title}" for number, lesson in enumerate(course.lessons, start=1)}


def requirement_text(course: Course, modules: Sequence[str]) -> str:
    if not modules:
        return "Whole course"
    asked = requirement(course, modules)
    names = lesson_names(course)
    return ", ".join(names.get(lesson, lesson) for lesson in asked.lessons) or "(lessons no longer in the course)"


def assignment_form(viewer: User, course: Course, teams: Sequence[Team]) -> None:
    """Assign the course or chosen modules to a team or a learner, with a due date and an optional
    recertification period. Managers see only their own teams and their members."""
    store = current_store()
    allowed = assignable_team_ids(store, viewer)
    names = {team.id: team.name for team in teams if team.id in allowed}
    target = st.radio("Assign to", ["A team", "One learner"], horizontal=True, key="assign-target")
    team_id = user_id = None
    if target == "A team":
        if not names:
            st.info("You don't manage any team yet, so there is no one to assign training to.", icon="👥")
            return
        team_id = st.selectbox("Team", list(names), format_func=lambda key: names[key], key="assign-team")
    else:
        search = st.text_input("Find the learner", placeholder="Part of a name or username", key="assign-search")
        people = assignable_learners(store, viewer, search) if search.strip() else ()
        if search.strip() and not people:
            st.caption("No learner you can assign to matches that.")
        labels = {person.id: f"{person.display_name} ({person.username})" for person in people}
        user_id = st.selectbox("Learner", list(labels), format_func=lambda key: labels[key], key="assign-learner",
                               placeholder="Search first", index=None)
    lessons = lesson_names(course)
    with st.form("assign", border=True):
        scope = st.radio("What", ["Whole course", "Chosen modules"], horizontal=True)
        modules = st.multiselect("Modules (for 'Chosen modules')", list(lessons), format_func=lambda key: lessons[key])
        today = now().date()
        due = st.date_input("Due date", value=today + timedelta(days=30), min_value=today + timedelta(days=1),
                            format="YYYY-MM-DD")
        recertify = st.number_input("Recertify after (days; 0 for never)", min_value=0, max_value=3650, value=0,
                                    step=30)
        before = st.text_input("E-mail reminders, days before the due date (comma-separated; empty for none)",
                               value="7, 1", max_chars=40)
        overdue_every = st.number_input("Then an overdue reminder every (days; 0 for none)", min_value=0,
                                        max_value=365, value=7, step=1)
        submitted = st.form_submit_button("Assign", type="primary")
    if not submitted:
        return
    if target == "One learner" and user_id is None:
        st.error("Choose a learner first: type part of their name above, then pick them.", icon="👤")
        return
    if scope == "Chosen modules" and not modules:
        st.error("Choose at least one module, or assign the whole course.", icon="📚")
        return
    days_before = [part.strip() for part in before.split(",") if part.strip()]
    if not all(part.isascii() and part.isdigit() for part in days_before):
        st.error("Write the reminder days as whole numbers separated by commas, like 7, 1 (or leave it empty).",
                 icon="✉️")
        return
    due_at = datetime.combine(due if isinstance(due, date) else today, time(23, 59), UTC)
    try:
        assign(store, viewer, team_id=team_id, user_id=user_id, modules=modules if scope == "Chosen modules" else (),
               due_at=due_at, recertify_days=int(recertify) or None, now=now(),
               remind_days_before=[int(part) for part in days_before], overdue_every_days=int(overdue_every))
    except ElearnError as error:
        st.error(md_escape(str(error)), icon="⚠️")
        return
    forget_cached()
    st.success(f"Assigned, due {due_at:%d %b %Y}.", icon="✅")


def assignments_table(viewer: User, course: Course, teams: Sequence[Team]) -> None:
    """The assignments in force that the viewer can see, with a way to withdraw one."""
    store = current_store()
    found = visible_assignments(store, viewer)
    if not found:
        st.caption("No assignments yet.")
        return
    team_names = {team.id: team.name for team in teams}
    allowed = assignable_team_ids(store, viewer)
    st.dataframe(
        [{"To": f"Team: {team_names.get(a.team_id, a.team_id)}" if a.team_id else f"Learner #{a.user_id}",
          "What": requirement_text(course, a.modules), "Assigned": a.assigned_at.date(), "Due": a.due_at.date(),
          "Recertify (days)": a.recertify_days} for a in found],
        hide_index=True,
    )
    mine = [a for a in found if a.team_id in allowed or a.user_id is not None]
    labels = {a.id: f"#{a.id}: {team_names.get(a.team_id or -1, '') or f'learner #{a.user_id}'}, "
                    f"due {a.due_at:%d %b %Y}" for a in mine}
    chosen = st.selectbox("Withdraw an assignment", list(labels), format_func=lambda key: labels[key], index=None,
                          placeholder="Choose one to withdraw", key="revoke-choice")
    if chosen is not None and st.button("Withdraw it", key="revoke"):
        try:
            revoke(store, viewer, chosen, now())
        except ElearnError as error:
            st.error(md_escape(str(error)), icon="⚠️")
            return
        forget_cached()
        st.rerun()


def import_people(admin: User, roster: Roster) -> tuple[User, ...]:
    """Create everyone in a checked roster in one transaction (``elearn.manage.roster.import_roster``), with
    a progress bar while passwords are hashed. Raises ``RosterRefused`` (nobody was created), whose
    ``problems`` name each row and its reason."""
    bar = st.progress(0.0, text="Preparing accounts…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"Preparing accounts… {done:d} of {total:d}")

    try:
        made = import_roster(current_store(), admin, roster, now(), on_progress=progress)
    finally:
        bar.empty()
    forget_cached()
    return made
