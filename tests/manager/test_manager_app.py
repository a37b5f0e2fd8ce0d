"""The manager pages through AppTest: every view renders, and a manager never sees another team.

Each test gets its own SQLite database (``ELEARN_DATA_DIR``), filled through the store: an admin,
teams A and B, a manager of team A, Ana and Abe in A, Bea in B, a loner in no team; Ana, Abe
and Bea have played. People sign in with a session token, as the session cookie would.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from elearn.course.passing import PassRule
from elearn.manage.exports import read_xapi_zip
from elearn.store import (
    Store,
    User,
    audit_log,
    open_store,
    progress_for,
    start_session,
    upgrade,
    visible_teams,
    visible_users,
)
from elearn.store.assignments import assign, visible_assignments
from tests.app.conftest import as_read
from tests.conftest import REPO
from tests.store.conftest import build_world
from tests.store.helpers import FAST_HASHER, World
from ui import manage

from .conftest import COURSE, Clock, finish_at, play

VIEWS = ["Completion", "Team skills", "Answers", "Exports", "Assign"]
SECTIONS = ["Teams", "Move people", "Upload people", "Assign", "Accounts", "Audit log"]


@dataclass(frozen=True)
class App:
    store: Store
    world: World


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("ELEARN_DATA_DIR", str(data_dir))
    monkeypatch.delenv("ELEARN_DATABASE_URL", raising=False)
    monkeypatch.setenv("ELEARN_HOME_PAGE", "https://learn.example.com")
    store = open_store(None, data_dir, hasher=FAST_HASHER)
    upgrade(store)
    world = build_world(store)
    clock = Clock(datetime.now(UTC) - timedelta(days=3))
    scenario = COURSE.scenarios[0]
    for user, pick in ((world.ana, 0), (world.abe, 1), (world.bea, 2)):
        play(store, user, scenario, [pick], clock)
    assign(store, world.admin, team_id=world.team_a.id, due_at=datetime.now(UTC) + timedelta(days=7),
           now=datetime.now(UTC))
    yield App(store, world)
    store.dispose()


def _launch(app_path: str) -> None:
    import runpy

    runpy.run_path(app_path, run_name="__main__")


def signed_in(app: App, user: User) -> AppTest:
    at = AppTest.from_function(_launch, args=(str(REPO / "app.py"),), default_timeout=60)
    at.session_state["session_token"] = start_session(app.store, user.id, datetime.now(UTC))
    return at.run()


def open_page(at: AppTest, page: str, **params: str) -> AppTest:
    for key in list(at.query_params):
        del at.query_params[key]
    at.query_params.update(params)
    at.switch_page(str(REPO / "pages" / f"{page}.py"))
    at.run()
    assert not at.exception, at.exception
    return at


def shown_text(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.caption, *at.error, *at.warning, *at.success, *at.info, *at.title)]
    parts += [str(m.value) for m in at.metric]
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    return "\n".join(str(p) for p in parts)


def table_names(at: AppTest) -> set[str]:
    return set(at.dataframe[0].value["Learner"])


def show(at: AppTest, view: str) -> AppTest:
    at.segmented_control(key="view").set_value(view).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("role", ["manager", "admin"])
@pytest.mark.parametrize("view", VIEWS)
def test_every_dashboard_view_renders(app: App, role: str, view: str) -> None:
    at = show(open_page(signed_in(app, getattr(app.world, role)), "dashboard"), view)
    assert [t.value for t in at.title] == ["Team progress"]
    assert not at.error, [e.value for e in at.error]
    assert [m.label for m in at.metric] == ["Learners", "Completion rate", "Pass rate", "Overdue", "At risk",
                                            "Expired"]


def test_the_completion_table_and_summary(app: App) -> None:
    at = open_page(signed_in(app, app.world.manager), "dashboard")
    table = at.dataframe[0].value
    assert sorted(table["Learner"]) == ["Abe", "Ana"]
    assert set(table["Team"]) == {"Team A"}
    assert all(status.startswith("🟡 in progress · at risk") for status in table["Status"])
    assert sorted(table["Details"]) == sorted(f"learner?user={u.id}" for u in (app.world.ana, app.world.abe))
    figures = {m.label: m.value for m in at.metric}
    assert figures == {"Learners": "2", "Completion rate": "0%", "Pass rate": "0%", "Overdue": "0", "At risk": "2",
                       "Expired": "0"}


def test_no_activity_reads_never(app: App) -> None:
    at = open_page(signed_in(app, app.world.admin), "dashboard")
    table = at.dataframe[0].value
    activity = dict(zip(table["Learner"], table["Last activity"], strict=True))
    assert activity["Loner"] == "never"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", activity["Ana"])


def test_filters_narrow_the_table(app: App) -> None:
    at = open_page(signed_in(app, app.world.admin), "dashboard")
    assert table_names(at) == {"Admin", "Ana", "Abe", "Bea", "Loner"} - {"Admin"} | {"admin"}
    at.multiselect(key="filter-teams").select(app.world.team_b.id).run()
    assert table_names(at) == {"Bea"}
    at.multiselect(key="filter-teams").unselect(app.world.team_b.id).run()
    at.text_input(key="filter-search").input("ab").run()
    assert table_names(at) == {"Abe"}
    at.text_input(key="filter-search").input("").run()
    at.multiselect(key="filter-status").select("not started").run()
    assert table_names(at) == {"admin", "Loner"}
    at.toggle(key="filter-overdue").set_value(True).run()
    assert table_names(at) == set()
    assert "No learner matches these filters." in shown_text(at)


def test_a_long_table_is_shown_a_page_at_a_time_and_exported_whole(app: App, monkeypatch: pytest.MonkeyPatch
                                                                    ) -> None:
    monkeypatch.setattr(manage, "PAGE_ROWS", 2)
    at = open_page(signed_in(app, app.world.admin), "dashboard")
    everyone = ["Abe", "Ana", "Bea", "Loner", "admin"]  # the table's order: by name
    assert list(at.dataframe[0].value["Learner"]) == everyone[:2]
    assert "Learners 1–2 of 5, 2 a page, by name." in shown_text(at)
    assert {m.label: m.value for m in at.metric}["Learners"] == "5"  # the summary counts every page
    at.number_input(key="table-page").set_value(3).run()
    assert list(at.dataframe[0].value["Learner"]) == everyone[4:]
    at.text_input(key="filter-search").input("a").run()  # 4 left: page 3 no longer exists
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["Learner"]) == ["Bea", "admin"]
    assert at.number_input(key="table-page").value == 2
    csv_text = prepare(at, "csv").decode("utf-8-sig")
    assert [line.split(",")[0] for line in csv_text.splitlines()[1:]] == ["Abe", "Ana", "Bea", "admin"]


def test_learner_drill_down(app: App) -> None:
    at = open_page(signed_in(app, app.world.manager), "learner", user=str(app.world.ana.id))
    assert [t.value for t in at.title] == ["Ana"]
    [chart] = at.get("plotly_chart")
    assert json.loads(chart.proto.spec)["layout"]["title"]["text"] == "Ana's skills"  # type: ignore[attr-defined]
    decisions = at.dataframe[-1].value
    assert len(decisions) > 0
    # Numbered in the order played in each attempt (newest first on the page), not by the file's node order.
    for _, played in decisions.groupby("Attempt"):
        assert list(played["Decision"])[::-1] == list(range(1, len(played) + 1))
    assert set(decisions["Scenario"]) == {COURSE.scenarios[0].title}
    # Each decision names the answer by its words (stored by id), never by a letter or place.
    assert set(decisions["Answer"]) <= {c.say for node in COURSE.scenarios[0].nodes for c in node.choices}
    attempts = at.dataframe[0].value
    assert list(attempts["Scenario"]) == [COURSE.scenarios[0].title]


def passed_by_the_rule(app: App, user: User, threshold: float) -> int:
    rule = PassRule(threshold)
    attempts = progress_for(app.store, app.world.admin, user.id).attempts
    return len({a.scenario_id for a in attempts if rule.passed(a.outcome, a.score)})


def test_the_pass_threshold_setting_decides_what_the_table_counts_as_passed(app: App,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    finish_at(app.store, app.world.ana, COURSE.scenarios[1], 60.0, Clock(datetime.now(UTC) - timedelta(hours=2)))
    seen = {}
    for threshold in ("", "55"):
        monkeypatch.setenv("ELEARN_PASS_THRESHOLD", threshold)
        at = open_page(signed_in(app, app.world.manager), "dashboard")
        table = at.dataframe[0].value
        seen[threshold] = dict(zip(table["Learner"], table["Passed"], strict=True))
        assert set(table["Course passed"]) == {"no"}
        assert any(f"first-attempt score of at least {threshold or 70}%" in c.value for c in at.caption)
    assert seen[""] == {"Ana": passed_by_the_rule(app, app.world.ana, 70),
                        "Abe": passed_by_the_rule(app, app.world.abe, 70)}
    assert seen["55"] == {"Ana": passed_by_the_rule(app, app.world.ana, 55),
                          "Abe": passed_by_the_rule(app, app.world.abe, 55)}
    assert seen["55"]["Ana"] == seen[""]["Ana"] + 1  # the 60% success counts only under the lower bar


def test_the_drill_down_says_when_a_success_came_with_costly_mistakes(app: App) -> None:
    finish_at(app.store, app.world.ana, COURSE.scenarios[1], 60.0, Clock(datetime.now(UTC) - timedelta(hours=2)))
    at = open_page(signed_in(app, app.world.manager), "learner", user=str(app.world.ana.id))
    attempts = at.dataframe[0].value
    costly = attempts[attempts["Scenario"] == COURSE.scenarios[1].title]
    assert list(costly["Outcome"]) == ["Resolved, with costly mistakes"]
    assert list(costly["Passed"]) == ["no"]
    rule = PassRule()
    played = progress_for(app.store, app.world.admin, app.world.ana.id).attempts
    first = next(a for a in played if a.scenario_id == COURSE.scenarios[0].id)
    other = attempts[attempts["Scenario"] == COURSE.scenarios[0].title]
    assert list(other["Outcome"]) == [rule.label(first.outcome, first.score)]
    assert list(other["Passed"]) == ["yes" if rule.passed(first.outcome, first.score) else "no"]


@pytest.mark.parametrize("page", ["dashboard", "learner"])
def test_a_malformed_pass_threshold_is_reported_naming_the_setting(app: App, monkeypatch: pytest.MonkeyPatch,
                                                                   page: str) -> None:
    monkeypatch.setenv("ELEARN_PASS_THRESHOLD", "seventy")
    at = open_page(signed_in(app, app.world.manager), page, user=str(app.world.ana.id))
    assert [as_read(e.value) for e in at.error] == ["ELEARN_PASS_THRESHOLD is 'seventy': expected a percentage from 0 "
                                                    "to 100, like 70."]
    assert not at.dataframe


@pytest.mark.parametrize("section", SECTIONS)
def test_every_people_section_renders_for_an_admin(app: App, section: str) -> None:
    at = open_page(signed_in(app, app.world.admin), "people")
    at.segmented_control(key="people-section").set_value(section).run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title] == ["Teams and people"]


# --- privacy ------------------------------------------------------------------------------------

def test_a_manager_never_sees_another_team_in_the_table_or_its_filters(app: App) -> None:
    at = open_page(signed_in(app, app.world.manager), "dashboard")
    assert "Bea" not in table_names(at)
    assert at.multiselect(key="filter-teams").options == ["Team A"]
    at.text_input(key="filter-search").input("bea").run()
    assert table_names(at) == set()
    at.text_input(key="filter-search").input("").run()
    for view in VIEWS[1:]:
        show(at, view)
        assert "Bea" not in shown_text(at)
        assert "bea" not in shown_text(at)


def test_a_manager_cannot_open_another_teams_learner_by_url(app: App) -> None:
    for subject in (app.world.bea, app.world.loner, app.world.admin):
        at = open_page(signed_in(app, app.world.manager), "learner", user=str(subject.id))
        assert [e.value for e in at.error] == [
            "You can't see this learner: they are not in a team you manage, or there is no such learner. Open "
            "learners from the team progress table."]
        assert not at.title
        assert not at.dataframe
        assert subject.display_name not in shown_text(at).replace(
            "learners", "")
    for junk in ("999999", "abc", ""):
        at = open_page(signed_in(app, app.world.manager), "learner", user=junk)
        assert len(at.error) == 1
        assert not at.title


def prepare(at: AppTest, kind: str) -> bytes:
    show(at, "Exports")
    at.button(key=f"prepare-{kind}").click().run()
    assert not at.exception, at.exception
    prepared = at.session_state[f"export-{kind}"]
    return prepared.data  # type: ignore[no-any-return]


def test_a_managers_exports_hold_only_their_teams(app: App) -> None:
    at = open_page(signed_in(app, app.world.manager), "dashboard")
    csv_text = prepare(at, "csv").decode("utf-8-sig")
    assert "Ana" in csv_text
    assert "Abe" in csv_text
    assert "Bea" not in csv_text
    assert "bea" not in csv_text
    sheet = openpyxl.load_workbook(io.BytesIO(prepare(at, "xlsx"))).active
    assert sheet is not None
    assert sorted(str(sheet.cell(row=r, column=1).value) for r in range(2, sheet.max_row + 1)) == ["Abe", "Ana"]
    statements = list(read_xapi_zip(io.BytesIO(prepare(at, "xapi"))))
    assert statements
    assert {s["actor"]["account"]["name"] for s in statements} == {"ana", "abe"}
    assert all(s["actor"]["account"]["homePage"] == "https://learn.example.com" for s in statements)
    assert len(at.get("download_button")) == 3
    today = datetime.now(UTC).date().isoformat()
    names = [b.proto.label.replace("\\", "") for b in at.get("download_button")]  # type: ignore[attr-defined]
    assert names == [f"Download completion-{today}-team-team-a.{ext}" for ext in ("csv", "xlsx")] + \
        [f"Download statements-{today}-team-team-a.zip"]


def test_exports_follow_the_filters(app: App) -> None:
    at = open_page(signed_in(app, app.world.admin), "dashboard")
    at.multiselect(key="filter-teams").select(app.world.team_b.id).run()
    assert {s["actor"]["account"]["name"] for s in read_xapi_zip(io.BytesIO(prepare(at, "xapi")))} == {"bea"}
    at.multiselect(key="filter-teams").unselect(app.world.team_b.id).run()
    show(at, "Exports")
    assert not at.get("download_button")  # the file made for the old filter is not offered for the new one


@pytest.mark.parametrize("page", ["dashboard", "learner", "people"])
def test_a_learner_cannot_open_the_manager_pages(app: App, page: str) -> None:
    at = signed_in(app, app.world.ana)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page(at, page, user=str(app.world.abe.id))
    # Run directly, without app.py's navigation, the page refuses on its own.
    direct = AppTest.from_file(str(REPO / "pages" / f"{page}.py"), default_timeout=60)
    direct.session_state["session_token"] = start_session(app.store, app.world.ana.id, datetime.now(UTC))
    direct.query_params["user"] = str(app.world.abe.id)
    direct.run()
    assert [e.value for e in direct.error] == ["You don't have access to this page."]
    assert "Abe" not in shown_text(direct)


def test_a_manager_cannot_open_the_people_page(app: App) -> None:
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page(signed_in(app, app.world.manager), "people")


# --- assigning and people -----------------------------------------------------------------------

def test_a_manager_assigns_the_course_to_their_own_team_from_the_dashboard(app: App) -> None:
    at = show(open_page(signed_in(app, app.world.manager), "dashboard"), "Assign")
    assert at.selectbox(key="assign-team").options == ["Team A"]
    form = at.get("form")[0]
    form.radio[0].set_value("Chosen modules")
    form.multiselect[0].select(COURSE.lessons[1].id)
    form.number_input[0].set_value(90)
    form.button[0].click()
    at.run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("Assigned, due" in s.value for s in at.success)
    newest = visible_assignments(app.store, app.world.manager)[0]
    assert (newest.team_id, newest.modules, newest.recertify_days, newest.assigned_by) == \
        (app.world.team_a.id, (COURSE.lessons[1].id,), 90, app.world.manager.id)


def test_an_assignment_needs_modules_when_modules_are_chosen(app: App) -> None:
    at = show(open_page(signed_in(app, app.world.manager), "dashboard"), "Assign")
    form = at.get("form")[0]
    form.radio[0].set_value("Chosen modules")
    form.button[0].click()
    at.run()
    assert [e.value for e in at.error] == ["Choose at least one module, or assign the whole course."]


def people_page(app: App, section: str) -> AppTest:
    at = open_page(signed_in(app, app.world.admin), "people")
    at.segmented_control(key="people-section").set_value(section).run()
    return at


def test_an_admin_creates_a_team(app: App) -> None:
    at = people_page(app, "Teams")
    form = at.get("form")[0]
    form.text_input[0].input("Night shift")
    form.button[0].click()
    at.run()
    assert "Night shift" in {t.name for t in visible_teams(app.store, app.world.admin)}
    assert any("Team 'Night shift' created." in s.value for s in at.success)
    table = at.dataframe[0].value
    members = dict(zip(table["Team"], table["Members"], strict=True))
    everyone = visible_users(app.store, app.world.admin)
    assert members["Night shift"] == 0
    assert members["Team A"] == sum(1 for user in everyone if user.team_id == app.world.team_a.id) > 0
    assert [(e.actor, e.action, dict(e.after)) for e in audit_log(app.store, app.world.admin)] == [
        ("admin", "create team", {"team": "Night shift"})]


def test_an_admin_moves_a_learner_into_a_team(app: App) -> None:
    at = people_page(app, "Move people")
    at.text_input(key="move-search").input("loner").run()
    at.selectbox(key="move-person").set_value(app.world.loner.id).run()
    at.selectbox(key="move-team").set_value(app.world.team_a.id).run()
    at.button[0].click().run()
    assert any("is now in Team A" in s.value for s in at.success)
    at = open_page(signed_in(app, app.world.manager), "dashboard")
    assert "Loner" in table_names(at)  # the manager's cached view follows the change at once


def upload(at: AppTest, text: str) -> AppTest:
    at.file_uploader(key="people-csv").set_value(("people.csv", text.encode("utf-8"), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_csv_upload_reports_every_bad_row_and_creates_nothing(app: App) -> None:
    at = upload(people_page(app, "Upload people"),
                "username,display_name,team,roles,password\n"
                "ok.person,Ok Person,Team A,learner,\n"
                "Bad Name,Bad,Team A,learner,\n"
                "zed,Zed,Tean A,learner,\n"
                "yan,Yan,Team B,wizard,\n"
                "ok.person,Again,Team A,,\n"
                "pat,Pat,,,short\n")
    problems = list(at.dataframe[0].value["Problem"])
    assert problems == [
        "Row 3: username 'Bad Name' is not valid: use 1-64 letters, digits and . _ @ + - (starting with a letter "
        "or digit).",
        "Row 4: team: there is no team called 'Tean A'. Create it first. Did you mean 'Team A'?",
        "Row 5: unknown role 'wizard'. Use learner, manager, facilitator or admin.",
        "Row 6: username 'ok.person' is already on row 2.",
        "Row 7: password: Use at least 10 characters.",
    ]
    assert any("Nothing was created" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "people-create"]


def test_a_good_csv_upload_creates_the_accounts(app: App) -> None:
    at = upload(people_page(app, "Upload people"),
                "username,display_name,email,team,roles,manages\n"
                "new.learner,New Learner,new@example.com,Team B,,\n"
                "new.boss,New Boss,,,learner;manager,Team B\n")
    at.button(key="people-create").click().run()
    assert any("Created 2 account(s)." in s.value for s in at.success), [s.value for s in at.success]
    made = {u.username: u for u in visible_users(app.store, app.world.admin)}
    assert made["new.learner"].team_id == app.world.team_b.id
    assert not made["new.learner"].has_password
    boss = made["new.boss"]
    assert {r.value for r in boss.roles} == {"learner", "manager"}
    assert {t.name for t in visible_teams(app.store, boss)} == {"Team B"}
    uploaded = [(e.actor, e.action, e.subject) for e in audit_log(app.store, app.world.admin)
                if e.action == "create account (upload)"]
    assert sorted(uploaded) == [("admin", "create account (upload)", "new.boss"),
                                ("admin", "create account (upload)", "new.learner")]


def test_refresh_reads_the_database_afresh(app: App) -> None:
    at = open_page(signed_in(app, app.world.manager), "dashboard")
    before = dict(zip(at.dataframe[0].value["Learner"], at.dataframe[0].value["Scenarios"], strict=True))
    play(app.store, app.world.abe, COURSE.scenarios[1], [0], Clock(datetime.now(UTC) - timedelta(hours=1)))
    at.run()
    assert dict(zip(at.dataframe[0].value["Learner"], at.dataframe[0].value["Scenarios"], strict=True)) == before
    next(b for b in at.button if b.label == "Refresh").click().run()
    after = dict(zip(at.dataframe[0].value["Learner"], at.dataframe[0].value["Scenarios"], strict=True))
    assert after == {**before, "Abe": before["Abe"] + 1}


def test_names_are_shown_as_text_not_markdown(app: App) -> None:
    from elearn.store import create_user

    eve = create_user(app.store, username="eve", display_name="**Eve** [x](http://evil.example)", password=None,
                      now=datetime.now(UTC))
    shown = r"\*\*Eve\*\* \[x\]\(http" + "\u2060" + r"\://evil\.example\)"  # U+2060: no autolink
    at = people_page(app, "Move people")
    at.text_input(key="move-search").input("eve").run()
    at.selectbox(key="move-person").set_value(eve.id).run()
    at.selectbox(key="move-team").set_value(app.world.team_a.id).run()
    at.button[0].click().run()
    assert [s.value for s in at.success] == [shown + r" \(eve\) is now in Team A."]
    at = open_page(signed_in(app, app.world.manager), "learner", user=str(eve.id))
    assert [t.value for t in at.title] == [shown]
