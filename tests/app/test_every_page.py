"""Every registered page, for every role: it renders for the roles that may see it, with no
exception and no "something went wrong", and it is absent from everyone else's app."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event

from elearn.store import Role, create_user, open_store, upgrade
from tests.conftest import REPO, shipped_course
from ui.nav import SECTIONS, SIGNED_IN_PAGES, SPECS, VISITOR_PAGES
from ui.store import current_store

from .conftest import PASSWORD, open_page, sign_in

COURSE = shipped_course()
# Query parameters a page needs to show its main content; pages not listed get none.
PARAMS: dict[str, dict[str, str]] = {
    "lesson": {"lesson": COURSE.lessons[0].id},
    "scenario": {"scenario": COURSE.scenarios[0].id},
}
ROLES = [Role.LEARNER, Role.MANAGER, Role.FACILITATOR, Role.ADMIN]


def pages_for(role: Role) -> list[str]:
    names: list[str] = []
    for _, unlocking, section in SECTIONS:
        if unlocking == role:
            names += [name for name in section if name not in names and (REPO / "pages" / f"{name}.py").exists()]
    return names + [name for name in SIGNED_IN_PAGES if name not in names]


def make_user(data_dir: Path, role: Role) -> str:
    store = open_store(None, data_dir)
    upgrade(store)
    username = f"a-{role.value}"
    create_user(store, username=username, display_name=f"A {role.value}", password=PASSWORD, now=datetime.now(UTC),
                roles=(role,))
    store.dispose()
    return username


def test_every_page_is_registered_for_some_role_or_for_visitors() -> None:
    reachable = {name for _, _, names in SECTIONS for name in names} | set(VISITOR_PAGES) | set(SIGNED_IN_PAGES)
    on_disk = {path.stem for path in (REPO / "pages").glob("*.py")}
    assert on_disk <= set(SPECS)
    assert on_disk <= reachable


@pytest.mark.parametrize(("role", "page"), [(role, page) for role in ROLES for page in pages_for(role)],
                         ids=lambda value: str(value))
def test_page_renders_for_its_role(own_database: Path, role: Role, page: str) -> None:
    at = sign_in(make_user(own_database, role))
    open_page(at, page, **PARAMS.get(page, {}))
    assert not at.exception
    messages = [e.value for e in at.error]
    assert not [m for m in messages if "Something went wrong" in m or "don't have access" in m], messages


@pytest.mark.parametrize(("role", "page"), [(role, page) for role in ROLES for page in SPECS
                                            if page not in pages_for(role) and page not in VISITOR_PAGES
                                            and (REPO / "pages" / f"{page}.py").exists()],
                         ids=lambda value: str(value))
def test_page_is_not_served_to_other_roles(own_database: Path, role: Role, page: str) -> None:
    at = sign_in(make_user(own_database, role))
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page(at, page, **PARAMS.get(page, {}))


@pytest.mark.parametrize(("role", "page"), [(Role.LEARNER, "home"), (Role.LEARNER, "scenario"),
                                            (Role.MANAGER, "dashboard"), (Role.FACILITATOR, "rooms")],
                         ids=lambda value: str(value))
def test_a_page_run_looks_the_session_up_once(own_database: Path, role: Role, page: str) -> None:
    """app.py's check serves the page it runs: the page's own ``require`` reuses it (the lookup
    is a database round trip on every click)."""
    at = sign_in(make_user(own_database, role))
    lookups: list[str] = []

    def watch(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        # The session's look-up reads the user joined with their session.
        if statement.lstrip().upper().startswith("SELECT") and re.search(r"\b(FROM|JOIN) sessions\b", statement):
            lookups.append(statement)

    engine = current_store().engine  # the app's own store: AppTest runs the app in this process
    event.listen(engine, "before_cursor_execute", watch)
    try:
        open_page(at, page, **PARAMS.get(page, {}))
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    assert not at.exception
    assert len(lookups) == 1, lookups
