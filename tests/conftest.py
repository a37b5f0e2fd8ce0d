"""Shared fixtures, and CI's rule that PostgreSQL and browser tests run rather than skip.

With ``ELEARN_REQUIRE_POSTGRES=1`` (set by .ci/run) the run fails if no test marked
``postgres`` passed or any was skipped; ``ELEARN_REQUIRE_BROWSER=1`` does the same for the
``browser`` tests once any exist.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from elearn.course.catalogue import Course, load_course

# tests.databases: backend/target/store, a database per test on SQLite and PostgreSQL;
# tests.throwaway_postgres: a PostgreSQL server of the run's own when TEST_DATABASE_URL is not set.
pytest_plugins = ("tests.databases", "tests.throwaway_postgres")

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"

_outcomes: dict[str, dict[str, int]] = {"postgres": {}, "browser": {}}


@functools.cache
def shipped_course() -> Course:
    """The repository's own course, read, validated and analysed once per test process.

    Loading it takes about two seconds (the path analysis of every scenario), and some twenty
    test modules want it at import: each xdist worker imports every module, so one load per
    process instead of one per module saves about forty seconds of CPU per worker. ``Course`` is
    a frozen dataclass that the tests only read; tests/test_shipped_course.py checks the course
    itself, through this same load.
    """
    return load_course(REPO)


@pytest.fixture
def course_copy(tmp_path: Path) -> Callable[..., Path]:
    """Copy the good fixture course to a temporary folder, with broken fixture files laid over it."""

    def make(*overlays: str) -> Path:
        target = tmp_path / "course"
        shutil.copytree(FIXTURES / "course", target)
        for overlay in overlays:
            shutil.copytree(FIXTURES / "broken" / overlay, target, dirs_exist_ok=True)
        return target

    return make


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests, and everything under tests/load, are ``system`` tests (slow: real servers);
    every ``system`` test runs before the others.

    Why first: the slow tests are a few dozen of the suite's three thousand, and most of its time.
    pytest-xdist hands the tests out in this order, so the slow ones spread over every worker at
    the start and the quick ones fill the gaps at the end, rather than one worker ending the run
    alone on a queue of browser tests. The sort is stable: each module's tests stay together, in
    their order, so module-scoped fixtures (one Chromium per module) are set up once per worker.
    """
    for item in items:
        if item.get_closest_marker("browser") or (TESTS / "load") in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.system)
    items.sort(key=lambda item: item.get_closest_marker("system") is None)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for marker in _outcomes:
        if marker in report.keywords and (report.when == "call" or report.outcome == "skipped"):
            counts = _outcomes[marker]
            counts[report.outcome] = counts.get(report.outcome, 0) + 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker sees only its share; the controller receives every report and decides
    required = {"postgres": os.environ.get("ELEARN_REQUIRE_POSTGRES") == "1",
                "browser": os.environ.get("ELEARN_REQUIRE_BROWSER") == "1"}
    failures = []
    for marker, counts in _outcomes.items():
        if not required[marker]:
            continue
        if counts.get("skipped"):
            failures.append(f"{counts['skipped']} {marker} test(s) were skipped; CI must run them")
        if marker == "postgres" and not counts.get("passed") and not session.config.option.collectonly:
            failures.append("no PostgreSQL test passed; CI must run them (is TEST_DATABASE_URL set?)")
    if failures and session.config.option.markexpr == "" and not session.config.option.keyword:
        for failure in failures:
            print(f"\nCI requirement failed: {failure}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
