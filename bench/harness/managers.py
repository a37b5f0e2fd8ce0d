"""Managers on the dashboard of the 10,000-learner demo database.

The demo database is built once with ``python -m elearn demo --learners N --seed S`` into a
PostgreSQL schema of its own (``bench_demo_<N>_<S>``) and kept for later runs (drop it with
``DROP SCHEMA ... CASCADE``); building 10,000 learners takes minutes. The harness adds its own
accounts: one administrator, who sees every learner, and managers who each manage an equal
share of the demo teams, so the dashboard's per-viewer cache holds one entry per simulated user
as it would in an office.

A visit: sign in, open Team progress, search for a name, clear it, toggle "Overdue only",
filter on a status, open the Team skills view (heatmap), the Answers view (Sankey and bars),
and go back to Completion. Each change is a rerun of the whole dashboard.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.harness.learners import expect
from bench.harness.load import User
from bench.harness.protocol import Tab
from bench.harness.servers import DEFAULT_POSTGRES, REPO, Database

PASSWORD = "calm under load 1"
ADMIN = "bench-admin"


def manager_name(index: int) -> str:
    return ADMIN if index == 0 else f"bench-manager-{index}"


def demo_database(learners: int, seed: int, managers: int, workdir_data: os.PathLike[str] | str) -> Database:
    """The demo database for ``learners``/``seed`` (built on first use) with the harness's accounts in it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES
    schema = f"bench_demo_{learners}_{seed}"
    admin_engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"),
                              {"s": schema}).first() is not None
        if not exists:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin_engine.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)
    database = Database(data_dir=Path(workdir_data), url=url)
    if not exists:
        env = {**os.environ, **database.env()}
        for command in (["db", "upgrade"], ["demo", "--learners", str(learners), "--seed", str(seed)]):
            subprocess.run([sys.executable, "-m", "elearn", *command], cwd=REPO, env=env, check=True)
    _ensure_accounts(database, managers)
    return database


def _ensure_accounts(database: Database, managers: int) -> None:
    from elearn.store import (
        UsernameTaken,
        create_admin,
        create_user,
        open_store,
        visible_teams,
    )
    from elearn.store.records import Role

    store = open_store(database.url, database.data_dir)
    now = datetime.now(UTC)
    try:
        try:
            admin = create_admin(store, ADMIN, PASSWORD, now, display_name="Bench Admin")
        except UsernameTaken:
            return  # made by an earlier run, with its managers
        teams = sorted(visible_teams(store, admin), key=lambda team: team.id)
        for index in range(1, managers + 1):
            create_user(store, username=manager_name(index), display_name=f"Bench Manager {index}", password=PASSWORD,
                        now=now, roles=(Role.MANAGER,), manages=[team.id for team in teams[index - 1::managers]])
    finally:
        store.dispose()


async def manager_visit(user: User) -> None:
    """One manager's visit to the dashboard (user 0 is the administrator, who sees everyone)."""
    async with user.browse() as tab:
        await user.act("open app", lambda: tab.open(), tab, think=False)
        submit = tab.view.widget(key="FormSubmitter:sign-in-Sign in")
        expect(submit is not None, "sign in", tab, "the sign-in form")
        assert submit is not None
        name = manager_name(user.index if user.index < user.options.users else 0)  # the warm-up signs in as admin
        await user.act("sign in", lambda: tab.submit_form(
            submit, {"signin-username": name, "signin-password": PASSWORD}), tab, think=False)
        await user.act("dashboard", lambda: tab.go("dashboard", title="Team progress"), tab)
        expect("Team progress" in tab.view.text(), "dashboard", tab, "the Team progress page")
        await _change(user, tab, "search a name", "filter-search", "an")
        await _change(user, tab, "clear the search", "filter-search", "")
        await _change(user, tab, "overdue only", "filter-overdue", True)
        await _change(user, tab, "all again", "filter-overdue", False)
        await _change(user, tab, "status filter", "filter-status", ["in progress"])
        await _change(user, tab, "team skills view", "view", ["Team skills"])
        await _change(user, tab, "answers view", "view", ["Answers"])
        await _change(user, tab, "completion view", "view", ["Completion"])


async def _change(user: User, tab: Tab, step: str, key: str, value: str | bool | list[str]) -> None:
    widget = tab.view.widget(key=key)
    expect(widget is not None, step, tab, f"the widget {key!r}")
    assert widget is not None
    await user.act(step, lambda: tab.change(widget, value), tab)
